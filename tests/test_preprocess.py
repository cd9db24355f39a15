"""MNIST-style preprocessing of arbitrary images (aec/preprocess.py)."""

import base64
import io
import json
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from aec import preprocess as pp

VECTORS = Path(__file__).parent / "vectors" / "preprocess_v1.json"
MNIST_DIR = os.environ.get("MNIST_DIR", "/work/shared/datasets/mnist")


def _bbox(x):
    r = np.flatnonzero(x.any(axis=1))
    c = np.flatnonzero(x.any(axis=0))
    return r[0], r[-1], c[0], c[-1]


def _com(x):
    x = x.astype(np.float64)
    s = x.sum()
    return (x.sum(1) * np.arange(28)).sum() / s, (x.sum(0) * np.arange(28)).sum() / s


def _check_mnist_like(out):
    assert out.shape == (28, 28) and out.dtype == np.uint8
    r0, r1, c0, c1 = _bbox(out > 0)
    assert max(r1 - r0 + 1, c1 - c0 + 1) == 20
    cy, cx = _com(out)
    assert abs(cy - 14) <= 0.5 + 1e-9 and abs(cx - 14) <= 0.5 + 1e-9
    assert out.max() >= 240


def test_dark_on_light_large_rgb_drawing():
    im = Image.new("RGB", (400, 300), (245, 240, 230))       # off-white paper
    d = ImageDraw.Draw(im)
    d.line([(150, 60), (260, 60), (190, 250)], fill=(10, 20, 90), width=18)  # a blue '7'
    out = pp.preprocess(im)
    _check_mnist_like(out)
    assert out[0, :].max() == 0 and out[:, 0].max() == 0      # background is black
    # upright: the long vertical extent maps to 20 rows
    r0, r1, c0, c1 = _bbox(out > 0)
    assert r1 - r0 + 1 == 20 and c1 - c0 + 1 < 20


def test_transparent_png_strokes():
    im = Image.new("RGBA", (120, 160), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    d.ellipse([30, 20, 90, 140], outline=(0, 0, 0, 255), width=10)  # black '0' on transparency
    buf = io.BytesIO()
    im.save(buf, "PNG")
    loaded = Image.open(io.BytesIO(buf.getvalue()))
    out = pp.preprocess(loaded)
    _check_mnist_like(out)
    # the ring's hole stays black, the ring is white
    assert out[14, 14] == 0
    # same result from the RGBA array, and white strokes give the same digit
    np.testing.assert_array_equal(out, pp.preprocess(np.asarray(im)))
    white = np.asarray(im).copy()
    white[..., :3] = 255
    np.testing.assert_array_equal(out, pp.preprocess(white))


def test_blank_images_give_zeros():
    zeros = np.zeros((28, 28), np.uint8)
    for img in [Image.new("RGB", (64, 48), "white"),
                Image.new("L", (28, 28), 0),
                Image.new("RGBA", (50, 50), (255, 0, 0, 0)),     # fully transparent
                np.full((30, 30), 0.5),                            # flat grey
                np.zeros((0, 0), np.uint8)]:
        np.testing.assert_array_equal(pp.preprocess(img), zeros)
    faint = np.full((40, 40), 200, np.uint8)
    faint[10:30, 18:22] = 180                                      # contrast 20 < 32
    np.testing.assert_array_equal(pp.preprocess(faint), zeros)


def test_synthetic_mnist_digit_is_unchanged():
    g = np.zeros((28, 28), np.uint8)
    g[4:24, 10:18] = 255
    g[4:24, 10] = g[4:24, 17] = 60
    np.testing.assert_array_equal(pp.preprocess(g), g)
    np.testing.assert_array_equal(pp.preprocess(Image.fromarray(g)), g)
    np.testing.assert_array_equal(pp.preprocess(g.astype(np.float32) / 255), g)


@pytest.mark.skipif(not Path(MNIST_DIR).is_dir(), reason="MNIST IDX folder not available")
def test_mnist_digits_come_back_unchanged():
    from training.data import load_mnist

    (_, _), (x, _) = load_mnist(MNIST_DIR)
    digits = x[:300]
    out = np.stack([pp.preprocess(d) for d in digits])
    np.testing.assert_array_equal(out, digits)


def test_faint_pencil_on_noisy_paper_is_stretched_and_cropped():
    rng = np.random.default_rng(0)
    g = 170 + rng.integers(0, 4, (80, 60))
    g[10:70, 27:33] -= 80                                          # faint vertical stroke
    out = pp.preprocess(g.astype(np.uint8))
    _check_mnist_like(out)
    r0, r1, c0, c1 = _bbox(out >= pp.INK_THRESHOLD)
    assert r1 - r0 + 1 == 20 and c1 - c0 + 1 <= 4                  # noise did not widen the box


def test_steps():
    assert pp.fit_box(40, 10) == (20, 5)
    assert pp.fit_box(10, 41) == (5, 20)
    assert pp.fit_box(1, 400) == (1, 20)
    w = pp.box_weights(7, 3)
    assert (w.sum(axis=1) == 7).all()
    assert pp.box_resize(np.array([[0, 0], [1, 1]]), 1, 1)[0, 0] == 1   # 0.5 rounds up
    assert pp.to_gray(np.array([[[10, 20, 30, 255]]], np.uint8))[0, 0] == (299 * 10 + 587 * 20 + 114 * 30 + 500) // 1000


def test_python_matches_stored_vectors():
    """The JS twin is tested against these; they must be what Python produces now."""
    data = json.loads(VECTORS.read_text())
    assert data["version"] == 1
    for c in data["cases"]:
        rgba = np.frombuffer(base64.b64decode(c["rgba"]), np.uint8).reshape(c["height"], c["width"], 4)
        expected = np.frombuffer(base64.b64decode(c["expected"]), np.uint8).reshape(28, 28)
        np.testing.assert_array_equal(pp.preprocess(rgba), expected, err_msg=c["name"])
