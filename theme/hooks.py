"""MkDocs build hooks for the site (mkdocs.yml: `hooks: [theme/hooks.py]`).

What this does at build time, and why:

* Vendored browser libraries: tf.js and reveal.js come from node_modules (npm ci)
  and are added to the build as files under vendor/, so no page ever needs a CDN.
* Content-Security-Policy: every page carries a <meta http-equiv> CSP. The policy
  lives here, in one place. Inline scripts (material has a few, and their text
  depends on the page's relative base URL) are allowed by their sha256 hashes,
  computed from the rendered page, so no 'unsafe-inline' for scripts.
  The reveal.js speaker-notes window is an about:blank popup that inherits the
  slides' CSP and runs one inline script written by the notes plugin; its hash
  is taken from the shipped plugin file, so updating reveal.js cannot silently
  break the notes window.
* The demo: pages holding a `data-demo-root` element get the demo's entry
  module (site/js/demo/index.js) and its stylesheet; a build without that
  module fails rather than ship a page whose demo never starts. tf.js is not
  a script tag of the page: the demo imports it (js/demo/tfjs.js, in its Web
  Worker) only when a demo starts.
* Figures and numbers (site/results/) are written by `python -m training
  evaluate`, which also copies the training plots there. The numbers reach the
  slides and pages through results_fill.py (beside this file), at build time:
  markers such as {{ codecs.talk.bytes_mean | bytes }} become text.
* The slides' fonts leave reveal.js' theme CSS for files of their own
  (slide_fonts.py); the pages' images get their sizes and their tables
  keyboard-scrollable regions (page_html.py); 404.html finds the site's root
  folder itself, so it works at any depth under any sub-path (not_found.py).
* The slide "Where the bits go": a real file's bit map, split by aec/bits.py
  and drawn as SVG at build time (bit_map.py).
"""

from __future__ import annotations

import base64
import hashlib
import logging
import posixpath
import re
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.utils import get_relative_url

try:  # mkdocs puts this file's folder on sys.path while it loads the hook
    import bit_map
    import not_found
    import page_html
    import results_fill
    import slide_fonts
except ImportError:  # imported as theme.hooks (the tests)
    from theme import bit_map, not_found, page_html, results_fill, slide_fonts

log = logging.getLogger("mkdocs.hooks.site")

ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = ROOT / "node_modules"

# (source under node_modules, destination under the built site)
VENDOR_FILES = [
    # The ES2017 build, not tf.min.js: tf.min.js bundles ES5 polyfills whose
    # regenerator-runtime, running in strict mode, falls back to
    # Function("r", "regeneratorRuntime = r") -- an eval that our CSP refuses, so
    # the script throws and `tf` stays empty (tensorflow/tfjs#7554). The ES2017
    # build is the same library and the same `tf` global, without the polyfills
    # (and smaller); every browser with WebGL 2 runs ES2017.
    # Only the parts the demo uses (core, the CPU and WebGL backends, the graph
    # model loader), not the whole tf.es2017.min.js with tfjs-layers and
    # tfjs-data: 68 KB less for the page. Each bundle adds itself to `tf`.
    *((f"@tensorflow/{pkg}/dist/{name}", f"vendor/tfjs/{name}") for pkg, name in (
        ("tfjs-core", "tf-core.es2017.min.js"),
        ("tfjs-backend-cpu", "tf-backend-cpu.es2017.min.js"),
        ("tfjs-backend-webgl", "tf-backend-webgl.es2017.min.js"),
        ("tfjs-converter", "tf-converter.es2017.min.js"))),
    ("reveal.js/dist/reset.css", "vendor/reveal/reset.css"),
    ("reveal.js/dist/reveal.css", "vendor/reveal/reveal.css"),
    # white.css embeds its fonts as data: URIs (simple.css would @import Google Fonts).
    ("reveal.js/dist/theme/white.css", "vendor/reveal/theme/white.css"),
    ("reveal.js/dist/reveal.js", "vendor/reveal/reveal.js"),
    ("reveal.js/dist/plugin/notes.js", "vendor/reveal/plugin/notes.js"),
]
NOTES_PLUGIN = "reveal.js/dist/plugin/notes.js"
REVEAL_THEME = "vendor/reveal/theme/white.css"  # its fonts become files (slide_fonts.py)
THEME_CSS = "site.css"  # theme/overrides/site.css, included into every page
# tf.js ends with a sourceMappingURL comment; the map is 12+ MB and only
# DevTools would fetch it (and log a 404), so the comment is dropped instead.
SOURCEMAP_RE = re.compile(rb"\n//# sourceMappingURL=\S+\s*$")

