"""Inside the file, on the demo page (site/js/demo/inside.js, bitmap.js, editor.js, walk.js),
in chromium on WebGL: the bits add up to the file and agree with Python's split; a bit flip
or a typed byte changes the digit or gives the format's own error, and undoes; a latent
slider changes the digit and the file; the morph's ends are the two digits' reconstructions;
the keyboard reaches it all and axe finds nothing, at a desk and on a phone. Screenshots of
both go to build/screenshots/ (looked at, not compared). One-digit files of the learned levels
are format version 4 (site/models' model_prior): the panel shows their head, the model and
cluster given the length, where version 2 and 3 files have a header and a cluster choice.
"""

from __future__ import annotations

import json
from fractions import Fraction

import numpy as np
import pytest
from playwright.sync_api import expect

import axe_check
from aec import levels
from aec.bits import bit_split, bits_text, latent_order
from aec.format import FormatError, decode_stream
from aec.model_prior import ModelPrior
from aec.tables import TableSet
from theme import bit_map
from demo_page import ROOT, ROOT_SEL, TOLERANCE, open_demo, prepare, shown_bytes, wait_idle, wait_runs

pytestmark = pytest.mark.browser

DESK = {"width": 1366, "height": 768}
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
LOWRATE = levels.FIRST_MODEL_ID["lowrate"]  # the low-rate network's first level: a vector of 32 latents
MID = levels.FIRST_MODEL_ID["mid"]  # the mid-rate network's first level: a vector of 64 latents
GRID = bit_map.grid_model_id()  # the codec's lowest level on the scale: a 4x4 grid of latents
MANIFEST = json.loads((ROOT / "site" / "models" / "manifest.json").read_text())
SHOTS = ROOT / "build" / "screenshots"


def tables() -> dict:
    folder = ROOT / "site" / "models" / "tables"
    return {int(p.stem): TableSet.from_json(p.read_text()) for p in folder.glob("*.json") if p.stem.isdigit()}


def prior():
    path = ROOT / "site" / "models" / "tables" / "model_prior.json"
    return ModelPrior.from_json(path.read_text()) if path.is_file() else None


TABLES = tables()
PRIOR = prior()


def refusal(data: bytes):
    """Python's message for bytes the page's reader (with the prior) refuses, or None."""
    try:
        decode_stream(data, TABLES, prior=PRIOR)
    except FormatError as e:
        return str(e)
    return None


def first_refused_flip(data: bytes) -> tuple:
    """The first bit whose flip makes ``data`` no file, and Python's message."""
    for k in range(8 * len(data)):
        edited = bytearray(data)
        edited[k >> 3] ^= 0x80 >> (k & 7)
        message = refusal(bytes(edited))
        if message:
            return k, message
    raise AssertionError("every single-bit flip is a file")


def inside_count(page) -> int:
    return int(page.get_by_test_id("inside").get_attribute("data-inside"))


def wait_inside(page, n: int) -> None:
    page.wait_for_function("n => Number(document.querySelector('[data-testid=inside]').dataset.inside) >= n", arg=n)


def ready(probe, search: bool = False) -> None:
    """The demo open, its first digit shown (one pass only unless `search`)."""
    open_demo(probe, search=search)
    page = probe.page
    wait_runs(page, 1)
    wait_inside(page, 1)
    wait_idle(page)
    assert page.evaluate("async () => (await window.aecDemo.engine()).backend") == "webgl"


def pixels_of(page, testid: str) -> str:
    return page.locator(f"{ROOT_SEL} [data-testid={testid}]").first.get_attribute("data-pixels")


def as_image(hex_: str) -> np.ndarray:
    return np.frombuffer(bytes.fromhex(hex_), np.uint8).astype(int)


def parts(page) -> list:
    return [tuple(p) for p in page.get_by_test_id("bits-part").evaluate_all(
        "rows => rows.map(r => [r.dataset.part, r.dataset.bits])")]


