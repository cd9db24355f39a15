"""The pages: the home page's answer beside its figures, the results' tables that fit
(secondary columns fold away on a phone) with their targets in words, the
reconstruction grids, 404.html at any depth under a sub-path, nothing that shifts the layout,
and the slides' fonts as files of their own (theme/page_html.py, theme/slide_fonts.py).
"""

from __future__ import annotations

import functools
import io
import re
import threading
from http.server import ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from conftest import SUB_PATH, _SubPathHandler
from theme import page_html, results_fill, slide_fonts

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "site" / "results"
DESK = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html)).strip()


# --- the home page ------------------------------------------------------------------------


def test_home_page_answers_in_one_sentence_beside_its_figures(built_site):
    html = (built_site / "index.html").read_text(encoding="utf-8")
    results = results_fill.load(RESULTS / "results.json")
    best = results["best"]
    m = re.search(r'<p class="answer">(?P<answer>.*?)</p>\s*<div class="figures">(?P<figures>.*?)</div>', html, re.S)
    assert m, "no answer followed by its figures"
    answer = text_of(m.group("answer"))
    # One sentence, that says yes or no and the numbers behind it, from results.json.
    assert answer.endswith(".") and not re.search(r"[.!?] [A-Z]", answer), answer
    expected = [results_fill.fmt(results["answer"]["beats_jpeg"], "yesno", "en"),
                results_fill.fmt(best["bytes"], "bytes", "en") + " bytes",
                results_fill.fmt(best["jpeg_scan_bytes"], "bytes", "en") + " bytes",
                results_fill.fmt(best["psnr"], "db", "en"),
                results_fill.fmt(best["gain_vs_jpeg_scan"], "gain", "en")]
    for part in expected:
        assert part in answer, (part, answer)
    sources = re.findall(r'<img [^>]*src="([^"]+)"', m.group("figures"))
    assert sources == ["results/rd.png", "results/codec_reconstructions.png"]


@pytest.mark.browser
def test_home_page_answer_and_figures_are_the_first_screen(browser, site_url):
    context = browser.new_context(viewport=DESK)
    try:
        page = context.new_page()
        page.goto(site_url + "index.html")
        page.wait_for_load_state("load")
        answer = page.locator("p.answer").bounding_box()
        figures = [page.locator(".figures img").nth(i).bounding_box() for i in range(2)]
        assert answer["y"] + answer["height"] <= figures[0]["y"] < DESK["height"], (answer, figures)
        # Side by side: the two figures start on the same line.
        assert abs(figures[0]["y"] - figures[1]["y"]) < 2 and figures[0]["x"] < figures[1]["x"], figures
    finally:
        context.close()


# --- the results page ---------------------------------------------------------------------


def test_results_show_both_reconstruction_grids(built_site):
    html = (built_site / "results.html").read_text(encoding="utf-8")
    for name in ("codec_reconstructions.png", "talk_reconstructions.png"):
        assert re.search(rf'<img [^>]*src="results/{name}"', html), name
        assert (built_site / "results" / name).is_file()


def test_targets_are_marked_in_words():
    """No ✅/❌ (they need an emoji font): Met or Missed, as results.json says."""
    text = (RESULTS / "results.md").read_text(encoding="utf-8")
    assert not re.search("[\u2705\u274c\u2714\u2716\u2713\u2717]", text)
    results = results_fill.load(RESULTS / "results.json")
    lines = [line for line in text.splitlines() if line.startswith("- **M")]
    targets = results["comparison"]["targets"]
    assert len(lines) == len(targets)
    for line, target in zip(lines, targets):
        assert line.startswith(f"- **{'Met' if target['met'] else 'Missed'}:** {target['target']}"), line


FIT_JS = """() => [...document.querySelectorAll('.fold-columns .table-region')].map(r => ({
  scroll: r.scrollWidth, client: r.clientWidth, focusable: r.tabIndex === 0,
  folded: [...r.querySelectorAll('.fold')].filter(c => getComputedStyle(c).display === 'none').length,
  marked: r.querySelectorAll('.fold').length,
}))"""


