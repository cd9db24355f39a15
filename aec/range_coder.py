"""Exact-integer binary arithmetic coder (twin: site/js/aec/range_coder.js).

Classic bit-oriented arithmetic coder (Witten, Neal & Cleary 1987) with a 32-bit
state, pending (underflow) bits and 16-bit frequency tables
(:mod:`aec.tables`).  Everything is integer arithmetic, so Python and
JavaScript produce the same bits.

This is the scalar reference: :class:`BitWriter`, :class:`BitReader`,
:class:`ArithmeticEncoder`, :class:`ArithmeticDecoder` and the loops
:func:`encode_indices` / :func:`decode_indices`; the JS twin is a line-by-line
copy. :mod:`aec.batch_coder` gives identical bits for B streams at once in numpy
(Python only: the browser codes a digit at a time).

Encoder (per symbol with ``cum_lo = cdf[k]``, ``cum_hi = cdf[k+1]``)::

    range = high - low + 1
    high  = low + floor(range * cum_hi / TOTAL) - 1
    low   = low + floor(range * cum_lo / TOTAL)
    loop:
        if high < HALF:                      emit 0 (+ pending 1s)
        elif low >= HALF:                    emit 1 (+ pending 0s); low -= HALF; high -= HALF
        elif low >= QUARTER and high < 3Q:   pending += 1; low -= QUARTER; high -= QUARTER
        else: break
        low = 2*low; high = 2*high + 1

Termination (minimal): the smallest k >= 0 (k >= 1 if pending > 0) such that
``V = ceil(low / 2**(32-k)) * 2**(32-k) <= high``; the top k bits of V are
emitted through the normal emit path.  The decoder reads zeros past the end of
the data, so everything after V is implicit.

Naming: Python snake_case <-> JavaScript camelCase.
"""

from __future__ import annotations

from bisect import bisect_right

import numpy as np

from .tables import PRECISION_BITS, TOTAL, CodingTables

STATE_BITS = 32
MASK = (1 << STATE_BITS) - 1
HALF = 1 << (STATE_BITS - 1)
QUARTER = 1 << (STATE_BITS - 2)
THREE_QUARTERS = 3 * QUARTER

class BitWriter:
    """Growing bit string, MSB first within bytes."""

    def __init__(self):
        self.bits = bytearray()  # one 0/1 per bit

    def write_bit(self, bit: int) -> None:
        self.bits.append(bit)

    def write_bits(self, value: int, count: int) -> None:
        """Write the low ``count`` bits of ``value``, most significant first."""
        for i in range(count - 1, -1, -1):
            self.bits.append((value >> i) & 1)

    @property
    def bit_length(self) -> int:
        return len(self.bits)

    def to_bytes(self) -> bytes:
        """Pack MSB first; the last byte is zero-padded."""
        return np.packbits(np.frombuffer(bytes(self.bits), dtype=np.uint8)).tobytes()


class BitReader:
    """Reads bits MSB first from ``data``; reads 0 past the end (forever)."""

    def __init__(self, data: bytes, position: int = 0):
        self.data = bytes(data)
        self.position = position
        self._nbits = 8 * len(self.data)

    def read_bit(self) -> int:
        p = self.position
        self.position = p + 1
        if p >= self._nbits:
            return 0
        return (self.data[p >> 3] >> (7 - (p & 7))) & 1

    def read_bits(self, count: int) -> int:
        v = 0
        for _ in range(count):
            v = (v << 1) | self.read_bit()
        return v


