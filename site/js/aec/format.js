// Twin of aec/format.py: the digit file format, versions 2 to 4 (spec: format.md on the site).
//
// Version 4 (format_v4.js) holds one digit of a learned model, its model id coded given
// the file's length (model_prior.js): with a `prior` option, writers write it for one
// digit and readers read a file whose first bit is 0 as version 4. Without one, this is
// the version-3 reader and writer described below, byte for byte.
//
// Bits, MSB first within bytes:
//   version + model id (5 bits: ids 0..7 as version 2 wrote them, 10 + id in 3 bits;
//     ids 8..14 as 11 + (id - 8); 11 111 + gamma(v - 3) is the escape of versions >= 4)
//   | n in Elias-gamma (n <= 65536)
//   | for a model with 2**c table clusters (c > 0): each digit's cluster, c raw bits per digit
//   | one arithmetic-coded run over the n*E indices (digit-major, element e with
//     table e of the digit's cluster)
// then packed into bytes (last byte zero-padded) and every trailing 0x00 byte removed.
// Readers re-encode what they decoded and insist on identical bytes.
// Per digit, callers exchange a row: [cluster, E indices] (just the E indices when c = 0).
//
// API (Python snake_case <-> JavaScript camelCase; Python's (n, R) rows are one
// flat row-major Int32Array of n*R here, R = the tables' rowLength):
//   encodeStream(modelId, rows, tables, {prior}) -> Uint8Array
//   decodeStream(data, tablesByModel, {maxDigits, prior}) -> {modelId, rows: Int32Array(n*R)}
//   encodeDigits(modelId, rows, tables, {prior}) -> Uint8Array[] (one one-digit file per row)
//   decodeFiles(datas, tablesByModel, {maxDigits, prior}) -> Array<{modelId, rows} | FormatError>
//   decodeDigits(datas, tablesByModel, {onError, prior}) -> {modelIds, rows: Int32Array(B*R), errors}
//   readHeader(data, tablesByModel, {maxDigits, prior}) -> {modelId, n, headerBits, clusters}
//   fileVersion(modelId, n = 1, prior = null) -> 2, 3 or 4, the version a file of n digits carries
// `prior`: the ModelPrior (model_prior.js) that lets them write and read version 4.
// `rows` for encoding: one flat array of n*R integers (a single row is one
// digit), or an array of n rows.
// `tablesByModel`: a Map or a plain object, model id -> TableSet (or CodingTables).

import * as v4 from "./format_v4.js";
import { ArithmeticDecoder, ArithmeticEncoder, BitReader, BitWriter } from "./range_coder.js";
import { MAX_SIZE, TableSet } from "./tables.js";

export const FORMAT_VERSION = 3;
export const VERSION_BITS = 2;
export const MODEL_ID_BITS = 3;
export const V2_MAX_MODEL_ID = (1 << MODEL_ID_BITS) - 1; // ids 0..7: version-2 headers, unchanged
export const VERSION_ESCAPE = (1 << MODEL_ID_BITS) - 1; // 11 111: a version >= 4 follows, as gamma(v - 3)
export const MAX_MODEL_ID = V2_MAX_MODEL_ID + VERSION_ESCAPE; // ids 8..14: 11 + (id - 8)
export const MAX_DIGITS = 65536;
export const MAX_GAMMA_ZEROS = 16;

export const MSG_EMPTY = "empty file";
export const MSG_BAD_HEADER = "not a digit file (bad header)";
export const MSG_IMPLAUSIBLE = "implausible digit count";
export const MSG_NOT_CANONICAL = "corrupt or truncated data (not the canonical encoding)";

/** A file that is not a valid digit file (versions 2 to 4) for the known models. */
export class FormatError extends Error {
  constructor(message) {
    super(message);
    this.name = "FormatError";
  }
}

/** The version field says 1 (files of earlier models), or the escape says 5 or later.
 * newest: the newest version the reader knows (4 with a prior, else 3). */
