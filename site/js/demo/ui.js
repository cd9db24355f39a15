// One demo in one `data-demo-root` element: what the user does (draw, pick,
// change the model, open a file or a link) becomes one job at a time, and the
// results go to the view (view.js). Compact inside the reveal.js slides, where
// every text shows in both languages (strings.js).
//
// Test hooks: data-testid attributes (view.js), `data-state` on the root
// (loading, ready, failed), `data-run` (the number of results shown so far),
// `data-pixels` (hex) on the input, reconstruction and baseline canvases.

import { el, digitCanvas, paint } from "./dom.js";
import { DrawingPad, DRAW_SIZE } from "./drawing.js";
import { currentBackend, getEngine, preprocess } from "./engine.js";
import { fromBase64Url, linkData } from "./links.js";
import { errorText } from "./numbers.js";
import { Results, hexOf } from "./results.js";
import { getSamples } from "./samples.js";
import { TEXT } from "./strings.js";
import { buildView } from "./view.js";

const SOURCES = { draw: TEXT.sourceDraw, file: TEXT.sourceFile, link: TEXT.sourceLink, none: TEXT.sourceNone };

function isBlank(pixels) {
  for (let i = 0; i < pixels.length; i++) if (pixels[i] !== 0) return false;
  return true;
}

export class Demo {
  /** onResult() runs after every result shown (index.js marks the first one). */
  constructor(root, { onResult = () => {} } = {}) {
    this.root = root;
    this.onResult = onResult;
    this.compact = !!root.closest(".reveal");
    this.bilingual = this.compact && !!document.querySelector("#lang-toggle");
    this.engine = null;
    this.samples = [];
    this.input = null; // Uint8Array(784) MNIST-style, or null (e.g. a file was opened)
    this.source = "none"; // draw | sample | file | link | none
    this.runs = 0;
    this.job = null; // the next piece of work (latest request wins)
    this.busy = false;
    root.classList.add("aec-demo");
    if (this.compact) root.classList.add("aec-compact");
    root.dataset.state = "loading";
    root.dataset.run = "0";
    this.v = buildView(root, (entry) => this.t(entry));
    this.results = new Results(this.v, (node, entry) => this.setText(node, entry));
    this.pad = new DrawingPad(this.v.drawCanvas, {
      onStart: () => {
        if (this.source !== "draw") this.pad.clear(); // a sample or a file was shown: start afresh
        this.source = "draw";
      },
      onChange: (done) => this.updateFromDrawing(done),
    });
    this.bind();
    this.setStatus(TEXT.loading);
  }

  // A strings.js entry in the page's language; in the bilingual slides, both (CSS picks one).
  t({ en, nl }) {
    if (!this.bilingual || nl === undefined) return document.createTextNode(en);
    const frag = document.createDocumentFragment();
    frag.append(el("span", { lang: "nl", text: nl }), el("span", { lang: "en", text: en }));
    return frag;
  }

  setText(node, entry) {
    node.replaceChildren(this.t(entry));
  }

