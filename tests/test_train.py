"""Training stage: a tiny real run through the CLI, atomic artifacts, resume."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from aec import atomic

ROOT = Path(__file__).resolve().parents[1]
MNIST_DIR = os.environ.get("MNIST_DIR") or str(ROOT.parent / "shared" / "datasets" / "mnist")


def run_cli(*args, backend="tensorflow", timeout=600):
    env = {**os.environ, "KERAS_BACKEND": backend, "MNIST_DIR": MNIST_DIR}
    return subprocess.run([sys.executable, "-m", "training", *args], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=timeout)


@pytest.fixture(scope="module")
def talk_run(tmp_path_factory):
    """One epoch of the talk's network on 500 digits, through `python -m training train`."""
    out = tmp_path_factory.mktemp("talk")
    result = run_cli("train", "--model", "talk", "--epochs", "1", "--limit", "500",
                     "--models-dir", str(out / "models"), "--runs-dir", str(out / "runs"))
    assert result.returncode == 0, result.stdout + result.stderr
    return out, result


def test_one_epoch_writes_every_artifact(talk_run):
    out, result = talk_run
    folder = out / "models" / "talk"
    for name in ("encoder.keras", "decoder.keras", "codec.json", "history.json", "loss.png",
                 "reconstructions.png", "metrics.json"):
        assert (folder / name).stat().st_size > 0, name
    assert "training on: tensorflow on CPU" in result.stdout
    history = json.loads((folder / "history.json").read_text())
    assert len(history["loss"]) == len(history["val_loss"]) == 1
    metrics = json.loads((folder / "metrics.json").read_text())
    assert metrics["parameters"] == 4385 and metrics["test_digits"] == 500
    # Real bytes: a 6-bit header, 128 latents x 8 bits, then the file is cut to whole bytes.
    assert 120 <= metrics["bytes_per_digit"] <= 130
    assert metrics["compression_ratio_real_bytes"] == pytest.approx(784 / metrics["bytes_per_digit"])
    assert 5 < metrics["psnr_8bit_latents"] <= metrics["psnr_float_latents"] + 0.5
    assert not list((out / "models").glob("*.staging")) and not list((out / "models").glob("*.old"))


def test_split_models_reload_and_agree(talk_run):
    import keras

    from aec.pixels import to_float
    from training.data import load_mnist

    out, _ = talk_run
    encoder = keras.saving.load_model(out / "models" / "talk" / "encoder.keras")
    decoder = keras.saving.load_model(out / "models" / "talk" / "decoder.keras")
    _, (x_test, _) = load_mnist(MNIST_DIR)
    x = to_float(x_test[:8])
    assert decoder.predict(encoder.predict(x, verbose=0), verbose=0).shape == (8, 28, 28, 1)


def test_staged_folder_keeps_old_model_when_interrupted(tmp_path):
    folder = tmp_path / "talk"
    folder.mkdir()
    (folder / "encoder.keras").write_text("old")
    with pytest.raises(KeyboardInterrupt):
        with atomic.staged_folder(folder) as stage:
            (stage / "encoder.keras").write_text("half-writ")
            raise KeyboardInterrupt
    assert (folder / "encoder.keras").read_text() == "old"
    assert not (tmp_path / "talk.staging").exists()
    with atomic.staged_folder(folder) as stage:
        (stage / "encoder.keras").write_text("new")
    assert (folder / "encoder.keras").read_text() == "new"


def test_recover_finishes_a_cut_swap(tmp_path):
    """Interrupted between the two renames: the old folder comes back."""
    old = tmp_path / "talk.old"
    old.mkdir()
    (old / "encoder.keras").write_text("old")
    atomic.recover(tmp_path / "talk")
    assert (tmp_path / "talk" / "encoder.keras").read_text() == "old"


