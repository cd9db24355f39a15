"""Reading the ``aec`` command's inputs safely (aec/cli.py).

* Regular files only (or ``-``, standard input): a FIFO, a device or a folder is
  refused before a byte is read, so nothing hangs and ``/dev/zero`` is not read.
* Never more bytes than a valid input can have: a digit file is read up to the
  format's largest file plus one byte; a .npy's header is checked before its data.
* Images are sized before their pixels are decoded: JPEGs decode at a reduced
  scale (Pillow's ``draft``), other images over ``MAX_DECODE_PIXELS`` are refused,
  and decoded images over ``MAX_PREPROCESS_PIXELS`` are reduced by an integer
  factor (box filter) before MNIST's preprocessing. EXIF orientation is applied.
* NaN and infinite pixels, and arrays that are not numbers, are refused.

Every problem is an :class:`InputError` whose message goes after the file's name.
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import stat
import sys

import numpy as np

from aec.errors import AecError
from aec import format as fmt
from aec.pixels import round_half_up

NPY_MAGIC = b"\x93NUMPY"
MAX_DECODE_PIXELS = 4096 * 4096  # one image's decoded pixels (4 bytes each at most, so 64 MiB)
MAX_PREPROCESS_PIXELS = 1024 * 1024  # preprocess.py's integer steps take ~80 bytes a pixel
MAX_NPY_VALUES = fmt.MAX_DIGITS * 28 * 28  # values of one .npy (held twice as uint8 while read)
MAX_STDIN_IMAGE_BYTES = 64 << 20  # an image on standard input is held in memory to be decoded
NPY_CHUNK_VALUES = 1 << 20  # array values converted at a time
STDIN = "-"


class InputError(AecError):
    """An input the command refuses; the message follows ``f"{path}: "``."""


_KINDS = [(stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a pipe (FIFO)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket")]


def _check_regular(mode: int) -> None:
    if not stat.S_ISREG(mode):
        kind = next((k for test, k in _KINDS if test(mode)), "not a regular file")
        raise InputError(f"{kind}, not a regular file")


@contextlib.contextmanager
def open_input(name: str):
    """A binary file object for a regular file (symlinks followed) or ``-``."""
    if name == STDIN:
        yield sys.stdin.buffer
        return
    _check_regular(os.stat(name).st_mode)  # before opening: opening a device can do things
    fd = os.open(name, os.O_RDONLY | os.O_NONBLOCK)  # a FIFO swapped in meanwhile does not block
    try:
        _check_regular(os.fstat(fd).st_mode)
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    with os.fdopen(fd, "rb") as f:
        yield f


def largest_file(tables_by_model, max_digits: int) -> int:
    """The most bytes a valid file of at most ``max_digits`` digits can have."""
    from aec.tables import TableSet

    sets = [TableSet.of(t) for t in tables_by_model.values()]
    return max(fmt.max_file_bytes(max_digits, t.num_elements, t.cluster_bits) for t in sets)


def read_digit_file(name: str, tables_by_model, max_digits: int, prior=None) -> tuple[bytes, fmt.Header]:
    """A digit file's bytes (never more than the largest valid file + 1 are read)
    and its checked header; raises InputError, FormatError or OSError."""
    limit = largest_file(tables_by_model, max_digits)
    with open_input(name) as f:
        data = f.read(limit + 1)
    try:
        header = fmt.read_header(data, tables_by_model, max_digits, prior)
    except fmt.FormatError as e:
        if len(data) <= limit or not str(e).startswith("oversized"):
            raise
        header = None
    if header is None or len(data) > limit:
        raise InputError(f"oversized file (more than {limit} bytes, the most {max_digits} digits can take)")
    return data, header


def read_digits(name: str, max_digits: int = fmt.MAX_DIGITS) -> np.ndarray:
    """An image (any format Pillow reads) or a .npy of one (H,W) or many (n,H,W)
    digits -> uint8 (n,28,28) after MNIST's preprocessing. Told apart by content."""
    with open_input(name) as f:
        head = f.read(len(NPY_MAGIC) + 2)
        if head.startswith(NPY_MAGIC):
            return _read_npy(f, head, max_digits)
        if name == STDIN:
            data = head + f.read(MAX_STDIN_IMAGE_BYTES + 1 - len(head))
            if len(data) > MAX_STDIN_IMAGE_BYTES:
                raise InputError(f"image on standard input is over {MAX_STDIN_IMAGE_BYTES >> 20} MiB")
            return _read_image(io.BytesIO(data))[None]
        f.seek(0)
        return _read_image(f)[None]


def _read_image(f) -> np.ndarray:
    from PIL import UnidentifiedImageError

    try:
        return _decode_image(f)
    except InputError:
        raise
    except UnidentifiedImageError:
        raise InputError("cannot read image (not a format Pillow reads, nor a .npy)") from None
    except Exception as e:  # Pillow raises many types for damaged files
        raise InputError(f"cannot read image ({_one_line(e)})") from None


def _one_line(e: Exception) -> str:
    text = str(e).strip().splitlines()
    return f"{type(e).__name__}: {text[0]}" if text else type(e).__name__


