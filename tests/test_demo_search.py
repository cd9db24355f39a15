"""The demo's encoder search in chromium (site/js/demo/encoding.js on ../aec/search.js):
a digit's one-pass file shows at once, then the searched file replaces it (bytes,
reconstruction, download, share link); a newer digit cancels a running search, and
the worker keeps answering while one runs. Fails on console errors, uncaught
exceptions, HTTP errors and foreign requests (conftest.PageProbe)."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from playwright.sync_api import expect

from demo_page import (ROOT, ROOT_SEL, RUNTIME_DIR, TOLERANCE, canvas_pixels, draw_seven, encoder_log, input_pixels,
                       max_diff, open_demo, prepare, runs, shown_bytes, wait_idle, wait_runs, watch_encoder)

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(probe):
    prepare(probe.page)
    return probe


@pytest.fixture(scope="module")
def py_codecs():
    """Python's codec (LiteRT): it reads the files the page writes."""
    sys.path.insert(0, str(ROOT))
    from aec.codec import Codecs

    return Codecs.load(RUNTIME_DIR)


def ready(demo):
    """The demo on WebGL, its first sample's search done, at a level with the search."""
    page = demo.page
    open_demo(demo)
    wait_runs(page, 1)
    wait_idle(page)
    root = page.locator(ROOT_SEL)
    # tf.getBackend() in the worker, as the engine reports it and the page shows it
    assert page.evaluate("async () => (await window.aecDemo.engine()).backend") == "webgl"
    expect(root.get_by_test_id("backend")).to_have_text("webgl")
    model_id = int(root.get_by_test_id("quality").input_value())
    assert model_id in page.evaluate("async () => (await window.aecDemo.engine()).searchIds")
    expect(root.get_by_test_id("encoder")).to_have_text("searched")
    return page, root, model_id


def test_one_pass_then_searched(demo, py_codecs, tmp_path):
    """A drawn digit: its one-pass file at once, then the searched file in its place,
    which is what the download holds and what Python's codec decodes."""
    page, root, model_id = ready(demo)
    watch_encoder(page)
    before = runs(page)
    draw_seven(page)
    wait_runs(page, before + 1)
    wait_idle(page)
    log = encoder_log(page)
    assert [e["encoder"] for e in log] == ["one pass", "searched"], log
    one_pass, searched = (bytes.fromhex(e["hex"]) for e in log)
    assert log[0]["input"] == log[1]["input"] == root.get_by_test_id("input").get_attribute("data-pixels")
    assert log[1]["run"] == before + 1 and log[0]["run"] == before  # data-run counts the settled result
    expect(root.get_by_test_id("encoder")).to_have_text("searched")
    assert shown_bytes(page) == searched != one_pass
    assert root.get_by_test_id("compressed-bytes").inner_text() == str(len(searched))

    # Both decode in Python; the searched file is no worse in bits plus weighted error.
    pixels = input_pixels(page)
    recon = canvas_pixels(page, "reconstruction")
    got_id, images = py_codecs.decompress_file(searched)
    assert got_id == model_id
    assert max_diff(images[0], recon) <= TOLERANCE
    _, first = py_codecs.decompress_file(one_pass)
    sse = lambda img: float(np.sum((img.astype(float) - pixels.astype(float)) ** 2))  # noqa: E731
    assert len(searched) < len(one_pass) or sse(images[0]) < sse(first[0]), (len(searched), len(one_pass))
    psnr = 100.0 if sse(recon) == 0 else min(100.0, 10 * np.log10(255**2 * 784 / sse(recon)))
    assert root.get_by_test_id("psnr").inner_text() == f"{psnr:.2f} dB"

    # The download is the searched file, and so is the share link.
    with page.expect_download() as info:
        root.get_by_test_id("download").click()
    path = tmp_path / "digit.aec"
    info.value.save_as(path)
    assert path.read_bytes() == searched
    link = root.get_by_test_id("share-link").get_attribute("href")
    assert page.evaluate("href => window.aecDemo.engine().then(() => href)", link) == link
    decoded = page.evaluate("""async (hex) => {
        const m = await import(new URL('js/demo/links.js', document.baseURI).href);
        const bytes = m.fromLinkText(new URL(hex).hash.replace(/^#aec=/, ''));
        return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
    }""", link)
    assert bytes.fromhex(decoded) == searched
    demo.assert_clean()


