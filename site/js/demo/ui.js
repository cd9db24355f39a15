// One demo in one `data-demo-root` element: what the user does (draw, pick,
// change the model, open an image, a file or a link) becomes one job at a
// time, and the results go to the view (view.js, results.js). Compact inside
// the reveal.js slides, where every text shows in both languages (strings.js).
// Errors show beside the action that caused them, and clear what they make
// stale.
//
// Test hooks: data-testid attributes (view.js), `data-state` on the root
// (loading, ready, failed), `data-run` (the number of results settled so far:
// a digit compressed at a level with the search counts once its searched file shows),
// `data-engine` (worker or page: where the networks run), `data-pixels` (hex)
// on the input, reconstruction and baseline canvases; `encoder` reads "one pass",
// then "searched" once the search's file replaced it (encoding.js).

import { el, digitCanvas, paint, pressable } from "./dom.js";
import { DrawingPad, DRAW_SIZE } from "./drawing.js";
import { Encoding } from "./encoding.js";
import { getEngine } from "./client.js";
import { preprocess } from "./engine.js";
import { errorText, isBlank } from "./numbers.js";
import { Opener } from "./opening.js";
import { Results, hexOf } from "./results.js";
import { Inside } from "./inside.js";
import { getSamples } from "./samples.js";
import { Sharing } from "./sharing.js";
import { TEXT } from "./strings.js";
import { buildView } from "./view.js";

const SOURCES = { draw: TEXT.sourceDraw, file: TEXT.sourceFile, link: TEXT.sourceLink, none: TEXT.sourceNone };

let snapshots = 0;
const CONTROL_KEYS = new Set([" ", "Enter", "ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight", "Home", "End", "PageUp", "PageDown"]);

export class Demo {
  /** onResult() runs after every result shown (index.js marks the first one). */
  constructor(root, { onResult = () => {} } = {}) {
    this.root = root;
    this.onResult = onResult;
    this.compact = !!root.closest(".reveal");
    this.bilingual = this.compact && !!document.querySelector("#lang-toggle");
    this.attrs = []; // [node, attribute, entry]: texts that follow the deck's language
    this.engine = null;
    this.engineReady = null; // getEngine()'s promise, once started
    this.samples = [];
    this.input = null; // Uint8Array(784) MNIST-style, or null (e.g. a file was opened)
    this.source = "none"; // draw | sample | image | file | link | none
    this.description = null; // the input's strings.js entry (a sample's or an image's name)
    this.sampleIndex = null;
    this.opened = null; // {name} of the file or link shown (null for a link), when that is the source
    this.shownKey = null; // what is on screen: a snapshot's id or "link:<text>" (sharing.js)
    this.edited = false; // the file shown was edited inside the file (inside.js)
    this.runs = 0;
    this.shownOnce = false; // a result has been shown (the slides relayout once then)
    this.job = null; // the next piece of work (latest request wins)
    this.busy = false;
    root.classList.add("aec-demo");
    if (this.compact) root.classList.add("aec-compact");
    root.dataset.state = "loading";
    root.dataset.run = "0";
    this.v = buildView(root, { t: (entry) => this.t(entry), attr: (node, name, entry) => this.attr(node, name, entry) });
    this.results = new Results(this.v, (node, entry) => this.setText(node, entry));
    this.sharing = new Sharing(this, this.v);
    this.opener = new Opener(this);
    this.encoding = new Encoding(this);
    this.inside = this.compact ? null : new Inside(this); // the demo page only: it needs the room
    if (this.inside) root.append(this.inside.node);
    this.pad = new DrawingPad(this.v.drawCanvas, {
      onStart: () => {
        if (this.source !== "draw") this.pad.clear(); // a sample or a file was shown: start afresh
        this.source = "draw";
      },
      onChange: (done) => this.updateFromDrawing(done),
    });
    this.bind();
    this.setStatus(TEXT.loading);
    if (this.bilingual) document.addEventListener("deck-lang", () => this.relabel());
  }

  // --- language ---

  lang() {
    return this.bilingual && document.documentElement.lang === "nl" ? "nl" : "en";
  }

  // A strings.js entry as a node in the page's language; in the bilingual slides, both (CSS picks one).
  t({ en, nl }) {
    if (!this.bilingual || nl === undefined || nl === en) return document.createTextNode(en);
    const frag = document.createDocumentFragment();
    frag.append(el("span", { lang: "nl", text: nl }), el("span", { lang: "en", text: en }));
    return frag;
  }

  setText(node, entry) {
    node.replaceChildren(this.t(entry));
  }

  // Attributes and <option>s cannot hold both languages: they follow the deck's.
  attr(node, name, entry) {
    this.attrs.push([node, name, entry]);
    node.setAttribute(name, entry[this.lang()] ?? entry.en);
  }

  relabel() {
    for (const [node, name, entry] of this.attrs) node.setAttribute(name, entry[this.lang()] ?? entry.en);
    for (const option of this.v.quality.options) {
      const level = this.engine?.levels.find((l) => String(l.id) === option.value);
      if (level) option.textContent = TEXT.level(level)[this.lang()];
    }
  }

