"""The low-rate codec's dense latents go through the shipped codec unchanged:
LearnedCodec, the file format and the search code latents of shape (D,)."""

import importlib.util
from pathlib import Path

import numpy as np

from aec.codec import LearnedCodec
from aec.pixels import round_half_up, to_float
from training.entropy_model import fit_cluster_tables
from training.lowrate_model import build_lowrate
from training.networks import KerasDecoder


def _tiny_codec():
    rng = np.random.default_rng(0)
    images = (rng.random((64, 28, 28)) ** 4 * 255).astype(np.uint8)
    lambdas = (8.0, 64.0)
    parts, trainer = build_lowrate(lambdas, latents=6, filters=4)
    trainer.fit(to_float(images), epochs=1, batch_size=32, verbose=0)
    tables = {}
    for level in (1, 2):
        onehot = np.eye(2, dtype=np.float32)[[level - 1] * len(images)]
        z = round_half_up(parts.encoder.predict([to_float(images), onehot], verbose=0)).astype(np.int64)
        tables[level] = fit_cluster_tables(z, parts.prior.coding_tables(level - 1), clusters=4)
    return LearnedCodec(parts.encoder, KerasDecoder(parts.decoder), tables, parts.latent_shape, lambdas=lambdas), images


def test_dense_latents_round_trip_through_files_and_search():
    codec, images = _tiny_codec()
    assert codec.latent_shape == (6,)
    x = images[:8]
    for level in (1, 2):
        rows = codec.encode_rows(x, level)
        files = codec.compress_digits(x, level)
        assert all(f[0] >> 6 == 0b10 and (f[0] >> 3) & 7 == level for f in files)  # v2 header, model id = level
        np.testing.assert_array_equal(codec.decompress_digits(files), codec.decode_rows(rows, level))
        searched = codec.compress_digits(x, level, search=True)
        out = codec.decompress_digits(searched)
        assert out.shape == (8, 28, 28) and out.dtype == np.uint8


def test_probe_measures_real_bytes():
    path = Path(__file__).resolve().parent.parent / "tools" / "lowrate_probe.py"
    spec = importlib.util.spec_from_file_location("lowrate_probe", path)
    probe = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(probe)
    measure = probe.measure
    codec, images = _tiny_codec()
    rows = measure(codec, images[:6], [1, 2], search_digits=2)
    assert [r["level"] for r in rows] == [1, 2]
    for r in rows:
        assert r["one_pass"]["digits"] == 6 and r["search"]["digits"] == 2
        assert r["one_pass"]["bytes"] >= 1 and 0 < r["one_pass"]["psnr"] <= 100


def test_round_to_float16_leaves_weights_a_float16_export_keeps_exactly():
    """The mid-rate network's weights are float16 values (NETWORKS["mid"].float16_weights), so
    its float16 TF.js export holds the very weights the package runs: the same symbols."""
    from training.lowrate_model import NETWORKS, round_to_float16

    assert NETWORKS["mid"].float16_weights and not NETWORKS["lowrate"].float16_weights
    parts, trainer = build_lowrate((8.0, 64.0), latents=6, filters=4, dense_channels=3)
    assert parts.decoder.get_layer("synthesis").layers[0].units == 7 * 7 * 3
    before = [np.asarray(w.numpy()) for w in parts.encoder.weights]
    assert any(not np.array_equal(v, v.astype(np.float16).astype(np.float32)) for v in before)
    round_to_float16(parts.encoder, parts.decoder)
    for w, old in zip(parts.encoder.weights + parts.decoder.weights, before):
        v = np.asarray(w.numpy())
        assert v.dtype == np.float32 and np.array_equal(v, v.astype(np.float16).astype(np.float32)), w.path
    for w, old in zip(parts.encoder.weights, before):
        np.testing.assert_allclose(np.asarray(w.numpy()), old, rtol=1e-3, atol=1e-4)
