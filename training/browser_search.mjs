// The browser's encoder, searched, run in Node on test digits (training/browser_search.py
// calls it for `evaluate`): the JS twin (site/js/aec/) on the converted TF.js models, as
// the demo's worker runs it, so the results page can set its files beside the command's.
//
//   node training/browser_search.mjs MODELS_DIR DIGITS.u8 OUT.json ID[,ID...] [--backend wasm|cpu]
//
// DIGITS.u8: N*784 raw pixels. OUT.json: {backend, ids: {id: {files: [base64...], seconds}}}.
// The WebAssembly backend (its .wasm files come in its npm package) is the default: the
// same floats as the CPU backend to ~1e-6, about 3x faster on this machine.
import { readFile, writeFile, rename } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { pathToFileURL } from "node:url";
import * as tf from "@tensorflow/tfjs";
import { loadCodecs } from "../site/js/aec/loader.js";

const [models, digitsPath, outPath, idList, ...rest] = process.argv.slice(2);
if (!idList) {
  console.error("usage: node training/browser_search.mjs MODELS_DIR DIGITS.u8 OUT.json ID[,ID...] [--backend wasm|cpu]");
  process.exit(2);
}
const at = rest.indexOf("--backend");
const backend = at >= 0 ? rest[at + 1] : "wasm";
if (backend === "wasm") {
  const wasm = await import("@tensorflow/tfjs-backend-wasm");
  const dist = dirname(createRequire(import.meta.url).resolve("@tensorflow/tfjs-backend-wasm")) + "/";
  wasm.setWasmPaths(dist);
}
await tf.setBackend(backend);
await tf.ready();

const base = pathToFileURL(`${models.replace(/\/$/, "")}/`).href;
const fileFetch = async (url) => {
  try {
    const bytes = Uint8Array.from(await readFile(new URL(url)));
    return { ok: true, status: 200, arrayBuffer: async () => bytes.buffer };
  } catch {
    return { ok: false, status: 404, arrayBuffer: async () => new ArrayBuffer(0) };
  }
};
const codecs = await loadCodecs(base, { tf, fetch: fileFetch });
const images = Uint8Array.from(await readFile(digitsPath));
const CHUNK = 64; // digits searched together (the search's batch, as aec/search.py's)
const out = { backend: tf.getBackend(), ids: {} };
for (const id of idList.split(",").map(Number)) {
  await codecs.loadTables(id);
  const t0 = performance.now();
  const files = [];
  for (let i = 0; i < images.length; i += CHUNK * 784) {
    files.push(...await codecs.compressDigits(images.subarray(i, i + CHUNK * 784), id, true));
  }
  const seconds = (performance.now() - t0) / 1000;
  out.ids[id] = { files: files.map((f) => Buffer.from(f).toString("base64")), seconds };
  console.log(`[browser search] model ${id}: ${files.length} digits in ${seconds.toFixed(1)} s (${out.backend})`);
}
await writeFile(`${outPath}.tmp`, JSON.stringify(out));
await rename(`${outPath}.tmp`, outPath);
