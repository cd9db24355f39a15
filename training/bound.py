"""The limit, estimated (issue 23): an upper bound on MNIST's rate-distortion function.

Yang & Mandt (2022, "Towards empirical sandwich bounds on the rate-distortion
function") note that any encoder q(z|x), prior p(z) and decoder g give a point
(R, D) with R = E_x KL(q(z|x) || p(z)) >= I(X; Z) >= I(X; g(Z)) >= R(D) at
D = E_x E_{z~q} d(x, g(z)): no code reaches a lower rate at that distortion
(coding many digits jointly, so no header and no per-file rounding up). Here:

    image -> LowRateAnalysis -> mean, scale of a Gaussian q(z|x) (per-level gains)
      z ~ q(z|x) -> LowRateSynthesis -> image;  p(z): a mixture of Gaussians per level

Our codec's metric is the mean per-digit PSNR on 8-bit pixels, so the distortion
is d(x, x^) = -PSNR(x, x^) (a mean of logs, as training/lowrate_model.py's log-SSE
loss) and each level minimises KL bits - beta * PSNR, beta in bits per dB: one
variable-rate model (a random level per digit, as the codec trains) for every beta.

Measured on the 10,000 test digits: each digit's KL in bits is the mean of
log2 q(z|x) - log2 p(z) over ``samples`` posterior samples (the mixture prior has
no closed form; the standard error is reported), and the PSNR is that of the
sampled reconstructions, rounded to 8-bit pixels as a decoder writes them.
It is an estimate (a finite model, finite training, test-set averages), not the
limit itself: where it lies above our codec it bounds nothing new.

    python -m training bound [--epochs N] [--max-minutes M]   -> results.json["bound"]
"""

from __future__ import annotations

import math
import time

import keras
import numpy as np
from keras import layers, ops

from training.layers import LevelGain
from aec.pixels import to_float, to_pixels
from training import metrics
from training.codec_model import CodecTrainer
from training.entropy_model import PARAM_SCALE
from training.lowrate_model import LowRateAnalysis, LowRateSynthesis

BETAS = (4.0, 8.0, 16.0, 32.0, 64.0, 128.0)  # bits per dB: PSNR from about 20 to 32 dB
LATENTS = 96      # more than needed: the KL switches the unused ones off
FILTERS = 32      # the transforms of training/lowrate_model.py, at the width of the mid-rate probes
COMPONENTS = 64   # mixture components of the prior, per level
EPOCHS = 60
SAMPLES = 4       # posterior samples per test digit when measuring (the KL's s.e. over 10k digits: < 0.5 bit)
# Started from a trained codec's networks (codec_parts): a few epochs, a gentler rate.
WARM_EPOCHS, WARM_LEARNING_RATE = 8, 3e-4
PRIOR_DIGITS = 20_000  # training digits for the mixture prior's k-means start
LOG2 = math.log(2.0)
HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


@keras.saving.register_keras_serializable(package="training")
class GaussianPosterior(layers.Layer):
    """(B, 2D) analysis output and a one-hot level -> mean and scale (B, D) of q(z|x),
    each multiplied by a per-level gain (as the codec's levels move its quantiser)."""

    def __init__(self, num_levels: int, latents: int, **kwargs):
        super().__init__(**kwargs)
        self.num_levels, self.latents = num_levels, latents
        init = np.log(np.geomspace(1.0, 4.0, num_levels))[:, None] * np.ones((1, latents))
        self.mean_gain = LevelGain(num_levels, latents, init=init, name="mean_gain")
        self.scale_gain = LevelGain(num_levels, latents, name="scale_gain")
        self.built = True  # the gains hold every weight

    def call(self, h, level_onehot):
        mean, raw = h[:, : self.latents], h[:, self.latents:]
        scale = ops.softplus(raw - 1.0) + 1e-4
        return self.mean_gain(mean, level_onehot), self.scale_gain(scale, level_onehot)

    def get_config(self):
        return {**super().get_config(), "num_levels": self.num_levels, "latents": self.latents}


