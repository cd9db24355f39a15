// Twin of aec/format_v4.py: digit file format version 4, one digit of a learned model,
// all of it arithmetic-coded (spec: format.md, "Version 4"; the head's table: model_prior.js).
//
// A version-4 file of L bytes is one run of range_coder.js' coder:
//   1. the head: (model id, cluster) with the head table of length L (prior.element(L));
//      its interval is in the lower half of the code space, so the first bit is 0, where
//      version-2 and -3 files have a 1;
//   2. the digit's E indices, element e with table e of its cluster, as in version 3;
//   3. minimal termination, trailing zero bytes dropped, then zero bytes up to L.
// The encoder takes the smallest L, counting up from startLength, at which step 3 needs
// no more than L bytes. The head is coded from the whole range, so its interval is the
// file's first 16 bits: readHead finds it without running the coder. Readers re-encode
// the decoded digit as the encoder does (the same search for L) and insist on the same
// bytes: a digit has one version-4 file.
//
// API (Python snake_case <-> JavaScript camelCase; rows flat, R = tables.rowLength):
//   isV4(data, prior); combinedTables(prior, modelId, tables) -> CodingTables
//   startLength(rows, tables) -> Int32Array(B); encode(modelId, row, tables, prior) -> Uint8Array
//   readHead(data, prior) -> {modelId, cluster} or null
//   decodeGroup(datas, modelId, clusters, tables, prior) -> {rows: Int32Array(B*R), ok: boolean[]}
// Called by format.js, which dispatches on the first bit when it is given a prior.

import { BitReader, BitWriter, decodeIndices, encodeIndices } from "./range_coder.js";
import { COST_BITS, CodingTables, TableSet } from "./tables.js";

export const VERSION = 4;

export function isV4(data, prior) {
  return prior != null && data.length > 0 && data[0] < 0x80;
}

/** The head tables, then every cluster's tables (cluster k's element e is table k*E + e),
 * as one CodingTables; cached on the prior per model. */
export function combinedTables(prior, modelId, tables) {
  const hit = prior._combined.get(modelId);
  if (hit && hit.tables === tables) return hit.combined;
  const parts = [prior.head, ...tables.clusters];
  const combined = new CodingTables(parts.flatMap((t) => Array.from(t.offsets)), parts.flatMap((t) => Array.from(t.sizes)),
    parts.flatMap((t) => Array.from(t.freqs)));
  prior._combined.set(modelId, { tables, combined });
  return combined;
}

/** One row (flat R) at `length` bytes -> {indices, tableIds} of the run: head, then the E indices. */
function stream(prior, modelId, tables, row, length) {
  const { clusters, indices } = tables.split(row);
  const E = tables.numElements;
  const k = clusters[0];
  const tableIds = new Int32Array(1 + E);
  tableIds[0] = prior.element(length);
  for (let e = 0; e < E; e++) tableIds[1 + e] = prior.rows + k * E + e;
  const all = new Int32Array(1 + E);
  all[0] = prior.symbol(modelId, k);
  all.set(indices, 1);
  return { indices: all, tableIds };
}

/** Where the encoder's search for L starts, per row: the whole bytes of the cluster's bits
 * plus the indices' code lengths (the head and termination come on top). */
export function startLength(rows, tables) {
  tables = TableSet.of(tables);
  const costs = tables.rowCosts(rows);
  const out = new Int32Array(costs.length);
  for (let d = 0; d < costs.length; d++) {
    const cost = costs[d] + tables.clusterBits * 2 ** COST_BITS;
    out[d] = Math.max(Math.floor(Math.floor(cost / 2 ** COST_BITS) / 8), 1);
  }
  return out;
}

/** The coder's bytes, trailing zeros dropped, padded to `length`; null if longer. */
function fit(bytes, length) {
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0) end--;
  if (end > length) return null;
  const out = new Uint8Array(length);
  out.set(bytes.subarray(0, end));
  return out;
}

/** The file of one row at exactly `length` bytes, or null if it does not fit. */
function encodeAt(modelId, row, tables, prior, length) {
  const { indices, tableIds } = stream(prior, modelId, tables, row, length);
  const w = new BitWriter();
  encodeIndices(w, indices, tableIds, combinedTables(prior, modelId, tables));
  return fit(w.toBytes(), length);
}

/** One digit (row, flat R) -> its version-4 file. */
export function encode(modelId, row, tables, prior) {
  tables = TableSet.of(tables);
  for (let length = startLength(row, tables)[0]; ; length++) {
    const data = encodeAt(modelId, row, tables, prior, length);
    if (data !== null) return data;
  }
}

/** The {modelId, cluster} a version-4 file's first 16 bits name at its length (null: none). */
export function readHead(data, prior) {
  const value = ((data[0] ?? 0) << 8) | (data[1] ?? 0);
  const cdf = prior.head.cdf(prior.element(data.length));
  let s = 0;
  while (cdf[s + 1] <= value) s++; // the largest s with cdf[s] <= value
  return prior.modelCluster(s);
}

/** Files of one model, with their clusters from readHead -> {rows (flat B*R), ok: re-encoding
 * gives its bytes}. A loop of the scalar decoder. */
export function decodeGroup(datas, modelId, clusters, tables, prior) {
  tables = TableSet.of(tables);
  const combined = combinedTables(prior, modelId, tables);
  const E = tables.numElements;
  const R = tables.rowLength;
  const c = tables.clusterBits ? 1 : 0;
  const rows = new Int32Array(datas.length * R);
  const ok = [];
  datas.forEach((data, b) => {
    const row = rows.subarray(b * R, (b + 1) * R);
    if (c) row[0] = clusters[b];
    const { tableIds } = stream(prior, modelId, tables, row, data.length);
    row.set(decodeIndices(new BitReader(data), tableIds, combined).subarray(1), c);
    const again = encode(modelId, row, tables, prior);
    ok.push(again.length === data.length && again.every((v, i) => v === data[i]));
  });
  return { rows, ok };
}
