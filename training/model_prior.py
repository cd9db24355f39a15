"""Fit the version-4 head's table (aec/model_prior.py): each (model id, cluster)'s
probability given the file's length, from the lengths and clusters of real files.

Each level on the quality scale gets the same weight (the target is a small overhead at
every level); the levels off the scale still decode but get WEIGHT_OFF_SCALE. A level's
counts of (cluster, length) are smoothed over neighbouring lengths, and every symbol keeps
frequency 1 at least, so any file can be written.

The lengths depend on the table (its cost is part of each file), so the fit starts from
a table that spreads over the present models and refits on the files it gives, ROUNDS times.
Called by the converter's runtime export (converter/runtime.py), on training digits.
"""

from __future__ import annotations

import numpy as np

from aec import format as fmt, levels
from aec.model_prior import MODEL_IDS, V4_TOTAL, ModelPrior
from aec.tables import TOTAL, CodingTables

ROUNDS = 2
WEIGHT_OFF_SCALE = 1 / 64  # codec levels 1 to 4 (aec/levels.py: off the scale)
SMOOTH = np.array([1, 4, 6, 4, 1]) / 16  # lengths +-2 bytes
FLOOR = 0.5  # counts spread over all of a level's (cluster, length) cells
EXTRA_ROWS = 8  # rows past the longest file seen (longer files use the last row)


def quantize(p: np.ndarray) -> np.ndarray:
    """Masses of the (model, cluster) symbols -> frequencies >= 1 summing to V4_TOTAL
    (``1 + floor(p * (V4_TOTAL - S))``, the leftover one each to the largest p, ties: the lower symbol)."""
    p = p / p.sum()
    f = 1 + np.floor(p * (V4_TOTAL - p.size)).astype(np.int64)
    left = V4_TOTAL - int(f.sum())
    f[np.argsort(-p, kind="stable")[:left]] += 1
    return f


def head_tables(masses: np.ndarray) -> CodingTables:
    """(rows, S) masses -> the head CodingTables: each row quantized, then the upper half's symbol."""
    rows, S = masses.shape
    freqs = np.concatenate([np.stack([quantize(r) for r in masses]), np.full((rows, 1), TOTAL - V4_TOTAL)], 1)
    return CodingTables(np.zeros(rows, np.int64), np.full(rows, S + 1), freqs.reshape(-1))


def fit_from_files(files: dict, cluster_bits) -> ModelPrior:
    """``files``: model id -> (lengths in bytes, clusters) of its files; ``cluster_bits``: the 14 models' c."""
    c = np.asarray(cluster_bits, np.int64)
    firsts = np.concatenate([[0], np.cumsum(1 << c)])
    rows = max(int(np.max(L)) for L, _ in files.values()) + EXTRA_ROWS
    scale = {lv.model_id for lv in levels.LEVELS}
    mass = np.full((rows, int(firsts[-1])), 1e-9)  # models no folder has: frequency 1
    for m, (L, k) in files.items():
        K = 1 << int(c[m - 1])
        h = np.zeros((K, rows))
        np.add.at(h, (np.asarray(k, np.int64), np.minimum(np.asarray(L, np.int64), rows) - 1), 1.0)
        h = np.stack([np.convolve(r, SMOOTH, mode="same") for r in h]) + FLOOR / (K * rows)
        h *= (1.0 if m in scale else WEIGHT_OFF_SCALE) / h.sum()
        mass[:, firsts[m - 1]:firsts[m]] = h.T
    return ModelPrior(c, head_tables(mass))


def spread_prior(cluster_bits, present) -> ModelPrior:
    """The start: every present (model, cluster) the same share at every length."""
    c = np.asarray(cluster_bits, np.int64)
    p = np.concatenate([np.full(1 << int(c[i]), 1.0 / (1 << int(c[i])) if m in present else 1e-9)
                        for i, m in enumerate(MODEL_IDS)])
    return ModelPrior(c, head_tables(p[None]))


def fit_model_prior(codecs, images, log=print) -> ModelPrior:
    """``codecs``: aec.codec.Codecs; ``images``: training digits, coded in one pass at every
    learned level."""
    c = [codecs.tables[m].cluster_bits if m in codecs.tables else 0 for m in MODEL_IDS]
    present = [m for m in MODEL_IDS if m in codecs.tables]
    rows = {m: codecs.codec_for(m).encode_rows(images, m) for m in present}
    clusters = {m: codecs.tables[m].split(rows[m])[0] for m in present}
    prior = spread_prior(c, present)
    for r in range(ROUNDS):
        lengths = {m: np.array([len(f) for f in fmt.encode_digits(m, rows[m], codecs.tables[m], prior)]) for m in present}
        log(f"[model prior] round {r + 1}: mean bytes " + ", ".join(f"{m}: {v.mean():.2f}" for m, v in lengths.items()))
        prior = fit_from_files({m: (lengths[m], clusters[m]) for m in present}, c)
    return prior
