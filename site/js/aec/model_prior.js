// Twin of aec/model_prior.py: the version-4 head, which model and cluster a one-digit
// file holds, coded with a table chosen by the file's length (spec: format.md, "Version 4").
//
// The head table of length L (element L - 1 of `head`, longer files the last) has one
// symbol per (model id m, cluster k), m = 1..14 in order and k = 0..2**c_m - 1 within it,
// then one last symbol of frequency TOTAL - V4_TOTAL: the upper half of the code space,
// the version-2 and -3 files (first bit 1), which version 4 never codes.
// JSON: {"cluster_bits": [c_1 .. c_14], "head": <CodingTables JSON>}, written by Python
// (training/model_prior.py); JavaScript never recomputes it.
//
// API (Python snake_case <-> JavaScript camelCase):
//   ModelPrior.fromJSON(obj) / toJSON(); head: CodingTables
//   element(length) -> the head table's element; symbol(modelId, cluster) -> head symbol
//   modelCluster(symbol) -> {modelId, cluster} or null; checkTables(tablesByModel)

import { MAX_MODEL_ID } from "./format.js";
import { CodingTables, TablesError, TableSet, TOTAL } from "./tables.js";

export const V4_TOTAL = TOTAL / 2; // the head's share of the code space: files whose first bit is 0
export const MODEL_IDS = Object.freeze(Array.from({ length: MAX_MODEL_ID }, (_, i) => i + 1)); // the talk's model 0 keeps version 2
export const MAX_CLUSTER_BITS = 8; // as tables.js: 14 * 256 head symbols of frequency >= 1 fit V4_TOTAL

/** The head tables of version-4 files, one per file length (see the header comment). */
export class ModelPrior {
  constructor(clusterBits, head) {
    const c = Array.from(clusterBits ?? [], Number);
    const M = MODEL_IDS.length;
    if (c.length !== M || !c.every((v) => Number.isInteger(v) && v >= 0 && v <= MAX_CLUSTER_BITS)) {
      throw new TablesError(`model prior: cluster_bits must be ${M} numbers in 0..${MAX_CLUSTER_BITS}`);
    }
    this.clusterBits = Int32Array.from(c);
    // symbol s of every head table: model MODEL_IDS[i] has firsts[i] <= s < firsts[i + 1]
    this.firsts = new Int32Array(M + 1);
    for (let i = 0; i < M; i++) this.firsts[i + 1] = this.firsts[i] + 2 ** c[i];
    const symbols = this.firsts[M] + 1;
    if (!(head instanceof CodingTables) || !head.sizes.every((s) => s === symbols) || !head.offsets.every((o) => o === 0)) {
      throw new TablesError(`model prior: each head table needs ${symbols} symbols from 0`);
    }
    for (let e = 0; e < head.numElements; e++) {
      if (head.freqs[head.starts[e + 1] - 1] !== TOTAL - V4_TOTAL) {
        throw new TablesError(`model prior: each head table's last symbol must have frequency ${TOTAL - V4_TOTAL}`);
      }
    }
    this.head = head;
    this.rows = head.numElements;
    this._combined = new Map(); // format_v4.js' combinedTables, by model id
  }

  /** The head table (an element of `head`) of a file of `length` bytes. */
  element(length) {
    return Math.min(Math.max(Math.trunc(length), 1), this.rows) - 1;
  }

  symbol(modelId, cluster) {
    const m = modelId - MODEL_IDS[0];
    if (!(Number.isInteger(m) && m >= 0 && m < MODEL_IDS.length) ||
        !(Number.isInteger(cluster) && cluster >= 0 && cluster < 2 ** this.clusterBits[m])) {
      throw new RangeError(`no version-4 head for model ${modelId}, cluster ${cluster}`);
    }
    return this.firsts[m] + cluster;
  }

  /** A head symbol -> {modelId, cluster}; null for the last symbol (not a version-4 file). */
  modelCluster(symbol) {
    if (!(symbol >= 0 && symbol < this.firsts[MODEL_IDS.length])) return null;
    let m = 0;
    while (this.firsts[m + 1] <= symbol) m++;
    return { modelId: MODEL_IDS[m], cluster: symbol - this.firsts[m] };
  }

  /** TablesError unless every learned model's tables have the cluster bits the prior gives it. */
  checkTables(tablesByModel) {
    const entries = tablesByModel instanceof Map ? [...tablesByModel] : Object.entries(tablesByModel ?? {});
    for (const [key, tables] of entries) {
      const modelId = Number(key);
      if (!MODEL_IDS.includes(modelId)) continue;
      const c = TableSet.of(tables).clusterBits;
      const mine = this.clusterBits[modelId - MODEL_IDS[0]];
      if (c !== mine) {
        throw new TablesError(`model prior: model ${modelId} has ${2 ** c} clusters, the prior ${2 ** mine}`);
      }
    }
  }

  toJSON() {
    return { cluster_bits: Array.from(this.clusterBits), head: this.head.toJSON() };
  }

  /** Inverse of toJSON(); accepts the object or its JSON text. Throws TablesError. */
  static fromJSON(obj) {
    if (typeof obj === "string") {
      try {
        obj = JSON.parse(obj);
      } catch (err) {
        throw new TablesError(`tables: not JSON (${err.message})`);
      }
    }
    if (obj === null || typeof obj !== "object" || !Array.isArray(obj.cluster_bits) || !("head" in obj)) {
      throw new TablesError('model prior: expected an object with "cluster_bits" and "head"');
    }
    if (!obj.cluster_bits.every((v) => Number.isInteger(v))) throw new TablesError("model prior: cluster_bits must be integers");
    return new ModelPrior(obj.cluster_bits, CodingTables.fromJSON(obj.head));
  }
}
