// How small a tf.js with only the kernels the codec runs would be (notes/first-answer.md):
//   1. trace the kernels: every level compresses and decompresses two digits, one pass and
//      searched, in Node on tf.js' CPU backend, with the engine's runKernel wrapped;
//   2. bundle tfjs-core, those kernels for WebGL and CPU, and the converter with esbuild
//      (fetched by npx into npm's cache; the site ships no bundler);
//   3. print the bundle's bytes, raw and gzipped, beside the four vendored bundles'.
//
//   node tools/tfjs_custom_size.mjs [EXTRA_KERNEL ...]   (the demo's own tf calls: see the notes)
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import * as tf from "@tensorflow/tfjs";
import { loadCodecs } from "../site/js/aec/loader.js";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const TF = join(ROOT, "node_modules/@tensorflow");
const ESBUILD = "esbuild@0.28.2";

await tf.setBackend("cpu");
const seen = new Set(process.argv.slice(2));
const engine = tf.engine();
const run = engine.runKernel.bind(engine);
engine.runKernel = (name, inputs, attrs) => { seen.add(name); return run(name, inputs, attrs); };
const fileFetch = async (url) => {
  const bytes = Uint8Array.from(readFileSync(new URL(url)));
  return { ok: true, status: 200, arrayBuffer: async () => bytes.buffer };
};
const codecs = await loadCodecs(pathToFileURL(join(ROOT, "site/models/")).href, { tf, fetch: fileFetch });
const digits = Uint8Array.from({ length: 2 * 784 }, (_, i) => ((i * 37) % 256 > 128 ? 255 : 0));
for (const { id } of codecs.levels) {
  for (const search of [false, true]) await codecs.decompressFile(await codecs.compressFile(digits, id, search));
}
const kernels = [...seen].sort();
console.log(`${kernels.length} kernels: ${kernels.join(" ")}`);

const dir = mkdtempSync(join(tmpdir(), "tfjs-custom-"));
const lines = [
  `export * from "${TF}/tfjs-core/dist/base.js";`,
  `import "${TF}/tfjs-core/dist/base_side_effects.js";`,
  `import { registerKernel } from "${TF}/tfjs-core/dist/base.js";`,
  `import "${TF}/tfjs-backend-webgl/dist/base.js";`,
  `import "${TF}/tfjs-backend-cpu/dist/base.js";`,
];
for (const k of kernels) {
  for (const backend of ["webgl", "cpu"]) {
    const file = `${TF}/tfjs-backend-${backend}/dist/kernels/${k}.js`;
    if (!existsSync(file)) continue;
    const config = /export const (\w+Config)\b/.exec(readFileSync(file, "utf8"))?.[1];
    if (config) lines.push(`import { ${config} as ${backend}_${k} } from "${file}"; registerKernel(${backend}_${k});`);
  }
}
lines.push(`export * from "${TF}/tfjs-converter/dist/index.js";`);
writeFileSync(join(dir, "entry.js"), lines.join("\n"));
execFileSync("npx", ["--yes", ESBUILD, join(dir, "entry.js"), "--bundle", "--minify", "--format=esm",
  "--target=es2017", `--outfile=${join(dir, "out.js")}`, "--log-level=warning"],
  { cwd: ROOT, stdio: "inherit", env: { ...process.env, NODE_PATH: join(ROOT, "node_modules") } });

const size = (path) => { const b = readFileSync(path); return [b.length, gzipSync(b, { level: 6 }).length]; };
const vendored = ["tfjs-core/dist/tf-core", "tfjs-backend-cpu/dist/tf-backend-cpu",
  "tfjs-backend-webgl/dist/tf-backend-webgl", "tfjs-converter/dist/tf-converter"]
  .map((p) => size(`${TF}/${p}.es2017.min.js`)).reduce(([a, b], [c, d]) => [a + c, b + d], [0, 0]);
const custom = size(join(dir, "out.js"));
const fmt = (n) => n.toLocaleString("en");
console.log("| | bytes | gzipped |\n|---|---|---|");
console.log(`| the four vendored bundles (core, CPU, WebGL, converter) | ${fmt(vendored[0])} | ${fmt(vendored[1])} |`);
console.log(`| one bundle with the ${kernels.length} kernels | ${fmt(custom[0])} | ${fmt(custom[1])} |`);
