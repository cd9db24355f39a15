"""The demo for a newcomer, in chromium, on the built site under a sub-path: a phone,
images as input, errors beside their action, sharing with Back, cut links, the
keyboard, explanations and the Dutch slide. Loading and speed are in
tests/test_demo_load.py, the rest of the demo in tests/test_demo.py.

Every test also fails on console errors, uncaught exceptions, HTTP errors and
requests to another origin (conftest.PageProbe).
"""

from __future__ import annotations

import base64
import io
import json
import re

import numpy as np
import pytest
from playwright.sync_api import expect

from demo_page import (one_pass, ROOT, ROOT_SEL, canvas_pixels, input_pixels, open_demo, prepare, runs, shown_bytes, wait_idle,
                       wait_runs)

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 3, "is_mobile": True, "has_touch": True}


@pytest.fixture
def demo(probe):
    prepare(probe.page)
    return probe


@pytest.fixture
def phone(browser, make_probe):
    """A probe on a 390x844 phone (touch, mobile viewport)."""
    context = browser.new_context(**PHONE)
    page = context.new_page()
    prepare(page)
    yield make_probe(page)
    context.close()


def sample_digit(index: int = 0) -> np.ndarray:
    """A real MNIST test digit from the committed samples.json (light ink on black)."""
    data = json.loads((ROOT / "site" / "models" / "samples.json").read_text())
    pixels = base64.b64decode(data["digits"][index]["pixels"])
    return np.frombuffer(pixels, np.uint8).reshape(28, 28)


def scan_of(digit: np.ndarray, fmt: str, noise: bool = False) -> bytes:
    """The digit as a scan or photo would show it: dark ink on light paper, larger, off centre."""
    from PIL import Image

    ink = np.kron(255 - digit, np.ones((7, 7), np.uint8))  # 196x196, dark on white
    page = np.full((260, 300), 255, np.uint8)
    page[20:216, 70:266] = ink
    if noise:  # a grey, unevenly lit paper with grain
        rng = np.random.default_rng(1)
        shade = np.linspace(0, 30, page.shape[1])[None, :]
        page = np.clip(page.astype(float) * 0.8 - shade + rng.normal(0, 4, page.shape), 0, 255).astype(np.uint8)
    out = io.BytesIO()
    Image.fromarray(page, "L").save(out, fmt)
    return out.getvalue()


def python_preprocess(data: bytes) -> np.ndarray:
    from PIL import Image

    from aec.preprocess import preprocess

    with Image.open(io.BytesIO(data)) as image:
        return preprocess(image)


def box(locator) -> dict:
    b = locator.bounding_box()
    assert b is not None
    return b


def in_view(locator) -> bool:
    """Inside the viewport and not covered (e.g. by a sticky header) at its top and bottom."""
    return locator.evaluate("""e => {
        const r = e.getBoundingClientRect();
        const seen = (y) => e.contains(document.elementFromPoint(r.left + r.width / 2, y));
        return r.top >= 0 && r.bottom <= innerHeight && seen(r.top + 2) && seen(r.bottom - 2);
    }""")


# --- a phone ----------------------------------------------------------------------------