@pytest.mark.browser
@pytest.mark.parametrize("viewport", [DESK, PHONE], ids=["desk", "phone"])
def test_results_tables_fit_the_page(browser, site_url, viewport):
    context = browser.new_context(viewport=viewport)
    try:
        page = context.new_page()
        page.goto(site_url + "results.html")
        page.wait_for_load_state("load")
        tables = page.evaluate(FIT_JS)
        assert len(tables) >= 3 and all(t["marked"] for t in tables), tables
        assert all(t["scroll"] <= t["client"] + 1 for t in tables), tables
        toggle = page.locator(".fold-columns .fold-toggle").first
        if viewport is PHONE:
            assert all(t["folded"] == t["marked"] for t in tables), tables
            # The folded columns come back when asked for; the table then scrolls, by keyboard too.
            page.locator(".fold-columns label").first.click()
            assert toggle.is_checked()
            first = page.evaluate(FIT_JS)[0]
            assert first["folded"] == 0 and first["scroll"] > first["client"] and first["focusable"], first
        else:
            assert all(t["folded"] == 0 for t in tables), tables
            assert not toggle.is_visible()
    finally:
        context.close()


# --- 404.html under a sub-path --------------------------------------------------------------


class _HostHandler(_SubPathHandler):
    """Like GitHub Pages: a missing file under the site gets the site's 404.html, status 404."""

    def send_head(self):
        path = urlsplit(self.path).path
        if path.startswith(SUB_PATH) and not Path(self.translate_path(self.path)).exists():
            body = (Path(self.directory) / "404.html").read_bytes()
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            return io.BytesIO(body)
        return super().send_head()


@pytest.fixture(scope="module")
def host_url(built_site):
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_HostHandler, directory=str(built_site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}{SUB_PATH}"
    server.shutdown()
    server.server_close()


def test_404_loads_nothing_before_it_knows_the_root_folder(built_site):
    html = (built_site / "404.html").read_text(encoding="utf-8")
    assert not re.findall(r'(?:href|src)="/(?!/)', html), "a root-absolute link in 404.html"
    head, body = html.split("</head>", 1)
    # What the page loads waits for its script; browsers without scripts get the styles from <noscript>.
    outside = re.sub(r"<noscript>.*?</noscript>", "", head, flags=re.S)
    assert not re.findall(r'<(?:link|script|img)\b[^>]*\s(?:href|src)="\./', outside)
    assert re.search(r'<link rel="stylesheet" data-root-href="\./assets/stylesheets/[^"]+\.css">', head)
    assert re.search(r'<noscript><link rel="stylesheet" href="\./assets/stylesheets/[^"]+\.css"></noscript>', head)
    assert "bundle" not in html  # material's script: see theme/overrides/404.html


def test_404_refuses_a_page_without_a_stylesheet_from_the_root():
    from theme import not_found

    with pytest.raises(ValueError, match="base_url"):
        not_found.relocatable('<head><link rel="stylesheet" href="/assets/main.css"></head>')


