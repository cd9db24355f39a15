"""`make bench`: Python encode and decode throughput, batched, on this machine.

Encode = networks + rounding + arithmetic coding into one file per digit (the
one-pass encoder, the browser's); decode = parsing + arithmetic decoding (with
the canonical re-encode check) + networks. The rate-distortion search
(``aec compress``'s default, aec/search.py) is timed on the first 1,000 digits,
beside the one-pass encoder on the same digits, with what it gains. Prints
tables; it is a measurement, not a test.
"""

from __future__ import annotations

import os
import time

import numpy as np

TARGET = 5000  # digits per second, each way, on 2 CPU cores (the target)


def _best_of(fn, repeats):
    best, out = float("inf"), None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main(data_dir=None, codecs_dir="aec/models", digits=10000, repeats=3, search_digits=1000):
    from aec.codec import Codecs
    from training.data import load_mnist

    _, (x_test, _) = load_mnist(data_dir)
    x = x_test[:digits]
    codecs = Codecs.load(codecs_dir)
    print(f"{len(x)} MNIST test digits, batched; {os.cpu_count()} CPU cores; best of {repeats}")
    print(f"{'model':8s} {'bytes':>7s} {'encode/s':>10s} {'decode/s':>10s} {'coder enc/s':>12s} "
          f"{'coder dec/s':>12s}  target >= {TARGET}/s")
    from aec import format as fmt
    from training import metrics

    searched = []
    for model_id in (0, *codecs.scale_ids):  # the talk's network and the quality scale
        codec = codecs.codec_for(model_id)
        codec.compress_digits(x[:256], model_id)  # warm-up
        t_enc, files = _best_of(lambda: codec.compress_digits(x, model_id), repeats)
        t_dec, _ = _best_of(lambda: codec.decompress_digits(files), repeats)
        indices = codec.encode_rows(x, model_id)
        t_cenc, _ = _best_of(lambda: fmt.encode_digits(model_id, indices, codecs.tables[model_id], codecs.prior), repeats)
        t_cdec, _ = _best_of(lambda: fmt.decode_digits(files, codecs.tables, prior=codecs.prior), repeats)
        name = "talk" if model_id == 0 else f"level {model_id}"
        enc, dec = len(x) / t_enc, len(x) / t_dec
        flag = "ok" if min(enc, dec) >= TARGET else "below target"
        print(f"{name:8s} {np.mean([len(f) for f in files]):7.1f} {enc:10.0f} {dec:10.0f} "
              f"{len(x) / t_cenc:12.0f} {len(x) / t_cdec:12.0f}  {flag}", flush=True)
        if model_id:
            few = x[:search_digits]
            t_plain, plain = _best_of(lambda: codec.compress_digits(few, model_id), repeats)
            codec.compress_digits(few[:8], model_id, search=True)  # warm-up
            t_found, found = _best_of(lambda: codec.compress_digits(few, model_id, search=True), 1)
            searched.append((name, len(few) / t_plain, len(few) / t_found, *(
                (np.mean([len(f) for f in fs]), metrics.mean_psnr(few, codec.decompress_digits(fs))) for fs in (plain, found))))
    print(f"\nthe one-pass encoder (--one-pass, the browser's) and the searched one (aec compress's default), "
          f"{search_digits} digits, batched:")
    print(f"{'model':8s} {'one-pass/s':>11s} {'searched/s':>11s} {'slower':>7s} {'one-pass':>18s} {'searched':>18s}")
    for name, rate0, rate1, (b0, p0), (b1, p1) in searched:
        print(f"{name:8s} {rate0:11.0f} {rate1:11.1f} {rate0 / rate1:6.0f}x {b0:8.1f} B {p0:6.2f} dB {b1:8.1f} B {p1:6.2f} dB")
    from training import bench_cli

    bench_cli.main(x_test[0])
