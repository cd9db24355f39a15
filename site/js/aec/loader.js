// Loading the browser's codecs (JavaScript only: Python loads Keras models from
// disk, TalkCodec.load / LearnedCodec.load in aec/codec.py). Reads
// manifest.json from a models folder written by `python -m converter`, checks
// every file against the sha256 the manifest gives, builds the TF.js graph
// models in memory and wraps them as codec.js's networks.
//
//   const codecs = await loadCodecs(new URL("models/", location.href).href);
//   const [bytes] = await codecs.compressDigits(pixels, 3);  // pixels: Uint8Array(784)
//   const { modelId, images } = await codecs.decompressFile(bytes);
//
// Each level's tables are fetched (and checked) when the level is first used, and
// so are the networks of a model the manifest marks lazy (lazy_bytes: every learned
// model but the default level's), so the first view downloads only the talk's and the default's.
// The version-4 head's table (the manifest's model_prior, model_prior.js) comes with
// the first level's tables, or before a file whose first bit is 0 is read; a manifest
// without one gives codecs without a prior, which write versions 2 and 3.

import { Codecs, LearnedCodec, TalkCodec } from "./codec.js";
import { UnknownModel } from "./format.js";
import { sseAndGradient } from "./gradient.js";
import { qualityOf } from "./levels.js";
import { ModelPrior } from "./model_prior.js";
import { TableSet } from "./tables.js";

export const MANIFEST_VERSION = 3; // converter/convert.py's (3: several learned models, some loaded on first use)
// A 5-byte file can claim 65536 digits; the browser decodes at most this many.
const BROWSER_MAX_DIGITS = 1024;

/** A model file or the manifest could not be fetched, parsed or verified. */
export class ModelLoadError extends Error {
  constructor(message) {
    super(message);
    this.name = "ModelLoadError";
  }
}

import { sha256Fallback, sha256Hex } from "./sha256.js";

export { sha256Fallback, sha256Hex };

// ---------------------------------------------------------------------------
// fetching verified files
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

/** The files of one manifest, each fetched and refused unless its size and sha256 match. */
class ModelFiles {
  constructor(fetchFn, baseUrl, manifest) {
    this.fetchFn = fetchFn;
    this.baseUrl = baseUrl;
    this.manifest = manifest;
  }

  async bytes(path) {
    const entry = this.manifest.files[path];
    if (!entry) throw new ModelLoadError(`${path}: not listed in manifest.json; refusing to load it`);
    const bytes = await fetchBytes(this.fetchFn, new URL(path, this.baseUrl).href);
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

  async json(path) {
    return parseJSON(await this.bytes(path), path);
  }
}

// ---------------------------------------------------------------------------
// networks
// ---------------------------------------------------------------------------

/** One converted network: a tf.GraphModel built from verified bytes in memory. */
class Network {
  constructor(tf, model, spec) {
    this.tf = tf;
    this.model = model;
    this.inputNames = spec.inputs; // signature keys, in the Keras model's input order
  }

  static async load(tf, files, name) {
    const spec = files.manifest.networks[name];
    if (!spec) throw new ModelLoadError(`manifest.json: no network "${name}"`);
    const dir = spec.model.slice(0, spec.model.lastIndexOf("/") + 1);
    const modelJson = await files.json(spec.model);
    const groups = modelJson.weightsManifest ?? [];
    const paths = groups.flatMap((g) => g.paths.map((p) => dir + p)); // weight data is their concatenation
    const shards = await Promise.all(paths.map((path) => files.bytes(path)));
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

  /** inputs as run's (the symbols first), target {data, shape} of the output -> {sse, gradient} (gradient.js). */
  async sseAndGradient(inputs, target) {
    const tf = this.tf;
    const feed = {};
    inputs.forEach((x, i) => {
      feed[this.inputNames[i]] = tf.tensor(x.data, x.shape, "float32");
    });
    const t = tf.tensor(target.data, target.shape, "float32");
    try {
      return sseAndGradient(tf, this.model, feed, this.inputNames[0], t);
    } finally {
      tf.dispose([t, ...Object.values(feed)]);
    }
  }

  dispose() {
    this.model.dispose();
  }
}

/** A network fetched, verified and built on first use; a failed load is tried again next time. */
class LazyNetwork {
  constructor(load) {
    this.loadFn = load;
    this.promise = null;
    this.network = null;
  }

  load() {
    this.promise ??= this.loadFn().then(
      (network) => (this.network = network),
      (err) => {
        this.promise = null;
        throw err;
      },
    );
    return this.promise;
  }

