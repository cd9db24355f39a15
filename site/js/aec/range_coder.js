// Twin of aec/range_coder.py: the exact-integer binary arithmetic coder
// (the batched numpy coder, aec/batch_coder.py, has no twin: the browser codes one digit at a time).
//
// 32-bit state with pending (underflow) bits, 16-bit frequency tables. Plain
// Numbers: range <= 2^32 and cumulative counts <= 2^16, so every product stays
// below 2^49 and is exact; division by TOTAL = 2^16 is exact too; the one real
// division (the decoder's value) is corrected to the exact floor.
//
// Encoder, per symbol with cumLo = cdf[k], cumHi = cdf[k+1]:
//   range = high - low + 1
//   high  = low + floor(range * cumHi / TOTAL) - 1
//   low   = low + floor(range * cumLo / TOTAL)
//   loop: high < HALF          -> emit 0 (+ pending 1s)
//         low >= HALF          -> emit 1 (+ pending 0s), low -= HALF, high -= HALF
//         QUARTER <= low, high < 3 QUARTER -> pending++, low -= QUARTER, high -= QUARTER
//         else break;  low = 2 low, high = 2 high + 1
// Termination: smallest k >= 0 (k >= 1 if pending) with
//   V = ceil(low / 2^(32-k)) * 2^(32-k) <= high; emit the top k bits of V.
// The decoder reads zeros past the end of the data.

import { TOTAL } from "./tables.js";

export const STATE_BITS = 32;
export const MASK = 2 ** STATE_BITS - 1;
export const HALF = 2 ** (STATE_BITS - 1);
export const QUARTER = 2 ** (STATE_BITS - 2);
export const THREE_QUARTERS = 3 * QUARTER;

/** Growing bit string, MSB first within bytes. */
export class BitWriter {
  constructor() {
    this.bits = new Uint8Array(256); // one 0/1 per bit
    this.length = 0;
  }

  writeBit(bit) {
    if (this.length === this.bits.length) {
      const grown = new Uint8Array(this.bits.length * 2);
      grown.set(this.bits);
      this.bits = grown;
    }
    this.bits[this.length++] = bit;
  }

  /** Write the low `count` bits of `value` (a non-negative integer < 2^53), most significant first. */
  writeBits(value, count) {
    for (let i = count - 1; i >= 0; i--) this.writeBit(Math.floor(value / 2 ** i) % 2);
  }

  get bitLength() {
    return this.length;
  }

  /** Pack MSB first; the last byte is zero-padded. */
  toBytes() {
    const out = new Uint8Array((this.length + 7) >> 3);
    for (let i = 0; i < this.length; i++) {
      if (this.bits[i]) out[i >> 3] |= 0x80 >> (i & 7);
    }
    return out;
  }
}

/** Reads bits MSB first from a Uint8Array; reads 0 past the end (forever). */
export class BitReader {
  constructor(data, position = 0) {
    this.data = data;
    this.position = position;
    this.nbits = 8 * data.length;
  }

  readBit() {
    const p = this.position++;
    if (p >= this.nbits) return 0;
    return (this.data[p >> 3] >> (7 - (p & 7))) & 1;
  }

  readBits(count) {
    let v = 0;
    for (let i = 0; i < count; i++) v = 2 * v + this.readBit();
    return v;
  }
}

/** Encodes symbols given as cumulative-count intervals into a BitWriter. */
export class ArithmeticEncoder {
  constructor(writer) {
    this.writer = writer;
    this.low = 0;
    this.high = MASK;
    this.pending = 0;
  }

  emit(bit) {
    this.writer.writeBit(bit);
    for (; this.pending > 0; this.pending--) this.writer.writeBit(1 - bit);
  }

  encode(cumLo, cumHi) {
    let low = this.low;
    let high = this.high;
    const range = high - low + 1;
    high = low + Math.floor((range * cumHi) / TOTAL) - 1;
    low = low + Math.floor((range * cumLo) / TOTAL);
    for (;;) {
      if (high < HALF) {
        this.emit(0);
      } else if (low >= HALF) {
        this.emit(1);
        low -= HALF;
        high -= HALF;
      } else if (low >= QUARTER && high < THREE_QUARTERS) {
        this.pending++;
        low -= QUARTER;
        high -= QUARTER;
      } else {
        break;
      }
      low = 2 * low;
      high = 2 * high + 1;
    }
    this.low = low;
    this.high = high;
  }

