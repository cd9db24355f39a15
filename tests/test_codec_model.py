"""The learned codec's parts, tested directly: GDN, the level gains, the level
input and the choice of shipped levels, and the information bound (the rate
the model trains on is what the arithmetic coder spends), after TensorFlow
Compression's ``test_information_bounds``."""

import keras
import numpy as np
import pytest

from aec import format as fmt
from aec.codec import level_input
from training.layers import GDN, LevelGain
from aec.pixels import to_float, to_symbols
from aec.tables import COST_BITS, TableSet
from tests.tiny_models import mnist_test
from training.codec_model import CodecParts, select_levels
from training.train import pick_levels

LAMBDAS = (24.0, 96.0, 384.0)


def softplus(x):
    return np.log1p(np.exp(x))


def test_gdn_is_divisive_normalisation_and_igdn_multiplies():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 3, 3, 4)).astype(np.float32)
    gdn, igdn = GDN(), GDN(inverse=True)
    gdn.build(x.shape)
    igdn.build(x.shape)
    beta = rng.normal(size=4).astype(np.float32)
    gamma = rng.normal(size=(4, 4)).astype(np.float32)
    for layer in (gdn, igdn):
        layer.set_weights([beta, gamma])
    norm = np.sqrt(softplus(beta) + 1e-6 + (x ** 2) @ softplus(gamma))
    np.testing.assert_allclose(keras.ops.convert_to_numpy(gdn(x)), x / norm, rtol=1e-5)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(igdn(x)), x * norm, rtol=1e-5)


def test_gdn_starts_near_a_scaled_identity_and_keeps_its_config():
    x = np.linspace(-1, 1, 32, dtype=np.float32).reshape(1, 2, 2, 8)
    layer = GDN()
    y = keras.ops.convert_to_numpy(layer(x))
    # beta = 1, gamma = 0.1 on the diagonal: y = x / sqrt(1 + 0.1 x^2 + ...)
    assert np.all(np.sign(y) == np.sign(x)) and np.all(np.abs(y) <= np.abs(x) + 1e-7)
    np.testing.assert_allclose(y, x / np.sqrt(1 + 1e-6 + 0.1 * x ** 2 + 1e-4 * ((x ** 2).sum(-1, keepdims=True) - x ** 2)),
                               rtol=1e-4)
    again = GDN.from_config(GDN(inverse=True).get_config())
    assert again.inverse is True


def test_level_gain_scales_each_channel_by_its_levels_gain():
    init = np.log(np.array([[1.0, 2.0], [3.0, 0.5], [4.0, 4.0]], np.float32))
    layer = LevelGain(3, 2, init=init)
    x = np.ones((3, 2, 2, 2), np.float32)
    onehot = np.eye(3, dtype=np.float32)  # digit i at level i + 1
    y = keras.ops.convert_to_numpy(layer(x, onehot))
    np.testing.assert_allclose(y[:, 0, 0, :], np.exp(init), rtol=1e-5)
    assert LevelGain.from_config(layer.get_config()).num_levels == 3


def test_level_gains_start_finer_at_higher_levels_and_invert():
    parts = CodecParts(LAMBDAS, filters=8)
    gains = np.exp(10 * parts.gain.get_weights()[0])
    inverse = np.exp(10 * parts.inverse_gain.get_weights()[0])
    assert np.all(np.diff(gains[:, 0]) > 0)  # level 1 quantises coarsest
    np.testing.assert_allclose(gains * inverse, 1.0, rtol=1e-5)


def test_level_input_is_one_based_and_checked():
    x = level_input(3, 7, 2)
    assert x.shape == (2, 7) and x.dtype == np.float32
    assert x[:, 2].tolist() == [1.0, 1.0] and x.sum() == 2
    for bad in (0, 8):
        with pytest.raises(ValueError):
            level_input(bad, 7, 1)


def test_pick_levels_starts_at_the_first_legible_level():
    def est(*pairs):
        return [{"bytes": b, "psnr": p} for b, p in pairs]

    rows = est((5, 20), (6.5, 23), (8, 21.5), (9, 22.5), (12, 25), (20, 28), (30, 30))
    assert pick_levels(rows, 3) == [3, 4, 5]
    assert pick_levels(rows, 5) == [2, 3, 4, 5, 6]  # moved down so that five fit
    assert pick_levels(est((5, 20), (6, 21)), 2) == [0, 1]  # none legible: from the first


def test_select_levels_keeps_the_chosen_levels_renumbered():
    keras.utils.set_random_seed(1)
    parts = CodecParts(LAMBDAS, filters=8)
    trainer = type("Trainer", (), {})()
    trainer.encoder, trainer.decoder, trainer.prior, trainer.lambdas = (parts.encoder, parts.decoder,
                                                                          parts.prior, parts.lambdas)
    chosen = select_levels(trainer, [1, 2])
    assert chosen.lambdas == LAMBDAS[1:]
    x = to_float(mnist_test()[0][:4])
    for new, old in ((1, 2), (2, 3)):
        np.testing.assert_allclose(chosen.encoder.predict([x, level_input(new, 2, 4)], verbose=0),
                                   parts.encoder.predict([x, level_input(old, 3, 4)], verbose=0), rtol=1e-5)
        np.testing.assert_allclose(chosen.prior.numpy_params(new - 1)[0], parts.prior.numpy_params(old - 1)[0])


# The bound: for each level, over real digits, the coder's payload is the
# model's rate at the rounded latents plus what the coder itself adds:
#  * 16-bit tables: their exact code lengths (cost_q16) stay within TABLE_SLACK
#    of the model's -log2 p, summed over a digit;
#  * the coder's termination and byte rounding: 0 to TERMINATION_BITS more bits
#    (the decoder reads zeros past the end, so a file may also end a bit early).
TABLE_SLACK = 0.02     # relative, per digit
TERMINATION_BITS = 10  # at most 2 bits to end the interval + 7 of byte padding, +1 of state rounding
MEAN_EXTRA_BITS = 4    # measured 0.5 to 3.1 bits on 300 digits at levels 1-3 (untrained networks)
DIGITS = 300


@pytest.mark.parametrize("level", [1, 2, 3])
def test_information_bounds(level):
    keras.utils.set_random_seed(0)
    parts = CodecParts(LAMBDAS, filters=8)
    images = mnist_test()[0][:DIGITS]
    onehot = level_input(level, len(LAMBDAS), DIGITS)
    symbols = to_symbols(parts.encoder.predict([to_float(images), onehot], verbose=0))
    model_bits = keras.ops.convert_to_numpy(parts.prior.bits(symbols.astype(np.float32), onehot))

    tables = TableSet([parts.prior.coding_tables(level - 1)])
    rows = tables.choose(symbols)
    assert np.array_equal(tables.symbols(rows), symbols), "every symbol inside the tables' range"
    table_bits = tables.row_costs(rows) / (1 << COST_BITS)
    np.testing.assert_allclose(table_bits, model_bits, rtol=TABLE_SLACK, atol=0.5)

    files = fmt.encode_digits(level, rows, tables)
    payload = np.array([8 * len(f) for f in files]) - len(fmt.header_bits(level, 1))
    extra = payload - table_bits
    assert extra.max() <= TERMINATION_BITS, extra.max()
    # A file can end early (trailing zero bits are implicit), so one file may
    # spend less than its code length; on average the coder adds a few bits.
    assert 0 <= extra.mean() <= MEAN_EXTRA_BITS, extra.mean()
