"""tests/vectors/bits_v1.json, the shared Python/JavaScript vectors of the bit split (aec/bits.py, site/js/aec/bits.js).

Written by the one vectors tool: ``python tests/vectors/make_vectors.py bits``
(``--check`` to compare instead).  It splits files that other vectors already hold:
every valid file of format_v2.json's, format_v3.json's and format_v4.json's suites
(their own tables, and version 4's prior), and the first sample digit's file at every
shipped level (models_v1.json, with the tables and the prior in site/models/tables/). ``make convert`` remakes it after models_v1.json.

Layout of bits_v1.json
----------------------

::

    {
      "texts": [[q16, "exact decimal"], ...],          # bits_text
      "sets": [
        {"source": "format_v2.json", "suite": "synthetic",   # where the tables are: a suite's "models",
         "prior": null,                                      # version 4's ModelPrior: "suite" (its "prior"),
                                                             # "site/models/tables/model_prior.json", or null
         "orders": {"3": [e, ...], ...},                     # or "site/models/tables" (<id>.json)
         "files": [{"name": "...", "hex": "...", "model_id": 3, "n": 1, "total_bits": 40,
                    "header_bits": 6, "cluster_bits": 2, "clusters": [1],
                    "latent_q16": [[...]], "termination_q16": -1234, "head_q16": 0}]}
      ]
    }

Both sides (tests/test_bits.py, tests/js/bits.test.mjs) require every number to match and
the parts of every file to add up to its total.
"""

from __future__ import annotations

import json
from pathlib import Path

from aec.bits import bit_split, bits_text, latent_order
from aec.model_prior import ModelPrior
from aec.tables import TableSet

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
TABLES_DIR = "site/models/tables"
PRIOR_FILE = TABLES_DIR + "/model_prior.json"
TEXT_CASES = (0, 1, 65536, 98304, -1, -98304, 123456789, 16 << 16, 1 << 36)


def _file(name: str, hex_: str, tables_by_model, prior=None) -> dict:
    s = bit_split(bytes.fromhex(hex_), tables_by_model, prior=prior)
    return {"name": name, "hex": hex_, "model_id": s.model_id, "n": s.n, "total_bits": s.total_bits,
            "header_bits": s.header_bits, "cluster_bits": s.cluster_bits, "clusters": s.clusters.tolist(),
            "latent_q16": s.latent_q16.tolist(), "termination_q16": s.termination_q16, "head_q16": s.head_q16}


def _suite_set(source: str, suite: dict) -> dict:
    models = {int(k): TableSet.from_json(v) for k, v in suite["models"].items()}
    prior = ModelPrior.from_json(suite["prior"]) if "prior" in suite else None
    return {"source": source, "suite": suite["name"], "prior": "suite" if prior else None,
            "orders": {str(k): latent_order(t).tolist() for k, t in sorted(models.items())},
            "files": [_file(v["name"], v["hex"], models, prior) for v in suite["vectors"]]}


def _shipped_set(vectors_dir: Path, site_models: Path) -> dict:
    vectors = json.loads((vectors_dir / "models_v1.json").read_text())["vectors"]
    first = {}
    for v in vectors:
        first.setdefault(v["model_id"], v)
    models = {m: TableSet.from_json((site_models / "tables" / f"{m}.json").read_text()) for m in sorted(first)}
    path = site_models / "tables" / "model_prior.json"
    prior = ModelPrior.from_json(path.read_text()) if path.is_file() else None
    return {"source": TABLES_DIR, "suite": None, "prior": PRIOR_FILE if prior else None,
            "orders": {str(m): latent_order(t).tolist() for m, t in models.items()},
            "files": [_file(f"sample digit {v['digit']}, model {m}", v["hex"], models, prior)
                      for m, v in sorted(first.items())]}


def build(vectors_dir: Path = HERE, site_models: Path = ROOT / "site" / "models") -> dict:
    """The vectors of the files in ``vectors_dir`` (format and model vectors) with the tables in ``site_models``."""
    sets = []
    for name in ("format_v2.json", "format_v3.json", "format_v4.json"):
        path = Path(vectors_dir) / name
        # a scratch folder (make train VECTORS_DIR=...) holds only the model vectors
        for suite in json.loads((path if path.exists() else HERE / name).read_text())["suites"]:
            sets.append(_suite_set(name, suite))
    sets.append(_shipped_set(Path(vectors_dir), Path(site_models)))
    return {"description": "Where a file's bits go (site/format.md); made by tests/vectors/make_vectors.py bits.",
            "texts": [[q, bits_text(q)] for q in TEXT_CASES], "sets": sets}


def dumps(obj: dict) -> str:
    """One file per line, so a diff shows which split changed."""
    def files(fs):
        return "[\n" + ",\n".join("    " + json.dumps(f, separators=(",", ":")) for f in fs) + "\n   ]"
    sets = []
    for s in obj["sets"]:
        head = json.dumps({k: v for k, v in s.items() if k not in ("files", "orders")})[1:-1]
        sets.append(f'  {{{head},\n   "orders": {json.dumps(s["orders"], separators=(",", ":"))},\n'
                    f'   "files": {files(s["files"])}}}')
    return (f'{{"description": {json.dumps(obj["description"])},\n "texts": {json.dumps(obj["texts"])},\n'
            f' "sets": [\n' + ",\n".join(sets) + "\n ]}\n")
