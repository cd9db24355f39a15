"""tests/vectors/format_v3.json, the shared Python/JavaScript vectors of format version 3.

Written by the one vectors tool: ``python tests/vectors/make_vectors.py format3``
(``--check`` to compare instead).  Version 3 only adds model ids 8..14 (``11`` +
3 bits) and the escape of later versions (``11 111`` + gamma(v - 3)); ids 0..7
keep their version-2 bytes, which format_v2.json (unchanged) still checks.

Layout of format_v3.json
------------------------

::

    {
      "format": "digit file",
      "format_version": 3,
      "headers": [{"model_id": 9, "n": 3, "version": 3, "bits": "11001011"}, ...],
      "suites": [...],                  # as in format_v2.json: models, vectors, invalid
      "v2_superseded": [                # format_v2.json's refused files that version 3 refuses
        {"name": "...", "hex": "ff",    # with another message (its `11` has a meaning now)
         "v2_error": "...", "error": "..."}
      ]
    }

Deterministic: tables from integer weights, rows from ``random.Random(seed)``.
"""

from __future__ import annotations

import json
import random

import numpy as np

import format_vectors
from aec.format import decode_stream, encode_stream, file_version, header_bits
from aec.tables import CodingTables, TableSet

MODEL_IDS = range(15)
HEADER_COUNTS = (1, 2, 3, 5, 255, 65536)


def _bits(bits) -> str:
    return "".join(map(str, bits))


_refused = format_vectors._refused  # the message a reader refuses a file with, or None


def _tables() -> list:
    """Three small table sets the ids cycle through: one element of 3 symbols, four skewed
    elements, and 4 clusters over 4 elements (format_v2.json's clustered model)."""
    tiny = CodingTables([-1], [3], [16384, 32768, 16384])
    skew = CodingTables.from_pmfs([format_vectors.geometric_weights(5 + e, 2, 1, 3) for e in range(4)],
                                  [-2] * 4)
    return [TableSet([tiny]), TableSet([skew]), format_vectors.clustered_tables()]


def _rows(tables: TableSet, n: int, rnd: random.Random) -> list:
    """n rows: a random cluster, then indices drawn from that cluster's tables."""
    rows = []
    for _ in range(n):
        k = rnd.randrange(len(tables)) if tables.cluster_bits else 0
        row = format_vectors.sample(tables.clusters[k], 1, rnd)[0]
        rows.append(([k] if tables.cluster_bits else []) + row)
    return rows


def synthetic_suite() -> dict:
    rnd = random.Random(20250214)
    kinds = _tables()
    models = {m: kinds[m % 3] for m in MODEL_IDS}
    vectors = []
    for m in MODEL_IDS:
        for n in (1, 3):
            rows = _rows(models[m], n, rnd)
            data = encode_stream(m, np.array(rows), models[m])
            assert decode_stream(data, models)[1].tolist() == rows
            vectors.append({"name": f"model {m}, {n} digit(s)", "model_id": m, "indices": rows, "hex": data.hex()})
    valid = bytes.fromhex(next(v["hex"] for v in vectors if v["model_id"] == 13 and len(v["indices"]) == 3))
    hx = format_vectors._bits_hex
    invalid = [
        ("escape: version 4, which the escape never says", hx("11" "111" "1"), "not a digit file (bad header)"),
        ("escape: version 5", hx("11" "111" "010"), "unsupported format version 5 (this reader knows versions 2 and 3)"),
        ("escape: version 4, then more bits", hx("11" "111" "1" "0110" "1"), "not a digit file (bad header)"),
        ("escape: version 19", hx("11" "111" "000010000"), "unsupported format version 19"),
        ("escape: more than 16 gamma zeros", hx("11" "111"), "not a digit file (bad header)"),
        ("version 1", hx("01" "000" "1"), "unsupported format version 1 (this reader knows versions 2 and 3)"),
        ("model 8, gamma prefix of more than 16 zeros", hx("11" "000"), "implausible digit count"),
        ("oversized one-digit file of model 10", hx("11" "010" "1") + "ff" * 16, "oversized"),
        ("model 13 stream + a trailing 0x00 byte", (valid + b"\x00").hex(), "not the canonical encoding"),
    ]
    for name, data, msg in invalid:
        err = _refused(bytes.fromhex(data), models)
        assert err and msg in err, (name, err)
    return {
        "name": "v3 synthetic",
        "description": "Models 0..14 cycling through three small table sets: one element of 3 symbols, "
                       "4 skewed elements, 4 clusters over 4 elements.",
        "models": {str(k): t.to_json() for k, t in models.items()},
        "vectors": vectors,
        "invalid": [{"name": n, "hex": h, "error": m} for n, h, m in invalid],
    }