def test_demo_page_on_a_phone(phone):
    """390 px: nothing wider than the screen, a finger draws, a tap picks, digits 196 px and sharp."""
    page = phone.page
    open_demo(phone, search=False)
    wait_runs(page, 1)
    wait_idle(page)
    root = page.locator(ROOT_SEL)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    draw = root.get_by_test_id("draw-canvas")
    assert box(draw)["width"] >= 280
    for testid in ("input", "reconstruction", "jpeg", "webp"):
        canvas = root.get_by_test_id(testid)
        b = box(canvas)
        assert b["width"] >= 196 and b["height"] >= 196 and b["x"] + b["width"] <= 390, testid
        assert canvas.evaluate("c => getComputedStyle(c).imageRendering") == "pixelated", testid
    for testid in ("clear", "download", "share-link", "quality"):
        assert box(root.get_by_test_id(testid))["height"] >= 40, testid  # a finger's worth
    assert box(root.locator("label.aec-file"))["height"] >= 40

    # A finger draws a '1' (touch pointer events), and the page does not scroll while it does.
    before = runs(page)
    draw.scroll_into_view_if_needed()
    scroll = page.evaluate("scrollY")
    draw.evaluate("""c => {
        const r = c.getBoundingClientRect();
        const at = (type, fy) => c.dispatchEvent(new PointerEvent(type, {
            pointerId: 3, pointerType: 'touch', isPrimary: true, bubbles: true, cancelable: true,
            button: 0, buttons: type === 'pointerup' ? 0 : 1,
            clientX: r.left + 0.5 * r.width, clientY: r.top + fy * r.height}));
        at('pointerdown', 0.15);
        for (let i = 1; i <= 10; i++) at('pointermove', 0.15 + i * 0.07);
        at('pointerup', 0.85);
    }""")
    wait_runs(page, before + 1)
    assert page.evaluate("scrollY") == scroll
    assert input_pixels(page).max() > 200

    # A tap picks a sample.
    before = runs(page)
    root.get_by_test_id("sample").nth(4).tap()
    wait_runs(page, before + 1)
    expect(root.get_by_test_id("input-source")).to_contain_text("MNIST test digit")
    phone.assert_clean()


def test_demo_slide_on_a_phone_links_to_the_demo_page(phone):
    """The slide would be scaled to 0.39: it shows a readable link to the demo page instead, and loads nothing heavy."""
    page = phone.page
    requested = []
    page.on("request", lambda r: requested.append(r.url))
    phone.goto(one_pass("slides/index.html#/live-demo"))
    page.wait_for_function("() => window.Reveal && Reveal.isReady()")
    page.wait_for_timeout(500)
    slide = page.locator("#live-demo")
    expect(slide.locator(ROOT_SEL)).to_be_hidden()
    expect(slide.locator(".demo-static img")).to_be_visible()
    link = slide.locator(".demo-page-link a")
    expect(link).to_be_visible()
    assert link.get_attribute("href") == "../demo.html"
    on_screen_px = page.evaluate("""() => parseFloat(getComputedStyle(document.querySelector('#live-demo .demo-page-link'))
        .fontSize) * Reveal.getScale()""")
    assert on_screen_px >= 14, on_screen_px
    assert not [u for u in requested if "/vendor/tfjs/" in u or "/models/" in u], requested
    link.tap()
    page.wait_for_url("**/sub/path/demo.html")
    phone.assert_clean()


# --- images as input --------------------------------------------------------------------


def test_an_image_as_input(demo):
    """A PNG scan goes through the twin's MNIST preprocessing (as Python's) and is compressed;
    a JPEG photo too, and a dropped image; an image without a digit is an error beside Open."""
    page = demo.page
    open_demo(demo, search=False)
    wait_runs(page, 1)
    wait_idle(page)
    root = page.locator(ROOT_SEL)
    png = scan_of(sample_digit(2), "PNG")
    before = runs(page)
    root.get_by_test_id("file-input").set_input_files({"name": "scan.png", "mimeType": "image/png", "buffer": png})
    wait_runs(page, before + 1)
    wait_idle(page)
    assert (input_pixels(page) == python_preprocess(png)).all()  # the same preprocessing, exactly
    expect(root.get_by_test_id("input-source")).to_have_text("scan.png, MNIST-style")
    assert root.get_by_test_id("psnr").inner_text().endswith(" dB")  # against the preprocessed input
    assert int(root.get_by_test_id("jpeg-bytes").inner_text()) > 0
    assert canvas_pixels(page, "reconstruction").max() > 100

    # A photo: grey, unevenly lit, grainy paper, as a JPEG whose name says nothing.
    jpeg = scan_of(sample_digit(2), "JPEG", noise=True)
    before = runs(page)
    root.get_by_test_id("file-input").set_input_files({"name": "IMG_0042", "mimeType": "", "buffer": jpeg})
    wait_runs(page, before + 1)
    pixels = input_pixels(page)
    expected = python_preprocess(jpeg)
    assert np.abs(pixels.astype(int) - expected.astype(int)).max() <= 8  # two JPEG decoders
    expect(root.get_by_test_id("error")).to_be_hidden()

    # Dropped onto the demo.
    before = runs(page)
    page.evaluate("""bytes => {
        const dt = new DataTransfer();
        dt.items.add(new File([Uint8Array.from(bytes)], 'dropped.png', {type: 'image/png'}));
        const root = document.querySelector('[data-demo-root]');
        root.dispatchEvent(new DragEvent('dragover', {dataTransfer: dt, bubbles: true, cancelable: true}));
        root.dispatchEvent(new DragEvent('drop', {dataTransfer: dt, bubbles: true, cancelable: true}));
    }""", list(png))
    wait_runs(page, before + 1)
    expect(root.get_by_test_id("input-source")).to_have_text("dropped.png, MNIST-style")

    # No ink: an error beside Open.
    from PIL import Image
    out = io.BytesIO()
    Image.new("L", (50, 40), 230).save(out, "PNG")
    root.get_by_test_id("file-input").set_input_files({"name": "blank.png", "mimeType": "image/png",
                                                       "buffer": out.getvalue()})
    error = root.get_by_test_id("error")
    expect(error).to_contain_text("blank.png shows no digit")
    assert error.evaluate("e => e.parentElement.dataset.slot") == "open"
    demo.assert_clean()