DEMO_JS = "js/demo/index.js"  # the demo's entry module; it imports the rest
DEMO_CSS = "js/demo/demo.css"
# The vendored tf.js bundles, in load order (core first); js/demo/tfjs.js imports them.
TFJS = [dest for _, dest in VENDOR_FILES if dest.startswith("vendor/tfjs/")]
SLIDES = "slides/index.html"
RESULTS_JSON = "results/results.json"

CSP_MARKER = "__SITE_CSP__"
# Everything from the page's own origin, nothing from anywhere else.
#  - style-src 'unsafe-inline': material and reveal.js set style="" attributes
#    in markup (CSP cannot hash those without 'unsafe-hashes'); styles cannot
#    run code, and no other origin is reachable anyway.
#  - img-src data: blob: material's icons are data: SVGs in its CSS; the demo
#    may show decoded digits through blob: URLs.
#  - font-src data: reveal.js' white theme embeds its fonts as data: URIs.
#  - no 'unsafe-eval': tf.js' WebGL backend runs without it (tests check).
#    (tf.js' WASM backend would need 'wasm-unsafe-eval'.)
#  - frame-ancestors / report-uri are ignored (with a console error) in <meta>.
CSP_DIRECTIVES = [
    ("default-src", ["'self'"]),
    ("script-src", ["'self'"]),  # + sha256 hashes of the page's inline scripts
    ("style-src", ["'self'", "'unsafe-inline'"]),
    ("img-src", ["'self'", "data:", "blob:"]),
    ("font-src", ["'self'", "data:"]),
    ("connect-src", ["'self'"]),
    ("worker-src", ["'self'"]),
    ("frame-src", ["'self'"]),
    ("object-src", ["'none'"]),
    ("base-uri", ["'self'"]),
    ("form-action", ["'self'"]),
]

# <script> elements without src whose type makes them executable.
INLINE_SCRIPT_RE = re.compile(
    r"<script(?P<attrs>(?:\s[^>]*)?)>(?P<body>.*?)</script\s*>", re.S | re.I
)
EXECUTABLE_TYPES = {"", "text/javascript", "application/javascript", "module"}

_notes_hash: str | None = None
_serving = False  # set by on_startup for `mkdocs serve`
_files: Files | None = None  # this build's files, kept by on_files for on_post_page
_results: dict | None = None  # this build's results.json (with results_fill's views)


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def inline_script_hashes(html: str) -> list[str]:
    hashes = []
    for m in INLINE_SCRIPT_RE.finditer(html):
        attrs = m.group("attrs")
        if re.search(r"\ssrc\s*=", attrs, re.I):
            continue
        t = re.search(r"""\stype\s*=\s*["']?([^"'\s>]*)""", attrs, re.I)
        if (t.group(1).lower() if t else "") not in EXECUTABLE_TYPES:
            continue  # e.g. material's <script type="application/json">
        h = _sha256(m.group("body"))
        if h not in hashes:
            hashes.append(h)
    return hashes


def csp(script_hashes: list[str]) -> str:
    parts = []
    for name, values in CSP_DIRECTIVES:
        if name == "script-src":
            # `mkdocs serve` injects a live-reload <script> that differs on every
            # request, so it cannot be hashed; there (and only there) inline scripts
            # are allowed. Browsers ignore 'unsafe-inline' next to hashes, so the
            # hashes are left out.
            values = values + (["'unsafe-inline'"] if _serving else script_hashes)
        parts.append(" ".join([name, *values]))
    return "; ".join(parts)