  /** Minimal termination (see the header comment). */
  finish() {
    let k = this.pending > 0 ? 1 : 0;
    let v;
    for (;;) {
      const step = 2 ** (STATE_BITS - k);
      v = Math.ceil(this.low / step) * step;
      if (v <= this.high) break;
      k++;
    }
    for (let i = 0; i < k; i++) this.emit(Math.floor(v / 2 ** (STATE_BITS - 1 - i)) % 2);
  }
}

/** Largest k with cdf[k] <= value (cdf[0] = 0 <= value < cdf[last] = TOTAL). */
function searchCdf(cdf, value) {
  let lo = 0;
  let hi = cdf.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (cdf[mid] <= value) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** Decodes symbols from a BitReader positioned at the first coder bit. */
export class ArithmeticDecoder {
  constructor(reader) {
    this.reader = reader;
    this.low = 0;
    this.high = MASK;
    this.code = reader.readBits(STATE_BITS);
  }

  /** cdf: cumulative counts (n+1 entries, 0 .. TOTAL). Returns the index k. */
  decode(cdf) {
    let low = this.low;
    let high = this.high;
    let code = this.code;
    const range = high - low + 1;
    // value = floor(((code - low + 1) * TOTAL - 1) / range), exactly
    const a = (code - low + 1) * TOTAL - 1;
    let value = Math.floor(a / range);
    if (value * range > a) value--;
    else if ((value + 1) * range <= a) value++;
    const k = searchCdf(cdf, value);
    high = low + Math.floor((range * cdf[k + 1]) / TOTAL) - 1;
    low = low + Math.floor((range * cdf[k]) / TOTAL);
    for (;;) {
      if (high < HALF) {
        // nothing to subtract
      } else if (low >= HALF) {
        low -= HALF;
        high -= HALF;
        code -= HALF;
      } else if (low >= QUARTER && high < THREE_QUARTERS) {
        low -= QUARTER;
        high -= QUARTER;
        code -= QUARTER;
      } else {
        break;
      }
      low = 2 * low;
      high = 2 * high + 1;
      code = 2 * code + this.reader.readBit();
    }
    this.low = low;
    this.high = high;
    this.code = code;
    return k;
  }
}

/** Throws RangeError unless every tableIds[i] names a table and indices[i] is in its range. */
export function checkIndices(indices, tableIds, tables) {
  const E = tables.numElements;
  for (let i = 0; i < tableIds.length; i++) {
    const e = tableIds[i];
    if (!Number.isInteger(e) || e < 0 || e >= E) throw new RangeError(`tableIds must be in [0, ${E})`);
  }
  for (let i = 0; i < indices.length; i++) {
    const k = indices[i];
    if (!Number.isInteger(k) || k < 0 || k >= tables.sizes[tableIds[i]]) {
      throw new RangeError("indices out of range for their tables (clamp symbols first)");
    }
  }
}

/** Code one stream (indices[i] with table tableIds[i]) and terminate it. */
export function encodeIndices(writer, indices, tableIds, tables) {
  if (indices.length !== tableIds.length) throw new RangeError("indices and tableIds must have the same length");
  checkIndices(indices, tableIds, tables);
  const enc = new ArithmeticEncoder(writer);
  for (let i = 0; i < indices.length; i++) {
    const k = indices[i];
    const cdf = tables.cdfs[tableIds[i]];
    enc.encode(cdf[k], cdf[k + 1]);
  }
  enc.finish();
}

/** Decode tableIds.length indices starting at the reader's position -> Int32Array. */
export function decodeIndices(reader, tableIds, tables) {
  const dec = new ArithmeticDecoder(reader);
  const out = new Int32Array(tableIds.length);
  for (let i = 0; i < tableIds.length; i++) out[i] = dec.decode(tables.cdfs[tableIds[i]]);
  return out;
}
