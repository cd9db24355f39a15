// Twin of aec/tables.py: integer coding tables for the arithmetic coder.
//
// A model codes E latent elements. Element e has an integer offset (its
// smallest symbol) and n_e >= 2 frequencies in [1, 65535] summing to exactly
// TOTAL = 65536. Symbol s is coded as the index k = s - offset, after clamping.
// Tables are computed in Python and shipped as JSON:
//   {"offsets": [...], "sizes": [...], "freqs": "<base64 of little-endian uint16>"}
// JavaScript never recomputes them (there is no quantizePmf here).
//
// Naming: Python snake_case <-> JavaScript camelCase (from_json / fromJSON, ...).
// Shapes: Python's (B, E) arrays are flat row-major typed arrays of B*E here.

import { roundHalfUp } from "./pixels.js";

export const PRECISION_BITS = 16;
export const TOTAL = 1 << PRECISION_BITS; // 65536
export const MAX_FREQ = TOTAL - 1;
export const MAX_SIZE = TOTAL;

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** Invalid coding tables (bad JSON, inconsistent lengths, bad frequencies). */
export class TablesError extends Error {
  constructor(message) {
    super(message);
    this.name = "TablesError";
  }
}

function base64ToBytes(text) {
  let bin;
  try {
    bin = atob(text);
  } catch {
    throw new TablesError("tables: freqs is not valid base64");
  }
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function bytesToBase64(bytes) {
  let bin = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    bin += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  }
  return btoa(bin);
}

function intList(values, name) {
  const arr = Array.from(values ?? [], Number);
  for (const v of arr) {
    if (!Number.isInteger(v)) throw new TablesError(`${name}: expected integers`);
  }
  return arr;
}

/** A JSON object as given, or parsed from its text. Throws TablesError. */
function jsonObject(obj) {
  if (typeof obj !== "string") return obj;
  try {
    return JSON.parse(obj);
  } catch (err) {
    throw new TablesError(`tables: not JSON (${err.message})`);
  }
}

export class CodingTables {
  /**
   * @param offsets smallest symbol of each element (E integers)
   * @param sizes   number of symbols of each element (E integers >= 2)
   * @param freqs   all frequencies, element after element (sum(sizes) integers)
   * Throws TablesError when the tables are not valid.
   */
  constructor(offsets, sizes, freqs) {
    const off = intList(offsets, "offsets");
    const siz = intList(sizes, "sizes");
    const fr = intList(freqs, "freqs");
    const E = off.length;
    if (E < 1) throw new TablesError("tables: need at least one element");
    if (siz.length !== E) throw new TablesError(`tables: ${E} offsets but ${siz.length} sizes`);
    let total = 0;
    for (let e = 0; e < E; e++) {
      if (siz[e] < 2 || siz[e] > MAX_SIZE) {
        throw new TablesError(`tables: element ${e} has ${siz[e]} symbols (need 2..${MAX_SIZE})`);
      }
      if (off[e] < INT32_MIN || off[e] + siz[e] - 1 > INT32_MAX) {
        throw new TablesError("tables: offsets out of the int32 range");
      }
      total += siz[e];
    }
    if (fr.length !== total) {
      throw new TablesError(`tables: sizes add up to ${total} but there are ${fr.length} frequencies`);
    }
    for (let i = 0; i < fr.length; i++) {
      if (fr[i] < 1 || fr[i] > MAX_FREQ) {
        throw new TablesError(`tables: frequency #${i} is ${fr[i]} (need 1..${MAX_FREQ})`);
      }
    }
    this.offsets = Int32Array.from(off);
    this.sizes = Int32Array.from(siz);
    this.freqs = Uint16Array.from(fr);
    this.starts = new Int32Array(E + 1); // element e: freqs[starts[e] .. starts[e+1])
    this.cdfStarts = new Int32Array(E + 1); // element e: cdfFlat[cdfStarts[e] .. cdfStarts[e+1])
    this.cdfFlat = new Int32Array(total + E); // n_e + 1 cumulative counts per element
    this.cdfs = []; // per-element views into cdfFlat
    for (let e = 0; e < E; e++) {
      this.starts[e + 1] = this.starts[e] + siz[e];
      this.cdfStarts[e + 1] = this.starts[e + 1] + e + 1;
      const c0 = this.cdfStarts[e];
      let acc = 0;
      this.cdfFlat[c0] = 0;
      for (let k = 0; k < siz[e]; k++) {
        acc += this.freqs[this.starts[e] + k];
        this.cdfFlat[c0 + k + 1] = acc;
      }
      if (acc !== TOTAL) {
        throw new TablesError(`tables: frequencies of element ${e} sum to ${acc}, not ${TOTAL}`);
      }
      this.cdfs.push(this.cdfFlat.subarray(c0, this.cdfStarts[e + 1]));
    }
  }