# --- errors ---------------------------------------------------------------------------


@pytest.mark.parametrize("size", [(1280, 720), (390, 844)], ids=["desk", "phone"])
def test_an_error_shows_beside_open_in_view_and_clears_stale_results(demo, size):
    page = demo.page
    page.set_viewport_size({"width": size[0], "height": size[1]})
    open_demo(demo, search=False)
    wait_runs(page, 1)
    wait_idle(page)
    root = page.locator(ROOT_SEL)
    page.evaluate("scrollTo(0, document.body.scrollHeight)")  # wherever the reader is
    root.get_by_test_id("file-input").set_input_files(
        {"name": "notes.txt", "mimeType": "text/plain", "buffer": b"\xf0 this is not a digit file at all"})
    error = root.get_by_test_id("error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("notes.txt is neither an image nor a .aec file this demo can read")
    page.wait_for_timeout(300)  # scrolled into view
    assert in_view(error)
    open_box, error_box = box(root.locator("label.aec-file")), box(error)
    assert 0 <= error_box["y"] - (open_box["y"] + open_box["height"]) <= 80, (open_box, error_box)
    # Nothing stale is left beside it.
    expect(root.get_by_test_id("compressed-bytes")).to_have_text("–")
    expect(root.get_by_test_id("psnr")).to_have_text("–")
    expect(root.get_by_test_id("jpeg-bytes")).to_have_text("–")
    for testid in ("input", "reconstruction", "jpeg"):
        assert canvas_pixels(page, testid).max() == 0, testid
    assert root.get_by_test_id("download").get_attribute("href") is None
    share = root.get_by_test_id("share-link")  # a disabled link: no address, still named as a link
    assert (share.get_attribute("href"), share.get_attribute("role"), share.get_attribute("aria-disabled")) == \
        (None, "link", "true")
    assert root.get_by_test_id("compressed-hex").inner_text() == ""
    # The next action clears the error.
    before = runs(page)
    root.get_by_test_id("sample").nth(3).click()
    wait_runs(page, before + 1)
    expect(error).to_be_hidden()
    demo.assert_clean()


# --- sharing and history ---------------------------------------------------------------------


def shown(root) -> dict:
    return {k: root.get_by_test_id(k).inner_text()
            for k in ("input-source", "compressed-bytes", "psnr", "jpeg-bytes", "webp-bytes", "compressed-hex")}


def test_share_adds_a_history_entry_and_back_restores(demo):
    page = demo.page
    open_demo(demo, search=False)
    wait_runs(page, 1)
    wait_idle(page)
    root = page.locator(ROOT_SEL)
    before = runs(page)
    picked = root.get_by_test_id("sample").nth(3)
    index = picked.get_attribute("data-index")
    picked.click()
    wait_runs(page, before + 1)
    wait_idle(page)
    first = shown(root)
    depth = page.evaluate("history.length")

    # A real link: opened elsewhere with a modifier, as any link, without touching this page.
    share = root.get_by_role("link", name="Share link")
    href = share.get_attribute("href")
    assert href.startswith(demo.origin + "/sub/path/demo.html#aec=")
    assert share.get_attribute("role") is None and share.get_attribute("aria-disabled") is None
    with page.context.expect_page() as opened:
        share.click(modifiers=["Control"])
    elsewhere = opened.value
    elsewhere.wait_for_function(f"() => Number(document.querySelector('{ROOT_SEL}')?.dataset.run) >= 1")
    assert elsewhere.url == href
    elsewhere.close()
    assert page.evaluate("history.length") == depth and "#aec=" not in page.url

    root.get_by_test_id("share-link").click()
    page.wait_for_function("() => location.hash.startsWith('#aec=')")
    assert page.evaluate("history.length") == depth + 1
    assert page.url == root.get_by_test_id("share-link").get_attribute("href")
    assert shown(root) == first  # the original, its PSNR and the baselines stay
    expect(root.get_by_test_id("share-status")).to_contain_text("address bar")

    before = runs(page)  # another digit: the address no longer names the shared one
    root.get_by_test_id("sample").nth(7).click()
    wait_runs(page, before + 1)
    wait_idle(page)
    second = shown(root)
    assert second != first
    assert "#aec=" not in page.url

    before = runs(page)
    page.go_back()
    wait_runs(page, before + 1)
    wait_idle(page)
    assert shown(root) == first
    expect(root.locator(".aec-sample.aec-selected")).to_have_attribute("data-index", index)

    before = runs(page)
    page.go_forward()
    wait_runs(page, before + 1)
    wait_idle(page)
    assert shown(root) == second
    demo.assert_clean()


def test_a_cut_link_is_refused(demo):
    """A share link with its end cut off (as chats do) shows an error, not another digit."""
    page = demo.page
    open_demo(demo, search=False)
    wait_runs(page, 1)
    link = page.locator(ROOT_SEL).get_by_test_id("share-link").get_attribute("href")
    data = shown_bytes(page)
    for cut in (3, 5, 12):  # inside the check, just before it, inside the bytes
        page.goto("about:blank")
        page.goto(link[:-cut])
        root = page.locator(ROOT_SEL)
        page.wait_for_function(f"() => document.querySelector('{ROOT_SEL}').dataset.state !== 'loading'")
        error = root.get_by_test_id("error")
        expect(error).to_be_visible()
        expect(error).to_contain_text("This link is incomplete")
        assert runs(page) == 0, cut
        assert canvas_pixels(page, "reconstruction").max() == 0
        expect(root.get_by_test_id("compressed-bytes")).to_have_text("–")
    page.goto("about:blank")
    page.goto(link)  # the whole link still works
    wait_runs(page, 1)
    assert shown_bytes(page) == data
    demo.assert_clean()


# --- keyboard, focus, explanations -------------------------------------------------------------


def outline_px(locator) -> float:
    return locator.evaluate("e => parseFloat(getComputedStyle(e).outlineWidth) * (getComputedStyle(e).outlineStyle !== 'none')")


def test_visible_focus_and_enter_and_space(demo):
    page = demo.page
    open_demo(demo, search=False)
    wait_runs(page, 1)
    wait_idle(page)
    root = page.locator(ROOT_SEL)
    page.keyboard.press("Tab")  # keyboard focus, so :focus-visible applies
    targets = [root.get_by_test_id(t) for t in ("clear", "quality", "download", "share-link")]
    targets.append(root.get_by_test_id("sample").first)
    for target in targets:
        target.focus()
        assert outline_px(target) >= 2, target
    root.get_by_test_id("file-input").focus()
    assert outline_px(root.locator("label.aec-file")) >= 2  # the input is invisible over its label
    # Tab reaches every control, in reading order.
    root.get_by_test_id("clear").focus()
    seen = []
    for _ in range(40):
        page.keyboard.press("Tab")
        seen.append(page.evaluate("document.activeElement?.dataset?.testid || ''"))
        if seen[-1] == "share-link":
            break
    reached = [t for t in seen if t in ("file-input", "quality", "download", "share-link")]
    assert reached == ["file-input", "quality", "download", "share-link"], seen
    # Space presses Download (a link styled as a button), Enter too.
    for key in ("Space", "Enter"):
        root.get_by_test_id("download").focus()
        with page.expect_download() as info:
            page.keyboard.press(key)
        assert info.value.suggested_filename.endswith(".aec")
    # Space presses Share link; Space presses Clear.
    root.get_by_test_id("share-link").focus()
    page.keyboard.press("Space")
    page.wait_for_function("() => location.hash.startsWith('#aec=')")
    root.get_by_test_id("clear").focus()
    page.keyboard.press("Space")
    expect(root.get_by_test_id("compressed-bytes")).to_have_text("–")
    demo.assert_clean()


def test_terms_are_explained_where_they_appear(demo):
    page = demo.page
    open_demo(demo, search=False)
    wait_runs(page, 1)
    root = page.locator(ROOT_SEL)
    legend = root.get_by_test_id("legend")
    expect(legend).to_be_visible()
    terms = legend.locator("dt").all_inner_texts()
    assert terms == ["bytes", "PSNR", "ratio", "q", "+ B ICC"]
    assert all(len(t) > 20 for t in legend.locator("dd").all_inner_texts())
    expect(root.get_by_test_id("levels-help")).to_contain_text("Level 1")
    # Beside the tiles or right under them.
    tiles, legend_box = box(root.locator(".aec-tiles")), box(legend)
    assert legend_box["y"] <= tiles["y"] + tiles["height"] + 40
    # At a desk's width too, the digits are at least 196 px and sharp (the phone: test_demo_page_on_a_phone).
    assert page.viewport_size["width"] >= 1024
    for testid in ("input", "reconstruction", "jpeg", "webp"):
        canvas = root.get_by_test_id(testid)
        assert min(box(canvas)["width"], box(canvas)["height"]) >= 196, testid
        assert canvas.evaluate("c => getComputedStyle(c).imageRendering") == "pixelated", testid
    demo.assert_clean()


def test_the_dutch_slide_is_dutch_and_its_keys_are_the_demos(demo):
    page = demo.page
    demo.goto(one_pass("slides/index.html?lang=nl#/live-demo"))
    root = page.locator(f"#live-demo {ROOT_SEL}")
    page.wait_for_function(f"() => Number(document.querySelector('#live-demo {ROOT_SEL}')?.dataset.run) >= 1")
    wait_idle(page)
    text = root.inner_text()
    for english in ("bytes raw", "MNIST test digit", "Level", "first run", "warm-up", "Ours", "encode", "ratio"):
        assert not re.search(rf"\b{english}\b", text), english
    for dutch in ("784 bytes onbewerkt", "MNIST-testcijfer 0 (een 7)", "verhouding", "gedecodeerd"):
        assert dutch in text, dutch
    # the page starts at the command's default model; its label: quality level and mean size
    manifest = json.loads((ROOT / "site" / "models" / "manifest.json").read_text())
    start = next(m for m in manifest["models"] if m["id"] == manifest["default_model_id"])
    size = f"(≈ {int(start['bytes_per_digit'] + 0.5)} B)"
    assert root.get_by_test_id("quality").evaluate("s => s.selectedOptions[0].textContent") == f"Niveau {start['level']} {size}"
    assert "," in root.get_by_test_id("psnr").inner_text()  # 31,50 dB
    page.keyboard.press("l")  # English
    page.wait_for_function("() => document.documentElement.lang === 'en'")
    assert root.get_by_test_id("quality").evaluate("s => s.selectedOptions[0].textContent") == f"Level {start['level']} {size}"
    assert "784 bytes raw" in root.inner_text()
    # Space and Enter on the demo's buttons press them; they do not move the deck.
    slide = page.evaluate("Reveal.getIndices().h")
    root.get_by_test_id("clear").focus()
    page.keyboard.press("Space")
    expect(root.get_by_test_id("compressed-bytes")).to_have_text("–")
    root.get_by_test_id("sample").nth(2).focus()
    before = runs(page)
    page.keyboard.press("Enter")
    wait_runs(page, before + 1)
    page.keyboard.press("ArrowRight")
    assert page.evaluate("Reveal.getIndices().h") == slide
    demo.assert_clean()
