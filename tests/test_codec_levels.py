"""Learned model folders and file model ids (aec/codec.py, aec/cli.py): codec.json's
first_model_id places a folder's levels at model ids first_model_id .. first_model_id + L - 1,
Codecs finds the codec of each id, and --quality counts the levels 1..N across the folders."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from aec import cli
from aec import codec as codec_module
from aec import format as fmt
from aec.codec import Codecs, model_ids_of
from tests.tiny_models import mnist_test

ROOT = Path(__file__).resolve().parents[1]
MODELS = ROOT / "models"


def test_cli_and_codec_agree_on_the_learned_folders():
    """aec/cli.py keeps copies so that it checks --quality without importing Keras."""
    assert cli.LEARNED_FOLDERS == codec_module.LEARNED_FOLDERS
    assert cli.MAX_LEVEL == fmt.MAX_MODEL_ID
    tables = {str(k): {} for k in range(1, 8)}
    for config in ({"tables": tables}, {"tables": tables, "first_model_id": 8}, {"tables": {"1": {}, "2": {}}},
                   {"tables": {"2": {}, "1": {}, "3": {}}, "first_model_id": 5}):
        assert list(model_ids_of(config)) == cli._model_ids(config)
    for bad in ({"tables": tables, "first_model_id": "8"}, {"tables": tables, "first_model_id": True}):
        with pytest.raises(ValueError, match="first_model_id must be a whole number"):
            model_ids_of(bad)
        with pytest.raises(ValueError, match="first_model_id must be a whole number"):
            cli._model_ids(bad)


def test_model_ids_of():
    tables = {str(k): {} for k in range(1, 8)}
    assert model_ids_of({"tables": tables}) == tuple(range(1, 8))  # the shipped codec: ids 1..7
    assert model_ids_of({"tables": tables, "first_model_id": 8}) == tuple(range(8, 15))
    for first in (0, 9):
        with pytest.raises(ValueError, match=r"outside the format's 1\.\.14") as info:
            model_ids_of({"tables": tables, "first_model_id": first})
        assert "\n" not in str(info.value)
    assert model_ids_of(codec_module.read_config(MODELS / "codec")) == tuple(range(1, 8))


def _models(tmp_path: Path, second: dict | None) -> Path:
    """The shipped talk and codec folders (linked), and a second learned folder "codec_b"
    with the codec's networks and codec.json + ``second``."""
    for name in ("talk", "codec"):
        (tmp_path / name).mkdir()
        for f in ("encoder.keras", "decoder.keras", "codec.json"):
            (tmp_path / name / f).symlink_to(MODELS / name / f)
    if second is not None:
        (tmp_path / "codec_b").mkdir()
        for f in ("encoder.keras", "decoder.keras"):
            (tmp_path / "codec_b" / f).symlink_to(MODELS / "codec" / f)
        config = {**codec_module.read_config(MODELS / "codec"), **second}
        (tmp_path / "codec_b" / "codec.json").write_text(json.dumps(config))
    return tmp_path


@pytest.fixture
def two_folders(monkeypatch):
    monkeypatch.setattr(codec_module, "LEARNED_FOLDERS", ("codec", "codec_b"))
    monkeypatch.setattr(cli, "LEARNED_FOLDERS", ("codec", "codec_b"))


def test_quality_counts_levels_across_folders(tmp_path, two_folders):
    models = _models(tmp_path, {"first_model_id": 8})
    assert cli._learned_ids(models) == list(range(1, 15))
    assert [cli._quality_model_id(models, q) for q in (1, 3, 7, 8, 14)] == [1, 3, 7, 8, 14]
    with pytest.raises(cli.UsageError, match=r"no quality level 15 \(levels: 1, 2, .*, 14;"):
        cli._quality_model_id(models, 15)
    shutil.rmtree(models / "codec_b")  # a missing second folder is no error: its levels are not there
    assert cli._learned_ids(models) == list(range(1, 8))


