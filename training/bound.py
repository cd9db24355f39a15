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

from aec.layers import LevelGain
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
SAMPLES = 16      # posterior samples per test digit when measuring
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


def build_bound(betas=BETAS, latents=LATENTS, filters=FILTERS, components=COMPONENTS, seed=0,
                learning_rate=1e-3):
    parts = BoundParts(betas, latents, filters, components)
    trainer = BoundTrainer(parts.encoder, parts.decoder, parts.prior, parts.betas, seed=seed, name="bound")
    trainer.compile(optimizer=keras.optimizers.Adam(learning_rate))
    return trainer


def kl_samples(trainer, x, level: int, samples: int = SAMPLES, seed: int = 0, batch_size: int = 1000):
    """Per digit and posterior sample: the KL estimate log2 q(z|x) - log2 p(z) in bits,
    and the PSNR of the sampled reconstruction on 8-bit pixels. x: uint8 (N, 28, 28).
    Returns two arrays of shape (N, samples)."""
    rng = np.random.default_rng(seed)
    L = len(trainer.lambdas)
    bits, psnr = [], []
    for i in range(0, len(x), batch_size):
        xb = x[i:i + batch_size]
        onehot = np.zeros((len(xb), L), np.float32)
        onehot[:, level] = 1.0
        mean, scale = (np.asarray(ops.convert_to_numpy(t)) for t in trainer.encoder([to_float(xb), onehot]))
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


def measure(trainer, x, samples: int = SAMPLES, seed: int = 0) -> list[dict]:
    """Per level: the estimate's rate (mean KL in bits, its standard error over
    digits) and distortion (mean per-digit PSNR of the sampled reconstructions;
    also the PSNR of the mean squared error) on the digits x (uint8)."""
    rows = []
    for level, beta in enumerate(trainer.lambdas):
        bits, psnr = kl_samples(trainer, x, level, samples, seed + level)
        per_digit = bits.mean(1)
        mse = np.mean(255.0 ** 2 * 10.0 ** (-psnr / 10.0))
        rows.append({"beta_bits_per_db": beta, "kl_bits": float(per_digit.mean()),
                     "kl_bits_stderr": float(per_digit.std(ddof=1) / math.sqrt(len(per_digit))),
                     "kl_bytes": float(per_digit.mean() / 8.0), "psnr": float(psnr.mean()),
                     "psnr_of_mean_mse": float(10.0 * np.log10(255.0 ** 2 / mse)),
                     "digits": int(len(x)), "samples": int(samples)})
        print(f"[bound] beta {beta:g}: {rows[-1]['kl_bits']:.1f} bits ({rows[-1]['kl_bytes']:.2f} B) "
              f"at {rows[-1]['psnr']:.2f} dB", flush=True)
    return rows


def train_bound(x_train, x_test, runs_dir, *, epochs=None, batch_size=128, resume=False, seed=0,
                learning_rate=1e-3, max_seconds=None, samples=SAMPLES, verbose=2, betas=BETAS,
                latents=LATENTS, filters=FILTERS, components=COMPONENTS) -> dict:
    """Train the bound's model (checkpointed in runs/bound, --resume continues) and
    measure it on x_test. Returns the results.json["bound"] entry."""
    from training.train import Schedule, _fit, describe_device

    xf, xtf = to_float(x_train), to_float(x_test)
    plan = {"epochs": epochs or EPOCHS, "batch_size": batch_size}
    schedule = Schedule(learning_rate, plan, math.ceil(len(xf) / batch_size), max_seconds)
    trainer, history, seconds = _fit(
        "bound", lambda: build_bound(betas, latents, filters, components, seed, learning_rate), xf, xtf,
        plan=plan, runs_dir=runs_dir, resume=resume, verbose=verbose, extra_callbacks=[schedule])
    t0 = time.time()
    levels = measure(trainer, x_test, samples, seed)
    return {"method": "Gaussian-posterior VAE with a mixture prior, KL bits - beta * PSNR "
                      "(Yang & Mandt 2022): an upper-bound estimate of the rate-distortion function",
            "distortion": "mean per-digit PSNR of posterior-sampled reconstructions (8-bit pixels)",
            "levels": levels, "epochs": len(history.get("loss", [])), "train_seconds_last_run": round(seconds, 1),
            "measure_seconds": round(time.time() - t0, 1), "device": describe_device(),
            "latents": int(trainer.encoder.output[0].shape[-1]), "filters": filters,
            "components": int(trainer.prior.components),
            "parameters": {"encoder": int(trainer.encoder.count_params()),
                           "decoder": int(trainer.decoder.count_params()),
                           "prior": int(trainer.prior.count_params())}}
