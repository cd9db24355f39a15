"""Format version 3 (aec/format.py): model ids 8..14 and the escape of later versions,
against tests/vectors/format_v3.json (the JavaScript twin: tests/js/format_v3.test.mjs).
Version 2's vectors stay in tests/test_format.py."""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for p in (ROOT, ROOT / "tests" / "vectors"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from aec import format as fmt  # noqa: E402
from aec.format import (Decoded, FormatError, UnknownModel, UnsupportedVersion, decode_digits,  # noqa: E402
                        decode_files, decode_stream, encode_digits, encode_stream, file_version,
                        header_bits, read_header)
from aec.tables import TableSet  # noqa: E402

VECTORS = ROOT / "tests" / "vectors" / "format_v3.json"
V2 = ROOT / "tests" / "vectors" / "format_v2.json"
DATA = json.loads(VECTORS.read_text())
SUITES = [(s, {int(k): TableSet.from_json(v) for k, v in s["models"].items()}) for s in DATA["suites"]]
VECTOR_CASES = [(s["name"], v, m) for s, m in SUITES for v in s["vectors"]]
INVALID_CASES = [(s["name"], v, m) for s, m in SUITES for v in s["invalid"]]


def test_constants():
    assert DATA["format_version"] == fmt.FORMAT_VERSION == 3
    assert (fmt.VERSION_BITS, fmt.MODEL_ID_BITS, fmt.V2_MAX_MODEL_ID, fmt.MAX_MODEL_ID) == (2, 3, 7, 14)


def test_header_bits_by_hand():
    """Ids 0..7 keep version 2's `10` + 3 bits; 8..14 are `11` + (id - 8)."""
    assert header_bits(7, 1) == [1, 0, 1, 1, 1, 1]
    assert header_bits(8, 1) == [1, 1, 0, 0, 0, 1]
    assert header_bits(9, 3) == [1, 1, 0, 0, 1, 0, 1, 1]
    assert header_bits(14, 2) == [1, 1, 1, 1, 0, 0, 1, 0]
    assert [file_version(m) for m in range(15)] == [2] * 8 + [3] * 7
    for bad in (-1, 15, 2.0):
        with pytest.raises(ValueError):
            file_version(bad)
        with pytest.raises(ValueError):
            header_bits(bad, 1)


def test_header_vectors():
    assert {(h["model_id"], h["n"] > 1) for h in DATA["headers"]} == {(m, k) for m in range(15) for k in (0, 1)}
    for h in DATA["headers"]:
        assert "".join(map(str, header_bits(h["model_id"], h["n"]))) == h["bits"], h
        assert file_version(h["model_id"]) == h["version"]
        # every header is 5 bits + gamma(n), as in version 2: no file grows
        assert len(h["bits"]) == 5 + len(fmt.gamma_bits(h["n"]))


@pytest.mark.parametrize("suite, vec, models", VECTOR_CASES, ids=[f"{c[0]}: {c[1]['name']}" for c in VECTOR_CASES])
def test_vector(suite, vec, models):
    m, tables, data = vec["model_id"], models[vec["model_id"]], bytes.fromhex(vec["hex"])
    idx = np.array(vec["indices"], np.int64)
    assert encode_stream(m, idx, tables) == data
    got_id, rows = decode_stream(data, models)
    assert got_id == m and rows.tolist() == vec["indices"]
    assert read_header(data, models)[:2] == (m, len(idx))
    assert data[0] >> 6 == (2 if m < 8 else 3)  # the first two bits
    assert len(data) <= fmt.max_file_bytes(len(idx), tables.num_elements, tables.cluster_bits)
    if len(idx) == 1:
        assert encode_digits(m, idx, tables) == [data]


@pytest.mark.parametrize("suite, vec, models", INVALID_CASES, ids=[f"{c[0]}: {c[1]['name']}" for c in INVALID_CASES])
def test_invalid_vector(suite, vec, models):
    with pytest.raises(FormatError) as info:
        decode_stream(bytes.fromhex(vec["hex"]), models)
    assert vec["error"] in str(info.value) and "\n" not in str(info.value)
    (res,) = decode_files([bytes.fromhex(vec["hex"])], models)
    assert isinstance(res, FormatError) and str(res) == str(info.value)


def test_error_classes():
    models = SUITES[0][1]
    for hx, version in (("fa", 5), ("44", 1)):
        with pytest.raises(UnsupportedVersion) as info:
            decode_stream(bytes.fromhex(hx), models)
        assert info.value.version == version
    sparse = SUITES[1][1]
    for m in (8, 14):
        with pytest.raises(UnknownModel) as info:
            read_header(encode_stream(m, [[1]], sparse[9]), sparse)
        assert info.value.model_id == m


def test_batched_coder_on_v3_ids():
    """decode_files / decode_digits batch groups of 4+ files: the same results as one by one."""
    for s, models in SUITES:
        datas = [bytes.fromhex(v["hex"]) for v in s["vectors"]] * 4
        for data, res in zip(datas, decode_files(datas, models)):
            m, rows = decode_stream(data, models)
            assert isinstance(res, Decoded) and res.model_id == m and np.array_equal(res.rows, rows)
    models = SUITES[0][1]
    singles = [v for v in SUITES[0][0]["vectors"] if len(v["indices"]) == 1]
    batch = decode_digits([bytes.fromhex(v["hex"]) for v in singles], models)
    assert batch.model_ids.tolist() == [v["model_id"] for v in singles]
    rows = np.array([v["indices"][0] for v in singles if v["model_id"] == 11] * 5)
    assert encode_digits(11, rows, models[11]) == [encode_stream(11, r[None], models[11]) for r in rows]


def test_version_2_files_keep_their_bytes():
    """Every v2 vector is a v3 file byte for byte; the v2 refusals v3 words differently are only
    the version fields `01` and `11`, and still refused."""
    v2 = json.loads(V2.read_text())
    hexes = [v["hex"] for s in v2["suites"] for v in s["vectors"]]
    assert hexes and all(int(h[:2], 16) >> 6 == 2 for h in hexes)
    changed = {v["hex"]: v for v in DATA["v2_superseded"]}
    assert set(changed) == {"4c", "ff"}
    assert "bad header" in changed["ff"]["error"] and "version 1" in changed["4c"]["error"]


def test_vectors_file_is_up_to_date():
    import format_v3_vectors
    assert format_v3_vectors.dumps(format_v3_vectors.build(json.loads(V2.read_text()))) == VECTORS.read_text(), \
        "run: python tests/vectors/make_vectors.py format3"


def extra_header_bit_cost(n_files=10000):
    """What one more header bit would cost: the shipped levels' one-pass files of the first
    MNIST test digits, coded again with a 0 bit after the 5-bit version and model id field
    (the numbers site/format.md quotes for choosing this layout)."""
    import os

    from aec.batch_coder import encode_batch
    from aec.codec import Codecs
    from training.data import load_mnist

    codecs = Codecs.load(ROOT / "aec" / "models")
    _, (x_test, _) = load_mnist(os.environ.get("MNIST_DIR") or ROOT.parent / "shared" / "datasets" / "mnist")
    images = x_test[:n_files]
    for m in sorted(set(codecs.tables) - {0}):
        t = TableSet.of(codecs.tables[m])
        rows = codecs.codec_for(m).encode_rows(images, m)
        files = encode_digits(m, rows, t)
        clusters, idx = t.split(rows.astype(np.int64))
        cbits = (clusters[:, None] >> np.arange(t.cluster_bits - 1, -1, -1)) & 1
        head = np.array(header_bits(m, 1)[:5] + [0] + header_bits(m, 1)[5:], np.uint8)
        prefix = np.concatenate([np.broadcast_to(head, (len(rows), head.size)), cbits], axis=1).astype(np.uint8)
        bits, _ = encode_batch(idx, t.table_ids(clusters[:, None]), t.merged, prefix_bits=prefix)
        longer = [r.tobytes().rstrip(b"\x00") for r in np.packbits(bits, axis=1)]
        a, b = np.mean([len(f) for f in files]), np.mean([len(f) for f in longer])
        print(f"model {m}: {a:.4f} B per file, {b:.4f} B with one more header bit (+{b - a:.4f} B)")


if __name__ == "__main__":
    extra_header_bit_cost()