def check_split(page) -> bytes:
    """The page's parts add up to its file and are Python's split of the same bytes."""
    data = shown_bytes(page)
    total = int(page.get_by_test_id("bits-total").inner_text())
    assert total == 8 * len(data)
    got = parts(page)
    assert sum(Fraction(bits) for _, bits in got) == total
    s = bit_split(data, TABLES, prior=PRIOR)
    if s.head_q16:  # version 4: no header, no cluster bits
        want = [("head", bits_text(s.head_q16))]
    else:
        want = [("header", bits_text(s.header_bits << 16))]
    if s.cluster_bits:
        want.append(("clusters", bits_text(s.cluster_bits << 16)))
    want += [("latent", bits_text(q)) for q in s.latent_q16.sum(0)]
    want.append(("termination", bits_text(s.termination_q16)))
    assert got == want
    return data


def choose_level(page, model_id: int) -> None:
    before = inside_count(page)
    page.get_by_test_id("quality").select_option(str(model_id))
    wait_inside(page, before + 1)
    wait_idle(page)


def test_the_bits_add_up_and_agree_with_python(probe):
    prepare(probe.page)
    ready(probe)
    page = probe.page
    data = check_split(page)
    assert decode_stream(data, TABLES, prior=PRIOR)[0] == levels.DEFAULT_MODEL_ID == MID  # global latents: bars
    assert data[0] < 0x80 and PRIOR is not None  # version 4
    assert len(parts(page)) == 1 + MANIFEST["mid"]["latent_shape"][0] + 1 and parts(page)[0][0] == "head"
    expect(page.locator(".aec-total")).to_contain_text("model and cluster, given the length")
    expect(page.locator(".aec-stack-head")).to_have_count(1)
    # the editor colours the leading bits the head alone fixes (at least the first, 0)
    assert page.locator("[data-testid=bit].aec-bit-header").count() >= 1
    expect(page.locator("[data-testid=bit][data-index='0']")).to_have_class("aec-bit aec-bit-header")
    expect(page.locator(".aec-bars")).to_be_visible()
    assert page.locator(".aec-bar").count() == MANIFEST["mid"]["latent_shape"][0]
    choose_level(page, LOWRATE)  # global latents too: a bar each
    check_split(page)
    assert page.locator(".aec-bar").count() == MANIFEST["lowrate"]["latent_shape"][0]
    choose_level(page, GRID)  # the codec's grid: a heat map, head, 4x4x16 latents, termination
    check_split(page)
    expect(page.locator(".aec-heat")).to_be_visible()
    assert len(parts(page)) == 1 + 256 + 1 and parts(page)[0][0] == "head"
    choose_level(page, 0)  # the talk's network: version 2, 8 bits a latent, one cluster
    check_split(page)
    assert len(parts(page)) == 1 + 128 + 1 and parts(page)[1] == ("latent", "8") and parts(page)[0][0] == "header"
    assert page.locator("[data-testid=bit].aec-bit-header").count() == 6
    expect(page.locator(".aec-heat")).to_be_visible()
    probe.assert_clean()


def flip(page, k: int) -> None:
    page.locator(f"[data-testid=bit][data-index='{k}']").click()