@keras.saving.register_keras_serializable(package="training")
class MixturePrior(layers.Layer):
    """p(z) per level: a mixture of ``components`` diagonal Gaussians over all D latents
    (so it can hold the digit classes and styles jointly, as the cluster tables do)."""

    def __init__(self, num_levels: int, latents: int, components: int = COMPONENTS, **kwargs):
        super().__init__(**kwargs)
        self.num_levels, self.latents, self.components = num_levels, latents, components
        shape = (num_levels, components * latents)
        self.means = self.add_weight(name="means", shape=shape,
                                     initializer=keras.initializers.RandomNormal(0.0, 1.0 / PARAM_SCALE, seed=1))
        self.log_scales = self.add_weight(name="log_scales", shape=shape, initializer="zeros")
        self.logits = self.add_weight(name="logits", shape=(num_levels, components), initializer="zeros")
        self.built = True

    def get_config(self):
        return {**super().get_config(), "num_levels": self.num_levels, "latents": self.latents,
                "components": self.components}

    def log_prob(self, z, level_onehot):
        """ln p(z) in nats, (B, D) -> (B,)."""
        shape, k = (-1, self.components, self.latents), PARAM_SCALE
        means = ops.reshape(ops.matmul(level_onehot, self.means * k), shape)
        log_scales = ops.reshape(ops.matmul(level_onehot, self.log_scales * k), shape)
        log_w = ops.log_softmax(ops.matmul(level_onehot, self.logits * k), axis=-1)
        t = (ops.expand_dims(z, 1) - means) * ops.exp(-log_scales)
        per_component = ops.sum(-0.5 * ops.square(t) - log_scales - HALF_LOG_2PI, axis=-1)
        return ops.logsumexp(log_w + per_component, axis=-1)


def gaussian_log_prob(z, mean, scale):
    """ln q(z|x) in nats for a diagonal Gaussian, (B, D) -> (B,)."""
    t = (z - mean) / scale
    return ops.sum(-0.5 * ops.square(t) - ops.log(scale) - HALF_LOG_2PI, axis=-1)


class BoundParts:
    """Encoder [image, level] -> [mean, scale]; decoder [z, level] -> image; the prior."""

    def __init__(self, betas=BETAS, latents=LATENTS, filters=FILTERS, components=COMPONENTS):
        self.betas = tuple(float(b) for b in betas)
        L = len(self.betas)
        self.posterior = GaussianPosterior(L, latents, name="posterior")
        image, level = keras.Input((28, 28, 1), name="image"), keras.Input((L,), name="level")
        self.encoder = keras.Model([image, level], self.posterior(LowRateAnalysis(2 * latents, filters)(image), level),
                                   name="bound_encoder")
        z, level2 = keras.Input((latents,), name="z"), keras.Input((L,), name="level")
        init = -np.log(np.geomspace(1.0, 4.0, L))[:, None] * np.ones((1, latents))
        inverse_gain = LevelGain(L, latents, init=init, name="inverse_gain")
        self.decoder = keras.Model([z, level2], LowRateSynthesis(filters)(inverse_gain(z, level2)),
                                   name="bound_decoder")
        self.prior = MixturePrior(L, latents, components, name="prior")


@keras.saving.register_keras_serializable(package="training")
class BoundTrainer(CodecTrainer):
    """A random level per digit, one posterior sample, loss = KL bits - beta * PSNR
    (``lambdas`` holds the betas; ``bits`` is the one-sample KL estimate in bits)."""

    def call(self, x, training=False):
        L = len(self.lambdas)
        level = keras.random.randint((ops.shape(x)[0],), 0, L, seed=self.seed_generator)
        onehot = ops.one_hot(level, L)
        mean, scale = self.encoder([x, onehot])
        z = mean + scale * keras.random.normal(ops.shape(mean), seed=self.seed_generator)
        kl_bits = (gaussian_log_prob(z, mean, scale) - self.prior.log_prob(z, onehot)) / LOG2
        return {"x_hat": self.decoder([z, onehot]), "bits": kl_bits, "level": level}

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        sse = ops.sum(ops.square(x - y_pred["x_hat"]), axis=(1, 2, 3))
        psnr = -10.0 * ops.log(sse / 784.0 + 1e-7) / np.log(10.0)
        beta = ops.take(ops.convert_to_tensor(self.lambdas), y_pred["level"])
        self.bits_tracker.update_state(y_pred["bits"])
        self.psnr_tracker.update_state(psnr)
        return ops.mean(y_pred["bits"] - beta * psnr)


