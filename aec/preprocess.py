"""MNIST's own preprocessing, for any image (twin: site/js/aec/preprocess.js).

Turns a drawing / photo / PNG of a digit into a 28x28 uint8 image that looks
like an MNIST digit: white ink on black, the ink's bounding box scaled to fit
a 20x20 box (aspect ratio kept), centre of mass at the centre.

Every step is integer arithmetic with one rounding rule per step, written out
below, so the JS twin reproduces it bit for bit (no Pillow / canvas resize).
Function names are the same on both sides; Python takes numpy arrays (or a
PIL image for ``preprocess``), JS takes flat arrays plus width and height.

The steps (``preprocess`` = all of them in order):

1. ``to_rgba``: any input -> uint8 RGBA ``(H, W, 4)``. PIL images go through
   ``convert("RGBA")`` (grey modes give R = G = B; palette transparency
   becomes alpha). Arrays: ``(H, W)`` / ``(H, W, 1)`` grey, ``(H, W, 2)`` grey +
   alpha, ``(H, W, 3)`` RGB, ``(H, W, 4)`` RGBA; uint8 or bool, or float in
   [0, 1] (rounded half up, ``aec.pixels.round_half_up(x * 255)``).
2. ``to_gray``: luma ``Y = (299 R + 587 G + 114 B + 500) // 1000`` (ITU-R 601
   weights, rounded half up; grey pixels keep their value exactly). Alpha:
   if every pixel is opaque (A = 255) that is all. Otherwise transparent
   pixels are background: the ink's colour is taken as dark when its
   alpha-weighted mean luma is below half (``2 * sum(A*Y) < 255 * sum(A)``),
   and the image is composited over the opposite colour ``bg`` (white for dark
   ink, black for light ink): ``G = (2 * (A*Y + (255-A)*bg) + 255) // 510``.
   A fully transparent image is blank.
3. ``to_ink``: polarity and contrast. The border (first/last row and column,
   each pixel once) is background: if its lower median (``sorted[(n-1)//2]``)
   is > 127 the ink is dark on light and the image is inverted
   (``I = 255 - G``), otherwise ``I = G``. Then ``b`` = lower median of the
   border of ``I`` and ``m = max(I) - b``; if ``m < BLANK_CONTRAST`` (32) the
   image is blank (-> all zeros). The background is removed:
   ``I' = clip(I - b, 0, 255)``; and faint ink (``m < STRETCH_BELOW`` = 224,
   e.g. pencil on grey paper) is stretched so the strongest ink is 255:
   ``I' = clip(((I - b) * 510 + m) // (2 m), 0, 255)`` (rounded half up).
   Strong ink is not stretched, so MNIST digits (background 0, maximum 254 or
   255) keep their exact values.
4. ``crop_to_ink``: the bounding box of the ink. It is found in two steps so
   that faint background noise does not stretch it to the whole image while
   MNIST's faint anti-aliased edges are kept: first the box of the strong ink
   (``I' >= INK_THRESHOLD`` = 16), then each side moves outward by up to
   ``INK_MARGIN`` = 2 pixels while the next row / column outward (over the
   whole image width / height) has any pixel ``> 0``. (On all 10,000 MNIST
   test digits this gives exactly the box of the pixels ``> 0``.)
5. ``fit_box`` / ``box_resize``: the crop ``(h, w)`` is scaled so its longer
   side is 20: ``n = max(1, (40 * short + long) // (2 * long))`` for the
   shorter side (20 * short / long rounded half up). Resampling is exact area
   averaging (box filter): along an axis of ``w`` source and ``n`` output
   pixels, output ``k`` covers ``[k w, (k+1) w)`` and source ``l`` covers
   ``[l n, (l+1) n)`` in units of ``1/(w n)`` of the length, so each weight is
   the integer overlap of those intervals (weights of an output sum to ``w``).
   The 2D value is ``num = sum Wy * Wx * I'`` and the output
   ``(2 num + w h) // (2 w h)`` (rounded half up). A crop whose longer side is
   already 20 is copied exactly; smaller crops are scaled up (like MNIST).
6. ``center_of_mass_place``: with ``S = sum(v)`` and ``Sx = sum(x v)`` over
   the resized ``(nh, nw)`` image (x = column index), the left offset is
   ``ox = ceil(14 - Sx/S - 1/2)`` = ``-((2 Sx - 27 S) // (2 S))``, i.e. the
   shift that puts the centre of mass (in pixel-index coordinates) at 14,
   rounded half down, then clamped to ``[0, 28 - nw]`` so no ink is cut off;
   the same for rows. MNIST's test digits all have their centre of mass in
   [13.5, 14.5), so this rule leaves them where they are. If every resized
   pixel is 0 the result is blank.

Blank or empty input -> ``np.zeros((28, 28), np.uint8)``. MNIST test digits
come back unchanged: 9,997 of 10,000 exactly; the other 3 (test indices 4530,
9300, 9302) touch the bottom edge with a 19-pixel-tall bounding box and are
rescaled to 20 as MNIST's own rule says.

Designed for clean drawings (canvas strokes, scans with a flat background): it
does no denoising, so noise in the background widens the bounding box.
"""