  get numElements() {
    return this.offsets.length;
  }

  /** Cumulative counts of element e (n_e + 1 entries, 0 .. TOTAL). */
  cdf(e) {
    return this.cdfs[e];
  }

  freqsOf(e) {
    return this.freqs.subarray(this.starts[e], this.starts[e + 1]);
  }

  /** Clamp symbols (flat B*E, digit-major; floats rounded half up) -> Int32Array of indices. */
  symbolsToIndices(symbols) {
    const E = this.numElements;
    if (symbols.length % E !== 0) throw new RangeError(`symbols: length must be a multiple of ${E}`);
    const out = new Int32Array(symbols.length);
    for (let i = 0; i < symbols.length; i++) {
      const e = i % E;
      const k = roundHalfUp(Number(symbols[i])) - this.offsets[e];
      out[i] = k < 0 ? 0 : k >= this.sizes[e] ? this.sizes[e] - 1 : k;
    }
    return out;
  }

  /** Indices (flat, length a multiple of E) -> Int32Array of symbols. */
  indicesToSymbols(indices) {
    const E = this.numElements;
    if (indices.length % E !== 0) throw new RangeError(`indices: length must be a multiple of ${E}`);
    const out = new Int32Array(indices.length);
    for (let i = 0; i < indices.length; i++) out[i] = indices[i] + this.offsets[i % E];
    return out;
  }

  /** E elements of 2**bits equiprobable symbols with offset 0 (raw bits-bit latents). */
  static uniform(E, bits) {
    if (!(bits >= 1 && bits <= PRECISION_BITS) || !(E >= 1)) {
      throw new TablesError(`uniform tables: need E >= 1 and 1 <= bits <= ${PRECISION_BITS}`);
    }
    const n = 2 ** bits;
    return new CodingTables(new Array(E).fill(0), new Array(E).fill(n), new Array(E * n).fill(TOTAL / n));
  }

  /** Inverse of toJSON(); accepts the object or its JSON text. Throws TablesError. */
  static fromJSON(obj) {
    obj = jsonObject(obj);
    if (obj !== null && typeof obj === "object" && obj.uniform !== null && typeof obj.uniform === "object") {
      const { elements, bits } = obj.uniform;
      if (!Number.isInteger(elements) || !Number.isInteger(bits)) {
        throw new TablesError("tables: uniform needs integer elements and bits");
      }
      return CodingTables.uniform(elements, bits);
    }
    if (obj === null || typeof obj !== "object" || !("offsets" in obj && "sizes" in obj && "freqs" in obj)) {
      throw new TablesError('tables: expected an object with "offsets", "sizes" and "freqs"');
    }
    if (typeof obj.freqs !== "string") throw new TablesError("tables: freqs must be a base64 string");
    for (const key of ["offsets", "sizes"]) {
      if (!Array.isArray(obj[key]) || !obj[key].every((v) => Number.isInteger(v))) {
        throw new TablesError(`tables: ${key} must be a list of integers`);
      }
    }
    const raw = base64ToBytes(obj.freqs);
    if (raw.length % 2) throw new TablesError("tables: freqs has an odd number of bytes");
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const freqs = new Uint16Array(raw.length / 2);
    for (let i = 0; i < freqs.length; i++) freqs[i] = view.getUint16(2 * i, true);
    return new CodingTables(obj.offsets, obj.sizes, freqs);
  }

