// The browser's search (site/js/aec/search.js, twin of aec/search.py) against the command's:
// tests/vectors/search_v1.json holds Python's searched files of the first test digits at every
// level (`python tests/vectors/make_vectors.py search`). The networks differ in float order
// only, so almost every file must be byte for byte the same, and every one must decode.
// TF.js's WebAssembly backend: the CPU backend's floats, three times faster.
// Run: node --test tests/js/
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import * as tf from "@tensorflow/tfjs";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { loadCodecs } from "../../site/js/aec/loader.js";
import { Search } from "../../site/js/aec/search.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const MODELS = process.env.AEC_SITE_MODELS || `${ROOT}site/models`;
const VECTORS = `${ROOT}tests/vectors/search_v1.json`;
const MIN_IDENTICAL = 0.85; // of all files; 97-99 % on 100 digits a level (training/browser_search.py)
const have = existsSync(`${MODELS}/manifest.json`) && existsSync(VECTORS);
const skip = have ? false : "no converted models or search vectors: run make convert";

const fromHex = (s) => Uint8Array.from(Buffer.from(s, "hex"));
const hex = (b) => Buffer.from(b).toString("hex");

async function codecs() {
  setWasmPaths(dirname(createRequire(import.meta.url).resolve("@tensorflow/tfjs-backend-wasm")) + "/");
  await tf.setBackend("wasm");
  const base = pathToFileURL(`${MODELS}/`).href;
  const fetch = async (url) => {
    const bytes = Uint8Array.from(await readFile(new URL(url)));
    return { ok: true, status: 200, arrayBuffer: async () => bytes.buffer };
  };
  return loadCodecs(base, { tf, fetch });
}

test("the browser's search writes the command's files and they decode", { skip }, async () => {
  const v = JSON.parse(readFileSync(VECTORS, "utf8"));
  const c = await codecs();
  const images = Uint8Array.from(v.digits.flatMap((d) => [...fromHex(d)]));
  let same = 0;
  let all = 0;
  for (const [id, expected] of Object.entries(v.files)) {
    const files = await c.compressDigits(images, Number(id), true);
    assert.equal(files.length, expected.length);
    for (const [i, f] of files.entries()) {
      same += hex(f) === expected[i];
      all += 1;
      const { modelId, images: out } = await c.decompressFile(f);
      assert.equal(modelId, Number(id));
      assert.equal(out.length, 784);
    }
    // the one pass is still plain rounding: Python's one-pass files
    const onePass = await c.compressDigits(images, Number(id));
    assert.deepEqual(onePass.map(hex), v.one_pass[id]);
  }
  assert.ok(same / all >= MIN_IDENTICAL, `${same} of ${all} searched files as Python's`);
});

test("an aborted search stops with an AbortError", { skip }, async () => {
  const c = await codecs();
  const v = JSON.parse(readFileSync(VECTORS, "utf8"));
  const id = Number(Object.keys(v.files)[0]);
  await c.loadTables(id);
  const ctrl = new AbortController();
  ctrl.abort();
  await assert.rejects(c.compressDigits(fromHex(v.digits[0]), id, { signal: ctrl.signal }), { name: "AbortError" });
});

test("search settings must be positive numbers", () => {
  assert.throws(() => new Search({}, { rounds: 0, candidates: 16, lambdaScale: 1.5 }), RangeError);
});
