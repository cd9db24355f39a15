"""tests/vectors/preprocess_v1.json: inputs and Python's outputs of
aec.preprocess.preprocess, for the JS twin (tests/js/preprocess.test.mjs).

Written by the one vectors tool: ``python tests/vectors/make_vectors.py preprocess``
(``--check`` to compare instead).

Each case stores the input as RGBA bytes (base64, row-major, width x height)
and the expected 28x28 uint8 output (base64, 784 bytes). Inputs are drawn with
PIL.ImageDraw from fixed shapes and a seeded numpy generator; the stored bytes,
not the drawing code, are what the tests use.
"""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from aec.preprocess import preprocess  # noqa: E402

OUT = Path(__file__).with_name("preprocess_v1.json")


def _rgba(im: Image.Image) -> np.ndarray:
    return np.asarray(im.convert("RGBA"), dtype=np.uint8)


def _seven(size, fg, bg, width=5, mode="RGBA"):
    im = Image.new(mode, size, bg)
    d = ImageDraw.Draw(im)
    w, h = size
    d.line([(w * 0.2, h * 0.2), (w * 0.75, h * 0.2), (w * 0.4, h * 0.85)], fill=fg, width=width, joint="curve")
    return im


def _antialiased(size, draw_fn, scale=4):
    """Draw at 4x as a coverage mask and box-downsample: soft (anti-aliased) edges."""
    w, h = size
    big = Image.new("L", (w * scale, h * scale), 0)
    draw_fn(ImageDraw.Draw(big), scale)
    return big.resize((w, h), Image.Resampling.BOX)


def cases():
    rng = np.random.default_rng(20240601)
    out = []

    # 1. dark ink on white paper, opaque RGB (like a scan), anti-aliased stroke
    mask = _antialiased((60, 40), lambda d, s: d.ellipse([18 * s, 6 * s, 40 * s, 34 * s], outline=255, width=4 * s))
    m = np.asarray(mask, dtype=np.int64)
    paper = np.array([250, 248, 240])
    ink = np.array([20, 30, 60])
    rgb = (paper[None, None] * (255 - m[..., None]) + ink[None, None] * m[..., None] + 127) // 255
    out.append(("dark_on_light_rgb_zero", np.dstack([rgb, np.full(m.shape, 255)]).astype(np.uint8)))

    # 2. black anti-aliased strokes on a transparent canvas (alpha = coverage)
    mask = _antialiased((60, 40), lambda d, s: (d.line([(22 * s, 8 * s), (38 * s, 8 * s), (28 * s, 34 * s)], fill=255, width=3 * s),
                                                d.line([(24 * s, 20 * s), (36 * s, 20 * s)], fill=255, width=2 * s)))
    a = np.asarray(mask, dtype=np.uint8)
    z = np.zeros_like(a)
    out.append(("black_on_transparent", np.dstack([z, z, z, a])))

    # 3. white strokes on a transparent canvas (light ink)
    mask = _antialiased((40, 60), lambda d, s: d.line([(20 * s, 6 * s), (20 * s, 54 * s)], fill=255, width=4 * s))
    a = np.asarray(mask, dtype=np.uint8)
    f = np.full_like(a, 255)
    out.append(("white_on_transparent_one", np.dstack([f, f, f, a])))

    # 4. faint pencil on grey paper with a little noise (contrast stretch)
    mask = _antialiased((60, 40), lambda d, s: d.arc([16 * s, 4 * s, 44 * s, 36 * s], 200, 520, fill=255, width=3 * s))
    m = np.asarray(mask, dtype=np.int64)
    g = 180 - (m * 90) // 255 + rng.integers(0, 3, m.shape)
    out.append(("faint_pencil_grey_paper", np.dstack([g, g, g, np.full(m.shape, 255)]).astype(np.uint8)))

    # 5. light ink on dark opaque background, off-centre, portrait
    im = _seven((40, 60), (255, 255, 255, 255), (0, 0, 0, 255), width=4)
    arr = _rgba(im).copy()
    arr = np.roll(arr, (-12, 9), axis=(0, 1))
    out.append(("seven_white_on_black_offcentre", arr))

    # 6. coloured ink, partial global alpha (semi-transparent sticker)
    im = _seven((60, 40), (200, 20, 20, 200), (255, 255, 255, 0), width=3)
    out.append(("red_semi_transparent", _rgba(im)))

    # 7. tiny drawing: scaled up
    t = np.zeros((6, 5), np.uint8)
    t[1:5, 2] = 255
    t[1, 1] = 128
    out.append(("tiny_one_upscaled", np.dstack([t, t, t, np.full_like(t, 255)])))

    # 8. heavy off-centre mass: centre-of-mass shift is clamped
    mask = _antialiased((60, 40), lambda d, s: (d.rectangle([10 * s, 5 * s, 14 * s, 35 * s], fill=255),
                                                d.rectangle([10 * s, 31 * s, 50 * s, 35 * s], fill=255)))
    a = np.asarray(mask, dtype=np.uint8)
    out.append(("l_shape_clamped", np.dstack([a, a, a, np.full_like(a, 255)])))

    # 9. random blobs, odd sizes (rounding in the box filter)
    for k, (w, h) in enumerate([(37, 23), (23, 41), (53, 17)]):
        g = np.zeros((h, w), np.int64)
        for _ in range(6):
            cy, cx = rng.integers(2, h - 2), rng.integers(2, w - 2)
            r = rng.integers(1, 4)
            yy, xx = np.mgrid[0:h, 0:w]
            g = np.maximum(g, np.clip(255 - 60 * ((yy - cy) ** 2 + (xx - cx) ** 2) // max(r * r, 1), 0, 255))
        g = 255 - g  # dark on light
        out.append((f"blobs_{w}x{h}", np.dstack([g, g, g, np.full_like(g, 255)]).astype(np.uint8)))

    # 10. blank white, fully transparent, nearly blank (contrast below 32)
    out.append(("blank_white", np.full((40, 60, 4), 255, np.uint8)))
    out.append(("fully_transparent", np.zeros((40, 60, 4), np.uint8)))
    nb = np.full((40, 60), 200, np.uint8)
    nb[10:30, 25:30] = 180
    out.append(("nearly_blank", np.dstack([nb, nb, nb, np.full_like(nb, 255)])))

    # 11. an MNIST-like 28x28 digit (synthetic, so no dataset is needed): unchanged
    mask = _antialiased((28, 28), lambda d, s: d.ellipse([9 * s, 4 * s, 19 * s, 24 * s], outline=255, width=2 * s))
    a = np.asarray(mask, dtype=np.uint8)
    out.append(("mnist_like_zero", np.dstack([a, a, a, np.full_like(a, 255)])))
    return out


def b64(a: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(a, dtype=np.uint8).tobytes()).decode("ascii")


def build() -> dict:
    items = []
    for name, rgba in cases():
        rgba = np.ascontiguousarray(rgba, dtype=np.uint8)
        h, w = rgba.shape[:2]
        items.append({
            "name": name,
            "width": int(w),
            "height": int(h),
            "rgba": b64(rgba),
            "expected": b64(preprocess(rgba)),
        })
    return {
        "version": 1,
        "description": "aec.preprocess.preprocess: RGBA input (base64, row-major) -> 28x28 uint8 (base64)",
        "generator": "tests/vectors/make_vectors.py preprocess",
        "cases": items,
    }


def dumps(obj: dict) -> str:
    return json.dumps(obj, indent=1) + "\n"
