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
from aec.pixels import to_float, to_symbols

ROOT = Path(__file__).resolve().parents[1]
MNIST_DIR = os.environ.get("MNIST_DIR") or str(ROOT.parent / "shared" / "datasets" / "mnist")
LAMBDAS = (24.0, 96.0, 384.0)  # three quality levels: ids 1..3
LOWRATE_LAMBDAS = (8.0, 96.0)  # the low-rate network's two: ids 8, 9 (loaded on first use)
LOWRATE_FIRST_ID = 8
MODEL_IDS = [0, *range(1, len(LAMBDAS) + 1), *range(LOWRATE_FIRST_ID, LOWRATE_FIRST_ID + len(LOWRATE_LAMBDAS))]
EVAL_DIGITS = 200

_cache: dict = {}


def mnist_test():
    from training.data import load_mnist

    _, (x_test, y_test) = load_mnist(MNIST_DIR)
    return x_test, y_test


def write_tiny_models(folder: Path, images) -> Path:
    """Random-init talk, codec and lowrate models, saved the way training/train.py saves them."""
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
    write_config(talk, {"model_id": 0, "latent_scale": scale, "latent_shape": [4, 4, 8], "latent_bits": 8})
    parts = CodecParts(LAMBDAS)
    codec = folder / "codec"
    codec.mkdir()
    parts.encoder.save(codec / "encoder.keras")
    parts.decoder.save(codec / "decoder.keras")
    # Cluster tables as training makes them (few clusters, few digits), so the
    # converter and the JS twin meet the real table layout.
    from training.entropy_model import fit_cluster_tables

    tables = {}
    for level in range(len(LAMBDAS)):
        z = parts.encoder.predict([to_float(images[:500]), level_input(level + 1, len(LAMBDAS), 500)], verbose=0)
        symbols = to_symbols(z)
        base = parts.prior.coding_tables(level)
        tables[str(level + 1)] = fit_cluster_tables(symbols, base, clusters=4, iterations=2).to_json()
    write_config(codec, {"levels": len(LAMBDAS), "lambdas": list(LAMBDAS), "latent_shape": [4, 4, 16],
                         "tables": tables}, compact=True)
    from training.lowrate_model import LowRateParts

    low = LowRateParts(LOWRATE_LAMBDAS)
    lowrate = folder / "lowrate"
    lowrate.mkdir()
    low.encoder.save(lowrate / "encoder.keras")
    low.decoder.save(lowrate / "decoder.keras")
    tables = {}
    for level in range(len(LOWRATE_LAMBDAS)):
        onehot = level_input(level + 1, len(LOWRATE_LAMBDAS), 500)
        symbols = to_symbols(low.encoder.predict([to_float(images[:500]), onehot], verbose=0))
        tables[str(level + 1)] = fit_cluster_tables(symbols, low.prior.coding_tables(level), clusters=4,
                                                    iterations=2).to_json()
    write_config(lowrate, {"levels": len(LOWRATE_LAMBDAS), "lambdas": list(LOWRATE_LAMBDAS),
                           "latent_shape": list(low.latent_shape), "first_model_id": LOWRATE_FIRST_ID,
                           "tables": tables}, compact=True)
    return folder


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
