"""converter/: Keras -> TF.js graph models + manifest, on untrained models of the real
architectures (tests/tiny_models.py), into a temp dir.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from aec import levels
from tiny_models import EVAL_DIGITS, LAMBDAS, LOWRATE_LAMBDAS, MID_LAMBDAS, MODEL_IDS, ROOT, tiny_export

PARTS = ("talk", "codec", "lowrate", "mid")
NETWORKS = tuple(f"{part}_{role}" for part in PARTS for role in ("encoder", "decoder"))
# the first view's: the talk's and the default level's (aec/levels.py); the others load on first use
EAGER_PARTS = ("talk", levels.level(levels.DEFAULT_QUALITY).folder)
EAGER = tuple(f"{part}_{role}" for part in EAGER_PARTS for role in ("encoder", "decoder"))


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    return tiny_export(tmp_path_factory.getbasetemp() / "tiny_export")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def tree(folder: Path) -> dict:
    return {p.relative_to(folder).as_posix(): sha256(p) for p in sorted(folder.rglob("*")) if p.is_file()}


def manifest_tables(site_models: Path, manifest: dict) -> dict:
    from aec.tables import TableSet

    return {int(k): TableSet.from_json((site_models / path).read_text()) for k, path in manifest["tables"].items()}


def test_manifest_lists_models_tables_and_shapes(export):
    from aec.tables import CodingTables, TableSet

    m, models = export["manifest"], export["models"]
    assert m == json.loads((export["site_models"] / "manifest.json").read_text())
    assert m["format_version"] == 3
    # the talk's network, then the quality scale's levels (aec/levels.py), then those off it, unnumbered
    lowrate_ids = [i for i in MODEL_IDS if levels.FIRST_MODEL_ID["lowrate"] <= i < levels.FIRST_MODEL_ID["mid"]]
    assert len(lowrate_ids) == len(LOWRATE_LAMBDAS)
    on = [lv for lv in levels.LEVELS if lv.model_id in MODEL_IDS]
    off = sorted(set(MODEL_IDS) - {0} - {lv.model_id for lv in on})
    assert [x["id"] for x in m["models"]] == [0, *(lv.model_id for lv in on), *off]
    assert [x.get("level") for x in m["models"]] == [None, *(lv.quality for lv in on), *[None] * len(off)]
    assert [x.get("label") for x in m["models"][1:len(on) + 1]] == [f"Level {lv.quality}" for lv in on]
    assert m["scale"] == [lv.model_id for lv in levels.LEVELS] and m["default_model_id"] == levels.DEFAULT_MODEL_ID
    assert m["tables"] == {str(i): f"tables/{i}.json" for i in MODEL_IDS}
    assert all(path in m["files"] for path in m["tables"].values())  # hashed like the networks
    tables = manifest_tables(export["site_models"], m)
    assert tables[0] == TableSet([CodingTables.uniform(128, 8)])
    for part, first in (("codec", 1), ("lowrate", lowrate_ids[0]), ("mid", levels.FIRST_MODEL_ID["mid"])):
        codec_json = json.loads((models / part / "codec.json").read_text())
        for level, t in codec_json["tables"].items():
            assert tables[first + int(level) - 1] == TableSet.from_json(t)
    assert m["lowrate"]["first_model_id"] == lowrate_ids[0] and m["lowrate"]["latent_shape"] == [32]
    assert m["mid"]["first_model_id"] == levels.FIRST_MODEL_ID["mid"] and m["mid"]["levels"] == len(MID_LAMBDAS)
    assert "first_model_id" not in m["codec"]
    assert [part for part in PARTS[1:] if "lazy_bytes" not in m[part]] == [p for p in EAGER_PARTS if p != "talk"]
    talk_json = json.loads((models / "talk" / "codec.json").read_text())
    assert m["talk"]["latent_scale"] == talk_json["latent_scale"]
    assert m["talk"]["latent_shape"] == [4, 4, 8] and m["codec"]["latent_shape"] == [4, 4, 16]
    assert m["codec"]["levels"] == len(LAMBDAS)
    assert set(m["networks"]) == set(NETWORKS)
    assert m["networks"]["codec_encoder"]["inputs"] == ["image", "level"]
    assert m["networks"]["codec_decoder"]["inputs"] == ["symbols", "level"]
    for name in ("encoder.keras", "decoder.keras", "codec.json"):
        for part in PARTS:
            assert m["source_sha256"][f"{part}/{name}"] == sha256(models / part / name)


def test_every_file_is_listed_with_its_sha256_and_size(export):
    out, m = export["site_models"], export["manifest"]
    on_disk = {p: h for p, h in tree(out).items() if p != "manifest.json"}
    assert set(m["files"]) == set(on_disk)
    for path, entry in m["files"].items():
        assert entry["sha256"] == on_disk[path]
        assert entry["bytes"] == (out / path).stat().st_size
    for name, net in m["networks"].items():
        model_json = json.loads((out / net["model"]).read_text())
        shards = [f"{name}/{p}" for g in model_json["weightsManifest"] for p in g["paths"]]
        assert shards and all(s in m["files"] for s in shards)
        assert net["bytes"] == sum(m["files"][p]["bytes"] for p in m["files"] if p.startswith(name + "/"))
    samples = json.loads((out / "samples.json").read_text())
    assert len(samples["digits"]) == 20 and sorted(d["label"] for d in samples["digits"]) == sorted(list(range(10)) * 2)
    assert all(len(base64.b64decode(d["pixels"])) == 784 for d in samples["digits"])
    assert not list(out.parent.glob(".site_models.*")), "staging left behind"


def test_sizes_fit_the_budget_and_quantisation_is_measured(export):
    from converter.convert import BUDGET_BYTES, DTYPES, LAZY_BUDGET_BYTES, harmless

    m = export["manifest"]
    assert m["network_bytes"] == sum(m["networks"][n]["bytes"] for n in EAGER) <= BUDGET_BYTES
    for part in (p for p in PARTS if p not in EAGER_PARTS):
        lazy = m["networks"][f"{part}_encoder"]["bytes"] + m["networks"][f"{part}_decoder"]["bytes"]
        assert m[part]["lazy_bytes"] == lazy <= LAZY_BUDGET_BYTES
    owner = {model["id"]: model["network"] for model in m["models"]}
    for name, net in m["networks"].items():
        part = name.split("_")[0]
        ids = [str(i) for i in MODEL_IDS if owner[i] == part]
        assert set(net["psnr_before"]) == set(net["psnr_after"]) == set(ids)
        cands = net["candidates"]
        assert set(cands) == set(DTYPES) and cands["float32"]["harmless"]
        # the smallest harmless candidate was chosen, and it is harmless by the rule
        kept = [d for d in DTYPES if cands[d]["harmless"]]
        assert net["weights"] == min(kept, key=lambda d: cands[d]["bytes"])
        role = name.split("_")[1]
        rows = {d: {int(k): v for k, v in cands[d]["by_model"].items()} for d in DTYPES}
        assert harmless(role, rows[net["weights"]], rows["float32"])
        assert net["export_max_abs_diff"] <= 1e-5  # float32 graph == Keras
    assert m["quantisation_rule"]["eval_digits"] == EVAL_DIGITS
    assert any("weights" in line for line in export["log"])


def test_graph_runner_runs_the_export_like_keras(export):
    """The Python loader of converted models (used to measure quantisation) is itself exact."""
    import keras

    import training.codec_model  # noqa: F401
    from converter.convert import GraphRunner
    from aec.codec import level_input

    rng = np.random.default_rng(0)
    x = rng.random((8, 28, 28, 1), np.float32)
    onehot = level_input(2, len(LAMBDAS), 8)
    net = export["manifest"]["networks"]["codec_encoder"]
    runner = GraphRunner(export["site_models"] / "codec_encoder", net["inputs"])
    model = keras.saving.load_model(export["models"] / "codec" / "encoder.keras")
    got, want = runner.predict([x, onehot]), model.predict([x, onehot], verbose=0)
    runner.close()
    # float32 weights: the same numbers; quantised ones: close (the weights differ)
    tolerance = 1e-5 if net["weights"] == "float32" else 0.05 * float(np.max(np.abs(want)))
    assert np.max(np.abs(got - want)) <= tolerance


def test_vectors_belong_to_the_export(export):
    from aec import format as fmt

    v = json.loads((export["vectors"] / "models_v1.json").read_text())
    bulk = json.loads((export["vectors"] / "models_v1_bulk.json").read_text())
    manifest_sha = sha256(export["site_models"] / "manifest.json")
    assert v["manifest_sha256"] == bulk["manifest_sha256"] == manifest_sha
    assert len(v["digits"]) == 20 and len(v["vectors"]) == 20 * len(MODEL_IDS)
    tables = manifest_tables(export["site_models"], export["manifest"])
    for vec in v["vectors"][::7]:
        model_id, indices = fmt.decode_stream(bytes.fromhex(vec["hex"]), tables)
        assert model_id == vec["model_id"] and indices[0].tolist() == vec["indices"]
    assert len(bulk["files"]) == 1000 and bulk["model_ids"] == MODEL_IDS


def _fake_part(big_bytes):
    """A stand-in for _convert_part that stages one network of ``big_bytes``."""
    def fake(part, folder, staging, tmp, images, manifest, log):
        (staging / f"{part}_encoder").mkdir()
        (staging / f"{part}_encoder" / "model.json").write_bytes(b"x" * big_bytes)
        manifest["networks"][f"{part}_encoder"] = {"bytes": big_bytes}
    return fake


def test_failed_conversion_leaves_the_old_export_untouched(export, tmp_path, monkeypatch):
    from converter import convert as conv

    out = tmp_path / "models_site"
    out.mkdir()
    (out / "manifest.json").write_text('{"old": true}')
    before = tree(out)
    x = np.zeros((30, 28, 28), np.uint8)
    y = np.arange(30) % 10
    # over the budget: refused after staging, before the swap
    monkeypatch.setattr(conv, "_convert_part", _fake_part(400_000))
    with pytest.raises(conv.ConversionError, match="over the budget"):
        conv.convert(export["models"], out, test_images=x, test_labels=y, eval_digits=10)
    assert tree(out) == before
    # interrupted half-way (any exception, Ctrl-C included)
    def boom(*args, **kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr(conv, "_convert_part", boom)
    with pytest.raises(KeyboardInterrupt):
        conv.convert(export["models"], out, test_images=x, test_labels=y, eval_digits=10)
    assert tree(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["models_site"]
    # a successful run swaps the new folder in whole
    monkeypatch.setattr(conv, "_convert_part", _fake_part(10))
    conv.convert(export["models"], out, test_images=x, test_labels=y, eval_digits=10)
    assert "manifest.json" in tree(out) and "talk_encoder/model.json" in tree(out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["models_site"]


def test_a_model_loaded_on_first_use_must_fit_its_budget(export, tmp_path, monkeypatch):
    from converter import convert as conv

    fake = _fake_part(10)

    def big_lowrate(part, folder, staging, tmp, images, manifest, log):
        fake(part, folder, staging, tmp, images, manifest, log)
        if part == "lowrate":
            manifest["lowrate"] = {"lazy_bytes": conv.LAZY_BUDGET_BYTES + 1}

    monkeypatch.setattr(conv, "_convert_part", big_lowrate)
    out = tmp_path / "out"
    with pytest.raises(conv.ConversionError, match=f"lowrate: .* over the {conv.LAZY_BUDGET_BYTES}"):
        conv.convert(export["models"], out, test_images=np.zeros((30, 28, 28), np.uint8),
                     test_labels=np.arange(30) % 10, eval_digits=10)
    assert not out.exists()


def test_models_that_change_during_conversion_are_refused(export, tmp_path, monkeypatch):
    from converter import convert as conv

    models = tmp_path / "models"
    shutil.copytree(export["models"], models)
    fake = _fake_part(10)

    def retrained_meanwhile(part, folder, *args):
        fake(part, folder, *args)
        if part == "codec":
            (folder / "codec.json").write_text((folder / "codec.json").read_text() + " ")

    monkeypatch.setattr(conv, "_convert_part", retrained_meanwhile)
    out = tmp_path / "out"
    with pytest.raises(conv.ConversionError, match="changed during the conversion"):
        conv.convert(models, out, test_images=np.zeros((30, 28, 28), np.uint8), test_labels=np.arange(30) % 10)
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["models"]


def test_recover_finishes_or_rolls_back_a_cut_swap(tmp_path):
    from converter.convert import recover

    out = tmp_path / "models"
    old, staging = tmp_path / ".models.old", tmp_path / ".models.staging"
    old.mkdir()
    (old / "manifest.json").write_text("old")
    staging.mkdir()  # cut between the two renames: out is gone, old and staging remain
    recover(out)
    assert (out / "manifest.json").read_text() == "old" and not old.exists() and not staging.exists()
    old.mkdir()  # cut after the swap, before the clean-up
    recover(out)
    assert (out / "manifest.json").read_text() == "old" and not old.exists()


def test_cli_reports_missing_models_in_one_line(tmp_path):
    env = {**os.environ, "MNIST_DIR": os.environ.get("MNIST_DIR") or str(ROOT.parent / "shared" / "datasets" / "mnist")}
    proc = subprocess.run([sys.executable, "-m", "converter", "--models-dir", str(tmp_path / "none"),
                           "--out", str(tmp_path / "out")], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 1
    assert "no trained models" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "out").exists()
