"""The arithmetic coder of :mod:`aec.range_coder`, batched in numpy.

B independent streams of S symbols are coded in lock-step, with the scalar
coder's exact bits (tests/test_range_coder.py compares them on random tables).
Python only: the browser codes one digit at a time with the scalar coder, so
this module has no JS twin.
"""

from __future__ import annotations

import numpy as np

from .range_coder import HALF, MASK, QUARTER, STATE_BITS, check_indices
from .tables import PRECISION_BITS, TOTAL, CodingTables


# ---------------------------------------------------------------------------
# batched numpy coder (B streams in lock-step)
# ---------------------------------------------------------------------------
#
# The renormalisation loop of the scalar coder is done in closed form per row:
# first ``t`` shifts while the top bits of low and high agree (each emits that
# bit; the first one also flushes the pending bits), then ``u`` underflow shifts
# while low = 01.. and high = 10.. in their next bits (each adds a pending bit).
# After an underflow shift neither "emit" case can occur again, so the scalar
# loop always performs exactly these t emit steps followed by u underflow steps.

def _bit_length(x: np.ndarray) -> np.ndarray:
    """Bit length of non-negative int64 values < 2**53 (0 -> 0)."""
    return np.frexp(x.astype(np.float64))[1].astype(np.int64)


def _renorm_shifts(lo: np.ndarray, hi: np.ndarray):
    """Closed-form renormalisation: returns (t, u, new_lo, new_hi).

    t = emit steps (common leading bits of lo and hi; they are lo's top t bits),
    u = underflow steps that follow.
    """
    t = STATE_BITS - _bit_length(lo ^ hi)
    ones_t = (np.int64(1) << t) - 1
    lo1 = (lo << t) & MASK
    hi1 = ((hi << t) | ones_t) & MASK
    z = ~(lo1 & ~hi1) & (HALF - 1)  # bits 30..0 where NOT (lo=1 and hi=0)
    u = (STATE_BITS - 1) - _bit_length(z)
    lo2 = (lo1 << u) & (HALF - 1)
    hi2 = ((hi1 << u) & (HALF - 1)) | HALF | ((np.int64(1) << u) - 1)
    return t, u, lo2, hi2


def _needs_renorm(low: np.ndarray, high: np.ndarray) -> np.ndarray:
    # top bits equal (emit) or low = 01.., high = 10.. (underflow)
    return ((low ^ high) < HALF) | ((low & ~high & QUARTER) != 0)


