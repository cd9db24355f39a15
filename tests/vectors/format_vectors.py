"""tests/vectors/format_v2.json, the file format's shared Python/JavaScript vectors.

Written by the one vectors tool: ``python tests/vectors/make_vectors.py format``
(``--check`` to compare instead).

Layout of format_v2.json
------------------------

::

    {
      "format": "digit file",
      "format_version": 2,
      "costs": [[f, cost], ...],               # tables.cost_q16: code length of frequency f in 1/65536 bit
      "suites": [
        {
          "name": "synthetic",                 # unique per suite
          "description": "...",
          "models": {                          # model id (as a string) -> TableSet JSON
            "0": {"offsets": [...], "sizes": [...], "freqs": "<base64 LE uint16>"},
            "3": {"clusters": [{...}, {...}, ...]},   # a model with 2**c clusters
            ...
          },
          "vectors": [                         # valid files
            {"name": "...", "model_id": 1,
             "indices": [[k_0, ..., k_{E-1}], ...],   # n rows: [cluster,] E indices (symbol - offset)
             "hex": "8c..."}                    # the exact file bytes
          ],
          "choose": [                          # TableSet.choose: a digit's symbols -> its row
            {"model_id": 3, "symbols": [...], "row": [...]}
          ],
          "invalid": [                         # files every reader must refuse
            {"name": "...", "hex": "...", "error": "substring of the FormatError message"}
          ]
        },
        ...
      ]
    }

Each suite is self-contained: its files are decoded with ``tables_by_model``
built from its own "models" (so "unknown model id" cases refer to ids missing
there).  Both test sides (tests/test_format.py and tests/js/aec.test.mjs)
iterate over every suite, so another suite (e.g. "trained", with the real
models' tables and vectors made by the codec) can be appended to "suites"; this
script rewrites only the suite called "synthetic" and keeps every other suite
as it is.

Everything here is deterministic and platform-independent: pmfs come from
integer weights (no exp/pow), random choices from ``random.Random(seed)``'s
``getrandbits``, and the stored tables are integers anyway.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from aec.format import decode_stream, encode_stream  # noqa: E402
from aec.tables import TOTAL, CodingTables, TableSet, cost_q16, quantize_pmf  # noqa: E402

PATH = Path(__file__).resolve().parent / "format_v2.json"
SUITE = "synthetic"
# Version 3 gave the version field `11` a meaning and its reader names both versions it knows:
# it refuses these two files with other messages (format_v3.json's "v2_superseded" says which).
V3_CHANGED = {"4c", "ff"}


def geometric_weights(n: int, centre: int, num: int, den: int) -> list:
    """Integer two-sided geometric weights: w = 10**9 * (num/den)**|k - centre| (floored step by step)."""
    side = [10**9]
    for _ in range(n):
        side.append(max(side[-1] * num // den, 0))
    return [side[abs(k - centre)] for k in range(n)]


def skewed_tables() -> CodingTables:
    """E = 16 elements with Laplace-like pmfs of different widths and centres, like a learned prior."""
    pmfs, offsets = [], []
    for e in range(16):
        n = 3 + (e * 7) % 29
        centre = (n * (1 + e % 3)) // 4
        num, den = [(1, 8), (1, 3), (1, 2), (3, 4), (9, 10)][e % 5]
        pmfs.append(np.array(geometric_weights(n, centre, num, den), dtype=np.float64))
        offsets.append(-centre)
    return CodingTables.from_pmfs(pmfs, offsets)


def mixed_tables() -> CodingTables:
    """E = 8 awkward elements: near-deterministic, two-symbol, fair coin, wide, big alphabet."""
    freqs = [
        [TOTAL - 1, 1],  # near-deterministic
        [1, TOTAL - 1],  # near-deterministic the other way round
        [TOTAL // 2, TOTAL // 2],  # fair coin
        [1, TOTAL - 2, 1],  # a certain middle with impossible-looking tails
        quantize_pmf(geometric_weights(1000, 0, 99, 100)).tolist(),  # 1000 symbols, one-sided
        [256] * 256,  # uniform byte
        quantize_pmf([5, 1, 0, 0, 7]).tolist(),  # zero-probability symbols get frequency 1
        [16] * 4096,  # 12-bit uniform
    ]
    offsets = [0, -1, 0, -1, 0, -128, 3, -2048]
    return CodingTables(offsets, [len(f) for f in freqs], [v for f in freqs for v in f])


def clustered_tables() -> TableSet:
    """E = 4 elements, 4 clusters: cluster 0 wide (symbols -8..8), the others narrow
    and centred elsewhere, as fit_cluster_tables makes them."""
    wide = CodingTables.from_pmfs([geometric_weights(17, 8, 2, 3)] * 4, [-8] * 4)
    narrow = []
    for k, centre in enumerate((-3, 0, 4), start=1):
        pmfs = [geometric_weights(3 + k, (1 + k) // 2, 1, 4) for _ in range(4)]
        narrow.append(CodingTables.from_pmfs(pmfs, [centre - (1 + k) // 2 + e % 2 for e in range(4)]))
    return TableSet([wide] + narrow)


def sample(tables: CodingTables, n: int, rnd: random.Random) -> list:
    """n rows of indices drawn from the tables themselves (integer arithmetic only)."""
    rows = []
    for _ in range(n):
        row = []
        for e in range(tables.num_elements):
            u = rnd.getrandbits(16)
            cdf = tables.cdf(e)
            row.append(int(np.searchsorted(cdf, u, side="right") - 1))
        rows.append(row)
    return rows


def synthetic_suite() -> dict:
    rnd = random.Random(20240501)
    talk = CodingTables.uniform(128, 8)
    skew = skewed_tables()
    mixed = mixed_tables()
    toy = CodingTables([0, -1], [2, 3], [49152, 16384, 16384, 32768, 16384])  # site/format.md's example
    clustered = clustered_tables()
    models = {0: talk, 1: skew, 2: toy, 3: clustered, 5: mixed}

    def mode(t):
        return [int(np.argmax(t.freqs_of(e))) for e in range(t.num_elements)]

    def top(t):
        return [int(s) - 1 for s in t.sizes]

    cases = [
        ("talk single digit, random bytes", 0, [[rnd.getrandbits(8) for _ in range(128)]]),
        ("talk single digit, all zero", 0, [[0] * 128]),
        ("talk single digit, all 255", 0, [[255] * 128]),
        ("talk stream of 3", 0, [[rnd.getrandbits(8) for _ in range(128)] for _ in range(3)]),
    ]
    cases += [(f"skewed single digit #{i}", 1, sample(skew, 1, rnd)) for i in range(6)]
    cases += [
        ("skewed single digit, most likely symbols", 1, [mode(skew)]),
        ("skewed single digit, all index 0", 1, [[0] * 16]),
        ("skewed single digit, all top index", 1, [top(skew)]),
        ("skewed stream of 3", 1, sample(skew, 3, rnd)),
        ("skewed stream of 20", 1, sample(skew, 20, rnd)),
        ("skewed stream of 2, extremes", 1, [[0] * 16, top(skew)]),
    ]
    cases += [(f"mixed single digit #{i}", 5, sample(mixed, 1, rnd)) for i in range(4)]
    cases += [
        ("mixed single digit, most likely symbols", 5, [mode(mixed)]),
        ("mixed single digit, all index 0", 5, [[0] * 8]),
        ("mixed single digit, all top index", 5, [top(mixed)]),
        ("mixed stream of 5", 5, sample(mixed, 5, rnd)),
        ("mixed stream of 4, alternating extremes", 5, [[0] * 8, top(mixed), [0] * 8, top(mixed)]),
    ]
    cases += [(f"toy (format.md worked example) indices {a} {b}", 2, [[a, b]]) for a in (0, 1) for b in (0, 1, 2)]
    cases += [("toy stream of 4", 2, [[1, 1], [0, 2], [1, 0], [0, 1]])]
    # symbols for the clustered model: near each narrow cluster, far out (cluster 0 clamps), ties
    digits = [[-3, -2, -3, -2], [0, 1, 0, 1], [4, 5, 4, 5], [3, 4, 5, 6], [-20, 0, 0, 30], [8, 8, 8, 8],
              [0, 0, 0, 0], [-2, -1, -3, -2], [2, 3, 4, 5]]
    digits += [[rnd.getrandbits(3) - 3 for _ in range(4)] for _ in range(12)]
    choose = [{"model_id": 3, "symbols": d, "row": clustered.choose([d])[0].tolist()} for d in digits]
    assert len({c["row"][0] for c in choose}) == 4, "every cluster should be chosen somewhere"
    cases += [(f"clustered single digit, symbols {c['symbols']}", 3, [c["row"]]) for c in choose[:9]]
    cases += [("clustered stream of 5, mixed clusters", 3, [c["row"] for c in choose[:5]])]
    vectors = []
    for name, mid, rows in cases:
        data = encode_stream(mid, np.array(rows), models[mid])
        assert decode_stream(data, models)[1].tolist() == rows, name
        vectors.append({"name": name, "model_id": mid, "indices": rows, "hex": data.hex()})

    by_name = {v["name"]: bytes.fromhex(v["hex"]) for v in vectors}
    valid = by_name["skewed stream of 3"]
    # a truncation the canonical check catches (not every one is caught: see site/format.md)
    truncated = next(bytes.fromhex(v["hex"])[:-1] for v in vectors if v["model_id"] == 1
                     and "corrupt" in (_refused(bytes.fromhex(v["hex"])[:-1], models) or ""))
    invalid = [
        ("empty file", "", "empty file"),
        ("version 0", "3f", "not a digit file (bad header)"),
        ("version 0, zero byte", "00", "not a digit file (bad header)"),
        ("version 1 (files of earlier models)", "4c", "unsupported format version 1 (this reader knows version 2)"),
        ("version 3", "ff", "unsupported format version 3"),
        ("unknown model id 7", "bc", "unknown model id 7"),
        ("unknown model id 4", "a4", "unknown model id 4"),
        ("gamma prefix of more than 16 zeros (zeros past the end)", "88", "implausible digit count"),
        ("n = 131071 > 65536", _bits_hex("10" "001" + "0" * 16 + "1" + "1" * 16), "implausible digit count"),
        ("oversized one-digit file of model 1", "8c" + "ff" * 38, "oversized"),
        ("oversized one-digit file of the clustered model 3", "9e" + "ff" * 14, "oversized"),
        ("valid file + a trailing 0x00 byte", (valid + b"\x00").hex(), "not the canonical encoding"),
        ("valid file + a trailing 0x01 byte", (valid + b"\x01").hex(), "not the canonical encoding"),
        ("valid file truncated by one byte", truncated.hex(), "corrupt or truncated data"),
    ]
    for name, hx, msg in invalid:
        err = _refused(bytes.fromhex(hx), models)
        assert err and (msg in err or hx in V3_CHANGED), (name, err)
    return {
        "name": SUITE,
        "description": "Seeded synthetic tables: model 0 = uniform 8-bit (talk network, E=128), "
                       "model 1 = 16 skewed Laplace-like elements, model 2 = the worked example of "
                       "site/format.md (E=2), model 3 = 4 clusters over E=4, model 5 = 8 awkward elements.",
        "models": {str(k): t.to_json() for k, t in models.items()},
        "vectors": vectors,
        "choose": choose,
        "invalid": [{"name": n, "hex": h, "error": m} for n, h, m in invalid],
    }


def _bits_hex(bits: str) -> str:
    bits += "0" * (-len(bits) % 8)
    return bytes(int(bits[i:i + 8], 2) for i in range(0, len(bits), 8)).hex()


def _refused(data: bytes, models, prior=None) -> str | None:
    from aec.format import FormatError
    try:
        decode_stream(data, models, prior=prior)
    except FormatError as err:
        return str(err)
    return None


def build(existing: dict | None) -> dict:
    suites = [s for s in (existing or {}).get("suites", []) if s.get("name") != SUITE]
    freqs = [1, 2, 3, 4, 5, 7, 255, 256, 257, 1000, 4095, 4096, 12345, 32767, 32768, 32769, 40000, 65534,
             65535, 65536]
    costs = [[f, int(c)] for f, c in zip(freqs, cost_q16(freqs))]
    return {"format": "digit file", "format_version": 2, "costs": costs, "suites": [synthetic_suite()] + suites}


def dumps(obj: dict) -> str:
    """JSON with one model / vector / invalid file per line (readable diffs)."""
    def one(v):
        return json.dumps(v, separators=(", ", ": "))

    def block(items, indent):
        pad = " " * indent
        return "[\n" + ",\n".join(pad + item for item in items) + "\n" + " " * (indent - 2) + "]"

    suites = []
    for s in obj["suites"]:
        fields = []
        for key, value in s.items():
            if key == "models":
                inner = ",\n".join(f"      {one(k)}: {one(v)}" for k, v in value.items())
                fields.append(f'    "models": {{\n{inner}\n    }}')
            elif key in ("vectors", "invalid", "choose"):
                fields.append(f'    {one(key)}: ' + block([one(v) for v in value], 6))
            else:
                fields.append(f"    {one(key)}: {one(value)}")
        suites.append("  {\n" + ",\n".join(fields) + "\n  }")
    head = ",\n".join(f" {one(k)}: {one(v)}" for k, v in obj.items() if k != "suites")
    text = "{\n" + head + ',\n "suites": [\n' + ",\n".join(suites) + "\n ]\n}\n"
    assert json.loads(text) == obj
    return text
