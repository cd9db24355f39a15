// Inside the file, on the demo page (not the slides): where the shown file's
// bits go (bitmap.js), its bytes to edit (editor.js) and, for the low-rate
// network, its latents to walk and a morph (walk.js). The work runs in the
// engine (engine.js' inspect, fromSymbols, morph: in the worker) as jobs of
// ui.js' Demo, so the latest request wins. Each change is said in one status
// line that screen readers announce: the file's bits and bytes and the
// digit's PSNR against the input.
// Test hooks: data-testid inside (data-inside: how many files it has shown), inside-status.

import { BitMap } from "./bitmap.js";
import { el } from "./dom.js";
import { ByteEditor } from "./editor.js";
import { both, errorText, fmtDb, psnr } from "./numbers.js";
import { TEXT } from "./strings.js";
import { LatentWalk } from "./walk.js";

const MORPH_STEPS = 8;
let ids = 0;

export class Inside {
  /** demo: ui.js' Demo (engine, input, samples, schedule, showEdited, showRefused, t, setText, lang). */
  constructor(demo) {
    this.demo = demo;
    this.modelId = null;
    this.shown = 0;
    const ui = {
      t: (entry) => demo.t(entry),
      setText: (node, entry) => demo.setText(node, entry),
      attr: (node, name, entry) => node.setAttribute(name, entry[demo.lang()] ?? entry.en),
      lang: () => demo.lang(),
      id: (prefix) => `${prefix}-${++ids}`,
    };
    this.ui = ui;
    this.map = new BitMap(ui);
    this.editor = new ByteEditor(ui, (bytes) => this.requestEdit(bytes));
    this.walk = new LatentWalk(ui, { onMove: (s) => this.requestMove(s), onMorph: (a, b) => this.requestMorph(a, b) });
    this.status = el("p", { class: "aec-inside-status", role: "status", "data-testid": "inside-status" });
    const title = ui.id("aec-inside-title");
    this.node = el("section", { class: "aec-inside", "data-testid": "inside", "data-inside": "0", "aria-labelledby": title },
      el("h2", { id: title }, ui.t(TEXT.insideTitle)),
      el("p", { class: "aec-muted aec-hint" }, ui.t(TEXT.insideIntro)),
      this.status,
      el("div", { class: "aec-inside-grid" }, this.map.node, this.editor.node),
      this.walk.node);
    this.clear();
  }

  /** Nothing shown. */
  clear() {
    this.modelId = null;
    this.map.clear();
    this.editor.clear();
    this.walk.off(TEXT.noFileYet);
    this.demo.setText(this.status, TEXT.noFileYet);
  }

  /** A new file on screen (compressed, opened, from a link): its parts, bytes and latents; no edits yet. */
  async load(bytes, result) {
    try {
      await this.render(bytes, result.images[0], true);
    } catch (e) {
      this.clear();
      this.demo.setText(this.status, TEXT.wentWrong(errorText(e)));
    }
  }

  async render(bytes, image, fresh) {
    const info = await this.demo.engine.inspect(bytes);
    this.modelId = info.modelId;
    this.map.show(info, image);
    // version 4 has no header: colour the leading bits its head (model and cluster) alone fixes
    const marks = { header: info.headQ16 ? info.headPrefix : info.headerBits, clusters: info.clusterBits };
    if (fresh) this.editor.load(bytes, marks);
    else this.editor.show(bytes, marks);
    this.walk.setChoices(!!this.demo.input, this.demo.samples);
    if (info.latentShape.length === 1) this.walk.show(info);
    else this.walk.off();
    this.shown += 1;
    this.node.dataset.inside = String(this.shown);
    if (fresh) this.demo.setText(this.status, this.nowFile(bytes, image));
    return info;
  }

  nowFile(bytes, image) {
    const db = this.demo.input ? both(fmtDb, psnr(this.demo.input, image)) : { en: "–", nl: "–" };
    const entry = (lang) => TEXT.nowFile(String(8 * bytes.length), String(bytes.length), db[lang])[lang];
    return { en: entry("en"), nl: entry("nl") };
  }

  /** Edited bytes (editor.js): decoded, or refused with the format's own words. */
  requestEdit(bytes) {
    this.demo.schedule(async () => {
      let result;
      try {
        result = await this.demo.engine.decompress(bytes);
      } catch (e) {
        const why = TEXT.invalidFile(errorText(e));
        this.editor.refuse(why);
        this.map.clear();
        this.demo.showRefused();
        this.demo.setText(this.status, why);
        return;
      }
      this.demo.showEdited(bytes, result);
      await this.render(bytes, result.images[0], false);
      this.demo.setText(this.status, this.nowFile(bytes, result.images[0]));
    });
  }

  /** An edited file brought back by the browser's history (ui.js' restore): shown as edited, nothing to undo. */
  restore(bytes) {
    this.editor.clear();
    this.requestEdit(bytes);
  }

  /** A slider moved (walk.js): the latents made into a file and decoded; an edit like any other. */
  requestMove(symbols) {
    const modelId = this.modelId;
    this.demo.schedule(async () => {
      const result = await this.demo.engine.fromSymbols(modelId, symbols);
      const { bytes } = result;
      this.editor.edit(bytes, false);
      this.demo.showEdited(bytes, { modelId, images: result.images });
      await this.render(bytes, result.images[0], false);
      this.demo.setText(this.status, this.nowFile(bytes, result.images[0]));
    });
  }

  /** The morph between two choices of walk.js: "input" or a sample's index. */
  requestMorph(from, to) {
    const pixels = (v) => (v === "input" ? this.demo.input : this.demo.samples[Number(v)]?.pixels);
    const a = pixels(from);
    const b = pixels(to);
    if (!a || !b || from === to) {
      this.demo.setText(this.status, TEXT.morphNeeds);
      return;
    }
    const modelId = this.modelId;
    this.demo.schedule(async () => {
      const { frames, images } = await this.demo.engine.morph(modelId, a, b, MORPH_STEPS);
      this.walk.showMorph(frames, images);
      this.demo.setText(this.status, TEXT.morphDone(frames.length));
    });
  }
}
