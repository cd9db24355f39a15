"""The in-browser demo (site/js/demo/) in chromium, on the built site under a sub-path:
drawing, samples, files, links, errors, the WebGL fallback and the Demo slide.
The demo's bytes against Python's codec and chromium's JPEG / WebP are in
tests/test_demo_codecs.py; its DOM-free modules are tested in node
(tests/js/baselines.test.mjs, tests/js/demo.test.mjs).

Every test also fails on console errors, uncaught exceptions, HTTP errors and
requests to another origin (conftest.PageProbe).
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from playwright.sync_api import expect

from conftest import CHROMIUM, CHROMIUM_ARGS, PageProbe
from demo_page import (one_pass, ROOT_SEL, TOLERANCE, canvas_pixels, draw_seven, input_pixels, max_diff, open_demo, prepare,
                       runs, shown_bytes, wait_idle, wait_runs)

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(probe):
    """The probe, serving DEMO_SITE_MODELS when set."""
    prepare(probe.page)
    return probe


def test_draw_compress_on_webgl(demo):
    """Mouse drawing -> MNIST-style input -> bytes, hex, ratio, reconstruction, PSNR,
    and the browser's JPEG / WebP at the nearest size not below ours."""
    page = demo.page
    open_demo(demo)
    root = page.locator(ROOT_SEL)
    assert root.get_attribute("data-state") == "ready"
    wait_runs(page, 1)  # the first sample digit is compressed on load
    expect(root.get_by_test_id("backend")).to_have_text("webgl")
    expect(root.get_by_test_id("notice")).to_be_hidden()
    expect(root.get_by_test_id("error")).to_be_hidden()
    levels = root.get_by_test_id("quality").locator("option")
    assert levels.count() >= 2 and levels.first.get_attribute("value") == "0"
    wait_idle(page)

    before = runs(page)
    draw_seven(page)
    wait_runs(page, before + 1)
    wait_idle(page)

    pixels = input_pixels(page)
    assert pixels.max() > 200 and (pixels > 0).sum() > 30  # the drawing, MNIST-style
    assert (canvas_pixels(page, "input") == pixels).all()
    n = int(root.get_by_test_id("compressed-bytes").inner_text())
    data = shown_bytes(page)
    assert len(data) == n > 0
    assert root.get_by_test_id("ratio").inner_text() == f"{784 / n:.1f} : 1"
    recon = canvas_pixels(page, "reconstruction")
    mse = np.mean((recon.astype(float) - pixels.astype(float)) ** 2)
    expected_psnr = 100.0 if mse == 0 else min(100.0, 10 * np.log10(255**2 / mse))
    assert root.get_by_test_id("psnr").inner_text() == f"{expected_psnr:.2f} dB"
    for out in ("encode-ms", "decode-ms"):
        assert re.fullmatch(r"\d+\.\d ms", root.get_by_test_id(out).inner_text()), out  # warm: no note
    # Baselines: never smaller than ours unless even their best quality is.
    for key in ("jpeg", "webp"):
        size = int(root.get_by_test_id(f"{key}-bytes").inner_text())
        note = root.get_by_test_id(f"{key}-note").inner_text()
        assert size >= n or "still smaller" in note, (key, size, n, note)
        assert root.get_by_test_id(f"{key}-psnr").inner_text().endswith(" dB")
    # Download link and share link are there.
    assert root.get_by_test_id("download").get_attribute("href").startswith("blob:")
    share = root.get_by_test_id("share-link").get_attribute("href")
    assert share.startswith(demo.origin + "/sub/path/demo.html#aec=")
    demo.assert_clean()