  async run(inputs) {
    return (await this.load()).run(inputs);
  }

  async sseAndGradient(inputs, target) {
    return (await this.load()).sseAndGradient(inputs, target);
  }

  dispose() {
    this.network?.dispose();
  }
}

// ---------------------------------------------------------------------------
// the codecs of a manifest
// ---------------------------------------------------------------------------

/** Codecs whose learned levels' tables are fetched on first use; plus what the page shows. */
class BrowserCodecs extends Codecs {
  constructor(tf, files, talk, learned, networks, maxDigits) {
    super(talk, learned, { maxDigits });
    this.tf = tf;
    this.files = files;
    this.manifest = files.manifest;
    this.networks = networks; // name -> Network (talk_encoder, ...)
    // as the page lists them: the talk's network, then the quality scale (levels.js; the converter's order).
    // A model off the scale is not listed, but its files still decode (loadTables reads manifest.models).
    this.levels = this.manifest.models.filter((m) => m.network === "talk" || qualityOf(this.manifest.scale ?? [], m.id))
      .map((m) => ({ id: m.id, label: m.label, level: m.level, bytes: m.bytes_per_digit }));
    this.defaultModelId = this.manifest.default_model_id ?? null; // where the page starts: the command's default
    this.priorPromise = null;
  }

  /** Fetch (once) and verify the manifest's version-4 head table; then `prior` is set and
   * one-digit files are version 4. Nothing without a model_prior. Throws ModelLoadError. */
  loadPrior() {
    const path = this.manifest.model_prior;
    if (typeof path !== "string" || this.prior) return Promise.resolve(this.prior);
    this.priorPromise ??= this.files.json(path).then((json) => {
      let prior;
      try {
        prior = ModelPrior.fromJSON(json);
        prior.checkTables(this.tables);
      } catch (err) {
        throw new ModelLoadError(`${path}: ${err.message}`);
      }
      this.prior = prior;
      return prior;
    }).finally(() => {
      this.priorPromise = null; // loaded (this.prior), or tried again next time
    });
    return this.priorPromise;
  }

  get backend() {
    return this.tf.getBackend();
  }

  /** Fetch (once) and verify a model's coding tables, and its networks if they load on
   * first use. Throws ModelLoadError or RangeError. */
  async loadTables(modelId) {
    if (this.tables.has(modelId)) return this.tables.get(modelId);
    const path = this.manifest.tables[modelId];
    const listed = this.manifest.models.some((m) => m.id === modelId && m.network !== "talk");
    const learned = this.learnedFor(modelId);
    if (!listed || typeof path !== "string" || !learned) {
      throw new RangeError(`no model ${modelId} (models: ${this.levels.map((l) => l.id).join(", ")})`);
    }
    const lazy = [learned.encoder, learned.decoder].filter((net) => net instanceof LazyNetwork);
    const [json] = await Promise.all([this.files.json(path), this.loadPrior(), ...lazy.map((net) => net.load())]);
    let tables;
    try {
      tables = TableSet.fromJSON(json);
      this.prior?.checkTables(new Map([[modelId, tables]]));
    } catch (err) {
      throw new ModelLoadError(`${path}: tables of model ${modelId}: ${err.message}`);
    }
    learned.tables.set(modelId, tables);
    this.tables.set(modelId, tables);
    return tables;
  }

  async compressDigits(images, modelId, search = false) {
    await this.loadTables(modelId);
    return super.compressDigits(images, modelId, search);
  }

  async compressFile(images, modelId, search = false) {
    await this.loadTables(modelId);
    return super.compressFile(images, modelId, search);
  }

  async decompressFile(data) {
    if (data.length && data[0] < 0x80) await this.loadPrior(); // version 4 (or no digit file)
    try {
      return await super.decompressFile(data);
    } catch (err) {
      // a level whose tables are not loaded yet: load them and read again
      if (!(err instanceof UnknownModel) || typeof this.manifest.tables[err.modelId] !== "string") throw err;
      await this.loadTables(err.modelId);
      return super.decompressFile(data);
    }
  }