export class UnsupportedVersion extends FormatError {
  constructor(version, newest = FORMAT_VERSION) {
    const known = newest === FORMAT_VERSION ? "2 and 3" : `2 to ${newest}`;
    super(`unsupported format version ${version} (this reader knows versions ${known})`);
    this.name = "UnsupportedVersion";
    this.version = version;
  }
}

/** The model id has no coding tables in this reader. */
export class UnknownModel extends FormatError {
  constructor(modelId) {
    super(`unknown model id ${modelId}`);
    this.name = "UnknownModel";
    this.modelId = modelId;
  }
}

// ---------------------------------------------------------------------------
// header
// ---------------------------------------------------------------------------

function bitLength(n) {
  let L = 0;
  while (2 ** L <= n) L++;
  return L;
}

/** Elias-gamma code of n >= 1: (L-1) zeros then n in L bits. */
export function gammaBits(n) {
  if (!Number.isInteger(n) || n < 1) throw new RangeError("Elias gamma needs an integer n >= 1");
  const L = bitLength(n);
  const bits = new Array(L - 1).fill(0);
  for (let i = L - 1; i >= 0; i--) bits.push(Math.floor(n / 2 ** i) % 2);
  return bits;
}

/** The version a file of n digits of modelId carries: 4 for one digit of a learned model when
 * there is a prior, else 2 for ids 0..7 (their v2 bytes) and 3 for 8..14. */
export function fileVersion(modelId, n = 1, prior = null) {
  if (!Number.isInteger(modelId) || modelId < 0 || modelId > MAX_MODEL_ID) {
    throw new RangeError(`model id must be in 0..${MAX_MODEL_ID}, got ${modelId}`);
  }
  if (prior != null && n === 1 && modelId >= 1) return v4.VERSION; // id 0, the talk's raw latents, keeps version 2
  return modelId <= V2_MAX_MODEL_ID ? 2 : 3;
}

/** The header bits: 10 + id (3 bits) for ids 0..7, 11 + (id - 8) for 8..14, then gamma(n). */
export function headerBits(modelId, n) {
  const version = fileVersion(modelId);
  if (!Number.isInteger(n) || n < 1 || n > MAX_DIGITS) {
    throw new RangeError(`a file holds 1..${MAX_DIGITS} digits, got ${n}`);
  }
  const field = modelId - (V2_MAX_MODEL_ID + 1) * (version - 2);
  const bits = [(version >> 1) & 1, version & 1];
  for (let i = MODEL_ID_BITS - 1; i >= 0; i--) bits.push((field >> i) & 1);
  return bits.concat(gammaBits(n));
}

/** Most bytes a valid file with n digits of an E-element model (2**c clusters) can have. */
export function maxFileBytes(n, E, clusterBits = 0) {
  const S = n * E;
  const bits = 6 + gammaBits(n).length + n * clusterBits + 16 * S + Math.ceil(S / 4096) + 34;
  return Math.ceil(bits / 8);
}

function tablesFor(tablesByModel, modelId) {
  const t = tablesByModel instanceof Map ? tablesByModel.get(modelId) : tablesByModel?.[modelId];
  return t ? TableSet.of(t) : null;
}

function readGamma(r, tooLong) {
  let zeros = 0;
  while (r.readBit() === 0) {
    zeros++;
    if (zeros > MAX_GAMMA_ZEROS) throw new FormatError(tooLong);
  }
  return 2 ** zeros + r.readBits(zeros);
}

/** Version and model id (5 bits; the escape's gamma too). Throws FormatError.
 * The escape never says 4 (version 4 files begin with a 0 bit): no digit file. */