def test_open_file_and_corrupt_file(demo, tmp_path):
    """A valid file decompresses; a corrupt one shows the error, and the demo keeps working."""
    page = demo.page
    open_demo(demo, search=False)
    wait_runs(page, 1)
    wait_idle(page)
    root = page.locator(ROOT_SEL)
    good = shown_bytes(page)
    recon = canvas_pixels(page, "reconstruction")
    page.evaluate("() => { const c = document.querySelector('[data-testid=reconstruction]');"
                  " c.getContext('2d').clearRect(0, 0, 28, 28); }")

    before = runs(page)
    root.get_by_test_id("file-input").set_input_files(
        {"name": "digit.aec", "mimeType": "application/octet-stream", "buffer": good})
    wait_runs(page, before + 1)
    assert (canvas_pixels(page, "reconstruction") == recon).all()
    assert root.get_by_test_id("compressed-bytes").inner_text() == str(len(good))
    expect(root.get_by_test_id("error")).to_be_hidden()

    corrupt = bytes([0xFF, 0xFF, 0xFF]) + bytes(range(200))
    root.get_by_test_id("file-input").set_input_files(
        {"name": "corrupt.aec", "mimeType": "application/octet-stream", "buffer": corrupt})
    error = root.get_by_test_id("error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("corrupt.aec")
    assert runs(page) == before + 1

    before = runs(page)  # still works
    draw_seven(page)
    wait_runs(page, before + 1)
    expect(error).to_be_hidden()

    # Dropping a file onto the demo opens it too.
    before = runs(page)
    page.evaluate("""bytes => {
        const dt = new DataTransfer();
        dt.items.add(new File([Uint8Array.from(bytes)], 'dropped.aec', {type: 'application/octet-stream'}));
        const root = document.querySelector('[data-demo-root]');
        root.dispatchEvent(new DragEvent('dragover', {dataTransfer: dt, bubbles: true, cancelable: true}));
        root.dispatchEvent(new DragEvent('drop', {dataTransfer: dt, bubbles: true, cancelable: true}));
    }""", list(good))
    wait_runs(page, before + 1)
    assert (canvas_pixels(page, "reconstruction") == recon).all()
    assert "dropped.aec" in root.get_by_test_id("status").inner_text()
    demo.assert_clean()


def test_fragment_link_decompresses_on_load(demo):
    """Bytes made by the page itself, shared through its own link, open on load."""
    page = demo.page
    open_demo(demo, search=False)
    wait_runs(page, 1)
    data = shown_bytes(page)
    recon = canvas_pixels(page, "reconstruction")
    link = page.locator(ROOT_SEL).get_by_test_id("share-link").get_attribute("href")
    page.goto("about:blank")
    page.goto(link)
    wait_runs(page, 1)
    root = page.locator(ROOT_SEL)
    assert shown_bytes(page) == data
    assert root.get_by_test_id("compressed-bytes").inner_text() == str(len(data))
    assert max_diff(canvas_pixels(page, "reconstruction"), recon) <= TOLERANCE
    assert root.get_by_test_id("psnr").inner_text() == "–"  # no original to compare with
    # A broken link is reported, not thrown.
    page.evaluate("() => { location.hash = 'aec=@@@'; }")
    expect(root.get_by_test_id("error")).to_be_visible()
    demo.assert_clean()


def test_model_load_failure_is_visible(probe):
    """A manifest that does not verify: the error shows, and drawing still works."""
    page = probe.page
    prepare(page)
    page.route("**/models/manifest.json", lambda route: route.fulfill(json={"broken": True}))
    open_demo(probe, search=False)
    root = page.locator(ROOT_SEL)
    assert root.get_attribute("data-state") == "failed"
    expect(root.get_by_test_id("error")).to_be_visible()
    expect(root.get_by_test_id("error")).to_contain_text("could not be loaded")
    # Drawing still shows the MNIST-style input.
    draw_seven(page)
    page.wait_for_function("() => document.querySelector('[data-testid=input]').dataset.pixels")
    assert input_pixels(page).max() > 200
    probe.assert_clean()


# --disable-3d-apis turns WebGL off for <canvas>, but chromium (seen with 13x)
# still hands out WebGL 2 contexts on OffscreenCanvas, which is what tf.js uses
# first; that one is switched off by hand.


NO_OFFSCREEN_WEBGL = """
if (typeof OffscreenCanvas !== 'undefined') {
  const getContext = OffscreenCanvas.prototype.getContext;
  OffscreenCanvas.prototype.getContext = function (type, ...rest) {
    return /webgl/i.test(String(type)) ? null : getContext.call(this, type, ...rest);
  };
}
"""


def test_without_webgl_falls_back_to_cpu(browser_type, site_url):
    browser = browser_type.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS + ["--disable-3d-apis"])
    try:
        page = browser.new_page()
        page.add_init_script(NO_OFFSCREEN_WEBGL)
        origin = site_url.split("/sub/path/")[0]
        probe = PageProbe(page, origin)
        prepare(page)
        open_demo(probe, search=False)
        assert page.evaluate("""() => [document.createElement('canvas').getContext('webgl2'),
            document.createElement('canvas').getContext('webgl'),
            new OffscreenCanvas(1, 1).getContext('webgl2')].every(c => c === null)""")
        root = page.locator(ROOT_SEL)
        assert root.get_attribute("data-state") == "ready"
        expect(root.get_by_test_id("backend")).to_have_text("cpu")
        expect(root.get_by_test_id("notice")).to_be_visible()
        expect(root.get_by_test_id("notice")).to_contain_text("WebGL")
        wait_runs(page, 1)
        wait_idle(page)
        before = runs(page)
        draw_seven(page)
        wait_runs(page, before + 1)
        assert int(root.get_by_test_id("compressed-bytes").inner_text()) > 0
        assert canvas_pixels(page, "reconstruction").max() > 0
        probe.assert_clean()
    finally:
        browser.close()


