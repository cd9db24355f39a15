"""Integer coding tables for the arithmetic coder (twin: site/js/aec/tables.js).

A model codes E latent elements (e = 0..E-1, in an order the model fixes).
Element e has

* an integer offset ``o_e`` (its smallest symbol) and
* ``n_e >= 2`` frequencies ``f_e[0..n_e-1]``, integers in [1, 65535] that sum to
  exactly ``TOTAL = 2**16``.

Symbol ``s`` of element e is coded as the index ``k = s - o_e`` after clamping
``s`` into ``[o_e, o_e + n_e - 1]``.  Tables are computed once here (from float
pmfs, see :func:`quantize_pmf`) and shipped to JavaScript as integers in the JSON
form ``{"offsets": [...], "sizes": [...], "freqs": "<base64 of little-endian
uint16>"}``; JavaScript never recomputes them.

Naming: Python snake_case <-> JavaScript camelCase (``to_json`` / ``toJSON``,
``from_json`` / ``fromJSON``, ``symbols_to_indices`` / ``symbolsToIndices``, ...).
"""

from __future__ import annotations

import base64
import json

import numpy as np

from aec.errors import AecError
from aec.pixels import round_half_up

PRECISION_BITS = 16
TOTAL = 1 << PRECISION_BITS  # 65536
MAX_FREQ = TOTAL - 1  # a single frequency never reaches TOTAL (n_e >= 2)
MAX_SIZE = TOTAL  # at most 65536 symbols of frequency 1

_INT32_MIN = -(1 << 31)
_INT32_MAX = (1 << 31) - 1


class TablesError(AecError):
    """Invalid coding tables (bad JSON, inconsistent lengths, bad frequencies)."""


def quantize_pmf(pmf) -> np.ndarray:
    """Float pmf (length n >= 1, non-negative, any positive sum) -> uint16 frequencies.

    Returns ``max(n, 2)`` frequencies, each >= 1, summing to exactly ``TOTAL``:
    ``freq = 1 + floor(p * (TOTAL - n))`` with ``p = pmf / sum(pmf)``, then the
    leftover counts go one each to the largest ``p`` (ties: lowest index first).
    A pmf of length 1 gets a neighbour symbol of probability 0 appended.  An
    all-zero pmf is treated as uniform.  Deterministic (float64 throughout).
    """
    p = np.asarray(pmf, dtype=np.float64).reshape(-1)
    if p.size == 0:
        raise ValueError("quantize_pmf: empty pmf")
    if p.size > MAX_SIZE:
        raise ValueError(f"quantize_pmf: {p.size} symbols, at most {MAX_SIZE} fit in 16-bit precision")
    if not np.all(np.isfinite(p)) or np.any(p < 0):
        raise ValueError("quantize_pmf: pmf must be finite and non-negative")
    if p.size == 1:
        p = np.array([p[0], 0.0])
    n = p.size
    total = p.sum()
    p = np.full(n, 1.0 / n) if total <= 0 else p / total
    budget = TOTAL - n
    freq = 1 + np.minimum(np.floor(p * budget), budget).astype(np.int64)
    order = np.argsort(-p, kind="stable")  # largest first, ties by lowest index
    leftover = TOTAL - int(freq.sum())
    if leftover > 0:
        q, r = divmod(leftover, n)
        freq += q
        freq[order[:r]] += 1
    while leftover < 0:  # only possible through float rounding; take from the largest
        for i in order:
            if leftover == 0:
                break
            if freq[i] > 1:
                freq[i] -= 1
                leftover += 1
    return freq.astype(np.uint16)


def _json_object(obj):
    """A JSON object as given, or parsed from its text.  Raises TablesError."""
    if isinstance(obj, (str, bytes)):
        try:
            return json.loads(obj)
        except ValueError as exc:
            raise TablesError(f"tables: not JSON ({exc})") from None
    return obj


def _as_int_array(values, name: str) -> np.ndarray:
    try:
        arr = np.asarray(values)
    except Exception as exc:  # pragma: no cover - exotic input
        raise TablesError(f"{name}: not an array ({exc})") from None
    if arr.ndim != 1:
        raise TablesError(f"{name}: expected a flat list, got shape {arr.shape}")
    if arr.size and arr.dtype.kind not in "iu":
        if arr.dtype.kind == "f" and np.all(np.isfinite(arr)) and np.all(arr == np.round(arr)):
            arr = arr.astype(np.int64)
        else:
            raise TablesError(f"{name}: expected integers")
    return arr.astype(np.int64)


