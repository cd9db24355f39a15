"""Where a file's bits go (aec/bits.py) against the shared vectors tests/vectors/bits_v1.json
(made by Python, checked by both twins; the JavaScript side: tests/js/bits.test.mjs)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from aec.bits import ONE_BIT, bit_split, bits_text, latent_order, symbol_costs
from aec.format import FormatError, decode_stream, encode_stream
from aec.model_prior import ModelPrior
from aec.tables import CodingTables, TableSet, cost_q16

ROOT = Path(__file__).resolve().parent.parent
VECTORS = ROOT / "tests" / "vectors"
DATA = json.loads((VECTORS / "bits_v1.json").read_text())


def tables_of(s: dict) -> tuple:
    """A set's tables by model id, and its version-4 prior (or None)."""
    if s["suite"] is None:
        prior = ModelPrior.from_json((ROOT / s["prior"]).read_text()) if s["prior"] else None
        return {int(m): TableSet.from_json((ROOT / s["source"] / f"{m}.json").read_text()) for m in s["orders"]}, prior
    suite = next(x for x in json.loads((VECTORS / s["source"]).read_text())["suites"] if x["name"] == s["suite"])
    prior = ModelPrior.from_json(suite["prior"]) if s["prior"] == "suite" else None
    return {int(k): TableSet.from_json(v) for k, v in suite["models"].items()}, prior


SETS = [(s, *tables_of(s)) for s in DATA["sets"]]


def test_the_vectors_cover_every_kind_of_file():
    files = [f for s in DATA["sets"] for f in s["files"]]
    assert len(files) > 60
    assert any(f["cluster_bits"] for f in files) and any(f["n"] > 1 for f in files)
    assert any(f["termination_q16"] < 0 for f in files) and any(f["termination_q16"] > 0 for f in files)
    shipped = DATA["sets"][-1]
    shipped_ids = {int(k) for k in json.loads((ROOT / "site" / "models" / "manifest.json").read_text())["tables"]}
    assert shipped["suite"] is None and {f["model_id"] for f in shipped["files"]} == shipped_ids  # every model id
    assert shipped["prior"] and all(f["head_q16"] > 0 for f in shipped["files"] if f["model_id"])  # version 4
    assert any(s["prior"] == "suite" for s in DATA["sets"])


@pytest.mark.parametrize("s,tables,prior", SETS, ids=[f"{s['source']}:{s['suite']}" for s in DATA["sets"]])
def test_splits_match_the_vectors_and_add_up(s, tables, prior):
    for f in s["files"]:
        data = bytes.fromhex(f["hex"])
        got = bit_split(data, tables, prior=prior)
        assert (got.model_id, got.n, got.total_bits, got.header_bits, got.cluster_bits) == (
            f["model_id"], f["n"], f["total_bits"], f["header_bits"], f["cluster_bits"]), f["name"]
        assert got.clusters.tolist() == f["clusters"] and got.latent_q16.tolist() == f["latent_q16"], f["name"]
        assert (got.termination_q16, got.head_q16) == (f["termination_q16"], f["head_q16"]), f["name"]
        parts = ((got.header_bits + got.cluster_bits) * ONE_BIT + got.head_q16 + int(got.latent_q16.sum())
                 + got.termination_q16)
        assert parts == 8 * len(data) * ONE_BIT, f["name"]
    for m, order in s["orders"].items():
        assert latent_order(tables[int(m)]).tolist() == order


def test_bits_text_is_exact():
    from fractions import Fraction

    for q, text in DATA["texts"]:
        assert bits_text(q) == text
        assert Fraction(text) == Fraction(q, ONE_BIT)


