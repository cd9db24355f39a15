"""The version-4 head: which model and cluster a one-digit file holds, coded with a
table chosen by the file's length (twin: site/js/aec/model_prior.js; spec: site/format.md,
"Version 4").

A reader knows a file's length L in bytes before it reads a bit, and each level's
files have lengths of their own (7 B at quality 1, 57 B at quality 9). So version 4
codes the model id, with the digit's cluster, as the first arithmetic-coded symbol
of the file under a distribution over model ids *given L*: at the lengths a level's
files have, naming that level costs a fraction of a bit.

The head table of length L has one symbol per (model id m, cluster k), m = 1..14 in
order and k = 0..2**c_m - 1 within it, then one last symbol that takes the upper half
of the code space, ``[V4_TOTAL, TOTAL)``: the values of version-2 and -3 files (their
first bit is 1), which version 4 never codes. The (m, k) symbols share the lower half,
each with at least frequency 1: the cluster is coded with the model, given L, so a
level's clusters cost what they cost at that length. Rows are L = 1, 2, ...; longer
files use the last row.

``ModelPrior`` JSON: ``{"cluster_bits": [c_1 .. c_14], "head": <CodingTables JSON, one
element per row>}``. Written by training/model_prior.py from measured files;
JavaScript never recomputes it.

Public API (Python snake_case <-> JavaScript camelCase):

* ``ModelPrior.from_json(obj)`` / ``to_json()``
* ``head`` -> CodingTables (element ``element(L)`` is the head table of length L)
* ``symbol(model_id, cluster)`` -> the head symbol; ``model_cluster(symbol)`` -> (model_id, cluster) or None
* ``check_tables(tables_by_model)``: each model's cluster bits match its tables
"""

from __future__ import annotations

import numpy as np

from aec.format import MAX_MODEL_ID
from aec.tables import TOTAL, CodingTables, TablesError, _json_object

V4_TOTAL = TOTAL // 2  # the head's share of the code space: files whose first bit is 0
MODEL_IDS = tuple(range(1, MAX_MODEL_ID + 1))  # the learned models' file ids (the talk's model 0 keeps version 2)
MAX_CLUSTER_BITS = 8  # as aec.tables: 14 * 256 head symbols of frequency >= 1 fit V4_TOTAL


class ModelPrior:
    """The head tables of version-4 files, one per file length (see the module doc)."""

    def __init__(self, cluster_bits, head: CodingTables):
        c = np.asarray(cluster_bits, dtype=np.int64).reshape(-1)
        M = len(MODEL_IDS)
        if c.size != M or np.any(c < 0) or np.any(c > MAX_CLUSTER_BITS):
            raise TablesError(f"model prior: cluster_bits must be {M} numbers in 0..{MAX_CLUSTER_BITS}")
        self.cluster_bits = c
        # symbol s of every head table: model firsts[m - 1] <= s < firsts[m]
        self.firsts = np.concatenate([[0], np.cumsum(1 << c)])
        symbols = int(self.firsts[-1]) + 1
        if not isinstance(head, CodingTables) or np.any(head.sizes != symbols) or np.any(head.offsets != 0):
            raise TablesError(f"model prior: each head table needs {symbols} symbols from 0")
        last = head.freqs[head.starts[1:] - 1]
        if np.any(last != TOTAL - V4_TOTAL):
            raise TablesError(f"model prior: each head table's last symbol must have frequency {TOTAL - V4_TOTAL}")
        self.head = head
        self.rows = head.num_elements
        self._combined = {}  # model id -> (its TableSet, the head and its tables as one CodingTables): format_v4

    def element(self, length: int) -> int:
        """The head table (an element of ``head``) of a file of ``length`` bytes."""
        return min(max(int(length), 1), self.rows) - 1

    def symbol(self, model_id: int, cluster: int) -> int:
        m = int(model_id) - MODEL_IDS[0]
        if not (0 <= m < len(MODEL_IDS)) or not (0 <= cluster < 1 << int(self.cluster_bits[m])):
            raise ValueError(f"no version-4 head for model {model_id}, cluster {cluster}")
        return int(self.firsts[m]) + int(cluster)

    def model_cluster(self, symbol: int):
        """A head symbol -> (model_id, cluster); None for the last symbol (not a version-4 file)."""
        if not 0 <= symbol < self.firsts[-1]:
            return None
        m = int(np.searchsorted(self.firsts, symbol, side="right")) - 1
        return MODEL_IDS[m], int(symbol - self.firsts[m])

    def check_tables(self, tables_by_model) -> None:
        """TablesError unless every learned model's tables have the cluster bits the prior gives it."""
        for model_id in tables_by_model:
            if model_id in MODEL_IDS:
                c = tables_by_model[model_id].cluster_bits
                if c != self.cluster_bits[model_id - MODEL_IDS[0]]:
                    raise TablesError(f"model prior: model {model_id} has {2 ** c} clusters, the prior "
                                      f"{2 ** int(self.cluster_bits[model_id - MODEL_IDS[0]])}")

    def to_json(self) -> dict:
        return {"cluster_bits": [int(v) for v in self.cluster_bits], "head": self.head.to_json()}

    @classmethod
    def from_json(cls, obj) -> "ModelPrior":
        obj = _json_object(obj)
        if not isinstance(obj, dict) or not isinstance(obj.get("cluster_bits"), list) or "head" not in obj:
            raise TablesError('model prior: expected an object with "cluster_bits" and "head"')
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in obj["cluster_bits"]):
            raise TablesError("model prior: cluster_bits must be integers")
        return cls(obj["cluster_bits"], CodingTables.from_json(obj["head"]))

    def __eq__(self, other) -> bool:
        if not isinstance(other, ModelPrior):
            return NotImplemented
        return np.array_equal(self.cluster_bits, other.cluster_bits) and self.head == other.head

    __hash__ = None


__all__ = ["V4_TOTAL", "MODEL_IDS", "ModelPrior"]
