// The in-browser demo: draw or pick a digit, compress it with the learned codec
// (or the talk's network) in TensorFlow.js, and compare with the browser's own
// JPEG and WebP encoders at the nearest size not below ours.
//
// An ES module that mounts itself into every element with `data-demo-root`:
// the demo page (site/demo.md) and the Demo slide (site/slides/index.html).
// theme/hooks.py injects tf.js (a classic `defer` script, the global `tf`) and
// this module after it, so `tf` exists when this module runs. Every URL is
// resolved against import.meta.url, so the site works from any sub-path, and
// nothing is requested from another origin.
//
// Pieces used (colleagues' modules, imported dynamically so that a missing or
// broken one gives a visible message instead of a dead page):
//   ./aec/loader.js      loadCodecs(modelsUrl) -> {levels, backend,
//                          compress(pixels, modelId) -> [bytes],
//                          decompress(bytes) -> {modelId, images (n*784)}}
//   ./aec/preprocess.js  preprocess(rgba, width, height) -> Uint8Array(784)
//   ../models/samples.json real MNIST test digits for the picker
//
// Test hooks: data-testid attributes (see build()), `data-state` on the root
// (loading, ready, failed) and `data-run` (number of results shown so far),
// `data-pixels` (hex) on the input canvas, window.aecDemo, and the
// performance mark "aec-first-reconstruction".

const SIZE = 28;
const PIXELS = SIZE * SIZE;
const RAW_BYTES = PIXELS; // one uncompressed digit: one byte per pixel
const DRAW_SIZE = 280; // drawing canvas, in canvas pixels
const LINE_WIDTH = 22;
const PSNR_CAP = 100; // dB for identical images, as in training/metrics.py
const EXTENSION = ".aec";
const FRAGMENT_KEY = "aec";

const MODELS_URL = new URL("../models/", import.meta.url).href;
const SAMPLES_URL = new URL("../models/samples.json", import.meta.url).href;
const DEMO_PAGE_URL = new URL("../demo.html", import.meta.url).href;
const CSS_URL = new URL("./demo.css", import.meta.url).href;

// --- small helpers -------------------------------------------------------------

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v === null || v === undefined) continue;
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children) if (c !== null && c !== undefined) node.append(c);
  return node;
}

function errorText(e) {
  if (e && typeof e.message === "string" && e.message) return e.message;
  return String(e);
}

export function toHex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(" ");
}

export function toBase64Url(bytes) {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function fromBase64Url(text) {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) {
    throw new Error("the link does not hold valid base64url data");
  }
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4);
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** PSNR in dB of two 8-bit images; identical images give PSNR_CAP. */
export function psnr(a, b) {
  let se = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - b[i];
    se += d * d;
  }
  if (se === 0) return PSNR_CAP;
  return Math.min(PSNR_CAP, 10 * Math.log10((255 * 255 * a.length) / se));
}

function luma(r, g, b) {
  return Math.floor((299 * r + 587 * g + 114 * b + 500) / 1000);
}

function isBlank(pixels) {
  for (let i = 0; i < pixels.length; i++) if (pixels[i] !== 0) return false;
  return true;
}

function grayToImageData(pixels) {
  const data = new ImageData(SIZE, SIZE);
  for (let i = 0; i < PIXELS; i++) {
    const v = pixels[i];
    data.data[4 * i] = v;
    data.data[4 * i + 1] = v;
    data.data[4 * i + 2] = v;
    data.data[4 * i + 3] = 255;
  }
  return data;
}

function paint(canvas, pixels) {
  const ctx = canvas.getContext("2d");
  if (pixels) ctx.putImageData(grayToImageData(pixels), 0, 0);
  else ctx.clearRect(0, 0, canvas.width, canvas.height);
}

function fmtMs(ms) {
  return typeof ms === "number" && isFinite(ms) ? `${ms.toFixed(1)} ms` : "–";
}

function fmtDb(db) {
  return typeof db === "number" && isFinite(db) ? `${db.toFixed(2)} dB` : "–";
}

function fmtRatio(n) {
  return n > 0 ? `${(RAW_BYTES / n).toFixed(1)} : 1` : "–";
}

// --- the sample digits -----------------------------------------------------------

function decodePixels(p) {
  if (typeof p === "string") {
    const bytes = fromBase64Url(p.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, ""));
    return bytes.length === PIXELS ? bytes : null;
  }
  if (Array.isArray(p)) {
    const flat = Array.isArray(p[0]) ? p.flat() : p;
    return flat.length === PIXELS ? Uint8Array.from(flat) : null;
  }
  return null;
}

/**
 * samples.json -> [{label, pixels: Uint8Array(784)}]. Accepted layouts:
 * a list of digits, or an object with such a list under "digits" / "samples" /
 * "images" (with "labels" beside plain images); a digit is {label, pixels}
 * ("image" / "data" also accepted) or bare pixels; pixels are base64 of 784
 * bytes, 784 numbers, or 28 rows of 28.
 */
export function parseSamples(json) {
  let list = Array.isArray(json) ? json : null;
  let labels = null;
  if (!list && json && typeof json === "object") {
    for (const key of ["digits", "samples", "images"]) {
      if (Array.isArray(json[key])) {
        list = json[key];
        break;
      }
    }
    if (Array.isArray(json.labels)) labels = json.labels;
  }
  if (!list) return [];
  const out = [];
  list.forEach((item, i) => {
    const isObj = item && typeof item === "object" && !Array.isArray(item);
    const pixels = decodePixels(isObj ? item.pixels ?? item.image ?? item.data : item);
    if (!pixels) return;
    const label = isObj && item.label !== undefined ? item.label : labels ? labels[i] : undefined;
    const index = isObj && item.index !== undefined ? item.index : i;
    out.push({ label, index, pixels });
  });
  return out;
}