def fill_csp(html: str, where: str, extra_hashes: list[str] = ()) -> str:
    if CSP_MARKER not in html:
        raise PluginError(f"{where}: no Content-Security-Policy meta with {CSP_MARKER}")
    return html.replace(CSP_MARKER, csp(inline_script_hashes(html) + list(extra_hashes)))


# --- the speaker-notes window -------------------------------------------------

_JS_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}


def _decode_js_literal(src: str, start: int, quote: str) -> str:
    """Value of the JS string/template literal whose opening quote is at src[start]."""
    out, i = [], start + 1
    while True:
        c = src[i]
        if c == quote:
            return "".join(out)
        if quote == "`" and src.startswith("${", i):
            raise ValueError("template literal with a substitution")
        if c != "\\":
            out.append(c)
            i += 1
            continue
        e = src[i + 1]
        if e == "x":
            out.append(chr(int(src[i + 2 : i + 4], 16)))
            i += 4
        elif e == "u" and src[i + 2] == "{":
            end = src.index("}", i)
            out.append(chr(int(src[i + 3 : end], 16)))
            i = end + 1
        elif e == "u":
            out.append(chr(int(src[i + 2 : i + 6], 16)))
            i += 6
        elif e == "\r" or e == "\n":  # line continuation
            i += 3 if src.startswith("\r\n", i + 1) else 2
        else:
            out.append(_JS_ESCAPES.get(e, e))
            i += 2


def notes_window_script_hash() -> str:
    """CSP hash of the inline script of reveal.js' speaker view (notes plugin)."""
    global _notes_hash
    if _notes_hash is None:
        src = (NODE_MODULES / NOTES_PLUGIN).read_text(encoding="utf-8")
        m = re.search(r"\.document\.write\(\s*([`\"'])", src)
        if not m:
            raise PluginError(f"{NOTES_PLUGIN}: speaker view HTML not found (reveal.js changed?)")
        html = _decode_js_literal(src, m.start(1), m.group(1))
        scripts = [s for s in INLINE_SCRIPT_RE.finditer(html)]
        if len(scripts) != 1:
            raise PluginError(f"{NOTES_PLUGIN}: expected one inline script in the speaker view")
        _notes_hash = _sha256(scripts[0].group("body"))
    return _notes_hash


# --- hooks ---------------------------------------------------------------------


def on_startup(command, dirty):
    global _serving
    _serving = command == "serve"
    if _serving:
        log.info("mkdocs serve: the CSP allows inline scripts (live reload); `mkdocs build` does not.")


def on_config(config):
    missing = [src for src, _ in VENDOR_FILES if not (NODE_MODULES / src).is_file()]
    if missing:
        raise PluginError(
            "node_modules is missing or incomplete (" + ", ".join(missing) + "): "
            "run `npm ci` in " + str(ROOT) + " first."
        )
    # Snippets resolve base_path against the working directory; pin it to the repo.
    snippets = config.mdx_configs.setdefault("pymdownx.snippets", {})
    snippets["base_path"] = [str(Path(config.docs_dir).resolve())]
    return config


def fill_results(text: str, where: str, langs=results_fill.LANGS) -> str:
    assert _results is not None
    try:
        return results_fill.fill(text, _results, langs)
    except results_fill.ResultsError as e:
        raise PluginError(f"{where}: {e}") from None


