"""Digit file format, versions 2 to 4 (twin: site/js/aec/format.js; spec: site/format.md).

Version 4 (aec/format_v4.py) holds one digit of a learned model, its model id coded
by the file's length (aec/model_prior.py); a reader given a ``prior`` reads a file whose
first bit is 0 as version 4. Without one, readers and writers are the version-3 ones
described here, byte for byte, and one-digit files of learned models are version 3.

A file holds n >= 1 digits coded with one model.  Bits, MSB first within bytes:

1. version and model id, 5 bits: model ids 0..7 are written exactly as version 2
   wrote them, ``10`` + the id in 3 bits (so every version-2 file is a version-3
   file, byte for byte); ids 8..14 are ``11`` + m in 3 bits, id = 8 + m
   (m = 0..6).  ``11 111`` is an escape for versions >= 4: gamma(v - 3) follows,
   and this reader refuses v.  ``01`` is version 1 (refused), ``00`` no digit file.
   Id 0 is the talk's network with raw 8-bit latents; the others are learned
   codecs' quality levels (aec/codec.py maps model folders to ids);
2. n in Elias-gamma code (n = 1 is the single bit ``1``), n <= 65536;
3. for a model with 2**c table clusters (c > 0, see ``tables.TableSet``):
   each digit's cluster, c raw bits per digit;
4. one arithmetic-coded run (:mod:`aec.range_coder`) over the n*E indices,
   digit-major, element e coded with table e of the digit's cluster, right
   after the bits above, terminated minimally;
5. packed MSB first, the last byte zero-padded, then every trailing 0x00 byte
   removed (the decoder reads zeros past the end).

Per digit, encoders and decoders exchange a *row*: the cluster followed by the
E indices (just the E indices when c = 0), R = row_length values.

Readers re-encode what they decoded and insist on identical bytes (the
"canonical" check). It costs no bits but catches little: about half of
single-byte corruptions and almost no truncations (site/format.md has the
measured rates); there is no checksum.

Public API (Python snake_case <-> JavaScript camelCase):

* ``encode_stream(model_id, rows (n, R), tables) -> bytes``
* ``decode_stream(data, tables_by_model, max_digits=65536) -> (model_id, rows (n, R) int32)``
* ``encode_digits(model_id, rows (B, R), tables) -> list[bytes]``  (B one-digit files, batched)
* ``decode_files(datas, tables_by_model, max_digits=65536) -> list[Decoded | FormatError]``
* ``decode_digits(datas, tables_by_model, on_error="raise") -> DigitBatch(model_ids, rows, errors)``
* ``read_header(data, tables_by_model) -> Header(model_id, n, header_bits)``
* ``file_version(model_id, n=1, prior=None) -> 2, 3 or 4``: the version a file of that model carries

Every encoder and decoder takes ``prior=None``: the ModelPrior that lets it write and
read version 4.

Errors are :class:`FormatError` (a ``ValueError``) with messages meant to be
printed after a file name, e.g. ``f"{path}: {err}"``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import format_v4
from .errors import AecError
from .batch_coder import decode_batch, encode_batch
from .range_coder import ArithmeticDecoder, ArithmeticEncoder, BitReader, BitWriter
from .tables import TableSet

FORMAT_VERSION = 3
VERSION_BITS = 2
MODEL_ID_BITS = 3
V2_MAX_MODEL_ID = (1 << MODEL_ID_BITS) - 1  # ids 0..7: version-2 headers, unchanged
VERSION_ESCAPE = (1 << MODEL_ID_BITS) - 1  # `11 111`: a version >= 4 follows, as gamma(v - 3)
MAX_MODEL_ID = V2_MAX_MODEL_ID + VERSION_ESCAPE  # ids 8..14: `11` + (id - 8)
MAX_DIGITS = 65536
MAX_GAMMA_ZEROS = 16
# below this many files of the same (model, n), the scalar coder is faster than the batched one
BATCH_MIN = 4


class FormatError(AecError):
    """A file that is not a valid version-2 or version-3 digit file for the known models."""


class UnsupportedVersion(FormatError):
    """The version field says 1 (files of earlier models), or the escape says 5 or later.
    ``newest``: the newest version the reader knows (4 with a prior, else 3)."""

    def __init__(self, version: int, newest: int = FORMAT_VERSION):
        known = "2 and 3" if newest == FORMAT_VERSION else f"2 to {newest}"
        super().__init__(f"unsupported format version {version} (this reader knows versions {known})")
        self.version = version


class UnknownModel(FormatError):
    """The model id has no coding tables in this reader."""

    def __init__(self, model_id: int):
        super().__init__(f"unknown model id {model_id}")
        self.model_id = model_id


MSG_EMPTY = "empty file"
MSG_BAD_HEADER = "not a digit file (bad header)"
MSG_IMPLAUSIBLE = "implausible digit count"
MSG_NOT_CANONICAL = "corrupt or truncated data (not the canonical encoding)"


class Header(NamedTuple):
    model_id: int
    n: int  # number of digits
    header_bits: int  # bit position where the coded payload starts (after the cluster bits)
    clusters: tuple = ()  # each digit's cluster (empty for a model with one cluster)


class Decoded(NamedTuple):
    model_id: int
    rows: np.ndarray  # (n, row_length) int32: [cluster,] then the E indices, per digit


class DigitBatch(NamedTuple):
    model_ids: np.ndarray  # (B,) int64, -1 for a file that failed
    rows: np.ndarray  # (B, R) int32, R = the longest row of tables_by_model (0-padded)
    errors: list  # per file: None or the FormatError


# ---------------------------------------------------------------------------
# header
# ---------------------------------------------------------------------------
def gamma_bits(n: int) -> list:
    """Elias-gamma code of n >= 1: (L-1) zeros then n in L bits, L = bit length of n."""
    if n < 1:
        raise ValueError("Elias gamma needs n >= 1")
    L = n.bit_length()
    return [0] * (L - 1) + [(n >> i) & 1 for i in range(L - 1, -1, -1)]


def file_version(model_id: int, n: int = 1, prior=None) -> int:
    """The version a file of n digits of ``model_id`` carries: 4 for one digit of a learned
    model when there is a prior, else 2 for ids 0..7 (their v2 bytes) and 3 for 8..14."""
    if not (isinstance(model_id, (int, np.integer)) and 0 <= model_id <= MAX_MODEL_ID):
        raise ValueError(f"model id must be in 0..{MAX_MODEL_ID}, got {model_id}")
    if prior is not None and n == 1 and model_id >= 1:  # id 0, the talk's raw latents, keeps version 2
        return format_v4.VERSION
    return 2 if model_id <= V2_MAX_MODEL_ID else 3


def header_bits(model_id: int, n: int) -> list:
    """The header bits: `10` + id (3 bits) for ids 0..7, `11` + (id - 8) for 8..14, then gamma(n)."""
    version = file_version(model_id)
    if not (1 <= n <= MAX_DIGITS):
        raise ValueError(f"a file holds 1..{MAX_DIGITS} digits, got {n}")
    field = model_id - (V2_MAX_MODEL_ID + 1) * (version - 2)
    ver = [(version >> 1) & 1, version & 1]
    mid = [(field >> i) & 1 for i in range(MODEL_ID_BITS - 1, -1, -1)]
    return ver + mid + gamma_bits(n)


def max_file_bytes(n: int, E: int, cluster_bits: int = 0) -> int:
    """Most bytes a valid file with n digits of an E-element model can have.

    Bits: 6 + gamma(n) + n*c + 16*S + ceil(S/4096) + 34 with S = n*E.  (Each symbol has
    frequency >= 1, i.e. costs <= 16 bits plus < 2**-13 bits of rounding loss;
    the termination adds at most 1 bit; the rest is slack.)
    """
    S = n * E
    bits = 6 + len(gamma_bits(n)) + n * cluster_bits + 16 * S + -(-S // 4096) + 34
    return -(-bits // 8)


def _read_gamma(r: BitReader, too_long: str) -> int:
    zeros = 0
    while r.read_bit() == 0:
        zeros += 1
        if zeros > MAX_GAMMA_ZEROS:
            raise FormatError(too_long)
    return (1 << zeros) | r.read_bits(zeros)


def _read_model_id(r: BitReader, newest: int = FORMAT_VERSION) -> int:
    """Version and model id (5 bits; the escape's gamma too). Raises FormatError.
    The escape never says 4 (version 4 files begin with a 0 bit): no digit file."""
    version = r.read_bits(VERSION_BITS)
    if version == 0:
        raise FormatError(MSG_BAD_HEADER)
    if version == 1:
        raise UnsupportedVersion(version)
    field = r.read_bits(MODEL_ID_BITS)
    if version == 2:
        return field
    if field == VERSION_ESCAPE:
        version = 3 + _read_gamma(r, MSG_BAD_HEADER)
        if version == format_v4.VERSION:
            raise FormatError(MSG_BAD_HEADER)
        raise UnsupportedVersion(version, newest)
    return V2_MAX_MODEL_ID + 1 + field


def _read_header(data: bytes, tables_by_model, max_digits: int, prior=None):
    """Parse and check the header; returns (Header, tables).  Raises FormatError."""
    if len(data) == 0:
        raise FormatError(MSG_EMPTY)
    if format_v4.is_v4(data, prior):
        return _read_v4_header(data, tables_by_model, prior)
    r = BitReader(data)
    model_id = _read_model_id(r, FORMAT_VERSION if prior is None else format_v4.VERSION)
    tables = tables_by_model.get(model_id)
    if tables is None:
        raise UnknownModel(model_id)
    tables = TableSet.of(tables)
    n = _read_gamma(r, MSG_IMPLAUSIBLE)
    if n > MAX_DIGITS:
        raise FormatError(f"{MSG_IMPLAUSIBLE} ({n})")
    if n > max_digits:
        raise FormatError(f"too many digits ({n}; this reader accepts at most {max_digits})")
    limit = max_file_bytes(n, tables.num_elements, tables.cluster_bits)
    if len(data) > limit:
        raise FormatError(f"oversized file ({len(data)} bytes; {n} digit(s) of model {model_id} need at most {limit})")
    clusters = tuple(r.read_bits(tables.cluster_bits) for _ in range(n)) if tables.cluster_bits else ()
    return Header(model_id, n, r.position, clusters), tables


def _read_v4_header(data: bytes, tables_by_model, prior):
    model_id, cluster = format_v4.read_head(data, prior)
    tables = tables_by_model.get(model_id)
    if tables is None:
        raise UnknownModel(model_id)
    tables = TableSet.of(tables)
    prior.check_tables({model_id: tables})
    limit = max_file_bytes(1, tables.num_elements, tables.cluster_bits)
    if len(data) > limit:
        raise FormatError(f"oversized file ({len(data)} bytes; 1 digit(s) of model {model_id} need at most {limit})")
    return Header(model_id, 1, 0, (cluster,) if tables.cluster_bits else ()), tables


def read_header(data, tables_by_model, max_digits: int = MAX_DIGITS, prior=None) -> Header:
    """Check and parse the header only (version, model id, n, size limit). A version-4
    file's header_bits is 0: its model id and cluster are the coder's first symbol."""
    return _read_header(bytes(data), tables_by_model, max_digits, prior)[0]


# ---------------------------------------------------------------------------
# one file (scalar coder, mirrors format.js)
# ---------------------------------------------------------------------------
def _check_rows(rows, tables: TableSet, what: str):
    """-> (clusters (n,), indices (n, E)) int64."""
    idx = np.asarray(rows)
    if idx.ndim == 1:
        idx = idx[None, :]
    if idx.ndim != 2 or idx.shape[1] != tables.row_length:
        raise ValueError(f"{what}: expected shape (n, {tables.row_length}), got {np.shape(rows)}")
    if idx.size and idx.dtype.kind not in "iu":
        raise ValueError(f"{what}: indices must be integers")
    clusters, idx = tables.split(idx.astype(np.int64))
    if clusters.size and (clusters.min() < 0 or clusters.max() >= len(tables)):
        raise ValueError(f"{what}: cluster out of range")
    sizes = np.stack([t.sizes for t in tables.clusters])[clusters]
    if idx.size and (np.any(idx < 0) or np.any(idx >= sizes)):
        raise ValueError(f"{what}: indices out of range (clamp symbols with CodingTables.symbols_to_indices)")
    return clusters, idx


def _pack(writer: BitWriter) -> bytes:
    return writer.to_bytes().rstrip(b"\x00")


def _row_prefixes(model_id: int, clusters: np.ndarray, tables: TableSet) -> np.ndarray:
    """(B, n) clusters -> (B, P) prefix bits: the header, then each digit's cluster bits
    (``tables.cluster_bits`` each; none for a one-cluster model)."""
    c = tables.cluster_bits
    head = np.array(header_bits(model_id, clusters.shape[1]), np.uint8)
    shifts = np.arange(c - 1, -1, -1)
    cbits = ((clusters[:, :, None] >> shifts) & 1).reshape(len(clusters), -1).astype(np.uint8)
    return np.concatenate([np.broadcast_to(head, (len(clusters), head.size)), cbits], axis=1)


def _encode_scalar(model_id: int, clusters, idx: np.ndarray, tables: TableSet) -> bytes:
    w = BitWriter()
    for b in _row_prefixes(model_id, np.asarray(clusters, np.int64)[None], tables)[0].tolist():
        w.write_bit(b)
    enc = ArithmeticEncoder(w)
    for k, row in zip(clusters.tolist(), idx.tolist()):
        for c, i in zip(tables.clusters[k].cdf_lists(), row):
            enc.encode(c[i], c[i + 1])
    enc.finish()
    return _pack(w)


def encode_stream(model_id: int, rows, tables, prior=None) -> bytes:
    """Encode n digits (rows (n, R), or (R,) for one digit) into one file."""
    tables = TableSet.of(tables)
    clusters, idx = _check_rows(rows, tables, "encode_stream")
    if not (1 <= idx.shape[0] <= MAX_DIGITS):
        raise ValueError(f"a file holds 1..{MAX_DIGITS} digits, got {idx.shape[0]}")
    if file_version(model_id, idx.shape[0], prior) == format_v4.VERSION:
        return format_v4.encode(model_id, _rows(clusters, idx, tables)[0], tables, prior)
    return _encode_scalar(model_id, clusters, idx, tables)


def _decode_scalar(data: bytes, header: Header, tables: TableSet) -> np.ndarray:
    """-> rows (n, R) int32."""
    r = BitReader(data, header.header_bits)
    dec = ArithmeticDecoder(r)
    E = tables.num_elements
    clusters = header.clusters or (0,) * header.n
    out = np.empty((header.n, E), dtype=np.int32)
    for d, k in enumerate(clusters):
        out[d] = [dec.decode(c) for c in tables.clusters[k].cdf_lists()]
    return _rows(clusters, out, tables)


def _rows(clusters, idx: np.ndarray, tables: TableSet) -> np.ndarray:
    if not tables.cluster_bits:
        return idx.astype(np.int32)
    return np.concatenate([np.asarray(clusters, np.int32).reshape(-1, 1), idx], axis=1).astype(np.int32)


def decode_stream(data, tables_by_model, max_digits: int = MAX_DIGITS, prior=None):
    """Decode one file -> ``(model_id, rows (n, R) int32)``.  Raises FormatError.

    ``tables_by_model``: mapping model id -> TableSet (or CodingTables).  ``max_digits`` lets a
    caller refuse big streams before spending time on them (decoding time is
    proportional to n*E, and a 5-byte file can claim 65536 digits).
    """
    data = bytes(data)
    header, tables = _read_header(data, tables_by_model, max_digits, prior)
    if format_v4.is_v4(data, prior):
        cluster = header.clusters[0] if header.clusters else 0
        rows, ok = format_v4.decode_group([data], header.model_id, [cluster], tables, prior)
        if not ok[0]:
            raise FormatError(MSG_NOT_CANONICAL)
        return header.model_id, rows
    rows = _decode_scalar(data, header, tables)
    if encode_stream(header.model_id, rows, tables) != data:
        raise FormatError(MSG_NOT_CANONICAL)
    return header.model_id, rows


# ---------------------------------------------------------------------------
# many files (batched coder)
# ---------------------------------------------------------------------------
def _pack_rows(bits: np.ndarray) -> list:
    packed = np.packbits(bits, axis=1)
    return [row.tobytes().rstrip(b"\x00") for row in packed]


def encode_digits(model_id: int, rows, tables, prior=None) -> list:
    """B one-digit files at once: rows (B, R) -> list of B byte strings.

    Byte-identical to ``[encode_stream(model_id, row, tables, prior) for row in rows]``.
    """
    tables = TableSet.of(tables)
    clusters, idx = _check_rows(rows, tables, "encode_digits")
    if file_version(model_id, 1, prior) == format_v4.VERSION:
        return format_v4.encode_batch_files(model_id, _rows(clusters, idx, tables), tables, prior)
    if not tables.cluster_bits:
        bits, _ = encode_batch(idx, np.arange(tables.num_elements), tables.clusters[0],
                               prefix_bits=header_bits(model_id, 1))
        return _pack_rows(bits)
    bits, _ = encode_batch(idx, tables.table_ids(clusters[:, None]), tables.merged,
                           prefix_bits=_row_prefixes(model_id, clusters[:, None], tables))
    return _pack_rows(bits)


def decode_files(datas, tables_by_model, max_digits: int = MAX_DIGITS, prior=None) -> list:
    """Decode many files; never raises FormatError.

    Returns one entry per file: ``Decoded(model_id, rows (n, R) int32)`` or
    the :class:`FormatError` explaining why that file was refused.  Files with
    the same model and digit count are decoded together by the batched coder.
    """
    return _decode_many([bytes(d) for d in datas], tables_by_model, max_digits, single=False, prior=prior)


def _decode_many(datas: list, tables_by_model, max_digits: int, single: bool, prior=None) -> list:
    results: list = [None] * len(datas)
    groups: dict = {}
    v4: dict = {}
    for i, data in enumerate(datas):
        try:
            header, tables = _read_header(data, tables_by_model, max_digits, prior)
            if single and header.n != 1:
                raise FormatError(f"expected a single digit, found {header.n} digits")
        except FormatError as err:
            results[i] = err
            continue
        if format_v4.is_v4(data, prior):
            v4.setdefault(header.model_id, (tables, []))[1].append((i, header))
            continue
        groups.setdefault((header.model_id, header.n), (tables, []))[1].append((i, header))
    for model_id, (tables, members) in v4.items():
        rows, ok = format_v4.decode_group([datas[i] for i, _ in members], model_id,
                                          [h.clusters[0] if h.clusters else 0 for _, h in members], tables, prior)
        for (i, _), r, good in zip(members, rows, ok):
            results[i] = Decoded(model_id, r[None]) if good else FormatError(MSG_NOT_CANONICAL)
    for (model_id, n), (tables, members) in groups.items():
        if len(members) < BATCH_MIN:
            for i, header in members:
                rows = _decode_scalar(datas[i], header, tables)
                ok = encode_stream(model_id, rows, tables) == datas[i]
                results[i] = Decoded(model_id, rows) if ok else FormatError(MSG_NOT_CANONICAL)
            continue
        E = tables.num_elements
        files = [datas[i] for i, _ in members]
        start = members[0][1].header_bits  # the same for every file of this model and n
        if tables.cluster_bits:  # each file its own clusters: per-row tables
            clusters = np.array([h.clusters for _, h in members], np.int64)
            tid, t = tables.table_ids(clusters), tables.merged
            prefix = _row_prefixes(model_id, clusters, tables)
        else:
            clusters, tid, t = np.zeros((len(members), n), np.int64), np.tile(np.arange(E), n), tables.clusters[0]
            prefix = header_bits(model_id, n)
        flat = decode_batch(files, start, tid, t)
        again = _pack_rows(encode_batch(flat, tid, t, prefix_bits=prefix)[0])
        idx = flat.reshape(len(members), n, E)
        for row, (i, _) in enumerate(members):
            ok = again[row] == datas[i]
            results[i] = (Decoded(model_id, _rows(clusters[row], idx[row], tables)) if ok
                          else FormatError(MSG_NOT_CANONICAL))
    return results


def decode_digits(datas, tables_by_model, on_error: str = "raise", prior=None) -> DigitBatch:
    """Decode many one-digit files (batched).

    Returns ``DigitBatch(model_ids (B,), rows (B, R) int32, errors)``.
    ``on_error="raise"``: the first failing file raises its FormatError, with
    ``err.index`` set to the file's position in ``datas``.  ``on_error="mask"``:
    failing files get model id -1, all-zero rows and their FormatError in
    ``errors`` (None for the good ones), so a CLI can report them and go on.
    ``rows`` has the longest row of ``tables_by_model``; shorter rows are
    zero-padded (use ``TableSet.of(tables_by_model[model_id]).row_length``).
    """
    if on_error not in ("raise", "mask"):
        raise ValueError('on_error must be "raise" or "mask"')
    datas = [bytes(d) for d in datas]
    results = _decode_many(datas, tables_by_model, MAX_DIGITS, single=True, prior=prior)
    B = len(datas)
    E = max((TableSet.of(t).row_length for t in tables_by_model.values()), default=0)
    model_ids = np.full(B, -1, dtype=np.int64)
    rows = np.zeros((B, E), dtype=np.int32)
    errors: list = [None] * B
    for i, r in enumerate(results):
        if isinstance(r, FormatError):
            if on_error == "raise":
                r.index = i
                raise r
            errors[i] = r
        else:
            model_ids[i] = r.model_id
            rows[i, :r.rows.shape[1]] = r.rows[0]
    return DigitBatch(model_ids, rows, errors)


__all__ = [
    "FORMAT_VERSION", "MAX_DIGITS", "MAX_MODEL_ID", "file_version", "FormatError", "UnsupportedVersion", "UnknownModel",
    "Header", "Decoded", "DigitBatch", "gamma_bits", "header_bits", "max_file_bytes", "read_header",
    "encode_stream", "decode_stream", "encode_digits", "decode_files", "decode_digits",
]