from __future__ import annotations

import numpy as np

from aec.pixels import round_half_up

SIZE = 28              # output side
BOX = 20               # the ink's longer side after scaling
COM_TARGET = 14        # centre of mass, pixel-index coordinates (MNIST: [13.5, 14.5))
BLANK_CONTRAST = 32    # below this ink/background difference the image is blank
STRETCH_BELOW = 224    # ink/background differences below this are stretched to 255
INK_THRESHOLD = 16     # strong ink, for the bounding box
INK_MARGIN = 2         # the box grows by up to this many pixels over faint ink (> 0)

__all__ = [
    "SIZE", "BOX", "COM_TARGET", "BLANK_CONTRAST", "STRETCH_BELOW",
    "INK_THRESHOLD", "INK_MARGIN",
    "to_rgba", "to_gray", "to_ink", "crop_to_ink", "fit_box", "box_weights",
    "box_resize", "center_of_mass_place", "preprocess",
]


def to_rgba(image) -> np.ndarray:
    """Any PIL image or array -> uint8 RGBA ``(H, W, 4)`` (see the module docstring)."""
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover
        Image = None
    if Image is not None and isinstance(image, Image.Image):
        im = image
        if im.mode in ("I", "I;16", "I;16L", "I;16B", "I;16N", "F"):
            raise ValueError(f"PIL mode {im.mode} (more than 8 bits) is not supported; convert to 'L' first")
        return np.asarray(im.convert("RGBA"), dtype=np.uint8).copy()
    x = np.asarray(image)
    if x.dtype == np.bool_:
        x = x.astype(np.uint8) * np.uint8(255)
    elif np.issubdtype(x.dtype, np.floating):
        x = round_half_up(np.clip(x, 0.0, 1.0) * 255.0).astype(np.uint8)
    elif np.issubdtype(x.dtype, np.integer):
        if x.size and (x.min() < 0 or x.max() > 255):
            raise ValueError("integer images must be in 0..255")
        x = x.astype(np.uint8)
    else:
        raise TypeError(f"unsupported image dtype {x.dtype}")
    if x.ndim == 3 and x.shape[2] == 1:
        x = x[:, :, 0]
    if x.ndim == 2:
        g = x
        a = np.full_like(x, 255)
        return np.stack([g, g, g, a], axis=-1)
    if x.ndim == 3 and x.shape[2] == 2:
        g, a = x[:, :, 0], x[:, :, 1]
        return np.stack([g, g, g, a], axis=-1)
    if x.ndim == 3 and x.shape[2] == 3:
        return np.concatenate([x, np.full(x.shape[:2] + (1,), 255, np.uint8)], axis=-1)
    if x.ndim == 3 and x.shape[2] == 4:
        return x.copy()
    raise ValueError(f"expected an image (H, W[, 1|2|3|4]), got shape {x.shape}")


def to_gray(rgba: np.ndarray) -> np.ndarray | None:
    """RGBA uint8 -> opaque grey int64 ``(H, W)``; ``None`` if fully transparent."""
    p = np.asarray(rgba, dtype=np.int64)
    y = (299 * p[..., 0] + 587 * p[..., 1] + 114 * p[..., 2] + 500) // 1000
    a = p[..., 3]
    if (a == 255).all():
        return y
    sa = int(a.sum())
    if sa == 0:
        return None
    dark = 2 * int((a * y).sum()) < 255 * sa
    bg = 255 if dark else 0
    return (2 * (a * y + (255 - a) * bg) + 255) // 510


def _border(x: np.ndarray) -> np.ndarray:
    h, w = x.shape
    if h <= 2 or w <= 2:
        return x.ravel()
    return np.concatenate([x[0, :], x[h - 1, :], x[1:h - 1, 0], x[1:h - 1, w - 1]])


