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
by 1.8 dB at 10 B after 30 epochs.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import layers

from aec.layers import LevelGain
from training.codec_model import CodecTrainer
from training.entropy_model import LatentPrior

LOWRATE_LAMBDAS = (8.0, 16.0, 32.0, 64.0)
LATENTS = 32
FILTERS = 32
HIDDEN = 256  # 0: no hidden dense layer (the convolutions' features straight to the latents)


def LowRateAnalysis(latents=LATENTS, filters=FILTERS, hidden=HIDDEN):
    """28x28x1 -> 7x7x2F features -> (hidden) -> D latents."""
    dense = [layers.Dense(hidden, "gelu")] if hidden else []
    return keras.Sequential([
        layers.Conv2D(filters, 5, strides=2, padding="same", activation="gelu"),
        layers.Conv2D(2 * filters, 5, strides=2, padding="same", activation="gelu"),
        layers.Flatten(), *dense, layers.Dense(latents),
    ], name="analysis")


def LowRateSynthesis(filters=FILTERS, hidden=HIDDEN):
    """D latents -> (hidden) -> 7x7x2F -> 14x14xF -> 28x28x1 (linear, clipped when written)."""
    dense = [layers.Dense(hidden, "gelu")] if hidden else []
    return keras.Sequential([
        *dense, layers.Dense(7 * 7 * 2 * filters, "gelu"), layers.Reshape((7, 7, 2 * filters)),
        layers.Conv2DTranspose(filters, 5, strides=2, padding="same", activation="gelu"),
        layers.Conv2DTranspose(1, 5, strides=2, padding="same"),
    ], name="synthesis")


class LowRateParts:
    """The trainable pieces and the two inference models (the inputs and outputs
    of codec_model.CodecParts, with latents of shape (D,))."""

    def __init__(self, lambdas=LOWRATE_LAMBDAS, latents=LATENTS, filters=FILTERS, hidden=HIDDEN):
        self.lambdas = tuple(float(v) for v in lambdas)
        self.num_levels = L = len(self.lambdas)
        self.latent_shape = (latents,)
        self.num_elements = latents
        init = np.log(np.geomspace(1.0, 2.0, L))[:, None] * np.ones((1, latents))
        self.analysis = LowRateAnalysis(latents, filters, hidden)
        self.synthesis = LowRateSynthesis(filters, hidden)
        self.gain = LevelGain(L, latents, init=init, name="gain")
        self.inverse_gain = LevelGain(L, latents, init=-init, name="inverse_gain")
        self.prior = LatentPrior(L, latents, name="prior")

        image, level = keras.Input((28, 28, 1), name="image"), keras.Input((L,), name="level")
        self.encoder = keras.Model([image, level], self.gain(self.analysis(image), level), name="lowrate_encoder")
        symbols, level2 = keras.Input(self.latent_shape, name="symbols"), keras.Input((L,), name="level")
        self.decoder = keras.Model([symbols, level2], self.synthesis(self.inverse_gain(symbols, level2)),
                                   name="lowrate_decoder")


def build_lowrate(lambdas=LOWRATE_LAMBDAS, latents=LATENTS, filters=FILTERS, hidden=HIDDEN, seed=0,
                  learning_rate=1e-3):
    parts = LowRateParts(lambdas, latents, filters, hidden)
    trainer = CodecTrainer(parts.encoder, parts.decoder, parts.prior, parts.lambdas, seed=seed, name="lowrate")
    trainer.compile(optimizer=keras.optimizers.Adam(learning_rate))
    return parts, trainer
