// The JavaScript twin of aec/codec.py: networks (TF.js graph models) +
// integer tables + the file format, loaded from site/models/ (written by
// `python -m converter`).
//
//   const codecs = await loadCodecs(new URL("models/", location.href).href);
//   const { bytes } = await codecs.compress(pixels, 3);       // pixels: Uint8Array(784)
//   const { modelId, images } = await codecs.decompress(bytes);
//
// Bit-compatible with Python: the networks give floats (read back to the CPU
// with data()); rounding, clamping and all entropy coding are exact integer or
// float32-exact JavaScript here, written as the Python lines they mirror:
//   talk:  q = clamp(floor(latent * (255 / scale) + 0.5), 0, 255)      (float64)
//          latent = fround(q * fround(scale / 255))                    (float32)
//   codec: symbol = floor(z + 0.5); index = clamp(symbol - offset, 0, size - 1)
//   pixels: clamp(floor(fround(fround(x * 255) + 0.5)), 0, 255)        (numpy float32)
// On the CPU backend the networks match Keras to ~1e-6, so the bytes match
// Python's (a latent within 1e-6 of a rounding boundary is the rare exception).
// WebGL computes in its own float32 order: its pixels stay within a few levels.
//
// Every file is checked against the sha256 in manifest.json before use.
//
// Names follow the Python codec (snake_case -> camelCase): encodeIndices,
// decodeIndices, compress, decompress; quantiseLatents / dequantiseLatents
// (training/talk_model.py).

import { TableSet } from "./tables.js";
import { FormatError, UnknownModel, decodeStream, encodeDigits } from "./format.js";

export { FormatError };

export const MANIFEST_VERSION = 2;
export const TALK_MODEL_ID = 0;
export const SIZE = 28;
export const PIXELS = SIZE * SIZE;
// A 5-byte file can claim 65536 digits; the browser decodes at most this many.
export const DEFAULT_MAX_DIGITS = 1024;

/** A model file or the manifest could not be fetched, parsed or verified. */
export class ModelLoadError extends Error {
  constructor(message) {
    super(message);
    this.name = "ModelLoadError";
  }
}

// ---------------------------------------------------------------------------
// SHA-256: crypto.subtle where there is one (secure origins, Node), else pure JS
// ---------------------------------------------------------------------------

const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

/** SHA-256 of bytes -> lowercase hex, in plain JavaScript (FIPS 180-4). */
export function sha256Fallback(bytes) {
  const n = bytes.length;
  const padded = new Uint8Array((((n + 8) >> 6) + 1) << 6); // message, 0x80, zeros, 64-bit length
  padded.set(bytes);
  padded[n] = 0x80;
  const view = new DataView(padded.buffer);
  view.setUint32(padded.length - 8, Math.floor(n / 0x20000000)); // n * 8, high word
  view.setUint32(padded.length - 4, (n << 3) >>> 0);
  const h = new Uint32Array([
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
  ]);
  const w = new Uint32Array(64);
  const rotr = (x, r) => (x >>> r) | (x << (32 - r));
  for (let off = 0; off < padded.length; off += 64) {
    for (let i = 0; i < 16; i++) w[i] = view.getUint32(off + 4 * i);
    for (let i = 16; i < 64; i++) {
      const s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >>> 3);
      const s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >>> 10);
      w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    let [a, b, c, d, e, f, g, hh] = h;
    for (let i = 0; i < 64; i++) {
      const t1 = (hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i]) >>> 0;
      const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) >>> 0;
      hh = g;
      g = f;
      f = e;
      e = (d + t1) >>> 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) >>> 0;
    }
    h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
  }
  return Array.from(h, (x) => x.toString(16).padStart(8, "0")).join("");
}

/** SHA-256 -> hex. crypto.subtle is missing on non-secure origins (plain http): fall back. */
export async function sha256Hex(bytes) {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) return sha256Fallback(bytes);
  const digest = new Uint8Array(await subtle.digest("SHA-256", bytes));
  return Array.from(digest, (x) => x.toString(16).padStart(2, "0")).join("");
}

// ---------------------------------------------------------------------------
// the numeric twins (see the header)
// ---------------------------------------------------------------------------

/** n images (array of 784-pixel arrays, or one flat array of n*784) -> Float32Array of pixel / 255. */
export function toFloatImages(images) {
  let flat = null; // one array of n*784 pixels, bare or as the only element of a list
  if (typeof images[0] === "number") flat = images;
  else if (images.length === 1 && images[0].length > PIXELS) flat = images[0];
  const n = flat ? flat.length / PIXELS : images.length;
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`images: expected n rows of ${PIXELS} pixels`);
  const out = new Float32Array(n * PIXELS);
  for (let d = 0; d < n; d++) {
    const src = flat ? flat.slice(d * PIXELS, (d + 1) * PIXELS) : images[d];
    if (src.length !== PIXELS) throw new RangeError(`images: expected ${PIXELS} pixels, got ${src.length}`);
    for (let i = 0; i < PIXELS; i++) {
      const p = src[i];
      if (!Number.isInteger(p) || p < 0 || p > 255) throw new RangeError("images: pixels must be integers 0..255");
      out[d * PIXELS + i] = p / 255; // == float32(p) / float32(255) for all 256 values
    }
  }
  return out;
}