class CodingTables:
    """Frequency tables for E elements plus derived cumulative tables.

    Attributes
    ----------
    offsets : int32 (E,)   smallest symbol of each element
    sizes   : int32 (E,)   number of symbols n_e of each element (>= 2)
    freqs   : uint16 (sum(sizes),)  all frequencies, element after element
    starts  : int64 (E+1,) element e's frequencies are ``freqs[starts[e]:starts[e+1]]``
    cdf_flat   : int64 (sum(sizes)+E,)  cumulative counts, n_e+1 entries per element
    cdf_starts : int64 (E+1,) element e's cdf is ``cdf_flat[cdf_starts[e]:cdf_starts[e+1]]``
                 (``cdf[0] = 0``, ``cdf[n_e] = TOTAL``)
    """

    def __init__(self, offsets, sizes, freqs):
        offsets = _as_int_array(offsets, "offsets")
        sizes = _as_int_array(sizes, "sizes")
        freqs = _as_int_array(freqs, "freqs")
        E = offsets.size
        if E < 1:
            raise TablesError("tables: need at least one element")
        if sizes.size != E:
            raise TablesError(f"tables: {E} offsets but {sizes.size} sizes")
        if np.any(sizes < 2) or np.any(sizes > MAX_SIZE):
            e = int(np.nonzero((sizes < 2) | (sizes > MAX_SIZE))[0][0])
            raise TablesError(f"tables: element {e} has {int(sizes[e])} symbols (need 2..{MAX_SIZE})")
        if np.any(offsets < _INT32_MIN) or np.any(offsets + sizes - 1 > _INT32_MAX):
            raise TablesError("tables: offsets out of the int32 range")
        if freqs.size != int(sizes.sum()):
            raise TablesError(f"tables: sizes add up to {int(sizes.sum())} but there are {freqs.size} frequencies")
        if np.any(freqs < 1) or np.any(freqs > MAX_FREQ):
            i = int(np.nonzero((freqs < 1) | (freqs > MAX_FREQ))[0][0])
            raise TablesError(f"tables: frequency #{i} is {int(freqs[i])} (need 1..{MAX_FREQ})")
        starts = np.zeros(E + 1, dtype=np.int64)
        np.cumsum(sizes, out=starts[1:])
        sums = np.add.reduceat(freqs, starts[:-1])
        if np.any(sums != TOTAL):
            e = int(np.nonzero(sums != TOTAL)[0][0])
            raise TablesError(f"tables: frequencies of element {e} sum to {int(sums[e])}, not {TOTAL}")

        self.offsets = offsets.astype(np.int32)
        self.sizes = sizes.astype(np.int32)
        self.freqs = freqs.astype(np.uint16)
        self.starts = starts
        self.cdf_starts = starts + np.arange(E + 1, dtype=np.int64)
        cdf = np.zeros(freqs.size + E, dtype=np.int64)
        # cumulative sums restart at each element: global cumsum minus the element's base
        glob = np.cumsum(freqs)
        elem = np.repeat(np.arange(E), sizes)
        base = np.concatenate([[0], glob[starts[1:-1] - 1]]) if E > 1 else np.zeros(1, np.int64)
        pos = np.arange(freqs.size) + elem + 1  # slot of cdf[k+1] in cdf_flat
        cdf[pos] = glob - base[elem]
        self.cdf_flat = cdf
        self._cdf_lists = None

    # -- basic properties -------------------------------------------------
    @property
    def num_elements(self) -> int:
        return int(self.offsets.size)

    E = num_elements

    def cdf(self, e: int) -> np.ndarray:
        """Cumulative counts of element e (length n_e + 1, from 0 to TOTAL)."""
        return self.cdf_flat[self.cdf_starts[e]:self.cdf_starts[e + 1]]

    def cdf_lists(self) -> list:
        """Per-element cdfs as Python lists (for the scalar coder)."""
        if self._cdf_lists is None:
            flat = self.cdf_flat.tolist()
            cs = self.cdf_starts.tolist()
            self._cdf_lists = [flat[cs[e]:cs[e + 1]] for e in range(self.num_elements)]
        return self._cdf_lists

    def freqs_of(self, e: int) -> np.ndarray:
        return self.freqs[self.starts[e]:self.starts[e + 1]]

    # -- symbols <-> indices ----------------------------------------------
    def symbols_to_indices(self, symbols) -> np.ndarray:
        """Clamp integer symbols (..., E) into each element's range; return indices (int32)."""
        s = np.asarray(symbols)
        if s.shape[-1:] != (self.num_elements,):
            raise ValueError(f"symbols: last axis must be {self.num_elements}, got shape {s.shape}")
        s = round_half_up(s).astype(np.int64) if s.dtype.kind == "f" else s.astype(np.int64)
        k = s - self.offsets
        return np.clip(k, 0, self.sizes - 1).astype(np.int32)

    def indices_to_symbols(self, indices) -> np.ndarray:
        """Indices (..., E) -> symbols (int32)."""
        k = np.asarray(indices, dtype=np.int64)
        if k.shape[-1:] != (self.num_elements,):
            raise ValueError(f"indices: last axis must be {self.num_elements}, got shape {k.shape}")
        return (k + self.offsets).astype(np.int32)

    # -- constructors -----------------------------------------------------
    @classmethod
    def uniform(cls, E: int, bits: int) -> "CodingTables":
        """E elements of 2**bits equiprobable symbols with offset 0 (raw ``bits``-bit latents)."""
        if not (1 <= bits <= PRECISION_BITS) or E < 1:
            raise TablesError(f"uniform tables: need E >= 1 and 1 <= bits <= {PRECISION_BITS}")
        n = 1 << bits
        return cls(np.zeros(E, np.int64), np.full(E, n), np.full(E * n, TOTAL // n))

    @classmethod
    def from_pmfs(cls, pmfs, offsets) -> "CodingTables":
        """One float pmf per element (list of 1-D arrays) -> quantized tables."""
        fr = [quantize_pmf(p) for p in pmfs]
        return cls(offsets, [f.size for f in fr], np.concatenate(fr))

    # -- JSON -------------------------------------------------------------
    def uniform_bits(self):
        """``bits`` when these are ``uniform(E, bits)`` tables, else None."""
        n = int(self.sizes[0]) if self.num_elements else 0
        bits = n.bit_length() - 1
        if (n < 2 or n != 1 << bits or np.any(self.sizes != n) or np.any(self.offsets != 0)
                or np.any(self.freqs != TOTAL // n)):
            return None
        return bits

    def to_json(self) -> dict:
        """JSON-able dict ``{"offsets", "sizes", "freqs" (base64 little-endian uint16)}``,
        or ``{"uniform": {"elements": E, "bits": b}}`` for uniform tables (the talk's
        raw 8-bit latents: 87 KB of base64 otherwise)."""
        bits = self.uniform_bits()
        if bits is not None:
            return {"uniform": {"elements": self.num_elements, "bits": bits}}
        return {
            "offsets": [int(v) for v in self.offsets],
            "sizes": [int(v) for v in self.sizes],
            "freqs": base64.b64encode(self.freqs.astype("<u2").tobytes()).decode("ascii"),
        }

    @classmethod
    def from_json(cls, obj) -> "CodingTables":
        """Inverse of :meth:`to_json`; accepts the dict or its JSON text.  Raises TablesError."""
        obj = _json_object(obj)
        if isinstance(obj, dict) and isinstance(obj.get("uniform"), dict):
            u = obj["uniform"]
            if not all(isinstance(u.get(k), int) and not isinstance(u.get(k), bool) for k in ("elements", "bits")):
                raise TablesError("tables: uniform needs integer elements and bits")
            return cls.uniform(u["elements"], u["bits"])
        if not isinstance(obj, dict) or not all(k in obj for k in ("offsets", "sizes", "freqs")):
            raise TablesError('tables: expected an object with "offsets", "sizes" and "freqs"')
        if not isinstance(obj["freqs"], str):
            raise TablesError("tables: freqs must be a base64 string")
        try:
            raw = base64.b64decode(obj["freqs"], validate=True)
        except ValueError:
            raise TablesError("tables: freqs is not valid base64") from None
        if len(raw) % 2:
            raise TablesError("tables: freqs has an odd number of bytes")
        for key in ("offsets", "sizes"):
            if not isinstance(obj[key], list) or not all(isinstance(v, int) and not isinstance(v, bool) for v in obj[key]):
                raise TablesError(f"tables: {key} must be a list of integers")
        return cls(obj["offsets"], obj["sizes"], np.frombuffer(raw, dtype="<u2"))

    def __eq__(self, other) -> bool:
        if not isinstance(other, CodingTables):
            return NotImplemented
        return (np.array_equal(self.offsets, other.offsets) and np.array_equal(self.sizes, other.sizes)
                and np.array_equal(self.freqs, other.freqs))

    def __hash__(self):  # pragma: no cover - tables are not meant as dict keys
        return hash((self.offsets.tobytes(), self.sizes.tobytes(), self.freqs.tobytes()))

    def __repr__(self) -> str:
        return f"CodingTables(E={self.num_elements}, symbols={int(self.sizes.sum())})"


# ---------------------------------------------------------------------------
# code lengths in exact integers, and a model's set of cluster tables
# ---------------------------------------------------------------------------
COST_BITS = 16  # code lengths are counted in 1/65536 bit
MAX_CLUSTER_BITS = 8


def cost_q16(freqs) -> np.ndarray:
    """Code length of a symbol of frequency f, ``log2(TOTAL / f)``, in 1/65536 bit.

    Exact integer arithmetic (the binary logarithm by repeated squaring, every
    product below 2**35), so Python and JavaScript compute the same numbers and an
    encoder that compares code lengths picks the same cluster on both sides.
    """
    f = np.asarray(freqs, dtype=np.int64)
    if f.size and (f.min() < 1 or f.max() > TOTAL):
        raise ValueError(f"cost_q16: frequencies must be in 1..{TOTAL}")
    n = _bit_length_int(f) - 1  # floor(log2 f)
    x = f << (COST_BITS - n)  # f / 2**n in Q16, in [2**16, 2**17)
    result = n << COST_BITS
    for i in range(1, COST_BITS + 1):
        x = (x * x) >> COST_BITS
        big = x >= (2 << COST_BITS)
        x = np.where(big, x >> 1, x)
        result = result | (big.astype(np.int64) << (COST_BITS - i))
    return (PRECISION_BITS << COST_BITS) - result


def _bit_length_int(x: np.ndarray) -> np.ndarray:
    return np.frexp(x.astype(np.float64))[1].astype(np.int64)


class TableSet:
    """A model's coding tables: 2**c clusters of ``CodingTables`` over the same E elements.

    A digit is coded with the tables of one cluster, which its encoder picks
    (:meth:`choose`) and the file names in c raw bits.  Cluster 0 holds the
    model's factorised prior; the others were fitted to groups of similar
    training digits (:func:`training.entropy_model.fit_cluster_tables`) and cover
    only the symbols seen in their group.  With one cluster (c = 0) this is
    plain factorised coding.

    A *row* is what the file format codes per digit: ``[cluster, index_0 ..
    index_{E-1}]`` (just the E indices when c = 0).
    """

    def __init__(self, clusters):
        clusters = list(clusters)
        K = len(clusters)
        bits = K.bit_length() - 1
        if K < 1 or K != 1 << bits or bits > MAX_CLUSTER_BITS:
            raise TablesError(f"tables: {K} clusters (need 1, 2, 4, ... {1 << MAX_CLUSTER_BITS})")
        E = clusters[0].num_elements
        if any(t.num_elements != E for t in clusters):
            raise TablesError("tables: clusters differ in their number of elements")
        self.clusters = clusters
        self.cluster_bits = bits
        self.num_elements = E
        self.row_length = E + (1 if bits else 0)
        self._merged = None
        self._merged_costs = None

    def __len__(self):
        return len(self.clusters)

    @property
    def merged(self) -> CodingTables:
        """All clusters as one CodingTables: cluster k's element e is table k*E + e
        (what the batched coder takes when every row has its own tables)."""
        if self._merged is None:
            t = self.clusters
            self._merged = CodingTables(np.concatenate([c.offsets for c in t]), np.concatenate([c.sizes for c in t]),
                                        np.concatenate([c.freqs for c in t]))
        return self._merged

    @property
    def merged_costs(self) -> np.ndarray:
        """``cost_q16`` of every frequency in ``merged``, aligned with its ``freqs``."""
        if self._merged_costs is None:
            self._merged_costs = cost_q16(self.merged.freqs)
        return self._merged_costs

    def table_ids(self, clusters) -> np.ndarray:
        """Clusters (B, n) of n-digit files -> merged table ids (B, n*E), digit-major."""
        c = np.asarray(clusters, dtype=np.int64)
        E = self.num_elements
        return (c[:, :, None] * E + np.arange(E)).reshape(len(c), -1)

    def costs(self, k: int) -> np.ndarray:
        """Cluster k's code length of every symbol (aligned with its ``freqs``), 1/65536 bit."""
        starts, E = self.merged.starts, self.num_elements
        return self.merged_costs[starts[k * E]:starts[(k + 1) * E]]

    def row_costs(self, rows) -> np.ndarray:
        """Rows (B, row_length) -> code length of each digit's indices, 1/65536 bit
        (the cluster field's c bits not included: every row pays the same)."""
        clusters, idx = self.split(rows)
        table = clusters[:, None] * self.num_elements + np.arange(self.num_elements)
        return self.merged_costs[self.merged.starts[table] + idx].sum(1)

    def choose(self, symbols) -> np.ndarray:
        """Integer symbols (B, E) -> rows (B, row_length): each digit with the
        cluster that codes it in the fewest bits (ties: the lowest cluster).
        A cluster codes a digit only if every symbol is in its range, except
        that cluster 0 takes, clamped (as plain coding does), a digit no cluster
        can code exactly."""
        s = np.asarray(symbols, dtype=np.int64).reshape(-1, self.num_elements)
        B = s.shape[0]
        base = self.clusters[0].symbols_to_indices(s).astype(np.int64)
        if not self.cluster_bits:
            return base
        best = (self.costs(0)[self.clusters[0].starts[:-1] + base]).sum(1)
        clamped = np.any(base + self.clusters[0].offsets != s, axis=1)
        best[clamped] = np.iinfo(np.int64).max  # any exact cluster beats a clamped one
        choice = np.zeros(B, np.int64)
        rows = np.concatenate([np.zeros((B, 1), np.int64), base], axis=1)
        for k in range(1, len(self.clusters)):
            t = self.clusters[k]
            idx = s - t.offsets
            ok = np.all((idx >= 0) & (idx < t.sizes), axis=1)
            if not ok.any():
                continue
            r = np.flatnonzero(ok)
            cost = self.costs(k)[t.starts[:-1] + idx[r]].sum(1)
            better = cost < best[r]
            r = r[better]
            best[r], choice[r] = cost[better], k
            rows[r, 1:] = idx[r]
        rows[:, 0] = choice
        return rows

    def split(self, rows):
        """Rows (B, row_length) -> (clusters (B,), indices (B, E)); checks ranges."""
        r = np.asarray(rows, dtype=np.int64).reshape(-1, self.row_length)
        if not self.cluster_bits:
            return np.zeros(len(r), np.int64), r
        return r[:, 0], r[:, 1:]

    def symbols(self, rows) -> np.ndarray:
        """Rows -> the integer symbols (B, E) they stand for."""
        clusters, idx = self.split(rows)
        offsets = np.stack([t.offsets for t in self.clusters]).astype(np.int64)
        return (idx + offsets[clusters]).astype(np.int32)

    def to_json(self):
        """One cluster: the plain tables' JSON; more: ``{"clusters": [tables, ...]}``."""
        if not self.cluster_bits:
            return self.clusters[0].to_json()
        return {"clusters": [t.to_json() for t in self.clusters]}

    @classmethod
    def from_json(cls, obj) -> "TableSet":
        obj = _json_object(obj)
        if isinstance(obj, dict) and "clusters" in obj:
            if not isinstance(obj["clusters"], list):
                raise TablesError("tables: clusters must be a list")
            return cls([CodingTables.from_json(t) for t in obj["clusters"]])
        return cls([CodingTables.from_json(obj)])

    @classmethod
    def of(cls, tables) -> "TableSet":
        """A TableSet as it is, or plain CodingTables as a one-cluster set."""
        return tables if isinstance(tables, TableSet) else cls([tables])

    def __eq__(self, other) -> bool:
        if not isinstance(other, TableSet):
            return NotImplemented
        return self.clusters == other.clusters

    __hash__ = None

    def __repr__(self) -> str:
        return f"TableSet(clusters={len(self.clusters)}, E={self.num_elements})"
