"""The learned codec: one variable-rate model that serves every quality level.

    image 28x28 -> AnalysisTransform -> y (4x4xC) -> z = y * gain[level]
      -> round -> integers, arithmetic-coded with LatentPrior tables of [level]
      -> z_hat * inverse_gain[level] -> SynthesisTransform -> image 28x28

Like bls2017 (TensorFlow Compression) with GDN non-linearities, but one model
for all levels: the per-level gain vectors (Cui et al. 2021, "asymmetric gained
deep image compression") move the quantisation step per channel, and each level
has its own prior. Training samples a level per digit and minimises
bits + lambda[level] * SSE (pixels in [0, 1]), with rounding replaced by uniform
noise. One model trains once and downloads once.

Everything is ``keras.ops`` so it trains on TensorFlow and on JAX.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import layers, ops

from training.layers import GDN, LevelGain
from training.entropy_model import LatentPrior

# Lambda weighs squared error (pixels in [0, 1], summed over the 784 pixels)
# against bits. We train ten and ship the seven (file model ids 1..7) whose
# rates best cover ~8 to ~60 bytes: rates are hard to predict before training.
TRAIN_LAMBDAS = (6.0, 12.0, 24.0, 48.0, 96.0, 192.0, 384.0, 768.0, 1536.0, 3072.0)
SHIPPED_LEVELS = 7
FILTERS = 48
LATENT_CHANNELS = 16
LATENT_SHAPE = (4, 4, LATENT_CHANNELS)


def AnalysisTransform(filters=FILTERS, channels=LATENT_CHANNELS):
    """28x28x1 -> 4x4xC (strides 2, 2, 2)."""
    return keras.Sequential([
        layers.Conv2D(filters, 5, strides=2, padding="same"), GDN(),
        layers.Conv2D(filters, 5, strides=2, padding="same"), GDN(),
        layers.Conv2D(channels, 3, strides=2, padding="same"),
    ], name="analysis")


def SynthesisTransform(filters=FILTERS):
    """4x4xC -> 28x28x1 (8 cropped to 7, then 14, 28)."""
    return keras.Sequential([
        layers.Conv2DTranspose(filters, 3, strides=2, padding="same"),
        layers.Cropping2D(((0, 1), (0, 1))), GDN(inverse=True),
        layers.Conv2DTranspose(filters, 5, strides=2, padding="same"), GDN(inverse=True),
        # Linear output (clipped when pixels are written): a sigmoid here
        # saturated early in training and stalled it.
        layers.Conv2DTranspose(1, 5, strides=2, padding="same"),
    ], name="synthesis")


class CodecParts:
    """The trainable pieces and the two inference models built on them."""

    def __init__(self, lambdas=TRAIN_LAMBDAS, filters=FILTERS, channels=LATENT_CHANNELS):
        self.lambdas = tuple(float(v) for v in lambdas)
        self.num_levels = len(self.lambdas)
        self.latent_shape = (4, 4, channels)
        self.num_elements = int(np.prod(self.latent_shape))
        L = self.num_levels
        # Start higher levels with finer quantisation (larger gain).
        init = np.log(np.geomspace(1.0, 4.0, L))[:, None] * np.ones((1, channels))
        self.analysis = AnalysisTransform(filters, channels)
        self.synthesis = SynthesisTransform(filters)
        self.gain = LevelGain(L, channels, init=init, name="gain")
        self.inverse_gain = LevelGain(L, channels, init=-init, name="inverse_gain")
        self.prior = LatentPrior(L, self.num_elements, name="prior")

        image = keras.Input((28, 28, 1), name="image")
        level = keras.Input((L,), name="level")
        z = self.gain(self.analysis(image), level)
        self.encoder = keras.Model([image, level], z, name="codec_encoder")

        symbols = keras.Input(self.latent_shape, name="symbols")
        level2 = keras.Input((L,), name="level")
        x_hat = self.synthesis(self.inverse_gain(symbols, level2))
        self.decoder = keras.Model([symbols, level2], x_hat, name="codec_decoder")


@keras.saving.register_keras_serializable(package="training")
class CodecTrainer(keras.Model):
    """Wraps encoder, decoder and prior for ``fit``: a random level per digit,
    uniform noise for rounding, loss = bits + lambda * SSE."""

    def __init__(self, encoder, decoder, prior, lambdas, seed=0, **kwargs):
        super().__init__(**kwargs)
        self.encoder, self.decoder, self.prior = encoder, decoder, prior
        self.lambdas = tuple(float(v) for v in lambdas)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.bits_tracker = keras.metrics.Mean(name="bits")
        self.psnr_tracker = keras.metrics.Mean(name="psnr")

    def call(self, x, training=False):
        L = len(self.lambdas)
        level = keras.random.randint((ops.shape(x)[0],), 0, L, seed=self.seed_generator)
        onehot = ops.one_hot(level, L)
        z = self.encoder([x, onehot])
        noise = keras.random.uniform(ops.shape(z), -0.5, 0.5, seed=self.seed_generator)
        z_tilde = z + noise if training else ops.round(z)
        bits = self.prior.bits(ops.reshape(z_tilde, (ops.shape(z)[0], -1)), onehot)
        x_hat = self.decoder([z_tilde, onehot])
        return {"x_hat": x_hat, "bits": bits, "level": level}

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        sse = ops.sum(ops.square(x - y_pred["x_hat"]), axis=(1, 2, 3))
        lam = ops.take(ops.convert_to_tensor(self.lambdas), y_pred["level"])
        self.bits_tracker.update_state(y_pred["bits"])
        self.psnr_tracker.update_state(-10.0 * ops.log(sse / 784.0 + 1e-10) / np.log(10.0))
        return ops.mean(y_pred["bits"] + lam * sse)

    @property
    def metrics(self):
        return super().metrics + [self.bits_tracker, self.psnr_tracker]

    def get_config(self):
        return {**super().get_config(), "lambdas": list(self.lambdas), "seed": self.seed,
                "encoder": keras.saving.serialize_keras_object(self.encoder),
                "decoder": keras.saving.serialize_keras_object(self.decoder),
                "prior": keras.saving.serialize_keras_object(self.prior)}

    @classmethod
    def from_config(cls, config):
        for key in ("encoder", "decoder", "prior"):
            config[key] = keras.saving.deserialize_keras_object(config[key])
        return cls(**config)


def build_codec(lambdas=TRAIN_LAMBDAS, seed=0, learning_rate=1e-3, steps_per_execution=1):
    parts = CodecParts(lambdas)
    trainer = CodecTrainer(parts.encoder, parts.decoder, parts.prior, parts.lambdas, seed=seed, name="codec")
    # Several steps per compiled call: on a GPU the per-step Python overhead,
    # not the arithmetic, bounds this small model's speed.
    trainer.compile(optimizer=keras.optimizers.Adam(learning_rate), steps_per_execution=steps_per_execution)
    return parts, trainer


def select_levels(trainer: CodecTrainer, indices) -> CodecParts:
    """A codec that keeps only the trained levels ``indices`` (0-based), renumbered
    1..n: we train more lambdas than the format's 7 model ids and ship the ones
    whose rates fit (see train.train_codec)."""
    indices = list(indices)
    analysis = trainer.encoder.get_layer("analysis")
    parts = CodecParts([trainer.lambdas[i] for i in indices], analysis.layers[0].filters,
                       trainer.encoder.output.shape[-1])
    parts.analysis.set_weights(analysis.get_weights())
    parts.synthesis.set_weights(trainer.decoder.get_layer("synthesis").get_weights())
    for name, model in (("gain", trainer.encoder), ("inverse_gain", trainer.decoder)):
        getattr(parts, name).set_weights([w[indices] for w in model.get_layer(name).get_weights()])
    parts.prior.set_weights([w[indices] for w in trainer.prior.get_weights()])
    return parts