  bind() {
    const v = this.v;
    v.clearButton.addEventListener("click", () => {
      this.pad.clear();
      this.clearError();
      this.setInput(null, "none");
    });
    v.quality.addEventListener("change", () => {
      if (this.input) this.requestCompress();
    });
    // reveal.js moves the deck on Space and the arrow keys even from a focused
    // button or <select>: on the demo's controls, those keys are the controls'.
    if (this.compact) {
      this.root.addEventListener("keydown", (e) => {
        if (e.target.closest?.("button, a, input, select") && CONTROL_KEYS.has(e.key)) e.stopPropagation();
      });
    }
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
    pressable(v.download);
  }

  // --- messages ---

  setStatus(entry) {
    this.setText(this.v.status, entry);
  }

  /** Show an error in a slot of view.js (top, open, results, share): beside what caused it, in view. */
  showError(entry, slot = "top") {
    const error = this.v.error;
    this.setText(error, entry);
    this.v.slots[slot].append(error);
    error.hidden = false;
    if (!this.compact) error.scrollIntoView({ block: "nearest" });
  }

  clearError() {
    this.v.error.hidden = true;
    this.v.error.textContent = "";
  }

  /** An error, and nothing left on screen that it makes stale. */
  fail(entry, slot) {
    this.job = null;
    this.encoding.stop();
    this.pad.clear();
    this.source = "none";
    this.opened = null;
    this.showInput(null, "none");
    this.results.clear();
    this.inside?.clear();
    this.sharing.update(null);
    this.showError(entry, slot);
    this.setStatus(TEXT.nothingShown);
  }

  // --- start-up ---

