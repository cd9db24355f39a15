"""The static site: strict build, CSP, every page clean in chromium, the slides' controls
(their content: test_slides.py).

Browser tests serve the built site under /sub/path/ (see conftest.py) and fail on
any console error, uncaught exception, HTTP error or request to another origin.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["index.html", "slides/index.html", "demo.html", "results.html", "format.html", "training.html",
         "notebook.html"]
CSP_RE = re.compile(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">')


def load_hooks():
    """theme/hooks.py as mkdocs loads it: with its folder on sys.path (it imports results_fill)."""
    spec = importlib.util.spec_from_file_location("site_hooks", ROOT / "theme" / "hooks.py")
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(ROOT / "theme"))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(ROOT / "theme"))
    return module


# --- build (no browser) ----------------------------------------------------------------


def test_build_strict_has_pages_vendor_files_and_results(built_site):
    for page in PAGES + ["404.html"]:
        assert (built_site / page).is_file(), page
    for name in [
        *load_hooks().TFJS,
        "vendor/reveal/reveal.js",
        "vendor/reveal/reveal.css",
        "vendor/reveal/theme/white.css",
        "vendor/reveal/plugin/notes.js",
        "results/results.json",
        "results/rd.png",
        "results/talk_loss.png",
    ]:
        assert (built_site / name).is_file(), name
    # The table written by the evaluation is part of the results page.
    table = (ROOT / "site" / "results" / "results.md").read_text()
    first_row = next(line for line in table.splitlines() if line.startswith("|"))
    first_cell = first_row.strip("|").split("|")[0].strip()
    assert first_cell in (built_site / "results.html").read_text()
    # The snippet source is included, not published as a page of its own.
    assert not (built_site / "results" / "results.html").exists()


def test_every_page_has_a_same_origin_csp(built_site):
    pages = [p for p in built_site.rglob("*.html") if "vendor" not in p.parts]
    assert len(pages) >= len(PAGES)
    for page in pages:
        html = page.read_text(encoding="utf-8")
        m = CSP_RE.search(html)
        assert m, f"{page}: no CSP meta"
        policy = dict(d.strip().split(" ", 1) for d in m.group(1).split(";"))
        assert policy["default-src"] == "'self'", page
        assert policy["object-src"] == "'none'", page
        script_src = policy["script-src"].split()
        assert script_src[0] == "'self'" and all(s.startswith("'sha256-") for s in script_src[1:]), page
        assert "unsafe-eval" not in m.group(1) and "*" not in m.group(1), page
        # Nothing but relative URLs for what the page loads.
        for url in re.findall(r'<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)="([^"]+)"', html):
            assert not re.match(r"^(?:[a-z]+:)?//", url), f"{page}: loads {url}"


def test_missing_node_modules_fails_with_npm_ci(tmp_path, monkeypatch):
    hooks = load_hooks()
    monkeypatch.setattr(hooks, "NODE_MODULES", tmp_path / "node_modules")
    with pytest.raises(hooks.PluginError, match="npm ci"):
        hooks.on_config(None)


class _Files:
    def __init__(self, *paths, excluded=()):
        self.paths, self.excluded = set(paths), set(excluded)

    def get_file_from_path(self, path):
        from mkdocs.structure.files import InclusionLevel

        if path not in self.paths:
            return None
        level = InclusionLevel.EXCLUDED if path in self.excluded else InclusionLevel.INCLUDED
        return type("F", (), {"inclusion": level})()


def test_demo_scripts_injected_and_a_missing_demo_fails_the_build():
    from mkdocs.exceptions import PluginError

    hooks = load_hooks()
    demo = hooks.DEMO_JS
    assert demo == "js/demo/index.js" and (ROOT / "site" / demo).is_file()
    html = "<body><div data-demo-root></div></body>"
    assert hooks.inject_demo("<body>no demo</body>", "demo.html", _Files()) == "<body>no demo</body>"
    for files in (_Files(), _Files(demo, excluded=[demo])):  # missing, or not published (exclude_docs)
        with pytest.raises(PluginError, match="data-demo-root"):
            hooks.inject_demo(html, "slides/index.html", files)
    html = "<head></head><body><div data-demo-root></div></body>"
    out = hooks.inject_demo(html, "slides/index.html", _Files(demo))
    assert '<script type="module" src="../js/demo/index.js"></script>' in out
    assert '<link rel="stylesheet" href="../js/demo/demo.css">\n</head>' in out
    out = hooks.inject_demo(html, "demo.html", _Files(demo))
    assert 'src="js/demo/index.js"' in out and 'href="js/demo/demo.css"' in out
    # tf.js is no script of the page: the demo imports it when it starts (js/demo/tfjs.js).
    assert "vendor/tfjs" not in out
    tfjs = (ROOT / "site" / "js" / "demo" / "tfjs.js").read_text()
    imported = [src for src in hooks.TFJS if f'import "../../{src}";' in tfjs]
    assert imported == list(hooks.TFJS)  # the CPU backend too: it gives the first answer (engine.js)
    assert [tfjs.index(src) for src in imported] == sorted(tfjs.index(src) for src in imported)  # load order
    # A page that loads the demo itself is left alone.
    own = '<body><div data-demo-root></div><script type="module" src="js/demo/index.js"></script></body>'
    assert hooks.inject_demo(own, "demo.html", _Files(demo)) == own


def test_results_json_has_the_shape_the_slides_read():
    data = json.loads((ROOT / "site" / "results" / "results.json").read_text())
    assert isinstance(data["codecs"], dict) and "talk" in data["codecs"]
    for codec in data["codecs"].values():
        assert {"bytes_mean", "psnr", "ssim", "accuracy"} <= codec.keys()
    for family in ("jpeg_file", "jpeg_scan", "webp", "avif", "png"):
        assert isinstance(data["baselines"][family], list)


def test_committed_reports_are_what_the_evaluation_writes_from_results_json(tmp_path):
    """results.md and the targets in results.json follow from the measurements
    in results.json (`evaluate --rebuild` rewrites them without measuring)."""
    import shutil

    from training import evaluate

    results = ROOT / "site" / "results"
    shutil.copy(results / "results.json", tmp_path / "results.json")
    evaluate.rebuild(tmp_path, models_dir=tmp_path / "no-models")
    assert (tmp_path / "results.md").read_text() == (results / "results.md").read_text()
    assert json.loads((tmp_path / "results.json").read_text()) == json.loads((results / "results.json").read_text())


# --- browser -----------------------------------------------------------------------------


def wait_for_reveal(page):
    page.wait_for_function("() => window.Reveal && Reveal.isReady()")


@pytest.mark.browser
@pytest.mark.parametrize("path", PAGES)
def test_page_loads_clean_under_sub_path(probe, path):
    response = probe.goto(path, wait_until="load")
    assert response.ok
    if path.startswith("slides"):
        wait_for_reveal(probe.page)
    probe.page.wait_for_load_state("networkidle")
    probe.assert_clean()


@pytest.mark.browser
def test_slides_navigate_with_keyboard(probe):
    probe.goto("slides/index.html")
    wait_for_reveal(probe.page)
    before = probe.page.evaluate("Reveal.getIndices()")
    probe.page.keyboard.press("ArrowRight")
    probe.page.wait_for_function(f"() => Reveal.getIndices().h !== {before['h']}")
    assert probe.page.evaluate("Reveal.getIndices()")["h"] == before["h"] + 1
    probe.page.keyboard.press("ArrowLeft")
    probe.page.wait_for_function(f"() => Reveal.getIndices().h === {before['h']}")
    assert probe.page.evaluate("Reveal.getTotalSlides()") >= 12
    probe.assert_clean()


@pytest.mark.browser
def test_slides_language_toggle_url_and_memory(probe):
    page = probe.page
    probe.goto("slides/index.html#/overzicht")
    wait_for_reveal(page)
    heading = page.locator("#overzicht h2")
    assert heading.inner_text().lower() == "overzicht"  # the talk was given in Dutch
    assert page.evaluate("document.documentElement.lang") == "nl"

    page.click("#lang-toggle")
    assert heading.inner_text().lower() == "overview"
    classes = page.evaluate("document.documentElement.className").split()
    assert "lang-en" in classes and "lang-nl" not in classes

    page.reload()  # remembered
    wait_for_reveal(page)
    assert page.locator("#overzicht h2").inner_text().lower() == "overview"

    probe.goto("slides/index.html?lang=nl#/overzicht")  # the URL wins
    wait_for_reveal(page)
    assert page.locator("#overzicht h2").inner_text().lower() == "overzicht"
    page.keyboard.press("l")  # and so does the keyboard
    assert page.locator("#overzicht h2").inner_text().lower() == "overview"
    probe.assert_clean()


@pytest.mark.browser
def test_speaker_notes_window_connects(probe):
    page = probe.page
    probe.goto("slides/index.html#/introductie")
    wait_for_reveal(page)
    with page.expect_popup() as popup_info:
        page.keyboard.press("s")
    notes = popup_info.value
    # The speaker view hides its status once it talks to the deck through its iframes.
    notes.wait_for_selector("#connection-status", state="hidden", timeout=15000)
    expect(notes.locator(".speaker-controls-notes .value")).to_contain_text("Dat is de vraag van de hele talk")
    # Navigating in the speaker view moves the deck too.
    notes.keyboard.press("ArrowRight")
    page.wait_for_function("() => location.hash === '#/auto-encoder'")
    probe.assert_clean()


@pytest.mark.browser
def test_tfjs_webgl_runs_under_the_csp(probe):
    page = probe.page
    probe.goto("demo.html")
    # As the demo loads it (js/demo/tfjs.js), with no CSP violation (the probe records them):
    # no 'unsafe-eval' for the WebGL backend, no WebAssembly compiled by its loading.
    result = page.evaluate("""async (url) => {
        await import(url);
        await tf.setBackend('webgl');
        await tf.ready();
        const y = tf.matMul(tf.tensor2d([[1, 2], [3, 4]]), tf.tensor2d([[1], [1]]));
        return {backend: tf.getBackend(), values: Array.from(await y.data())};
    }""", probe.origin + "/sub/path/js/demo/tfjs.js")
    assert result == {"backend": "webgl", "values": [3, 7]}
    probe.assert_clean()


@pytest.mark.browser
def test_slides_swipe_on_a_touch_screen(browser, make_probe):
    context = browser.new_context(has_touch=True, is_mobile=True, viewport={"width": 800, "height": 600})
    try:
        page = context.new_page()
        probe = make_probe(page)
        probe.goto("slides/index.html")
        wait_for_reveal(page)
        cdp = context.new_cdp_session(page)

        def touch(kind, x):
            points = [] if kind == "touchEnd" else [{"x": x, "y": 300, "id": 1}]
            cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})

        touch("touchStart", 650)
        for x in (550, 400, 250, 150):  # swipe to the left: next slide
            touch("touchMove", x)
        touch("touchEnd", 150)
        page.wait_for_function("() => Reveal.getIndices().h === 1")
        probe.assert_clean()
    finally:
        context.close()


@pytest.mark.browser
def test_slides_full_screen_button(probe):
    page = probe.page
    probe.goto("slides/index.html")
    wait_for_reveal(page)
    page.click("#fullscreen-toggle")
    page.wait_for_function("() => document.fullscreenElement !== null")
    page.click("#fullscreen-toggle")
    page.wait_for_function("() => document.fullscreenElement === null")
    probe.assert_clean()
