"""The low-rate codec (issue 14): one vector of global latents per digit.

    image 28x28 -> LowRateAnalysis -> y (D,) -> z = y * gain[level]
      -> round -> integers, arithmetic-coded with LatentPrior / cluster tables of [level]
      -> z_hat * inverse_gain[level] -> LowRateSynthesis -> image 28x28

At ten bytes a digit, the 4x4 grid of training/codec_model.py spends its bits
on where the strokes are; a dense bottleneck spends them on which digit and
how it is drawn. The same trainer (codec_model.CodecTrainer: a random level
per digit, uniform noise for rounding, bits + lambda * SSE), the same prior and
tables, and the same file format: aec.codec.LearnedCodec codes latents of any
shape, and aec/search.py searches them.

Measured on this 2-core CPU (notes/lowrate-experiments.md, tools/lowrate_probe.py):
convolutions in front of and behind the dense bottleneck beat dense layers alone
by 1.8 dB at 10 B after 30 epochs; this one (run cnn24_D32_log, 240 k weights, under
the 600 KB a lazily loaded model may have as float16) does as well as one 7x its size.

Two networks of this kind ship (``NETWORKS``): "lowrate" for 6-18 B, and "mid", wider
in its latents, for about 30 B (issue 23), each in its own models/<folder>.
"""

from __future__ import annotations

from typing import NamedTuple

import keras
import numpy as np
from keras import layers, ops

from training.layers import LevelGain, gelu_tanh
from training.codec_model import CodecTrainer
from training.entropy_model import LatentPrior

# Run cnn24_60ep (notes/lowrate-experiments.md) measured lambda 6, 12, 24, 48: 5.6, 10.0, 12.0
# and 13.7 bytes. Lambda 6's digits were 96.6 % recognised, under the 97 % the lowest level needs,
# so it starts at 8; 11 keeps the 10-byte level clear of 10 bytes; 96 reaches toward the codec's level 1.
LOWRATE_LAMBDAS = (8.0, 11.0, 24.0, 96.0)
EPOCHS = 60
LATENTS = 32
# 22, not the log's 24: the page loads the encoder as float32 (float16 changes some digits'
# symbols) and the decoder as float16, and at 24 they took 652 kB, over the 600 kB a model
# loaded on first use may have.
FILTERS = 22


class Network(NamedTuple):
    """One global-latent network's settings: its models/<folder>, its levels' lambdas."""
    lambdas: tuple
    latents: int
    filters: int
    epochs: int
    # The decoder's 7x7 channels after its dense layer (None: 2 x filters); that layer is most
    # of the weights (latents x 49 x channels).
    dense_channels: int | None = None
    # Round every weight to a float16 value after training (round_to_float16): the page may
    # then load the encoder as float16 too, since its symbols cannot change (the converter checks).
    float16_weights: bool = False


# The mid-rate network (issue 23, notes/lowrate-experiments.md, "Sixth run" on): 64 latents
# for about 30 B a digit. Its weights are float16 values, so the page loads both networks as
# float16, and its dense layer is half as wide: 64 latents, 26 filters and 26 channels take
# 527 kB, under the 600 kB of a model loaded on first use (the ninth run: 30.12 dB at 31.1 B
# searched; 20 filters at full width gave 29.97 dB, 48 latents 29.5 dB). It trains as long as the
# low-rate network: at 30 epochs its level 2 gave 29.99 dB at 31.2 B (the tenth run).
MID_LAMBDAS = (96.0, 192.0)
NETWORKS = {"lowrate": Network(LOWRATE_LAMBDAS, LATENTS, FILTERS, EPOCHS),
            "mid": Network(MID_LAMBDAS, 64, 26, EPOCHS, dense_channels=26, float16_weights=True)}

# The loss weighs lambda * LOG_SSE_WEIGHT * ln(SSE) instead of lambda * SSE: the
# target is the mean per-digit PSNR, a mean of logs. 5 matches the plain loss's
# slope at SSE = 5 (about 22 dB); it gave +0.4 dB at 9.5 B on a dense model.
LOG_SSE_WEIGHT = 5.0


