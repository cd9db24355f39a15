"""Untrained models in the models/ layout, converted once per test session.

The converter and the JS twin must work for any weights, so their tests use
random-init networks of the real architectures (no training: seconds, not
minutes) and the MNIST test set (``MNIST_DIR``, else ../shared/datasets/mnist).
Shared by tests/test_converter.py and tests/test_models_browser.py through a
module-level cache, so the conversion runs once however many modules use it.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from aec.codec import level_input, write_config
from aec.levels import FIRST_MODEL_ID
from aec.pixels import TALK_LATENT_BITS, to_float, to_symbols

ROOT = Path(__file__).resolve().parents[1]
MNIST_DIR = os.environ.get("MNIST_DIR") or str(ROOT.parent / "shared" / "datasets" / "mnist")
LAMBDAS = (24.0, 96.0, 384.0)  # three quality levels: ids 1..3
LOWRATE_LAMBDAS = (8.0, 96.0)  # the low-rate network's two: ids 8, 9 (loaded on first use)
LOWRATE_FIRST_ID = FIRST_MODEL_ID["lowrate"]
MID_LAMBDAS = (96.0, 192.0)  # the mid-rate network's: ids 12, 13 (the default level's network: loaded with the page)
MID_FIRST_ID = FIRST_MODEL_ID["mid"]
MODEL_IDS = [0, *range(1, len(LAMBDAS) + 1), *range(LOWRATE_FIRST_ID, LOWRATE_FIRST_ID + len(LOWRATE_LAMBDAS)),
             *range(MID_FIRST_ID, MID_FIRST_ID + len(MID_LAMBDAS))]
EVAL_DIGITS = 200

_cache: dict = {}


def mnist_test():
    from training.data import load_mnist

    _, (x_test, y_test) = load_mnist(MNIST_DIR)
    return x_test, y_test


def write_tiny_models(folder: Path, images) -> Path:
    """Random-init talk, codec, lowrate and mid models, saved the way training/train.py saves them."""
    import keras

    from training.codec_model import CodecParts
    from training.talk_model import build_talk_autoencoder, latent_scale, split

    keras.utils.set_random_seed(0)
    talk = folder / "talk"
    talk.mkdir(parents=True)
    encoder, decoder = split(build_talk_autoencoder())
    encoder.save(talk / "encoder.keras")
    decoder.save(talk / "decoder.keras")
    scale = max(latent_scale(encoder.predict(to_float(images[:500]), verbose=0)), 1e-3)
    write_config(talk, {"model_id": 0, "latent_scale": scale, "latent_shape": [4, 4, 8],
                        "latent_bits": TALK_LATENT_BITS})
    from training.lowrate_model import NETWORKS, LowRateParts

    _write_learned(folder / "codec", CodecParts(LAMBDAS), images, {})
    _write_learned(folder / "lowrate", LowRateParts(LOWRATE_LAMBDAS), images, {"first_model_id": LOWRATE_FIRST_ID})
    mid = NETWORKS["mid"]
    _write_learned(folder / "mid", LowRateParts(MID_LAMBDAS, mid.latents, mid.filters, mid.dense_channels, name="mid"),
                   images, {"first_model_id": MID_FIRST_ID})
    return folder


def _write_learned(folder: Path, parts, images, extra: dict) -> None:
    """A random-init learned model folder (codec or global-latent parts) with cluster tables as
    training makes them (few clusters, few digits), so the converter and the JS twin
    meet the real table layout."""
    from training.entropy_model import fit_cluster_tables

    folder.mkdir()
    parts.encoder.save(folder / "encoder.keras")
    parts.decoder.save(folder / "decoder.keras")
    L, tables = len(parts.lambdas), {}
    for level in range(L):
        z = parts.encoder.predict([to_float(images[:500]), level_input(level + 1, L, 500)], verbose=0)
        tables[str(level + 1)] = fit_cluster_tables(to_symbols(z), parts.prior.coding_tables(level), clusters=4,
                                                    iterations=2).to_json()
    write_config(folder, {"levels": L, "lambdas": list(parts.lambdas), "latent_shape": list(parts.latent_shape),
                          **extra, "tables": tables}, compact=True)


def tiny_export(base: Path) -> dict:
    """Tiny models -> ``python -m converter``'s work in ``base``; cached for the session.

    Returns {"models", "site_models", "vectors": Paths, "manifest": dict, "log": [lines]}.
    """
    if "export" not in _cache:
        from converter.convert import convert
        from tests.vectors.model_vectors import write_vectors

        x_test, y_test = mnist_test()
        base.mkdir(parents=True, exist_ok=True)
        models = write_tiny_models(base / "models", x_test)
        log: list = []
        manifest = convert(models, base / "site_models", test_images=x_test, test_labels=y_test,
                           eval_digits=EVAL_DIGITS, log=log.append)
        write_vectors(models, base / "site_models", base / "vectors", x_test, y_test)
        _cache["export"] = {"models": models, "site_models": base / "site_models", "vectors": base / "vectors",
                            "manifest": manifest, "log": log}
    return _cache["export"]


def max_abs(a, b) -> float:
    return float(np.max(np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64))))