def test_bit_flips_and_typed_bytes_decode_or_give_the_formats_error(probe):
    prepare(probe.page)
    ready(probe)
    page = probe.page
    original = shown_bytes(page)
    recon = pixels_of(page, "reconstruction")
    hex_view = page.get_by_test_id("hex-view")
    error = page.get_by_test_id("edit-error")
    status = page.get_by_test_id("inside-status")
    # A flip that makes it no file (the first bit of a version-4 file: the bytes are then read as
    # version 2 or 3): the format's own words.
    k, message = first_refused_flip(original)
    flip(page, k)
    expect(error).to_be_visible()
    expect(error).to_contain_text(message)
    expect(page.get_by_test_id("download")).to_have_attribute("aria-disabled", "true")
    page.get_by_test_id("undo-edit").click()
    expect(error).to_be_hidden()
    page.wait_for_function(f"() => document.querySelector('[data-testid=reconstruction]').dataset.pixels === '{recon}'")
    assert shown_bytes(page) == original
    # Payload bits: each edit decodes (a new digit, the parts still add up) or is refused as Python refuses it.
    seen = {"valid": 0, "refused": 0}
    for k in range(12, 8 * len(original), 13):
        edited = bytearray(original)
        edited[k >> 3] ^= 0x80 >> (k & 7)
        message = refusal(bytes(edited))
        flip(page, k)
        if message:
            expect(error).to_contain_text(message)
            seen["refused"] += 1
        else:
            expect(error).to_be_hidden()
            page.wait_for_function(f"h => document.querySelector('[data-testid=compressed-hex]').textContent.replace(/ /g, '') === h",
                                   arg=bytes(edited).hex())
            wait_idle(page)
            check_split(page)
            assert pixels_of(page, "reconstruction") != recon or bytes(edited) == original
            expect(status).to_contain_text(f"{8 * len(edited)} bits ({len(edited)} bytes)")
            expect(status).to_contain_text("dB")
            seen["valid"] += 1
        page.get_by_test_id("undo-edit").click()
        wait_idle(page)
        expect(error).to_be_hidden()
    assert seen["valid"] and seen["refused"], seen
    # Typing: a trailing 00 byte is read as Python reads it (version 3 never ends in 00; in version 4
    # the length picks the head's table, so it is often another digit's file); a bad character is not hex.
    longer = original + b"\x00"
    message = refusal(longer)
    hex_view.fill(longer.hex(" "))
    if message:
        expect(error).to_contain_text(message)
    else:
        page.wait_for_function("h => document.querySelector('[data-testid=compressed-hex]').textContent.replace(/ /g, '') === h",
                               arg=longer.hex())
        wait_idle(page)
        expect(error).to_be_hidden()
        check_split(page)
    hex_view.fill(original.hex(" ") + " zz")
    expect(error).to_contain_text("Not hex")
    hex_view.fill(original.hex(" "))
    expect(error).to_be_hidden()
    # The keyboard: one tab stop for the bits, arrows move, Space flips; the edited file downloads.
    page.locator("[data-testid=bit][data-index='0']").focus()
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement.dataset.index") == "5"
    page.keyboard.press("Space")
    edited = bytearray(original)
    edited[0] ^= 0x04
    page.wait_for_function("h => document.querySelector('[data-testid=hex-view]').value.replace(/ /g, '') === h",
                           arg=bytes(edited).hex())
    wait_idle(page)
    try:
        decode_stream(bytes(edited), TABLES, prior=PRIOR)
        with page.expect_download() as download:
            page.get_by_test_id("download").click()
        assert open(download.value.path(), "rb").read() == bytes(edited)
        assert "#aec=" in page.get_by_test_id("share-link").get_attribute("href")
    except FormatError as e:
        expect(error).to_contain_text(str(e))
    probe.assert_clean()


def test_a_latent_slider_changes_the_digit_and_the_file(probe):
    prepare(probe.page)
    ready(probe)
    page = probe.page
    choose_level(page, LOWRATE)
    sliders = page.get_by_test_id("latent-slider")
    assert sliders.count() == 32
    order = [int(sliders.nth(i).get_attribute("data-element")) for i in range(32)]
    assert order == latent_order(TABLES[LOWRATE]).tolist()
    before_bytes, before_pixels = shown_bytes(page), pixels_of(page, "reconstruction")
    first = sliders.first
    first.focus()
    n = inside_count(page)
    page.keyboard.press("End")  # the far end of the table: an unlikely value, more bits
    wait_inside(page, n + 1)
    wait_idle(page)
    after = shown_bytes(page)
    assert after != before_bytes and len(after) > len(before_bytes)
    assert pixels_of(page, "reconstruction") != before_pixels
    _, rows = decode_stream(after, TABLES, prior=PRIOR)
    symbols = TABLES[LOWRATE].symbols(rows)[0]
    assert symbols[order[0]] == int(first.get_attribute("max"))
    check_split(page)
    expect(page.get_by_test_id("inside-status")).to_contain_text(f"{len(after)} bytes")
    probe.assert_clean()


def test_the_morphs_ends_are_the_two_reconstructions(probe):
    prepare(probe.page)
    ready(probe, search=True)  # the morph's ends are searched files, as the demo shows them
    page = probe.page
    choose_level(page, LOWRATE)
    start = pixels_of(page, "reconstruction")
    start_bytes = shown_bytes(page)
    page.get_by_test_id("morph-from").select_option("input")
    page.get_by_test_id("morph-to").select_option("1")
    page.get_by_test_id("morph-go").click()
    frames = page.get_by_test_id("morph-frame")
    expect(frames).to_have_count(9, timeout=30_000)  # nine digits through the decoder, on a busy CPU
    assert int(frames.first.get_attribute("data-bytes")) == len(start_bytes)
    assert np.max(np.abs(as_image(frames.first.get_attribute("data-pixels")) - as_image(start))) <= TOLERANCE
    assert [int(frames.nth(i).get_attribute("data-swapped")) for i in range(9)] == [0, 4, 8, 12, 16, 20, 24, 28, 32]
    end = frames.last.get_attribute("data-pixels")
    end_bytes = int(frames.last.get_attribute("data-bytes"))
    n = inside_count(page)
    page.locator("[data-testid=sample][data-index='1']").click()
    wait_inside(page, n + 1)
    wait_idle(page)
    assert len(shown_bytes(page)) == end_bytes
    assert np.max(np.abs(as_image(pixels_of(page, "reconstruction")) - as_image(end))) <= TOLERANCE
    probe.assert_clean()


