"""The digit file format (aec/format.py) and the shared version-2 test vectors
(version 3's own: tests/test_format_v3.py).

Run as a script (``python tests/test_format.py``) to print the detection rates
of the canonical check on bigger samples (the numbers quoted in site/format.md).
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for p in (ROOT, ROOT / "tests" / "vectors"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from aec.format import (MAX_DIGITS, Decoded, FormatError, UnknownModel,  # noqa: E402
                             UnsupportedVersion, decode_digits, decode_files, decode_stream,
                             encode_digits, encode_stream, gamma_bits, header_bits,
                             max_file_bytes, read_header)
from aec.tables import CodingTables, TableSet, cost_q16  # noqa: E402

VECTORS = ROOT / "tests" / "vectors" / "format_v2.json"
# the v2 refusals a v3 reader words differently (its `11` means something now), from format_v3.json
SUPERSEDED = {v["hex"]: v["error"] for v in
              json.loads((ROOT / "tests" / "vectors" / "format_v3.json").read_text())["v2_superseded"]}
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def load_suites():
    data = json.loads(VECTORS.read_text())
    assert data["format_version"] == 2
    suites = []
    for s in data["suites"]:
        models = {int(k): TableSet.from_json(v) for k, v in s["models"].items()}
        suites.append((s, models))
    return suites


SUITES = load_suites()
VECTOR_CASES = [(s["name"], v, models) for s, models in SUITES for v in s["vectors"]]
INVALID_CASES = [(s["name"], v, models) for s, models in SUITES for v in s["invalid"]]


def synthetic():
    return next(models for s, models in SUITES if s["name"] == "synthetic")


# ---------------------------------------------------------------------------
# shared vectors
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("suite, vec, models", VECTOR_CASES, ids=[f"{c[0]}: {c[1]['name']}" for c in VECTOR_CASES])
def test_vector(suite, vec, models):
    tables = models[vec["model_id"]]
    idx = np.array(vec["indices"], dtype=np.int64)
    data = bytes.fromhex(vec["hex"])
    assert encode_stream(vec["model_id"], idx, tables).hex() == vec["hex"]
    mid, got = decode_stream(data, models)
    assert mid == vec["model_id"] and got.dtype == np.int32 and got.tolist() == vec["indices"]
    assert read_header(data, models)[:2] == (vec["model_id"], len(vec["indices"]))
    assert len(data) <= max_file_bytes(len(vec["indices"]), tables.num_elements, tables.cluster_bits)
    if len(vec["indices"]) == 1:
        assert encode_digits(vec["model_id"], idx, tables) == [data]


CHOOSE_CASES = [(s["name"], c, models) for s, models in SUITES for c in s.get("choose", [])]


@pytest.mark.parametrize("suite, case, models", CHOOSE_CASES, ids=[f"{c[0]}: {c[1]['symbols']}" for c in CHOOSE_CASES])
def test_choose_vector(suite, case, models):
    tables = models[case["model_id"]]
    row = tables.choose([case["symbols"]])[0]
    assert row.tolist() == case["row"]
    clamped = np.clip(case["symbols"], tables.clusters[0].offsets, tables.clusters[0].offsets + tables.clusters[0].sizes - 1)
    assert tables.symbols([row])[0].tolist() == clamped.tolist()


def test_cost_vectors():
    costs = json.loads(VECTORS.read_text())["costs"]
    f = np.array([c[0] for c in costs])
    assert cost_q16(f).tolist() == [c[1] for c in costs]
    every = np.arange(1, 65537)
    assert np.abs(cost_q16(every) - np.log2(65536 / every) * 65536).max() < 3  # within 3/65536 bit
    assert np.all(np.diff(cost_q16(every)) <= 0)  # rarer symbols never cost less


def test_choose_picks_the_shortest_file():
    """The cluster choose() picks codes the digit in the fewest bytes, up to rounding of the
    arithmetic coder's termination (a fraction of a byte)."""
    models = synthetic()
    t = models[3]
    rng = np.random.default_rng(5)
    for symbols in rng.integers(-5, 7, size=(60, 4)):
        row = t.choose([symbols])[0]
        chosen = len(encode_stream(3, row[None], t))
        for k in range(len(t)):
            ck = t.clusters[k]
            idx = symbols - ck.offsets
            if k and not np.all((idx >= 0) & (idx < ck.sizes)):
                continue
            other = np.concatenate([[k], ck.symbols_to_indices(symbols) if k == 0 else idx])
            assert chosen <= len(encode_stream(3, other[None], t)) + 1


