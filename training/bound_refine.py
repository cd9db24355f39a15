"""Iterative inference for the bound (training/bound.py): per test digit, q(z|x)'s mean
and scale fitted to that digit's own KL bits - beta * PSNR, the decoder and prior fixed.

Any q(z|x) gives an upper bound (Yang & Mandt 2022), so the encoder's guess may be
improved per digit: the amortised encoder leaves bits on the table as our codec's
one-pass encoder does (its search, aec/search.py, gains about 1 dB at the same bytes).
Started from the encoder's output; Adam on the means and log-scales; a Keras model
whose weights are the posteriors of one chunk of digits, so it runs on any backend.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from aec.pixels import to_float
from training.bound import LOG2, gaussian_log_prob

STEPS = 40
LEARNING_RATE = 0.03
# The rate per trained codec the bound starts from (notes/bound-experiments.md): the codec's 256
# latents wanted 0.01, the low-rate network's 32 took 0.03.
RATES = {"lowrate": 0.03, "codec": 0.01}
CHUNK = 2000


class Refiner(keras.Model):
    """The posteriors of one chunk of digits as weights (mean, log-scale per latent)."""

    def __init__(self, decoder, prior, level, num_levels, beta, mean, scale, seed=0):
        super().__init__()
        self.decoder, self.prior, self.beta = decoder, prior, float(beta)
        self.level, self.num_levels = int(level), int(num_levels)
        self.mean = self.add_weight(shape=mean.shape, initializer=keras.initializers.Constant(mean), name="mean")
        self.log_scale = self.add_weight(shape=scale.shape, name="log_scale",
                                         initializer=keras.initializers.Constant(np.log(scale)))
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, x, training=False):
        scale = ops.exp(self.log_scale)
        z = self.mean + scale * keras.random.normal(ops.shape(self.mean), seed=self.seed_generator)
        onehot = ops.one_hot(ops.full((ops.shape(self.mean)[0],), self.level, dtype="int32"), self.num_levels)
        kl_bits = (gaussian_log_prob(z, self.mean, scale) - self.prior.log_prob(z, onehot)) / LOG2
        return {"bits": kl_bits, "x_hat": self.decoder([z, onehot])}

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        sse = ops.sum(ops.square(x - y_pred["x_hat"]), axis=(1, 2, 3))
        psnr = -10.0 * ops.log(sse / 784.0 + 1e-7) / np.log(10.0)
        return ops.mean(y_pred["bits"] - self.beta * psnr)


def refine(trainer, x, level: int, steps: int = STEPS, learning_rate: float = LEARNING_RATE,
           chunk: int = CHUNK, seed: int = 0):
    """Per digit of x (uint8): the refined (mean, scale) of q(z|x) at ``level``, as arrays."""
    L = len(trainer.lambdas)
    trainable = trainer.decoder.trainable, trainer.prior.trainable
    trainer.decoder.trainable = trainer.prior.trainable = False
    means, scales = [], []
    try:
        for i in range(0, len(x), chunk):
            xb = to_float(x[i:i + chunk])
            onehot = np.zeros((len(xb), L), np.float32)
            onehot[:, level] = 1.0
            mean, scale = (np.asarray(ops.convert_to_numpy(t)) for t in trainer.encoder([xb, onehot]))
            model = Refiner(trainer.decoder, trainer.prior, level, L, trainer.lambdas[level], mean, scale, seed + i)
            model.compile(optimizer=keras.optimizers.Adam(learning_rate))
            model.fit(xb, batch_size=len(xb), epochs=steps, shuffle=False, verbose=0)
            means.append(np.asarray(ops.convert_to_numpy(model.mean)))
            scales.append(np.exp(np.asarray(ops.convert_to_numpy(model.log_scale))))
    finally:
        trainer.decoder.trainable, trainer.prior.trainable = trainable
    return np.concatenate(means), np.concatenate(scales)
