// The demo's engine: TensorFlow.js' backend, the codec twin (site/js/aec/),
// compress and decompress. The only demo module that imports the twin, so a
// change of the twin's API is met here alone; the other modules take the
// codec's constants and rules from this one.
//
// Imported statically: the twin is about 60 KB of plain JavaScript (the Demo
// slide loads tf.js, about 1 MB, anyway), so loading it only when the slide is
// shown would save little; what is heavy, the models, is fetched by getEngine().

import { loadCodecs } from "../aec/loader.js";
import { SIZE } from "../aec/pixels.js";
import { preprocess, toGray } from "../aec/preprocess.js";

export const PIXELS = SIZE * SIZE;
export { SIZE, preprocess };

const MODELS_URL = new URL("../../models/", import.meta.url).href;

/** Luma of RGBA pixels as the codec computes it (opaque pixels: (299 R + 587 G + 114 B + 500) // 1000). */
export function gray(rgba, width, height) {
  return Uint8Array.from(toGray(rgba, width, height));
}

/** The tf.js backend in use now, or "–" (for a page whose engine failed). */
export function currentBackend() {
  return globalThis.tf?.getBackend?.() || "–";
}

// Whether any WebGL context can be made (tf.js' own attempt logs warnings when not).
function webglAvailable() {
  const canvases = [];
  if (typeof OffscreenCanvas !== "undefined") canvases.push(() => new OffscreenCanvas(1, 1));
  canvases.push(() => document.createElement("canvas"));
  for (const make of canvases) {
    for (const type of ["webgl2", "webgl"]) {
      try {
        const gl = make().getContext(type);
        if (gl) {
          gl.getExtension("WEBGL_lose_context")?.loseContext(); // give the context back
          return true;
        }
      } catch {
        /* next */
      }
    }
  }
  return false;
}

/** WebGL when the browser has it, else the first of wasm / cpu that starts: {backend, fallback}. */
async function chooseBackend(tf) {
  let ok = false;
  try {
    ok = webglAvailable() && (await tf.setBackend("webgl"));
    if (ok) await tf.ready();
  } catch {
    ok = false;
  }
  if (ok && tf.getBackend() === "webgl") return { backend: "webgl", fallback: false };
  for (const name of ["wasm", "cpu"]) {
    if (!tf.findBackendFactory(name)) continue;
    try {
      if (await tf.setBackend(name)) {
        await tf.ready();
        return { backend: name, fallback: true };
      }
    } catch {
      /* try the next one */
    }
  }
  throw new Error("no TensorFlow.js backend could be started");
}

/** The loaded codec, as the demo uses it. */
class Engine {
  constructor(codecs, backend, fallback) {
    this.codecs = codecs;
    this.backend = backend;
    this.fallback = fallback; // true when not on WebGL
    this.levels = codecs.levels; // [{id, label}], the talk's network first
    this.warm = new Set(); // model ids that have run once
  }

  /** One digit (Uint8Array(784)) -> {bytes, encodeMs}: a one-digit file. */
  async compress(pixels, modelId) {
    const t0 = performance.now();
    const [bytes] = await this.codecs.compress(pixels, modelId);
    return { bytes, encodeMs: performance.now() - t0 };
  }

  /** A file -> {modelId, images: Uint8Array(784)[], decodeMs}. Throws with a one-line message. */
  async decompress(bytes) {
    const t0 = performance.now();
    const { modelId, images } = await this.codecs.decompress(bytes);
    const digits = [];
    for (let i = 0; i < images.length; i += PIXELS) digits.push(images.subarray(i, i + PIXELS));
    return { modelId, images: digits, decodeMs: performance.now() - t0 };
  }

  // True the first time a model runs on this page: its time includes one-off
  // work (WebGL shader compilation, weight upload).
  firstRun(modelId) {
    const first = !this.warm.has(modelId);
    this.warm.add(modelId);
    return first;
  }
}

async function loadEngine() {
  const tf = globalThis.tf;
  if (!tf || typeof tf.setBackend !== "function") {
    throw new Error("TensorFlow.js did not load (vendor/tfjs/*.js)");
  }
  const { fallback } = await chooseBackend(tf);
  const codecs = await loadCodecs(MODELS_URL);
  if (!codecs.levels.length) throw new Error("the model manifest lists no models");
  return new Engine(codecs, codecs.backend, fallback);
}

let enginePromise = null;

/** The page's one engine (every demo on the page shares it), loaded on the first call. */
export function getEngine() {
  if (!enginePromise) enginePromise = loadEngine();
  return enginePromise;
}
