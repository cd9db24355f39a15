"""The in-browser demo (site/js/demo.js) in chromium, on the built site under a sub-path.

Two modes, chosen once per session:

* ``real``: the shipped models (site/models/manifest.json, models/talk) and the
  JS codec (site/js/aec/codec.js) exist. The demo's bytes and reconstructions
  are checked against the Python codec (in-process, and the CLI for downloads).
  DEMO_SITE_MODELS=DIR (a `python -m converter --out DIR` folder, served in
  place of site/models) and DEMO_MODELS_DIR=DIR (the Keras models it came from)
  test freshly trained models before they are committed.
* ``fake``: they do not exist yet. codec.js and samples.json are replaced
  (playwright routes) by a tiny stand-in with the same API, so the demo's UI,
  files, links, errors and the WebGL fallback are still tested; the checks
  against Python are skipped.

Every test also fails on console errors, uncaught exceptions, HTTP errors and
requests to another origin (conftest.PageProbe).
"""

from __future__ import annotations

import base64
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pytest
from playwright.sync_api import expect

from conftest import CHROMIUM, CHROMIUM_ARGS, PageProbe

ROOT = Path(__file__).resolve().parent.parent
MODELS_DIR = Path(os.environ.get("DEMO_MODELS_DIR") or ROOT / "models")
SITE_MODELS = Path(os.environ.get("DEMO_SITE_MODELS") or ROOT / "site" / "models")
OVERRIDE_SITE_MODELS = bool(os.environ.get("DEMO_SITE_MODELS"))
REAL = all(p.exists() for p in [
    SITE_MODELS / "manifest.json",
    ROOT / "site" / "js" / "aec" / "codec.js",
    MODELS_DIR / "talk",
])
MODE = "real" if REAL else "fake"
TOLERANCE = 3  # /255, between the browser's and Python's decoders
ROOT_SEL = "[data-demo-root]"

pytestmark = pytest.mark.browser
needs_real = pytest.mark.skipif(not REAL, reason="no shipped models / site/js/aec/codec.js yet (fake codec mode)")

# A stand-in for site/js/aec/codec.js with the same API: 7x7 block means,
# quantised (8 bits for model 0, id+1 bits for level id), one header byte.
# Runs its arithmetic in tf.js so the backend matters as it does for the real one.
FAKE_CODEC_JS = r"""
const MAGIC = 0xa0;
export class FormatError extends Error {
  constructor(message) { super(message); this.name = "FormatError"; }
}
function bitsOf(id) { return id === 0 ? 8 : id + 1; }
export async function loadCodecs(baseUrl) {
  const tf = globalThis.tf;
  await tf.ready();
  return {
    backend: tf.getBackend(),
    levels: [
      { id: 0, label: "Talk's network (8-bit latents)" },
      { id: 1, label: "Level 1" }, { id: 2, label: "Level 2" }, { id: 3, label: "Level 3" },
    ],
    async compress(pixels, modelId) {
      const t0 = performance.now();
      const top = (1 << bitsOf(modelId)) - 1;
      const q = tf.tidy(() => tf.avgPool(tf.tensor4d(Float32Array.from(pixels), [1, 28, 28, 1]), 4, 4, "valid")
        .div(255).mul(top).round());
      const v = await q.data();
      q.dispose();
      const bytes = new Uint8Array(50);
      bytes[0] = MAGIC | modelId;
      v.forEach((x, i) => { bytes[1 + i] = x; });
      return { bytes, encodeMs: performance.now() - t0 };
    },
    async decompress(bytes) {
      const t0 = performance.now();
      if (!(bytes instanceof Uint8Array) || bytes.length !== 50 || (bytes[0] & 0xf8) !== MAGIC || (bytes[0] & 7) > 3) {
        throw new FormatError("not a digit file (bad header)");
      }
      const modelId = bytes[0] & 7;
      const top = (1 << bitsOf(modelId)) - 1;
      const img = tf.tidy(() => tf.image.resizeNearestNeighbor(
        tf.tensor4d(Float32Array.from(bytes.subarray(1)), [1, 7, 7, 1]).div(top).mul(255), [28, 28]).round());
      const d = await img.data();
      img.dispose();
      return { modelId, images: [Uint8Array.from(d)], decodeMs: performance.now() - t0 };
    },
  };
}
"""


