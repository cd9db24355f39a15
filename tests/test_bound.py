"""The estimated limit (training/bound.py, training/bound_report.py): the reported
bits are the KL from posterior to prior, measured as the mean of
log2 q(z|x) - log2 p(z) over posterior samples (in the spirit of TensorFlow
Compression's test_information_bounds), and the reports never call an estimate
that lies above our codec a limit."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from aec.pixels import to_float  # noqa: E402
from training import bound, bound_report  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SMALL = {"latents": 6, "filters": 4, "betas": (4.0, 32.0)}


def digits(n, seed=0):
    """Blurry strokes, enough to train a few steps on without MNIST."""
    rng = np.random.default_rng(seed)
    x = np.zeros((n, 28, 28), np.float64)
    for i in range(n):
        r, c = rng.integers(6, 22, 2)
        x[i, r - 5:r + 5, c - 1:c + 2] = 255
        x[i, r - 1:r + 2, c - 4:c + 4] = 180 * rng.random()
    return x.astype(np.uint8)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    keras.utils.set_random_seed(0)
    x = digits(384)
    entry = bound.train_bound(x[:256], x[256:], tmp_path_factory.mktemp("runs"), epochs=2, batch_size=64,
                              samples=4, verbose=0, components=3, **SMALL)
    trainer = keras.saving.load_model(tmp_path_factory.getbasetemp() / "runs0" / "bound" / "checkpoint.keras")
    return entry, trainer, x[256:]


def numpy_log_prior(trainer, z, level):
    """ln p(z) of the mixture, from the layer's weights with numpy alone."""
    p, k = trainer.prior, bound.PARAM_SCALE
    K, D = p.components, p.latents
    means = np.asarray(p.means.numpy(), np.float64)[level].reshape(K, D) * k
    log_scales = np.asarray(p.log_scales.numpy(), np.float64)[level].reshape(K, D) * k
    logits = np.asarray(p.logits.numpy(), np.float64)[level] * k
    log_w = logits - np.log(np.exp(logits - logits.max()).sum()) - logits.max()
    t = (z[:, None, :] - means) * np.exp(-log_scales)
    comp = (-0.5 * t ** 2 - log_scales - 0.5 * math.log(2 * math.pi)).sum(-1) + log_w
    m = comp.max(1, keepdims=True)
    return (m + np.log(np.exp(comp - m).sum(1, keepdims=True)))[:, 0]


def test_the_command_reports_every_beta(trained):
    entry, trainer, x = trained
    assert [r["beta_bits_per_db"] for r in entry["levels"]] == list(SMALL["betas"])
    for r in entry["levels"]:
        assert r["digits"] == len(x) and r["samples"] == 4
        assert r["kl_bits"] > 0 and r["kl_bytes"] == pytest.approx(r["kl_bits"] / 8)
        assert 0 < r["psnr"] < 60 and r["psnr_of_mean_mse"] <= r["psnr"] + 1e-9  # Jensen: log of a mean
    assert entry["latents"] == SMALL["latents"] and entry["epochs"] == 2
    json.dumps(entry)  # results.json takes it as it is
    # the checkpoint holds the trained weights: measured again, the same numbers
    again = bound.measure(trainer, x, samples=4, seed=0)
    assert [r["kl_bits"] for r in again] == pytest.approx([r["kl_bits"] for r in entry["levels"]], rel=1e-5)


def test_bits_are_the_kl_from_posterior_to_prior(trained):
    """Each sample's bits are log2 q(z|x) - log2 p(z) (recomputed here with numpy from
    the same samples); their mean over many samples is >= 0, as a KL is."""
    _, trainer, x = trained
    x = x[:32]
    for level in range(len(SMALL["betas"])):
        bits, psnr = bound.kl_samples(trainer, x, level, samples=200, seed=7)
        onehot = np.zeros((len(x), 2), np.float32)
        onehot[:, level] = 1
        mean, scale = (np.asarray(t, np.float64) for t in trainer.encoder([to_float(x), onehot]))
        rng = np.random.default_rng(7)
        expect = []
        for _ in range(200):
            z = (mean + scale * rng.standard_normal(mean.shape)).astype(np.float32).astype(np.float64)
            log_q = (-0.5 * ((z - mean) / scale) ** 2 - np.log(scale) - 0.5 * math.log(2 * math.pi)).sum(1)
            expect.append((log_q - numpy_log_prior(trainer, z, level)) / math.log(2))
        np.testing.assert_allclose(bits, np.stack(expect, 1), rtol=1e-4, atol=2e-3)
        per_digit, stderr = bits.mean(1), bits.std(1) / math.sqrt(bits.shape[1])
        assert np.all(per_digit > -3 * stderr - 1e-3), "a KL estimate below zero"
        assert psnr.shape == bits.shape