def sparse_suite() -> dict:
    """Ids a reader has no tables for, on both sides of the version boundary."""
    t = TableSet([CodingTables([0], [2], [32768, 32768])])
    models = {1: t, 9: t}
    vectors = [{"name": f"model {m}, index 1", "model_id": m, "indices": [[1]],
                "hex": encode_stream(m, np.array([[1]]), t).hex()} for m in (1, 9)]
    invalid = [(f"unknown model id {m}", _refused_hex(m, t), f"unknown model id {m}") for m in (7, 8, 14)]
    for name, data, msg in invalid:
        assert msg in (_refused(bytes.fromhex(data), models) or ""), name
    return {"name": "v3 sparse", "description": "Tables for models 1 and 9 only (one fair-coin element).",
            "models": {str(k): v.to_json() for k, v in models.items()}, "vectors": vectors,
            "invalid": [{"name": n, "hex": h, "error": m} for n, h, m in invalid]}


def _refused_hex(model_id: int, t) -> str:
    return encode_stream(model_id, np.array([[1]]), t).hex()


def superseded(v2: dict) -> list:
    """format_v2.json's refused files whose message differs under this reader."""
    out = []
    for suite in v2["suites"]:
        models = {int(k): TableSet.from_json(v) for k, v in suite["models"].items()}
        for v in suite["invalid"]:
            err = _refused(bytes.fromhex(v["hex"]), models)
            assert err is not None, v["name"]  # every v2 refusal stays a refusal
            if v["error"] not in err:
                assert v["hex"][:1] in "4567cdef", v["name"]  # only version fields `01` and `11` change
                out.append({"name": v["name"], "hex": v["hex"], "v2_error": v["error"], "error": err})
    return out


def build(v2: dict) -> dict:
    headers = [{"model_id": m, "n": n, "version": file_version(m), "bits": _bits(header_bits(m, n))}
               for m in MODEL_IDS for n in HEADER_COUNTS]
    return {"format": "digit file", "format_version": 3, "headers": headers,
            "suites": [synthetic_suite(), sparse_suite()], "v2_superseded": superseded(v2)}


def dumps(obj: dict) -> str:
    """JSON with one header / model / vector / invalid file per line (readable diffs)."""
    def one(v):
        return json.dumps(v, separators=(", ", ": "))

    def block(items, indent):
        return "[\n" + ",\n".join(" " * indent + one(i) for i in items) + "\n" + " " * (indent - 2) + "]"

    suites = []
    for s in obj["suites"]:
        models = ",\n".join(f"      {one(k)}: {one(v)}" for k, v in s["models"].items())
        fields = [f"    {one(k)}: {one(s[k])}" for k in ("name", "description")]
        fields += [f'    "models": {{\n{models}\n    }}']
        fields += [f"    {one(k)}: {block(s[k], 6)}" for k in ("vectors", "invalid")]
        suites.append("  {\n" + ",\n".join(fields) + "\n  }")
    text = ("{\n" + ",\n".join(f" {one(k)}: {one(obj[k])}" for k in ("format", "format_version"))
            + f',\n "headers": {block(obj["headers"], 2)},\n "suites": [\n' + ",\n".join(suites)
            + f'\n ],\n "v2_superseded": {block(obj["v2_superseded"], 2)}\n}}\n')
    assert json.loads(text) == obj
    return text
