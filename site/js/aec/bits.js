// Twin of aec/bits.py: where a file's bits go (spec: format.md, "Where the bits go").
//
// A valid file of 8*L bits splits exactly into the header (version, model id,
// gamma(n)), the clusters (c raw bits per digit), each coded latent's ideal
// cost (costQ16 of its frequency in its digit's cluster table, in 1/65536 bit)
// and the termination: the rest, which may be negative (the format drops
// trailing zero bytes). Costs stay in 1/65536 bit so the parts add up exactly.
// Version 4 has no header or cluster bits: its head, the model id and cluster coded
// given the file's length, is the coder's first symbol and costs costQ16 of its frequency.
//
// API (Python snake_case <-> JavaScript camelCase; Python's (n, E) is a flat Int32Array here):
//   symbolCosts(rows, tables) -> Int32Array(n*E), 1/65536 bit
//   bitSplit(data, tablesByModel, {maxDigits, prior}) -> {modelId, n, totalBits, headerBits, clusterBits,
//     clusters: Int32Array(n), latentQ16: Int32Array(n*E), terminationQ16, headQ16 (0 before version 4)};
//     throws FormatError
//   latentOrder(tables) -> Int32Array(E): elements by expected cost, largest first
//   bitsText(q16) -> string: q16 / 65536 as an exact decimal

import { decodeStream, MAX_DIGITS, readHeader } from "./format.js";
import { isV4 } from "./format_v4.js";
import { COST_BITS, costQ16, TableSet } from "./tables.js";

export const ONE_BIT = 2 ** COST_BITS; // one bit in the units of costQ16

/** Rows (flat n*R) -> each index's code length in its digit's cluster table, Int32Array(n*E), 1/65536 bit. */
export function symbolCosts(rows, tables) {
  tables = TableSet.of(tables);
  const { clusters, indices } = tables.split(rows);
  const E = tables.numElements;
  const out = new Int32Array(indices.length);
  for (let d = 0; d < clusters.length; d++) {
    const t = tables.clusters[clusters[d]];
    const costs = tables.costs(clusters[d]);
    for (let e = 0; e < E; e++) out[d * E + e] = costs[t.starts[e] + indices[d * E + e]];
  }
  return out;
}

/** A valid file -> where its bits go (the parts add up to 8 * data.length exactly). Throws FormatError. */
export function bitSplit(data, tablesByModel, { maxDigits = MAX_DIGITS, prior = null } = {}) {
  const { modelId, rows } = decodeStream(data, tablesByModel, { maxDigits, prior });
  const header = readHeader(data, tablesByModel, { maxDigits, prior });
  const tables = TableSet.of(tablesByModel instanceof Map ? tablesByModel.get(modelId) : tablesByModel[modelId]);
  const { clusters } = tables.split(rows);
  const latentQ16 = symbolCosts(rows, tables);
  const totalBits = 8 * data.length;
  let latents = 0;
  for (const q of latentQ16) latents += q; // exact: below 2**53
  const n = header.n;
  if (isV4(data, prior)) {
    const f = prior.head.freqsOf(prior.element(data.length))[prior.symbol(modelId, clusters[0])];
    const headQ16 = costQ16(f);
    const terminationQ16 = totalBits * ONE_BIT - headQ16 - latents;
    return { modelId, n, totalBits, headerBits: 0, clusterBits: 0, clusters, latentQ16, terminationQ16, headQ16 };
  }
  const clusterBits = n * tables.clusterBits;
  const headerBits = header.headerBits - clusterBits;
  const terminationQ16 = (totalBits - headerBits - clusterBits) * ONE_BIT - latents;
  return { modelId, n, totalBits, headerBits, clusterBits, clusters, latentQ16, terminationQ16, headQ16: 0 };
}

/** The elements by their expected code length under cluster 0 (the factorised prior),
 * largest first, ties by the lower element: the latents a file spends most bits on. */
export function latentOrder(tables) {
  tables = TableSet.of(tables);
  const t = tables.clusters[0];
  const costs = tables.costs(0);
  const expected = Array.from({ length: t.numElements }, (_, e) => {
    let sum = 0;
    for (let i = t.starts[e]; i < t.starts[e + 1]; i++) sum += t.freqs[i] * costs[i]; // exact: below 2**36 each
    return sum;
  });
  const order = Array.from(expected.keys()).sort((a, b) => expected[b] - expected[a] || a - b);
  return Int32Array.from(order);
}

/** q16 / 65536 bits as an exact decimal ("-1.5", "0.0000152587890625", "12"). */
export function bitsText(q16) {
  const q = BigInt(q16);
  const sign = q < 0n ? "-" : "";
  const abs = q < 0n ? -q : q;
  const one = BigInt(ONE_BIT);
  const whole = abs / one;
  const frac = abs % one;
  if (frac === 0n) return `${sign}${whole}`;
  const digits = (frac * 5n ** BigInt(COST_BITS)).toString().padStart(COST_BITS, "0").replace(/0+$/, "");
  return `${sign}${whole}.${digits}`;
}