@keras.saving.register_keras_serializable(package="training")
class PosteriorScale(layers.Layer):
    """The scale of q(z|x) for a codec's own encoder: per level and latent, not per digit.
    Starts at the standard deviation of the uniform noise the codec trained with."""

    def __init__(self, num_levels: int, num_elements: int, **kwargs):
        super().__init__(**kwargs)
        self.num_levels, self.num_elements = num_levels, num_elements
        self.log_scale = self.add_weight(name="log_scale", shape=(num_levels, num_elements),
                                         initializer=keras.initializers.Constant(math.log(12 ** -0.5) / PARAM_SCALE))
        self.built = True

    def call(self, mean, level_onehot):
        return ops.zeros_like(mean) + ops.exp(ops.matmul(level_onehot, self.log_scale * PARAM_SCALE))

    def get_config(self):
        return {**super().get_config(), "num_levels": self.num_levels, "num_elements": self.num_elements}


def codec_parts(folder, components=COMPONENTS, x_prior=None, seed=0):
    """A bound whose encoder and decoder start as a trained codec's (models/lowrate or
    models/codec): q(z|x) = N(the codec's latents, a learned scale per level and latent),
    the decoder the codec's own; the mixture prior starts from k-means of the codec's
    latents of ``x_prior`` (uint8 digits). Betas: each level's slope in bits per dB,
    from its lambda (log-SSE loss: lambda * 5 ln 10 / 10; SSE loss: at the level's PSNR)."""
    from pathlib import Path

    from aec import codec as aec_codec
    from training.lowrate_model import LOG_SSE_WEIGHT

    folder = Path(folder)
    config = aec_codec.read_config(folder)
    metrics_json = __import__("json").loads((folder / "metrics.json").read_text())
    log_sse = config.get("first_model_id", 1) > 1  # the low-rate network trains on ln(SSE)
    betas = []
    for lam, level in zip(config["lambdas"], metrics_json["levels"]):
        sse = 784.0 * 10.0 ** (-level["psnr"] / 10.0)
        betas.append(float(lam) * (LOG_SSE_WEIGHT if log_sse else sse) * math.log(10.0) / 10.0)
    encoder = keras.saving.load_model(folder / "encoder.keras")
    decoder = keras.saving.load_model(folder / "decoder.keras")
    L, shape = len(betas), tuple(config["latent_shape"])
    E = int(np.prod(shape))
    image, level = keras.Input((28, 28, 1), name="image"), keras.Input((L,), name="level")
    mean = layers.Flatten()(encoder([image, level]))
    parts = BoundParts.__new__(BoundParts)
    parts.betas = tuple(betas)
    parts.encoder = keras.Model([image, level], [mean, PosteriorScale(L, E, name="scale")(mean, level)],
                                name="bound_encoder")
    z, level2 = keras.Input((E,), name="z"), keras.Input((L,), name="level")
    parts.decoder = keras.Model([z, level2], decoder([layers.Reshape(shape)(z), level2]), name="bound_decoder")
    parts.prior = MixturePrior(L, E, components, name="prior")
    if x_prior is not None:
        init_prior(parts, x_prior, seed)
    return parts


def init_prior(parts, x, seed=0, iterations=10):
    """Per level: the mixture's components at k-means centres of the encoder's means on
    the digits x, their scales the clusters' spreads (with the posterior's), weights their sizes."""
    rng = np.random.default_rng(seed)
    prior, L = parts.prior, len(parts.betas)
    K, E = prior.components, prior.latents
    means, log_scales, logits = (np.zeros((L, K * E), np.float32), np.zeros((L, K * E), np.float32),
                                 np.zeros((L, K), np.float32))
    for level in range(L):
        onehot = np.zeros((len(x), L), np.float32)
        onehot[:, level] = 1.0
        m, s = (np.asarray(ops.convert_to_numpy(t), np.float64)
                for t in parts.encoder.predict([to_float(x), onehot], batch_size=1000, verbose=0))
        centres = m[rng.choice(len(m), K, replace=False)]
        for _ in range(iterations):
            assign = ((m ** 2).sum(1, keepdims=True) - 2 * m @ centres.T + (centres ** 2).sum(1)).argmin(1)
            for k in range(K):
                if np.any(assign == k):
                    centres[k] = m[assign == k].mean(0)
        spread = np.stack([m[assign == k].std(0) if np.sum(assign == k) > 1 else m.std(0) for k in range(K)])
        counts = np.bincount(assign, minlength=K) + 1.0
        means[level] = centres.reshape(-1) / PARAM_SCALE
        log_scales[level] = 0.5 * np.log(spread ** 2 + s.mean(0) ** 2).reshape(-1) / PARAM_SCALE
        logits[level] = np.log(counts / counts.sum()) / PARAM_SCALE
    prior.set_weights([means, log_scales, logits])


