"""Seconds per training epoch of the codec and the low-rate network on this machine,
for one Keras backend and compile setting (issue 24: which runs `make train` fastest).

    KERAS_BACKEND=tensorflow python tools/train_speed.py [--jit] [--spe 1] [--digits 12800] [--batch 128]
    KERAS_BACKEND=jax        python tools/train_speed.py [--spe 16]

Fits one warm-up epoch (compilation), then one timed epoch on ``--digits`` training
digits, and prints the time scaled to the 60,000-digit epoch.
"""
import argparse
import time

import keras
import numpy as np

from aec.pixels import to_float
from training import data
from training.codec_model import build_codec
from training.lowrate_model import build_lowrate

p = argparse.ArgumentParser()
p.add_argument("--jit", action="store_true", help="TensorFlow: XLA (Keras turns it off on a CPU-only machine)")
p.add_argument("--spe", type=int, default=1, help="steps per execution")
p.add_argument("--digits", type=int, default=12800)
p.add_argument("--batch", type=int, default=128)
p.add_argument("--models", default="codec,lowrate")
a = p.parse_args()
(x, _), _ = data.load_mnist()
xf = to_float(x[:a.digits])
for name in a.models.split(","):
    model = build_codec()[1] if name == "codec" else build_lowrate()[1]
    if a.jit or a.spe != 1:
        model.compile(optimizer=keras.optimizers.Adam(1e-3), jit_compile=True if a.jit else "auto",
                      steps_per_execution=a.spe)
    model.fit(xf, None, epochs=1, batch_size=a.batch, verbose=0)
    t0 = time.time()
    model.fit(xf, None, epochs=1, batch_size=a.batch, verbose=0)
    s = time.time() - t0
    print(f"{name}: backend {keras.backend.backend()} jit={a.jit} spe={a.spe} batch={a.batch}: "
          f"{s:.1f} s for {a.digits} digits = {s * 60000 / a.digits:.1f} s per 60k epoch", flush=True)