def test_one_folder_as_today(tmp_path):
    models = _models(tmp_path, None)
    assert cli._learned_ids(models) == list(range(1, 8))
    assert cli.DEFAULT_MODEL_ID in cli._learned_ids(models)
    codecs = Codecs(models)
    assert len(codecs.learned_codecs) == 1 and codecs.learned is codecs.learned_codecs[0]
    assert sorted(codecs.tables) == list(range(8)) and codecs.learned_ids == tuple(range(1, 8))
    assert [codecs.level_of(m) for m in range(1, 8)] == list(range(1, 8))
    assert codecs.codec_for(0) is codecs.talk and codecs.codec_for(5) is codecs.learned
    for bad in (8, 14):
        with pytest.raises(ValueError, match=f"no model {bad} "):
            codecs.codec_for(bad)
    with pytest.raises(ValueError, match="no learned level"):
        codecs.level_of(0)


def test_a_second_folder_codes_ids_8_to_14(tmp_path, two_folders):
    """The second folder has the first's networks and tables at ids 8..14: the same digits
    and, but for the header's first bits (`11` + id - 8 against `10` + id), the same bytes."""
    codecs = Codecs(_models(tmp_path, {"first_model_id": 8}))
    first, second = codecs.learned_codecs
    assert codecs.learned_ids == tuple(range(1, 15)) and second.model_ids == tuple(range(8, 15))
    assert codecs.codec_for(9) is second and codecs.codec_for(2) is first and codecs.level_of(9) == 9
    images = mnist_test()[0][:6]
    for low, high in ((2, 9), (7, 14)):
        a, b = codecs.compress(images, low), codecs.compress(images, high)
        for fa, fb in zip(a, b):
            assert fa[0] >> 6 == 2 and fb[0] >> 6 == 3
            bits_a, bits_b = np.unpackbits(np.frombuffer(fa, np.uint8)), np.unpackbits(np.frombuffer(fb, np.uint8))
            n = max(len(bits_a), len(bits_b))
            bits_a, bits_b = np.pad(bits_a, (0, n - len(bits_a))), np.pad(bits_b, (0, n - len(bits_b)))
            assert bits_b[:5].tolist() == fmt.header_bits(high, 1)[:5]
            assert np.array_equal(bits_a[5:], bits_b[5:])
        got_id, decoded = codecs.decompress(codecs.compress_stream(images, high))
        assert got_id == high and np.array_equal(decoded, codecs.decompress(codecs.compress_stream(images, low))[1])
        streams = codecs.decompress_streams(b)
        assert all(r[0] == high for r in streams)
        assert np.array_equal(np.concatenate([r[1] for r in streams]), first.decompress_many(a))


def test_quality_levels_follow_the_folders_order(tmp_path, monkeypatch):
    """The low-rate folder comes first in LEARNED_FOLDERS: its levels (ids 8..) are quality 1..,
    fewest bytes first, in the command and in Codecs alike."""
    monkeypatch.setattr(codec_module, "LEARNED_FOLDERS", ("codec_b", "codec"))
    monkeypatch.setattr(cli, "LEARNED_FOLDERS", ("codec_b", "codec"))
    models = _models(tmp_path, {"first_model_id": 8, "tables": {str(k): {} for k in range(1, 5)}})
    assert cli._learned_ids(models) == [8, 9, 10, 11, 1, 2, 3, 4, 5, 6, 7]
    assert [cli._quality_model_id(models, q) for q in (1, 4, 5, 11)] == [8, 11, 1, 7]
    (models / "codec_b" / "codec.json").write_text(json.dumps({**codec_module.read_config(MODELS / "codec"),
                                                                "first_model_id": 8}))
    codecs = Codecs(models)
    assert codecs.learned_ids == (*range(8, 15), *range(1, 8)) and codecs.learned is codecs.learned_codecs[0]
    assert [codecs.level_of(m) for m in (8, 14, 1, 7)] == [1, 7, 8, 14]
    assert [codecs.folder_of(m) for m in (0, 1, 8)] == ["talk", "codec", "codec_b"]


def test_overlapping_ids_are_one_line(tmp_path, two_folders):
    with pytest.raises(ValueError) as info:
        Codecs(_models(tmp_path, {"first_model_id": 7}))
    assert "model id 7 is also" in str(info.value) and "\n" not in str(info.value)