@pytest.mark.browser
@pytest.mark.parametrize("path", ["404.html", "no-such-page.html", "no/such/page.html", "slides/no/such/"])
def test_404_works_under_a_sub_path_at_any_depth(browser, host_url, path):
    """Hosts serve 404.html for a missing address at any depth: its styles and links still work."""
    page_url = host_url + path
    # The page's only failures: its own 404 and its questions to parent folders for 404.html.
    probes = [host_url + path.rsplit("/", n)[0] + "/404.html" for n in range(1, path.count("/") + 1)]
    context = browser.new_context(viewport=DESK)
    try:
        page = context.new_page()
        failed, asked = [], []
        page.on("request", lambda r: r.url.endswith("/404.html") and r.method == "HEAD" and asked.append(r.url))
        page.on("response", lambda r: r.status >= 400 and r.url not in [page_url, *probes] and failed.append(r.url))
        # (Chromium logs each 404 as an error: the page's own and the probes' are expected.)
        page.on("console", lambda m: m.type == "error" and m.location.get("url") not in [page_url, *probes]
                and failed.append((m.text, m.location.get("url"))))
        response = page.goto(page_url)
        assert response.status == (200 if path == "404.html" else 404)
        page.wait_for_load_state("networkidle")
        assert not failed, failed
        assert asked == probes + [host_url + "404.html"], asked
        # Shown and styled by the theme (its header sticks to the top); its links lead into the site.
        assert page.evaluate("document.documentElement.className") == "no-js"
        assert page.evaluate("getComputedStyle(document.querySelector('.md-header')).position") == "sticky"
        assert page.evaluate("document.querySelector('link[rel=icon]').href") == host_url + "assets/images/favicon.png"
        hrefs = page.evaluate("[...document.querySelectorAll('a[href]')].map(a => a.href)")
        inside = sorted({h for h in hrefs if h.startswith("http://127.0.0.1")})
        assert inside == sorted(host_url + p for p in ["index.html", "slides/index.html", "demo.html", "results.html",
                                                       "format.html", "training.html", "notebook.html"]), inside
        home = page.get_by_role("link", name="home page")
        assert home.evaluate("a => a.href") == host_url + "index.html"
        with page.expect_navigation():
            home.click()
        assert page.url == host_url + "index.html"
        assert page.evaluate("document.querySelector('p.answer') !== null")
    finally:
        context.close()


# --- nothing shifts -----------------------------------------------------------------------

SHIFTS_JS = """() => new Promise(resolve => {
  let total = 0; const where = [];
  new PerformanceObserver(list => list.getEntries().forEach(e => {
    total += e.value;
    where.push(...(e.sources || []).map(s => s.node ? s.node.nodeName + '.' + s.node.className : '?'));
  })).observe({ type: 'layout-shift', buffered: true });
  setTimeout(() => resolve({ total, where }), 300);
})"""


@pytest.mark.browser
@pytest.mark.parametrize("viewport", [DESK, PHONE], ids=["desk", "phone"])
@pytest.mark.parametrize("path", ["index.html", "results.html", "format.html", "training.html", "notebook.html", "404.html",
                                  "slides/index.html"])
def test_nothing_shifts_when_images_and_fonts_arrive_late(browser, site_url, path, viewport):
    """Images and fonts are held back until the page has painted, as on a slow network."""
    context = browser.new_context(viewport=viewport)
    try:
        page = context.new_page()
        held = []
        page.route(re.compile(r".*\.(png|woff2?)$"), lambda route: held.append(route))
        page.goto(site_url + path, wait_until="domcontentloaded")
        page.wait_for_timeout(400)
        for route in held:
            route.continue_()
        page.wait_for_load_state("load")
        page.wait_for_timeout(300)
        shifts = page.evaluate(SHIFTS_JS)
        assert shifts["total"] < 0.001, shifts
    finally:
        context.close()


# --- the theme's HTML touches ---------------------------------------------------------------


def test_images_get_their_size_and_load_lazily_after_the_first(tmp_path):
    from PIL import Image

    (tmp_path / "results").mkdir()
    Image.new("L", (30, 20)).save(tmp_path / "results" / "a.png")
    (tmp_path / "results" / "b.jpg").write_bytes(b"not a png")
    html = ('<p><img alt="a" src="results/a.png" /></p><img src="results/a.png">'
            '<img src="results/b.jpg"><img src="https://example.org/x.png"><img src="results/a.png" width="3">')
    def read(path):
        return (tmp_path / path).read_bytes() if (tmp_path / path).is_file() else None

    out = page_html.images(html, "results.html", read)
    tags = re.findall(r"<img[^>]*>", out)
    assert tags[0] == '<img alt="a" src="results/a.png" width="30" height="20" fetchpriority="high" />'
    assert tags[1] == '<img src="results/a.png" width="30" height="20" loading="lazy">'
    assert "width" not in tags[2] and "width" not in tags[3] and 'height' not in tags[4]
    assert all('loading="lazy"' in t for t in tags[1:])
    # A page in a folder resolves its images from there.
    assert 'width="30"' in page_html.images('<img src="../results/a.png">', "sub/page.html", read)