def fake_samples() -> dict:
    """A few synthetic MNIST-style digits (a bar, a box, a cross) for the picker."""
    digits = []
    for label in range(3):
        img = np.zeros((28, 28), np.uint8)
        if label == 0:
            img[6:22, 9:19] = 255
            img[9:19, 12:16] = 0
        elif label == 1:
            img[4:24, 12:16] = 255
        else:
            img[4:24, 12:16] = 200
            img[12:16, 6:22] = 255
        digits.append({"label": label, "index": label, "pixels": base64.b64encode(img.tobytes()).decode()})
    return {"digits": digits}


def fake_bytes(model_id: int = 2) -> bytes:
    """A file the fake codec decodes: a vertical bar."""
    grid = np.zeros((7, 7), np.uint8)
    grid[1:6, 3] = (1 << (model_id + 1)) - 1
    return bytes([0xA0 | model_id]) + grid.tobytes()


def use_fake_codec(page) -> None:
    page.route("**/js/aec/codec.js",
               lambda route: route.fulfill(body=FAKE_CODEC_JS, content_type="text/javascript"))
    page.route("**/models/samples.json", lambda route: route.fulfill(json=fake_samples()))


def serve_site_models(page) -> None:
    """Serve DEMO_SITE_MODELS in place of the site's models/ folder."""
    def handler(route):
        rel = urlsplit(route.request.url).path.split("/models/", 1)[1]
        path = (SITE_MODELS / rel).resolve()
        if path.is_file() and SITE_MODELS.resolve() in path.parents:
            route.fulfill(path=path)
        else:
            route.fulfill(status=404)
    page.route("**/sub/path/models/**", handler)


def prepare(page) -> None:
    """Fake codec when the real one is missing; alternative models when asked."""
    if not REAL:
        use_fake_codec(page)
    elif OVERRIDE_SITE_MODELS:
        serve_site_models(page)


@pytest.fixture
def demo(probe):
    """The probe, with the fake codec installed when the real one is missing."""
    prepare(probe.page)
    return probe


# --- helpers ------------------------------------------------------------------------


def open_demo(probe: PageProbe, path: str = "demo.html") -> None:
    probe.goto(path)
    probe.page.wait_for_function(
        f"() => document.querySelector('{ROOT_SEL}')?.dataset.state !== 'loading'"
        f" && document.querySelector('{ROOT_SEL}')?.dataset.state !== undefined")


def runs(page) -> int:
    return int(page.locator(ROOT_SEL).first.get_attribute("data-run"))


def wait_runs(page, n: int) -> None:
    page.wait_for_function(f"n => Number(document.querySelector('{ROOT_SEL}').dataset.run) >= n", arg=n)


def wait_idle(page) -> None:
    """No job running (the JPEG/WebP search after a result is done)."""
    page.wait_for_function(f"() => !document.querySelector('{ROOT_SEL}').classList.contains('aec-busy')")


def draw_seven(page, root=None) -> None:
    """Draw a '7' with the mouse on the drawing canvas."""
    canvas = (root or page).locator("[data-testid=draw-canvas]")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    x0, y0, w, h = box["x"], box["y"], box["width"], box["height"]
    pt = lambda fx, fy: (x0 + fx * w, y0 + fy * h)  # noqa: E731
    page.mouse.move(*pt(0.25, 0.2))
    page.mouse.down()
    page.mouse.move(*pt(0.75, 0.2), steps=8)
    page.mouse.move(*pt(0.45, 0.85), steps=10)
    page.mouse.up()


def canvas_pixels(page, testid: str) -> np.ndarray:
    values = page.evaluate(
        """testid => {
            const c = document.querySelector(`[data-demo-root] [data-testid=${testid}]`);
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            return Array.from({length: d.length / 4}, (_, i) => d[4 * i]);
        }""", testid)
    return np.array(values, np.uint8).reshape(28, 28)


def input_pixels(page) -> np.ndarray:
    hex_ = page.locator(f"{ROOT_SEL} [data-testid=input]").get_attribute("data-pixels")
    return np.frombuffer(bytes.fromhex(hex_), np.uint8).reshape(28, 28)


def shown_bytes(page) -> bytes:
    text = page.locator(f"{ROOT_SEL} [data-testid=compressed-hex]").inner_text()
    return bytes.fromhex(text.replace(" ", "").replace("\n", ""))