@pytest.mark.parametrize("suite, vec, models", INVALID_CASES, ids=[f"{c[0]}: {c[1]['name']}" for c in INVALID_CASES])
def test_invalid_vector(suite, vec, models):
    with pytest.raises(FormatError) as info:
        decode_stream(bytes.fromhex(vec["hex"]), models)
    assert SUPERSEDED.get(vec["hex"], vec["error"]) in str(info.value)
    (res,) = decode_files([bytes.fromhex(vec["hex"])], models)
    assert isinstance(res, FormatError) and str(res) == str(info.value)


def test_vectors_batched_match_scalar():
    """decode_files on all vectors at once (batched groups) == decode_stream one by one."""
    for s, models in SUITES:
        datas = [bytes.fromhex(v["hex"]) for v in s["vectors"]] * 3  # groups big enough to batch
        datas += [bytes.fromhex(v["hex"]) for v in s["invalid"]]
        for data, res in zip(datas, decode_files(datas, models)):
            try:
                mid, idx = decode_stream(data, models)
            except FormatError as err:
                assert isinstance(res, FormatError) and str(res) == str(err)
            else:
                assert isinstance(res, Decoded) and res.model_id == mid and np.array_equal(res.rows, idx)


def test_vectors_file_is_up_to_date():
    import format_vectors
    assert format_vectors.dumps(format_vectors.build(json.loads(VECTORS.read_text()))) == VECTORS.read_text(), \
        "run: python tests/vectors/make_vectors.py format"


# ---------------------------------------------------------------------------
# header pieces
# ---------------------------------------------------------------------------
def test_gamma_and_header():
    assert gamma_bits(1) == [1]
    assert gamma_bits(2) == [0, 1, 0]
    assert gamma_bits(5) == [0, 0, 1, 0, 1]
    assert len(gamma_bits(MAX_DIGITS)) == 33
    assert header_bits(1, 1) == [1, 0, 0, 0, 1, 1]
    assert header_bits(7, 3) == [1, 0, 1, 1, 1, 0, 1, 1]
    for mid, n in ((15, 1), (-1, 1), (0, 0), (0, MAX_DIGITS + 1)):
        with pytest.raises(ValueError):
            header_bits(mid, n)


def test_max_digits_stream():
    t = CodingTables([0], [2], [65535, 1])
    idx = np.zeros((MAX_DIGITS, 1), np.int64)
    data = encode_stream(3, idx, t)
    # 10 011 | gamma(65536) = 16 zeros, 1, 16 zeros | the coder emits only zeros -> all stripped
    assert data == bytes([0x98, 0x00, 0x04])
    mid, got = decode_stream(data, {3: t})
    assert mid == 3 and got.shape == (MAX_DIGITS, 1) and not got.any()
    with pytest.raises(FormatError, match="too many digits"):
        decode_stream(data, {3: t}, max_digits=100)
    with pytest.raises(ValueError):
        encode_stream(3, np.zeros((MAX_DIGITS + 1, 1), np.int64), t)


def test_max_file_bytes_is_an_upper_bound():
    """The worst case (every symbol of frequency 1) still fits under the size limit."""
    t = CodingTables([0, 0], [2, 2], [65535, 1, 65535, 1])
    for n in (1, 2, 7, 50):
        idx = np.ones((n, 2), np.int64)  # the top symbols: about 16 one-bits each
        data = encode_stream(1, idx, t)
        assert 16 * 2 * n // 8 <= len(data) <= max_file_bytes(n, 2)
        assert decode_stream(data, {1: t})[1].tolist() == idx.tolist()


def test_error_classes_and_messages():
    models = synthetic()
    assert issubclass(FormatError, ValueError)
    with pytest.raises(UnsupportedVersion) as info:
        decode_stream(b"\x4c", models)
    assert info.value.version == 1
    with pytest.raises(UnknownModel) as info:
        decode_stream(b"\xbc", models)
    assert info.value.model_id == 7
    with pytest.raises(FormatError, match="^empty file$"):
        decode_stream(b"", models)


def test_encoder_refuses_bad_input():
    t = synthetic()[1]
    with pytest.raises(ValueError):
        encode_stream(1, np.zeros((1, 5), np.int64), t)  # wrong E
    with pytest.raises(ValueError):
        encode_stream(1, np.full((1, 16), 10**6), t)  # out of range
    with pytest.raises(ValueError):
        encode_stream(15, np.zeros((1, 16), np.int64), t)  # ids are 0..14
    with pytest.raises(ValueError):
        encode_digits(1, np.zeros((2, 15), np.int64), t)


