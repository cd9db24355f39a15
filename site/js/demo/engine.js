// The demo's engine: TensorFlow.js and its backend, the codec twin
// (site/js/aec/), compress, decompress and MNIST preprocessing. The only demo
// module that imports the twin, so a change of the twin's API is met here
// alone; the other modules take the codec's constants and rules from this one.
//
// It runs where client.js puts it: in the demo's Web Worker (worker.js, with
// WebGL on an OffscreenCanvas), so the page never waits for the networks, or
// on the page itself where a worker cannot run the codec. Either way its work
// is engineOps(): plain messages in, plain (cloneable) values out.
//
// tf.js (about 1 MB) and the models are fetched by loadEngine() only, which
// client.js calls when a demo starts: on the slides when the Demo slide is
// shown, on the demo page after its first paint. Loading this module itself
// fetches only the twin's small pixels.js and preprocess.js, which the page
// needs for drawings.
//
// The first answer comes from tf.js' CPU backend: WebGL's first run of a
// network compiles its shaders (about 1.2 s on SwiftShader), the CPU backend
// needs none (notes/first-answer.md). The first decompress then switches to
// WebGL, which runs everything after it (the search included).

import { SIZE } from "../aec/pixels.js";
import { preprocess, toGray } from "../aec/preprocess.js";
import { bitSplit, latentOrder } from "../aec/bits.js";
import { decodeStream, encodeDigits } from "../aec/format.js";
import { TableSet } from "../aec/tables.js";
import { webglAvailable } from "./webgl.js";

export const PIXELS = SIZE * SIZE;
export { SIZE, preprocess };
export { bitsText, ONE_BIT } from "../aec/bits.js";

const MODELS_URL = new URL("../../models/", import.meta.url).href;
// The CPU backend, where a `tf` loaded elsewhere lacks it (tfjs.js has it).
const TFJS_CPU_URL = new URL("../../vendor/tfjs/tf-backend-cpu.es2017.min.js", import.meta.url).href;

/** Luma of RGBA pixels as the codec computes it (opaque pixels: (299 R + 587 G + 114 B + 500) // 1000). */
export function gray(rgba, width, height) {
  return Uint8Array.from(toGray(rgba, width, height));
}

/** tf.js: core, WebGL backend and graph-model converter (tfjs.js), once; and the gradients
 * the encoder's search needs, which those bundles lack (gradients.js). */
async function loadTf() {
  const gradients = import("./gradients.js"); // fetched while tf.js is
  gradients.catch(() => {}); // a failure is reported below, where it is awaited
  if (!globalThis.tf?.loadGraphModel) await import("./tfjs.js");
  const tf = globalThis.tf;
  if (!tf || typeof tf.setBackend !== "function") {
    throw new Error("TensorFlow.js did not load (vendor/tfjs/*.js)");
  }
  if (!tf.findBackendFactory("cpu")) await import(TFJS_CPU_URL); // a `tf` loaded before this module
  (await gradients).registerGradients(tf);
  return tf;
}

/** WebGL when allowed and it starts, else the CPU backend: {backend, fallback}. Either
 * way the CPU backend is the current one, for the first answer. */
async function chooseBackend(tf, webgl) {
  let backend = "cpu";
  if (webgl && webglAvailable()) {
    try {
      if (await tf.setBackend("webgl")) await tf.ready();
    } catch {
      /* the CPU backend, below */
    }
    if (tf.findBackend("webgl") && tf.getBackend() === "webgl") backend = "webgl";
  }
  if (await tf.setBackend("cpu")) {
    await tf.ready();
    return { backend, fallback: backend !== "webgl" };
  }
  throw new Error("no TensorFlow.js backend could be started");
}

/** Version 4: the leading bits every value of the head's interval shares (the file's first bits,
 * whatever follows the head); 0 for other versions. */
function headPrefix(split, bytes, prior) {
  if (!split.headQ16) return 0;
  const cdf = prior.head.cdf(prior.element(bytes.length));
  const s = prior.symbol(split.modelId, split.clusters[0]);
  const lo = cdf[s] * 2 ** 16; // the head's interval of the 32-bit code: [lo, hi]
  const hi = cdf[s + 1] * 2 ** 16 - 1;
  let k = 0;
  while (k < 32 && Math.floor(lo / 2 ** (31 - k)) === Math.floor(hi / 2 ** (31 - k))) k++;
  return k;
}