def test_tables_become_regions_and_secondary_columns_fold():
    table = ("<table><thead><tr><th>codec</th><th>bytes</th><th>SSIM</th></tr></thead>"
             '<tbody><tr><td>a</td><td style="text-align: right;">1</td><td>0.9</td></tr></tbody></table>')
    out = page_html.tables(f'<p>x</p>{table}<div class="fold-columns" data-fold="3">\n{table}\n</div>')
    regions = re.findall(r'<div class="table-region" role="region" tabindex="0" aria-label="([^"]+)">', out)
    assert regions == ["Table: codec, bytes, SSIM"] * 2
    folded = out.split('<div class="fold-columns">', 1)[1]
    assert '<input type="checkbox" class="fold-toggle" id="fold-1"><label for="fold-1">Show SSIM too</label>' in folded
    assert '<th class="fold">SSIM</th>' in folded and '<td class="fold">0.9</td>' in folded
    assert '<td style="text-align: right;">1</td>' in folded and out.count('class="fold"') == 2


def test_a_pre_that_scrolls_by_its_own_style_can_be_focused():
    html = ('<pre style="white-space:pre;overflow-x:auto">wide</pre><pre><code>x</code></pre>'
            '<pre tabindex="-1" style="overflow:auto">y</pre>')
    assert page_html.scrolling_pre(html) == ('<pre tabindex="0" style="white-space:pre;overflow-x:auto">wide</pre>'
                                             '<pre><code>x</code></pre><pre tabindex="-1" style="overflow:auto">y</pre>')


# --- the slides' fonts ----------------------------------------------------------------------


def test_slides_theme_css_carries_no_fonts(built_site):
    from fontTools.ttLib import TTFont

    theme = built_site / "vendor" / "reveal" / "theme"
    css = (theme / "white.css").read_text(encoding="utf-8")
    assert "data:font" not in css and len(css) < 20_000, len(css)
    urls = re.findall(r"url\(([^)]+)\)", css)
    assert sorted(urls) == sorted(slide_fonts.file_name(w, s) for w, s in slide_fonts.USED)
    deck = (built_site / "slides" / "index.html").read_text(encoding="utf-8")
    for url in urls:
        data = (theme / url).read_bytes()
        assert data[:4] == b"wOFF" and len(data) < 40_000, (url, len(data))
        # Every character on the slides that the face can draw, it still draws.
        cmap = TTFont(io.BytesIO(data)).getBestCmap()
        missing = {c for c in text_of(deck) if ord(c) >= 0x20 and ord(c) not in cmap and c.isalnum()}
        assert not missing, (url, missing)
        assert f'href="../vendor/reveal/theme/{url}"' in deck or "italic" in url  # preloaded: the first slides'


def test_training_figures_reach_the_site_with_the_same_pixels(tmp_path):
    """report.copy_figure: a figure without colour becomes 8-bit grey (the digit
    grids, half the bytes), pixel for pixel; one with colour is copied as it is."""
    import numpy as np
    from PIL import Image

    from training import report

    rng = np.random.default_rng(0)
    grey = rng.integers(0, 256, (12, 10), dtype=np.uint8)
    Image.fromarray(np.dstack([grey, grey, grey, np.full_like(grey, 255)]), "RGBA").save(tmp_path / "grey.png")
    colour = rng.integers(0, 256, (12, 10, 4), dtype=np.uint8)
    Image.fromarray(colour, "RGBA").save(tmp_path / "colour.png")
    report.copy_figure(tmp_path / "grey.png", tmp_path / "grey_site.png")
    report.copy_figure(tmp_path / "colour.png", tmp_path / "colour_site.png")
    with Image.open(tmp_path / "grey_site.png") as im:
        assert im.mode == "L" and (np.asarray(im) == grey).all()
    assert (tmp_path / "colour_site.png").read_bytes() == (tmp_path / "colour.png").read_bytes()