# ---------------------------------------------------------------------------
# round trips
# ---------------------------------------------------------------------------
@st.composite
def model_strategy(draw):
    E = draw(st.integers(1, 8))
    pmfs, offsets = [], []
    for _ in range(E):
        n = draw(st.integers(1, 30))
        p = np.array(draw(st.lists(st.floats(0, 100), min_size=n, max_size=n)))
        if draw(st.booleans()):
            p = p ** 4  # more skewed
        pmfs.append(p)
        offsets.append(draw(st.integers(-50, 50)))
    return CodingTables.from_pmfs(pmfs, offsets)


# What the property tests draw besides the tables: the file's model id, the
# seed of random_indices and its mode.
MODEL_IDS = st.integers(0, 7)
SEEDS = st.integers(0, 2**32 - 1)
MODES = st.sampled_from(["random", "zeros", "top", "sampled"])


def random_indices(tables, n, seed, mode="random"):
    """n random rows for CodingTables or a TableSet (a random cluster per digit)."""
    if isinstance(tables, TableSet):
        if not tables.cluster_bits:
            return random_indices(tables.clusters[0], n, seed, mode)
        rng = np.random.default_rng(seed)
        clusters = rng.integers(0, len(tables), n)
        return np.array([[k, *random_indices(tables.clusters[k], 1, seed + d, mode)[0]]
                         for d, k in enumerate(clusters)], np.int64)
    rng = np.random.default_rng(seed)
    sizes = tables.sizes.astype(np.int64)
    if mode == "zeros":
        return np.zeros((n, sizes.size), np.int64)
    if mode == "top":
        return np.tile(sizes - 1, (n, 1))
    if mode == "sampled":
        out = np.zeros((n, sizes.size), np.int64)
        for e in range(sizes.size):
            out[:, e] = rng.choice(sizes[e], size=n, p=tables.freqs_of(e) / tables.freqs_of(e).sum())
        return out
    return (rng.random((n, sizes.size)) * sizes).astype(np.int64)


@SETTINGS
@given(model_strategy(), st.integers(1, 4), MODEL_IDS, SEEDS, MODES)
def test_stream_roundtrip(tables, n, model_id, seed, mode):
    idx = random_indices(tables, n, seed, mode)
    data = encode_stream(model_id, idx, tables)
    assert len(data) >= 1 and data[-1] != 0 and data[0] >> 6 == 2
    assert len(data) <= max_file_bytes(n, tables.num_elements)
    mid, got = decode_stream(data, {model_id: tables})
    assert mid == model_id and got.tolist() == idx.tolist()


@SETTINGS
@given(model_strategy(), st.integers(1, 12), MODEL_IDS, SEEDS, MODES)
def test_batched_digits_equal_one_by_one(tables, B, model_id, seed, mode):
    idx = random_indices(tables, B, seed, mode)
    files = encode_digits(model_id, idx, tables)
    assert files == [encode_stream(model_id, row, tables) for row in idx]
    res = decode_digits(files, {model_id: tables})
    assert res.model_ids.tolist() == [model_id] * B and res.rows.tolist() == idx.tolist()
    assert res.errors == [None] * B


@st.composite
def cluster_strategy(draw):
    bits = draw(st.integers(1, 3))
    first = draw(model_strategy())
    E = first.num_elements
    clusters = [first]
    for _ in range((1 << bits) - 1):
        pmfs = [np.array(draw(st.lists(st.floats(0.01, 100), min_size=1, max_size=6))) for _ in range(E)]
        clusters.append(CodingTables.from_pmfs(pmfs, draw(st.lists(st.integers(-20, 20), min_size=E, max_size=E))))
    return TableSet(clusters)


@SETTINGS
@given(cluster_strategy(), st.integers(1, 12), MODEL_IDS, SEEDS, MODES)
def test_clustered_roundtrip_batched_and_streams(tables, B, model_id, seed, mode):
    rows = random_indices(tables, B, seed, mode)
    files = encode_digits(model_id, rows, tables)
    assert files == [encode_stream(model_id, row, tables) for row in rows]
    res = decode_digits(files * 2, {model_id: tables})  # repeats: batched groups per cluster
    assert res.rows.tolist() == rows.tolist() * 2
    data = encode_stream(model_id, rows, tables)
    assert len(data) <= max_file_bytes(B, tables.num_elements, tables.cluster_bits)
    assert decode_stream(data, {model_id: tables})[1].tolist() == rows.tolist()
    symbols = tables.symbols(rows)
    again = tables.choose(symbols)  # choose may pick a cheaper cluster, never other symbols
    assert np.array_equal(tables.symbols(again), symbols)