/** Decoder output (floats, 784 per digit) -> Uint8Array(784)[] exactly as numpy's float32 _to_uint8. */
export function toUint8Images(x) {
  const images = [];
  for (let d = 0; d < x.length / PIXELS; d++) {
    const img = new Uint8Array(PIXELS);
    for (let i = 0; i < PIXELS; i++) {
      const v = Math.floor(Math.fround(Math.fround(x[d * PIXELS + i] * 255) + 0.5));
      img[i] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
    images.push(img);
  }
  return images;
}

/** Talk latents (ReLU outputs) -> integers 0..255, round half up (training/talk_model.py). */
export function quantiseLatents(latents, scale) {
  const k = 255.0 / scale;
  const q = new Int32Array(latents.length);
  for (let i = 0; i < latents.length; i++) {
    const v = Math.floor(latents[i] * k + 0.5);
    q[i] = v < 0 ? 0 : v > 255 ? 255 : v;
  }
  return q;
}

/** Integers -> float32 latents: q * float32(scale / 255), in float32. */
export function dequantiseLatents(q, scale) {
  const step = Math.fround(scale / 255.0);
  return Float32Array.from(q, (v) => Math.fround(v * step));
}

/** Encoder floats z (digit-major, E per digit) -> rows (Int32Array[]): rounded, then
 * TableSet.choose picks each digit's cluster (Python LearnedCodec.encode_indices). */
export function latentsToIndices(z, tables) {
  const E = tables.numElements;
  const rows = [];
  for (let d = 0; d < z.length / E; d++) {
    const symbols = new Float64Array(E);
    for (let e = 0; e < E; e++) symbols[e] = Math.floor(z[d * E + e] + 0.5);
    rows.push(tables.choose(symbols));
  }
  return rows;
}

function flattenRows(rows, E) {
  const flat = new Int32Array(rows.length * E);
  rows.forEach((row, d) => {
    if (row.length !== E) throw new RangeError(`indices: expected rows of ${E}, got ${row.length}`);
    flat.set(row, d * E);
  });
  return flat;
}

// ---------------------------------------------------------------------------
// loading
// ---------------------------------------------------------------------------

async function fetchBytes(fetchFn, url) {
  let response;
  try {
    // no-cache: revalidate, so a new manifest never meets an old cached shard
    response = await fetchFn(url, { cache: "no-cache" });
  } catch (err) {
    throw new ModelLoadError(`${url}: could not be fetched (${err.message})`);
  }
  if (!response.ok) throw new ModelLoadError(`${url}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

function parseJSON(bytes, what) {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (err) {
    throw new ModelLoadError(`${what}: not JSON (${err.message})`);
  }
}

function checkManifest(m) {
  if (m === null || typeof m !== "object" || !("format_version" in m)) {
    throw new ModelLoadError("manifest.json: not a model manifest (no format_version)");
  }
  if (m.format_version !== MANIFEST_VERSION) {
    throw new ModelLoadError(`manifest.json: format version ${m.format_version}, this page reads ${MANIFEST_VERSION}`);
  }
  for (const key of ["models", "tables", "networks", "files"]) {
    if (!m[key] || typeof m[key] !== "object") throw new ModelLoadError(`manifest.json: "${key}" is missing`);
  }
}

/** Fetch one file listed in the manifest; refuse it unless size and sha256 match. */
async function fetchVerified(fetchFn, baseUrl, manifest, path) {
  const entry = manifest.files[path];
  if (!entry) throw new ModelLoadError(`${path}: not listed in manifest.json; refusing to load it`);
  const bytes = await fetchBytes(fetchFn, new URL(path, baseUrl).href);
  const digest = await sha256Hex(bytes);
  if (bytes.length !== entry.bytes || digest !== entry.sha256) {
    throw new ModelLoadError(
      `${path}: sha256 mismatch (got ${digest.slice(0, 12)}… with ${bytes.length} bytes, ` +
        `manifest.json says ${String(entry.sha256).slice(0, 12)}… with ${entry.bytes}); ` +
        "refusing a model file that differs from the manifest",
    );
  }
  return bytes;
}

/** One converted network: a tf.GraphModel built from verified bytes in memory. */
class Network {
  constructor(tf, model, spec) {
    this.tf = tf;
    this.model = model;
    this.inputNames = spec.inputs; // signature keys, in the Keras model's input order
  }

  static async load(tf, fetchFn, baseUrl, manifest, name) {
    const spec = manifest.networks[name];
    if (!spec) throw new ModelLoadError(`manifest.json: no network "${name}"`);
    const dir = spec.model.slice(0, spec.model.lastIndexOf("/") + 1);
    const modelJson = parseJSON(await fetchVerified(fetchFn, baseUrl, manifest, spec.model), spec.model);
    const groups = modelJson.weightsManifest ?? [];
    const paths = groups.flatMap((g) => g.paths.map((p) => dir + p)); // weight data is their concatenation
    const shards = await Promise.all(paths.map((path) => fetchVerified(fetchFn, baseUrl, manifest, path)));
    const weightData = new Uint8Array(shards.reduce((s, b) => s + b.length, 0));
    let at = 0;
    for (const b of shards) {
      weightData.set(b, at);
      at += b.length;
    }
    const artifacts = {
      modelTopology: modelJson.modelTopology,
      format: modelJson.format,
      generatedBy: modelJson.generatedBy,
      convertedBy: modelJson.convertedBy,
      signature: modelJson.signature,
      userDefinedMetadata: modelJson.userDefinedMetadata,
      weightSpecs: groups.flatMap((g) => g.weights),
      weightData: weightData.buffer,
    };
    let model;
    try {
      model = await tf.loadGraphModel(tf.io.fromMemory(artifacts));
    } catch (err) {
      throw new ModelLoadError(`${spec.model}: TensorFlow.js could not load it (${err.message})`);
    }
    return new Network(tf, model, spec);
  }

  /** inputs: [{data: Float32Array, shape}] in Keras order -> Float32Array of the output. */
  async run(inputs) {
    const tf = this.tf;
    const out = tf.tidy(() => {
      const feed = {};
      inputs.forEach((x, i) => {
        feed[this.inputNames[i]] = tf.tensor(x.data, x.shape, "float32");
      });
      return this.model.execute(feed);
    });
    try {
      // dataSync, not data(): for these tiny outputs a blocking read is faster
      // than WebGL's fence polling, which waits for the next poll tick.
      return out.dataSync();
    } finally {
      out.dispose();
    }
  }

  dispose() {
    this.model.dispose();
  }
}

function oneHot(level, levels, n) {
  const x = new Float32Array(n * levels);
  for (let d = 0; d < n; d++) x[d * levels + level - 1] = 1;
  return { data: x, shape: [n, levels] };
}

/**
 * Fetch manifest.json from baseUrl (a folder URL ending in "/"), verify and load
 * every network it lists. Options: tf (default: the global tf of tf.min.js),
 * fetch (default: globalThis.fetch), maxDigits (largest stream decompress accepts).
 * Throws ModelLoadError with a one-line reason.
 */
export async function loadCodecs(baseUrl, { tf = globalThis.tf, fetch = globalThis.fetch, maxDigits } = {}) {
  if (!tf || typeof tf.loadGraphModel !== "function") {
    throw new ModelLoadError("TensorFlow.js is not loaded (no tf with loadGraphModel)");
  }
  const fetchFn = (url, init) => fetch(url, init);
  const base = new URL(baseUrl, globalThis.location?.href).href;
  const manifest = parseJSON(await fetchBytes(fetchFn, new URL("manifest.json", base).href), "manifest.json");
  checkManifest(manifest);
  await tf.ready();
  const names = ["talk", "codec"]
    .filter((part) => manifest[part])
    .flatMap((part) => [manifest[part].encoder, manifest[part].decoder]);
  const loaded = await Promise.allSettled(names.map((name) => Network.load(tf, fetchFn, base, manifest, name)));
  const failed = loaded.find((r) => r.status === "rejected");
  if (failed) {
    for (const r of loaded) if (r.status === "fulfilled") r.value.dispose();
    throw failed.reason;
  }
  const networks = Object.fromEntries(names.map((name, i) => [name, loaded[i].value]));
  const codecs = new Codecs(tf, manifest, networks, maxDigits ?? DEFAULT_MAX_DIGITS, fetchFn, base);
  await codecs.loadTables(manifest.models[0]?.id ?? TALK_MODEL_ID); // the first model's, to fail early
  return codecs;
}

// ---------------------------------------------------------------------------
// the codec
// ---------------------------------------------------------------------------

export class Codecs {
  constructor(tf, manifest, networks, maxDigits, fetchFn, baseUrl) {
    this.tf = tf;
    this.manifest = manifest;
    this.tables = new Map(); // model id -> TableSet, filled by loadTables
    this.networks = networks; // name -> Network (talk_encoder, ...)
    this.maxDigits = maxDigits;
    this.fetchFn = fetchFn;
    this.baseUrl = baseUrl;
    this.levels = manifest.models.map((m) => ({ id: m.id, label: m.label }));
  }

  /** Fetch (once) and verify a model's coding tables. Throws ModelLoadError or RangeError. */
  async loadTables(modelId) {
    if (this.tables.has(modelId)) return this.tables.get(modelId);
    const path = this.manifest.tables[modelId];
    if (typeof path !== "string") {
      throw new RangeError(`no model ${modelId} (models: ${this.levels.map((l) => l.id).join(", ")})`);
    }
    const json = parseJSON(await fetchVerified(this.fetchFn, this.baseUrl, this.manifest, path), path);
    let tables;
    try {
      tables = TableSet.fromJSON(json);
    } catch (err) {
      throw new ModelLoadError(`${path}: tables of model ${modelId}: ${err.message}`);
    }
    this.tables.set(modelId, tables);
    return tables;
  }

  get backend() {
    return this.tf.getBackend();
  }

  /** The model's network part of the manifest, with its tables loaded. */
  async part(modelId) {
    const m = this.manifest.models.find((x) => x.id === modelId);
    if (!m) throw new RangeError(`no model ${modelId} (models: ${this.levels.map((l) => l.id).join(", ")})`);
    await this.loadTables(modelId);
    return this.manifest[m.network];
  }

  /** images (Uint8Array(784)[], or one flat n*784 array) -> Int32Array[] of indices (Python encode_indices). */
  async encodeIndices(images, modelId) {
    const part = await this.part(modelId);
    const x = toFloatImages(images);
    const n = x.length / PIXELS;
    const image = { data: x, shape: [n, SIZE, SIZE, 1] };
    const encoder = this.networks[part.encoder];
    if (modelId === TALK_MODEL_ID) {
      const q = quantiseLatents(await encoder.run([image]), part.latent_scale);
      const E = this.tables.get(modelId).numElements;
      return Array.from({ length: n }, (_, d) => q.slice(d * E, (d + 1) * E));
    }
    const z = await encoder.run([image, oneHot(modelId, part.levels, n)]);
    return latentsToIndices(z, this.tables.get(modelId));
  }

  /** rows (Int32Array[]) -> Uint8Array(784)[] (Python decode_indices). */
  async decodeIndices(rows, modelId) {
    const part = await this.part(modelId);
    const tables = this.tables.get(modelId);
    const n = rows.length;
    const shape = [n, ...part.latent_shape];
    const decoder = this.networks[part.decoder];
    if (modelId === TALK_MODEL_ID) {
      const flat = flattenRows(rows, tables.rowLength);
      return toUint8Images(await decoder.run([{ data: dequantiseLatents(flat, part.latent_scale), shape }]));
    }
    const symbols = new Float32Array(n * tables.numElements);
    rows.forEach((row, d) => {
      if (row.length !== tables.rowLength) throw new RangeError(`rows: expected ${tables.rowLength}, got ${row.length}`);
      symbols.set(tables.symbols(row), d * tables.numElements);
    });
    return toUint8Images(await decoder.run([{ data: symbols, shape }, oneHot(modelId, part.levels, n)]));
  }

  /** One digit (Uint8Array(784), 0..255) -> {bytes, indices, encodeMs}: a one-digit file. */
  async compress(pixels, modelId) {
    const t0 = performance.now();
    const [indices] = await this.encodeIndices([pixels], modelId); // loads the tables too
    const [bytes] = encodeDigits(modelId, [indices], this.tables.get(modelId));
    return { bytes, indices, encodeMs: performance.now() - t0 };
  }

  /** A file (one digit or a stream) -> {modelId, images: Uint8Array(784)[], decodeMs}. Throws FormatError. */
  async decompress(bytes) {
    const t0 = performance.now();
    let decoded;
    try {
      decoded = decodeStream(bytes, this.tables, { maxDigits: this.maxDigits });
    } catch (err) {
      // a model whose tables are not loaded yet: load them and read again
      if (!(err instanceof UnknownModel) || typeof this.manifest.tables[err.modelId] !== "string") throw err;
      await this.loadTables(err.modelId);
      decoded = decodeStream(bytes, this.tables, { maxDigits: this.maxDigits });
    }
    const { modelId, indices } = decoded;
    const images = await this.decodeIndices(indices, modelId);
    return { modelId, images, decodeMs: performance.now() - t0 };
  }

  /** compress then decompress: {bytes, indices, image, encodeMs, decodeMs}. */
  async reconstruct(pixels, modelId) {
    const c = await this.compress(pixels, modelId);
    const d = await this.decompress(c.bytes);
    return { ...c, image: d.images[0], decodeMs: d.decodeMs };
  }

  dispose() {
    for (const net of Object.values(this.networks)) net.dispose();
  }
}