def test_new_digit_cancels_the_search(demo):
    """A sample chosen while another's search runs: that search is dropped, and what
    stays is the last digit's searched file (the same bytes a fresh search gives)."""
    page, root, model_id = ready(demo)
    samples = root.get_by_test_id("sample")
    watch_encoder(page)
    before = runs(page)
    samples.nth(2).click()
    page.wait_for_function("() => window.__encoderLog.length >= 1")  # its one pass shows; its search runs
    samples.nth(5).click()
    wait_runs(page, before + 1)
    wait_idle(page)
    log = encoder_log(page)
    last = samples.nth(5).get_attribute("data-index")
    final = root.get_by_test_id("input").get_attribute("data-pixels")
    assert [e["encoder"] for e in log] == ["one pass", "one pass", "searched"], log
    assert log[0]["input"] != final and log[1]["input"] == log[2]["input"] == final
    assert runs(page) == before + 1
    expect(root.get_by_test_id("encoder")).to_have_text("searched")
    expected = page.evaluate("""async ([index, modelId]) => {
        const engine = await window.aecDemo.engine();
        const pixels = window.aecDemo.demos[0].samples[index].pixels;
        const { bytes } = await engine.search(pixels, modelId, new AbortController().signal);
        return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
    }""", [int(last), model_id])
    assert shown_bytes(page) == bytes.fromhex(expected)
    demo.assert_clean()


def test_worker_answers_while_a_search_runs(demo):
    """The engine's ops: a compress is answered before a running search ends; an aborted
    search rejects at once with an AbortError, and the engine searches again afterwards."""
    page, root, model_id = ready(demo)
    out = page.evaluate("""async (modelId) => {
        const engine = await window.aecDemo.engine();
        const digits = window.aecDemo.demos[0].samples.map((s) => s.pixels);
        const order = [];
        const ctl = new AbortController();
        const search = engine.search(digits[1], modelId, ctl.signal).then(() => order.push('search'));
        await engine.compress(digits[2], modelId);  // a new digit: answered while the search runs
        order.push('compress');
        await search.catch((e) => order.push(e.name));
        const ctl2 = new AbortController();
        const aborted = engine.search(digits[3], modelId, ctl2.signal).catch((e) => e.name);
        ctl2.abort();
        const name = await aborted;
        const t0 = performance.now();
        const again = await engine.search(digits[3], modelId, new AbortController().signal);
        return { order, name, searchMs: performance.now() - t0, bytes: again.bytes.length };
    }""", model_id)
    # the one-pass compress of a new digit aborts the search running in the engine
    assert out["order"] == ["compress", "AbortError"], out
    assert out["name"] == "AbortError" and out["bytes"] > 0
    print("a search on this machine:", round(out["searchMs"]), "ms")
    demo.assert_clean()


def test_search_off_in_the_address_keeps_the_one_pass_file(demo):
    """demo.html?search=off: no level searches, and a drawn digit's file stays the one-pass
    file (what the other demo tests open, tests/demo_page.py ONE_PASS)."""
    page = demo.page
    open_demo(demo, search=False)
    wait_runs(page, 1)
    wait_idle(page)
    root = page.locator(ROOT_SEL)
    assert page.evaluate("async () => (await window.aecDemo.engine()).searchIds") == []
    watch_encoder(page)
    before = runs(page)
    draw_seven(page)
    wait_runs(page, before + 1)
    wait_idle(page)
    assert [e["encoder"] for e in encoder_log(page)] == ["one pass"]
    expect(root.get_by_test_id("encoder")).to_have_text("one pass")
    assert shown_bytes(page).hex() == encoder_log(page)[0]["hex"]
    demo.assert_clean()