def max_diff(a: np.ndarray, b: np.ndarray) -> int:
    return int(np.max(np.abs(a.astype(int) - b.astype(int))))


@pytest.fixture(scope="session")
def py_codecs():
    """The Python codec, loaded once (TensorFlow in this process)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    sys.path.insert(0, str(ROOT))
    import training.codec_model  # noqa: F401  (registers the custom layers: GDN, LevelGain)
    from aec.codec import Codecs

    return Codecs(MODELS_DIR)


def python_cli_decompress(path: Path, out: Path) -> np.ndarray:
    from PIL import Image

    proc = subprocess.run([sys.executable, "-m", "aec", "decompress", str(path), "-o", str(out),
                           "--models-dir", str(MODELS_DIR)],
                          cwd=ROOT, capture_output=True, text=True, timeout=180,
                          env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2"))
    assert proc.returncode == 0, proc.stderr
    return np.asarray(Image.open(out / (path.stem + ".png")).convert("L"))


# --- tests --------------------------------------------------------------------------


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


@needs_real
def test_matches_python_codec(demo, py_codecs):
    """For every model: the page's bytes decode (Python) to its reconstruction within
    3/255, and Python's own compression of the page's 28x28 input gives the same picture."""
    page = demo.page
    open_demo(demo)
    wait_runs(page, 1)
    wait_idle(page)
    draw_seven(page)
    wait_runs(page, 2)
    wait_idle(page)
    root = page.locator(ROOT_SEL)
    expect(root.get_by_test_id("backend")).to_have_text("webgl")
    pixels = input_pixels(page)
    report = []
    for option in root.get_by_test_id("quality").locator("option").all():
        model_id = int(option.get_attribute("value"))
        if root.get_by_test_id("quality").input_value() != str(model_id):
            before = runs(page)
            root.get_by_test_id("quality").select_option(str(model_id))
            wait_runs(page, before + 1)
        data = shown_bytes(page)
        recon = canvas_pixels(page, "reconstruction")
        got_id, images = py_codecs.decompress(data)
        assert got_id == model_id
        py_data = py_codecs.compress_stream(pixels[None], model_id)
        _, py_images = py_codecs.decompress(py_data)
        report.append({"model": model_id, "bytes": len(data), "same_bytes": py_data == data,
                       "decoder_diff": max_diff(images[0], recon), "codec_diff": max_diff(py_images[0], recon)})
    print("browser vs Python:", report)
    assert len(report) >= 2
    bad = [r for r in report if r["decoder_diff"] > TOLERANCE or r["codec_diff"] > TOLERANCE]
    assert not bad, f"more than {TOLERANCE}/255 from Python: {bad}"
    demo.assert_clean()


@needs_real
def test_download_decompresses_with_python_cli(demo, tmp_path):
    page = demo.page
    open_demo(demo)
    wait_runs(page, 1)
    wait_idle(page)
    draw_seven(page)
    wait_runs(page, 2)
    with page.expect_download() as info:
        page.locator(ROOT_SEL).get_by_test_id("download").click()
    download = info.value
    assert download.suggested_filename.endswith(".aec")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    assert path.read_bytes() == shown_bytes(page)
    image = python_cli_decompress(path, tmp_path / "out")
    assert max_diff(image, canvas_pixels(page, "reconstruction")) <= TOLERANCE
    demo.assert_clean()


def test_open_file_and_corrupt_file(demo, tmp_path):
    """A valid file decompresses; a corrupt one shows the error, and the demo keeps working."""
    page = demo.page
    open_demo(demo)
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
    page = demo.page
    if REAL:  # bytes made by the page itself, shared through its own link
        open_demo(demo)
        wait_runs(page, 1)
        data = shown_bytes(page)
        recon = canvas_pixels(page, "reconstruction")
        link = page.locator(ROOT_SEL).get_by_test_id("share-link").get_attribute("href")
    else:
        data = fake_bytes()
        recon = None
        link = demo.origin + "/sub/path/demo.html#aec=" + base64.urlsafe_b64encode(data).decode().rstrip("=")
    page.goto("about:blank")
    page.goto(link)
    wait_runs(page, 1)
    root = page.locator(ROOT_SEL)
    assert shown_bytes(page) == data
    assert root.get_by_test_id("compressed-bytes").inner_text() == str(len(data))
    got = canvas_pixels(page, "reconstruction")
    if recon is not None:
        assert max_diff(got, recon) <= TOLERANCE
    else:
        assert got[4:24, 12:16].min() == 255 and got[:, :8].max() == 0
    assert root.get_by_test_id("psnr").inner_text() == "–"  # no original to compare with
    # A broken link is reported, not thrown.
    page.evaluate("() => { location.hash = 'aec=@@@'; }")
    expect(root.get_by_test_id("error")).to_be_visible()
    demo.assert_clean()


def test_model_load_failure_is_visible(probe):
    page = probe.page
    prepare(page)
    if REAL:  # a manifest that does not verify
        page.route("**/models/manifest.json", lambda route: route.fulfill(json={"broken": True}))
    else:
        page.route("**/js/aec/codec.js", lambda route: route.fulfill(
            body='export async function loadCodecs() { throw new Error("manifest.json: sha256 mismatch"); }',
            content_type="text/javascript"))
    open_demo(probe)
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
        open_demo(probe)
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
    demo.goto("slides/index.html#/nadelen-nu")  # the slide before the demo
    page.wait_for_function("() => window.Reveal && Reveal.isReady()")
    page.wait_for_function("() => document.querySelector('#live-demo [data-demo-root] canvas')")
    page.wait_for_timeout(300)
    # Mounted, but nothing heavy is loaded until the slide is shown.
    assert page.locator(ROOT_SEL).get_attribute("data-state") == "loading"
    assert not [u for u in requested if "/models/" in u or "/aec/" in u], requested
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
    open_demo(demo)
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
    open_demo(demo)
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


def test_baseline_search_and_helpers(demo):
    """JPEG / WebP: the ICC-free file decodes to the same pixels as the browser's file,
    and the quality search returns the smallest file not below the target."""
    page = demo.page
    open_demo(demo)
    wait_runs(page, 1)
    wait_idle(page)
    result = page.evaluate("""async () => {
        const m = await import(new URL('js/demo.js', document.baseURI).href);
        const pixels = window.aecDemo.demos[0].input;
        const canvas = document.createElement('canvas');
        canvas.width = canvas.height = 28;
        const img = new ImageData(28, 28);
        pixels.forEach((v, i) => img.data.set([v, v, v, 255], 4 * i));
        canvas.getContext('2d').putImageData(img, 0, 0);
        const decode = async (blob) => {
            const c = document.createElement('canvas'); c.width = c.height = 28;
            const x = c.getContext('2d'); x.drawImage(await createImageBitmap(blob), 0, 0);
            return Array.from(x.getImageData(0, 0, 28, 28).data);
        };
        const out = {};
        for (const type of ['image/jpeg', 'image/webp']) {
            const blob = await new Promise(r => canvas.toBlob(r, type, 0.5));
            const file = new Uint8Array(await blob.arrayBuffer());
            const stripped = m.stripIcc(file, type);
            const same = JSON.stringify(await decode(blob)) === JSON.stringify(await decode(new Blob([stripped], {type})));
            const sizes = [];
            for (const target of [1, 150, 400, 100000]) {
                const r = await m.nearestNotBelow(pixels, type, target);
                sizes.push([target, r.bytes, r.quality, r.note]);
            }
            out[type] = {file: file.length, stripped: stripped.length, same, sizes};
        }
        const bytes = Uint8Array.from([0, 1, 2, 250, 251, 252, 253, 254, 255]);
        out.b64 = m.toBase64Url(bytes);
        out.roundtrip = Array.from(m.fromBase64Url(out.b64));
        out.psnrSame = m.psnr(bytes, bytes);
        return out;
    }""")
    for type_ in ("image/jpeg", "image/webp"):
        r = result[type_]
        assert r["same"], type_
        assert r["stripped"] < r["file"], type_  # chromium embeds an ICC profile
        for target, size, quality, note in r["sizes"]:
            if note == "floor":
                assert size >= target and quality == 0
            elif note == "below":
                assert size < target and quality == 1
            else:
                assert size >= target, (type_, target, size, quality)
    assert result["b64"] == base64.urlsafe_b64encode(bytes([0, 1, 2, 250, 251, 252, 253, 254, 255])).decode().rstrip("=")
    assert result["roundtrip"] == [0, 1, 2, 250, 251, 252, 253, 254, 255]
    assert result["psnrSame"] == 100
    demo.assert_clean()
