// The page's handle on the engine (engine.js): it runs in a Web Worker
// (worker.js) when the browser can, so the main thread only draws; on the
// page itself when it cannot (no module workers), or when the worker's
// OffscreenCanvas has no WebGL but the page has (e.g. older Safari). Either
// way the demo sees the same object:
//
//   const engine = await getEngine();   // tf.js + models, loaded once per page
//   engine.backend, engine.fallback, engine.levels, engine.defaultModelId, engine.thread ("worker" | "page")
//   await engine.compress(pixels, id)    -> {bytes, encodeMs}
//   await engine.search(pixels, id, signal) -> {bytes, encodeMs}: the searched file; an aborted
//                                           signal rejects at once with an AbortError
//   engine.searchIds                     -> the model ids the search refines
//   await engine.decompress(bytes)       -> {modelId, images: [Uint8Array(784)], decodeMs}
//   await imageDigit(bitmap)             -> Uint8Array(784), MNIST-style (needs no models)
//   await engine.inspect(bytes)          -> where a decompressed file's bits go, its latents (engine.js)
//   await engine.fromSymbols(id, latents) -> {bytes, images: [Uint8Array(784)]}
//   await engine.morph(id, a, b, steps)  -> {frames: [{bytes, swapped}], images: [Uint8Array(784), ...]}

import { SIZE } from "../aec/pixels.js";
import { imageRgba } from "./images.js";
import { webglAvailable } from "./webgl.js";

// engine.js (and the twin's modules it imports) is not imported here: index.js starts the
// worker with this module alone, before the page's other modules have loaded.
const WORKER_URL = new URL("./worker.js", import.meta.url);
const PIXELS = SIZE * SIZE;

function abortError() {
  const err = new Error("search cancelled");
  err.name = "AbortError";
  return err;
}

/** The worker could not run (its script failed, or it died): the page takes over. */
class WorkerFailed extends Error {}

/** Calls into a worker.js worker: call(op, args, transfer) -> Promise of its answer. */
class WorkerTransport {
  constructor() {
    this.thread = "worker";
    this.worker = new Worker(WORKER_URL, { type: "module" });
    this.pending = new Map();
    this.nextId = 1;
    this.failure = null;
    this.worker.addEventListener("message", (e) => {
      const { id, value, error, aborted } = e.data;
      const p = this.pending.get(id);
      if (!p) return;
      this.pending.delete(id);
      if (error !== undefined) p.reject(aborted ? abortError() : new Error(error));
      else p.resolve(value);
    });
    const fail = (e) => {
      e.preventDefault?.(); // reported through the promises, not the console
      this.failure = new WorkerFailed(`the demo's worker failed (${e.message || "its script did not run"})`);
      for (const p of this.pending.values()) p.reject(this.failure);
      this.pending.clear();
    };
    this.worker.addEventListener("error", fail);
    this.worker.addEventListener("messageerror", fail);
  }

  call(op, args, transfer = []) {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, op, args }, transfer);
    });
  }

  close() {
    this.worker.terminate();
  }
}

/** The same operations on the page's main thread. */
class PageTransport {
  constructor() {
    this.thread = "page";
    this.ops = import("./engine.js").then(({ engineOps }) => engineOps(imageRgba));
  }

  async call(op, args) {
    return (await this.ops)[op](args);
  }

  close() {}
}

function startTransport() {
  try {
    if (typeof Worker !== "undefined") return new WorkerTransport();
  } catch {
    /* e.g. workers refused by a policy: run on the page */
  }
  return new PageTransport();
}

class EngineClient {
  constructor() {
    this.transport = startTransport();
    this.warm = new Set(); // model ids that have run once
    this.levels = [];
    this.defaultModelId = null;
    this.searchIds = [];
    this.backend = null;
    this.fallback = false;
  }

  get thread() {
    return this.transport.thread;
  }

  /** Run `op`; if the worker failed, again on the page. */
  async call(op, args, transfer) {
    try {
      return await this.transport.call(op, args, transfer);
    } catch (e) {
      if (!(e instanceof WorkerFailed)) throw e;
      this.usePage();
      return this.transport.call(op, args);
    }
  }