  async start() {
    const v = this.v;
    getSamples()
      .then((samples) => this.showSamples(samples))
      .catch((e) => {
        v.samplesBox.replaceChildren(el("span", { class: "aec-muted" }, this.t(TEXT.samplesUnavailable(errorText(e)))));
      });
    this.engineReady = getEngine();
    try {
      this.engine = await this.engineReady;
    } catch (e) {
      this.root.dataset.state = "failed";
      v.backendOut.textContent = "–";
      this.showError(TEXT.loadFailed(errorText(e)), "top");
      this.setStatus(TEXT.codecUnavailable);
      return;
    }
    const { levels, backend, fallback, thread } = this.engine;
    this.root.dataset.engine = thread;
    v.backendOut.textContent = backend;
    if (fallback) {
      this.setText(v.notice, TEXT.webglFallback(backend));
      v.notice.hidden = false;
    }
    v.quality.replaceChildren(...levels.map((l) => el("option", { value: String(l.id) }, TEXT.level(l)[this.lang()])));
    const learned = levels.filter((l) => l.id !== 0);
    const initial = levels.find((l) => l.id === this.engine.defaultModelId)
      ?? (learned.length ? learned[Math.floor((learned.length - 1) / 2)] : levels[0]);
    v.quality.value = String(initial.id);
    v.quality.disabled = false;
    this.root.dataset.state = "ready";
    this.setStatus(TEXT.ready);

    if (this.sharing.onPage && this.sharing.fromAddress()) return; // a link, or a remembered demo
    if (this.input) {
      this.requestCompress(); // drawn while the models loaded
    } else if (this.source === "none") {
      try {
        const samples = await getSamples();
        if (samples.length && !this.input && this.source === "none") this.pickSample(0);
      } catch {
        /* already reported */
      }
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
      const button = el("button", { type: "button", class: "aec-sample", "data-testid": "sample", "data-index": String(i) },
        digitCanvas(samples[i].pixels));
      this.attr(button, "aria-label", TEXT.sample(samples[i]));
      this.attr(button, "title", TEXT.sample(samples[i]));
      button.addEventListener("click", () => this.pickSample(i));
      return button;
    }));
    this.markSample(this.source === "sample" ? this.sampleIndex : null);
    this.v.randomButton.hidden = samples.length <= chosen.length;
    this.inside?.walk.setChoices(!!this.input, samples);
    this.relayout();
  }

  // reveal.js centres a slide by its height: tell it when ours may have changed.
  relayout() {
    if (this.compact && window.Reveal?.isReady?.() && typeof window.Reveal.layout === "function") window.Reveal.layout();
  }

  // --- input ---

  updateFromDrawing(done) {
    const pixels = preprocess(this.pad.rgba(), DRAW_SIZE, DRAW_SIZE);
    if (done) this.setInput(pixels, "draw");
    else this.showInput(pixels, "draw");
  }

  markSample(index) {
    for (const b of this.v.samplesBox.querySelectorAll(".aec-sample")) {
      b.classList.toggle("aec-selected", b.dataset.index === String(index));
    }
  }

  pickSample(i) {
    const s = this.samples[i];
    if (!s) return;
    this.pad.showDigit(s.pixels); // on the drawing canvas too, as drawn
    this.clearError();
    this.sampleIndex = i;
    this.setInput(s.pixels, "sample", TEXT.sample(s));
  }

  showInput(pixels, source, description) {
    this.input = pixels;
    paint(this.v.inputCanvas, pixels);
    this.v.inputCanvas.dataset.pixels = pixels ? hexOf(pixels) : "";
    this.setText(this.v.inputSource, description || SOURCES[source]);
    this.markSample(source === "sample" ? this.sampleIndex : null);
  }

  setInput(pixels, source, description = null) {
    this.encoding.stop(); // a search for the digit shown before must not replace this one
    this.source = source;
    this.description = description;
    this.opened = null;
    this.showInput(pixels, source, description);
    if (!pixels || isBlank(pixels)) {
      this.job = null;
      this.results.clear();
      this.inside?.clear();
      this.sharing.update(null);
      this.setStatus(pixels ? TEXT.emptyDrawing : TEXT.nothingYet);
      return;
    }
    if (this.engine) this.requestCompress();
  }

  /** encoder: TEXT.onePass or TEXT.searched for a digit compressed here (encoding.js), else null;
   * settled: false for a one-pass file that a searched one will replace (data-run waits for that). */
  showResult(bytes, result, encodeMs, original, firstRun, encoder = null, settled = true) {
    this.results.show(bytes, result, encodeMs, original, firstRun, encoder);
    this.sharing.update(bytes);
    this.edited = false;
    this.inside?.load(bytes, result);
    if (!this.shownOnce) this.relayout();
    this.shownOnce = true;
    if (settled) this.settle();
    this.onResult();
  }

  /** A result is final (the test hook data-run counts it). */
  settle() {
    this.runs += 1;
    this.root.dataset.run = String(this.runs);
  }

  /** A file or a link decompressed (opening.js): shown as it is, with no original to compare. */
  showOpened(bytes, result, source, name, firstRun) {
    this.clearError();
    this.source = source;
    this.description = null;
    this.opened = { name };
    this.showInput(null, source);
    const quality = this.v.quality;
    if (quality.querySelector(`option[value="${result.modelId}"]`)) quality.value = String(result.modelId);
    this.showResult(bytes, result, undefined, null, firstRun);
    this.sharing.remember();
    this.results.clearBaselines();
  }

  /** Bytes edited inside the file (inside.js), decoded: shown against the same input, to download or share. */
  showEdited(bytes, result) {
    this.clearError();
    this.results.show(bytes, result, undefined, this.input, false);
    this.results.clearBaselines(); // they matched the encoder's size
    this.sharing.update(bytes);
    this.edited = true;
  }

  /** Edited bytes that are no file (inside.js says why): no digit, nothing to download or share. */
  showRefused() {
    this.results.clear();
    this.sharing.update(null);
  }

  // --- history (sharing.js) ---

  /** What is shown, as a cloneable value that restore() brings back. */
  snapshot() {
    snapshots += 1;
    return {
      id: `${Date.now()}-${snapshots}`,
      source: this.source,
      description: this.description,
      sampleIndex: this.source === "sample" ? this.sampleIndex : null,
      pixels: this.opened ? null : this.input,
      modelId: Number(this.v.quality.value),
      bytes: this.results.bytes,
      edited: this.edited, // bytes edited inside the file: restored as they are, not compressed again
      name: this.opened?.name ?? null,
    };
  }

  restore(snap) {
    this.shownKey = snap.id;
    this.clearError();
    const quality = this.v.quality;
    if (quality.querySelector(`option[value="${snap.modelId}"]`)) quality.value = String(snap.modelId);
    if (snap.pixels && snap.edited && snap.bytes && this.inside) {
      // an edited file (inside.js): its input as it was, and its bytes as they were edited
      this.pad.showDigit(snap.pixels);
      this.sampleIndex = snap.sampleIndex;
      Object.assign(this, { source: snap.source, description: snap.description, opened: null });
      this.showInput(snap.pixels, snap.source, snap.description);
      this.inside.restore(snap.bytes);
    } else if (snap.pixels) {
      this.pad.showDigit(snap.pixels);
      this.sampleIndex = snap.sampleIndex;
      this.setInput(snap.pixels, snap.source, snap.description);
    } else if (snap.bytes) {
      const { bytes, source, name } = snap;
      this.schedule(() => this.opener.decompress(bytes, source, name, source === "link" ? "top" : "open"));
    }
  }

  // --- work queue: one job at a time, the latest request wins ---

  schedule(job) {
    this.encoding.stop(); // the job running is stale: its search ends now
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
        this.showError(TEXT.wentWrong(errorText(e)), "results");
        this.setStatus(TEXT.failed);
      }
    }
    this.busy = false;
    this.root.classList.remove("aec-busy");
  }

  requestCompress() {
    if (!this.engine || !this.input) return;
    const pixels = this.input;
    this.schedule(() => this.encoding.run(pixels, Number(this.v.quality.value)));
  }

  openFile(file) {
    this.schedule(() => this.opener.file(file));
  }

  openLink(text) {
    this.shownKey = `link:${text}`;
    this.schedule(() => this.opener.link(text));
  }
}
