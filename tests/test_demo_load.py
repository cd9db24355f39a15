"""How the demo loads, in chromium, on the built site under a sub-path: nothing heavy
before the demo is reached (no tf.js on the first slide; after the first paint on
the demo page), the networks in a Web Worker on WebGL (on the page where workers
cannot run), no CSP violation from tf.js' probe for WebAssembly, no layout shift,
and the slides' print view with a static figure.
`make bench` (tests/bench_browser.py) measures the timings.

Every test also fails on console errors, uncaught exceptions, HTTP errors and
requests to another origin (conftest.PageProbe).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from demo_page import ROOT_SEL, open_demo, prepare, runs, wait_idle, wait_runs

pytestmark = pytest.mark.browser

HEAVY = ("/vendor/tfjs/", "/models/", "/js/aec/loader.js")
FIRST_VIEW_BUDGET = 1.5 * 1024 * 1024  # bytes (issue #21), counted as tests/bench_browser.py counts them

# When the page asks its worker for what (load: tf.js and the models), and every layout shift.
RECORD = """
window.__demo = { asked: [], shifts: [] };
const NativeWorker = window.Worker;
if (NativeWorker) {
  window.Worker = class extends NativeWorker {
    postMessage(message, ...rest) {
      window.__demo.asked.push({ op: message?.op, at: performance.now() });
      return super.postMessage(message, ...rest);
    }
  };
}
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) window.__demo.shifts.push({ value: e.value, input: e.hadRecentInput,
    nodes: (e.sources || []).map((s) => s.node?.className || s.node?.nodeName || '?') });
}).observe({ type: 'layout-shift', buffered: true });
"""


@pytest.fixture
def demo(probe):
    prepare(probe.page)
    return probe


def heavy(urls: list[str]) -> list[str]:
    return [u for u in urls if any(h in u for h in HEAVY)]


def test_no_tfjs_before_the_demo_slide(demo):
    """The first slide loads neither tf.js nor the models; the Demo slide does, and runs on WebGL in a worker."""
    page = demo.page
    requested = []
    page.on("request", lambda r: requested.append(r.url))
    demo.goto("slides/index.html")
    page.wait_for_function("() => window.Reveal && Reveal.isReady()")
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(500)
    assert page.evaluate("Reveal.getIndices().h") == 0
    assert not heavy(requested), heavy(requested)
    assert page.evaluate("typeof window.tf") == "undefined"
    page.evaluate("Reveal.slide(Reveal.getSlides().indexOf(document.querySelector('#live-demo')))")
    wait_runs(page, 1)
    root = page.locator(f"#live-demo {ROOT_SEL}")
    assert [u for u in requested if "/vendor/tfjs/tf-core" in u]
    assert [u for u in requested if "tf-backend-cpu" in u]  # the first answer's backend (engine.js)
    expect(root.get_by_test_id("backend")).to_have_text("webgl")
    assert root.get_attribute("data-engine") == "worker"
    demo.assert_clean()


def test_demo_page_starts_after_first_paint_in_a_worker_on_webgl(demo):
    page = demo.page
    page.add_init_script(RECORD)
    open_demo(demo)
    wait_runs(page, 1)
    root = page.locator(ROOT_SEL)
    expect(root.get_by_test_id("backend")).to_have_text("webgl")  # tf.getBackend(), in the worker
    assert root.get_attribute("data-engine") == "worker"
    assert page.evaluate("typeof window.tf") == "undefined"  # tf.js never ran on the page
    timing = page.evaluate("""() => ({loads: window.__demo.asked.filter((m) => m.op === 'load').map((m) => m.at),
        paint: performance.getEntriesByName('first-contentful-paint')[0]?.startTime})""")
    assert len(timing["loads"]) == 1 and timing["paint"] is not None, timing
    assert timing["loads"][0] >= timing["paint"], timing  # tf.js and the models: after the first paint
    demo.assert_clean()


@pytest.mark.xfail(strict=True, reason="about 2.3 MB today: tf.js' bundles alone are 1.0 MB and the default"
                   " level's networks 0.55 MB (notes/first-answer.md); drop this mark once under budget")
def test_first_view_downloads_at_most_the_budget(browser, make_probe):
    """The demo page's first view (a cold cache; until its first result, search and baselines are done and
    the network is idle) downloads at most 1.5 MB: bodies and headers, as the bench counts. Bytes only."""
    context = browser.new_context()
    try:
        page = context.new_page()
        prepare(page)
        probe = make_probe(page)
        responses = []
        page.on("requestfinished", lambda r: responses.append(r))
        open_demo(probe)
        wait_runs(page, 1)
        page.wait_for_load_state("networkidle")
        wait_idle(page)
        sizes = [(r.url, r.sizes()) for r in responses]
        total = sum(s["responseBodySize"] + s["responseHeadersSize"] for _, s in sizes)
        largest = sorted(sizes, key=lambda us: -us[1]["responseBodySize"])[:5]
        assert total <= FIRST_VIEW_BUDGET, (f"{total / 2**20:.2f} MB in {len(sizes)} responses; largest: "
                                            + ", ".join(f"{u.rsplit('/', 1)[-1]} {s['responseBodySize'] // 1024} kB"
                                                        for u, s in largest))
        probe.assert_clean()
    finally:
        context.close()


@pytest.mark.parametrize("size", [(1366, 768), (390, 844)], ids=["desk", "phone"])
def test_nothing_shifts_the_layout(browser, make_probe, size):
    """Loading, the first result and the baselines move nothing on the page (layout-shift entries)."""
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    try:
        page = context.new_page()
        prepare(page)
        probe = make_probe(page)
        page.add_init_script(RECORD)
        open_demo(probe)
        wait_runs(page, 1)
        wait_idle(page)
        page.wait_for_timeout(300)
        shifts = page.evaluate("window.__demo.shifts")
        total = sum(s["value"] for s in shifts if not s["input"])
        assert total < 0.01, shifts
        probe.assert_clean()
    finally:
        context.close()


def test_without_workers_the_page_runs_the_engine(demo):
    """A browser without module workers: the same demo, the engine on the page, still on WebGL."""
    page = demo.page
    page.add_init_script("delete window.Worker;")
    open_demo(demo)
    wait_runs(page, 1)
    wait_idle(page)
    root = page.locator(ROOT_SEL)
    assert root.get_attribute("data-engine") == "page"
    expect(root.get_by_test_id("backend")).to_have_text("webgl")
    before = runs(page)
    root.get_by_test_id("sample").nth(2).click()
    wait_runs(page, before + 1)
    assert int(root.get_by_test_id("compressed-bytes").inner_text()) > 0
    # tf.js' probe for WebAssembly broke no CSP rule (the probe would have seen it: assert_clean),
    # and WebAssembly is back once tf.js has loaded (js/demo/wasmoff.js).
    assert page.evaluate("typeof WebAssembly.Module") == "function"
    demo.assert_clean()


def test_print_view_shows_a_static_figure_and_no_buttons(demo):
    """?print-pdf: the Demo slide is a figure, the floating buttons are gone; a visible link leads there."""
    page = demo.page
    requested = []
    page.on("request", lambda r: requested.append(r.url))
    demo.goto("slides/index.html")
    page.wait_for_function("() => window.Reveal && Reveal.isReady()")
    link = page.locator("#opening .deck-hint a[href^='?print-pdf']:visible")
    expect(link).to_have_count(1)
    assert page.locator("#einde a[href^='?print-pdf']").count() == 2  # the last slide too, in each language
    link.click()
    page.wait_for_function("() => document.documentElement.classList.contains('print-pdf')"
                           " && document.querySelector('.pdf-page #live-demo')")
    page.emulate_media(media="print")
    slide = page.locator("#live-demo")
    expect(page.locator(".deck-tools")).to_be_hidden()
    expect(slide.locator(ROOT_SEL)).to_be_hidden()
    figure = slide.locator(".demo-static img")
    expect(figure).to_be_visible()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=figure.element_handle())
    assert not heavy(requested), heavy(requested)
    assert not slide.locator(f"{ROOT_SEL} canvas").count()  # not mounted at all
    demo.assert_clean()