  bind() {
    const v = this.v;
    v.clearButton.addEventListener("click", () => {
      this.pad.clear();
      this.setInput(null, "none");
    });
    v.quality.addEventListener("change", () => {
      if (this.input) this.requestCompress();
    });
    // reveal.js navigates on arrow keys even inside a <select>: keep them here.
    v.quality.addEventListener("keydown", (e) => e.stopPropagation());
    v.randomButton.addEventListener("click", () => {
      if (this.samples.length) this.pickSample(Math.floor(Math.random() * this.samples.length));
    });
    v.fileInput.addEventListener("change", () => {
      const file = v.fileInput.files && v.fileInput.files[0];
      if (file) this.openFile(file);
      v.fileInput.value = ""; // the same file can be opened again
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
    v.copyButton.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(v.share.href);
        this.setStatus(TEXT.copied);
      } catch {
        this.setStatus(TEXT.copyByHand);
      }
    });
  }

  // --- messages ---

  setStatus(entry) {
    this.setText(this.v.status, entry);
  }

  showError(entry) {
    this.setText(this.v.error, entry);
    this.v.error.hidden = false;
  }

  clearError() {
    this.v.error.hidden = true;
    this.v.error.textContent = "";
  }

  // --- start-up ---

  async start() {
    const v = this.v;
    getSamples()
      .then((samples) => this.showSamples(samples))
      .catch((e) => {
        v.samplesBox.replaceChildren(el("span", { class: "aec-muted" }, this.t(TEXT.samplesUnavailable(errorText(e)))));
      });
    try {
      this.engine = await getEngine();
    } catch (e) {
      this.root.dataset.state = "failed";
      v.backendOut.textContent = currentBackend();
      this.showError(TEXT.loadFailed(errorText(e)));
      this.setStatus(TEXT.codecUnavailable);
      return;
    }
    const { levels, backend, fallback } = this.engine;
    v.backendOut.textContent = backend;
    if (fallback) {
      this.setText(v.notice, TEXT.webglFallback(backend));
      v.notice.hidden = false;
    }
    v.quality.replaceChildren(...levels.map((l) => el("option", { value: String(l.id) }, l.label || TEXT.modelFallback(l.id).en)));
    const learned = levels.filter((l) => l.id !== 0);
    const initial = learned.length ? learned[Math.floor((learned.length - 1) / 2)] : levels[0];
    v.quality.value = String(initial.id);
    v.quality.disabled = false;
    this.root.dataset.state = "ready";
    this.setStatus(TEXT.ready);

    const fragment = linkData(location.hash);
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
    if (fragment !== null || !this.compact) { // the demo page follows links opened on it
      window.addEventListener("hashchange", () => {
        const f = linkData(location.hash);
        if (f !== null) this.openLink(f);
      });
    }
  }

  showSamples(samples) {
    this.samples = samples;
    if (!samples.length) {
      this.v.samplesBox.replaceChildren(el("span", { class: "aec-muted" }, this.t(TEXT.noSamples)));
      return;
    }
    // One of each label first (0..9), then more up to the limit.
    const limit = this.compact ? 10 : 20;
    const chosen = [];
    const seen = new Set();
    samples.forEach((s, i) => {
      if (!seen.has(s.label) && chosen.length < limit) {
        seen.add(s.label);
        chosen.push(i);
      }
    });
    for (let i = 0; i < samples.length && chosen.length < limit; i++) if (!chosen.includes(i)) chosen.push(i);
    chosen.sort((a, b) => samples[a].label - samples[b].label || a - b);
    this.v.samplesBox.replaceChildren(...chosen.map((i) => {
      const label = TEXT.sample(samples[i]).en;
      const button = el("button", { type: "button", class: "aec-sample", "data-testid": "sample", "data-index": String(i),
        title: label, "aria-label": label }, digitCanvas(samples[i].pixels));
      button.addEventListener("click", () => this.pickSample(i));
      return button;
    }));
    this.v.randomButton.hidden = samples.length <= chosen.length;
    this.relayout();
  }

  // reveal.js centres a slide by its height: tell it when ours changed.
  relayout() {
    if (this.compact && window.Reveal && typeof window.Reveal.layout === "function" && window.Reveal.isReady?.()) {
      window.Reveal.layout();
    }
  }

  // --- input ---

  updateFromDrawing(done) {
    const pixels = preprocess(this.pad.rgba(), DRAW_SIZE, DRAW_SIZE);
    if (done) this.setInput(pixels, "draw");
    else this.showInput(pixels, "draw");
  }

  pickSample(i) {
    const s = this.samples[i];
    if (!s) return;
    this.pad.showDigit(s.pixels); // on the drawing canvas too, as drawn
    for (const b of this.v.samplesBox.querySelectorAll(".aec-sample")) {
      b.classList.toggle("aec-selected", b.dataset.index === String(i));
    }
    this.setInput(s.pixels, "sample", TEXT.sample(s));
  }

  selectedSamples() {
    return this.v.samplesBox.querySelectorAll(".aec-sample.aec-selected");
  }

  showInput(pixels, source, description) {
    this.input = pixels;
    paint(this.v.inputCanvas, pixels);
    this.v.inputCanvas.dataset.pixels = pixels ? hexOf(pixels) : "";
    this.setText(this.v.inputSource, source === "sample" ? description : SOURCES[source]);
    if (source !== "draw" && source !== "sample") for (const b of this.selectedSamples()) b.classList.remove("aec-selected");
  }

  setInput(pixels, source, description) {
    this.source = source;
    this.showInput(pixels, source, description);
    if (source === "draw") for (const b of this.selectedSamples()) b.classList.remove("aec-selected");
    if (!pixels || isBlank(pixels)) {
      this.job = null;
      this.results.clear();
      this.setStatus(pixels ? TEXT.emptyDrawing : TEXT.nothingYet);
      return;
    }
    if (this.engine) this.requestCompress();
  }

  showResult(bytes, result, encodeMs, original, firstRun) {
    this.results.show(bytes, result, encodeMs, original, firstRun);
    this.runs += 1;
    this.root.dataset.run = String(this.runs);
    if (this.runs === 1) this.relayout();
    this.onResult();
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
        this.showError(TEXT.wentWrong(errorText(e)));
        this.setStatus(TEXT.failed);
      }
    }
    this.busy = false;
    this.root.classList.remove("aec-busy");
  }

  requestCompress() {
    if (!this.engine || !this.input) return;
    const pixels = this.input;
    this.schedule(() => this.compressJob(pixels, Number(this.v.quality.value)));
  }

  async compressJob(pixels, modelId) {
    this.setStatus(TEXT.compressing);
    const { bytes, encodeMs } = await this.engine.compress(pixels, modelId);
    const result = await this.engine.decompress(bytes);
    this.clearError();
    this.showResult(bytes, result, encodeMs, pixels, this.engine.firstRun(modelId));
    this.setStatus(TEXT.comparing);
    await this.results.runBaselines(pixels, bytes.length, () => this.superseded());
    if (!this.superseded()) this.setStatus(TEXT.done);
  }

  openFile(file) {
    this.schedule(async () => {
      let bytes;
      try {
        bytes = new Uint8Array(await file.arrayBuffer());
      } catch (e) {
        this.showError(TEXT.cannotRead(file.name, errorText(e)));
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
        this.showError(TEXT.badLink(errorText(e)));
        return;
      }
      await this.decompressJob(bytes, "link", TEXT.theLink.en);
    });
  }

  async decompressJob(bytes, source, name) {
    if (!this.engine) return;
    this.setStatus(TEXT.decompressing);
    let result;
    try {
      result = await this.engine.decompress(bytes);
    } catch (e) {
      this.showError(TEXT.cannotDecompress(name, errorText(e)));
      this.setStatus(TEXT.notValid);
      return;
    }
    this.clearError();
    this.source = source;
    this.showInput(null, source);
    const quality = this.v.quality;
    if (quality.querySelector(`option[value="${result.modelId}"]`)) quality.value = String(result.modelId);
    this.showResult(bytes, result, undefined, null, this.engine.firstRun(result.modelId));
    this.results.clearBaselines();
    this.setStatus(TEXT.decompressed(name, result.images.length));
  }

}