def LowRateAnalysis(latents=LATENTS, filters=FILTERS):
    """28x28x1 -> 14x14xF -> 7x7x2F -> 4x4x2F -> D latents."""
    return keras.Sequential([
        layers.Conv2D(filters, 5, strides=2, padding="same", activation=gelu_tanh),
        layers.Conv2D(2 * filters, 5, strides=2, padding="same", activation=gelu_tanh),
        layers.Conv2D(2 * filters, 3, strides=2, padding="same", activation=gelu_tanh),
        layers.Flatten(), layers.Dense(latents),
    ], name="analysis")


def LowRateSynthesis(filters=FILTERS, dense_channels=None):
    """D latents -> 7x7xC (C = dense_channels, default 2F) -> 7x7x2F -> 14x14xF -> 28x28x1
    (linear, clipped when written). The dense layer holds most of the weights: D * 49 * C."""
    c = dense_channels or 2 * filters
    return keras.Sequential([
        layers.Dense(7 * 7 * c, gelu_tanh), layers.Reshape((7, 7, c)),
        layers.Conv2DTranspose(2 * filters, 5, strides=1, padding="same", activation=gelu_tanh),
        layers.Conv2DTranspose(filters, 5, strides=2, padding="same", activation=gelu_tanh),
        layers.Conv2DTranspose(1, 5, strides=2, padding="same"),
    ], name="synthesis")


@keras.saving.register_keras_serializable(package="training")
class LowRateTrainer(CodecTrainer):
    """codec_model.CodecTrainer with the log-SSE distortion (LOG_SSE_WEIGHT)."""

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        sse = ops.sum(ops.square(x - y_pred["x_hat"]), axis=(1, 2, 3))
        lam = ops.take(ops.convert_to_tensor(self.lambdas), y_pred["level"])
        self.bits_tracker.update_state(y_pred["bits"])
        self.psnr_tracker.update_state(-10.0 * ops.log(sse / 784.0 + 1e-10) / np.log(10.0))
        return ops.mean(y_pred["bits"] + lam * LOG_SSE_WEIGHT * ops.log(sse + 1e-3))


class LowRateParts:
    """The trainable pieces and the two inference models (the inputs and outputs
    of codec_model.CodecParts, with latents of shape (D,))."""

    def __init__(self, lambdas=LOWRATE_LAMBDAS, latents=LATENTS, filters=FILTERS, dense_channels=None,
                 name="lowrate"):
        self.lambdas = tuple(float(v) for v in lambdas)
        self.num_levels = L = len(self.lambdas)
        self.latent_shape = (latents,)
        self.num_elements = latents
        init = np.log(np.geomspace(1.0, 2.0, L))[:, None] * np.ones((1, latents))
        self.analysis = LowRateAnalysis(latents, filters)
        self.synthesis = LowRateSynthesis(filters, dense_channels)
        self.gain = LevelGain(L, latents, init=init, name="gain")
        self.inverse_gain = LevelGain(L, latents, init=-init, name="inverse_gain")
        self.prior = LatentPrior(L, latents, name="prior")

        image, level = keras.Input((28, 28, 1), name="image"), keras.Input((L,), name="level")
        self.encoder = keras.Model([image, level], self.gain(self.analysis(image), level), name=f"{name}_encoder")
        symbols, level2 = keras.Input(self.latent_shape, name="symbols"), keras.Input((L,), name="level")
        self.decoder = keras.Model([symbols, level2], self.synthesis(self.inverse_gain(symbols, level2)),
                                   name=f"{name}_decoder")


def build_lowrate(lambdas=LOWRATE_LAMBDAS, latents=LATENTS, filters=FILTERS, seed=0, learning_rate=1e-3,
                  dense_channels=None, name="lowrate"):
    parts = LowRateParts(lambdas, latents, filters, dense_channels, name)
    trainer = LowRateTrainer(parts.encoder, parts.decoder, parts.prior, parts.lambdas, seed=seed, name=name)
    trainer.compile(optimizer=keras.optimizers.Adam(learning_rate))
    return parts, trainer


def round_to_float16(*models):
    """Every weight of ``models`` to the nearest float16 value (in place, kept as float32).
    The converter keeps a float16 encoder only when no digit's symbols change; with
    float16-valued kernels they did not (its "float16-kernels" export: the graph's folded
    constants, such as the level gains, stay float32), so the page may load both networks
    at about half the bytes (tools/lowrate_probe.py --float16-weights; notes/lowrate-experiments.md)."""
    for model in models:
        for w in model.weights:
            w.assign(ops.cast(ops.cast(w, "float16"), w.dtype))
