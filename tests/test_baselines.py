"""Classical codecs through Pillow (training/baselines.py), on ~50 digits."""

import math
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import features

from training import baselines as B
from training import metrics

MNIST_DIR = os.environ.get("MNIST_DIR", "/work/shared/datasets/mnist")


@pytest.fixture(scope="module")
def digits():
    if Path(MNIST_DIR).is_dir():
        from training.data import load_mnist

        _, (x, _) = load_mnist(MNIST_DIR)
        return x[:50]
    # no data folder: blurry synthetic strokes, enough to exercise the codecs
    rng = np.random.default_rng(0)
    x = np.zeros((50, 28, 28), np.uint8)
    for i in range(50):
        r0, c0 = rng.integers(4, 10, 2)
        x[i, r0:r0 + 14, c0:c0 + 3] = 255
        x[i, r0:r0 + 3, c0:c0 + 10] = 200
    return x


def _codecs():
    return B.available_codecs()


@pytest.mark.parametrize("codec", ["jpeg", "jpeg_scan", "webp", "avif", "png"])
def test_every_codec_round_trips(digits, codec):
    if codec not in _codecs():
        pytest.skip(f"{codec} not supported by this Pillow")
    q = {"jpeg": 50, "jpeg_scan": 50, "webp": 50, "avif": 50, "png": None}[codec]
    nbytes, decoded = B.CODECS[codec](digits, q)
    assert nbytes.shape == (len(digits),) and (nbytes > 0).all()
    assert decoded.shape == digits.shape and decoded.dtype == np.uint8
    p = metrics.psnr(digits, decoded)
    if codec == "png":
        assert (p == metrics.PSNR_CAP).all()          # lossless
    else:
        assert p.mean() > 25                          # a recognisable digit at quality 50


def test_jpeg_scan_is_smaller_than_file_and_decodes_the_same(digits):
    fb, fdec = B.jpeg(digits, 20)
    sb, sdec = B.jpeg_scan(digits, 20)
    assert (sb < fb).all()
    assert (fb - sb >= 300).all()                     # the headers of a grayscale JFIF
    np.testing.assert_array_equal(fdec, sdec)
    data = B.encode_jpeg(digits[0], 20)
    assert B.jpeg_scan_size(data) == sb[0]
    with pytest.raises(ValueError):
        B.jpeg_scan_size(b"not a jpeg")


def test_curves_are_monotone_ish(digits):
    qualities = {"jpeg": [5, 20, 50, 90], "jpeg_scan": [5, 20, 50, 90],
                 "webp": [0, 20, 50, 90], "avif": [0, 50, 90]}
    curves = B.baseline_curves(digits, qualities=qualities)
    assert set(curves) == set(_codecs())
    keys = {"quality", "bytes_mean", "bytes_p10", "bytes_p50", "bytes_p90", "psnr", "ssim"}
    for name, curve in curves.items():
        for p in curve:
            assert keys <= set(p)
            assert p["bytes_p10"] <= p["bytes_p50"] <= p["bytes_p90"]
            assert 0 < p["ssim"] <= 1
        if name == "png":
            assert len(curve) == 1 and curve[0]["psnr"] == metrics.PSNR_CAP
            continue
        b = [p["bytes_mean"] for p in curve]
        s = [p["psnr"] for p in curve]
        assert b == sorted(b), f"{name}: bytes not increasing with quality: {b}"
        assert s[-1] > s[0] + 5, f"{name}: PSNR barely improves: {s}"
        assert all(s2 > s1 - 1.0 for s1, s2 in zip(s, s[1:])), f"{name}: PSNR drops: {s}"
    jf = {p["quality"]: p for p in curves["jpeg"]}
    js = {p["quality"]: p for p in curves["jpeg_scan"]}
    for q in jf:
        assert js[q]["bytes_mean"] < jf[q]["bytes_mean"]
        assert js[q]["psnr"] == jf[q]["psnr"]
    # WebP's container: even quality 0 needs ~90+ bytes
    if "webp" in curves:
        assert curves["webp"][0]["bytes_mean"] > 80


def test_interpolate_bytes_at_psnr():
    curve = [  # deliberately unsorted
        {"quality": 50, "bytes_mean": 400.0, "psnr": 30.0},
        {"quality": 10, "bytes_mean": 100.0, "psnr": 20.0},
        {"quality": 30, "bytes_mean": 200.0, "psnr": 25.0},
    ]
    f = B.interpolate_bytes_at_psnr
    assert f(curve, 20.0) == pytest.approx(100.0)
    assert f(curve, 25.0) == pytest.approx(200.0)
    assert f(curve, 30.0) == pytest.approx(400.0)
    assert f(curve, 22.5) == pytest.approx(math.sqrt(100 * 200))   # log-linear
    assert f(curve, 10.0) == pytest.approx(100.0)                    # cannot go smaller
    assert f(curve, 30.01) is None                                   # does not reach it
    dup = curve + [{"quality": 11, "bytes_mean": 90.0, "psnr": 20.0}]
    assert f(dup, 20.0) == pytest.approx(90.0)                       # equal PSNR: fewest bytes
    assert f([{"bytes_p50": 50, "bytes_mean": 60, "psnr": 20}], 15, key="bytes_p50") == 50
    with pytest.raises(ValueError):
        f([], 20.0)


def test_avif_reported_correctly():
    assert ("avif" in B.available_codecs()) == features.check("avif")