def test_split_by_hand():
    """format.md's worked example: 97 40 = header 100101, two latents of 2 and 1 bits, then the rest."""
    t = CodingTables([0, -1], [2, 3], [49152, 16384, 16384, 32768, 16384])
    data = encode_stream(2, [[1, 1]], t)
    assert data.hex() == "9740"
    s = bit_split(data, {2: t})
    assert (s.header_bits, s.cluster_bits, s.total_bits) == (6, 0, 16)
    assert s.latent_q16.tolist() == [[2 * ONE_BIT, ONE_BIT]]  # 1/4 and 1/2: exactly 2 bits and 1 bit
    assert s.termination_q16 == 7 * ONE_BIT  # the final bits 01 and six bits of padding
    # indices (0, 0): the file is the header byte alone (the payload is implicit zeros),
    # so the rest is negative: 8 - 6 - log2(4/3) - 2 bits
    s = bit_split(encode_stream(2, [[0, 0]], t), {2: t})
    assert s.total_bits == 8 and s.termination_q16 == -int(cost_q16([49152])[0]) < 0


def test_symbol_costs_use_each_digits_cluster():
    a = CodingTables([0, 0], [2, 2], [32768, 32768, 32768, 32768])
    b = CodingTables([0, 0], [2, 2], [65535, 1, 16384, 49152])
    ts = TableSet([a, b])
    costs = symbol_costs([[0, 1, 1], [1, 0, 1]], ts).tolist()
    assert costs == [[ONE_BIT, ONE_BIT], [int(cost_q16([65535])[0]), int(cost_q16([49152])[0])]]
    assert latent_order(TableSet([b, a])).tolist() == [1, 0]  # element 1 is nearer uniform: more bits


def test_refused_files_raise_the_formats_error():
    t = CodingTables([0, -1], [2, 3], [49152, 16384, 16384, 32768, 16384])
    for data, message in ((b"", "empty file"), (b"\x00", "bad header"), (b"\x97\x40\x00", "canonical")):
        with pytest.raises(FormatError, match=message):
            bit_split(data, {2: t})
    assert decode_stream(b"\x97\x40", {2: t})[0] == 2


def test_vectors_file_is_up_to_date():
    sys.path.insert(0, str(VECTORS))
    import bits_vectors

    assert bits_vectors.dumps(bits_vectors.build()) == (VECTORS / "bits_v1.json").read_text(), \
        "run: python tests/vectors/make_vectors.py bits"


def test_the_slides_bit_map_is_a_real_files_split():
    """theme/bit_map.py: the slide's figure, from the shipped models' real file, in both languages."""
    from theme import bit_map, results_fill

    results = results_fill.load(ROOT / "site" / "results" / "results.json")
    figure, svgs = bit_map.make(ROOT, results)
    manifest = json.loads((ROOT / "site" / "models" / "manifest.json").read_text())
    model_id = bit_map.grid_model_id()
    assert manifest[bit_map.GRID_FOLDER]["latent_shape"][:2] == [4, 4]
    vector = next(v for v in json.loads((VECTORS / "models_v1.json").read_text())["vectors"]
                  if v["model_id"] == model_id and v["digit"] == 0)
    prior = ModelPrior.from_json((ROOT / "site" / "models" / manifest["model_prior"]).read_text())
    s = bit_split(bytes.fromhex(vector["hex"]), {model_id: TableSet.from_json(
        (ROOT / "site" / "models" / "tables" / f"{model_id}.json").read_text())}, prior=prior)
    assert s.head_q16 > 0  # the shipped models' one-digit files are version 4
    assert f"{s.total_bits} bits: model and cluster (given the length) {s.head_q16 / ONE_BIT:.1f}" in figure
    assert set(svgs) == {"bit-map.nl.svg", "bit-map.en.svg"} and figure.count("<figure") == 2
    cells = s.latent_q16.sum(0).reshape(4, 4, -1).sum(2) / ONE_BIT
    assert f">{cells.max():.1f}</text>" in svgs["bit-map.en.svg"]
    assert f">{cells.max():.1f}</text>".replace(".", ",") in svgs["bit-map.nl.svg"]
    assert "{{ one_pass." in figure  # the level's averages: results markers, filled by results_fill
    results_fill.fill(figure, results)
