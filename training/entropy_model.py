"""The learned prior over the quantised latents, and its integer coding tables.

Every latent element (one channel at one of the 4x4 positions: MNIST digits
are centred, so position matters as much as channel) gets its own density per
quality level: a mixture of K logistics. Training sees ``z + u``, u ~ U(-1/2, 1/2)
(the additive-uniform-noise relaxation of Ballé et al. 2017), whose density is
the mixture's probability mass over [z - 1/2, z + 1/2]; its -log2 is the rate
term of the loss. At coding time the same mass at integer points, quantised to
16-bit frequencies, forms the tables of the arithmetic coder, so the trained
rate is what the coder spends (plus a few bits of header and termination).
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops


# The prior's parameters are stored divided by this factor: Adam moves every
# weight by about the learning rate per step, and these must travel O(1)
# distances (a scale from 1 to 0.05, say), which took thousands of steps.
PARAM_SCALE = 10.0
MIN_LIKELIHOOD = 1e-9  # keeps log2 finite; ~30 bits, the most one element costs in training
TAIL_MASS = 1e-6       # table range: integers outside carry less mass than this and are clamped


@keras.saving.register_keras_serializable(package="training")
class LatentPrior(keras.layers.Layer):
    """Per level, per element: a mixture of ``components`` logistics."""

    def __init__(self, num_levels: int, num_elements: int, components: int = 3, **kwargs):
        super().__init__(**kwargs)
        self.num_levels = num_levels
        self.num_elements = num_elements
        self.components = components
        shape = (num_levels, num_elements * components)
        # Means spread a little so the components start apart.
        self.means = self.add_weight(
            name="means", shape=shape,
            initializer=keras.initializers.RandomUniform(-1.0 / PARAM_SCALE, 1.0 / PARAM_SCALE, seed=1))
        self.log_scales = self.add_weight(name="log_scales", shape=shape, initializer="zeros")
        self.logits = self.add_weight(name="logits", shape=shape, initializer="zeros")
        self.built = True  # all weights exist now; nothing depends on the input shape

    def get_config(self):
        return {**super().get_config(), "num_levels": self.num_levels,
                "num_elements": self.num_elements, "components": self.components}

    def _params(self, level_onehot):
        """(B, L) one-hot -> means, scales, weights of shape (B, E, K)."""
        shape = (-1, self.num_elements, self.components)
        k = PARAM_SCALE
        means = ops.reshape(ops.matmul(level_onehot, self.means * k), shape)
        scales = ops.exp(ops.reshape(ops.matmul(level_onehot, self.log_scales * k), shape))
        weights = ops.softmax(ops.reshape(ops.matmul(level_onehot, self.logits * k), shape), axis=-1)
        return means, scales, weights

    def likelihood(self, z, level_onehot):
        """Probability mass of [z - 1/2, z + 1/2] for flat latents z of shape (B, E)."""
        means, scales, weights = self._params(level_onehot)
        z = ops.expand_dims(z, -1)
        upper = (z + 0.5 - means) / scales
        lower = (z - 0.5 - means) / scales
        # Evaluate in the tail nearer to zero so the difference does not cancel.
        flip = -ops.sign(upper + lower)
        mass = ops.abs(ops.sigmoid(flip * upper) - ops.sigmoid(flip * lower))
        return ops.sum(weights * mass, axis=-1)

    def bits(self, z, level_onehot):
        """Ideal code length in bits of each row of z (B, E) -> (B,)."""
        p = ops.maximum(self.likelihood(z, level_onehot), MIN_LIKELIHOOD)
        return ops.sum(-ops.log(p), axis=-1) / np.log(2.0)

    # ---- coding tables (numpy, float64, computed once and shipped as integers) ----

    def numpy_params(self, level: int):
        k = self.components
        def param(weight):
            return np.asarray(keras.ops.convert_to_numpy(weight), np.float64)[level].reshape(-1, k) * PARAM_SCALE

        means, scales, logits = param(self.means), np.exp(param(self.log_scales)), param(self.logits)
        weights = np.exp(logits - logits.max(-1, keepdims=True))
        weights /= weights.sum(-1, keepdims=True)
        return means, scales, weights

    def coding_tables(self, level: int) -> CodingTables:
        """Integer tables for one level: each element's pmf at the integers
        that hold all but ``TAIL_MASS`` of its mass."""
        from training.tables import CodingTables

        means, scales, weights = self.numpy_params(level)
        offsets, pmfs = [], []
        for m, s, w in zip(means, scales, weights):
            lo = int(np.floor(np.min(m - 30 * s)))
            hi = int(np.ceil(np.max(m + 30 * s)))
            lo, hi = max(lo, -512), min(hi, 512)
            x = np.arange(lo, hi + 1, dtype=np.float64)[:, None]
            cdf = lambda t: 0.5 * (1.0 + np.tanh((t - m) / (2.0 * s)))  # logistic CDF, no overflow  # noqa: E731
            pmf = ((cdf(x + 0.5) - cdf(x - 0.5)) * w).sum(-1)
            keep = np.cumsum(pmf) > TAIL_MASS / 2
            keep &= np.cumsum(pmf[::-1])[::-1] > TAIL_MASS / 2
            idx = np.flatnonzero(keep)
            first, last = (idx[0], idx[-1]) if len(idx) else (int(np.argmax(pmf)),) * 2
            offsets.append(lo + int(first))
            pmfs.append(pmf[first:last + 1])
        return CodingTables.from_pmfs(pmfs, offsets)