  usePage() {
    this.transport.close();
    this.transport = new PageTransport();
  }

  /** tf.js and the models. Throws with a one-line message. The address's `?search=off`
   * turns the encoder's search off: one pass only, as the demo was before it searched. */
  async load() {
    const webgl = webglAvailable();
    const search = new URLSearchParams(globalThis.location?.search).get("search") !== "off";
    let info = await this.call("load", { webgl, search });
    if (info.fallback && webgl && this.thread === "worker") {
      this.usePage(); // the worker has no WebGL, the page does
      info = await this.call("load", { webgl, search });
    }
    Object.assign(this, info);
    return this;
  }

  /** One digit -> {bytes, encodeMs}. The pixels are copied, never taken from the caller. */
  compress(pixels, modelId) {
    const copy = Uint8Array.from(pixels);
    return this.call("compress", { pixels: copy, modelId }, [copy.buffer]);
  }

  /**
   * One digit -> the searched file {bytes, encodeMs}. When `signal` aborts, the promise
   * rejects at once (an AbortError) and the engine stops the search at its next round,
   * so a stale search never holds up or replaces a newer digit.
   */
  search(pixels, modelId, signal) {
    const copy = Uint8Array.from(pixels);
    const answer = this.call("search", { pixels: copy, modelId }, [copy.buffer]);
    return new Promise((resolve, reject) => {
      const stop = () => {
        this.call("cancel", {}).catch(() => {});
        reject(abortError());
      };
      if (signal.aborted) stop();
      else signal.addEventListener("abort", stop, { once: true });
      const done = () => signal.removeEventListener("abort", stop);
      answer.then((v) => (done(), resolve(v)), (e) => (done(), reject(e)));
    });
  }

  /** A file -> {modelId, images: [Uint8Array(784)], decodeMs}. */
  async decompress(bytes) {
    const copy = Uint8Array.from(bytes);
    const { modelId, pixels, decodeMs } = await this.call("decompress", { bytes: copy }, [copy.buffer]);
    const images = [];
    for (let i = 0; i < pixels.length; i += PIXELS) images.push(pixels.subarray(i, i + PIXELS));
    return { modelId, images, decodeMs };
  }

  /** A file decompressed before -> where its bits go and its latents (engine.js' inspect). */
  inspect(bytes) {
    return this.call("inspect", { bytes: Uint8Array.from(bytes) });
  }

  /** A learned level's latents -> {bytes, images}: the file they make and its digit. */
  async fromSymbols(modelId, symbols) {
    const { bytes, pixels } = await this.call("fromSymbols", { modelId, symbols: Int32Array.from(symbols) });
    return { bytes, images: [pixels] };
  }

  /** Two digits' latents, walked in `steps` steps -> {frames: [{bytes, swapped}], images}. */
  async morph(modelId, a, b, steps) {
    const { frames, pixels } = await this.call("morph", { modelId, a: Uint8Array.from(a), b: Uint8Array.from(b), steps });
    return { frames, images: frames.map((_, i) => pixels.subarray(i * PIXELS, (i + 1) * PIXELS)) };
  }

  /** An ImageBitmap -> MNIST-style pixels (the bitmap is handed over and closed). */
  imageDigit(bitmap) {
    return this.call("image", { image: bitmap }, [bitmap]);
  }

  // True the first time a model runs on this page: its time includes one-off
  // work (WebGL shader compilation, weight upload).
  firstRun(modelId) {
    const first = !this.warm.has(modelId);
    this.warm.add(modelId);
    return first;
  }
}

let client = null;
let loading = null;

/** The page's one engine client, started (not loaded) on the first call. */
export function engineClient() {
  if (!client) client = new EngineClient();
  return client;
}

/** The page's engine, loaded on the first call (every demo on the page shares it). */
export function getEngine() {
  if (!loading) loading = engineClient().load();
  return loading;
}
