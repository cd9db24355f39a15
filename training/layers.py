"""The learned codec's custom Keras layers, which loading its networks needs.

``training.codec_model`` builds the transforms from them, and training, the
converter and the tests load the ``.keras`` files with them; the ``aec`` runtime
runs the converter's LiteRT export and needs no Keras. GDN and LevelGain are
registered under the package name "training", gelu_tanh under "aec": the
committed ``.keras`` files name them so.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import layers, ops


@keras.saving.register_keras_serializable(package="training")
class GDN(layers.Layer):
    """Generalised divisive normalisation (Ballé et al.), or its inverse.

    y_i = x_i / sqrt(beta_i + sum_j gamma_ij x_j^2); the inverse multiplies.
    beta and gamma stay positive through a softplus.
    """

    def __init__(self, inverse: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.inverse = inverse

    def build(self, input_shape):
        c = input_shape[-1]
        inv_softplus = lambda v: float(np.log(np.expm1(v)))  # noqa: E731
        self.beta = self.add_weight(name="beta", shape=(c,),
                                    initializer=keras.initializers.Constant(inv_softplus(1.0)))
        gamma0 = np.full((c, c), inv_softplus(1e-4), np.float32)
        np.fill_diagonal(gamma0, inv_softplus(0.1))
        self.gamma = self.add_weight(name="gamma", shape=(c, c),
                                     initializer=keras.initializers.Constant(gamma0))

    def call(self, x):
        norm = ops.sqrt(ops.softplus(self.beta) + 1e-6 + ops.matmul(ops.square(x), ops.softplus(self.gamma)))
        return x * norm if self.inverse else x / norm

    def get_config(self):
        return {**super().get_config(), "inverse": self.inverse}


@keras.saving.register_keras_serializable(package="training")
class LevelGain(layers.Layer):
    """Per-level, per-channel positive gain, chosen by a one-hot level vector."""

    def __init__(self, num_levels: int, channels: int, init=None, **kwargs):
        super().__init__(**kwargs)
        self.num_levels, self.channels = num_levels, channels
        init = np.zeros((num_levels, channels), np.float32) if init is None else np.asarray(init, np.float32)
        # Stored divided by 10 so Adam moves it 10x faster (see entropy_model.PARAM_SCALE).
        self.log_gain = self.add_weight(name="log_gain", shape=(num_levels, channels),
                                        initializer=keras.initializers.Constant(init / 10.0))

    def call(self, x, level_onehot):
        gain = ops.exp(ops.matmul(level_onehot, self.log_gain * 10.0))  # (B, C)
        return x * ops.reshape(gain, (-1,) + (1,) * (len(x.shape) - 2) + (self.channels,))

    def get_config(self):
        return {**super().get_config(), "num_levels": self.num_levels, "channels": self.channels}


@keras.saving.register_keras_serializable(package="aec")
def gelu_tanh(x):
    """GELU, tanh approximation (the low-rate network's activation). Exact GELU
    exports to TensorFlow's Erfc, which TF.js has no kernel for."""
    return keras.activations.gelu(x, approximate=True)
