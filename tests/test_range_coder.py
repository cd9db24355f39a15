"""Coding tables and the arithmetic coder (aec/tables.py, aec/range_coder.py)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from aec.batch_coder import bytes_to_bit_matrix, decode_batch, encode_batch  # noqa: E402
from aec.range_coder import (HALF, MASK, STATE_BITS, ArithmeticDecoder, ArithmeticEncoder,  # noqa: E402
                             BitReader, BitWriter, decode_indices, encode_indices)
from aec.tables import TOTAL, CodingTables, TablesError, quantize_pmf  # noqa: E402

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# ---------------------------------------------------------------------------
# strategies
# ---------------------------------------------------------------------------
@st.composite
def tables_strategy(draw, max_elements=6, max_size=40):
    """Random valid tables: skewed pmfs, near-deterministic and tiny alphabets included."""
    E = draw(st.integers(1, max_elements))
    pmfs, offsets = [], []
    for _ in range(E):
        n = draw(st.integers(1, max_size))
        kind = draw(st.sampled_from(["random", "peaked", "uniform"]))
        if kind == "uniform":
            p = np.ones(n)
        elif kind == "peaked":
            p = np.full(n, 1e-9)
            p[draw(st.integers(0, n - 1))] = 1.0
        else:
            p = np.array(draw(st.lists(st.floats(0, 1e3), min_size=n, max_size=n)))
        pmfs.append(p)
        offsets.append(draw(st.integers(-300, 300)))
    return CodingTables.from_pmfs(pmfs, offsets)


@st.composite
def stream_strategy(draw, max_len=60):
    """(tables, table_ids (S,), indices (B, S))"""
    tables = draw(tables_strategy())
    S = draw(st.integers(0, max_len))
    B = draw(st.integers(1, 5))
    tid = np.array(draw(st.lists(st.integers(0, tables.num_elements - 1), min_size=S, max_size=S)), dtype=np.int64)
    mode = draw(st.sampled_from(["random", "zeros", "top", "mixed"]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    sizes = tables.sizes[tid].astype(np.int64)
    if mode == "zeros":
        idx = np.zeros((B, S), np.int64)
    elif mode == "top":
        idx = np.broadcast_to(sizes - 1, (B, S)).copy()
    else:
        idx = (rng.random((B, S)) * sizes).astype(np.int64)
        if mode == "mixed":
            idx[:, ::2] = sizes[::2] - 1
    return tables, tid, idx


def scalar_encode(idx_row, tid, tables, prefix=()):
    w = BitWriter()
    for b in prefix:
        w.write_bit(b)
    encode_indices(w, idx_row, tid, tables)
    return w


# ---------------------------------------------------------------------------
# tables
# ---------------------------------------------------------------------------
@SETTINGS
@given(st.lists(st.floats(0, 1e6), min_size=1, max_size=300))
def test_quantize_pmf_properties(pmf):
    f = quantize_pmf(pmf)
    n = max(len(pmf), 2)
    assert f.dtype == np.uint16 and f.size == n
    assert int(f.astype(np.int64).sum()) == TOTAL
    assert f.min() >= 1
    assert np.array_equal(f, quantize_pmf(pmf))  # deterministic
    p = np.zeros(n)
    p[:len(pmf)] = pmf
    p = p / p.sum() if p.sum() > 0 else np.full(n, 1 / n)
    # close to the pmf: at most 1 + n/TOTAL... per entry in probability units
    assert np.all(np.abs(f / TOTAL - p) <= (n + 1) / TOTAL + 1e-12)


def test_quantize_pmf_examples():
    assert quantize_pmf([1.0]).tolist() == [TOTAL - 1, 1]
    assert quantize_pmf([0.5, 0.5]).tolist() == [32768, 32768]
    assert quantize_pmf([1, 1, 1]).tolist() == [21846, 21845, 21845]  # leftover to the lowest index
    assert quantize_pmf([0, 0, 0, 0]).tolist() == [16384] * 4
    assert quantize_pmf([1, 0]).tolist() == [TOTAL - 1, 1]
    for bad in ([], [-1, 2], [np.nan, 1], [np.inf, 1]):
        with pytest.raises(ValueError):
            quantize_pmf(bad)


def test_tables_layout_and_cdf():
    t = CodingTables([-1, 5], [3, 2], [1, 65534, 1, 40000, 25536])
    assert t.num_elements == 2 and t.E == 2
    assert t.cdf(0).tolist() == [0, 1, 65535, TOTAL]
    assert t.cdf(1).tolist() == [0, 40000, TOTAL]
    assert t.freqs_of(1).tolist() == [40000, 25536]
    assert t.cdf_lists() == [[0, 1, 65535, TOTAL], [0, 40000, TOTAL]]
    # symbols <-> indices with clamping
    assert t.symbols_to_indices([[-7, 100], [0, 5], [1, 6]]).tolist() == [[0, 1], [1, 0], [2, 1]]
    assert t.indices_to_symbols([[0, 1], [2, 0]]).tolist() == [[-1, 6], [1, 5]]


def test_uniform_tables():
    t = CodingTables.uniform(128, 8)
    assert t.num_elements == 128 and set(t.sizes.tolist()) == {256}
    assert set(t.freqs.tolist()) == {256} and not t.offsets.any()
    assert CodingTables.uniform(3, 16).sizes.tolist() == [65536] * 3
    for E, bits in ((0, 8), (4, 0), (4, 17)):
        with pytest.raises(TablesError):
            CodingTables.uniform(E, bits)


def test_tables_json_roundtrip():
    t = CodingTables([-3, 0, 7], [2, 3, 4], [65535, 1, 1, 1, 65534, 16384, 16384, 16384, 16384])
    j = t.to_json()
    assert set(j) == {"offsets", "sizes", "freqs"} and isinstance(j["freqs"], str)
    assert CodingTables.from_json(j) == t
    import json
    assert CodingTables.from_json(json.dumps(j)) == t
    # little-endian uint16
    import base64
    assert base64.b64decode(j["freqs"])[:4] == bytes([0xFF, 0xFF, 0x01, 0x00])


@pytest.mark.parametrize("obj, msg", [
    ({"offsets": [0], "sizes": [1], "freqs": "AAA="}, "symbols"),
    ({"offsets": [0], "sizes": [2], "freqs": "AAAAAA=="}, "frequency"),  # zeros
    ({"offsets": [0, 0], "sizes": [2], "freqs": "AIAAgA=="}, "sizes"),
    ({"offsets": [0], "sizes": [3], "freqs": "AIAAgA=="}, "add up"),
    ({"offsets": [0], "sizes": [2], "freqs": "AYAAgA=="}, "sum to"),
    ({"offsets": [0], "sizes": [2], "freqs": "not base64!"}, "base64"),
    ({"offsets": [0], "sizes": [2], "freqs": "AIAA"}, "odd"),
    ({"offsets": [0.5], "sizes": [2], "freqs": "AIAAgA=="}, "integers"),
    ({"offsets": [], "sizes": [], "freqs": ""}, "at least one"),
    ({"sizes": [2], "freqs": "AIAAgA=="}, "expected an object"),
    ("{not json", "not JSON"),
])
def test_tables_validation(obj, msg):
    with pytest.raises(TablesError, match=msg):
        CodingTables.from_json(obj)
    assert issubclass(TablesError, ValueError)


def test_tables_valid_minimal():
    t = CodingTables.from_json({"offsets": [0], "sizes": [2], "freqs": "AIAAgA=="})
    assert t.freqs.tolist() == [32768, 32768]


# ---------------------------------------------------------------------------
# scalar coder
# ---------------------------------------------------------------------------
def test_bit_writer_reader():
    w = BitWriter()
    w.write_bits(0b1011, 4)
    w.write_bit(1)
    w.write_bits(0, 3)
    w.write_bits(0x1FF, 9)
    assert w.bit_length == 17
    assert w.to_bytes() == bytes([0b10111000, 0xFF, 0x80])
    r = BitReader(w.to_bytes())
    assert r.read_bits(4) == 0b1011 and r.read_bits(13) == 0b1000111111111
    assert r.read_bits(40) == 0  # zeros past the end, forever
    assert r.position == 57


def test_uniform_tables_code_raw_bits():
    """With a uniform 8-bit table the coder output is exactly the bytes (the talk model)."""
    t = CodingTables.uniform(4, 8)
    w = scalar_encode([0x12, 0x34, 0xAB, 0xFF], [0, 1, 2, 3], t)
    assert w.to_bytes() == bytes([0x12, 0x34, 0xAB, 0xFF])  # low ends at 0: no termination bit
    w = scalar_encode([0x12, 0x34, 0xAB, 0x00], [0, 1, 2, 3], t)
    assert w.to_bytes() == bytes([0x12, 0x34, 0xAB, 0x00])


def test_termination_is_minimal():
    """finish() emits at most one bit beyond the pending bits (low < HALF <= high after renorm)."""
    t = CodingTables([0, 0], [2, 3], [1, 65535, 20000, 25536, 20000])
    rng = np.random.default_rng(1)
    for _ in range(200):
        S = int(rng.integers(0, 30))
        tid = rng.integers(0, 2, S)
        idx = (rng.random(S) * t.sizes[tid]).astype(int)
        w = BitWriter()
        enc = ArithmeticEncoder(w)
        for k, e in zip(idx, tid):
            c = t.cdf(e)
            enc.encode(int(c[k]), int(c[k + 1]))
        before, pending, low = w.bit_length, enc.pending, enc.low
        assert low < HALF <= enc.high
        enc.finish()
        assert w.bit_length - before == pending + (1 if (pending or low) else 0)
        assert decode_indices(BitReader(w.to_bytes()), tid, t).tolist() == idx.tolist()


def test_pending_bits_long_runs():
    """Intervals that straddle the middle build up long underflow runs."""
    t = CodingTables([0], [3], [32767, 2, 32767])
    idx = np.ones(400, np.int64)  # the middle symbol, again and again
    tid = np.zeros(400, np.int64)
    w = scalar_encode(idx, tid, t)
    assert decode_indices(BitReader(w.to_bytes()), tid, t).tolist() == idx.tolist()
    bits, nbits = encode_batch(idx[None, :], tid, t)
    assert bits[0, :nbits[0]].tobytes() == bytes(w.bits)
    assert decode_batch(bits, 0, tid, t)[0].tolist() == idx.tolist()


def test_decoder_stays_in_interval_on_any_input():
    t = CodingTables([0, 0], [2, 4], [1, 65535, 100, 30000, 30000, 5436])
    rng = np.random.default_rng(7)
    for _ in range(300):
        data = rng.integers(0, 256, int(rng.integers(0, 12))).astype(np.uint8).tobytes()
        dec = ArithmeticDecoder(BitReader(data))
        for j in range(40):
            dec.decode(t.cdf_lists()[j % 2])
            assert dec.low <= dec.code <= dec.high <= MASK
            assert dec.low < HALF <= dec.high


def test_out_of_range_indices_are_refused():
    t = CodingTables([0], [2], [32768, 32768])
    with pytest.raises(ValueError):
        encode_indices(BitWriter(), [2], [0], t)
    with pytest.raises(ValueError):
        encode_batch(np.array([[0, -1]]), [0, 0], t)
    with pytest.raises(ValueError):
        encode_batch(np.array([[0]]), [1], t)


# ---------------------------------------------------------------------------
# batched coder == scalar coder
# ---------------------------------------------------------------------------
@SETTINGS
@given(stream_strategy(), st.lists(st.integers(0, 1), max_size=12))
def test_batch_encoder_matches_scalar_and_roundtrips(case, prefix):
    tables, tid, idx = case
    bits, nbits = encode_batch(idx, tid, tables, prefix_bits=prefix)
    assert bits.dtype == np.uint8 and bits.shape[0] == idx.shape[0]
    for i in range(idx.shape[0]):
        w = scalar_encode(idx[i], tid, tables, prefix)
        assert nbits[i] == w.bit_length
        assert bits[i, :nbits[i]].tobytes() == bytes(w.bits)
        assert not bits[i, nbits[i]:].any()
        # scalar decode
        r = BitReader(w.to_bytes(), len(prefix))
        assert decode_indices(r, tid, tables).tolist() == idx[i].tolist()
        # a batch of one row gives the same bits
        b1, n1 = encode_batch(idx[i:i + 1], tid, tables, prefix_bits=prefix)
        assert n1[0] == nbits[i] and np.array_equal(b1[0, :n1[0]], bits[i, :nbits[i]])
    # batched decode, from the bit matrix and from bytes
    assert np.array_equal(decode_batch(bits, len(prefix), tid, tables), idx)
    datas = [np.packbits(bits[i]).tobytes() for i in range(idx.shape[0])]
    assert np.array_equal(decode_batch(datas, len(prefix), tid, tables), idx)


@SETTINGS
@given(tables_strategy(), st.lists(st.binary(max_size=24), min_size=1, max_size=6), st.data())
def test_batch_decoder_matches_scalar_on_arbitrary_bytes(tables, datas, data):
    S = data.draw(st.integers(0, 80))
    tid = np.array(data.draw(st.lists(st.integers(0, tables.num_elements - 1), min_size=S, max_size=S)), np.int64)
    starts = np.array(data.draw(st.lists(st.integers(0, 20), min_size=len(datas), max_size=len(datas))))
    got = decode_batch(datas, starts, tid, tables)
    for i, d in enumerate(datas):
        want = decode_indices(BitReader(d, int(starts[i])), tid, tables)
        assert got[i].tolist() == want.tolist()
        assert np.all(got[i] < tables.sizes[tid])


def test_bytes_to_bit_matrix():
    m = bytes_to_bit_matrix([b"\x80", b"", b"\x01\xff"])
    assert m.shape[0] == 3 and m.shape[1] >= 24 and not m[:, -8:].any()
    assert m[0, :8].tolist() == [1, 0, 0, 0, 0, 0, 0, 0] and not m[1].any()
    assert m[2, :16].tolist() == [0] * 7 + [1] * 9


def test_batch_grows_its_buffers():
    """Worst-case output (frequency-1 symbols) far beyond the initial length guess."""
    t = CodingTables([0], [2], [65535, 1])
    idx = np.ones((3, 300), np.int64)
    tid = np.zeros(300, np.int64)
    bits, nbits = encode_batch(idx, tid, t)
    assert nbits.min() >= 16 * 300  # about 16 bits per symbol
    w = scalar_encode(idx[0], tid, t)
    assert bytes(w.bits) == bits[0, :nbits[0]].tobytes()
    assert np.array_equal(decode_batch(bits, 0, tid, t), idx)


def test_state_constants():
    assert STATE_BITS == 32 and HALF == 2**31 and MASK == 2**32 - 1 and TOTAL == 2**16


@SETTINGS
@given(tables_strategy(), st.integers(1, 6), st.integers(0, 40), st.integers(0, 2**32 - 1),
       st.integers(0, 8))
def test_batch_with_a_table_per_row_matches_scalar(tables, B, S, seed, prefix_len):
    """table_ids (B, S) and prefix_bits (B, P): each row codes as the scalar coder would
    with its own tables and prefix (what files with different table clusters need)."""
    rng = np.random.default_rng(seed)
    tid = rng.integers(0, tables.num_elements, size=(B, S))
    idx = (rng.random((B, S)) * tables.sizes[tid]).astype(np.int64)
    prefix = rng.integers(0, 2, size=(B, prefix_len)).astype(np.uint8)
    bits, nbits = encode_batch(idx, tid, tables, prefix_bits=prefix)
    for i in range(B):
        w = scalar_encode(idx[i], tid[i], tables, prefix[i].tolist())
        assert nbits[i] == w.bit_length and bits[i, :nbits[i]].tobytes() == bytes(w.bits)
    assert np.array_equal(decode_batch(bits, prefix_len, tid, tables), idx)
    datas = [np.packbits(bits[i]).tobytes() for i in range(B)]
    assert np.array_equal(decode_batch(datas, prefix_len, tid, tables), idx)
