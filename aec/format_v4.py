"""Digit file format, version 4: one digit of a learned model, all of it arithmetic-coded
(twin: site/js/aec/format_v4.js; spec: site/format.md, "Version 4"; the head's table:
aec/model_prior.py).

A version-4 file of L bytes is one run of the coder of :mod:`aec.range_coder`:

1. the head: (model id, cluster) with the head table of length L (``ModelPrior.element``);
   its interval lies in the lower half of the code space, so the file's first bit is 0,
   where version-2 and -3 files have a 1;
2. the digit's E indices, element e with table e of its cluster, as in version 3;
3. minimal termination, trailing zero bytes dropped, then zero bytes appended up to L.

The encoder takes the smallest L, counting up from ``start_length``, at which step 3 needs
no more than L bytes. The head is the run's first symbol, coded from the whole range, so
its interval is the file's first 16 bits: a reader finds the model and cluster without
running the coder (``read_header``). Readers re-encode the decoded digit as the encoder
does, the same search for L included, and insist on the same bytes: a digit has one
version-4 file (random bytes whose first bit is 0 pass less often than random version-3
files do; site/format.md has the rates).

Called by aec/format.py, which dispatches on the first bit when it is given a prior.
"""

from __future__ import annotations

import numpy as np

from .batch_coder import decode_batch, encode_batch
from .range_coder import BitWriter, encode_indices
from .tables import COST_BITS, CodingTables, TableSet

VERSION = 4


def is_v4(data: bytes, prior) -> bool:
    return prior is not None and len(data) > 0 and data[0] < 0x80


def combined_tables(prior, model_id: int, tables: TableSet) -> CodingTables:
    """The head tables, then the model's clusters' tables (``tables.merged``) as one
    CodingTables; cached on the prior per model."""
    cache = prior._combined
    hit = cache.get(model_id)
    if hit is None or hit[0] is not tables:
        m, h = tables.merged, prior.head
        hit = (tables, CodingTables(np.concatenate([h.offsets, m.offsets]), np.concatenate([h.sizes, m.sizes]),
                                    np.concatenate([h.freqs, m.freqs])))
        cache[model_id] = hit
    return hit[1]


def _streams(prior, model_id, tables: TableSet, rows, lengths):
    """Rows (B, R) and file lengths (B,) -> (indices (B, 1+E), table ids (B, 1+E)) of the run."""
    clusters, idx = tables.split(rows)
    heads = np.array([prior.symbol(model_id, int(k)) for k in clusters], np.int64)
    elements = np.minimum(np.maximum(np.asarray(lengths, np.int64), 1), prior.rows) - 1
    tid = np.concatenate([elements[:, None], prior.rows + tables.table_ids(clusters[:, None])], axis=1)
    return np.concatenate([heads[:, None], idx], axis=1), tid


def start_length(rows, tables: TableSet) -> np.ndarray:
    """Where the encoder's search for L starts: the whole bytes of the cluster's bits plus
    the indices' code lengths (the head and termination come on top)."""
    cost = tables.row_costs(rows) + (tables.cluster_bits << COST_BITS)
    return np.maximum((cost >> COST_BITS) // 8, 1)


def _fit(data: bytes, length: int):
    """The coder's bytes, trailing zeros dropped, padded to ``length``; None if longer."""
    data = data.rstrip(b"\x00")
    return data.ljust(length, b"\x00") if len(data) <= length else None


def encode(model_id: int, row, tables: TableSet, prior) -> bytes:
    """One digit (row (R,)) -> its version-4 file (the scalar coder, as format_v4.js)."""
    rows = np.asarray(row, np.int64).reshape(1, -1)
    combined = combined_tables(prior, model_id, tables)
    length = int(start_length(rows, tables)[0])
    while True:
        idx, tid = _streams(prior, model_id, tables, rows, [length])
        w = BitWriter()
        encode_indices(w, idx[0], tid[0], combined)
        data = _fit(w.to_bytes(), length)
        if data is not None:
            return data
        length += 1


def encode_batch_files(model_id: int, rows, tables: TableSet, prior) -> list:
    """Rows (B, R) -> B version-4 files (batched; the bytes of :func:`encode`)."""
    rows = np.asarray(rows, np.int64)
    combined = combined_tables(prior, model_id, tables)
    length = start_length(rows, tables)
    out = [None] * len(rows)
    todo = np.arange(len(rows))
    while todo.size:
        idx, tid = _streams(prior, model_id, tables, rows[todo], length[todo])
        bits, _ = encode_batch(idx, tid, combined)
        packed = np.packbits(bits, axis=1)
        failed = []
        for j, i in enumerate(todo.tolist()):
            out[i] = _fit(packed[j].tobytes(), int(length[i]))
            if out[i] is None:
                failed.append(i)
        todo = np.array(failed, np.int64)
        length[todo] += 1
    return out


def read_head(data: bytes, prior):
    """The (model id, cluster) a version-4 file's first 16 bits name at its length."""
    value = int.from_bytes(bytes(data[:2]).ljust(2, b"\x00"), "big")
    cdf = prior.head.cdf(prior.element(len(data)))
    return prior.model_cluster(int(np.searchsorted(cdf, value, side="right")) - 1)


def decode_group(datas: list, model_id: int, clusters, tables: TableSet, prior):
    """Files of one model (with their clusters from :func:`read_head`) -> (rows (B, R) int32,
    ok (B,) bool: re-encoding the rows gives the file's bytes)."""
    clusters = np.asarray(clusters, np.int64)
    lengths = np.array([len(d) for d in datas], np.int64)
    combined = combined_tables(prior, model_id, tables)
    placeholder = np.zeros((len(datas), tables.num_elements), np.int64)
    fake_rows = placeholder if not tables.cluster_bits else np.concatenate([clusters[:, None], placeholder], 1)
    _, tid = _streams(prior, model_id, tables, fake_rows, lengths)
    flat = decode_batch(datas, 0, tid, combined)
    idx = flat[:, 1:]
    rows = idx if not tables.cluster_bits else np.concatenate([clusters[:, None], idx], axis=1)
    again = encode_batch_files(model_id, rows, tables, prior)
    ok = np.array([a == bytes(d) for a, d in zip(again, datas)], bool)
    return rows.astype(np.int32), ok