def test_demo_slide(demo):
    """The Demo slide hosts the same module, compact enough for the slide."""
    page = demo.page
    requested = []
    page.on("request", lambda r: requested.append(r.url))
    demo.goto(one_pass("slides/index.html#/nadelen-nu"))  # the slide before the demo
    page.wait_for_function("() => window.Reveal && Reveal.isReady()")
    page.wait_for_function("() => document.querySelector('#live-demo [data-demo-root] canvas')")
    page.wait_for_timeout(300)
    # Mounted, but the models are not loaded until the slide is shown.
    assert page.locator(ROOT_SEL).get_attribute("data-state") == "loading"
    assert not [u for u in requested if "/models/" in u], requested
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => location.hash === '#/live-demo'")
    page.wait_for_function(f"() => ['ready', 'failed'].includes(document.querySelector('{ROOT_SEL}')?.dataset.state)")
    root = page.locator(f"#live-demo {ROOT_SEL}")
    assert root.get_attribute("data-state") == "ready"
    wait_runs(page, 1)
    wait_idle(page)
    # Fits in the slide (960x700, scaled by reveal.js): nothing below the slide's bottom.
    fits = page.evaluate("""() => {
        const slide = document.querySelector('#live-demo').getBoundingClientRect();
        const demo = document.querySelector('#live-demo [data-demo-root]').getBoundingClientRect();
        const scale = Reveal.getScale();
        return {bottom: demo.bottom, slideTop: slide.top, limit: slide.top + 700 * scale,
                right: demo.right, width: 960 * scale, left: slide.left};
    }""")
    assert fits["bottom"] <= fits["limit"] + 1, fits
    before = runs(page)
    draw_seven(page, root)
    wait_runs(page, before + 1)
    assert page.evaluate("Reveal.getIndices().h") == page.evaluate(
        "Reveal.getSlides().indexOf(document.querySelector('#live-demo'))")  # drawing did not navigate
    # The share link points to the demo page, not the slides.
    share = root.get_by_test_id("share-link").get_attribute("href")
    assert share.startswith(demo.origin + "/sub/path/demo.html#aec=")
    demo.assert_clean()


def test_pen_pointer_events_draw(demo):
    """Pen / touch input goes through Pointer Events like the mouse."""
    page = demo.page
    open_demo(demo, search=False)
    wait_runs(page, 1)
    wait_idle(page)
    before = runs(page)
    page.evaluate("""() => {
        const c = document.querySelector('[data-testid=draw-canvas]');
        const r = c.getBoundingClientRect();
        const at = (type, fx, fy) => c.dispatchEvent(new PointerEvent(type, {
            pointerId: 7, pointerType: 'pen', isPrimary: true, bubbles: true, cancelable: true,
            button: 0, buttons: type === 'pointerup' ? 0 : 1,
            clientX: r.left + fx * r.width, clientY: r.top + fy * r.height}));
        at('pointerdown', 0.5, 0.15);
        for (let i = 1; i <= 10; i++) at('pointermove', 0.5, 0.15 + i * 0.07);
        at('pointerup', 0.5, 0.85);
    }""")
    wait_runs(page, before + 1)
    pixels = input_pixels(page)
    cols = np.flatnonzero(pixels.max(axis=0) > 128)
    rows = np.flatnonzero(pixels.max(axis=1) > 128)
    assert rows.max() - rows.min() >= 15 and cols.max() - cols.min() <= 8  # a vertical stroke: a '1'
    assert page.evaluate("getComputedStyle(document.querySelector('[data-testid=draw-canvas]')).touchAction") == "none"
    demo.assert_clean()


def test_clear_and_samples(demo):
    page = demo.page
    open_demo(demo, search=False)
    wait_runs(page, 1)
    wait_idle(page)
    root = page.locator(ROOT_SEL)
    samples = root.get_by_test_id("sample")
    assert samples.count() >= 3
    before = runs(page)
    samples.nth(1).click()
    wait_runs(page, before + 1)
    assert "MNIST test digit" in root.get_by_test_id("input-source").inner_text()
    expect(samples.nth(1)).to_have_class("aec-sample aec-selected")
    root.get_by_test_id("clear").click()
    expect(root.get_by_test_id("compressed-bytes")).to_have_text("–")
    assert canvas_pixels(page, "reconstruction").max() == 0
    assert root.get_by_test_id("download").get_attribute("href") is None
    demo.assert_clean()