  /** {offsets, sizes, freqs: base64 of little-endian uint16}, as written by Python's to_json(). */
  toJSON() {
    const n = this.sizes[0];
    const bits = Math.log2(n);
    if (Number.isInteger(bits) && n >= 2 && this.sizes.every((v) => v === n) && this.offsets.every((v) => v === 0) &&
        this.freqs.every((v) => v === TOTAL / n)) {
      return { uniform: { elements: this.numElements, bits } }; // see tables.py: to_json
    }
    const raw = new Uint8Array(this.freqs.length * 2);
    const view = new DataView(raw.buffer);
    for (let i = 0; i < this.freqs.length; i++) view.setUint16(2 * i, this.freqs[i], true);
    return { offsets: Array.from(this.offsets), sizes: Array.from(this.sizes), freqs: bytesToBase64(raw) };
  }
}

// ---------------------------------------------------------------------------
// code lengths in exact integers, and a model's set of cluster tables
// ---------------------------------------------------------------------------
export const COST_BITS = 16; // code lengths are counted in 1/65536 bit
export const MAX_CLUSTER_BITS = 8;

/**
 * Code length of a symbol of frequency f, log2(TOTAL / f), in 1/65536 bit.
 * Exact integer arithmetic (binary logarithm by repeated squaring; every product
 * stays below 2**35, exact in doubles), identical to Python's cost_q16.
 */
export function costQ16(f) {
  if (!Number.isInteger(f) || f < 1 || f > TOTAL) throw new RangeError(`costQ16: frequency must be in 1..${TOTAL}`);
  const n = 31 - Math.clz32(f); // floor(log2 f)
  let x = f * 2 ** (COST_BITS - n); // f / 2**n in Q16, in [2**16, 2**17)
  let result = n * 2 ** COST_BITS;
  for (let i = 1; i <= COST_BITS; i++) {
    x = Math.floor((x * x) / 2 ** COST_BITS);
    if (x >= 2 * 2 ** COST_BITS) {
      x = Math.floor(x / 2);
      result += 2 ** (COST_BITS - i);
    }
  }
  return PRECISION_BITS * 2 ** COST_BITS - result;
}

/**
 * A model's coding tables: 2**c clusters of CodingTables over the same E
 * elements (twin of Python's TableSet). The encoder picks a cluster per digit
 * (choose); the file names it in c raw bits. A row is [cluster, index_0 ..
 * index_{E-1}] (just the E indices when c = 0).
 */
export class TableSet {
  constructor(clusters) {
    const K = clusters.length;
    const bits = Math.log2(K);
    if (!(K >= 1) || !Number.isInteger(bits) || bits > MAX_CLUSTER_BITS) {
      throw new TablesError(`tables: ${K} clusters (need 1, 2, 4, ... ${2 ** MAX_CLUSTER_BITS})`);
    }
    const E = clusters[0].numElements;
    if (clusters.some((t) => t.numElements !== E)) {
      throw new TablesError("tables: clusters differ in their number of elements");
    }
    this.clusters = clusters;
    this.clusterBits = bits;
    this.numElements = E;
    this.rowLength = E + (bits ? 1 : 0);
    this._costs = null;
  }

  /** Cluster k's code length of every symbol (aligned with its freqs), 1/65536 bit. */
  costs(k) {
    if (!this._costs) this._costs = this.clusters.map((t) => Float64Array.from(t.freqs, costQ16));
    return this._costs[k];
  }

  /** Rows (flat B*rowLength) -> each digit's indices' code length, Float64Array(B) in 1/65536 bit
   * (the cluster field's c bits not included: every row pays the same). Exact: below 2**53. */
  rowCosts(rows) {
    const { clusters, indices } = this.split(rows);
    const E = this.numElements;
    const out = new Float64Array(clusters.length);
    for (let d = 0; d < clusters.length; d++) {
      const t = this.clusters[clusters[d]];
      const costs = this.costs(clusters[d]);
      for (let e = 0; e < E; e++) out[d] += costs[t.starts[e] + indices[d * E + e]];
    }
    return out;
  }

