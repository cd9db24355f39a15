"""Learned model folders and file model ids (aec/codec.py): codec.json's first_model_id
places a folder's levels at model ids first_model_id .. first_model_id + L - 1, and Codecs
finds the codec of each id, in any folder it loads. (The quality scale over the ids is
aec/levels.py's: tests/test_levels.py.)"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from aec import levels

from aec import codec as codec_module
from aec import format as fmt
from aec.codec import Codecs, model_ids_of
from tests.tiny_models import mnist_test

ROOT = Path(__file__).resolve().parents[1]
MODELS = ROOT / "aec" / "models"
FILES = ("encoder.tflite", "decoder.tflite", "curvature.npz")


def test_model_ids_of():
    tables = {str(k): {} for k in range(1, 8)}
    assert model_ids_of({"tables": tables}) == tuple(range(1, 8))  # the shipped codec: ids 1..7
    assert model_ids_of({"tables": tables, "first_model_id": 8}) == tuple(range(8, 15))
    for first in (0, 9):
        with pytest.raises(ValueError, match=r"outside the format's 1\.\.14") as info:
            model_ids_of({"tables": tables, "first_model_id": first})
        assert "\n" not in str(info.value)
    for bad in ({"tables": tables, "first_model_id": "8"}, {"tables": tables, "first_model_id": True}):
        with pytest.raises(ValueError, match="first_model_id must be a whole number"):
            model_ids_of(bad)
    assert model_ids_of(codec_module.read_config(MODELS / "codec")) == tuple(range(1, 8))


def _models(tmp_path: Path, second: dict | None) -> Path:
    """The shipped talk and codec runtime folders (linked), and a second learned folder
    "codec_b" with the codec's networks and codec.json + ``second``."""
    for name in ("talk", "codec"):
        (tmp_path / name).mkdir()
        for f in (*FILES, "codec.json"):
            if (MODELS / name / f).exists():
                (tmp_path / name / f).symlink_to(MODELS / name / f)
    if second is not None:
        (tmp_path / "codec_b").mkdir()
        for f in FILES[:2]:
            (tmp_path / "codec_b" / f).symlink_to(MODELS / "codec" / f)
        config = {**codec_module.read_config(MODELS / "codec"), **second}
        (tmp_path / "codec_b" / "codec.json").write_text(json.dumps(config))
    return tmp_path


@pytest.fixture
def two_folders(monkeypatch):
    monkeypatch.setattr(codec_module, "LEARNED_FOLDERS", ("codec", "codec_b"))


def test_one_folder(tmp_path):
    codecs = Codecs.load(_models(tmp_path, None))
    assert len(codecs.learned_codecs) == 1
    assert sorted(codecs.tables) == list(range(8)) and codecs.scale_ids == tuple(lv.model_id for lv in levels.LEVELS if lv.folder == "codec")
    assert codecs.codec_for(0) is codecs.talk and codecs.codec_for(5) is codecs.learned_codecs[0]
    assert [codecs.folder_of(m) for m in (0, 1, 7)] == ["talk", "codec", "codec"]
    for bad in (8, 14):
        with pytest.raises(ValueError, match=f"no model {bad} "):
            codecs.codec_for(bad)


def test_a_second_folder_codes_ids_8_to_14(tmp_path, two_folders):
    """The second folder has the first's networks and tables at ids 8..14: the same digits
    and, but for the header's first bits (`11` + id - 8 against `10` + id), the same bytes."""
    codecs = Codecs.load(_models(tmp_path, {"first_model_id": 8}))
    first, second = codecs.learned_codecs
    assert second.model_ids == tuple(range(8, 15))
    assert codecs.codec_for(9) is second and codecs.codec_for(2) is first and codecs.folder_of(9) == "codec_b"
    images = mnist_test()[0][:6]
    for low, high in ((2, 9), (7, 14)):
        a, b = codecs.compress_digits(images, low), codecs.compress_digits(images, high)
        for fa, fb in zip(a, b):
            assert fa[0] >> 6 == 2 and fb[0] >> 6 == 3
            bits_a, bits_b = np.unpackbits(np.frombuffer(fa, np.uint8)), np.unpackbits(np.frombuffer(fb, np.uint8))
            n = max(len(bits_a), len(bits_b))
            bits_a, bits_b = np.pad(bits_a, (0, n - len(bits_a))), np.pad(bits_b, (0, n - len(bits_b)))
            assert bits_b[:5].tolist() == fmt.header_bits(high, 1)[:5]
            assert np.array_equal(bits_a[5:], bits_b[5:])
        got_id, decoded = codecs.decompress_file(codecs.compress_file(images, high))
        assert got_id == high and np.array_equal(decoded, codecs.decompress_file(codecs.compress_file(images, low))[1])
        files = codecs.decompress_files(b)
        assert all(r[0] == high for r in files)
        assert np.array_equal(np.concatenate([r[1] for r in files]), first.decompress_digits(a))


def test_overlapping_ids_are_one_line(tmp_path, two_folders):
    with pytest.raises(ValueError) as info:
        Codecs.load(_models(tmp_path, {"first_model_id": 7}))
    assert "model id 7 is also" in str(info.value) and "\n" not in str(info.value)
