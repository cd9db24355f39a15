"""No page is wider than a phone's screen, whichever fonts the reader has (issue #21).

Every page of the built site, and the slides in both languages, at 320, 360 and 390 px,
with two font sets:

* ``default``: this machine's fonts (here Liberation, which Helvetica and Arial map to);
* ``dejavu``: only the six files of Debian's fonts-dejavu-core, the fonts of the minimal
  image that ``make image-test`` builds (chromium with --no-install-recommends). A second
  chromium is started with a fontconfig file that knows no other font, so every family
  (sans-serif, monospace, Arial, ...) falls back to DejaVu, as it does there.

A page fits when the document is no wider than the screen (a phone zooms out to show a
wider one: its innerWidth then grows too) and no element sticks out past the screen's
right edge unless a box of its own that fits clips or scrolls it (a table or a code
block that scrolls sideways is fine). A failure names the widest elements that stick out.

The demo is measured twice: while its models load (before any result) and with the
results of the first digit shown (their texts are what got wide), every <details> open.
Its models load once per font set; each width then resizes that page.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from demo_page import ROOT_SEL, prepare, wait_idle, wait_runs

pytestmark = pytest.mark.browser

WIDTHS = [320, 360, 390]
FONTS = ["default", "dejavu"]
# Every page of the built site (test_every_page_is_measured keeps this list complete).
PAGES = ["index.html", "results.html", "format.html", "training.html", "notebook.html", "404.html",
         "slides/index.html?lang=nl", "slides/index.html?lang=en"]
DEMO = "demo.html"
HEIGHT = 800
# Debian's fonts-dejavu-core: all the fonts the minimal image has.
DEJAVU_CORE = ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSansMono.ttf", "DejaVuSansMono-Bold.ttf",
               "DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf"]
FONT_DIRS = [Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/TTF"), Path("/usr/share/fonts/dejavu")]

# The document's width, the viewport's, and the widest elements that stick out past its
# right edge without a box of their own (that fits) to clip or scroll them.
MEASURE = """(width) => {
  const clips = (el) => getComputedStyle(el).overflowX !== 'visible';
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if ((r.width === 0 && r.height === 0) || r.right <= width + 0.5) continue;
    if (getComputedStyle(el).visibility === 'hidden') continue;
    let clipped = false;
    for (let a = el.parentElement; a && a !== document.body && a !== document.documentElement; a = a.parentElement) {
      if (clips(a)) { clipped = true; break; }
    }
    if (clipped) continue;
    const names = typeof el.className === 'string' ? el.className.trim() : '';
    const cls = names ? '.' + names.split(/\\s+/).join('.') : '';
    out.push({right: Math.round(r.right), width: Math.round(r.width),
              el: el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + cls,
              text: (el.textContent || '').replace(/\\s+/g, ' ').trim().slice(0, 60)});
  }
  out.sort((a, b) => b.right - a.right);
  return {scroll: document.documentElement.scrollWidth, inner: innerWidth, out: out.slice(0, 8)};
}"""


def overflow(page, width: int) -> list[str]:
    """What is wider than the screen: [] when the page fits."""
    m = page.evaluate(MEASURE, width)
    problems = []
    if m["scroll"] > width or m["inner"] > width:
        problems.append(f"the document is {max(m['scroll'], m['inner'])} px wide on a {width} px screen")
    problems += [f"{o['el']} ({o['width']} px wide, right edge at {o['right']} px): {o['text']!r}" for o in m["out"]]
    return problems


@pytest.fixture(scope="session")
def dejavu_fontconfig(tmp_path_factory) -> Path:
    """A fontconfig file whose only fonts are fonts-dejavu-core's (the minimal image's)."""
    found = {}
    for name in DEJAVU_CORE:
        for folder in FONT_DIRS:
            if (folder / name).is_file():
                found[name] = folder / name
                break
    missing = sorted(set(DEJAVU_CORE) - set(found))
    if missing:
        pytest.fail(f"DejaVu fonts not found ({', '.join(missing)}): apt-get install -y fonts-dejavu-core",
                    pytrace=False)
    home = tmp_path_factory.mktemp("dejavu")
    (home / "fonts").mkdir()
    for name, path in found.items():
        (home / "fonts" / name).symlink_to(path)
    conf = home / "fonts.conf"
    # The system's rules (aliases, hinting) but none of its font folders.
    conf.write_text(f"""<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <dir>{home / "fonts"}</dir>
  <cachedir>{home / "cache"}</cachedir>
  <include ignore_missing="yes">/etc/fonts/conf.d</include>
