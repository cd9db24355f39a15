"""The rounding rules the bytes depend on, in one place (twin: site/js/aec/pixels.js).

Every float -> integer step of the codec rounds half up, ``floor(x + 0.5)``:

* pixels: a decoder's output in about [0, 1] -> uint8, ``floor(x * 255 + 0.5)``
  clipped to 0..255, computed in float32 as the networks are;
* symbols: an encoder's latents -> integers, ``floor(z + 0.5)`` in float64;
* the talk's latents -> 8-bit integers, ``floor(z * 255 / scale + 0.5)`` clipped.

JavaScript does the same arithmetic (``Math.fround`` where numpy is float32),
so both twins write the same bytes for the same network outputs.
"""

from __future__ import annotations

import numpy as np

SIZE = 28  # a digit is SIZE x SIZE pixels
TALK_LATENT_BITS = 8  # the talk's latents are stored as integers of this many bits
TALK_LATENT_MAX = (1 << TALK_LATENT_BITS) - 1


def round_half_up(x) -> np.ndarray:
    """``floor(x + 0.5)`` in float64: the codec's one tie rule."""
    return np.floor(np.asarray(x, dtype=np.float64) + 0.5)


def to_float(images) -> np.ndarray:
    """uint8 (N,28,28) -> float32 (N,28,28,1) in [0, 1], the networks' input."""
    return (np.asarray(images).astype("float32") / 255.0)[..., None]


def to_pixels(x) -> np.ndarray:
    """Decoder output (N,28,28,1) in about [0, 1] -> uint8 (N,28,28): what a decoder writes."""
    x = np.asarray(x, dtype=np.float32)[..., 0]
    return np.clip(np.floor(x * np.float32(255.0) + np.float32(0.5)), 0, 255).astype(np.uint8)


def to_symbols(z) -> np.ndarray:
    """Latents (N, ...) -> integer symbols (N, E), rounded half up."""
    z = np.asarray(z)
    return round_half_up(z.reshape(len(z), -1)).astype(np.int64)


def quantise_latents(latents, scale: float) -> np.ndarray:
    """The talk's latents (>= 0, ReLU) -> int32 q = clip(floor(z * 255 / scale + 0.5), 0, 255)."""
    q = round_half_up(np.asarray(latents, dtype=np.float64) * (TALK_LATENT_MAX / scale))
    return np.clip(q, 0, TALK_LATENT_MAX).astype(np.int32)


def dequantise_latents(q, scale: float) -> np.ndarray:
    """8-bit symbols -> float32 latents q * scale / 255 (what the talk's decoder takes)."""
    return (np.asarray(q, dtype=np.float32) * np.float32(scale / TALK_LATENT_MAX)).astype(np.float32)