function readModelId(r, newest = FORMAT_VERSION) {
  const version = r.readBits(VERSION_BITS);
  if (version === 0) throw new FormatError(MSG_BAD_HEADER);
  if (version === 1) throw new UnsupportedVersion(version);
  const field = r.readBits(MODEL_ID_BITS);
  if (version === 2) return field;
  if (field === VERSION_ESCAPE) {
    const version = 3 + readGamma(r, MSG_BAD_HEADER);
    if (version === v4.VERSION) throw new FormatError(MSG_BAD_HEADER);
    throw new UnsupportedVersion(version, newest);
  }
  return V2_MAX_MODEL_ID + 1 + field;
}

function readHeaderInternal(data, tablesByModel, maxDigits, prior = null) {
  if (data.length === 0) throw new FormatError(MSG_EMPTY);
  if (v4.isV4(data, prior)) return readV4Header(data, tablesByModel, prior);
  const r = new BitReader(data);
  const modelId = readModelId(r, prior ? v4.VERSION : FORMAT_VERSION);
  const tables = tablesFor(tablesByModel, modelId);
  if (tables === null) throw new UnknownModel(modelId);
  const n = readGamma(r, MSG_IMPLAUSIBLE);
  if (n > MAX_DIGITS) throw new FormatError(`${MSG_IMPLAUSIBLE} (${n})`);
  if (n > maxDigits) throw new FormatError(`too many digits (${n}; this reader accepts at most ${maxDigits})`);
  const limit = maxFileBytes(n, tables.numElements, tables.clusterBits);
  if (data.length > limit) {
    throw new FormatError(
      `oversized file (${data.length} bytes; ${n} digit(s) of model ${modelId} need at most ${limit})`,
    );
  }
  const clusters = [];
  for (let d = 0; tables.clusterBits && d < n; d++) clusters.push(r.readBits(tables.clusterBits));
  return { header: { modelId, n, headerBits: r.position, clusters }, tables };
}

/** A version-4 file's head: the model's tables, the size limit of one digit. */
function readV4Header(data, tablesByModel, prior) {
  const { modelId, cluster } = v4.readHead(data, prior);
  const tables = tablesFor(tablesByModel, modelId);
  if (tables === null) throw new UnknownModel(modelId);
  prior.checkTables(new Map([[modelId, tables]]));
  const limit = maxFileBytes(1, tables.numElements, tables.clusterBits);
  if (data.length > limit) {
    throw new FormatError(`oversized file (${data.length} bytes; 1 digit(s) of model ${modelId} need at most ${limit})`);
  }
  return { header: { modelId, n: 1, headerBits: 0, clusters: tables.clusterBits ? [cluster] : [] }, tables };
}

function asBytes(data) {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return Uint8Array.from(data);
}

/** Check and parse the header only (version, model id, n, size limit). Throws FormatError.
 * A version-4 file's headerBits is 0: its model id and cluster are the coder's first symbol. */
export function readHeader(data, tablesByModel, { maxDigits = MAX_DIGITS, prior = null } = {}) {
  return readHeaderInternal(asBytes(data), tablesByModel, maxDigits, prior).header;
}

// ---------------------------------------------------------------------------
// one file
// ---------------------------------------------------------------------------

/** rows (flat n*R, or n rows of R) -> {clusters (n), idx (n*E)}, validated. */
function checkRows(rows, tables, what) {
  const R = tables.rowLength;
  let flat = rows;
  if (rows.length > 0 && typeof rows[0] === "object" && rows[0] !== null) {
    flat = [];
    for (const row of rows) {
      if (row.length !== R) throw new RangeError(`${what}: expected rows of ${R} indices, got ${row.length}`);
      for (const v of row) flat.push(v);
    }
  }
  if (flat.length % R !== 0) throw new RangeError(`${what}: expected n rows of ${R} indices`);
  const outOfRange = `${what}: indices out of range (clamp symbols with CodingTables.symbolsToIndices)`;
  for (let i = 0; i < flat.length; i++) {
    if (!Number.isInteger(flat[i])) throw new RangeError(`${what}: indices must be integers`);
    if (flat[i] < 0 || flat[i] >= MAX_SIZE) throw new RangeError(outOfRange); // so split()'s Int32Array holds them
  }
  const { clusters, indices: idx } = tables.split(flat);
  const E = tables.numElements;
  for (let d = 0; d < clusters.length; d++) {
    const c = clusters[d];
    if (c >= tables.clusters.length) throw new RangeError(`${what}: cluster out of range`);
    const sizes = tables.clusters[c].sizes;
    for (let e = 0; e < E; e++) {
      const k = idx[d * E + e];
      if (k >= sizes[e]) throw new RangeError(outOfRange);
    }
  }
  return { clusters, idx };
}