  /**
   * Integer symbols (flat B*E) -> rows (Int32Array of B*rowLength): each digit
   * with the cluster that codes it in the fewest bits (ties: the lowest). A
   * cluster codes a digit only if every symbol is in its range, except that
   * cluster 0 takes, clamped (as plain coding does), a digit no cluster can
   * code exactly.
   */
  choose(symbols) {
    const E = this.numElements;
    const base = this.clusters[0].symbolsToIndices(symbols); // checks the length
    if (!this.clusterBits) return base;
    const B = base.length / E;
    const rows = new Int32Array(B * (E + 1));
    const t0 = this.clusters[0];
    const c0 = this.costs(0);
    for (let d = 0, s = 0; d < B; d++, s += E) {
      let best = 0;
      for (let e = 0; e < E; e++) {
        best += c0[t0.starts[e] + base[s + e]];
        if (base[s + e] + t0.offsets[e] !== symbols[s + e]) best = Infinity; // any exact cluster beats a clamped one
      }
      let choice = 0;
      for (let k = 1; k < this.clusters.length; k++) {
        const t = this.clusters[k];
        const ck = this.costs(k);
        let cost = 0;
        let e = 0;
        for (; e < E; e++) {
          const i = symbols[s + e] - t.offsets[e];
          if (i < 0 || i >= t.sizes[e]) break;
          cost += ck[t.starts[e] + i];
        }
        if (e === E && cost < best) {
          best = cost;
          choice = k;
        }
      }
      const row = d * (E + 1);
      rows[row] = choice;
      const t = this.clusters[choice];
      for (let e = 0; e < E; e++) rows[row + 1 + e] = choice ? symbols[s + e] - t.offsets[e] : base[s + e];
    }
    return rows;
  }

  /** Rows (flat B*rowLength) -> {clusters: Int32Array(B), indices: Int32Array(B*E)}. */
  split(rows) {
    const R = this.rowLength;
    if (rows.length % R !== 0) throw new RangeError(`rows: length must be a multiple of ${R}`);
    const B = rows.length / R;
    if (!this.clusterBits) return { clusters: new Int32Array(B), indices: Int32Array.from(rows) };
    const E = this.numElements;
    const clusters = new Int32Array(B);
    const indices = new Int32Array(B * E);
    for (let d = 0; d < B; d++) {
      clusters[d] = rows[d * R];
      for (let e = 0; e < E; e++) indices[d * E + e] = rows[d * R + 1 + e];
    }
    return { clusters, indices };
  }

  /** Rows (flat B*rowLength) -> the integer symbols (Int32Array of B*E) they stand for. */
  symbols(rows) {
    const { clusters, indices } = this.split(rows);
    const E = this.numElements;
    const out = new Int32Array(indices.length);
    for (let d = 0; d < clusters.length; d++) {
      const t = this.clusters[clusters[d]];
      if (!t) throw new RangeError(`rows: cluster ${clusters[d]} out of range`);
      const offsets = t.offsets;
      for (let e = 0; e < E; e++) out[d * E + e] = indices[d * E + e] + offsets[e];
    }
    return out;
  }

  /** One cluster: the plain tables' JSON; more: {clusters: [tables, ...]}. */
  toJSON() {
    return this.clusterBits ? { clusters: this.clusters.map((t) => t.toJSON()) } : this.clusters[0].toJSON();
  }

  static fromJSON(obj) {
    obj = jsonObject(obj);
    if (obj !== null && typeof obj === "object" && "clusters" in obj) {
      if (!Array.isArray(obj.clusters)) throw new TablesError("tables: clusters must be a list");
      return new TableSet(obj.clusters.map((t) => CodingTables.fromJSON(t)));
    }
    return new TableSet([CodingTables.fromJSON(obj)]);
  }

  /** A TableSet as it is, or plain CodingTables as a one-cluster set. */
  static of(tables) {
    return tables instanceof TableSet ? tables : new TableSet([tables]);
  }
}
