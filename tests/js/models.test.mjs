// The JS codec (site/js/aec/codec.js, loaded by loader.js) on the converted models, TF.js CPU backend,
// against the Python codec: tests/vectors/models_v1*.json, written by
// `python tests/vectors/make_vectors.py models` with the models in site/models.
// Run: node --test tests/js/
// Other folders: AEC_SITE_MODELS=/path/to/site/models AEC_MODEL_VECTORS=/path/to/vectors
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { gunzipSync } from "node:zlib";
import { fileURLToPath, pathToFileURL } from "node:url";
import * as tf from "@tensorflow/tfjs";
import { Codecs } from "../../site/js/aec/codec.js";
import { decodeStream, encodeDigits, encodeStream, FormatError } from "../../site/js/aec/format.js";
import { firstAnswerFiles, loadCodecs, ModelLoadError, sha256Fallback, sha256Hex } from "../../site/js/aec/loader.js";
import { SIZE } from "../../site/js/aec/pixels.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const MODELS = process.env.AEC_SITE_MODELS || `${ROOT}site/models`;
const VECTORS = process.env.AEC_MODEL_VECTORS || `${ROOT}tests/vectors`;
const MNIST = process.env.MNIST_DIR || `${ROOT}../shared/datasets/mnist`;
const BULK_MIN_IDENTICAL = 0.99;
const FUZZ_CASES = 10000;
const PIXELS = SIZE * SIZE;

const haveModels = existsSync(`${MODELS}/manifest.json`) && existsSync(`${VECTORS}/models_v1.json`);
const noModels = haveModels ? false : `no converted models (${MODELS}/manifest.json) or vectors: run make convert`;

const hex = (bytes) => Buffer.from(bytes).toString("hex");
const fromHex = (s) => Uint8Array.from(Buffer.from(s, "hex"));
const fromB64 = (s) => Uint8Array.from(Buffer.from(s, "base64"));
const sha256 = (bytes) => createHash("sha256").update(bytes).digest("hex");

/** fetch() for file: URLs, optionally rewriting some files (path relative to MODELS -> bytes). */
function fileFetch(overrides = {}) {
  const base = pathToFileURL(`${MODELS}/`).href;
  return async (url) => {
    const rel = url.startsWith(base) ? url.slice(base.length) : url;
    let data = overrides[rel];
    if (data === undefined) {
      try {
        data = await readFile(new URL(url));
      } catch {
        return { ok: false, status: 404, arrayBuffer: async () => new ArrayBuffer(0) };
      }
    }
    const bytes = Uint8Array.from(data);
    return { ok: true, status: 200, arrayBuffer: async () => bytes.buffer };
  };
}

let codecsPromise = null;
function codecs() {
  codecsPromise ??= (async () => {
    await tf.setBackend("cpu");
    const c = await loadCodecs(pathToFileURL(`${MODELS}/`).href, { tf, fetch: fileFetch() });
    assert.equal(c.backend, "cpu");
    assert.ok(c instanceof Codecs);
    return c;
  })();
  return codecsPromise;
}

function vectors(name = "models_v1.json") {
  const v = JSON.parse(readFileSync(`${VECTORS}/${name}`, "utf8"));
  const manifestSha = sha256(readFileSync(`${MODELS}/manifest.json`));
  assert.equal(v.manifest_sha256, manifestSha, `${name} was made for another export: run make convert`);
  return v;
}

// --- no models needed -------------------------------------------------------------

