"""The talk's network, exactly as the Keras blog / the talk built it."""

from training.talk_model import build_talk_autoencoder, split

EXPECTED = [
    ("InputLayer", None, (None, 28, 28, 1)),
    ("Conv2D", "relu", (None, 28, 28, 16)),
    ("MaxPooling2D", None, (None, 14, 14, 16)),
    ("Conv2D", "relu", (None, 14, 14, 8)),
    ("MaxPooling2D", None, (None, 7, 7, 8)),
    ("Conv2D", "relu", (None, 7, 7, 8)),
    ("MaxPooling2D", None, (None, 4, 4, 8)),
    ("Conv2D", "relu", (None, 4, 4, 8)),
    ("UpSampling2D", None, (None, 8, 8, 8)),
    ("Conv2D", "relu", (None, 8, 8, 8)),
    ("UpSampling2D", None, (None, 16, 16, 8)),
    ("Conv2D", "relu", (None, 14, 14, 16)),
    ("UpSampling2D", None, (None, 28, 28, 16)),
    ("Conv2D", "sigmoid", (None, 28, 28, 1)),
]


def test_layers_and_parameters():
    model = build_talk_autoencoder()
    got = []
    for layer in model.layers:
        activation = getattr(layer, "activation", None)
        shape = layer.output.shape if layer.__class__.__name__ != "InputLayer" else layer.batch_shape
        got.append((layer.__class__.__name__, activation.__name__ if activation else None, tuple(shape)))
    assert got == EXPECTED
    assert model.count_params() == 4385
    assert [layer.kernel_size for layer in model.layers if layer.__class__.__name__ == "Conv2D"] == [(3, 3)] * 7
    assert model.get_layer("dec_conv3").padding == "valid"
    assert model.loss == "binary_crossentropy"
    assert model.optimizer.__class__.__name__ == "Adam"


def test_split_shares_weights():
    model = build_talk_autoencoder()
    encoder, decoder = split(model)
    assert encoder.output.shape[1:] == (4, 4, 8)
    assert decoder.input.shape[1:] == (4, 4, 8)
    assert encoder.count_params() + decoder.count_params() == 4385
    assert decoder.get_layer("reconstruction") is model.get_layer("reconstruction")