# ---------------------------------------------------------------------------
# .npy
# ---------------------------------------------------------------------------
def _read_npy(f, head: bytes, max_digits: int) -> np.ndarray:
    from aec.preprocess import preprocess

    version = (head[6], head[7]) if len(head) == 8 else None
    readers = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}
    if version not in readers:
        raise InputError(f"unsupported .npy version {version}")
    try:
        shape, fortran, dtype = readers[version](f)  # at most 10,000 header bytes are read
    except ValueError as e:
        raise InputError(f"not a valid .npy header ({_one_line(e)})") from None
    if dtype.fields is not None or dtype.kind not in "biuf" or dtype.itemsize > 8:
        raise InputError(f"unsupported .npy dtype {dtype} (expected numbers: uint8, integers, floats or bool)")
    if len(shape) not in (2, 3):
        raise InputError(f"expected an array of shape (H,W) or (n,H,W), got {shape}")
    n, (h, w) = (1 if len(shape) == 2 else shape[0]), shape[-2:]
    if n == 0:
        raise InputError("the array holds no digits")
    if n > max_digits:
        raise InputError(f"the array holds {n} digits; a file holds at most {max_digits} (split the array)")
    if h * w > MAX_PREPROCESS_PIXELS:
        raise InputError(f"digits of {h}x{w} values are too large (at most {MAX_PREPROCESS_PIXELS} values each)")
    if n * h * w > MAX_NPY_VALUES:
        raise InputError(f"array too large ({n * h * w} values; at most {MAX_NPY_VALUES})")
    if fortran and n > 1:
        raise InputError("Fortran-order arrays of many digits are not supported (save np.ascontiguousarray(a))")
    digits = _npy_to_uint8(f, n, h, w, dtype, fortran)
    return np.stack([preprocess(d) for d in digits])


def _npy_to_uint8(f, n, h, w, dtype, fortran) -> np.ndarray:
    """The array's values as uint8 (n,h,w), read in chunks. uint8 is taken as it is;
    other numbers as floats, times 255 when the largest is <= 1, rounded half up,
    clipped to 0..255 (the largest is known only at the end: both are kept)."""
    step = max(1, NPY_CHUNK_VALUES // max(1, h * w))
    plain, scaled, largest = np.empty((n, h, w), np.uint8), None, -math.inf
    if dtype != np.uint8:
        scaled = np.empty((n, h, w), np.uint8)
    for start in range(0, n, step):
        k = min(step, n - start)
        size = k * h * w * dtype.itemsize
        buf = f.read(size)
        if len(buf) < size:
            raise InputError(f"truncated .npy ({len(buf)} of {size} data bytes)")
        chunk = np.frombuffer(buf, dtype).reshape((k, h, w), order="F" if fortran else "C")
        if scaled is None:
            plain[start:start + k] = chunk
            continue
        x = chunk.astype(np.float64)
        bad = ~np.isfinite(x)
        if bad.any():
            raise InputError(f"digit {start + int(np.argmax(bad.any(axis=(1, 2))))} has NaN or infinite values")
        largest = max(largest, float(x.max(initial=0)))
        plain[start:start + k] = np.clip(round_half_up(x), 0, 255)
        scaled[start:start + k] = np.clip(round_half_up(x * 255.0), 0, 255)
    return plain if scaled is None or largest > 1.0 else scaled


# ---------------------------------------------------------------------------
# images
# ---------------------------------------------------------------------------
def _decode_image(f) -> np.ndarray:
    from PIL import Image, ImageOps

    from aec.preprocess import preprocess

    Image.MAX_IMAGE_PIXELS = None  # our own limits, below, apply before any pixel is decoded
    with Image.open(f) as image:  # reads the header only
        w, h = image.size
        if w * h > MAX_PREPROCESS_PIXELS:  # a JPEG decodes at 1/2, 1/4 or 1/8 scale instead
            factor = math.isqrt(-(-w * h // MAX_PREPROCESS_PIXELS))
            image.draft(image.mode, (max(1, w // factor), max(1, h // factor)))
            w, h = image.size
        if w * h > MAX_DECODE_PIXELS:
            raise InputError(f"image too large ({w}x{h} pixels; at most {MAX_DECODE_PIXELS} are decoded)")
        image.load()
        image = _reduced(image)
        image = ImageOps.exif_transpose(image)
        if image.mode == "F" or image.mode.startswith("I"):
            return preprocess(_wide_to_uint8(np.asarray(image)))
        return preprocess(image)


def _reduced(image):
    """An image over MAX_PREPROCESS_PIXELS reduced by the smallest integer factor that fits."""
    w, h = image.size
    if w * h <= MAX_PREPROCESS_PIXELS:
        return image
    factor = 1 + math.isqrt(w * h // MAX_PREPROCESS_PIXELS)
    while math.ceil(w / factor) * math.ceil(h / factor) > MAX_PREPROCESS_PIXELS:
        factor += 1
    convert = {"1": "L", "P": "RGBA", "PA": "RGBA"}.get(image.mode) or ("I" if image.mode.startswith("I;16") else None)
    return (image.convert(convert) if convert else image).reduce(factor)


def _wide_to_uint8(x: np.ndarray) -> np.ndarray:
    """Pixels of more than 8 bits: floats as in a .npy (NaN refused), integers as 16-bit."""
    if np.issubdtype(x.dtype, np.floating):
        x = x.astype(np.float64)
        if not np.isfinite(x).all():
            raise InputError("the image has NaN or infinite pixels")
        scale = 255.0 if float(x.max(initial=0)) <= 1.0 else 1.0
        return np.clip(round_half_up(x * scale), 0, 255).astype(np.uint8)
    return np.clip(round_half_up(np.clip(x, 0, 65535) / 257.0), 0, 255).astype(np.uint8)
