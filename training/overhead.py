"""What a file spends besides its payload (issue 23): per level, the ideal code length
against the real file, and what version 4 saves over version 3 (site/format.md, "Version 4").

* ideal: the digit's indices, each -log2 p in its cluster's table (``cost_q16``), plus the
  cluster choice, c bits: what an arithmetic coder needs before its header and termination;
* header: version 3's 6 bits (version, model id, one digit); version 4's head less the
  cluster's c bits (the model id given the length; it can be below 0 when the length makes
  the cluster likelier than 2**-c);
* termination: the rest of the file's 8 * L bits: the coder's last bit and the rounding up
  to whole bytes.

Evaluation (training/evaluate.py) measures its own files with :func:`measure` (each
level's ``overhead``); the results page shows :func:`section`.
"""

from __future__ import annotations

import numpy as np

from aec import format as fmt
from aec.tables import COST_BITS, cost_q16

ONE = 1 << COST_BITS
TARGET_BYTES = 0.6  # issue 23: a file at most this much over its ideal code length, at every level


def measure(codecs, model_id: int, files: list) -> dict:
    """One level's one-digit files (as the codecs write them) -> mean bytes and their parts."""
    tables = codecs.tables[model_id]
    batch = fmt.decode_digits(files, codecs.tables, prior=codecs.prior)
    rows = batch.rows[:, :tables.row_length]
    c = tables.cluster_bits
    ideal = tables.row_costs(rows) + (c << COST_BITS)
    total = np.array([8 * len(f) for f in files], np.int64) * ONE
    v4 = codecs.prior is not None and fmt.file_version(model_id, 1, codecs.prior) == 4
    if v4:
        prior = codecs.prior
        clusters = tables.split(rows)[0]
        heads = np.array([prior.head.freqs_of(prior.element(len(f)))[prior.symbol(model_id, int(k))]
                          for f, k in zip(files, clusters)])
        header = cost_q16(heads) - (c << COST_BITS)
    else:
        header = np.full(len(files), 6 * ONE)
    v3 = np.array([len(f) for f in fmt.encode_digits(model_id, rows, tables)])  # the same digits in version 3
    return {"version": 4 if v4 else fmt.file_version(model_id), "digits": len(files),
            "bytes": float(total.mean() / ONE / 8), "ideal_bytes": float(ideal.mean() / ONE / 8),
            "header_bits": float(header.mean() / ONE), "termination_bits": float((total - ideal - header).mean() / ONE),
            "v3_bytes": float(v3.mean())}


def markdown(overhead: dict, names: dict, first: str = "level") -> list[str]:
    """``overhead``: level key -> :func:`measure`'s dict; ``names``: level key -> its label;
    ``first``: the first column's title (the site names a table by its titles: keep them apart)."""
    lines = [f"| {first} | ideal (indices + cluster) | file | file - ideal | header | termination and bytes | "
             "the same digits in version 3 |", "|---|---|---|---|---|---|---|"]
    for key, o in overhead.items():
        lines.append(f"| {names.get(key, key)} | {o['ideal_bytes']:.3f} B | {o['bytes']:.3f} B | "
                     f"{o['bytes'] - o['ideal_bytes']:.3f} B | {o['header_bits']:.2f} bits | "
                     f"{o['termination_bits']:.2f} bits | {o['v3_bytes']:.3f} B |")
    return lines


def section(result) -> list[str]:
    """results.md's section: the table for the command's files and for the browser's."""
    lines = []
    for encoder, who, first in (("codecs", "the command's files (searched)", "level, searched"),
                                ("one_pass", "the browser's files (one pass)", "level, one pass")):
        rows = {k: c["overhead"] for k, c in result.get(encoder, {}).items() if "overhead" in c}
        if not rows:
            continue
        worst = max(o["bytes"] - o["ideal_bytes"] for o in rows.values())
        if not lines:
            lines += ["", "### What a file spends besides its payload", "",
                      "Per level, the ideal code length of a file's content (its indices, -log2 p each in its "
                      "cluster's table, and the cluster choice, c bits) against the file's real bytes. One digit "
                      "is a version-4 file (site/format.md): its header is the model id given the file's length "
                      "(the head's cost less the cluster's c bits); the rest is the coder's termination and the "
                      "rounding up to whole bytes. The last column codes the same digits as version-3 files, "
                      f"with a 6-bit header. Target: at most {TARGET_BYTES} B over the ideal at every level."]
        lines += ["", f"{who[0].upper()}{who[1:]}: at most {worst:.3f} B over the ideal "
                      f"({'met' if worst <= TARGET_BYTES else 'missed'}).", "",
                  *markdown(rows, {k: c["label"] for k, c in result[encoder].items()}, first)]
    return lines