test("pure-JS SHA-256 matches node:crypto (and crypto.subtle)", async () => {
  assert.equal(sha256Fallback(new TextEncoder().encode("abc")),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  let seed = 7;
  const rand = () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
  for (const n of [0, 1, 55, 56, 63, 64, 65, 119, 120, 128, 1000, 65537]) {
    const bytes = Uint8Array.from({ length: n }, rand);
    assert.equal(sha256Fallback(bytes), sha256(bytes), `length ${n}`);
    assert.equal(await sha256Hex(bytes), sha256(bytes), `length ${n}`);
  }
});

test("a missing manifest or a broken one is a clear ModelLoadError", async () => {
  const fetch404 = async () => ({ ok: false, status: 404, arrayBuffer: async () => new ArrayBuffer(0) });
  await assert.rejects(loadCodecs("file:///nowhere/", { tf, fetch: fetch404 }), (err) =>
    err instanceof ModelLoadError && /manifest\.json: HTTP 404/.test(err.message));
  const fetchJson = (text) => async () => ({ ok: true, status: 200, arrayBuffer: async () => new TextEncoder().encode(text).buffer });
  await assert.rejects(loadCodecs("file:///x/", { tf, fetch: fetchJson('{"broken": true}') }), /not a model manifest/);
  await assert.rejects(loadCodecs("file:///x/", { tf, fetch: fetchJson("<html>") }), /manifest\.json: not JSON/);
  await assert.rejects(loadCodecs("file:///x/", { tf, fetch: fetchJson('{"format_version": 1}') }), /format version 1/);
});

// --- the converted models ---------------------------------------------------------

test("JS decodes every Python vector to the same model, indices and pixels (<= 1/255)", { skip: noModels }, async (t) => {
  const c = await codecs();
  const v = vectors();
  let maxDiff = 0;
  for (const vec of v.vectors) {
    const bytes = fromHex(vec.hex);
    const { modelId, images } = await c.decompressFile(bytes);
    assert.equal(modelId, vec.model_id);
    assert.ok(images instanceof Uint8Array && images.length === PIXELS); // one digit
    const expected = fromB64(vec.pixels);
    for (let i = 0; i < PIXELS; i++) maxDiff = Math.max(maxDiff, Math.abs(images[i] - expected[i]));
    assert.deepEqual(Array.from(decodeStream(bytes, c.tables, { prior: c.prior }).rows), vec.indices);
  }
  t.diagnostic(`${v.vectors.length} vectors, max pixel diff ${maxDiff}/255 (CPU backend)`);
  assert.ok(maxDiff <= 1, `max pixel diff ${maxDiff}/255`);
});

test("JS encodes the vector digits to Python's indices and bytes", { skip: noModels }, async (t) => {
  const c = await codecs();
  const v = vectors();
  let same = 0;
  for (const vec of v.vectors) {
    const pixels = fromB64(v.digits[vec.digit].pixels);
    const files = await c.compressDigits(pixels, vec.model_id); // fetches the level's tables
    const indices = await c.codecFor(vec.model_id).encodeRows(pixels, vec.model_id);
    assert.equal(files.length, 1);
    if (hex(files[0]) === vec.hex && Array.from(indices).join() === vec.indices.join()) same++;
  }
  t.diagnostic(`${same}/${v.vectors.length} identical`);
  assert.ok(same >= BULK_MIN_IDENTICAL * v.vectors.length, `${same}/${v.vectors.length} identical`);
});

function mnistTestImages(count) {
  const raw = gunzipSync(readFileSync(`${MNIST}/t10k-images-idx3-ubyte.gz`));
  assert.equal(raw.readUInt32BE(0), 0x803, "t10k images: bad IDX magic");
  return raw.subarray(16, 16 + count * PIXELS); // count digits, flat
}

const noMnist = existsSync(`${MNIST}/t10k-images-idx3-ubyte.gz`) ? false : `no MNIST in ${MNIST} (set MNIST_DIR)`;

test("JS encodes 1,000 MNIST test digits to Python's bytes (>= 99% identical)", { skip: noModels || noMnist }, async (t) => {
  const c = await codecs();
  const bulk = vectors("models_v1_bulk.json");
  const images = mnistTestImages(bulk.files.length);
  const ids = bulk.model_ids;
  let same = 0;
  const differ = [];
  for (let j = 0; j < ids.length; j++) {
    const rows = [];
    for (let i = j; i < bulk.files.length; i += ids.length) rows.push(i);
    const batch = new Uint8Array(rows.length * PIXELS);
    rows.forEach((i, k) => batch.set(images.subarray(i * PIXELS, (i + 1) * PIXELS), k * PIXELS));
    await c.loadTables(ids[j]);
    const indices = await c.codecFor(ids[j]).encodeRows(batch, ids[j]); // all the level's digits at once
    const files = encodeDigits(ids[j], indices, c.tables.get(ids[j]), { prior: c.prior });
    files.forEach((bytes, k) => {
      if (`${bytes.length}:${sha256(bytes).slice(0, 16)}` === bulk.files[rows[k]]) same++;
      else differ.push(`digit ${rows[k]} (model ${ids[j]})`);
    });
  }
  const n = bulk.files.length;
  t.diagnostic(`${same}/${n} files identical to Python's` + (differ.length ? `; differ: ${differ.slice(0, 10).join(", ")}` : ""));
  assert.ok(same >= BULK_MIN_IDENTICAL * n, `${same}/${n} identical`);
});

// The format has no checksum: a truncated or bit-flipped file usually decodes to other
// digits (the arithmetic decoder reads zeros past the end, and almost every bit string
// is the canonical file of some indices). So the contract checked here is the one the
// format can keep: a FormatError with a message, or indices whose canonical file is
// exactly the input -- and never another exception or a hang. Every case goes through
// the format decoder with the shipped tables (what decompressFile() parses bytes with);
// every 20th also through decompressFile(), networks included.
test(`random, truncated and bit-flipped files: FormatError or a canonical decode, never a hang (>= ${FUZZ_CASES} cases)`, { skip: noModels }, async (t) => {
  const c = await codecs();
  for (const { id } of c.levels) await c.loadTables(id); // decodeStream below sees every model
  const valid = vectors().vectors.map((vec) => fromHex(vec.hex));
  let seed = 12345;
  const rand = (n) => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return Math.floor((seed / 2 ** 32) * n);
  };
  const cases = { truncated: [], random: [], flipped: [] };
  for (const file of valid) for (let n = 0; n < file.length; n++) cases.truncated.push(file.slice(0, n));
  while (cases.random.length < FUZZ_CASES / 4) cases.random.push(Uint8Array.from({ length: rand(300) }, () => rand(256)));
  while (cases.flipped.length < FUZZ_CASES / 4) {
    const f = valid[rand(valid.length)].slice();
    for (let k = 0; k <= rand(3); k++) f[rand(f.length)] ^= 1 << rand(8);
    cases.flipped.push(f);
  }
  const report = [];
  let total = 0;
  let slowest = 0;
  const t0 = performance.now();
  for (const [kind, list] of Object.entries(cases)) {
    let refused = 0;
    for (let i = 0; i < list.length; i++) {
      const bytes = list[i];
      const t1 = performance.now();
      try {
        const { modelId, rows } = decodeStream(bytes, c.tables, { maxDigits: c.maxDigits, prior: c.prior });
        const again = encodeStream(modelId, rows, c.tables.get(modelId), { prior: bytes[0] < 0x80 ? c.prior : null });
        // version 4 is canonical at the file's own length, which need not be the encoder's (all zeros: any length)
        if (bytes[0] < 0x80) assert.deepEqual(decodeStream(again, c.tables, { prior: c.prior }).rows, rows);
        else assert.equal(hex(again), hex(bytes), "not canonical");
      } catch (err) {
        if (!(err instanceof FormatError)) throw new Error(`${kind} ${hex(bytes)}: ${err}`);
        assert.ok(err.message.length > 5);
        refused++;
      }
      if (i % 20 === 0) {
        try {
          const { images } = await c.decompressFile(bytes);
          assert.ok(images instanceof Uint8Array && images.length >= PIXELS && images.length % PIXELS === 0);
        } catch (err) {
          if (!(err instanceof FormatError)) throw new Error(`decompress ${kind} ${hex(bytes)}: ${err}`);
        }
      }
      slowest = Math.max(slowest, performance.now() - t1);
    }
    total += list.length;
    report.push(`${kind} ${refused}/${list.length} refused`);
  }
  const seconds = (performance.now() - t0) / 1000;
  t.diagnostic(`${total} cases in ${seconds.toFixed(1)} s (${report.join(", ")}); slowest ${slowest.toFixed(0)} ms`);
  assert.ok(total >= FUZZ_CASES);
  assert.ok(slowest < 5000, `one case took ${slowest} ms`);
});