def _lower_median(v: np.ndarray) -> int:
    s = np.sort(v.ravel())
    return int(s[(len(s) - 1) // 2])


def to_ink(gray: np.ndarray) -> np.ndarray | None:
    """Grey -> white-on-black ink with background 0 (faint ink stretched); ``None`` if blank."""
    g = np.asarray(gray, dtype=np.int64)
    if g.size == 0:
        return None
    ink = 255 - g if _lower_median(_border(g)) > 127 else g
    b = _lower_median(_border(ink))
    m = int(ink.max()) - b
    if m < BLANK_CONTRAST:
        return None
    if m >= STRETCH_BELOW:
        return np.clip(ink - b, 0, 255)
    return np.clip(((ink - b) * 510 + m) // (2 * m), 0, 255)


def crop_to_ink(ink: np.ndarray) -> np.ndarray | None:
    """Crop to the ink's bounding box (strong ink, grown over faint edges); ``None`` if no ink."""
    strong = ink >= INK_THRESHOLD
    rows = np.flatnonzero(strong.any(axis=1))
    cols = np.flatnonzero(strong.any(axis=0))
    if len(rows) == 0:
        return None
    any_row = (ink > 0).any(axis=1)
    any_col = (ink > 0).any(axis=0)
    r0, r1, c0, c1 = int(rows[0]), int(rows[-1]), int(cols[0]), int(cols[-1])
    for _ in range(INK_MARGIN):
        if r0 > 0 and any_row[r0 - 1]:
            r0 -= 1
        else:
            break
    for _ in range(INK_MARGIN):
        if r1 < len(any_row) - 1 and any_row[r1 + 1]:
            r1 += 1
        else:
            break
    for _ in range(INK_MARGIN):
        if c0 > 0 and any_col[c0 - 1]:
            c0 -= 1
        else:
            break
    for _ in range(INK_MARGIN):
        if c1 < len(any_col) - 1 and any_col[c1 + 1]:
            c1 += 1
        else:
            break
    return ink[r0:r1 + 1, c0:c1 + 1]


def fit_box(h: int, w: int, box: int = BOX) -> tuple[int, int]:
    """Output ``(nh, nw)``: longer side ``box``, shorter side rounded half up, >= 1."""
    if w >= h:
        return max(1, (2 * box * h + w) // (2 * w)), box
    return box, max(1, (2 * box * w + h) // (2 * h))


def box_weights(n_src: int, n_out: int) -> np.ndarray:
    """Integer area-overlap weights ``(n_out, n_src)``; each row sums to ``n_src``."""
    k = np.arange(n_out, dtype=np.int64)[:, None]
    s = np.arange(n_src, dtype=np.int64)[None, :]
    lo = np.maximum(k * n_src, s * n_out)
    hi = np.minimum((k + 1) * n_src, (s + 1) * n_out)
    return np.maximum(hi - lo, 0)


def box_resize(img: np.ndarray, nh: int, nw: int) -> np.ndarray:
    """Exact area-average resize of an integer image to ``(nh, nw)``, rounded half up."""
    x = np.asarray(img, dtype=np.int64)
    h, w = x.shape
    wy = box_weights(h, nh)
    wx = box_weights(w, nw)
    num = wy @ x @ wx.T
    den = h * w
    return (2 * num + den) // (2 * den)


def center_of_mass_place(small: np.ndarray, size: int = SIZE, target: int = COM_TARGET) -> np.ndarray:
    """Place ``small`` in a ``size`` x ``size`` canvas with its centre of mass at ``target``."""
    v = np.asarray(small, dtype=np.int64)
    nh, nw = v.shape
    out = np.zeros((size, size), np.uint8)
    s = int(v.sum())
    if s == 0:
        return out
    sx = int((v.sum(axis=0) * np.arange(nw)).sum())
    sy = int((v.sum(axis=1) * np.arange(nh)).sum())
    ox = -((2 * sx - (2 * target - 1) * s) // (2 * s))
    oy = -((2 * sy - (2 * target - 1) * s) // (2 * s))
    ox = min(max(ox, 0), size - nw)
    oy = min(max(oy, 0), size - nh)
    out[oy:oy + nh, ox:ox + nw] = v.astype(np.uint8)
    return out


def preprocess(image) -> np.ndarray:
    """Any image (PIL or array) -> MNIST-style uint8 ``(28, 28)``; blank -> zeros."""
    rgba = to_rgba(image)
    if rgba.shape[0] == 0 or rgba.shape[1] == 0:
        return np.zeros((SIZE, SIZE), np.uint8)
    gray = to_gray(rgba)
    if gray is None:
        return np.zeros((SIZE, SIZE), np.uint8)
    ink = to_ink(gray)
    if ink is None:
        return np.zeros((SIZE, SIZE), np.uint8)
    crop = crop_to_ink(ink)
    if crop is None:
        return np.zeros((SIZE, SIZE), np.uint8)
    nh, nw = fit_box(*crop.shape)
    small = box_resize(crop, nh, nw)
    return center_of_mass_place(small)