// --- JPEG / WebP baselines -------------------------------------------------------

function toBlob(canvas, type, quality) {
  return new Promise((resolve) => canvas.toBlob(resolve, type, quality));
}

async function decodeImage(blob) {
  const bitmap = await createImageBitmap(blob);
  const canvas = el("canvas", { width: SIZE, height: SIZE });
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  ctx.drawImage(bitmap, 0, 0, SIZE, SIZE);
  bitmap.close?.();
  const rgba = ctx.getImageData(0, 0, SIZE, SIZE).data;
  const out = new Uint8Array(PIXELS);
  for (let i = 0; i < PIXELS; i++) out[i] = luma(rgba[4 * i], rgba[4 * i + 1], rgba[4 * i + 2]);
  return out;
}

const ICC_ID = "ICC_PROFILE\0";

/**
 * The file without the ICC colour profile that Chrome's canvas encoders embed
 * (about 470 bytes of metadata, more than our whole file): JPEG APP2
 * ICC_PROFILE segments, or WebP's ICCP chunk (and then the VP8X header when no
 * other extended feature is left). Pixels are untouched; anything unexpected
 * returns the input as it is.
 */
export function stripIcc(bytes, type) {
  try {
    if (type === "image/jpeg") return stripJpegIcc(bytes);
    if (type === "image/webp") return stripWebpIcc(bytes);
  } catch {
    /* keep the file as the browser made it */
  }
  return bytes;
}

