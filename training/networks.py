"""Keras networks as the codec classes of aec.codec take them (training's side of
aec/runtime.py): ``predict`` as Keras has it, and for a decoder the search's
``sse_and_gradient``, by TensorFlow's or JAX's own differentiation.

Training measures its models through these before the converter exports them;
``aec`` itself runs the LiteRT export (aec/runtime.py) and needs none of this.
"""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np

from training import layers  # noqa: F401  (registers the custom layers for loading)


class KerasDecoder:
    """A Keras decoder ([symbols, level] -> image) with ``sse_and_gradient``."""

    def __init__(self, model):
        self.model = model
        self._tf_run = None

    def predict(self, inputs, batch_size=256, verbose=0):
        """predict_on_batch in chunks: predict's floats without its per-call data pipeline."""
        n = len(inputs[0])
        parts = [np.asarray(self.model.predict_on_batch([x[i:i + batch_size] for x in inputs]))
                 for i in range(0, n, batch_size)]
        return np.concatenate(parts) if parts else np.zeros((0, 28, 28, 1), np.float32)

    def sse_and_gradient(self, symbols, level_onehot, target):
        """SSE of the decoded symbols against target (B,28,28,1) per digit, and its
        gradient with respect to the symbols; numpy in and out."""
        backend = keras.backend.backend()
        if backend == "tensorflow":
            import tensorflow as tf

            if self._tf_run is None:
                @tf.function(reduce_retracing=True)
                def run(s, onehot, target):
                    with tf.GradientTape() as tape:
                        tape.watch(s)
                        sse = tf.reduce_sum(tf.square(self.model([s, onehot], training=False) - target), axis=[1, 2, 3])
                    return sse, tape.gradient(sse, s)

                self._tf_run = run
            sse, grad = self._tf_run(tf.constant(symbols), tf.constant(level_onehot), tf.constant(target, tf.float32))
            return sse.numpy(), grad.numpy()
        if backend == "jax":
            import jax

            level_onehot = jax.numpy.asarray(level_onehot)

            def total(s):
                sse = ((self.model([s, level_onehot], training=False) - target) ** 2).sum(axis=(1, 2, 3))
                return sse.sum(), sse

            (_, sse), grad = jax.value_and_grad(total, has_aux=True)(symbols)
            return np.asarray(sse), np.asarray(grad)
        raise NotImplementedError(f"the rate-distortion search needs the tensorflow or jax backend, not {backend}")


def keras_codec(folder):
    """A learned model folder's Keras networks as an aec.codec.LearnedCodec (searchable)."""
    from aec.codec import LearnedCodec

    folder = Path(folder)
    return LearnedCodec.load(folder, (keras.saving.load_model(folder / "encoder.keras"),
                                      KerasDecoder(keras.saving.load_model(folder / "decoder.keras"))))


def keras_talk(folder):
    """The talk's Keras networks as an aec.codec.TalkCodec."""
    from aec.codec import TalkCodec

    folder = Path(folder)
    return TalkCodec.load(folder, (keras.saving.load_model(folder / "encoder.keras"),
                                   keras.saving.load_model(folder / "decoder.keras")))


def keras_codecs(models_dir, prior=None):
    """Every Keras model of a models folder as an aec.codec.Codecs (with ``prior``, the
    converter's version-4 table, its one-digit files are version 4 as the package's are)."""
    from aec import levels
    from aec.codec import Codecs

    models_dir = Path(models_dir)
    learned = {name: keras_codec(models_dir / name) for name in levels.LEARNED_FOLDERS if (models_dir / name).exists()}
    return Codecs({levels.TALK: keras_talk(models_dir / levels.TALK), **learned}, prior)
