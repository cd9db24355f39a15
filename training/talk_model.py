"""The talk's network: the convolutional autoencoder of the Keras blog post
"Building Autoencoders in Keras", as used in "Auto-encoders voor compressie" (2018).

28x28x1 -> 3x(conv + max-pool) -> 4x4x8 = 128 latents -> 3x(conv + upsample) -> 28x28x1.
4,385 parameters, binary cross-entropy, Adam. After training it is split into
an encoder and a decoder, which is how the talk turns it into a "compressor".

As a codec its 128 latents are stored as 8-bit integers: ``quantise_latents``
maps them onto 0..255 with one scale (the largest latent seen in training).
"""

from __future__ import annotations

import keras
import numpy as np
from keras import layers

from aec.pixels import dequantise_latents, quantise_latents  # noqa: F401  (the talk's 8-bit latents)

LATENT_SHAPE = (4, 4, 8)
LATENT_SIZE = 128


def build_talk_autoencoder() -> keras.Model:
    """The exact network of the blog post / talk (layer names let us split it)."""
    image = keras.Input(shape=(28, 28, 1), name="image")
    x = layers.Conv2D(16, 3, activation="relu", padding="same", name="enc_conv1")(image)
    x = layers.MaxPooling2D(2, padding="same", name="enc_pool1")(x)
    x = layers.Conv2D(8, 3, activation="relu", padding="same", name="enc_conv2")(x)
    x = layers.MaxPooling2D(2, padding="same", name="enc_pool2")(x)
    x = layers.Conv2D(8, 3, activation="relu", padding="same", name="enc_conv3")(x)
    latent = layers.MaxPooling2D(2, padding="same", name="latent")(x)  # 4x4x8

    y = layers.Conv2D(8, 3, activation="relu", padding="same", name="dec_conv1")(latent)
    y = layers.UpSampling2D(2, name="dec_up1")(y)
    y = layers.Conv2D(8, 3, activation="relu", padding="same", name="dec_conv2")(y)
    y = layers.UpSampling2D(2, name="dec_up2")(y)
    y = layers.Conv2D(16, 3, activation="relu", padding="valid", name="dec_conv3")(y)  # 16 -> 14
    y = layers.UpSampling2D(2, name="dec_up3")(y)
    out = layers.Conv2D(1, 3, activation="sigmoid", padding="same", name="reconstruction")(y)
    model = keras.Model(image, out, name="talk_autoencoder")
    model.compile(optimizer="adam", loss="binary_crossentropy")
    return model


def split(autoencoder: keras.Model) -> tuple[keras.Model, keras.Model]:
    """Split the trained autoencoder at its 4x4x8 bottleneck (weights are shared)."""
    image = autoencoder.input
    latent = autoencoder.get_layer("latent").output
    encoder = keras.Model(image, latent, name="talk_encoder")

    code = keras.Input(shape=LATENT_SHAPE, name="latent")
    y = code
    start = [layer.name for layer in autoencoder.layers].index("dec_conv1")
    for layer in autoencoder.layers[start:]:
        y = layer(y)
    decoder = keras.Model(code, y, name="talk_decoder")
    return encoder, decoder


def latent_scale(latents: np.ndarray) -> float:
    """The one scale of the 8-bit quantiser: the largest latent value seen."""
    return float(np.max(latents))