</fontconfig>
""", encoding="utf-8")
    return conf


@pytest.fixture(scope="module")
def browsers(browser, browser_type, browser_type_launch_args, dejavu_fontconfig):
    """{font set: chromium}: pytest-playwright's, and one that has only DejaVu."""
    env = {k: v for k, v in os.environ.items() if k != "FONTCONFIG_PATH"}
    dejavu = browser_type.launch(**browser_type_launch_args, env={**env, "FONTCONFIG_FILE": str(dejavu_fontconfig)})
    # That chromium draws Arial (the pages' sans-serif) and monospace in DejaVu, as the image does.
    page = dejavu.new_page()
    same = page.evaluate("""() => {
        const ctx = document.createElement('canvas').getContext('2d');
        const w = (font) => { ctx.font = font; return ctx.measureText('Hamburgefonstiv 0123456789').width; };
        return [w('20px Arial') === w('20px "DejaVu Sans"'), w('20px monospace') === w('20px "DejaVu Sans Mono"'),
                w('20px "DejaVu Sans"') !== w('20px "DejaVu Sans Mono"')];
    }""")
    page.close()
    assert all(same), f"the DejaVu-only chromium still has other fonts: {same}"
    yield {"default": browser, "dejavu": dejavu}
    dejavu.close()


def phone(browser, width: int):
    """A phone's context: mobile viewport (it zooms out to show a wider page), touch."""
    return browser.new_context(viewport={"width": width, "height": HEIGHT}, device_scale_factor=2,
                               is_mobile=True, has_touch=True)


def settle(page) -> None:
    page.wait_for_load_state("load")
    page.evaluate("document.fonts.ready.then(() => new Promise(r => requestAnimationFrame(() => r())))")


# --- the pages and the slides -------------------------------------------------------------


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("fonts", FONTS)
@pytest.mark.parametrize("width", WIDTHS)
def test_page_fits_a_phone(browsers, site_url, width, fonts, path):
    context = phone(browsers[fonts], width)
    try:
        page = context.new_page()
        page.goto(site_url + path)
        if path.startswith("slides/"):
            page.wait_for_function("() => window.Reveal && Reveal.isReady()")
        settle(page)
        problems = overflow(page, width)
        assert not problems, "\n".join(problems)
    finally:
        context.close()


def test_the_measurement_sees_what_sticks_out(browsers, site_url):
    context = phone(browsers["dejavu"], 320)
    try:
        page = context.new_page()
        page.goto(site_url + "index.html")
        settle(page)
        assert overflow(page, 320) == []
        page.evaluate("""() => document.querySelector('article').insertAdjacentHTML('beforeend',
            '<div style="overflow-x:auto"><pre>' + 'x'.repeat(200) + '</pre></div>'
            + '<div style="overflow:hidden"><span id="clipped" style="position:relative;left:400px">x</span></div>')""")
        assert overflow(page, 320) == []  # scrolled or clipped by a box that fits
        page.evaluate("""() => document.querySelector('article').insertAdjacentHTML('beforeend',
            '<p id="wide" style="width:400px">wide</p>')""")
        found = overflow(page, 320)
        assert found[0].startswith("the document is ") and found[1].startswith("p#wide (400 px wide"), found
    finally:
        context.close()


def test_every_page_is_measured(built_site):
    pages = {p.relative_to(built_site).as_posix() for p in built_site.glob("*.html")}
    pages |= {p.relative_to(built_site).as_posix() for p in (built_site / "slides").glob("*.html")}
    measured = {p.split("?")[0] for p in PAGES} | {DEMO}
    assert pages == measured, f"pages not measured here: {sorted(pages - measured)}"


# --- the demo -----------------------------------------------------------------------------


@pytest.mark.parametrize("fonts", FONTS)
@pytest.mark.parametrize("width", WIDTHS)
def test_demo_fits_a_phone_before_its_results(browsers, site_url, width, fonts):
    """While the models load (held back here): the room the results will take."""
    context = phone(browsers[fonts], width)
    held = []
    try:
        context.route("**/models/**", lambda route: held.append(route))
        page = context.new_page()
        page.goto(site_url + DEMO)
        page.wait_for_function(f"() => document.querySelector('{ROOT_SEL}')?.dataset.state === 'loading'")
        settle(page)
        problems = overflow(page, width)
        assert page.evaluate(f"document.querySelector('{ROOT_SEL}').dataset.state") == "loading"
        assert not problems, "\n".join(problems)
    finally:
        context.unroute_all(behavior="ignoreErrors")
        context.close()


@pytest.fixture(scope="module")
def demo_with_results(browsers, site_url):
    """{font set: the demo page with its first digit's results}, loaded once per font set."""
    opened = {}

    def get(fonts: str):
        if fonts not in opened:
            context = phone(browsers[fonts], max(WIDTHS))
            page = context.new_page()
            prepare(page)
            page.goto(site_url + DEMO)
            page.wait_for_function(f"() => document.querySelector('{ROOT_SEL}')?.dataset.state === 'ready'",
                                   timeout=120_000)
            wait_runs(page, 1)
            wait_idle(page)
            page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")  # measured too
            opened[fonts] = (context, page)
        return opened[fonts][1]

    yield get
    for context, _ in opened.values():
        context.close()


@pytest.mark.parametrize("fonts", FONTS)
@pytest.mark.parametrize("width", WIDTHS)
def test_demo_fits_a_phone_with_its_results(demo_with_results, width, fonts):
    page = demo_with_results(fonts)
    page.set_viewport_size({"width": width, "height": HEIGHT})
    settle(page)
    assert page.locator(f"{ROOT_SEL} [data-testid=compressed-hex]").inner_text().strip() not in ("", "–")
    problems = overflow(page, width)
    assert not problems, "\n".join(problems)
