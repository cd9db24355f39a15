"""Image quality metrics on 8-bit pixels: PSNR and SSIM (numpy only).

Both metrics first bring their inputs to the 8-bit integers a decoder would
actually write to a PNG, so a model's float output and a classical codec's
decoded uint8 pixels are measured the same way:

* ``uint8`` (or any integer dtype, or bool as 0/255) is used as is (0..255);
* floats are taken to be in [0, 1]: clipped to [0, 1], multiplied by 255 and
  rounded half up (``aec.pixels.round_half_up``), the codec's one tie rule,
  which the JS twin also applies before a canvas sees the pixels. Floats above
  1.5 raise ``ValueError`` (almost certainly 0..255 data passed as float).

Shapes: ``(H, W)`` is one image, ``(N, H, W)`` a batch; a trailing channel
axis of size 1 (Keras' ``(N, 28, 28, 1)``) is dropped. Per-image functions
return an array with the batch shape (a 0-d array for one image).

PSNR: ``10 log10(255^2 / MSE)`` per image. Identical images (MSE = 0) get
``PSNR_CAP`` = 100 dB instead of infinity, so means stay finite (100 dB is far
above any lossy point: one wrong grey level in 784 pixels is already 76.9 dB).
``mean_psnr`` is the mean of the per-image values (the usual convention for
image-codec curves, and the one the baseline figures in the notes use).

SSIM: Wang et al. (2004), Gaussian window with sigma 1.5 truncated to 11x11
(radius 5), constants K1 = 0.01, K2 = 0.03, L = 255, population (biased)
variances, computed on the "valid" part only (an 18x18 map for 28x28 images)
and averaged. This is exactly ``skimage.metrics.structural_similarity(a, b,
data_range=255, gaussian_weights=True, sigma=1.5, use_sample_covariance=False)``
(skimage filters with scipy's gaussian_filter, truncate=3.5 -> 11 taps, then
crops the 5-pixel border) and the reference MATLAB ``ssim_index``; validated
against skimage 0.26 to 4e-16 (see tests/test_metrics.py for the pinned value).
The 11-pixel window was kept (not 7) so the numbers compare with published
SSIM figures; an 18x18 valid map still covers the 20x20 digit box of MNIST.
"""

from __future__ import annotations

import numpy as np

from aec.pixels import round_half_up

PSNR_CAP = 100.0
SSIM_SIGMA = 1.5
SSIM_WIN = 11
SSIM_K1 = 0.01
SSIM_K2 = 0.03
_L = 255.0

__all__ = ["PSNR_CAP", "to_uint8", "mse", "psnr", "mean_psnr", "ssim", "mean_ssim"]


def to_uint8(x) -> np.ndarray:
    """Bring images to 8-bit integers exactly as a decoder writing a PNG would.

    See the module docstring for the rules. Returns ``uint8`` with the input's
    shape, minus a trailing channel axis of size 1.
    """
    x = np.asarray(x)
    if x.ndim >= 3 and x.shape[-1] == 1:
        x = x[..., 0]
    if x.ndim < 2:
        raise ValueError(f"expected images of shape (H, W) or (N, H, W), got shape {x.shape}")
    if x.dtype == np.uint8:
        return x
    if x.dtype == np.bool_:
        return x.astype(np.uint8) * np.uint8(255)
    if np.issubdtype(x.dtype, np.integer):
        if x.size and (x.min() < 0 or x.max() > 255):
            raise ValueError("integer images must be in 0..255")
        return x.astype(np.uint8)
    if np.issubdtype(x.dtype, np.floating):
        if x.size and np.nanmax(x) > 1.5:
            raise ValueError(
                f"float images must be in [0, 1] (max is {float(np.nanmax(x)):.3g}); "
                "pass uint8 for 0..255 data")
        if np.isnan(x).any():
            raise ValueError("float images contain NaN")
        return round_half_up(np.clip(x, 0.0, 1.0) * 255.0).astype(np.uint8)
    raise TypeError(f"unsupported image dtype {x.dtype}")


def _pair(a, b) -> tuple[np.ndarray, np.ndarray]:
    a8 = to_uint8(a)
    b8 = to_uint8(b)
    if a8.shape != b8.shape:
        raise ValueError(f"shape mismatch: {a8.shape} vs {b8.shape}")
    return a8, b8


def mse(originals, reconstructions) -> np.ndarray:
    """Per-image mean squared error on 8-bit values."""
    a, b = _pair(originals, reconstructions)
    d = a.astype(np.int32) - b.astype(np.int32)
    return np.mean(d * d, axis=(-2, -1), dtype=np.float64)


def psnr(originals, reconstructions) -> np.ndarray:
    """Per-image PSNR in dB on 8-bit pixels; identical images -> ``PSNR_CAP`` (100 dB)."""
    m = mse(originals, reconstructions)
    with np.errstate(divide="ignore"):
        p = 10.0 * np.log10((_L * _L) / m)
    return np.minimum(p, PSNR_CAP)


def mean_psnr(originals, reconstructions) -> float:
    """Mean of the per-image PSNR values (dB)."""
    return float(np.mean(psnr(originals, reconstructions)))


def _gaussian_window(sigma: float = SSIM_SIGMA, size: int = SSIM_WIN) -> np.ndarray:
    r = size // 2
    x = np.arange(-r, r + 1, dtype=np.float64)
    w = np.exp(-0.5 * (x / sigma) ** 2)
    return w / w.sum()


def _filter_valid(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Separable 'valid' correlation over the last two axes (batched)."""
    k = len(w)
    h = x.shape[-2] - k + 1
    v = x.shape[-1] - k + 1
    if h < 1 or v < 1:
        raise ValueError(f"images must be at least {k}x{k} for SSIM")
    t = w[0] * x[..., 0:h, :]
    for i in range(1, k):
        t = t + w[i] * x[..., i:i + h, :]
    out = w[0] * t[..., :, 0:v]
    for i in range(1, k):
        out = out + w[i] * t[..., :, i:i + v]
    return out


def ssim(a, b) -> np.ndarray:
    """Per-image SSIM (Gaussian window sigma 1.5, 11x11 valid, 8-bit data range).

    Vectorised over the batch: 10,000 28x28 pairs take well under a second.
    """
    a8, b8 = _pair(a, b)
    x = a8.astype(np.float64)
    y = b8.astype(np.float64)
    w = _gaussian_window()
    c1 = (SSIM_K1 * _L) ** 2
    c2 = (SSIM_K2 * _L) ** 2
    mx = _filter_valid(x, w)
    my = _filter_valid(y, w)
    sxx = _filter_valid(x * x, w) - mx * mx
    syy = _filter_valid(y * y, w) - my * my
    sxy = _filter_valid(x * y, w) - mx * my
    num = (2 * mx * my + c1) * (2 * sxy + c2)
    den = (mx * mx + my * my + c1) * (sxx + syy + c2)
    return np.mean(num / den, axis=(-2, -1))


def mean_ssim(a, b) -> float:
    """Mean of the per-image SSIM values."""
    return float(np.mean(ssim(a, b)))
