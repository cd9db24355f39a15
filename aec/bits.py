"""Where a file's bits go (twin: site/js/aec/bits.js; spec: site/format.md, "Where the bits go").

A valid file of 8*L bits splits exactly into

* the header: version, model id and gamma(n) (whole bits);
* the clusters: c raw bits per digit (whole bits; none for a one-cluster model);
* version 4 has neither: its head, the model id and cluster coded given the file's
  length, is the coder's first symbol, and costs ``cost_q16`` of its frequency;
* each coded latent's ideal cost, ``cost_q16`` of its frequency in its digit's
  cluster table: log2(65536 / f) in 1/65536 bit, exact integers;
* the termination: the rest, 8*L minus all of the above. It holds the coder's
  final bit, the zero padding to a byte and the rounding of the coder's range,
  less the trailing zero bytes the format drops, so it may be negative.

Costs are in 1/65536 bit (``COST_BITS``) so that the parts add up exactly;
:func:`bits_text` writes one as an exact decimal number of bits.

Public API (Python snake_case <-> JavaScript camelCase):

* ``symbol_costs(rows (n, R), tables) -> (n, E) int64``, 1/65536 bit
* ``bit_split(data, tables_by_model, max_digits, prior=None) -> BitSplit``; raises FormatError
* ``latent_order(tables) -> (E,) int64``: elements by expected cost, largest first
* ``bits_text(q16) -> str``: q16 / 65536 as an exact decimal
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .format import MAX_DIGITS, decode_stream, read_header
from .format_v4 import is_v4
from .tables import COST_BITS, TableSet, cost_q16

ONE_BIT = 1 << COST_BITS  # one bit in the units of cost_q16


class BitSplit(NamedTuple):
    model_id: int
    n: int  # digits in the file
    total_bits: int  # 8 * the file's length
    header_bits: int  # version, model id and gamma(n)
    cluster_bits: int  # n * c: every digit's cluster
    clusters: np.ndarray  # (n,) each digit's cluster (zeros for a one-cluster model)
    latent_q16: np.ndarray  # (n, E) int64: each coded latent's ideal cost, 1/65536 bit
    termination_q16: int  # the rest: total - header - clusters - head - latents, 1/65536 bit (may be < 0)
    head_q16: int = 0  # version 4: the model id and cluster given the length, 1/65536 bit (0 before)


def symbol_costs(rows, tables) -> np.ndarray:
    """Rows (n, R) -> each index's code length in its digit's cluster table, (n, E) int64 in 1/65536 bit."""
    tables = TableSet.of(tables)
    clusters, idx = tables.split(rows)
    out = np.empty(idx.shape, np.int64)
    for d, k in enumerate(clusters.tolist()):
        t = tables.clusters[k]
        out[d] = cost_q16(t.freqs[t.starts[:-1] + idx[d]])
    return out


def bit_split(data, tables_by_model, max_digits: int = MAX_DIGITS, prior=None) -> BitSplit:
    """A valid file -> where its bits go (the parts add up to 8 * len(data) exactly). Raises FormatError."""
    data = bytes(data)
    model_id, rows = decode_stream(data, tables_by_model, max_digits, prior)
    header = read_header(data, tables_by_model, max_digits, prior)
    tables = TableSet.of(tables_by_model[model_id])
    n = header.n
    clusters, _ = tables.split(rows)
    latents = symbol_costs(rows, tables)
    total = 8 * len(data)
    if is_v4(data, prior):
        head = prior.head.freqs_of(prior.element(len(data)))[prior.symbol(model_id, int(clusters[0]))]
        head_q16 = int(cost_q16(head))
        rest = total * ONE_BIT - head_q16 - int(latents.sum())
        return BitSplit(model_id, n, total, 0, 0, clusters.astype(np.int64), latents, rest, head_q16)
    cluster_bits = n * tables.cluster_bits
    head = header.header_bits - cluster_bits
    rest = (total - head - cluster_bits) * ONE_BIT - int(latents.sum())
    return BitSplit(model_id, n, total, head, cluster_bits, clusters.astype(np.int64), latents, rest)


def latent_order(tables) -> np.ndarray:
    """The elements by their expected code length under cluster 0 (the factorised prior),
    largest first, ties by the lower element: the latents a file spends most bits on."""
    t = TableSet.of(tables).clusters[0]
    weighted = t.freqs.astype(np.int64) * cost_q16(t.freqs)  # f * cost: exact, below 2**36
    expected = np.add.reduceat(weighted, t.starts[:-1])
    return np.lexsort((np.arange(t.num_elements), -expected)).astype(np.int64)


def bits_text(q16: int) -> str:
    """q16 / 65536 bits as an exact decimal ("-1.5", "0.0000152587890625", "12")."""
    q16 = int(q16)
    sign, q = ("-" if q16 < 0 else ""), abs(q16)
    whole, frac = divmod(q, ONE_BIT)
    if not frac:
        return f"{sign}{whole}"
    digits = str(frac * 5 ** COST_BITS).rjust(COST_BITS, "0").rstrip("0")  # frac / 2**16 = frac * 5**16 / 10**16
    return f"{sign}{whole}.{digits}"


__all__ = ["ONE_BIT", "BitSplit", "symbol_costs", "bit_split", "latent_order", "bits_text"]