  dispose() {
    for (const net of Object.values(this.networks)) net.dispose();
  }
}

/** A search curvature file ({shape: [clusters, E], float32_base64: little-endian floats}) -> Float32Array. */
function float32s(json, path) {
  const bytes = Uint8Array.from(atob(json?.float32_base64 ?? ""), (c) => c.charCodeAt(0));
  const n = (json?.shape ?? []).reduce((a, b) => a * b, 1);
  if (!Array.isArray(json?.shape) || bytes.length !== 4 * n) throw new ModelLoadError(`${path}: not ${n} float32 values`);
  const view = new DataView(bytes.buffer);
  return Float32Array.from({ length: n }, (_, i) => view.getFloat32(4 * i, true));
}

/** Whether loadCodecs() loads a network part (talk, codec, ...) at once, not on first use. */
const isEager = (manifest, part) => Boolean(manifest[part]) && !manifest[part].lazy_bytes;

/**
 * The files (paths under the manifest's folder) a page's first answer needs: the
 * networks loadCodecs() loads at once, the default level's network, its tables and the
 * version-4 prior. A page may fetch these early, while tf.js loads (demo/engine.js).
 */
export function firstAnswerFiles(manifest) {
  const level = manifest.models.find((m) => m.id === manifest.default_model_id);
  const parts = ["talk", ...new Set(manifest.models.map((m) => m.network))]
    .filter((part) => isEager(manifest, part) || (manifest[part] && part === level?.network));
  const dirs = parts.flatMap((part) => [manifest[part].encoder, manifest[part].decoder])
    .map((name) => manifest.networks[name]?.model.replace(/[^/]*$/, ""));
  const paths = Object.keys(manifest.files).filter((path) => dirs.some((dir) => dir && path.startsWith(dir)));
  return [...paths, manifest.tables[manifest.default_model_id], manifest.model_prior].filter(Boolean);
}

/**
 * Fetch manifest.json from baseUrl (a folder URL ending in "/"), verify and load
 * every network it lists -> a Codecs (with `levels` [{id, label}], `backend`,
 * `loadTables(id)` and `dispose()` for the page). Options: tf (default: the
 * global tf of tf.min.js), fetch (default: globalThis.fetch), maxDigits (largest
 * stream decompress accepts). Throws ModelLoadError with a one-line reason.
 */
export async function loadCodecs(baseUrl, { tf = globalThis.tf, fetch = globalThis.fetch, maxDigits } = {}) {
  if (!tf || typeof tf.loadGraphModel !== "function") {
    throw new ModelLoadError("TensorFlow.js is not loaded (no tf with loadGraphModel)");
  }
  const fetchFn = (url, init) => fetch(url, init);
  const base = new URL(baseUrl, globalThis.location?.href).href;
  const manifest = parseJSON(await fetchBytes(fetchFn, new URL("manifest.json", base).href), "manifest.json");
  checkManifest(manifest);
  const files = new ModelFiles(fetchFn, base, manifest);
  await tf.ready();
  // the learned models in quality order (the order the manifest lists their levels)
  const learnedParts = [...new Set(manifest.models.filter((m) => m.network !== "talk").map((m) => m.network))];
  for (const part of learnedParts) {
    if (!manifest[part]) throw new ModelLoadError(`manifest.json: no section for the "${part}" model`);
  }
  const eager = (part) => isEager(manifest, part);
  const names = ["talk", ...learnedParts]
    .filter(eager)
    .flatMap((part) => [manifest[part].encoder, manifest[part].decoder]);
  const loaded = await Promise.allSettled(names.map((name) => Network.load(tf, files, name)));
  const failed = loaded.find((r) => r.status === "rejected");
  if (failed) {
    for (const r of loaded) if (r.status === "fulfilled") r.value.dispose();
    throw failed.reason;
  }
  const networks = Object.fromEntries(names.map((name, i) => [name, loaded[i].value]));
  for (const part of learnedParts.filter((p) => !eager(p))) {
    for (const name of [manifest[part].encoder, manifest[part].decoder]) {
      networks[name] = new LazyNetwork(() => Network.load(tf, files, name));
    }
  }
  const t = manifest.talk;
  const talk = t && new TalkCodec(networks[t.encoder], networks[t.decoder], t.latent_scale, t.latent_shape);
  const learned = learnedParts.map((part) => {
    const c = manifest[part];
    const codec = new LearnedCodec(networks[c.encoder], networks[c.decoder], new Map(), c.latent_shape, c.levels,
      c.first_model_id ?? 1, c.lambdas ?? []);
    const search = manifest.search;
    if (search) { // the converter's copy of aec/search.py's settings and curvature
      codec.searchSettings = { rounds: search.rounds, candidates: search.candidates, lambdaScale: search.lambda_scale };
      codec.curvature = (id) => files.json(search.curvature[id]).then((json) => float32s(json, search.curvature[id]));
    }
    return codec;
  });
  return new BrowserCodecs(tf, files, talk || null, learned, networks, maxDigits ?? BROWSER_MAX_DIGITS);
}