test("a file whose sha256 differs from the manifest is refused", { skip: noModels }, async () => {
  const manifest = JSON.parse(readFileSync(`${MODELS}/manifest.json`, "utf8"));
  const shard = Object.keys(manifest.files).find((p) => p.startsWith(`${manifest.talk.decoder}/`) && p.endsWith(".bin")); // loaded at once
  const good = readFileSync(`${MODELS}/${shard}`);
  const flipped = Uint8Array.from(good);
  flipped[flipped.length >> 1] ^= 1;
  await assert.rejects(
    loadCodecs(pathToFileURL(`${MODELS}/`).href, { tf, fetch: fileFetch({ [shard]: flipped }) }),
    (err) => err instanceof ModelLoadError && err.message.includes(shard) && /sha256 mismatch/.test(err.message));
  // tables are fetched when their model is first used, and checked the same way
  const tablesPath = manifest.tables[String(manifest.models.at(-1).id)];
  const tablesBytes = Uint8Array.from(readFileSync(`${MODELS}/${tablesPath}`));
  tablesBytes[tablesBytes.length >> 1] ^= 1;
  const c = await loadCodecs(pathToFileURL(`${MODELS}/`).href, { tf, fetch: fileFetch({ [tablesPath]: tablesBytes }) });
  await assert.rejects(c.compressDigits(new Uint8Array(PIXELS), manifest.models.at(-1).id),
    (err) => err instanceof ModelLoadError && err.message.includes(tablesPath) && /sha256 mismatch/.test(err.message));
  c.dispose();
  // so is the version-4 head's table, which comes with the first level's tables
  const priorBytes = Uint8Array.from(readFileSync(`${MODELS}/${manifest.model_prior}`));
  priorBytes[priorBytes.length >> 1] ^= 1;
  const p = await loadCodecs(pathToFileURL(`${MODELS}/`).href, { tf, fetch: fileFetch({ [manifest.model_prior]: priorBytes }) });
  await assert.rejects(p.compressDigits(new Uint8Array(PIXELS), manifest.default_model_id),
    (err) => err instanceof ModelLoadError && err.message.includes(manifest.model_prior) && /sha256 mismatch/.test(err.message));
  p.dispose();
  const wrong = structuredClone(manifest);
  const json = Object.keys(wrong.files).find((p) => p.startsWith(`${wrong.talk.encoder}/`) && p.endsWith("model.json"));
  wrong.files[json].sha256 = "0".repeat(64);
  await assert.rejects(
    loadCodecs(pathToFileURL(`${MODELS}/`).href, {
      tf, fetch: fileFetch({ "manifest.json": new TextEncoder().encode(JSON.stringify(wrong)) }),
    }),
    (err) => err instanceof ModelLoadError && err.message.includes(json) && /sha256 mismatch/.test(err.message));
});