/** The loaded codec, as the demo uses it. */
class Engine {
  constructor(codecs, { backend, fallback }, search = true) {
    this.codecs = codecs;
    this.search = search; // false: one pass only (the page's ?search=off)
    this.backend = backend; // where the steady work runs: "webgl" unless fallback
    this.fallback = fallback; // true when not on WebGL
    this.steady = backend === codecs.backend; // false until the first decompress switches from CPU
    this.levels = codecs.levels; // [{id, label, level, bytes}], the talk's network first
    this.defaultModelId = codecs.defaultModelId; // the level the page starts at
  }

  /** One digit (Uint8Array(784)) -> {bytes, encodeMs}: a one-digit file. With an AbortSignal, the
   * searched file (../aec/search.js), which throws an AbortError at its next round once it aborts. */
  async compress(pixels, modelId, signal = null) {
    const t0 = performance.now();
    const [bytes] = await this.codecs.compressDigits(pixels, modelId, signal ? { signal } : false);
    return { bytes, encodeMs: performance.now() - t0 };
  }

  /** The model ids the search refines (learned levels whose manifest has its settings). */
  searchIds() {
    if (!this.search) return [];
    return this.levels.map((l) => l.id).filter((id) => !!this.codecs.learnedFor(id)?.searchSettings);
  }

  /** A file -> {modelId, pixels: Uint8Array(N*784), decodeMs}. Throws with a one-line message. */
  async decompress(bytes) {
    const t0 = performance.now();
    const { modelId, images } = await this.codecs.decompressFile(bytes);
    const decodeMs = performance.now() - t0;
    if (!this.steady) await this.toSteady();
    return { modelId, pixels: images, decodeMs };
  }

  /** The first answer is out: WebGL from now on (the weights move on their first use there). */
  async toSteady() {
    this.steady = true;
    await this.codecs.tf.setBackend(this.backend);
  }

  /**
   * A valid file whose tables are loaded (decompress it first) -> where its bits go
   * (bits.js' split), its first digit's latents (symbols), their range in cluster 0
   * (lows, highs), the model's latentShape, its latents most-used first (order) and, for
   * version 4, headPrefix: how many leading bits the head (model and cluster) alone fixes.
   */
  inspect(bytes) {
    const { tables, maxDigits, prior } = this.codecs;
    const split = bitSplit(bytes, tables, { maxDigits, prior });
    const t = TableSet.of(tables.get(split.modelId)); // the talk's network has plain tables
    const E = t.numElements;
    const { rows } = decodeStream(bytes, tables, { maxDigits, prior });
    const c0 = t.clusters[0];
    const highs = Int32Array.from(c0.offsets, (o, e) => o + c0.sizes[e] - 1);
    return { ...split, latentShape: this.codecs.codecFor(split.modelId).latentShape, headPrefix: headPrefix(split, bytes, prior),
      symbols: t.symbols(rows).slice(0, E), lows: Int32Array.from(c0.offsets), highs, order: latentOrder(t) };
  }

  /** A learned level's latents (Int32Array(E), clamped as the encoder clamps) -> {bytes, pixels}. */
  async fromSymbols(modelId, symbols) {
    const t = this.codecs.tables.get(modelId);
    const rows = t.choose(symbols);
    const [bytes] = encodeDigits(modelId, rows, t, { prior: this.codecs.prior });
    return { bytes, pixels: await this.codecs.codecFor(modelId).decodeRows(rows, modelId) };
  }

  /**
   * Two digits (Uint8Array(784) each) at a learned level -> the walk from the first's
   * latents to the second's, `steps` steps, each taking a further share of the second's
   * latents, most-used first: {frames: [{bytes, swapped}], pixels: Uint8Array(frames*784)}.
   * Frame 0 and the last are the two digits' own files: searched, as the demo shows them.
   */
  async morph(modelId, a, b, steps) {
    const codec = this.codecs.codecFor(modelId);
    const t = this.codecs.tables.get(modelId);
    const E = t.numElements;
    const both = new Uint8Array(2 * PIXELS);
    both.set(a);
    both.set(b, PIXELS);
    const ends = this.searchIds().includes(modelId)
      ? t.symbols(await codec.encodeRows(both, modelId, true))
      : await codec.encodeSymbols(both, modelId);
    const order = latentOrder(t);
    const symbols = new Int32Array((steps + 1) * E);
    const swapped = [];
    for (let i = 0; i <= steps; i++) {
      const k = Math.round((i * E) / steps);
      const frame = ends.slice(0, E);
      for (const e of order.subarray(0, k)) frame[e] = ends[E + e];
      symbols.set(frame, i * E);
      swapped.push(k);
    }
    const rows = t.choose(symbols);
    const files = encodeDigits(modelId, rows, t, { prior: this.codecs.prior });
    const pixels = await codec.decodeRows(rows, modelId);
    return { frames: files.map((bytes, i) => ({ bytes, swapped: swapped[i] })), pixels };
  }
}