def test_decode_digits_error_modes():
    models = synthetic()
    good = encode_digits(1, np.zeros((5, 16), np.int64) + 1, models[1])
    stream = encode_stream(1, np.ones((2, 16), np.int64), models[1])
    datas = good[:2] + [b"", stream] + good[2:] + [good[0] + b"\x01"]
    res = decode_digits(datas, models, on_error="mask")
    assert res.model_ids.tolist() == [1, 1, -1, -1, 1, 1, 1, -1]
    assert res.rows.shape == (8, 128)  # the largest E among the models (model 0: 128)
    assert res.rows[0, :16].tolist() == [1] * 16 and not res.rows[0, 16:].any()
    msgs = [str(e) if e else None for e in res.errors]
    assert msgs[2] == "empty file" and msgs[3] == "expected a single digit, found 2 digits"
    assert "not the canonical encoding" in msgs[7] and msgs[0] is None
    with pytest.raises(FormatError) as info:
        decode_digits(datas, models)
    assert info.value.index == 2 and str(info.value) == "empty file"
    with pytest.raises(ValueError):
        decode_digits(datas, models, on_error="ignore")


def test_decode_files_mixed_models_and_streams():
    models = synthetic()
    rng = np.random.default_rng(3)
    datas, want = [], []
    for i in range(40):
        mid = [0, 1, 3, 5][i % 4]
        n = 1 + i % 4
        idx = random_indices(models[mid], n, int(rng.integers(1 << 30)), "sampled")
        datas.append(encode_stream(mid, idx, models[mid]))
        want.append((mid, idx))
    for (mid, idx), res in zip(want, decode_files(datas, models)):
        assert isinstance(res, Decoded) and res.model_id == mid and res.rows.tolist() == idx.tolist()


# ---------------------------------------------------------------------------
# hostile input: only FormatError, never a hang
# ---------------------------------------------------------------------------
@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=40))
def test_random_bytes_only_format_error(data):
    models = synthetic()
    try:
        mid, idx = decode_stream(data, models, max_digits=256)
    except FormatError:
        return
    assert encode_stream(mid, idx, models[mid]) == data  # whatever decodes is canonical


@settings(max_examples=200, deadline=None)
@given(st.binary(min_size=1, max_size=30))
def test_random_bytes_with_a_valid_header(tail):
    """Random payloads behind valid one-digit headers (the interesting case for the coder)."""
    models = synthetic()
    for head in (0x8C, 0x9C, 0xAC):  # 10 001 1 .., 10 011 1 .., 10 101 1 ..: model 1 / 3 / 5, n = 1
        data = bytes([head | (tail[0] & 0x03)]) + tail[1:]
        try:
            mid, idx = decode_stream(data, models)
        except FormatError as err:
            assert "corrupt" in str(err) or "oversized" in str(err)
        else:
            assert encode_stream(mid, idx, models[mid]) == data


def test_random_bytes_loop_batched_equals_scalar():
    """2,600 random files (biased towards valid headers) through both decoders."""
    models = synthetic()
    rnd = random.Random(12345)
    datas = []
    for i in range(2000):
        length = rnd.randrange(0, 24)
        b = bytearray(rnd.getrandbits(8) for _ in range(length))
        if b and i % 2:
            b[0] = rnd.choice([0x84, 0x8C, 0x9C, 0x9E, 0xAC, 0xAE, 0x88, 0xA8]) | (b[0] & 0x03)
        datas.append(bytes(b))
    datas += [d for d in datas[:200] if d] * 3  # repeats make batched groups
    batched = decode_files(datas, models, max_digits=256)
    n_ok = 0
    for data, res in zip(datas, batched):
        try:
            mid, idx = decode_stream(data, models, max_digits=256)
        except FormatError as err:
            assert isinstance(res, FormatError) and str(res) == str(err)
        else:
            n_ok += 1
            assert isinstance(res, Decoded) and res.model_id == mid and np.array_equal(res.rows, idx)
    assert n_ok > 0  # some random files are valid: the format has little redundancy