function pack(writer) {
  const bytes = writer.toBytes();
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0) end--;
  return bytes.slice(0, end);
}

function encodeRows(modelId, clusters, idx, tables) {
  const w = new BitWriter();
  for (const b of headerBits(modelId, clusters.length)) w.writeBit(b);
  const c = tables.clusterBits;
  for (let d = 0; c && d < clusters.length; d++) {
    for (let i = c - 1; i >= 0; i--) w.writeBit((clusters[d] >> i) & 1);
  }
  const enc = new ArithmeticEncoder(w);
  const E = tables.numElements;
  for (let d = 0; d < clusters.length; d++) {
    const cdfs = tables.clusters[clusters[d]].cdfs;
    for (let e = 0; e < E; e++) {
      const k = idx[d * E + e];
      enc.encode(cdfs[e][k], cdfs[e][k + 1]);
    }
  }
  enc.finish();
  return pack(w);
}

/** Encode n digits (rows, flat n*R or n arrays of R) into one file -> Uint8Array. */
export function encodeStream(modelId, rows, tables, { prior = null } = {}) {
  tables = TableSet.of(tables);
  const { clusters, idx } = checkRows(rows, tables, "encodeStream");
  if (clusters.length < 1 || clusters.length > MAX_DIGITS) {
    throw new RangeError(`a file holds 1..${MAX_DIGITS} digits, got ${clusters.length}`);
  }
  if (fileVersion(modelId, clusters.length, prior) === v4.VERSION) {
    return v4.encode(modelId, joinRows({ clusters, idx }, tables), tables, prior);
  }
  return encodeRows(modelId, clusters, idx, tables);
}

/** The payload after the header -> {clusters (n), idx (n*E)}. */
function decodeRows(data, header, tables) {
  const dec = new ArithmeticDecoder(new BitReader(data, header.headerBits));
  const E = tables.numElements;
  const clusters = tables.clusterBits ? Int32Array.from(header.clusters) : new Int32Array(header.n);
  const idx = new Int32Array(header.n * E);
  for (let d = 0; d < header.n; d++) {
    const cdfs = tables.clusters[clusters[d]].cdfs;
    for (let e = 0; e < E; e++) idx[d * E + e] = dec.decode(cdfs[e]);
  }
  return { clusters, idx };
}

/** (clusters, idx) -> rows, flat n*R: [cluster, E indices] per digit (just the indices when c = 0). */
function joinRows({ clusters, idx }, tables) {
  if (!tables.clusterBits) return idx;
  const E = tables.numElements;
  const rows = new Int32Array(clusters.length * (E + 1));
  for (let d = 0; d < clusters.length; d++) {
    rows[d * (E + 1)] = clusters[d];
    rows.set(idx.subarray(d * E, (d + 1) * E), d * (E + 1) + 1);
  }
  return rows;
}

/** Decode a file whose header is read; insist on the canonical bytes. Throws FormatError. */
function decodeCanonical(bytes, header, tables, prior) {
  if (v4.isV4(bytes, prior)) {
    const { rows, ok } = v4.decodeGroup([bytes], header.modelId, [header.clusters[0] ?? 0], tables, prior);
    if (!ok[0]) throw new FormatError(MSG_NOT_CANONICAL);
    return { modelId: header.modelId, rows };
  }
  const decoded = decodeRows(bytes, header, tables);
  if (!sameBytes(encodeRows(header.modelId, decoded.clusters, decoded.idx, tables), bytes)) {
    throw new FormatError(MSG_NOT_CANONICAL);
  }
  return { modelId: header.modelId, rows: joinRows(decoded, tables) };
}

