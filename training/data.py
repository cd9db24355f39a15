"""Stage 1: data. MNIST (and Fashion-MNIST) as uint8 arrays.

Two sources:
  * default: ``keras.datasets.mnist.load_data()`` (downloads; what a user with
    internet gets);
  * a folder with the four official IDX ``.gz`` files, chosen by ``--data-dir``
    or the ``MNIST_DIR`` environment variable. The files are checked against
    their published sha256, so a truncated or corrupt download is caught here
    and not as a strange loss curve later.

Every problem becomes one ``DataError`` whose message names the file and what
is wrong with it; the CLI prints it as one line and exits non-zero.
"""

from __future__ import annotations

import gzip
import hashlib
import os
from pathlib import Path

import numpy as np

# The official files (same names for MNIST and Fashion-MNIST).
FILES = {
    "train_images": "train-images-idx3-ubyte.gz",
    "train_labels": "train-labels-idx1-ubyte.gz",
    "test_images": "t10k-images-idx3-ubyte.gz",
    "test_labels": "t10k-labels-idx1-ubyte.gz",
}

# Published sha256 of the official MNIST files.
MNIST_SHA256 = {
    "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
}

FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist"

_IDX_UBYTE = 0x08  # IDX type code for unsigned bytes


class DataError(Exception):
    """A data problem, phrased for a user: '<file>: <what is wrong>'."""


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _read_idx(path: Path, expected_ndim: int) -> np.ndarray:
    """Parse one gzipped IDX file, validating its header against its size."""
    try:
        with gzip.open(path, "rb") as f:
            raw = f.read()
    except (OSError, EOFError) as e:  # BadGzipFile is an OSError
        raise DataError(f"{path}: not a readable gzip file ({e})") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != _IDX_UBYTE:
        raise DataError(f"{path}: not an IDX file of unsigned bytes (bad magic number)")
    ndim = raw[3]
    if ndim != expected_ndim:
        raise DataError(f"{path}: expected {expected_ndim} dimensions, the header says {ndim}")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DataError(f"{path}: truncated header")
    shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    size = int(np.prod(shape))
    if len(raw) - header != size:
        raise DataError(
            f"{path}: truncated or padded: header promises {size} bytes of data, file has {len(raw) - header}")
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape)


def load_idx_folder(data_dir, checksums: dict[str, str] | None = None):
    """Load ``(x_train, y_train), (x_test, y_test)`` from a folder of IDX .gz files.

    With ``checksums`` (file name -> sha256) every file must match.
    """
    folder = Path(data_dir)
    if not folder.is_dir():
        raise DataError(f"{folder}: data folder does not exist")
    paths = {key: folder / name for key, name in FILES.items()}
    for path in paths.values():
        if not path.is_file():
            raise DataError(f"{path}: missing (expected the four official IDX .gz files in {folder})")
        if path.stat().st_size == 0:
            raise DataError(f"{path}: empty file")
        if checksums is not None:
            digest = _sha256(path)
            if digest != checksums[path.name]:
                raise DataError(
                    f"{path}: sha256 mismatch (corrupt or incomplete download): got {digest[:16]}…, "
                    f"expected {checksums[path.name][:16]}…")
    x_train = _read_idx(paths["train_images"], 3)
    y_train = _read_idx(paths["train_labels"], 1)
    x_test = _read_idx(paths["test_images"], 3)
    y_test = _read_idx(paths["test_labels"], 1)
    for x, y, key in ((x_train, y_train, "train"), (x_test, y_test, "test")):
        if x.shape[1:] != (28, 28):
            raise DataError(f"{paths[key + '_images']}: images are {x.shape[1:]}, expected 28x28")
        if len(x) != len(y):
            raise DataError(f"{paths[key + '_labels']}: {len(y)} labels for {len(x)} images")
    return (x_train, y_train), (x_test, y_test)


def load_mnist(data_dir=None):
    """MNIST as uint8: ``(x_train (60000,28,28), y_train), (x_test (10000,28,28), y_test)``.

    ``data_dir`` (or ``$MNIST_DIR``) selects the offline folder; otherwise Keras
    downloads the data.
    """
    data_dir = data_dir or os.environ.get("MNIST_DIR")
    if data_dir:
        return load_idx_folder(data_dir, MNIST_SHA256)
    import keras

    try:
        return keras.datasets.mnist.load_data()
    except Exception as e:  # urllib/ssl/OSError variants: all mean "could not download"
        raise DataError(
            f"mnist.npz: could not download MNIST through Keras ({type(e).__name__}: {e}); "
            "without internet, pass --data-dir or set MNIST_DIR to a folder with the four IDX .gz files") from None


def load_fashion_mnist(data_dir=None):
    """Fashion-MNIST from its IDX folder (Debian package ``dataset-fashion-mnist``)."""
    data_dir = data_dir or os.environ.get("FASHION_MNIST_DIR") or FASHION_MNIST_DIR
    return load_idx_folder(data_dir, None)
