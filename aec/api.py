"""The Python API: digits in, a few bytes out, and back. The ``aec`` command is a thin
layer over it (aec/cli.py adds files, names and reports).

>>> import numpy as np, aec
>>> digit = np.zeros((28, 28), np.uint8)
>>> digit[4:24, 13:16] = 255                      # a "1"
>>> data = aec.compress(digit)                    # the default level, searched
>>> len(data) < 40                                # bytes, where a PNG of it takes about 100
True
>>> aec.decompress(data).shape, aec.decompress(data).dtype
((1, 28, 28), dtype('uint8'))
>>> many = aec.compress(np.stack([digit] * 3), quality=1, one_pass=True)   # one file, three digits
>>> aec.decompress(many).shape
(3, 28, 28)
>>> aec.compress(digit, quality=99)
Traceback (most recent call last):
aec.errors.AecError: no quality level 99 (levels: 1..9)

Errors are :class:`aec.AecError` (a ValueError), each with a one-line message.
"""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path

import numpy as np

from aec import format as fmt
from aec import levels as _levels
from aec.errors import AecError, ModelsError

MODELS_ENV = "AEC_MODELS_DIR"
PACKAGE_MODELS = Path(__file__).resolve().parent / "models"  # the runtime models the package ships
MEASURED_FILE = "measured.json"  # per level: mean bytes and PSNR on the MNIST test digits (written by evaluate)


def models_dir() -> Path:
    """Where the models are read from: $AEC_MODELS_DIR, else the ones inside the package."""
    return Path(os.environ.get(MODELS_ENV) or PACKAGE_MODELS)


@functools.lru_cache(maxsize=4)
def _codecs_at(folder: Path):
    from aec.codec import Codecs

    if not (folder / _levels.TALK / "codec.json").is_file():
        raise ModelsError(f"{folder}: no models there")
    try:
        return Codecs.load(folder)
    except AecError:
        raise
    except Exception as e:  # LiteRT and json raise many types for damaged files
        lines = str(e).strip().splitlines()
        raise ModelsError(f"{folder}: cannot load the models ({lines[0] if lines else type(e).__name__})") from None


def codecs(folder=None):
    """The loaded models (aec.codec.Codecs), loaded once per folder."""
    return _codecs_at(Path(folder) if folder else models_dir())


def model_id_for(quality: int | None) -> int:
    """A quality level (None: the default) -> its file model id; AecError for one that does not exist."""
    try:
        return _levels.model_id_of(_levels.DEFAULT_QUALITY if quality is None else quality)
    except ValueError as e:
        raise AecError(str(e)) from None


def as_digits(digits) -> np.ndarray:
    """uint8 (28, 28) or (n, 28, 28) -> (n, 28, 28); AecError for anything else."""
    x = np.asarray(digits)
    if x.dtype != np.uint8:
        raise AecError(f"digits must be uint8, got {x.dtype} (aec.to_digit turns any image into one)")
    if x.shape == (28, 28):
        x = x[None]
    if x.ndim != 3 or x.shape[1:] != (28, 28) or not 1 <= len(x) <= fmt.MAX_DIGITS:
        raise AecError(f"digits must be (28, 28) or (n, 28, 28) with 1 <= n <= {fmt.MAX_DIGITS}, got {x.shape}")
    return x


def compress(digits, quality: int | None = None, one_pass: bool = False, *, models=None) -> bytes:
    """uint8 digits (28, 28) or (n, 28, 28) -> the bytes of one .aec file.

    ``quality``: 1 (fewest bytes) .. len(aec.quality_levels()) (best digits); None: the default.
    ``one_pass``: round the latents as the browser does (about 200x faster) instead of the
    rate-distortion search (a better digit for the same bytes).
    """
    model_id = model_id_for(quality)
    return codecs(models).compress_file(as_digits(digits), model_id, search=not one_pass)


def decompress(data: bytes, *, max_digits: int = fmt.MAX_DIGITS, models=None) -> np.ndarray:
    """The bytes of an .aec file -> uint8 digits (n, 28, 28); AecError (a FormatError) for bytes
    that are no valid file."""
    result = codecs(models).decompress_files([bytes(data)], max_digits)[0]
    if isinstance(result, Exception):
        raise result
    return result[1]


def to_digit(image) -> np.ndarray:
    """Any image (a PIL image, or an array: grey, RGB or RGBA, any size) -> the MNIST-style
    uint8 (28, 28) digit the codec takes: the ink cropped, scaled into 20x20 and centred
    by its mass, as MNIST's digits are.

    >>> import numpy as np, aec
    >>> page = np.full((200, 120), 255, np.uint8); page[40:160, 50:70] = 0   # a dark stroke on white
    >>> d = aec.to_digit(page)
    >>> d.shape, d.dtype, int(d.max())
    ((28, 28), dtype('uint8'), 255)
    """
    from aec.preprocess import preprocess as run

    try:
        return run(image)
    except AecError:
        raise
    except (TypeError, ValueError) as e:
        reason = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise AecError(f"cannot preprocess this image ({reason})") from None


def read_digits(path) -> np.ndarray:
    """An image file (any format Pillow reads) or a .npy of digits -> uint8 (n, 28, 28), preprocessed."""
    from aec.inputs import read_digits as read

    return read(str(path))


def quality_levels(models=None) -> list[dict]:
    """The quality scale, fewest bytes first: per level its ``quality``, ``model_id``, ``folder``
    and, where the evaluation measured them on the 10,000 MNIST test digits, ``bytes`` and ``psnr``
    (searched, as ``compress`` does by default) and ``bytes_one_pass`` / ``psnr_one_pass``.

    >>> import aec
    >>> [lv["quality"] for lv in aec.quality_levels()] == list(range(1, len(aec.quality_levels()) + 1))
    True
    >>> scale = aec.quality_levels()
    >>> all(a["bytes"] < b["bytes"] and a["psnr"] < b["psnr"] for a, b in zip(scale, scale[1:]))
    True
    """
    path = (Path(models) if models else models_dir()) / MEASURED_FILE
    measured = json.loads(path.read_text()) if path.is_file() else {}
    out = []
    for lv in _levels.LEVELS:
        row = {"quality": lv.quality, "model_id": lv.model_id, "folder": lv.folder,
               "default": lv.quality == _levels.DEFAULT_QUALITY}
        row.update(measured.get(str(lv.model_id), {}))
        out.append(row)
    return out