# ---------------------------------------------------------------------------
# what the canonical check catches (numbers quoted in site/format.md)
# ---------------------------------------------------------------------------
def detection_rates(models, model_id, n_files, n_digits=1, seed=0):
    """Fractions of (1-byte truncations, single-byte corruptions, corruptions after byte 0) refused."""
    tables = models[model_id]
    rnd = random.Random(seed)
    files = [encode_stream(model_id, random_indices(tables, n_digits, rnd.getrandbits(32), "sampled"), tables)
             for _ in range(n_files)]
    trunc = [f[:-1] for f in files if len(f) > 1]
    corrupt, first = [], []
    for f in files:
        for i in range(len(f)):
            b = bytearray(f)
            b[i] ^= rnd.randrange(1, 256)
            corrupt.append(bytes(b))
            first.append(i == 0)
    t = [isinstance(r, FormatError) for r in decode_files(trunc, models)]
    c = np.array([isinstance(r, FormatError) for r in decode_files(corrupt, models)])
    first = np.array(first)
    return {
        "mean_bytes": float(np.mean([len(f) for f in files])),
        "truncation": float(np.mean(t)),
        "corruption": float(c.mean()),
        "corruption_payload": float(c[~first].mean()),
        "n_truncations": len(trunc),
        "n_corruptions": len(corrupt),
    }


def test_detection_rates_skewed_model():
    """Learned-codec-like tables: the canonical check catches about half of the corruptions but
    only a few percent of truncations (the bounds are what we observe, minus a margin)."""
    r = detection_rates(synthetic(), 1, 300)
    assert r["corruption"] >= 0.40, r
    assert r["corruption_payload"] >= 0.35, r
    assert r["truncation"] >= 0.005, r


def test_detection_rates_talk_model():
    """Raw 8-bit latents (uniform tables): almost every byte string is canonical; only
    header damage and an exposed trailing 0x00 byte are caught."""
    r = detection_rates(synthetic(), 0, 20)
    assert r["corruption"] >= 0.005, r
    assert r["corruption_payload"] <= 0.02, r


def shipped_detection_rates(levels=(1, 4, 7), n_files=500, seed=1):
    """The same corruption scheme on real files of the shipped codec (first MNIST test digits;
    version 4, the files the package writes)."""
    import os

    from aec.codec import Codecs
    from training.data import load_mnist

    codecs = Codecs.load(ROOT / "aec" / "models")
    _, (x_test, _) = load_mnist(os.environ.get("MNIST_DIR") or ROOT.parent / "shared" / "datasets" / "mnist")
    rnd = random.Random(seed)
    for level in levels:
        files = codecs.compress_digits(x_test[:n_files], level)
        trunc = [f[:-1] for f in files]
        corrupt, first = [], []
        for f in files:
            for i in range(len(f)):
                b = bytearray(f)
                b[i] ^= rnd.randrange(1, 256)
                corrupt.append(bytes(b))
                first.append(i == 0)
        t = np.mean([isinstance(r, FormatError) for r in decode_files(trunc, codecs.tables, prior=codecs.prior)])
        c = np.array([isinstance(r, FormatError) for r in decode_files(corrupt, codecs.tables, prior=codecs.prior)])
        first = np.array(first)
        print(f"shipped level {level} ({len(codecs.tables[level])} clusters)",
              {"mean_bytes": float(np.mean([len(f) for f in files])), "truncation": float(t),
               "corruption": float(c.mean()), "corruption_payload": float(c[~first].mean()),
               "n_corruptions": len(corrupt)})


if __name__ == "__main__":
    models = synthetic()
    for name, mid, nf, nd in (("model 1 (skewed, E=16), 1 digit", 1, 3000, 1),
                              ("model 1 (skewed, E=16), 3 digits", 1, 1000, 3),
                              ("model 5 (mixed, E=8), 1 digit", 5, 3000, 1),
                              ("model 3 (4 clusters, E=4), 1 digit", 3, 3000, 1),
                              ("model 0 (uniform 8-bit, E=128), 1 digit", 0, 300, 1)):
        print(name, detection_rates(models, mid, nf, nd, seed=1))
    shipped_detection_rates()


def test_table_set_validation():
    from aec.tables import TablesError

    a = CodingTables([0], [2], [1, 65535])
    b = CodingTables([0, 0], [2, 2], [1, 65535, 1, 65535])
    for bad in ([], [a, a, a], [a, b], {"clusters": "x"}):
        with pytest.raises(TablesError):
            TableSet.from_json({"clusters": [t.to_json() for t in bad]} if isinstance(bad, list) else bad)
    with pytest.raises(TablesError, match="not JSON"):
        TableSet.from_json("{")
    one = TableSet.from_json(a.to_json())  # plain tables: one cluster, rows are just the indices
    assert len(one) == 1 and one.cluster_bits == 0 and one.row_length == 1
    assert one.to_json() == a.to_json() and TableSet.of(a) == one and TableSet.of(one) is one
