"""Train one low-rate codec variant (training/lowrate_model.py) and measure it the
way the targets of issue 14 are measured: real file bytes (header, cluster and
termination included; cluster tables fitted on 20,000 training digits) and the
mean per-digit PSNR on the MNIST test digits, for the one-pass encoder and,
on the first --search-digits test digits, for aec/search.py's search.

    MNIST_DIR=../shared/datasets/mnist .venv/bin/python tools/lowrate_probe.py --name cnn24 --epochs 30

Writes runs/lowrate/<name>.json (and the two networks beside it); the log of
what was tried is notes/lowrate-experiments.md. An experiment, not a shipped
model: `make train` does not run it.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

import keras
import numpy as np

from aec import atomic
from aec.codec import LearnedCodec
from aec.pixels import round_half_up, to_float
from training import data, metrics
from training.entropy_model import fit_cluster_tables
from training.lowrate_model import FILTERS, LATENTS, build_lowrate, round_to_float16
from training.networks import KerasDecoder

TABLE_DIGITS = 20_000


def measure(codec, images, levels, search_digits):
    """Per level: one-pass bytes and PSNR on ``images``; searched on the first ``search_digits``."""
    out = []
    for level in levels:
        row = {"level": level, "lambda": codec.lambdas[level - 1]}
        for key, x, search in (("one_pass", images, False), ("search", images[:search_digits], True)):
            if len(x) == 0:
                continue
            files = codec.compress_digits(x, level, search=search)
            psnr = metrics.psnr(x, codec.decompress_digits(files))
            row[key] = {"digits": len(x), "bytes": float(np.mean([len(f) for f in files])), "psnr": float(psnr.mean())}
        out.append(row)
        print(json.dumps(row), flush=True)
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--name", required=True)
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--latents", type=int, default=LATENTS)
    p.add_argument("--filters", type=int, default=FILTERS)
    p.add_argument("--dense-channels", type=int, default=None, help="the decoder's 7x7 channels (default: 2 x filters)")
    p.add_argument("--float16-weights", action="store_true",
                   help="round every weight to a float16 value after training (round_to_float16)")
    p.add_argument("--lambdas", default="8,16,32,64")
    p.add_argument("--limit", type=int, default=0, help="train on the first N training digits (0: all)")
    p.add_argument("--test-digits", type=int, default=10_000)
    p.add_argument("--search-digits", type=int, default=300)
    p.add_argument("--out", default="runs/lowrate")
    a = p.parse_args(argv)

    (x_train, _), (x_test, _) = data.load_mnist()
    x_train = x_train[:a.limit or None]
    x_test = x_test[:a.test_digits]
    lambdas = [float(v) for v in a.lambdas.split(",")]
    parts, trainer = build_lowrate(lambdas, a.latents, a.filters, dense_channels=a.dense_channels)
    steps = math.ceil(len(x_train) / 128)

    class Cosine(keras.callbacks.Callback):  # as train.Schedule: 1e-3 down to 1e-5
        def on_train_batch_begin(self, batch, logs=None):
            t = min(1.0, int(keras.ops.convert_to_numpy(self.model.optimizer.iterations)) / (a.epochs * steps))
            self.model.optimizer.learning_rate = 1e-3 * (0.01 + 0.99 * 0.5 * (1 + math.cos(math.pi * t)))

    start = time.time()
    history = trainer.fit(to_float(x_train), epochs=a.epochs, batch_size=128, callbacks=[Cosine()], verbose=2)
    seconds = time.time() - start
    if a.float16_weights:
        round_to_float16(parts.encoder, parts.decoder)

    tables = {}
    xf = to_float(x_train[:TABLE_DIGITS])
    for level in range(1, len(lambdas) + 1):
        onehot = np.eye(len(lambdas), dtype=np.float32)[[level - 1] * len(xf)]
        z = round_half_up(parts.encoder.predict([xf, onehot], batch_size=256, verbose=0)).astype(np.int64)
        tables[level] = fit_cluster_tables(z, parts.prior.coding_tables(level - 1))
    codec = LearnedCodec(parts.encoder, KerasDecoder(parts.decoder), tables, parts.latent_shape, lambdas=lambdas)
    result = {"name": a.name, "args": vars(a), "train_seconds": round(seconds),
              "parameters": {"encoder": parts.encoder.count_params(), "decoder": parts.decoder.count_params()},
              "history": {k: [round(float(v), 3) for v in vs] for k, vs in history.history.items()},
              "levels": measure(codec, x_test, range(1, len(lambdas) + 1), a.search_digits)}
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    atomic.write_json(out / f"{a.name}.json", result)
    parts.encoder.save(out / f"{a.name}_encoder.keras")
    parts.decoder.save(out / f"{a.name}_decoder.keras")


if __name__ == "__main__":
    main()
