"""tests/vectors/format_v4.json, the shared Python/JavaScript vectors of format version 4.

Written by the one vectors tool: ``python tests/vectors/make_vectors.py format4``
(``--check`` to compare instead). Version 4 (aec/format_v4.py, site/format.md) is one
digit of a learned model, its model id and cluster coded given the file's length with a
ModelPrior (aec/model_prior.py). Readers given no prior are version-3 readers, which
format_v2.json and format_v3.json still check.

Layout of format_v4.json
------------------------

::

    {
      "format": "digit file",
      "format_version": 4,
      "suites": [{
        "name": "...", "description": "...",
        "prior": <ModelPrior JSON>,
        "models": {"<id>": <tables JSON>, ...},
        "vectors": [{"name", "model_id", "indices": [row], "hex", "head_q16"}, ...],
        "legacy": [{"name", "model_id", "indices": [[row], ...], "hex"}, ...],   # v2/v3 files, read with the prior
        "invalid": [{"name", "hex", "error"}, ...]
      }],
      "no_prior": [{"name", "hex", "error"}]   # a version-4 file refused by a reader given no prior
    }

Deterministic: tables and priors from integer formulas, rows from ``random.Random(seed)``.
"""

from __future__ import annotations

import json
import random

import numpy as np

import format_vectors
from aec.bits import bit_split
from aec.format import decode_stream, encode_digits, encode_stream
from aec.model_prior import MODEL_IDS, V4_TOTAL, ModelPrior
from aec.tables import TOTAL, CodingTables, TableSet

ROWS = 9  # head tables for lengths 1..9; longer files use the last


def _tables() -> list:
    """Four table sets the ids cycle through: one element of 3 symbols, four skewed
    elements, 4 clusters over 4 elements, and 12 skewed elements (files of 3 to 9 bytes)."""
    tiny = CodingTables([-1], [3], [16384, 32768, 16384])
    skew = CodingTables.from_pmfs([format_vectors.geometric_weights(5 + e, 2, 1, 3) for e in range(4)], [-2] * 4)
    wide = CodingTables.from_pmfs([format_vectors.geometric_weights(9 + e % 5, 4, 2, 3) for e in range(12)], [-4] * 12)
    return [TableSet([tiny]), TableSet([skew]), format_vectors.clustered_tables(), TableSet([wide])]