class ArithmeticEncoder:
    """Encodes symbols given as cumulative-count intervals into a :class:`BitWriter`."""

    def __init__(self, writer: BitWriter):
        self.writer = writer
        self.low = 0
        self.high = MASK
        self.pending = 0

    def emit(self, bit: int) -> None:
        bits = self.writer.bits
        bits.append(bit)
        if self.pending:
            bits.extend(bytes([bit ^ 1]) * self.pending)
            self.pending = 0

    def encode(self, cum_lo: int, cum_hi: int) -> None:
        low, high = self.low, self.high
        rng = high - low + 1
        high = low + ((rng * cum_hi) >> PRECISION_BITS) - 1
        low = low + ((rng * cum_lo) >> PRECISION_BITS)
        while True:
            if high < HALF:
                self.emit(0)
            elif low >= HALF:
                self.emit(1)
                low -= HALF
                high -= HALF
            elif low >= QUARTER and high < THREE_QUARTERS:
                self.pending += 1
                low -= QUARTER
                high -= QUARTER
            else:
                break
            low = 2 * low
            high = 2 * high + 1
        self.low, self.high = low, high

    def finish(self) -> None:
        """Minimal termination (see module docstring)."""
        k = 1 if self.pending else 0
        while True:
            step = 1 << (STATE_BITS - k)
            v = -(-self.low // step) * step
            if v <= self.high:
                break
            k += 1
        for i in range(k):
            self.emit((v >> (STATE_BITS - 1 - i)) & 1)


class ArithmeticDecoder:
    """Decodes symbols from a :class:`BitReader` positioned at the first coder bit."""

    def __init__(self, reader: BitReader):
        self.reader = reader
        self.low = 0
        self.high = MASK
        self.code = reader.read_bits(STATE_BITS)

    def decode(self, cdf) -> int:
        """``cdf``: cumulative counts (n+1 entries, 0 .. TOTAL).  Returns the index k."""
        low, high, code = self.low, self.high, self.code
        rng = high - low + 1
        value = ((code - low + 1) * TOTAL - 1) // rng
        k = bisect_right(cdf, value) - 1
        high = low + ((rng * cdf[k + 1]) >> PRECISION_BITS) - 1
        low = low + ((rng * cdf[k]) >> PRECISION_BITS)
        while True:
            if high < HALF:
                pass
            elif low >= HALF:
                low -= HALF
                high -= HALF
                code -= HALF
            elif low >= QUARTER and high < THREE_QUARTERS:
                low -= QUARTER
                high -= QUARTER
                code -= QUARTER
            else:
                break
            low = 2 * low
            high = 2 * high + 1
            code = 2 * code + self.reader.read_bit()
        self.low, self.high, self.code = low, high, code
        return k


def check_indices(indices: np.ndarray, table_ids: np.ndarray, tables: CodingTables) -> None:
    if table_ids.size and (table_ids.min() < 0 or table_ids.max() >= tables.num_elements):
        raise ValueError(f"table_ids must be in [0, {tables.num_elements})")
    if indices.size:
        bad = (indices < 0) | (indices >= tables.sizes[table_ids])
        if bad.any():
            raise ValueError("indices out of range for their tables (clamp symbols first)")


def encode_indices(writer: BitWriter, indices, table_ids, tables: CodingTables) -> None:
    """Scalar: code one stream (indices (S,), table_ids (S,)) and terminate it."""
    idx = np.asarray(indices, dtype=np.int64).reshape(-1)
    tid = np.asarray(table_ids, dtype=np.int64).reshape(-1)
    if idx.shape != tid.shape:
        raise ValueError("indices and table_ids must have the same length")
    check_indices(idx, tid, tables)
    cdfs = tables.cdf_lists()
    enc = ArithmeticEncoder(writer)
    for k, e in zip(idx.tolist(), tid.tolist()):
        c = cdfs[e]
        enc.encode(c[k], c[k + 1])
    enc.finish()


def decode_indices(reader: BitReader, table_ids, tables: CodingTables) -> np.ndarray:
    """Scalar: decode S = len(table_ids) indices starting at the reader's position."""
    tid = np.asarray(table_ids, dtype=np.int64).reshape(-1)
    cdfs = tables.cdf_lists()
    dec = ArithmeticDecoder(reader)
    return np.array([dec.decode(cdfs[e]) for e in tid.tolist()], dtype=np.int64)
