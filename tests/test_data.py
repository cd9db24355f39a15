"""Data loader: the offline IDX folder, its checks, and the one-line errors."""

import gzip
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from training import data
from training.data import DataError, load_idx_folder, load_mnist

ROOT = Path(__file__).resolve().parents[1]
MNIST_DIR = os.environ.get("MNIST_DIR") or str(ROOT.parent / "shared" / "datasets" / "mnist")


@pytest.fixture
def copy(tmp_path):
    """A writable copy of the MNIST folder to break in various ways."""
    folder = tmp_path / "mnist"
    shutil.copytree(MNIST_DIR, folder)
    return folder


def test_loads_official_mnist():
    (x, y), (xt, yt) = load_mnist(MNIST_DIR)
    assert x.shape == (60000, 28, 28) and xt.shape == (10000, 28, 28)
    assert x.dtype == np.uint8 and y.dtype == np.uint8
    assert np.bincount(yt).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def test_env_var_selects_folder(monkeypatch):
    monkeypatch.setenv("MNIST_DIR", MNIST_DIR)
    (_, y), _ = load_mnist()
    assert len(y) == 60000


def test_missing_folder(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        load_mnist(tmp_path / "nowhere")


def test_missing_file(copy):
    (copy / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(DataError, match=r"t10k-labels-idx1-ubyte.gz: missing"):
        load_mnist(copy)


def test_empty_file(copy):
    (copy / "train-labels-idx1-ubyte.gz").write_bytes(b"")
    with pytest.raises(DataError, match=r"train-labels-idx1-ubyte.gz: empty file"):
        load_mnist(copy)


def test_truncated_file_fails_checksum(copy):
    path = copy / "t10k-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(DataError, match=r"t10k-images-idx3-ubyte.gz: sha256 mismatch"):
        load_mnist(copy)


def test_corrupt_byte_fails_checksum(copy):
    path = copy / "train-images-idx3-ubyte.gz"
    raw = bytearray(path.read_bytes())
    raw[5000] ^= 0xFF
    path.write_bytes(bytes(raw))
    with pytest.raises(DataError, match="sha256 mismatch"):
        load_mnist(copy)


def test_structural_checks_without_checksums(copy):
    """Folders without published sums (Fashion-MNIST) still get parsed safely."""
    path = copy / "t10k-labels-idx1-ubyte.gz"
    path.write_bytes(b"not gzip at all")
    with pytest.raises(DataError, match="not a readable gzip file"):
        load_idx_folder(copy)
    path.write_bytes(gzip.compress(b"\x00\x00\x08\x01\x00\x00\x27\x10" + bytes(10)))
    with pytest.raises(DataError, match="truncated or padded"):
        load_idx_folder(copy)
    path.write_bytes(gzip.compress(b"\x12\x34\x08\x01" + bytes(10)))
    with pytest.raises(DataError, match="bad magic number"):
        load_idx_folder(copy)


def test_no_data_and_no_network(monkeypatch):
    import keras

    def offline():
        raise OSError("Temporary failure in name resolution")

    monkeypatch.delenv("MNIST_DIR", raising=False)
    monkeypatch.setattr(keras.datasets.mnist, "load_data", offline)
    with pytest.raises(DataError, match="could not download MNIST.*--data-dir"):
        data.load_mnist()


def test_cli_prints_one_line_and_fails(copy):
    (copy / "train-images-idx3-ubyte.gz").write_bytes(b"garbage")
    env = {**os.environ, "MNIST_DIR": ""}
    result = subprocess.run([sys.executable, "-m", "training", "train", "--model", "talk", "--data-dir", str(copy)],
                            capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert lines == [f"error: {copy / 'train-images-idx3-ubyte.gz'}: sha256 mismatch "
                     f"(corrupt or incomplete download): got {lines[0].split('got ')[1].split('…')[0]}…, "
                     f"expected 440fcabf73cc546f…"]
    assert "Traceback" not in result.stderr
