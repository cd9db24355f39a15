"""The one table of levels (aec/levels.py): monotone in bytes and PSNR by the committed
results, the same scale everywhere (manifest, vectors, the models' codec.json), and
files of levels off the scale still decode."""

import json
from pathlib import Path

import numpy as np
import pytest

from aec import levels

ROOT = Path(__file__).resolve().parents[1]
RESULTS = json.loads((ROOT / "site" / "results" / "results.json").read_text())


@pytest.mark.parametrize("encoder", ["codecs", "one_pass"])
def test_the_scale_is_monotone_in_bytes_and_psnr(encoder):
    """Each step up the scale costs more bytes and gives a better PSNR, searched (the
    command's default) and in one pass (the browser's), on the 10,000 test digits."""
    points = {p["model_id"]: p for p in RESULTS[encoder].values()}
    scale = [points[lv.model_id] for lv in levels.LEVELS]
    for low, high in zip(scale, scale[1:]):
        assert high["bytes_mean"] > low["bytes_mean"] and high["psnr"] > low["psnr"], (low["label"], high["label"])


def test_the_results_number_levels_by_the_table():
    for encoder in ("codecs", "one_pass"):
        for key, p in RESULTS[encoder].items():
            assert p["level"] == levels.quality_of(p["model_id"]), key


def test_the_table_reads_both_ways():
    assert [levels.quality_of(levels.model_id_of(q)) for q in range(1, len(levels.LEVELS) + 1)] == \
        list(range(1, len(levels.LEVELS) + 1))
    assert levels.quality_of(levels.TALK_MODEL_ID) is None
    assert levels.model_id_of(levels.DEFAULT_QUALITY) == levels.DEFAULT_MODEL_ID
    for bad in (0, len(levels.LEVELS) + 1, 1.0, True, "1"):
        with pytest.raises(ValueError, match="no quality level"):
            levels.level(bad)


def test_the_vectors_manifest_and_models_hold_the_table():
    vectors = json.loads((ROOT / "tests" / "vectors" / "levels.json").read_text())
    assert vectors["scale"] == [lv.model_id for lv in levels.LEVELS]
    assert vectors["default_model_id"] == levels.DEFAULT_MODEL_ID
    assert {int(m): q for m, q in vectors["quality_of"].items()} == {m: levels.quality_of(m) for m in range(15)}
    manifest = json.loads((ROOT / "site" / "models" / "manifest.json").read_text())
    assert manifest["scale"] == vectors["scale"] and manifest["default_model_id"] == levels.DEFAULT_MODEL_ID
    for folder in levels.LEARNED_FOLDERS:
        for base in (ROOT / "models", ROOT / "aec" / "models"):
            config = json.loads((base / folder / "codec.json").read_text())
            assert config.get("first_model_id", 1) == levels.FIRST_MODEL_ID[folder], base / folder


def test_a_level_off_the_scale_still_decodes():
    from aec.api import codecs

    c = codecs(ROOT / "aec" / "models")
    off = sorted(set(c.tables) - {0} - set(c.scale_ids))
    assert off, "the codec's dominated levels are off the scale"
    digit = np.zeros((1, 28, 28), np.uint8)
    digit[0, 6:22, 12:16] = 255
    for model_id in off:
        got, images = c.decompress_file(c.compress_file(digit, model_id))
        assert got == model_id and images.shape == (1, 28, 28)