test("with the manifest's model_prior one-digit files are version 4; without it, version 3 as before", { skip: noModels }, async () => {
  const c = await codecs();
  const manifest = JSON.parse(readFileSync(`${MODELS}/manifest.json`, "utf8"));
  const pixels = fromB64(vectors().digits[0].pixels);
  const id = manifest.default_model_id;
  const [v4] = await c.compressDigits(pixels, id);
  assert.ok(manifest.model_prior && c.prior && v4[0] < 0x80);
  assert.equal((await c.decompressFile(v4)).modelId, id);
  const old = structuredClone(manifest);
  delete old.model_prior;
  const bare = await loadCodecs(pathToFileURL(`${MODELS}/`).href, {
    tf, fetch: fileFetch({ "manifest.json": new TextEncoder().encode(JSON.stringify(old)) }),
  });
  const [v3] = await bare.compressDigits(pixels, id);
  assert.ok(bare.prior === null && v3[0] >= 0x80);
  assert.equal(hex(v3), hex(encodeStream(id, await c.codecFor(id).encodeRows(pixels, id), c.tables.get(id))));
  assert.equal((await c.decompressFile(v3)).modelId, id); // version 3 still reads with the prior
  await assert.rejects(bare.decompressFile(v4), FormatError);
  bare.dispose();
});

test("without crypto.subtle (plain-http origins) the pure-JS SHA-256 checks the files", { skip: noModels }, async () => {
  const saved = Object.getOwnPropertyDescriptor(globalThis, "crypto");
  Object.defineProperty(globalThis, "crypto", { value: undefined, configurable: true });
  try {
    assert.equal(globalThis.crypto, undefined);
    const base = pathToFileURL(`${MODELS}/`).href;
    const c = await loadCodecs(base, { tf, fetch: fileFetch() });
    c.dispose();
    const manifest = JSON.parse(readFileSync(`${MODELS}/manifest.json`, "utf8"));
    const shard = Object.keys(manifest.files).find((p) => p.startsWith(`${manifest.talk.decoder}/`) && p.endsWith(".bin")); // loaded at once
    const flipped = Uint8Array.from(readFileSync(`${MODELS}/${shard}`));
    flipped[0] ^= 0x80;
    await assert.rejects(loadCodecs(base, { tf, fetch: fileFetch({ [shard]: flipped }) }), /sha256 mismatch/);
  } finally {
    Object.defineProperty(globalThis, "crypto", saved);
  }
});

test("firstAnswerFiles lists what loading and one file of the default level fetch, and no more", { skip: noModels }, async () => {
  const manifest = JSON.parse(readFileSync(`${MODELS}/manifest.json`, "utf8"));
  const base = pathToFileURL(`${MODELS}/`).href;
  const asked = new Set();
  const inner = fileFetch();
  const recording = (url, init) => { asked.add(url.slice(base.length)); return inner(url, init); };
  const c = await loadCodecs(base, { tf, fetch: recording });
  const file = await c.compressFile(new Uint8Array(PIXELS), manifest.default_model_id); // one pass
  await c.decompressFile(file);
  c.dispose();
  asked.delete("manifest.json");
  assert.deepEqual([...firstAnswerFiles(manifest)].sort(), [...asked].sort());
});