def build_bound(betas=BETAS, latents=LATENTS, filters=FILTERS, components=COMPONENTS, seed=0,
                learning_rate=1e-3):
    parts = BoundParts(betas, latents, filters, components)
    return compile_bound(parts, seed, learning_rate)


def compile_bound(parts, seed=0, learning_rate=1e-3):
    trainer = BoundTrainer(parts.encoder, parts.decoder, parts.prior, parts.betas, seed=seed, name="bound")
    trainer.compile(optimizer=keras.optimizers.Adam(learning_rate))
    return trainer


def kl_samples(trainer, x, level: int, samples: int = SAMPLES, seed: int = 0, batch_size: int = 1000,
               posterior=None):
    """Per digit and posterior sample: the KL estimate log2 q(z|x) - log2 p(z) in bits,
    and the PSNR of the sampled reconstruction on 8-bit pixels. x: uint8 (N, 28, 28).
    ``posterior``: (mean, scale) arrays of every digit's q(z|x) (bound_refine.refine),
    else the encoder's. Returns two arrays of shape (N, samples)."""
    rng = np.random.default_rng(seed)
    L = len(trainer.lambdas)
    bits, psnr = [], []
    for i in range(0, len(x), batch_size):
        xb = x[i:i + batch_size]
        onehot = np.zeros((len(xb), L), np.float32)
        onehot[:, level] = 1.0
        if posterior is None:
            mean, scale = (np.asarray(ops.convert_to_numpy(t)) for t in trainer.encoder([to_float(xb), onehot]))
        else:
            mean, scale = (np.asarray(a[i:i + batch_size], np.float32) for a in posterior)
        b, p = [], []
        for _ in range(samples):
            z = (mean + scale * rng.standard_normal(mean.shape)).astype(np.float32)
            log_q = ops.convert_to_numpy(gaussian_log_prob(z, mean, scale))
            log_p = ops.convert_to_numpy(trainer.prior.log_prob(z, onehot))
            b.append((log_q - log_p) / LOG2)
            p.append(metrics.psnr(xb, to_pixels(ops.convert_to_numpy(trainer.decoder([z, onehot])))))
        bits.append(np.stack(b, 1))
        psnr.append(np.stack(p, 1))
    return np.concatenate(bits), np.concatenate(psnr)


def _row(bits, psnr) -> dict:
    per_digit = bits.mean(1)
    mse = np.mean(255.0 ** 2 * 10.0 ** (-psnr / 10.0))
    return {"kl_bits": float(per_digit.mean()),
            "kl_bits_stderr": float(per_digit.std(ddof=1) / math.sqrt(len(per_digit))),
            "kl_bytes": float(per_digit.mean() / 8.0), "psnr": float(psnr.mean()),
            "psnr_of_mean_mse": float(10.0 * np.log10(255.0 ** 2 / mse))}


