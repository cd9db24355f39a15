"""PSNR / SSIM on 8-bit pixels (training/metrics.py)."""

import math

import numpy as np
import pytest

from training import metrics


def _pattern_pair():
    i, j = np.mgrid[0:28, 0:28]
    a = ((i * i * 3 + j * 11) % 256).astype(np.uint8)
    b = ((a.astype(int) * 3) // 4 + (i + j) % 17).astype(np.uint8)
    return a, b


def _bar_pair():
    c = np.zeros((28, 28), np.uint8)
    c[4:24, 10:18] = 255
    c[8:20, 12:16] = 128
    return c, np.roll(c, 1, axis=1)


def test_psnr_identical_is_capped():
    a = np.arange(784, dtype=np.int64).reshape(28, 28).astype(np.uint8)
    assert float(metrics.psnr(a, a)) == metrics.PSNR_CAP == 100.0
    batch = np.stack([a, a])
    np.testing.assert_array_equal(metrics.psnr(batch, batch), [100.0, 100.0])


def test_psnr_known_mse():
    a = np.zeros((2, 28, 28), np.uint8)
    b = a.copy()
    b[0] += 10            # MSE 100 everywhere
    b[1, 0, 0] = 28       # MSE 28^2 / 784 = 1
    p = metrics.psnr(a, b)
    assert p.shape == (2,)
    assert p[0] == pytest.approx(10 * math.log10(255 ** 2 / 100))
    assert p[1] == pytest.approx(20 * math.log10(255))
    assert metrics.mean_psnr(a, b) == pytest.approx(p.mean())
    np.testing.assert_allclose(metrics.mse(a, b), [100.0, 1.0])


def test_floats_are_rounded_to_8_bit_first():
    a = np.full((28, 28), 100, np.uint8)
    # 100.4/255 rounds back to 100: identical after quantisation
    f = np.full((1, 28, 28, 1), 100.4 / 255, np.float32)
    assert float(metrics.psnr(a[None], f)[0]) == 100.0
    # ties go up, the codec's one rule (aec.pixels.round_half_up): 0.5 -> 1, 1.5 -> 2
    q = metrics.to_uint8(np.array([[0.5, 1.5, 2.5, 254.5]]) / 255)
    np.testing.assert_array_equal(q, [[1, 2, 3, 255]])
    # out of range floats are clipped, 0..255 floats are refused
    np.testing.assert_array_equal(metrics.to_uint8(np.array([[-0.2, 1.2]])), [[0, 255]])
    with pytest.raises(ValueError):
        metrics.psnr(a, a.astype(np.float32))


def test_ssim_properties():
    a, b = _pattern_pair()
    assert float(metrics.ssim(a, a)) == pytest.approx(1.0)
    s_ab, s_ba = float(metrics.ssim(a, b)), float(metrics.ssim(b, a))
    assert s_ab == pytest.approx(s_ba)          # symmetric
    assert -1.0 <= s_ab < 1.0
    # worse distortion -> lower SSIM
    rng = np.random.default_rng(0)
    noise = rng.integers(-1, 2, size=a.shape)
    small = np.clip(a + 5 * noise, 0, 255).astype(np.uint8)
    large = np.clip(a + 60 * noise, 0, 255).astype(np.uint8)
    assert metrics.ssim(a, small) > metrics.ssim(a, large)
    # batch == per image
    batch = metrics.ssim(np.stack([a, b, a]), np.stack([b, a, a]))
    np.testing.assert_allclose(batch, [s_ab, s_ba, 1.0])
    assert metrics.mean_ssim(np.stack([a, a]), np.stack([a, b])) == pytest.approx((1 + s_ab) / 2)


def test_ssim_pinned_to_skimage():
    # skimage 0.26: structural_similarity(x, y, data_range=255, gaussian_weights=True,
    # sigma=1.5, use_sample_covariance=False)
    a, b = _pattern_pair()
    assert float(metrics.ssim(a, b)) == pytest.approx(0.9372425502771881, abs=1e-12)
    c, d = _bar_pair()
    assert float(metrics.ssim(c, d)) == pytest.approx(0.3246832559049106, abs=1e-12)


def test_shape_mismatch_is_an_error():
    with pytest.raises(ValueError):
        metrics.psnr(np.zeros((2, 28, 28), np.uint8), np.zeros((3, 28, 28), np.uint8))