def test_with_one_gaussian_component_the_estimate_is_the_closed_form_kl():
    keras.utils.set_random_seed(1)
    trainer = bound.build_bound((8.0,), latents=5, filters=4, components=1)
    x = digits(16, seed=3)
    trainer.prior.means.assign(np.random.default_rng(0).normal(0, 0.05, (1, 5)).astype(np.float32))
    trainer.prior.log_scales.assign(np.full((1, 5), -0.05, np.float32))
    bits, _ = bound.kl_samples(trainer, x, 0, samples=1000, seed=0)  # the check allows 4 standard errors
    onehot = np.ones((len(x), 1), np.float32)
    mean, scale = (np.asarray(t, np.float64) for t in trainer.encoder([to_float(x), onehot]))
    m_p = np.asarray(trainer.prior.means.numpy(), np.float64)[0] * bound.PARAM_SCALE
    s_p = np.exp(np.asarray(trainer.prior.log_scales.numpy(), np.float64)[0] * bound.PARAM_SCALE)
    closed = (np.log(s_p / scale) + (scale ** 2 + (mean - m_p) ** 2) / (2 * s_p ** 2) - 0.5).sum(1) / math.log(2)
    stderr = bits.std(1) / math.sqrt(bits.shape[1])
    assert np.all(np.abs(bits.mean(1) - closed) < 4 * stderr + 1e-3), (bits.mean(1), closed)


def fake_result(bound_bits_at):
    """The committed results.json's levels with a bound whose bits are bound_bits_at(psnr)."""
    result = json.loads((ROOT / "site" / "results" / "results.json").read_text())
    result["bound"] = {"latents": 8, "components": 3, "epochs": 1, "levels": [
        {"beta_bits_per_db": b, "kl_bits": bound_bits_at(p), "kl_bits_stderr": 0.1, "kl_bytes": bound_bits_at(p) / 8,
         "psnr": p, "psnr_of_mean_mse": p - 1, "digits": 10000, "samples": 16}
        for b, p in ((4, 20.0), (16, 26.0), (64, 33.0))]}
    return result


def test_an_estimate_above_the_codec_is_not_called_a_limit():
    above = fake_result(lambda p: 1000.0)
    q = bound_report.quote(above)
    assert not q["below"] and "not yet below" in q["en"] and "nog niet onder" in q["nl"]
    assert all(r["below"] is False for r in bound_report.gaps(above))
    assert "not yet below" in "\n".join(bound_report.markdown(above))
    below = fake_result(lambda p: 8.0)
    q = bound_report.quote(below)
    assert q["below"] and abs(q["psnr"] - bound_report.QUOTE_PSNR) < 1.5
    assert q["gap_bits"] == pytest.approx(q["bits"] - 8.0) and "above it" in q["en"]
    # outside the estimate's PSNR range there is nothing to compare
    assert bound_report.bits_at(below, 40.0) is None


def test_the_bound_command_keeps_its_numbers_through_a_rebuild(tmp_path):
    shutil.copy(ROOT / "site" / "results" / "results.json", tmp_path / "results.json")
    entry = fake_result(lambda p: 8.0 * p)["bound"]
    result = bound_report.write_bound(entry, tmp_path, tmp_path / "no-models")
    saved = json.loads((tmp_path / "results.json").read_text())
    assert saved["bound"] == entry and saved["comparison"]["bound"]["quote"]["en"] == result["comparison"]["bound"]["quote"]["en"]
    assert "### The limit, estimated" in (tmp_path / "results.md").read_text()
    assert bound_report.kept(tmp_path) == entry


def test_a_bound_started_from_the_low_rate_codec_is_that_codec_with_noise():
    """codec_parts: the posterior's mean is the codec's latents, the decoder the codec's,
    the scale the uniform noise's; the betas are the levels' slopes (log-SSE: 5 ln 10 / 10 lambda)."""
    folder = ROOT / "models" / "lowrate"
    if not (folder / "encoder.keras").exists():
        pytest.skip("no trained low-rate codec")
    from aec import codec

    x = digits(64, seed=5)
    parts = bound.codec_parts(folder, components=4, x_prior=x)
    config = codec.read_config(folder)
    assert parts.betas == pytest.approx([lam * 5 * math.log(10) / 10 for lam in config["lambdas"]])
    encoder, decoder = (keras.saving.load_model(folder / f"{n}.keras") for n in ("encoder", "decoder"))
    onehot = np.zeros((len(x), len(parts.betas)), np.float32)
    onehot[:, 1] = 1
    mean, scale = (np.asarray(t) for t in parts.encoder([to_float(x), onehot]))
    np.testing.assert_allclose(mean, np.asarray(encoder([to_float(x), onehot])).reshape(len(x), -1), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(scale, 12 ** -0.5, rtol=1e-5)
    np.testing.assert_allclose(np.asarray(parts.decoder([mean, onehot])), np.asarray(decoder([mean, onehot])), atol=1e-5)
    assert np.isfinite(np.asarray(parts.prior.log_prob(mean, onehot))).all()


def test_refined_posteriors_are_measured_beside_the_encoders(trained):
    from training import bound_refine

    _, trainer, x = trained
    x = x[:40]
    mean, scale = bound_refine.refine(trainer, x, 1, steps=5, chunk=16)
    assert mean.shape == scale.shape == (40, SMALL["latents"]) and np.all(scale > 0)
    onehot = np.zeros((40, 2), np.float32)
    onehot[:, 1] = 1
    assert not np.allclose(mean, np.asarray(trainer.encoder([to_float(x), onehot])[0]))
    assert trainer.decoder.trainable and trainer.prior.trainable  # given back as they were
    rows = bound.measure(trainer, x, samples=2, refine_steps=3)
    assert all(r["refine_steps"] == 3 and set(r["amortised"]) >= {"kl_bits", "psnr"} for r in rows)
    assert "3 steps at 0.03" in "\n".join(bound_report.markdown({**fake_result(lambda p: 8.0),
                                                                "bound": {"levels": [{**rows[0], "run": "t"}]}}))