function stripJpegIcc(b) {
  if (b[0] !== 0xff || b[1] !== 0xd8) return b;
  const keep = [b.subarray(0, 2)];
  let i = 2;
  while (i + 4 <= b.length) {
    if (b[i] !== 0xff) return b;
    const marker = b[i + 1];
    if (marker === 0xff) { // fill byte
      i += 1;
      continue;
    }
    if (marker === 0xda) break; // start of scan: the rest is entropy-coded data
    const len = (b[i + 2] << 8) | b[i + 3];
    const end = i + 2 + len;
    if (end > b.length) return b;
    const id = String.fromCharCode(...b.subarray(i + 4, Math.min(end, i + 4 + ICC_ID.length)));
    if (!(marker === 0xe2 && id === ICC_ID)) keep.push(b.subarray(i, end));
    i = end;
  }
  keep.push(b.subarray(i));
  const out = new Uint8Array(keep.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of keep) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function stripWebpIcc(b) {
  const tag = (o) => String.fromCharCode(b[o], b[o + 1], b[o + 2], b[o + 3]);
  const u32 = (o) => (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
  if (tag(0) !== "RIFF" || tag(8) !== "WEBP") return b;
  const chunks = [];
  for (let o = 12; o + 8 <= b.length;) {
    const size = u32(o + 4);
    const end = o + 8 + size + (size & 1);
    if (end > b.length) return b;
    chunks.push({ tag: tag(o), bytes: b.slice(o, end) });
    o = end;
  }
  let kept = chunks.filter((c) => c.tag !== "ICCP");
  const vp8x = kept.find((c) => c.tag === "VP8X");
  if (vp8x) {
    vp8x.bytes[8] &= ~0x20; // ICC flag
    const simple = kept.length === 2 && /^VP8[ L]$/.test(kept[1].tag) && (vp8x.bytes[8] & 0x3e) === 0;
    if (simple) kept = kept.filter((c) => c !== vp8x);
  }
  const body = kept.reduce((n, c) => n + c.bytes.length, 0);
  const out = new Uint8Array(12 + body);
  out.set(b.subarray(0, 12));
  const riff = 4 + body;
  out[4] = riff & 255;
  out[5] = (riff >> 8) & 255;
  out[6] = (riff >> 16) & 255;
  out[7] = (riff >>> 24) & 255;
  let o = 12;
  for (const c of kept) {
    out.set(c.bytes, o);
    o += c.bytes.length;
  }
  return out;
}

/**
 * The browser's own encoder for `type` (canvas.toBlob) at the quality, searched
 * over 0..1 in steps of 0.01, whose file is the smallest one not below `target`
 * bytes. Sizes are those of the file without the ICC profile the browser adds
 * (see stripIcc; `profileBytes` says how much that was), and the stripped file
 * is what gets decoded for the PSNR. If even quality 0 is not below the target
 * that is the answer (note "floor"); if even quality 1 is below, quality 1
 * (note "below"). Returns null if the browser cannot encode `type`, undefined
 * if `cancelled()` turned true during the search.
 */
export async function nearestNotBelow(pixels, type, target, cancelled = () => false) {
  const canvas = el("canvas", { width: SIZE, height: SIZE });
  canvas.getContext("2d").putImageData(grayToImageData(pixels), 0, 0);
  const cache = new Map();
  const at = async (k) => {
    if (!cache.has(k)) {
      const blob = await toBlob(canvas, type, k / 100);
      if (!blob || blob.type !== type) {
        cache.set(k, null); // e.g. no WebP encoder: toBlob falls back to PNG
      } else {
        const file = new Uint8Array(await blob.arrayBuffer());
        const stripped = stripIcc(file, type);
        cache.set(k, { file, stripped, size: stripped.length });
      }
    }
    return cache.get(k);
  };
  const first = await at(0);
  if (!first) return null;
  let pick = 0;
  let note = "";
  if (first.size >= target) {
    note = "floor";
  } else if ((await at(100)).size < target) {
    pick = 100;
    note = "below";
  } else {
    // size(lo) < target <= size(hi); sizes grow (almost) monotonically with quality.
    let lo = 0;
    let hi = 100;
    while (hi - lo > 1) {
      if (cancelled()) return undefined;
      const mid = (lo + hi) >> 1;
      if ((await at(mid)).size >= target) hi = mid;
      else lo = mid;
    }
    pick = hi;
    // Not strictly monotonic: a lower quality just below may give a closer size.
    for (let k = hi - 1; k >= Math.max(0, hi - 3); k--) {
      const r = await at(k);
      if (r.size >= target && r.size < (await at(pick)).size) pick = k;
    }
  }
  if (cancelled()) return undefined;
  const chosen = await at(pick);
  const decoded = await decodeImage(new Blob([chosen.stripped], { type }));
  return {
    quality: pick / 100,
    bytes: chosen.size,
    profileBytes: chosen.file.length - chosen.size,
    pixels: decoded,
    psnr: psnr(pixels, decoded),
    note,
  };
}

// --- shared engine: tf backend + codecs (one per page) -----------------------------

let enginePromise = null;
let samplesPromise = null;

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

async function loadEngine() {
  const tf = globalThis.tf;
  if (!tf || typeof tf.setBackend !== "function") {
    throw new Error("TensorFlow.js did not load (vendor/tfjs/*.js)");
  }
  const { fallback } = await chooseBackend(tf);
  const [{ loadCodecs }, { preprocess }] = await Promise.all([
    import("./aec/loader.js"),
    import("./aec/preprocess.js"),
  ]);
  const codecs = await loadCodecs(MODELS_URL);
  if (!codecs || !Array.isArray(codecs.levels) || codecs.levels.length === 0) {
    throw new Error("the model manifest lists no models");
  }
  return { codecs, preprocess, fallback, backend: codecs.backend || tf.getBackend() };
}

// The codecs take and give flat arrays (n*784 pixels), as the Python codec
// does; the UI times each step and shows the first digit.
async function compressTimed(codecs, pixels, modelId) {
  const t0 = performance.now();
  const [bytes] = await codecs.compress(pixels, modelId);
  return { bytes, encodeMs: performance.now() - t0 };
}

async function decompressTimed(codecs, bytes) {
  const t0 = performance.now();
  const { modelId, images } = await codecs.decompress(bytes);
  const digits = [];
  for (let i = 0; i < images.length; i += PIXELS) digits.push(images.subarray(i, i + PIXELS));
  return { modelId, images: digits, decodeMs: performance.now() - t0 };
}

function getEngine() {
  if (!enginePromise) enginePromise = loadEngine();
  return enginePromise;
}

function getSamples() {
  if (!samplesPromise) {
    samplesPromise = fetch(SAMPLES_URL)
      .then((r) => {
        if (!r.ok) throw new Error(`HTTP ${r.status}`);
        return r.json();
      })
      .then(parseSamples);
  }
  return samplesPromise;
}

let preprocessPromise = null;
function getPreprocess() {
  if (!preprocessPromise) preprocessPromise = import("./aec/preprocess.js").then((m) => m.preprocess);
  return preprocessPromise;
}

function ensureStylesheet() {
  if (document.querySelector("link[data-demo-css]")) return;
  document.head.append(el("link", { rel: "stylesheet", href: CSS_URL, "data-demo-css": true }));
}

function fragmentBytes() {
  const m = /^#aec=([^&]*)$/.exec(location.hash);
  return m ? m[1] : null;
}

// --- one demo --------------------------------------------------------------------

class Demo {
  constructor(root) {
    this.root = root;
    this.compact = !!root.closest(".reveal");
    this.bilingual = this.compact && !!document.querySelector("#lang-toggle");
    this.engine = null;
    this.samples = [];
    this.input = null; // Uint8Array(784) MNIST-style, or null (e.g. a file was opened)
    this.source = "none"; // draw | sample | file | link
    this.reconstruction = null;
    this.bytes = null;
    this.runs = 0;
    this.job = null; // the next piece of work (latest request wins)
    this.busy = false;
    this.downloadUrl = null;
    this.drawing = null; // pointer id while a stroke is being drawn
    this.dirty = false; // the drawing canvas holds ink
    this.previewQueued = false;
    this.build();
    this.bind();
  }

  // Text in the page's language; in the bilingual slides, both (CSS picks one).
  t(en, nl) {
    if (!this.bilingual || nl === undefined) return document.createTextNode(en);
    const frag = document.createDocumentFragment();
    frag.append(el("span", { lang: "nl", text: nl }), el("span", { lang: "en", text: en }));
    return frag;
  }

  setText(node, en, nl) {
    node.replaceChildren(this.t(en, nl));
  }

  build() {
    const t = this.t.bind(this);
    const root = this.root;
    root.classList.add("aec-demo");
    if (this.compact) root.classList.add("aec-compact");
    root.dataset.state = "loading";
    root.dataset.run = "0";

    this.notice = el("p", { class: "aec-notice", "data-testid": "notice", role: "status", hidden: true });
    this.error = el("p", { class: "aec-error", "data-testid": "error", role: "alert", hidden: true });

    // Input: drawing canvas, clear, samples.
    this.drawCanvas = el("canvas", {
      class: "aec-draw",
      width: DRAW_SIZE,
      height: DRAW_SIZE,
      "data-testid": "draw-canvas",
      "aria-label": "Drawing area: draw a digit with mouse, finger or pen",
      "data-prevent-swipe": true, // reveal.js: drawing on a touch screen is not a swipe
    });
    this.clearButton = el("button", { type: "button", "data-testid": "clear" }, t("Clear", "Wissen"));
    this.samplesBox = el("div", { class: "aec-samples", "data-testid": "samples" });
    this.randomButton = el("button", { type: "button", "data-testid": "random-sample", hidden: true },
      t("Random MNIST digit", "Willekeurig MNIST-cijfer"));
    const drawPanel = el("div", { class: "aec-panel aec-input-panel" },
      el("div", { class: "aec-caption" }, t("Draw a digit", "Teken een cijfer"), " ", this.clearButton),
      this.drawCanvas,
      el("div", { class: "aec-caption aec-samples-caption" }, t("or pick a real MNIST test digit:", "of kies een echt MNIST-testcijfer:")),
      this.samplesBox,
      this.randomButton,
    );

    // Results: input 28x28, ours, JPEG, WebP.
    const tile = (testid, en, nl, extra) => {
      const canvas = el("canvas", { class: "aec-digit", width: SIZE, height: SIZE, "data-testid": testid });
      const figure = el("figure", { class: "aec-tile" }, el("figcaption", {}, t(en, nl)), canvas, ...extra);
      return { canvas, figure };
    };
    this.inputSource = el("span", { class: "aec-muted", "data-testid": "input-source" }, "–");
    const inputTile = tile("input", "Input 28×28", "Invoer 28×28", [
      el("div", { class: "aec-line" }, `${RAW_BYTES} bytes raw`),
      el("div", { class: "aec-line" }, this.inputSource),
    ]);
    this.inputCanvas = inputTile.canvas;
    this.bytesOut = el("span", { "data-testid": "compressed-bytes" }, "–");
    this.psnrOut = el("span", { "data-testid": "psnr" }, "–");
    const oursTile = tile("reconstruction", "Ours, decoded", "Onze codec", [
      el("div", { class: "aec-line aec-strong" }, this.bytesOut, " bytes"),
      el("div", { class: "aec-line" }, "PSNR ", this.psnrOut),
    ]);
    this.reconCanvas = oursTile.canvas;
    this.baselineOut = {};
    const baselineTile = (key, name) => {
      const bytes = el("span", { "data-testid": `${key}-bytes` }, "–");
      const quality = el("span", { "data-testid": `${key}-quality` }, "–");
      const db = el("span", { "data-testid": `${key}-psnr` }, "–");
      const note = el("div", { class: "aec-line aec-muted", "data-testid": `${key}-note` });
      const profile = el("span", { "data-testid": `${key}-profile` }, "–");
      const tl = tile(key, `${name}, browser`, `${name}, browser`, [
        el("div", { class: "aec-line aec-strong" }, bytes, " bytes"),
        el("div", { class: "aec-line" }, "PSNR ", db),
        el("div", { class: "aec-line aec-muted" }, "q ", quality),
        el("div", {
          class: "aec-line aec-muted",
          title: "The browser's file also holds an ICC colour profile; it is left out of the byte count (the file decodes the same without it).",
        }, "+", profile, " B ICC"),
        note,
      ]);
      this.baselineOut[key] = { canvas: tl.canvas, bytes, quality, db, note, profile };
      return tl.figure;
    };
    const tiles = el("div", { class: "aec-tiles" },
      inputTile.figure, oursTile.figure, baselineTile("jpeg", "JPEG"), baselineTile("webp", "WebP"));

    // Controls and numbers.
    this.quality = el("select", { "data-testid": "quality", disabled: true, "aria-label": "Model / quality" },
      el("option", { value: "" }, "…"));
    this.status = el("span", { class: "aec-status", "data-testid": "status", "aria-live": "polite" });
    this.ratioOut = el("span", { "data-testid": "ratio" }, "–");
    this.encodeOut = el("span", { "data-testid": "encode-ms" }, "–");
    this.decodeOut = el("span", { "data-testid": "decode-ms" }, "–");
    this.backendOut = el("span", { "data-testid": "backend" }, "…");
    const stat = (label, value) => el("span", { class: "aec-stat" }, el("span", { class: "aec-muted" }, label), " ", value);
    const controls = el("div", { class: "aec-controls" },
      el("label", {}, t("Model / quality ", "Model / kwaliteit "), this.quality),
      this.status);
    const stats = el("div", { class: "aec-stats" },
      stat(this.t("ratio vs 784 raw bytes", "verhouding t.o.v. 784 bytes"), this.ratioOut),
      stat("encode", this.encodeOut),
      stat("decode", this.decodeOut),
      stat("backend", this.backendOut));
    this.hexOut = el("code", { class: "aec-hex", "data-testid": "compressed-hex" });

    // Files and links.
    this.download = el("a", { class: "aec-button", "data-testid": "download", "aria-disabled": "true", role: "button" },
      t("Download .aec", "Download .aec"));
    this.fileInput = el("input", { type: "file", accept: `${EXTENSION},application/octet-stream`, "data-testid": "file-input" });
    const open = el("label", { class: "aec-button aec-file" }, t("Open .aec file", "Open .aec-bestand"), this.fileInput);
    this.share = el("a", { class: "aec-share", "data-testid": "share-link", hidden: true }, t("share link", "deelbare link"));
    this.copyButton = el("button", { type: "button", "data-testid": "copy-link", hidden: true }, t("Copy link", "Kopieer link"));
    const files = el("div", { class: "aec-files" }, this.download, open, this.share, this.copyButton,
      el("span", { class: "aec-muted aec-drop-hint" }, t("or drop a file here", "of sleep een bestand hierheen")));

    const results = el("div", { class: "aec-panel aec-results" }, controls, tiles, stats, this.hexOut, files);
    root.replaceChildren(this.notice, this.error, el("div", { class: "aec-main" }, drawPanel, results));
    this.clearDrawing();
    this.setStatus("Loading the models…", "Modellen laden…");
  }

  bind() {
    const c = this.drawCanvas;
    c.addEventListener("pointerdown", (e) => this.onPointerDown(e));
    c.addEventListener("pointermove", (e) => this.onPointerMove(e));
    c.addEventListener("pointerup", (e) => this.onPointerUp(e));
    c.addEventListener("pointercancel", (e) => this.onPointerUp(e));
    c.addEventListener("lostpointercapture", (e) => this.onPointerUp(e));
    this.clearButton.addEventListener("click", () => {
      this.clearDrawing();
      this.setInput(null, "none");
    });
    this.quality.addEventListener("change", () => {
      if (this.input) this.requestCompress();
    });
    // reveal.js navigates on arrow keys even inside a <select>: keep them here.
    this.quality.addEventListener("keydown", (e) => e.stopPropagation());
    this.randomButton.addEventListener("click", () => {
      if (this.samples.length) this.pickSample(Math.floor(Math.random() * this.samples.length));
    });
    this.fileInput.addEventListener("change", () => {
      const file = this.fileInput.files && this.fileInput.files[0];
      if (file) this.openFile(file);
      this.fileInput.value = ""; // the same file can be opened again
    });
    this.root.addEventListener("dragover", (e) => {
      if (e.dataTransfer && Array.from(e.dataTransfer.types || []).includes("Files")) {
        e.preventDefault();
        this.root.classList.add("aec-dragging");
      }
    });
    this.root.addEventListener("dragleave", () => this.root.classList.remove("aec-dragging"));
    this.root.addEventListener("drop", (e) => {
      this.root.classList.remove("aec-dragging");
      const file = e.dataTransfer && e.dataTransfer.files && e.dataTransfer.files[0];
      if (!file) return;
      e.preventDefault();
      this.openFile(file);
    });
    this.download.addEventListener("click", (e) => {
      if (!this.bytes) e.preventDefault();
    });
    this.copyButton.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(this.share.href);
        this.setStatus("Link copied.", "Link gekopieerd.");
      } catch {
        this.setStatus("Copy the link with the right mouse button.", "Kopieer de link met de rechtermuisknop.");
      }
    });
  }

  // --- messages ---

  setStatus(en, nl) {
    this.setText(this.status, en, nl);
  }

  showError(en, nl) {
    this.setText(this.error, en, nl);
    this.error.hidden = false;
  }

  clearError() {
    this.error.hidden = true;
    this.error.textContent = "";
  }

  // --- start-up ---

  async start() {
    getSamples()
      .then((samples) => this.showSamples(samples))
      .catch((e) => {
        this.samplesBox.replaceChildren(el("span", { class: "aec-muted" },
          this.t(`Sample digits unavailable (${errorText(e)}).`, `Voorbeeldcijfers niet beschikbaar (${errorText(e)}).`)));
      });
    try {
      this.engine = await getEngine();
    } catch (e) {
      this.root.dataset.state = "failed";
      this.backendOut.textContent = (globalThis.tf && globalThis.tf.getBackend && globalThis.tf.getBackend()) || "–";
      this.showError(`The codec could not be loaded: ${errorText(e)}. Drawing still works; compression is off.`,
        `De codec kon niet geladen worden: ${errorText(e)}. Tekenen werkt nog; comprimeren niet.`);
      this.setStatus("Codec unavailable.", "Codec niet beschikbaar.");
      return;
    }
    const { codecs, backend, fallback } = this.engine;
    this.backendOut.textContent = backend;
    if (fallback) {
      this.setText(this.notice,
        `WebGL is not available in this browser: the codec runs on TensorFlow.js' ${backend} backend instead (the same codec; it can be slower).`,
        `WebGL is niet beschikbaar in deze browser: de codec draait op de ${backend}-backend van TensorFlow.js (dezelfde codec; soms trager).`);
      this.notice.hidden = false;
    }
    this.quality.replaceChildren(...codecs.levels.map((l) => el("option", { value: String(l.id) }, l.label || `model ${l.id}`)));
    const learned = codecs.levels.filter((l) => l.id !== 0);
    const initial = learned.length ? learned[Math.floor((learned.length - 1) / 2)] : codecs.levels[0];
    this.quality.value = String(initial.id);
    this.quality.disabled = false;
    this.root.dataset.state = "ready";
    this.setStatus("Ready.", "Klaar.");

    const fragment = fragmentBytes();
    if (fragment !== null) {
      this.openLink(fragment);
    } else if (this.input) {
      this.requestCompress(); // drawn while the models loaded
    } else {
      try {
        const samples = await getSamples();
        if (samples.length && !this.input && this.source === "none") this.pickSample(0);
      } catch {
        /* already reported */
      }
    }
    if (fragment !== null || this.isDemoPage()) {
      window.addEventListener("hashchange", () => {
        const f = fragmentBytes();
        if (f !== null) this.openLink(f);
      });
    }
  }

  isDemoPage() {
    return !this.compact;
  }

  showSamples(samples) {
    this.samples = samples;
    if (!samples.length) {
      this.samplesBox.replaceChildren(el("span", { class: "aec-muted" }, this.t("No sample digits.", "Geen voorbeeldcijfers.")));
      return;
    }
    // One of each label first (0..9), then more up to the limit.
    const limit = this.compact ? 10 : 20;
    const chosen = [];
    const seen = new Set();
    samples.forEach((s, i) => {
      if (s.label !== undefined && !seen.has(s.label) && chosen.length < limit) {
        seen.add(s.label);
        chosen.push(i);
      }
    });
    for (let i = 0; i < samples.length && chosen.length < limit; i++) if (!chosen.includes(i)) chosen.push(i);
    if (seen.size) chosen.sort((a, b) => (samples[a].label ?? 99) - (samples[b].label ?? 99) || a - b);
    this.samplesBox.replaceChildren(...chosen.map((i) => {
      const s = samples[i];
      const canvas = el("canvas", { width: SIZE, height: SIZE });
      paint(canvas, s.pixels);
      const label = s.label !== undefined ? `MNIST test digit ${s.index} (a ${s.label})` : `MNIST test digit ${s.index}`;
      const button = el("button", { type: "button", class: "aec-sample", "data-testid": "sample", "data-index": String(i), title: label, "aria-label": label }, canvas);
      button.addEventListener("click", () => this.pickSample(i));
      return button;
    }));
    this.randomButton.hidden = samples.length <= chosen.length;
    this.relayout();
  }

  // reveal.js centres a slide by its height: tell it when ours changed.
  relayout() {
    if (this.compact && window.Reveal && typeof window.Reveal.layout === "function" && window.Reveal.isReady?.()) {
      window.Reveal.layout();
    }
  }

  // --- drawing ---

  canvasPoint(e) {
    const r = this.drawCanvas.getBoundingClientRect();
    return {
      x: ((e.clientX - r.left) * this.drawCanvas.width) / r.width,
      y: ((e.clientY - r.top) * this.drawCanvas.height) / r.height,
    };
  }

  clearDrawing() {
    const ctx = this.drawCanvas.getContext("2d", { willReadFrequently: true });
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, DRAW_SIZE, DRAW_SIZE);
    this.dirty = false;
  }

  onPointerDown(e) {
    if (e.pointerType === "mouse" && e.button !== 0) return;
    if (this.drawing !== null) return;
    e.preventDefault();
    try {
      this.drawCanvas.setPointerCapture(e.pointerId);
    } catch {
      /* synthetic events have no active pointer to capture */
    }
    this.drawing = e.pointerId;
    if (this.source !== "draw") this.clearDrawing(); // a sample or a file was shown: start afresh
    this.source = "draw";
    const p = this.canvasPoint(e);
    const ctx = this.drawCanvas.getContext("2d");
    ctx.fillStyle = "#000";
    ctx.beginPath();
    ctx.arc(p.x, p.y, LINE_WIDTH / 2, 0, 2 * Math.PI);
    ctx.fill();
    this.last = p;
    this.dirty = true;
    this.queuePreview();
  }

  onPointerMove(e) {
    if (e.pointerId !== this.drawing) return;
    e.preventDefault();
    const ctx = this.drawCanvas.getContext("2d");
    ctx.strokeStyle = "#000";
    ctx.lineWidth = LINE_WIDTH;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.beginPath();
    ctx.moveTo(this.last.x, this.last.y);
    const events = typeof e.getCoalescedEvents === "function" ? e.getCoalescedEvents() : [];
    for (const ev of events.length ? events : [e]) {
      const p = this.canvasPoint(ev);
      ctx.lineTo(p.x, p.y);
      this.last = p;
    }
    ctx.stroke();
    this.queuePreview();
  }

  onPointerUp(e) {
    if (e.pointerId !== this.drawing) return;
    this.drawing = null;
    try {
      if (this.drawCanvas.hasPointerCapture(e.pointerId)) this.drawCanvas.releasePointerCapture(e.pointerId);
    } catch {
      /* nothing to release */
    }
    this.updateFromDrawing(true);
  }

  queuePreview() {
    if (this.previewQueued) return;
    this.previewQueued = true;
    requestAnimationFrame(() => {
      this.previewQueued = false;
      if (this.drawing !== null) this.updateFromDrawing(false);
    });
  }

  async updateFromDrawing(compress) {
    const preprocess = this.engine ? this.engine.preprocess : await getPreprocess().catch(() => null);
    if (!preprocess) return;
    const ctx = this.drawCanvas.getContext("2d", { willReadFrequently: true });
    const image = ctx.getImageData(0, 0, DRAW_SIZE, DRAW_SIZE);
    const pixels = preprocess(image.data, DRAW_SIZE, DRAW_SIZE);
    if (compress) this.setInput(pixels, "draw");
    else this.showInput(pixels, "draw");
  }

  pickSample(i) {
    const s = this.samples[i];
    if (!s) return;
    // Show it on the drawing canvas too (dark ink on white, as drawn).
    const ctx = this.drawCanvas.getContext("2d");
    const small = el("canvas", { width: SIZE, height: SIZE });
    const inverted = new Uint8Array(PIXELS);
    for (let k = 0; k < PIXELS; k++) inverted[k] = 255 - s.pixels[k];
    paint(small, inverted);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(small, 0, 0, DRAW_SIZE, DRAW_SIZE);
    this.dirty = true;
    for (const b of this.samplesBox.querySelectorAll(".aec-sample")) {
      b.classList.toggle("aec-selected", b.dataset.index === String(i));
    }
    const label = s.label !== undefined ? ` (a ${s.label})` : "";
    this.setInput(s.pixels, "sample", `MNIST test digit ${s.index}${label}`);
  }

  showInput(pixels, source, description) {
    this.input = pixels;
    paint(this.inputCanvas, pixels);
    this.inputCanvas.dataset.pixels = pixels ? toHex(pixels).replace(/ /g, "") : "";
    const texts = {
      draw: ["your drawing, MNIST-style", "jouw tekening, zoals MNIST"],
      sample: [description || "MNIST test digit", description || "MNIST-testcijfer"],
      file: ["(opened a file: no original)", "(bestand geopend: geen origineel)"],
      link: ["(from a link: no original)", "(uit een link: geen origineel)"],
      none: ["–", "–"],
    }[source] || ["–", "–"];
    this.setText(this.inputSource, texts[0], texts[1]);
    if (source !== "draw") {
      for (const b of this.samplesBox.querySelectorAll(".aec-sample.aec-selected")) {
        if (source !== "sample") b.classList.remove("aec-selected");
      }
    }
  }

  setInput(pixels, source, description) {
    this.source = source;
    this.showInput(pixels, source, description);
    if (source === "draw") {
      for (const b of this.samplesBox.querySelectorAll(".aec-sample.aec-selected")) b.classList.remove("aec-selected");
    }
    if (!pixels || isBlank(pixels)) {
      this.job = null;
      this.clearResult();
      this.setStatus(pixels ? "The drawing is empty: draw a digit." : "Draw a digit or pick one.",
        pixels ? "De tekening is leeg: teken een cijfer." : "Teken of kies een cijfer.");
      return;
    }
    if (this.engine) this.requestCompress();
  }

  // --- work queue: one job at a time, the latest request wins ---

  schedule(job) {
    this.job = job;
    if (!this.busy) this.loop();
  }

  superseded() {
    return this.job !== null;
  }

  async loop() {
    this.busy = true;
    this.root.classList.add("aec-busy");
    while (this.job) {
      const job = this.job;
      this.job = null;
      try {
        await job();
      } catch (e) {
        this.showError(`Something went wrong: ${errorText(e)}`, `Er ging iets mis: ${errorText(e)}`);
        this.setStatus("Failed.", "Mislukt.");
      }
    }
    this.busy = false;
    this.root.classList.remove("aec-busy");
  }

  requestCompress() {
    if (!this.engine || !this.input) return;
    const pixels = this.input;
    this.schedule(() => this.compressJob(pixels, Number(this.quality.value)));
  }

  async compressJob(pixels, modelId) {
    const { codecs } = this.engine;
    this.setStatus("Compressing…", "Comprimeren…");
    const { bytes, encodeMs } = await compressTimed(codecs, pixels, modelId);
    const result = await decompressTimed(codecs, bytes);
    this.clearError();
    this.showResult(bytes, result, encodeMs, pixels, this.warmUp(modelId));
    this.setStatus("Done. Comparing with JPEG and WebP…", "Klaar. Vergelijken met JPEG en WebP…");
    await this.runBaselines(pixels, bytes.length);
    if (!this.superseded()) this.setStatus("Done.", "Klaar.");
  }

  openFile(file) {
    this.schedule(async () => {
      let bytes;
      try {
        bytes = new Uint8Array(await file.arrayBuffer());
      } catch (e) {
        this.showError(`Could not read ${file.name}: ${errorText(e)}`, `Kon ${file.name} niet lezen: ${errorText(e)}`);
        return;
      }
      await this.decompressJob(bytes, "file", file.name);
    });
  }

  openLink(text) {
    this.schedule(async () => {
      let bytes;
      try {
        bytes = fromBase64Url(text);
      } catch (e) {
        this.showError(`This link holds no compressed digit: ${errorText(e)}.`, `Deze link bevat geen gecomprimeerd cijfer: ${errorText(e)}.`);
        return;
      }
      await this.decompressJob(bytes, "link", "the link");
    });
  }

  async decompressJob(bytes, source, name) {
    if (!this.engine) return;
    this.setStatus("Decompressing…", "Decomprimeren…");
    let result;
    try {
      result = await decompressTimed(this.engine.codecs, bytes);
    } catch (e) {
      this.showError(`Could not decompress ${name}: ${errorText(e)}`, `Kon ${name} niet decomprimeren: ${errorText(e)}`);
      this.setStatus("Not a valid file.", "Geen geldig bestand.");
      return;
    }
    this.clearError();
    this.source = source;
    this.showInput(null, source);
    if (this.quality.querySelector(`option[value="${result.modelId}"]`)) this.quality.value = String(result.modelId);
    this.showResult(bytes, result, undefined, null, this.warmUp(result.modelId));
    this.clearBaselines();
    const n = result.images.length;
    this.setStatus(n > 1 ? `Decompressed ${name}: ${n} digits, showing the first.` : `Decompressed ${name}.`,
      n > 1 ? `${name} gedecomprimeerd: ${n} cijfers, het eerste wordt getoond.` : `${name} gedecomprimeerd.`);
  }

  // --- output ---

  clearResult() {
    this.bytes = null;
    this.reconstruction = null;
    paint(this.reconCanvas, null);
    this.bytesOut.textContent = "–";
    this.psnrOut.textContent = "–";
    this.ratioOut.textContent = "–";
    this.encodeOut.textContent = "–";
    this.decodeOut.textContent = "–";
    this.hexOut.textContent = "";
    this.setDownload(null);
    this.clearBaselines();
  }

  // True the first time a model runs on this page: its time includes one-off
  // work (WebGL shader compilation, weight upload).
  warmUp(modelId) {
    const warm = this.engine.warm || (this.engine.warm = new Set());
    const first = !warm.has(modelId);
    warm.add(modelId);
    return first;
  }

  showResult(bytes, result, encodeMs, original, firstRun = false) {
    const image = result.images[0];
    this.bytes = bytes;
    this.reconstruction = image;
    paint(this.reconCanvas, image);
    this.reconCanvas.dataset.pixels = toHex(image).replace(/ /g, "");
    this.bytesOut.textContent = String(bytes.length);
    this.ratioOut.textContent = fmtRatio(bytes.length);
    this.hexOut.textContent = toHex(bytes);
    const note = firstRun ? " (first run: includes warm-up)" : "";
    this.encodeOut.textContent = fmtMs(encodeMs) + (encodeMs !== undefined ? note : "");
    this.decodeOut.textContent = fmtMs(result.decodeMs) + note;
    this.psnrOut.textContent = original ? fmtDb(psnr(original, image)) : "–";
    this.setDownload(bytes, result.modelId);
    this.runs += 1;
    this.root.dataset.run = String(this.runs);
    if (this.runs === 1) this.relayout();
    if (!window.aecDemo.firstReconstruction) {
      window.aecDemo.firstReconstruction = performance.now();
      performance.mark?.("aec-first-reconstruction");
    }
  }

  setDownload(bytes, modelId) {
    if (this.downloadUrl) URL.revokeObjectURL(this.downloadUrl);
    this.downloadUrl = null;
    if (!bytes) {
      this.download.removeAttribute("href");
      this.download.removeAttribute("download");
      this.download.setAttribute("aria-disabled", "true");
      this.share.hidden = true;
      this.copyButton.hidden = true;
      return;
    }
    this.downloadUrl = URL.createObjectURL(new Blob([bytes], { type: "application/octet-stream" }));
    this.download.href = this.downloadUrl;
    this.download.download = `digit-model${modelId}${EXTENSION}`;
    this.download.removeAttribute("aria-disabled");
    this.share.href = `${DEMO_PAGE_URL}#${FRAGMENT_KEY}=${toBase64Url(bytes)}`;
    this.share.hidden = false;
    this.copyButton.hidden = !(navigator.clipboard && window.isSecureContext);
  }

  clearBaselines() {
    for (const out of Object.values(this.baselineOut)) {
      paint(out.canvas, null);
      out.bytes.textContent = "–";
      out.db.textContent = "–";
      out.quality.textContent = "–";
      out.profile.textContent = "–";
      out.note.textContent = "";
    }
  }

  async runBaselines(pixels, target) {
    this.clearBaselines();
    for (const [key, type] of [["jpeg", "image/jpeg"], ["webp", "image/webp"]]) {
      if (this.superseded()) return;
      const out = this.baselineOut[key];
      let r;
      try {
        r = await nearestNotBelow(pixels, type, target, () => this.superseded());
      } catch (e) {
        out.note.textContent = `failed: ${errorText(e)}`;
        continue;
      }
      if (r === undefined) return; // superseded
      if (r === null) {
        this.setText(out.note, "this browser has no encoder for it", "deze browser heeft er geen encoder voor");
        continue;
      }
      paint(out.canvas, r.pixels);
      out.canvas.dataset.pixels = toHex(r.pixels).replace(/ /g, "");
      out.bytes.textContent = String(r.bytes);
      out.db.textContent = fmtDb(r.psnr);
      out.quality.textContent = r.quality.toFixed(2);
      out.profile.textContent = String(r.profileBytes);
      if (r.note === "floor") this.setText(out.note, "its smallest file", "kleinste bestand");
      else if (r.note === "below") this.setText(out.note, "best quality, still smaller", "beste kwaliteit, toch kleiner");
      else out.note.textContent = "";
    }
  }
}