def _prior(models: dict) -> ModelPrior:
    """Every model id has a head symbol; model m's mass peaks at length 1 + m % ROWS."""
    c = [models[m].cluster_bits if m in models else 0 for m in MODEL_IDS]
    rows = []
    for L in range(1, ROWS + 1):
        w = []
        for i, m in enumerate(MODEL_IDS):
            peak = 64 if 1 + m % ROWS == L else 4 + (m * 5 + L * 3) % 7
            w += [peak * (1 + k) for k in range(1 << c[i])]
        f = [1 + v * (V4_TOTAL - len(w)) // sum(w) for v in w]
        f[int(np.argmax(f))] += V4_TOTAL - sum(f)
        rows.append(f + [TOTAL - V4_TOTAL])
    sizes = [len(rows[0])] * ROWS
    return ModelPrior(c, CodingTables([0] * ROWS, sizes, np.concatenate(rows)))


def _row(tables: TableSet, rnd: random.Random) -> list:
    k = rnd.randrange(len(tables)) if tables.cluster_bits else 0
    return ([k] if tables.cluster_bits else []) + format_vectors.sample(tables.clusters[k], 1, rnd)[0]


def synthetic_suite() -> dict:
    rnd = random.Random(20261206)
    kinds = _tables()
    models = {m: kinds[m % 4] for m in range(15)}
    prior = _prior(models)
    vectors, legacy = [], []
    for m in MODEL_IDS:
        for j in range(3):
            row = _row(models[m], rnd)
            data = encode_stream(m, np.array([row]), models[m], prior)
            assert data[0] < 0x80 and encode_digits(m, np.array([row]), models[m], prior)[0] == data
            assert decode_stream(data, models, prior=prior)[1].tolist() == [row]
            head = bit_split(data, models, prior=prior).head_q16
            vectors.append({"name": f"model {m}, digit {j + 1}", "model_id": m, "indices": [row], "hex": data.hex(),
                            "head_q16": head})
    for m, n in ((0, 1), (3, 1), (9, 2), (14, 3)):  # the talk's model, and streams, stay versions 2 and 3
        rows = [_row(models[m], rnd) for _ in range(n)]
        data = encode_stream(m, np.array(rows), models[m], prior)
        assert data[0] >= 0x80 or m == 3
        legacy.append({"name": f"model {m}, {n} digit(s)", "model_id": m, "indices": rows, "hex": data.hex()})
    # model 3's one-digit file is version 4 with a prior: its version-3 bytes, read with the prior
    v3 = encode_stream(3, np.array([legacy[1]["indices"][0]]), models[3])
    legacy[1] = {**legacy[1], "name": "model 3, 1 digit, version 3", "hex": v3.hex()}
    long = next(bytes.fromhex(v["hex"]) for v in vectors if len(v["hex"]) >= 8)
    invalid = [
        ("one more zero byte", (long + b"\x00").hex(), "not the canonical encoding"),
        ("oversized: 40 zero bytes", "00" * 40, "oversized"),
        ("escape: version 4, which the escape never says", "fc", "not a digit file (bad header)"),
        ("escape: version 5", "fa", "unsupported format version 5 (this reader knows versions 2 to 4)"),
    ]
    for name, data, msg in invalid:
        err = format_vectors._refused(bytes.fromhex(data), models, prior)
        assert err and msg in err, (name, err)
    return {"name": "v4 synthetic",
            "description": "Models 0..14 cycling through four table sets (3 symbols; 4 skewed elements; "
                           "4 clusters over 4 elements; 12 skewed elements), head tables for lengths 1..9.",
            "prior": prior.to_json(), "models": {str(k): t.to_json() for k, t in models.items()},
            "vectors": vectors, "legacy": legacy,
            "invalid": [{"name": n, "hex": h, "error": m} for n, h, m in invalid]}


def sparse_suite() -> dict:
    """A prior over every id, tables for models 2 and 9 only: files of the others are unknown models."""
    kinds = _tables()
    everything = {m: kinds[m % 4] for m in range(15)}
    prior = _prior(everything)
    models = {m: everything[m] for m in (2, 9)}
    rnd = random.Random(7)
    vectors = []
    for m in (2, 9):
        row = _row(models[m], rnd)
        data = encode_stream(m, np.array([row]), models[m], prior)
        vectors.append({"name": f"model {m}", "model_id": m, "indices": [row], "hex": data.hex(),
                        "head_q16": bit_split(data, models, prior=prior).head_q16})
    invalid = []
    for m in (1, 10, 14):
        data = encode_stream(m, np.array([_row(everything[m], rnd)]), everything[m], prior)
        invalid.append((f"unknown model id {m}", data.hex(), f"unknown model id {m}"))
    for name, data, msg in invalid:
        assert msg in (format_vectors._refused(bytes.fromhex(data), models, prior) or ""), name
    return {"name": "v4 sparse", "description": "The synthetic suite's prior; tables for models 2 and 9 only.",
            "prior": prior.to_json(), "models": {str(k): v.to_json() for k, v in models.items()},
            "vectors": vectors, "legacy": [],
            "invalid": [{"name": n, "hex": h, "error": m} for n, h, m in invalid]}


def build() -> dict:
    suites = [synthetic_suite(), sparse_suite()]
    models = {int(k): TableSet.from_json(v) for k, v in suites[0]["models"].items()}
    no_prior = []
    for v in suites[0]["vectors"][:3]:
        no_prior.append({"name": f"{v['name']}, read without a prior", "hex": v["hex"],
                         "error": format_vectors._refused(bytes.fromhex(v["hex"]), models)})
    return {"format": "digit file", "format_version": 4, "suites": suites, "no_prior": no_prior}


def dumps(obj: dict) -> str:
    """JSON with one vector / invalid file per line (readable diffs)."""
    def one(v):
        return json.dumps(v, separators=(", ", ": "))

    def block(items, indent):
        return "[\n" + ",\n".join(" " * indent + one(i) for i in items) + "\n" + " " * (indent - 2) + "]" if items else "[]"

    suites = []
    for s in obj["suites"]:
        models = ",\n".join(f"      {one(k)}: {one(v)}" for k, v in s["models"].items())
        fields = [f"    {one(k)}: {one(s[k])}" for k in ("name", "description", "prior")]
        fields += [f'    "models": {{\n{models}\n    }}']
        fields += [f"    {one(k)}: {block(s[k], 6)}" for k in ("vectors", "legacy", "invalid")]
        suites.append("  {\n" + ",\n".join(fields) + "\n  }")
    text = ("{\n" + ",\n".join(f" {one(k)}: {one(obj[k])}" for k in ("format", "format_version"))
            + ',\n "suites": [\n' + ",\n".join(suites) + f'\n ],\n "no_prior": {block(obj["no_prior"], 2)}\n}}\n')
    assert json.loads(text) == obj
    return text