/**
 * A fetch for loadCodecs() whose first answers were asked for early: the manifest now,
 * and once it and the loader are in, the loader's firstAnswerFiles(), so they arrive
 * while tf.js loads, not after it. The loader still checks every file's sha256.
 */
function prefetching(base, loader) {
  const early = new Map(); // URL -> Promise of its Response, handed out once
  const get = (path) => {
    const url = new URL(path, base).href;
    const response = fetch(url, { cache: "no-cache" }); // as the loader asks
    response.catch(() => {}); // a failure is the loader's to report, when it asks
    early.set(url, response);
    return response;
  };
  const manifest = get("manifest.json").then((r) => r.clone().json());
  Promise.all([manifest, loader]).then(([m, { firstAnswerFiles }]) => firstAnswerFiles(m).forEach(get))
    .catch(() => {}); // no prefetch: the loader fetches as it goes
  return (url, init) => {
    const response = early.get(url);
    early.delete(url);
    return response ?? fetch(url, init);
  };
}

/** tf.js on WebGL (when `webgl` and this context has it, else CPU) and the models of
 * site/models/; `search`: false for one pass only. */
export async function loadEngine({ webgl = true, search = true } = {}) {
  const loader = import("../aec/loader.js"); // fetched while tf.js is
  loader.catch(() => {}); // a failure is reported below, where it is awaited
  const fetchEarly = prefetching(MODELS_URL, loader);
  const tf = await loadTf();
  const backends = await chooseBackend(tf, webgl);
  const { loadCodecs } = await loader;
  const codecs = await loadCodecs(MODELS_URL, { fetch: fetchEarly });
  if (!codecs.levels.length) throw new Error("the model manifest lists no models");
  return new Engine(codecs, backends, search);
}

/**
 * The engine's operations by name, each taking and returning cloneable values:
 * what worker.js answers to messages, and what client.js calls directly when
 * the engine runs on the page. `rgbaOf(image)` turns an image (an ImageBitmap)
 * into {data, width, height}.
 */
export function engineOps(rgbaOf) {
  let engine = null;
  const loaded = () => {
    if (!engine) throw new Error("the codec is not loaded");
    return engine;
  };
  // The running search's controller. Ops run concurrently (the search awaits between its
  // rounds), so a cancel or a newer digit's compress is answered while a search runs.
  let searching = null;
  const cancel = () => {
    searching?.abort();
    searching = null;
    return null;
  };
  return {
    async load({ webgl, search }) {
      engine = await loadEngine({ webgl, search });
      const { levels, backend, fallback, defaultModelId } = engine;
      return { levels, backend, fallback, defaultModelId, searchIds: engine.searchIds() };
    },
    /** A new digit's one-pass file: any search still running is for an older digit. */
    compress: ({ pixels, modelId }) => {
      cancel();
      return loaded().compress(pixels, modelId);
    },
    /** The searched file; the previous search, if any, is cancelled. */
    async search({ pixels, modelId }) {
      cancel();
      const controller = new AbortController();
      searching = controller;
      try {
        return await loaded().compress(pixels, modelId, controller.signal);
      } finally {
        if (searching === controller) searching = null;
      }
    },
    cancel,
    decompress: ({ bytes }) => loaded().decompress(bytes),
    inspect: ({ bytes }) => loaded().inspect(bytes),
    fromSymbols: ({ modelId, symbols }) => loaded().fromSymbols(modelId, symbols),
    morph: ({ modelId, a, b, steps }) => loaded().morph(modelId, a, b, steps),
    /** An image -> MNIST-style Uint8Array(784) (all zeros when it shows no ink); needs no models. */
    image: ({ image }) => {
      const { data, width, height } = rgbaOf(image);
      return preprocess(data, width, height);
    },
  };
}