class _BatchBits:
    """Output bits of B streams.

    Two zero-initialised buffers whose bits never overlap and are OR-ed at the end:

    * ``diff`` (int8): runs of 1-bits [s, t) as diff[s] += 1, diff[t] -= 1 (bits =
      cumsum); used for single emitted 1-bits and for runs of pending 1-bits;
    * ``packed`` (uint8, MSB first): arbitrary words of up to 31 bits.
    """

    def __init__(self, B: int, prefix: np.ndarray, cap: int):
        self.B = B
        self.cap = max(cap, (prefix.shape[-1] if prefix.ndim else 0) + 64)
        self.diff = np.zeros((B, self.cap + 1), dtype=np.int8)
        self.packed = np.zeros((B, self.cap // 8 + 6), dtype=np.uint8)
        width = prefix.shape[-1] if prefix.ndim else 0
        if width:  # one prefix for every row, or one per row (B, P)
            self.packed[:, :(width + 7) // 8] = np.packbits(prefix, axis=-1)
        self.pos = np.full(B, width, dtype=np.int64)
        self.pending = np.zeros(B, dtype=np.int64)

    def ensure(self, extra: int) -> None:
        """Make room for every row to advance by its pending bits + ``extra`` bits."""
        need = int((self.pos + self.pending).max()) + extra if self.B else 0
        if need > self.cap:
            cap = max(need, 2 * self.cap)
            d = np.zeros((self.B, cap + 1), dtype=np.int8)
            d[:, :self.cap + 1] = self.diff
            p = np.zeros((self.B, cap // 8 + 6), dtype=np.uint8)
            p[:, :self.packed.shape[1]] = self.packed
            self.diff, self.packed, self.cap = d, p, cap

    def emit(self, rows: np.ndarray, bit: np.ndarray) -> None:
        """Emit ``bit`` (0/1 per row) then the pending opposite bits, for ``rows`` (distinct)."""
        p = self.pos[rows]
        pend = self.pending[rows]
        one = bit.astype(bool)
        start = np.where(one, p, p + 1)
        end = np.where(one, p + 1, p + 1 + pend)
        flat = self.diff.reshape(-1)
        base = rows * (self.cap + 1)
        flat[base + start] += 1
        flat[base + end] -= 1
        self.pos[rows] = p + 1 + pend
        self.pending[rows] = 0

    def write_words(self, rows: np.ndarray, words: np.ndarray, nbits: np.ndarray) -> None:
        """Append the low ``nbits`` (0..31) bits of ``words``, MSB first, for ``rows`` (distinct)."""
        q = self.pos[rows]
        off = q & 7
        val = words << (40 - off - nbits)  # a 40-bit window starting at byte q >> 3
        flat = self.packed.reshape(-1)
        idx = rows * self.packed.shape[1] + (q >> 3)
        for i in range(5):
            flat[idx + i] |= ((val >> (32 - 8 * i)) & 0xFF).astype(np.uint8)
        self.pos[rows] = q + nbits

    def bits(self) -> np.ndarray:
        """(B, W) uint8 matrix of 0/1, W = max bit length (zero beyond each row's end)."""
        width = int(self.pos.max()) if self.B else 0
        runs = np.cumsum(self.diff[:, :width], axis=1, dtype=np.int8).view(np.uint8)
        return runs | np.unpackbits(self.packed, axis=1)[:, :width]


def _renorm_encode(out: _BatchBits, low: np.ndarray, high: np.ndarray) -> None:
    """Renormalise all rows in place (closed form, only the rows that need it)."""
    rows = np.flatnonzero(_needs_renorm(low, high))
    if rows.size == 0:
        return
    lo, hi = low[rows], high[rows]
    t, u, low[rows], high[rows] = _renorm_shifts(lo, hi)
    em = t > 0
    if em.any():
        r, te, le = rows[em], t[em], lo[em]
        out.emit(r, le >> (STATE_BITS - 1))  # first emitted bit flushes the pending bits
        rest = te - 1  # the other t-1 common bits, straight from low
        out.write_words(r, (le >> (STATE_BITS - te)) & ((np.int64(1) << rest) - 1), rest)
    out.pending[rows] += u


def _finish_batch(out: _BatchBits, low: np.ndarray, high: np.ndarray) -> None:
    B = low.size
    k = (out.pending > 0).astype(np.int64)
    v = np.zeros(B, dtype=np.int64)
    todo = np.ones(B, dtype=bool)
    for kk in range(STATE_BITS + 1):
        step = 1 << (STATE_BITS - kk)
        cand = -(-low // step) * step
        ok = todo & (k <= kk) & (cand <= high)
        v[ok] = cand[ok]
        k[ok] = kk
        todo &= ~ok
        if not todo.any():
            break
    for i in range(int(k.max()) if B else 0):
        rows = np.flatnonzero(k > i)
        out.emit(rows, (v[rows] >> (STATE_BITS - 1 - i)) & 1)


def encode_batch(indices, table_ids, tables: CodingTables, prefix_bits=None):
    """Encode B streams at once.

    indices   : (B, S) integer indices, ``0 <= indices[:, j] < tables.sizes[table_ids[j]]``
    table_ids : (S,) element (table) used at each position, shared by all rows,
                or (B, S): a table per row and position
    prefix_bits : optional (P,) 0/1 bits written before the coder bits in every row
                  (the file header), or (B, P): one prefix per row
    Returns ``(bits, nbits)``: ``bits`` (B, W) uint8 0/1 matrix, zero beyond each
    row's ``nbits`` (int64 (B,)).  Row i equals the scalar :class:`BitWriter` after
    writing the prefix and calling :func:`encode_indices` on ``indices[i]``.
    """
    idx = np.asarray(indices, dtype=np.int64)
    if idx.ndim != 2:
        raise ValueError("indices must be (B, S)")
    B, S = idx.shape
    tid = np.asarray(table_ids, dtype=np.int64)
    if tid.ndim != 2:
        tid = tid.reshape(-1)
        if tid.size != S:
            raise ValueError(f"table_ids has {tid.size} entries for S = {S}")
    elif tid.shape != (B, S):
        raise ValueError(f"table_ids has shape {tid.shape} for indices {idx.shape}")
    check_indices(idx, tid, tables)
    prefix = (np.zeros(0, np.uint8) if prefix_bits is None else np.asarray(prefix_bits, dtype=np.uint8))
    if prefix.ndim == 2 and prefix.shape[0] != B:
        raise ValueError(f"prefix_bits has {prefix.shape[0]} rows for B = {B}")
    prefix = prefix if prefix.ndim == 2 else prefix.reshape(-1)
    if B == 0:
        return np.zeros((0, prefix.shape[-1]), np.uint8), np.zeros(0, np.int64)
    # first guess of the length: the tables' entropies + slack; grown on demand
    ent = 0.0
    if S:
        f = tables.freqs.astype(np.float64) / TOTAL
        h = np.add.reduceat(-f * np.log2(f), tables.starts[:-1])
        ent = float(h[tid].sum(-1).max())
    out = _BatchBits(B, prefix, prefix.shape[-1] + 64 + int(1.25 * ent))
    low = np.zeros(B, dtype=np.int64)
    high = np.full(B, MASK, dtype=np.int64)
    starts = tables.cdf_starts[tid]
    flat = (starts[:, None] + idx.T) if tid.ndim == 1 else (starts + idx).T  # (S, B): a row per position
    cum_lo = tables.cdf_flat[flat]
    cum_hi = tables.cdf_flat[flat + 1]
    for j in range(S):
        out.ensure(2 * STATE_BITS)
        rng = high - low + 1
        high = low + ((rng * cum_hi[j]) >> PRECISION_BITS) - 1
        low = low + ((rng * cum_lo[j]) >> PRECISION_BITS)
        _renorm_encode(out, low, high)
    out.ensure(2 * STATE_BITS)
    _finish_batch(out, low, high)
    return out.bits(), out.pos.copy()


def bytes_to_bit_matrix(datas, pad_bits: int = 8) -> np.ndarray:
    """List of byte strings -> (B, W) uint8 0/1 matrix, zero-padded; W >= 8*max_len + pad_bits."""
    return np.unpackbits(_bytes_to_matrix(datas, (pad_bits + 7) // 8), axis=1)


def _bytes_to_matrix(datas, pad_bytes: int) -> np.ndarray:
    B = len(datas)
    lens = np.fromiter((len(d) for d in datas), dtype=np.int64, count=B)
    width = (int(lens.max()) if B else 0) + pad_bytes
    mat = np.zeros((B, width), dtype=np.uint8)
    if lens.sum():
        joined = np.frombuffer(b"".join(bytes(d) for d in datas), dtype=np.uint8)
        rows = np.repeat(np.arange(B), lens)
        cols = np.arange(joined.size) - np.repeat(np.cumsum(lens) - lens, lens)
        mat[rows, cols] = joined
    return mat


def decode_batch(data, start, table_ids, tables: CodingTables) -> np.ndarray:
    """Decode B streams at once.

    data  : list of B byte strings, or a (B, W) uint8 0/1 bit matrix (e.g. the
            output of :func:`encode_batch`); bits past the end read as 0.
    start : int or (B,) bit position of each row's first coder bit
    table_ids : (S,) element used at each position, or (B, S): a table per row and position
    Returns indices (B, S) int64.  Never fails: any input decodes to something.
    """
    if isinstance(data, np.ndarray):
        bits = np.asarray(data, dtype=np.uint8)
        if bits.ndim != 2:
            raise ValueError("bit matrix must be (B, W)")
        pad = (-bits.shape[1]) % 8
        mat = np.packbits(np.pad(bits, ((0, 0), (0, pad))), axis=1)
        mat = np.pad(mat, ((0, 0), (0, 6)))
    else:
        mat = _bytes_to_matrix(list(data), 6)
    B, nbytes = mat.shape
    tid = np.asarray(table_ids, dtype=np.int64)
    per_row = tid.ndim == 2
    if per_row and tid.shape[0] != B:
        raise ValueError(f"table_ids has {tid.shape[0]} rows for B = {B}")
    tid = tid if per_row else tid.reshape(-1)
    S = tid.shape[-1]
    if S and (tid.min() < 0 or tid.max() >= tables.num_elements):
        raise ValueError(f"table_ids must be in [0, {tables.num_elements})")
    result = np.zeros((S, B), dtype=np.int64)
    if B == 0 or S == 0:
        return result.T.copy()
    flat = mat.reshape(-1).astype(np.int64)
    rowbase = np.arange(B, dtype=np.int64) * nbytes
    last = nbytes - 5  # windows start at most here; the last 6 bytes are zero padding

    def window(rows_base, q, m):
        """The m (<= 32) bits at bit position q of each row (zeros past the data)."""
        b = np.minimum(q >> 3, last)
        off = np.where(q >> 3 > last, 0, q & 7)
        i0 = rows_base + b
        w = (flat[i0] << 32) | (flat[i0 + 1] << 24) | (flat[i0 + 2] << 16) | (flat[i0 + 3] << 8) | flat[i0 + 4]
        return (w >> (40 - off - m)) & ((np.int64(1) << m) - 1)

    pos = np.broadcast_to(np.asarray(start, dtype=np.int64), (B,)).copy()
    code = window(rowbase, pos, np.full(B, STATE_BITS, np.int64))
    pos += STATE_BITS
    low = np.zeros(B, dtype=np.int64)
    high = np.full(B, MASK, dtype=np.int64)
    cdfs = None if per_row else [tables.cdf(e) for e in range(tables.num_elements)]
    cdf_flat = tables.cdf_flat
    for j in range(S):
        rng = high - low + 1
        value = ((code - low + 1) * TOTAL - 1) // rng
        if per_row:
            # each row its own table: binary search for the largest k with cdf[k] <= value
            first = tables.cdf_starts[tid[:, j]]
            lo_k = np.zeros(B, dtype=np.int64)
            hi_k = tables.sizes[tid[:, j]].astype(np.int64) - 1
            while np.any(lo_k < hi_k):
                mid = (lo_k + hi_k + 1) >> 1
                ok = cdf_flat[first + mid] <= value
                lo_k = np.where(ok, mid, lo_k)
                hi_k = np.where(ok, hi_k, mid - 1)
            k = lo_k
            c_lo, c_hi = cdf_flat[first + k], cdf_flat[first + k + 1]
        else:
            cdf = cdfs[tid[j]]
            k = np.searchsorted(cdf, value, side="right") - 1
            c_lo, c_hi = cdf[k], cdf[k + 1]
        result[j] = k
        high = low + ((rng * c_hi) >> PRECISION_BITS) - 1
        low = low + ((rng * c_lo) >> PRECISION_BITS)
        rows = np.flatnonzero(_needs_renorm(low, high))
        if rows.size == 0:
            continue
        lo, hi, co, p = low[rows], high[rows], code[rows], pos[rows]
        t, u, low[rows], high[rows] = _renorm_shifts(lo, hi)
        m = t + u
        nxt = window(rowbase[rows], p, m)
        co = ((co << t) & MASK) | (nxt >> u)  # emit steps: code loses the same top bits
        co = HALF + (co - HALF) * (np.int64(1) << u) + (nxt & ((np.int64(1) << u) - 1))  # underflow steps
        code[rows] = co
        pos[rows] = p + m
    return result.T.copy()
