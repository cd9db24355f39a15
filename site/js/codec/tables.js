// Integer coding tables for the arithmetic coder (twin of training/tables.py).
//
// A model codes E latent elements. Element e has an integer offset (its
// smallest symbol) and n_e >= 2 frequencies in [1, 65535] summing to exactly
// TOTAL = 65536. Symbol s is coded as the index k = s - offset, after clamping.
// Tables are computed in Python and shipped as JSON:
//   {"offsets": [...], "sizes": [...], "freqs": "<base64 of little-endian uint16>"}
// JavaScript never recomputes them (there is no quantizePmf here).
//
// Naming: Python snake_case <-> JavaScript camelCase (from_json / fromJSON, ...).

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

  /** Clamp symbols (flat, length a multiple of E, digit-major) -> Int32Array of indices. */
  symbolsToIndices(symbols) {
    const E = this.numElements;
    if (symbols.length % E !== 0) throw new RangeError(`symbols: length must be a multiple of ${E}`);
    const out = new Int32Array(symbols.length);
    for (let i = 0; i < symbols.length; i++) {
      const e = i % E;
      const k = Math.round(Number(symbols[i])) - this.offsets[e];
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
    if (typeof obj === "string") {
      try {
        obj = JSON.parse(obj);
      } catch (err) {
        throw new TablesError(`tables: not JSON (${err.message})`);
      }
    }
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
