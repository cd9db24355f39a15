"""Accessibility: axe-core finds no violation of any impact on any page, at a desk's
and a phone's width, and on every slide in both languages.

axe-core is a devDependency (package.json); tests/axe_check.py adds it to pages
opened with bypass_csp=True (the site's CSP runs no script of another's).
`make audit` runs the same checks and lists what they find.
"""

from __future__ import annotations

import pytest

import axe_check

PAGES = ["index.html", "demo.html", "results.html", "format.html", "training.html", "notebook.html", "404.html"]
DESK = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


def open_page(browser, site_url, path, viewport):
    context = browser.new_context(bypass_csp=True, viewport=viewport)
    page = context.new_page()
    page.goto(site_url + path)
    return context, page


@pytest.mark.browser
@pytest.mark.parametrize("viewport", [DESK, PHONE], ids=["desk", "phone"])
@pytest.mark.parametrize("path", PAGES)
def test_no_violation_on_a_page(browser, site_url, path, viewport):
    context, page = open_page(browser, site_url, path, viewport)
    try:
        page.wait_for_load_state("networkidle")
        if page.locator("[data-demo-root]").count():
            # The demo as people use it: once it has loaded (or said why it could not).
            page.wait_for_function("() => ['ready', 'failed'].includes("
                                   "document.querySelector('[data-demo-root]').dataset.state)", timeout=120_000)
        found = axe_check.blocking(axe_check.run(page))
        assert not found, axe_check.describe(found)
    finally:
        context.close()


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["nl", "en"])
def test_no_violation_on_any_slide(browser, site_url, lang):
    # A phone shows the same slides, scaled (`make audit` checks it there too).
    context, page = open_page(browser, site_url, f"slides/index.html?lang={lang}", DESK)
    try:
        page.wait_for_function("() => window.Reveal && Reveal.isReady()")
        per_slide = axe_check.slides(page)
        assert len(page.evaluate("Reveal.getSlides()")) >= 20
        found = {sid: axe_check.describe(axe_check.blocking(v)) for sid, v in per_slide.items()}
        found = {sid: lines for sid, lines in found.items() if lines}
        assert not found, found
    finally:
        context.close()


@pytest.mark.browser
def test_axe_finds_what_the_site_once_had(browser, site_url):
    """The check can fail: grey on grey, a button named otherwise than it reads,
    a link told apart by colour alone, a table that only scrolls by mouse, and
    (moderate) navigation landmarks that cannot be told apart."""
    context, page = open_page(browser, site_url, "format.html", DESK)
    try:
        page.evaluate("""() => {
          const main = document.querySelector('article');
          main.insertAdjacentHTML('afterbegin',
            '<p style="color:#999;background:#ccc">faint text</p>'
            + '<button aria-label="Switch to English">NL | EN</button>'
            + '<p style="color:#212121">text with <a href="#x" style="color:#4051b5;text-decoration:none">a link</a> in it</p>'
            + '<div style="overflow-x:auto;width:100px"><table><tr><td style="white-space:nowrap">'
            + 'a cell far wider than its box, a cell far wider than its box</td></tr></table></div>'
            + '<nav><button>copy</button></nav><nav><button>copy</button></nav>');
        }""")
        ids = {v["id"] for v in axe_check.blocking(axe_check.run(page))}
        assert {"color-contrast", "label-content-name-mismatch", "link-in-text-block",
                "scrollable-region-focusable", "landmark-unique"} <= ids, ids
    finally:
        context.close()


@pytest.mark.browser
def test_copy_buttons_are_not_landmarks(browser, site_url):
    """Material's copy button sits in a <nav> per code block; the theme makes each a plain box (role=none)."""
    context, page = open_page(browser, site_url, "format.html", DESK)
    try:
        page.wait_for_load_state("networkidle")
        navs = page.locator("pre > nav.md-code__nav")
        n = navs.count()
        assert n >= 2
        assert navs.evaluate_all("ns => ns.map(n => n.getAttribute('role'))") == ["none"] * n
        assert page.locator("pre > nav.md-code__nav > button.md-code__button").count() == n
    finally:
        context.close()