// --- mount -----------------------------------------------------------------------

const demos = [];
window.aecDemo = {
  demos,
  firstReconstruction: null,
  engine: () => getEngine(),
};

function mount() {
  ensureStylesheet();
  for (const root of document.querySelectorAll("[data-demo-root]")) {
    if (root.dataset.demoMounted) continue;
    root.dataset.demoMounted = "1";
    const demo = new Demo(root);
    demos.push(demo);
    whenShown(root, () => demo.start());
  }
}

// In the reveal.js deck, load tf.js' models only once the Demo slide is shown,
// so the other slides stay light; anywhere else, at once.
function whenShown(root, start) {
  const deck = window.Reveal;
  const slide = root.closest(".reveal .slides section");
  if (!slide || !deck || typeof deck.on !== "function" || typeof deck.getCurrentSlide !== "function") {
    start();
    return;
  }
  let started = false;
  const check = () => {
    const current = deck.getCurrentSlide();
    if (started || !current || !(current === slide || slide.contains(current) || current.contains(slide))) return;
    started = true;
    deck.off("slidechanged", check);
    deck.off("ready", check);
    start();
  };
  deck.on("slidechanged", check);
  deck.on("ready", check);
  if (typeof deck.isReady === "function" && deck.isReady()) check();
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mount);
else mount();
