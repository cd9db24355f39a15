"""The encoder's rate-distortion search (aec/search.py), on the shipped runtime
models (aec/models, LiteRT): it must lower bits + lambda * SSE for every digit, its
estimates must use the exact table costs, and its files must decode like any other.
The decoder's gradient is the exported one, checked against finite differences and
against Keras (TensorFlow and JAX, training/networks.py)."""

from pathlib import Path

import numpy as np
import pytest

from tests.tiny_models import mnist_test
from aec.codec import Codecs
from aec.pixels import to_float
from aec.search import Search
from aec.tables import COST_BITS

LEVEL = 2
DIGITS = 64


@pytest.fixture(scope="module")
def setup():
    codecs = Codecs.load(Path(__file__).resolve().parents[1] / "aec" / "models")
    x_test, _ = mnist_test()
    codec = codecs.codec_for(LEVEL)  # the codec's model id 2 (the low-rate network's are 8..)
    return codec, Search(codec), x_test[:DIGITS]


def _cost(codec, search, symbols, images):
    lam = codec.lambdas[LEVEL - 1]
    return search._score(symbols, LEVEL, to_float(images), lam)


def test_search_lowers_bits_plus_lambda_sse_for_every_digit(setup):
    codec, search, x = setup
    rounded = codec.encode_symbols(x, LEVEL)
    searched = search.symbols(x, LEVEL)
    before, after = _cost(codec, search, rounded, x), _cost(codec, search, searched, x)
    assert np.all(after <= before + 1e-6)
    assert np.mean(after < before) > 0.8  # plain rounding is rarely the best choice
    assert np.mean(before - after) > 0.02 * np.mean(before)


def test_searched_files_decode_to_better_digits(setup):
    from training import metrics

    codec, _, x = setup
    plain = codec.decompress_digits(codec.compress_digits(x, LEVEL))
    files = codec.compress_digits(x, LEVEL, search=True)
    searched = codec.decompress_digits(files)
    # What a decoder makes of the files is what the search aimed at.
    rows = codec.tables[LEVEL].choose(codec._search.symbols(x, LEVEL))
    assert np.array_equal(searched, codec.decode_rows(rows, LEVEL))
    assert metrics.mean_psnr(x, searched) > metrics.mean_psnr(x, plain) + 0.3


def test_step_bits_are_the_exact_change_in_code_length(setup):
    codec, search, x = setup
    tables = codec.tables[LEVEL]
    s = codec.encode_symbols(x[:8], LEVEL)
    rows = tables.choose(s)
    clusters = rows[:, 0]
    steps = search._step_bits(s, clusters, tables)
    base = tables.row_costs(rows)
    rng = np.random.default_rng(0)
    for b, e in zip(range(8), rng.integers(0, s.shape[1], 8)):
        for j, step in enumerate((-1, 1)):
            moved = s[b].copy()
            moved[e] += step
            t = tables.clusters[clusters[b]]
            k = moved[e] - t.offsets[e]
            if not 0 <= k < t.sizes[e]:
                assert steps[j, b, e] == np.inf
                continue
            row = rows[b].copy()
            row[1 + e] = k
            exact = (tables.row_costs(row[None])[0] - base[b]) / float(1 << COST_BITS)
            assert steps[j, b, e] == pytest.approx(exact, abs=1e-9)


def test_gradient_matches_finite_differences(setup):
    codec, _, x = setup
    s = codec.encode_symbols(x[:4], LEVEL).astype(np.float32).reshape((-1, *codec.latent_shape))
    onehot, target = codec.level_input(LEVEL, 4), to_float(x[:4])
    sse, grad = codec.decoder.sse_and_gradient(s, onehot, target)
    direction = np.random.default_rng(1).normal(size=s.shape).astype(np.float32)
    eps = 1e-2
    up, _ = codec.decoder.sse_and_gradient(s + eps * direction, onehot, target)
    down, _ = codec.decoder.sse_and_gradient(s - eps * direction, onehot, target)
    numeric = (up - down) / (2 * eps)
    analytic = (grad * direction).reshape(4, -1).sum(1)
    assert np.allclose(numeric, analytic, rtol=0.05, atol=0.05 * np.abs(analytic).max())
    assert sse.shape == (4,)


def test_no_digits(setup):
    _, search, x = setup
    assert search.symbols(x[:0], LEVEL).shape == (0, 256)


@pytest.mark.parametrize("backend", ["tensorflow", "jax"])
def test_keras_gives_the_exported_gradient(setup, tmp_path, backend):
    """Training's search (training/networks.py, on TensorFlow or on JAX, which the GPU
    machines have instead) and the LiteRT export's gradient agree."""
    import os
    import subprocess
    import sys

    codec, _, x = setup
    np.save(tmp_path / "x.npy", x[:4])
    script = (
        "import sys, numpy as np\n"
        "from aec.pixels import to_float\n"
        "from training.networks import keras_codec\n"
        "c = keras_codec('models/codec')\n"
        f"x = np.load(sys.argv[1]); s = c.encode_symbols(x, {LEVEL}).astype(np.float32).reshape(-1, 4, 4, 16)\n"
        f"sse, g = c.decoder.sse_and_gradient(s, c.level_input({LEVEL}, 4), to_float(x))\n"
        "np.save(sys.argv[2], np.concatenate([sse.ravel(), g.ravel()]))\n")
    r = subprocess.run([sys.executable, "-c", script, str(tmp_path / "x.npy"), str(tmp_path / "out.npy")],
                       env={**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"},
                       cwd=Path(__file__).resolve().parents[1], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    s = codec.encode_symbols(x[:4], LEVEL).astype(np.float32).reshape((-1, *codec.latent_shape))
    sse, grad = codec.decoder.sse_and_gradient(s, codec.level_input(LEVEL, 4), to_float(x[:4]))
    assert np.allclose(np.load(tmp_path / "out.npy"), np.concatenate([sse.ravel(), grad.ravel()]), atol=1e-3)


def test_the_symbols_do_not_depend_on_the_batch(setup):
    """Evaluation searches in larger batches than the command (aec/search.py's
    defaults keep it under 1 GB): its files must be the command's, byte for byte."""
    from training.evaluate import SEARCH_BATCH, SEARCH_DECODE_BATCH

    codec, search, x = setup
    default = search.symbols(x, LEVEL)
    for batch, decode_batch in ((17, 50), (DIGITS, 4096)):
        assert np.array_equal(Search(codec, batch=batch, decode_batch=decode_batch).symbols(x, LEVEL), default)
    wide = Search(codec, batch=SEARCH_BATCH, decode_batch=SEARCH_DECODE_BATCH)
    assert codec.compress_digits(x, LEVEL, search=wide) == codec.compress_digits(x, LEVEL, search=True)


def test_the_shipped_curvature_is_what_the_search_measures(setup):
    """The converter measures the curvature into curvature.npz; measuring it again gives the same,
    to float rounding: LiteRT's CPU kernels round differently on other processors (the
    encoder's search need not be bit-exact; the files' decoding is)."""
    codec, _, _ = setup
    assert set(codec.curvature) == set(codec.model_ids)
    fresh = Search(codec)
    codec_curvature, codec.curvature = codec.curvature, {}
    try:
        again, shipped = fresh.curvature(LEVEL), codec_curvature[LEVEL]
        assert again.shape == shipped.shape
        np.testing.assert_allclose(again, shipped, rtol=1e-3, atol=1e-7)
    finally:
        codec.curvature = codec_curvature