@pytest.mark.parametrize("where", ["desk", "phone"])
def test_no_axe_violation_and_screenshots(browser, site_url, make_probe, where):
    options = {"viewport": DESK} if where == "desk" else PHONE
    context = browser.new_context(bypass_csp=True, **options)
    page = context.new_page()
    prepare(page)
    probe = make_probe(page)
    try:
        ready(probe)
        found = axe_check.blocking(axe_check.run(page))
        assert not found, axe_check.describe(found)
        # every part has its heading as its name
        names = page.evaluate("""() => [...document.querySelectorAll('.aec-inside, .aec-inside section')]
            .map(s => document.getElementById(s.getAttribute('aria-labelledby'))?.textContent)""")
        assert names == ["Inside the file", "Where the bits go", "Edit the bytes", "Walk the latents"], names
        SHOTS.mkdir(parents=True, exist_ok=True)
        inside = page.get_by_test_id("inside")
        inside.scroll_into_view_if_needed()
        page.screenshot(path=SHOTS / f"inside-default-{where}.png", full_page=False)  # bars: the mid-rate network
        choose_level(page, GRID)  # the heat map over the digit
        found = axe_check.blocking(axe_check.run(page))
        assert not found, axe_check.describe(found)
        page.screenshot(path=SHOTS / f"inside-grid-{where}.png", full_page=False)
        choose_level(page, LOWRATE)
        page.get_by_test_id("morph-go").click()
        expect(page.get_by_test_id("morph-frame")).to_have_count(9, timeout=30_000)
        wait_idle(page)
        page.locator("details.aec-all-parts").first.evaluate("d => d.open = true")
        found = axe_check.blocking(axe_check.run(page))
        assert not found, axe_check.describe(found)
        inside.screenshot(path=SHOTS / f"inside-lowrate-{where}.png")
        flip(page, first_refused_flip(shown_bytes(page))[0])  # no digit file: the format's error, in words
        expect(page.get_by_test_id("edit-error")).to_be_visible()
        found = axe_check.blocking(axe_check.run(page))
        assert not found, axe_check.describe(found)
        page.get_by_test_id("editor").screenshot(path=SHOTS / f"inside-error-{where}.png")
    finally:
        context.close()


def test_an_edited_file_shares_and_comes_back_with_back(probe):
    prepare(probe.page)
    ready(probe)
    page = probe.page
    original = shown_bytes(page)
    for k in range(8 * len(original) - 1, 11, -1):  # a payload bit whose flip is still a file
        edited = bytearray(original)
        edited[k >> 3] ^= 0x80 >> (k & 7)
        if refusal(bytes(edited)) is None:
            break
    input_before = pixels_of(page, "input")
    flip(page, k)
    page.wait_for_function("h => document.querySelector('[data-testid=compressed-hex]').textContent.replace(/ /g, '') === h",
                           arg=bytes(edited).hex())
    wait_idle(page)
    page.get_by_test_id("share-link").click()
    page.wait_for_function("() => location.hash.startsWith('#aec=')")
    n = inside_count(page)
    page.locator("[data-testid=sample][data-index='2']").click()
    wait_inside(page, n + 1)
    wait_idle(page)
    page.go_back()
    page.wait_for_function("h => document.querySelector('[data-testid=compressed-hex]').textContent.replace(/ /g, '') === h",
                           arg=bytes(edited).hex())
    wait_idle(page)
    assert pixels_of(page, "input") == input_before
    assert page.get_by_test_id("hex-view").input_value().replace(" ", "") == bytes(edited).hex()
    check_split(page)
    probe.assert_clean()
