// Twin of aec/search.py: the encoder's rate-distortion search, the same rounds
// on the same numbers (see that module's docstring for the method).
//
// Per digit it lowers J = bits + lambdaScale * lambda * SSE over ±1 changes of
// the rounded symbols: the moves ranked by the exact change in bits, the
// decoder's gradient and the shipped curvature; the best `candidates` decoded and
// scored exactly each round. Only the encoder changes: a searched file decodes
// like any other. Its settings (rounds, candidates, lambda scale) and the
// curvature come from the converter (manifest.json's `search`), never typed here.
// The decoder must offer `sseAndGradient` (loader.js, through gradient.js).
// Bytes need not equal Python's (float order differs); the pixels they decode to do.

import { SIZE, toFloat } from "./pixels.js";
import { COST_BITS } from "./tables.js";

const Q16 = 2 ** COST_BITS;

/** Thrown when a search's signal is aborted (a newer digit replaced this one). */
function aborted() {
  const err = new Error("search cancelled");
  err.name = "AbortError";
  return err;
}

/** The thread's next task: lets its queued messages (a cancel, a newer digit) in. The
 * networks read their outputs synchronously, so a round's awaits alone never reach the
 * event loop. A message, unlike setTimeout, is never clamped. */
function nextTask() {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

export class Search {
  /** codec: a LearnedCodec; settings {rounds, candidates, lambdaScale} (the manifest's `search`);
   * curvature: Map model id -> Float32Array(clusters*E), or a function id -> Promise of one. */
  constructor(codec, { rounds, candidates, lambdaScale }, curvature = new Map()) {
    if (![rounds, candidates, lambdaScale].every((v) => Number.isFinite(v) && v > 0)) {
      throw new RangeError("search: rounds, candidates and lambdaScale must be positive numbers");
    }
    Object.assign(this, { codec, rounds, candidates, lambdaScale });
    this.curvatureSource = curvature;
    this._curvature = new Map();
  }

  /** (clusters*E) the mean SSE change of a +1 and a -1 step of each element at each
   * cluster's most probable symbols, as the converter measured it (aec/search.py). */
  async curvature(level) {
    if (!this._curvature.has(level)) {
      const src = this.curvatureSource;
      const c = typeof src === "function" ? await src(level) : src.get(level);
      if (!c) throw new RangeError(`search: no curvature for model ${level} (manifest.json's search)`);
      this._curvature.set(level, c);
    }
    return this._curvature.get(level);
  }

  /** Symbols (flat n*E) -> the decoder's float output (flat n*784). */
  async decode(symbols, level) {
    const c = this.codec;
    const n = symbols.length / c.tables.get(level).numElements;
    return c.decoder.run([{ data: Float32Array.from(symbols), shape: [n, ...c.latentShape] },
      { data: c.levelInput(level, n), shape: [n, c.numLevels] }]);
  }

  /** uint8 images (flat B*784) -> searched integer symbols (Int32Array B*E).
   * options.signal: an AbortSignal, checked between rounds (each of which then lets the thread's
   * messages in first). */
  async symbols(images, level, { signal } = {}) {
    const c = this.codec;
    const tables = c.tables.get(level);
    const E = tables.numElements;
    const R = tables.rowLength;
    const lam = c.lambdas[level - c.firstModelId] * this.lambdaScale;
    const curvature = await this.curvature(level);
    const s = await c.encodeSymbols(images, level); // start from plain rounding
    const target = toFloat(images);
    const P = target.length / (s.length / E);
    const K = Math.min(this.candidates, 2 * E);
    let active = Array.from({ length: s.length / E }, (_, d) => d);
    for (let round = 0; round < this.rounds && active.length; round++) {
      if (signal) await nextTask();
      if (signal?.aborted) throw aborted();
      const n = active.length;
      const sa = new Int32Array(n * E);
      const ta = new Float32Array(n * P);
      active.forEach((d, i) => {
        sa.set(s.subarray(d * E, (d + 1) * E), i * E);
        ta.set(target.subarray(d * P, (d + 1) * P), i * P);
      });
      const { sse, gradient } = await c.decoder.sseAndGradient(
        [{ data: Float32Array.from(sa), shape: [n, ...c.latentShape] }, { data: c.levelInput(level, n), shape: [n, c.numLevels] }],
        { data: ta, shape: [n, SIZE, SIZE, 1] });
      const rows = tables.choose(sa);
      const costs = tables.rowCosts(rows);
      const cand = new Int32Array(n * (K + 1) * E);
      const clusters = new Int32Array(n);
      const score = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const k = tables.clusterBits ? rows[i * R] : 0;
        clusters[i] = k;
        score[i] = costs[i] / Q16 + lam * sse[i];
        const est = this.estimates(sa.subarray(i * E, (i + 1) * E), k, tables, lam, gradient.subarray(i * E, (i + 1) * E),
          curvature.subarray(k * E, (k + 1) * E));
        const order = Array.from(est.keys()).sort((a, b) => (est[a] < est[b] ? -1 : est[a] > est[b] ? 1 : a - b));
        const base = i * (K + 1) * E;
        for (let j = 0; j <= K; j++) cand.set(sa.subarray(i * E, (i + 1) * E), base + j * E);
        for (let j = 0; j < K; j++) {
          const m = order[j];
          const step = m < E ? -1 : 1;
          cand[base + j * E + (m % E)] += step;
          if (est[m] < 0) cand[base + K * E + (m % E)] += step; // all the promising moves at once
        }
      }
      const decoded = await this.decode(cand, level);
      const next = [];
      for (let i = 0; i < n; i++) {
        let best = -1;
        let bestScore = Infinity;
        for (let j = 0; j <= K; j++) {
          const at = i * (K + 1) + j;
          let err = 0;
          for (let p = 0; p < P; p++) err += (decoded[at * P + p] - ta[i * P + p]) ** 2;
          const j0 = lam * err + this.bitsInCluster(cand.subarray(at * E, (at + 1) * E), clusters[i], tables);
          if (j0 < bestScore) {
            bestScore = j0;
            best = j;
          }
        }
        if (bestScore < score[i]) {
          const at = i * (K + 1) + best;
          s.set(cand.subarray(at * E, (at + 1) * E), active[i] * E);
          next.push(active[i]);
        }
      }
      active = next;
    }
    return s;
  }

  /** Estimated change in J of each move (2E: element m % E, step -1 if m < E else +1):
   * the exact change in bits under cluster k (Infinity off its range), plus lambda
   * times the first-order change in SSE and the curvature. */
  estimates(symbols, k, tables, lam, gradient, curvature) {
    const E = symbols.length;
    const t = tables.clusters[k];
    const costs = tables.costs(k);
    const est = new Float64Array(2 * E);
    for (let e = 0; e < E; e++) {
      const i = symbols[e] - t.offsets[e];
      const size = t.sizes[e];
      const now = costs[t.starts[e] + Math.min(Math.max(i, 0), size - 1)];
      for (const [m, step] of [[e, -1], [E + e, 1]]) {
        const j = i + step;
        const bits = j >= 0 && j < size ? (costs[t.starts[e] + j] - now) / Q16 : Infinity;
        est[m] = bits + lam * (step * gradient[e] + curvature[e]);
      }
    }
    return est;
  }

  /** Bits of symbols (E) in cluster k; Infinity if one lies off its range (never less than the file spends). */
  bitsInCluster(symbols, k, tables) {
    const t = tables.clusters[k];
    const costs = tables.costs(k);
    let q16 = 0;
    for (let e = 0; e < symbols.length; e++) {
      const i = symbols[e] - t.offsets[e];
      if (i < 0 || i >= t.sizes[e]) return Infinity;
      q16 += costs[t.starts[e] + i];
    }
    return q16 / Q16;
  }
}