def measure(trainer, x, samples: int = SAMPLES, seed: int = 0, refine_steps: int = 0,
            refine_rate: float | None = None) -> list[dict]:
    """Per level: the estimate's rate (mean KL in bits, its standard error over
    digits) and distortion (mean per-digit PSNR of the sampled reconstructions;
    also the PSNR of the mean squared error) on the digits x (uint8). With
    ``refine_steps``, each digit's posterior refined first (bound_refine.py); the
    encoder's own numbers stay beside them as "amortised"."""
    rows = []
    for level, beta in enumerate(trainer.lambdas):
        row = {"beta_bits_per_db": beta, **_row(*kl_samples(trainer, x, level, samples, seed + level)),
               "digits": int(len(x)), "samples": int(samples), "refine_steps": 0}
        if refine_steps:
            from training import bound_refine

            t0 = time.time()
            refine_rate = refine_rate or bound_refine.LEARNING_RATE
            posterior = bound_refine.refine(trainer, x, level, steps=refine_steps, learning_rate=refine_rate,
                                            seed=seed + level)
            refined = _row(*kl_samples(trainer, x, level, samples, seed + level, posterior=posterior))
            row = {**row, **refined, "refine_steps": int(refine_steps), "refine_rate": refine_rate,
                   "refine_seconds": round(time.time() - t0, 1),
                   "amortised": {k: row[k] for k in refined}}
        rows.append(row)
        print(f"[bound] beta {beta:.1f}: {row['kl_bits']:.1f} bits ({row['kl_bytes']:.2f} B) "
              f"at {row['psnr']:.2f} dB" + (f" (encoder alone: {row['amortised']['kl_bits']:.1f} bits at "
                                            f"{row['amortised']['psnr']:.2f} dB)" if refine_steps else ""), flush=True)
    return rows


def train_bound(x_train, x_test, runs_dir, *, init=None, epochs=None, batch_size=128, resume=False, seed=0,
                learning_rate=None, max_seconds=None, samples=SAMPLES, refine_steps=0, refine_rate=None,
                verbose=2, betas=BETAS,
                latents=LATENTS, filters=FILTERS, components=COMPONENTS) -> dict:
    """Train one bound (checkpointed in runs/bound[_<network>], --resume continues) and
    measure it on x_test. ``init``: a codec folder (models/lowrate, models/codec) to start
    from its networks (codec_parts), or None for the transforms of lowrate_model.py from
    scratch. Returns a results.json["bound"]["runs"] entry; its levels name the run."""
    from pathlib import Path

    from training.train import Schedule, _fit, describe_device

    name = "scratch" if init is None else Path(init).name
    xf, xtf = to_float(x_train), to_float(x_test)
    plan = {"epochs": epochs or (EPOCHS if init is None else WARM_EPOCHS), "batch_size": batch_size}
    learning_rate = learning_rate or (1e-3 if init is None else WARM_LEARNING_RATE)
    schedule = Schedule(learning_rate, plan, math.ceil(len(xf) / batch_size), max_seconds)

    def build():
        if init is None:
            return build_bound(betas, latents, filters, components, seed, learning_rate)
        return compile_bound(codec_parts(init, components, x_train[:PRIOR_DIGITS], seed), seed, learning_rate)

    trainer, history, seconds = _fit("bound" if init is None else f"bound_{name}", build, xf, xtf, plan=plan,
                                     runs_dir=runs_dir, resume=resume, verbose=verbose,
                                     extra_callbacks=[schedule])
    t0 = time.time()
    levels = [{**r, "run": name} for r in measure(trainer, x_test, samples, seed, refine_steps, refine_rate)]
    return {"run": name, "init": None if init is None else str(init), "levels": levels,
            "epochs": len(history.get("loss", [])), "train_seconds_last_run": round(seconds, 1),
            "measure_seconds": round(time.time() - t0, 1), "device": describe_device(),
            "latents": int(trainer.encoder.output[0].shape[-1]), "components": int(trainer.prior.components),
            "parameters": {"encoder": int(trainer.encoder.count_params()),
                           "decoder": int(trainer.decoder.count_params()),
                           "prior": int(trainer.prior.count_params())}}


def combine(runs, kept=None) -> dict:
    """results.json["bound"]: every run, and all their levels (bound_report draws their
    lower convex hull: mixing two codes in time reaches every point between them).
    ``kept``: the last results.json["bound"], whose runs not measured again stay."""
    names = {r["run"] for r in runs}
    runs = [r for r in (kept or {}).get("runs", []) if r["run"] not in names] + list(runs)
    return {"method": "Gaussian-posterior VAEs with a mixture prior, KL bits - beta * PSNR "
                      "(Yang & Mandt 2022): an upper-bound estimate of the rate-distortion function",
            "distortion": "mean per-digit PSNR of posterior-sampled reconstructions (8-bit pixels)",
            "runs": runs, "levels": sorted((r for run in runs for r in run["levels"]), key=lambda r: r["psnr"])}
