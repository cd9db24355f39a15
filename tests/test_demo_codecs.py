"""The in-browser demo's bytes (site/js/demo/) against the other codecs, in chromium:
the Python codec decodes what the page writes and writes what the page shows
(in-process, and the `aec` command for downloads), and chromium's own JPEG / WebP
files are what the baselines count. With the shipped models (site/models, from
models/), or DEMO_SITE_MODELS=DIR (a `python -m converter --out DIR` folder,
served in place of site/models), DEMO_MODELS_DIR=DIR (the Keras models it came
from) and DEMO_RUNTIME_DIR=DIR (their `--runtime-out`) to test freshly trained models
before they are committed. A missing model
fails the tests; nothing is skipped.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import expect

from demo_page import (MODELS_DIR, ROOT, ROOT_SEL, RUNTIME_DIR, SITE_MODELS, TOLERANCE, canvas_pixels, draw_seven,
                       input_pixels, max_diff, open_demo, prepare, runs, shown_bytes, wait_idle, wait_runs)

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(probe):
    """The probe, serving DEMO_SITE_MODELS when set."""
    prepare(probe.page)
    return probe


def psnr(a, b) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return 10 * np.log10(255.0 ** 2 / mse) if mse else 100.0


@pytest.fixture(scope="session")
def py_codecs():
    """The Python codec (the runtime models, LiteRT), loaded once."""
    sys.path.insert(0, str(ROOT))
    from aec.codec import Codecs

    return Codecs.load(RUNTIME_DIR)


def python_cli_decompress(path: Path, out: Path) -> np.ndarray:
    from PIL import Image

    proc = subprocess.run([sys.executable, "-m", "aec", "decompress", str(path), "-o", str(out),
                           "--models-dir", str(RUNTIME_DIR)],
                          cwd=ROOT, capture_output=True, text=True, timeout=180,
                          env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2"))
    assert proc.returncode == 0, proc.stderr
    return np.asarray(Image.open(out / (path.stem + ".png")).convert("L"))


def test_shipped_models_are_there():
    """What the demo and these tests load: missing files fail here by name."""
    needed = [SITE_MODELS / "manifest.json", SITE_MODELS / "samples.json", MODELS_DIR / "talk", MODELS_DIR / "codec"]
    missing = [str(p) for p in needed if not p.exists()]
    assert not missing, f"missing {missing}: restore them from git, or `make train`"


def test_matches_python_codec(demo, py_codecs):
    """For every model: the page's bytes decode (Python) to its reconstruction within
    3/255, and Python's own compression of the page's 28x28 input (searched with the
    browser's settings, as the page shows a learned level's file) gives the same picture."""
    from aec.search import BROWSER_CANDIDATES, BROWSER_ROUNDS, Search

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
        got_id, images = py_codecs.decompress_file(data)
        assert got_id == model_id
        search = model_id and Search(py_codecs.codec_for(model_id), rounds=BROWSER_ROUNDS, candidates=BROWSER_CANDIDATES)
        py_data = py_codecs.compress_file(pixels[None], model_id, search=search)
        _, py_images = py_codecs.decompress_file(py_data)
        report.append({"model": model_id, "bytes": len(data), "py_bytes": len(py_data), "same_bytes": py_data == data,
                       "decoder_diff": max_diff(images[0], recon), "codec_diff": max_diff(py_images[0], recon),
                       "psnr": psnr(pixels, images[0]), "py_psnr": psnr(pixels, py_images[0])})
    print("browser vs Python:", report)
    assert len(report) >= 2
    bad = [r for r in report if r["decoder_diff"] > TOLERANCE]
    assert not bad, f"the page's files decode in Python more than {TOLERANCE}/255 from its pictures: {bad}"
    # The search's path can part where WebGL's floats and LiteRT's differ (a tie between two
    # moves): then the page's file is another, about as good; most levels take the same path.
    same = [r for r in report if r["codec_diff"] <= TOLERANCE]
    assert report[0]["model"] == 0 and report[0] in same, "the talk's model has no search: its file must match"
    assert len(same) >= 2 * len(report) // 3, f"most levels should code as Python does: {report}"
    worse = [r for r in report if r not in same and (r["psnr"] < r["py_psnr"] - 1.5 or r["bytes"] > 1.15 * r["py_bytes"])]
    assert not worse, f"searched files much worse than Python's: {worse}"
    demo.assert_clean()


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


def test_baselines_on_chromiums_own_files(demo):
    """JPEG / WebP as chromium writes them: the ICC-free file decodes to the same pixels
    as the browser's file, and the quality search returns the smallest file not below
    the target (the search itself: tests/js/baselines.test.mjs)."""
    page = demo.page
    open_demo(demo)
    wait_runs(page, 1)
    wait_idle(page)
    result = page.evaluate("""async () => {
        const base = new URL('js/demo/', document.baseURI);
        const { stripIcc } = await import(new URL('baselines.js', base).href);
        const { browserBaseline, digitCanvas } = await import(new URL('dom.js', base).href);
        const pixels = window.aecDemo.demos[0].input;
        const canvas = digitCanvas(pixels);
        const decode = async (blob) => {
            const c = document.createElement('canvas'); c.width = c.height = 28;
            const x = c.getContext('2d'); x.drawImage(await createImageBitmap(blob), 0, 0);
            return Array.from(x.getImageData(0, 0, 28, 28).data);
        };
        const out = {};
        for (const type of ['image/jpeg', 'image/webp']) {
            const blob = await new Promise(r => canvas.toBlob(r, type, 0.5));
            const file = new Uint8Array(await blob.arrayBuffer());
            const stripped = stripIcc(file, type);
            const same = JSON.stringify(await decode(blob)) === JSON.stringify(await decode(new Blob([stripped], {type})));
            const sizes = [];
            for (const target of [1, 150, 400, 100000]) {
                const r = await browserBaseline(pixels, type, target);
                sizes.push([target, r.bytes, r.quality, r.note, r.profileBytes, r.pixels.length]);
            }
            out[type] = {file: file.length, stripped: stripped.length, same, sizes};
        }
        return out;
    }""")
    for type_ in ("image/jpeg", "image/webp"):
        r = result[type_]
        assert r["same"], type_
        assert r["stripped"] < r["file"], type_  # chromium embeds an ICC profile
        for target, size, quality, note, profile, n in r["sizes"]:
            assert profile == r["file"] - r["stripped"] and n == 784, (type_, profile, n)
            if note == "floor":
                assert size >= target and quality == 0
            elif note == "below":
                assert size < target and quality == 1
            else:
                assert size >= target, (type_, target, size, quality)
        assert [r["sizes"][0][3], r["sizes"][-1][3]] == ["floor", "below"], r["sizes"]  # targets 1 and 100000
    demo.assert_clean()