def test_atomic_file_write_leaves_no_partial_file(tmp_path):
    target = tmp_path / "metrics.json"
    atomic.write_json(target, {"a": 1})
    with pytest.raises(RuntimeError):
        with atomic.atomic_path(target) as tmp:
            tmp.write_text("{half")
            raise RuntimeError("killed")
    assert json.loads(target.read_text()) == {"a": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["metrics.json"]


class StopAtEpoch(Exception):
    pass


def test_resume_continues_from_last_checkpoint(tmp_path):
    import keras

    from training import train
    from training.talk_model import build_talk_autoencoder

    keras.utils.set_random_seed(0)
    x = np.random.default_rng(0).random((64, 28, 28, 1), dtype=np.float32)

    class Interrupt(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            if epoch == 1:
                raise StopAtEpoch

    with pytest.raises(StopAtEpoch):
        train._fit("talk", build_talk_autoencoder, x, x, y_train=x, y_val=x, plan={"epochs": 3, "batch_size": 32},
                   runs_dir=tmp_path, resume=False, extra_callbacks=[Interrupt()], verbose=0)
    state = json.loads((tmp_path / "talk" / "state.json").read_text())
    assert state["epoch"] == 1 and len(state["history"]["loss"]) == 1
    model, history, _ = train._fit("talk", build_talk_autoencoder, x, x, y_train=x, y_val=x, plan={"epochs": 3, "batch_size": 32},
                                   runs_dir=tmp_path, resume=True, verbose=0)
    assert len(history["loss"]) == 3
    assert history["loss"][0] == state["history"]["loss"][0]
    # 3 epochs x 2 batches in all: the optimizer state came back from the checkpoint.
    assert int(keras.ops.convert_to_numpy(model.optimizer.iterations)) == 6


def test_seed_makes_runs_reproducible(tmp_path):
    import keras

    from training.talk_model import build_talk_autoencoder

    x = np.random.default_rng(1).random((32, 28, 28, 1), dtype=np.float32)
    weights = []
    for _ in range(2):
        keras.utils.set_random_seed(7)
        model = build_talk_autoencoder()
        model.fit(x, x, epochs=1, batch_size=16, verbose=0, shuffle=True)
        weights.append(model.get_weights()[0])
    np.testing.assert_array_equal(weights[0], weights[1])


def test_jax_backend_trains_the_same_code(tmp_path):
    """The GPU machines have JAX but no TensorFlow: the same code must train there."""
    result = run_cli("train", "--model", "talk", "--epochs", "1", "--limit", "200",
                     "--models-dir", str(tmp_path / "models"), "--runs-dir", str(tmp_path / "runs"),
                     backend="jax")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "training on: jax on CPU" in result.stdout
    assert (tmp_path / "models" / "talk" / "decoder.keras").exists()


def test_codec_one_epoch_ships_seven_levels(tmp_path):
    """The learned codec's training path: ten lambdas trained, seven shipped with
    their integer tables, and every shipped level measured in real bytes."""
    result = run_cli("train", "--model", "codec", "--epochs", "1", "--limit", "300",
                     "--models-dir", str(tmp_path / "models"), "--runs-dir", str(tmp_path / "runs"))
    assert result.returncode == 0, result.stdout + result.stderr
    folder = tmp_path / "models" / "codec"
    config = json.loads((folder / "codec.json").read_text())
    assert config["levels"] == 7 and sorted(config["tables"]) == [str(i) for i in range(1, 8)]
    assert config["latent_shape"] == [4, 4, 16]
    metrics = json.loads((folder / "metrics.json").read_text())
    assert [row["level"] for row in metrics["levels"]] == list(range(1, 8))
    assert len(metrics["trained_levels"]) == 10 and len(metrics["shipped_trained_levels"]) == 7
    assert all(row["bytes_per_digit"] >= 1 for row in metrics["levels"])
    for name in ("encoder.keras", "decoder.keras", "loss.png", "reconstructions.png", "history.json"):
        assert (folder / name).stat().st_size > 0
    # every level got cluster tables (cluster 0 = the prior's own tables)
    from aec.tables import TableSet

    sets = {level: TableSet.from_json(t) for level, t in config["tables"].items()}
    assert all(len(t) >= 2 for t in sets.values())

    # `--model codec-tables` refits only the tables: networks untouched, same tables for the same digits
    before = {name: (folder / name).read_bytes() for name in ("encoder.keras", "decoder.keras", "codec.json")}
    result = run_cli("train", "--model", "codec-tables", "--limit", "300", "--models-dir", str(tmp_path / "models"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "cluster" in result.stdout
    for name, data in before.items():
        assert (folder / name).read_bytes() == data, name  # deterministic (seeded) and copied as is


@pytest.mark.parametrize("folder", ["lowrate", "mid"])
def test_a_global_latent_network_ships_every_level_at_its_own_ids(tmp_path, folder):
    """`train --model lowrate|mid` (one epoch): every trained level shipped, as the file model ids
    FIRST_MODEL_ID[folder].. (codec.json's first_model_id, from aec/levels.py), with cluster
    tables, measured in real bytes."""
    from aec.levels import FIRST_MODEL_ID
    from training.lowrate_model import NETWORKS
    from training.networks import keras_codecs

    net = NETWORKS[folder]
    models = tmp_path / "models"
    result = run_cli("train", "--model", folder, "--epochs", "1", "--limit", "300",
                     "--models-dir", str(models), "--runs-dir", str(tmp_path / "runs"))
    assert result.returncode == 0, result.stdout + result.stderr
    config = json.loads((models / folder / "codec.json").read_text())
    L = len(net.lambdas)
    assert config["first_model_id"] == FIRST_MODEL_ID[folder] and config["latent_shape"] == [net.latents]
    assert config["lambdas"] == list(net.lambdas) and sorted(config["tables"]) == [str(i) for i in range(1, L + 1)]
    metrics = json.loads((models / folder / "metrics.json").read_text())
    assert [row["level"] for row in metrics["levels"]] == list(range(1, L + 1))
    assert all(row["bytes_per_digit"] >= 1 for row in metrics["levels"])
    assert f"[{folder}] level 1:" in result.stdout
    # beside the shipped talk's network and codec: its levels are its own model ids
    for name in ("talk", "codec"):
        (models / name).symlink_to(ROOT / "models" / name)
    codecs = keras_codecs(models)
    ids = tuple(range(FIRST_MODEL_ID[folder], FIRST_MODEL_ID[folder] + L))
    assert codecs.learned_codecs[0].model_ids == ids and codecs.folder_of(ids[0]) == folder


DATA_PARALLEL = """
import json, sys
import numpy as np, keras
from training import train
from training.talk_model import build_talk_autoencoder
x = np.random.default_rng(0).random((301, 28, 28, 1)).astype("float32")
# 257 training digits: the last batch of 64 holds one, which cannot split over two devices unless trimmed
model, history, _ = train._fit("talk", build_talk_autoencoder, x[:257], x[257:], y_train=x[:257], y_val=x[257:],
                               plan={"epochs": 1, "batch_size": 64}, runs_dir=sys.argv[1], resume=False, verbose=0)
d = keras.distribution.distribution()
print(json.dumps({"distribution": type(d).__name__, "mesh": list(d.device_mesh.devices.shape),
                  "weight_devices": len(model.weights[0].value.sharding.device_set), "loss": history["loss"]}))
"""


def test_training_is_data_parallel_over_every_device(tmp_path):
    """Two virtual CPU devices under JAX: the weights live on both, each batch is
    split between them (one epoch of the talk's network on 257 digits: ~35 s here)."""
    env = {**os.environ, "KERAS_BACKEND": "jax", "XLA_FLAGS": "--xla_force_host_platform_device_count=2",
           "TF_CPP_MIN_LOG_LEVEL": "3"}
    r = subprocess.run([sys.executable, "-c", DATA_PARALLEL, str(tmp_path)], capture_output=True, text=True,
                       cwd=ROOT, env=env, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "data parallel on 2 devices: cpu:0, cpu:1" in r.stdout
    result = json.loads(r.stdout.strip().splitlines()[-1])
    assert result["distribution"] == "DataParallel" and result["mesh"] == [2] and result["weight_devices"] == 2
    assert len(result["loss"]) == 1 and np.isfinite(result["loss"][0])


def test_tensorflow_trains_on_one_device_without_a_distribution():
    import keras

    from training import train

    assert keras.backend.backend() == "tensorflow"
    assert train.use_every_device() == 1 and keras.distribution.distribution() is None