def on_files(files: Files, config) -> Files:
    global _files, _results

    def put(dest: str, **kw) -> None:
        old = files.get_file_from_path(dest)
        if old is not None:
            files.remove(old)
        files.append(File.generated(config, dest, inclusion=InclusionLevel.NOT_IN_NAV, **kw))

    # The theme's stylesheet is inside every page (overrides/main.html), not a file of the site.
    theme_css = files.get_file_from_path(THEME_CSS)
    if theme_css is not None:
        files.remove(theme_css)
    slides = files.get_file_from_path(SLIDES)
    if slides is None:
        raise PluginError(f"site/{SLIDES} is missing")
    for src, dest in VENDOR_FILES:
        data = (NODE_MODULES / src).read_bytes()
        if dest.endswith(".js"):
            data = SOURCEMAP_RE.sub(b"\n", data)
        if dest == REVEAL_THEME:
            try:
                css, fonts = slide_fonts.split(data.decode("utf-8"), Path(slides.abs_src_path).read_text("utf-8"))
            except slide_fonts.FontError as e:
                raise PluginError(f"{src}: {e}") from None
            data = css.encode("utf-8")
            for name, font in fonts.items():
                put(posixpath.join(posixpath.dirname(dest), name), content=font)
        put(dest, content=data)

    try:
        _results = results_fill.load(Path(config.docs_dir) / RESULTS_JSON)
    except results_fill.ResultsError as e:
        raise PluginError(str(e)) from None
    html = Path(slides.abs_src_path).read_text(encoding="utf-8")
    try:  # a real file's bit map, with markers of its level's averages (bit_map.py)
        figure, svgs = bit_map.make(ROOT, _results)
    except bit_map.BitMapError as e:
        raise PluginError(str(e)) from None
    html = html.replace(bit_map.MARKER, figure)
    for name, svg in svgs.items():
        put(posixpath.join(posixpath.dirname(SLIDES), name), content=svg.encode("utf-8"))
    html = fill_results(html, SLIDES)
    html = inject_demo(html, SLIDES, files)
    html = fill_csp(html, SLIDES, [notes_window_script_hash()])
    files.remove(slides)
    files.append(File.generated(config, SLIDES, content=html))
    _files = files
    return files


def inject_demo(html: str, page_url: str, files: Files) -> str:
    """Load the demo (and, in <head>, its styles) on pages that hold a demo container."""
    if "data-demo-root" not in html:
        return html
    demo = files.get_file_from_path(DEMO_JS)
    if demo is None or demo.inclusion.is_excluded():
        raise PluginError(f"{page_url} holds a demo (data-demo-root) but site/{DEMO_JS} is not published")
    if re.search(r"""src=["'][^"']*""" + re.escape(DEMO_JS), html):
        return html  # the page loads it itself
    css = f'<link rel="stylesheet" href="{get_relative_url(DEMO_CSS, page_url)}">\n'
    html = html.replace("</head>", css + "</head>", 1)
    return html.replace("</body>", f'<script type="module" src="{get_relative_url(DEMO_JS, page_url)}"></script>\n</body>', 1)


def on_page_markdown(markdown: str, page, config, files) -> str:
    # The pages are in English.
    return fill_results(markdown, page.file.src_uri, ("en",))


def on_page_content(html: str, page, config, files) -> str:
    def read(path: str) -> bytes | None:  # a file of this build, generated ones too (the notebook's figures)
        file = files.get_file_from_path(path)
        return None if file is None else file.content_bytes

    html = page_html.images(html, page.file.url, read)
    return page_html.scrolling_pre(page_html.tables(html))


def on_template_context(context, template_name: str, config):
    # mkdocs gives error pages root-absolute links ("/assets/...") when there is no
    # site_url, which break under a sub-path; links relative to the root folder are
    # rebased by the page's script to wherever that folder is (not_found.py).
    if template_name == "404.html":
        context["base_url"] = "."
    return context


def on_post_page(output: str, page, config) -> str:
    assert _files is not None
    output = inject_demo(output, page.url or "index.html", _files)
    return fill_csp(output, page.file.src_uri)


def on_post_template(output: str, template_name: str, config) -> str:
    # 404.html is rendered from the theme's templates, outside on_post_page.
    if template_name == "404.html":
        try:
            output = not_found.relocatable(output)
        except ValueError as e:
            raise PluginError(str(e)) from None
    if template_name.endswith(".html") and CSP_MARKER in output:
        return fill_csp(output, template_name)
    return output