function sameBytes(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Decode one file -> {modelId, rows: Int32Array(n*R)}. Throws FormatError.
 * maxDigits lets a caller refuse big streams before decoding them.
 */
export function decodeStream(data, tablesByModel, { maxDigits = MAX_DIGITS, prior = null } = {}) {
  const bytes = asBytes(data);
  const { header, tables } = readHeaderInternal(bytes, tablesByModel, maxDigits, prior);
  return decodeCanonical(bytes, header, tables, prior);
}

// ---------------------------------------------------------------------------
// many files (same results as Python's batched helpers; scalar loops here)
// ---------------------------------------------------------------------------

/** One one-digit file per row -> array of Uint8Array (the bytes of encodeStream, row by row). */
export function encodeDigits(modelId, rows, tables, { prior = null } = {}) {
  tables = TableSet.of(tables);
  const { clusters, idx } = checkRows(rows, tables, "encodeDigits");
  const E = tables.numElements;
  if (fileVersion(modelId, 1, prior) === v4.VERSION) {
    const all = joinRows({ clusters, idx }, tables);
    const R = tables.rowLength;
    return Array.from(clusters, (c, d) => v4.encode(modelId, all.subarray(d * R, (d + 1) * R), tables, prior));
  }
  return Array.from(clusters, (c, d) => encodeRows(modelId, [c], idx.subarray(d * E, (d + 1) * E), tables));
}

function decodeMany(datas, tablesByModel, maxDigits, single, prior) {
  return Array.from(datas, (data) => {
    try {
      const bytes = asBytes(data);
      const { header, tables } = readHeaderInternal(bytes, tablesByModel, maxDigits, prior);
      if (single && header.n !== 1) throw new FormatError(`expected a single digit, found ${header.n} digits`);
      return decodeCanonical(bytes, header, tables, prior);
    } catch (err) {
      if (err instanceof FormatError) return err;
      throw err;
    }
  });
}

/** Decode many files; never throws FormatError: each entry is {modelId, rows} or the FormatError. */
export function decodeFiles(datas, tablesByModel, { maxDigits = MAX_DIGITS, prior = null } = {}) {
  return decodeMany(datas, tablesByModel, maxDigits, false, prior);
}

/**
 * Decode many one-digit files -> {modelIds: Int32Array(B), rows: Int32Array(B*R), errors}, R the
 * longest row of tablesByModel (shorter rows zero-padded: use TableSet.of(tables).rowLength).
 * onError "raise": throws the first file's FormatError (with err.index set).
 * onError "mask": failing files get modelId -1, a row of zeros and their FormatError in errors
 * (null for the good ones).
 */
export function decodeDigits(datas, tablesByModel, { onError = "raise", prior = null } = {}) {
  if (onError !== "raise" && onError !== "mask") throw new RangeError('onError must be "raise" or "mask"');
  const results = decodeMany(datas, tablesByModel, MAX_DIGITS, true, prior);
  const all = tablesByModel instanceof Map ? [...tablesByModel.values()] : Object.values(tablesByModel ?? {});
  const R = Math.max(0, ...all.map((t) => TableSet.of(t).rowLength));
  const modelIds = new Int32Array(results.length).fill(-1);
  const rows = new Int32Array(results.length * R);
  const errors = [];
  results.forEach((r, i) => {
    if (r instanceof FormatError) {
      if (onError === "raise") {
        r.index = i;
        throw r;
      }
      errors.push(r);
    } else {
      errors.push(null);
      modelIds[i] = r.modelId;
      rows.set(r.rows, i * R);
    }
  });
  return { modelIds, rows, errors };
}
