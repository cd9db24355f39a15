// "Walk the latents" (inside.js), for a vector model (the low-rate and mid-rate networks):
// a slider per latent, the most-used first (bits.js' latentOrder: the most
// bits on average), and a morph from one digit to another, taking over the
// second digit's latents a share at a time in the same order.
// Test hooks: data-testid latent-slider (data-element), morph-from, morph-to,
// morph-go, morph-frame (data-pixels, data-bytes, data-swapped).

import { digitCanvas, el } from "./dom.js";
import { hexOf } from "./results.js";
import { TEXT } from "./strings.js";

const FIRST = 8; // sliders shown at once; the others are one click away

export class LatentWalk {
  /** ui: inside.js' helpers; onMove(symbols): latents to decode; onMorph(from, to): two choices' values. */
  constructor(ui, { onMove, onMorph }) {
    this.ui = ui;
    this.onMove = onMove;
    this.onMorph = onMorph;
    this.key = null; // the model whose sliders are built
    this.symbols = null;
    this.sliders = [];
    this.note = el("p", { class: "aec-muted aec-hint" });
    this.first = el("div", { class: "aec-sliders" });
    this.rest = el("div", { class: "aec-sliders" });
    this.restSummary = el("summary");
    this.more = el("details", { class: "aec-more-latents" }, this.restSummary, this.rest);
    this.from = el("select", { id: ui.id("aec-morph-from"), "data-testid": "morph-from" });
    this.to = el("select", { id: ui.id("aec-morph-to"), "data-testid": "morph-to" });
    this.go = el("button", { type: "button", "data-testid": "morph-go" }, ui.t(TEXT.morphGo));
    this.frames = el("div", { class: "aec-frames", "data-testid": "morph-frames" });
    this.controls = el("div", { class: "aec-walk-controls" },
      el("div", { class: "aec-sliders-box" }, this.first, this.more),
      el("h4", {}, ui.t(TEXT.morphTitle)),
      el("div", { class: "aec-morph" },
        el("label", { for: this.from.id }, ui.t(TEXT.morphFrom)), this.from,
        el("label", { for: this.to.id }, ui.t(TEXT.morphTo)), this.to, this.go),
      this.frames);
    const title = ui.id("aec-walk-title");
    this.node = el("section", { class: "aec-walk", "aria-labelledby": title },
      el("h3", { id: title }, ui.t(TEXT.walkTitle)), this.note, this.controls);
    this.fromPicked = false;
    this.from.addEventListener("change", () => { this.fromPicked = true; });
    this.go.addEventListener("click", () => this.onMorph(this.from.value, this.to.value));
    this.off();
  }

  /** Nothing to walk (no file, or a grid model): say how to get there. */
  off(entry = TEXT.walkLowrate) {
    this.ui.setText(this.note, entry);
    this.controls.hidden = true;
    this.key = null;
  }

  /** The choices of the morph: the input (when there is one) and the samples [{index, label}]. */
  setChoices(hasInput, samples) {
    const keep = [this.from.value, this.to.value];
    const options = (withInput) => [
      ...(withInput ? [el("option", { value: "input" }, TEXT.theInput[this.ui.lang()])] : []),
      ...samples.map((s, i) => el("option", { value: String(i) }, TEXT.sample(s)[this.ui.lang()])),
    ];
    this.from.replaceChildren(...options(hasInput));
    this.to.replaceChildren(...options(false));
    // the input, when there is one, unless the user picked another digit
    if (this.fromPicked && [...this.from.options].some((o) => o.value === keep[0])) this.from.value = keep[0];
    else this.from.selectedIndex = 0;
    if ([...this.to.options].some((o) => o.value === keep[1])) this.to.value = keep[1];
    else if (samples.length > 1) this.to.value = "1";
    this.go.disabled = !samples.length;
  }

  /** A vector model's file (engine.inspect): its latents on the sliders. New model: new sliders. */
  show(info) {
    this.ui.setText(this.note, TEXT.walkHelp(info.symbols.length));
    this.controls.hidden = false;
    this.symbols = Int32Array.from(info.symbols);
    if (this.key !== info.modelId) {
      this.key = info.modelId;
      this.frames.replaceChildren();
      this.sliders = Array.from(info.order, (e, rank) => this.slider(e, rank, info.lows[e], info.highs[e]));
      this.first.replaceChildren(...this.sliders.slice(0, FIRST).map((s) => s.box));
      this.rest.replaceChildren(...this.sliders.slice(FIRST).map((s) => s.box));
      this.ui.setText(this.restSummary, TEXT.moreLatents(this.sliders.length - FIRST));
    }
    for (const s of this.sliders) {
      s.input.value = String(this.symbols[s.e]);
      s.out.textContent = String(this.symbols[s.e]);
    }
  }

  slider(e, rank, lo, hi) {
    const input = el("input", { type: "range", id: this.ui.id("aec-latent"), min: String(lo), max: String(hi), step: "1",
      "data-testid": "latent-slider", "data-element": String(e) });
    const out = el("output", { for: input.id });
    const box = el("div", { class: "aec-slider" }, el("label", { for: input.id }, this.ui.t(TEXT.latentSlider(e + 1, rank + 1))),
      input, out);
    input.addEventListener("input", () => {
      this.symbols[e] = Number(input.value);
      out.textContent = input.value;
      this.onMove(Int32Array.from(this.symbols));
    });
    return { e, input, out, box };
  }

  /** The morph's digits: images [Uint8Array(784)], frames [{bytes, swapped}]. */
  showMorph(frames, images) {
    this.frames.replaceChildren(...frames.map((f, i) => el("figure", { class: "aec-frame", "data-testid": "morph-frame",
      "data-pixels": hexOf(images[i]), "data-bytes": String(f.bytes.length), "data-swapped": String(f.swapped) },
    digitCanvas(images[i], { "aria-hidden": "true" }),
    el("figcaption", {}, this.ui.t(TEXT.morphStep(f.swapped, f.bytes.length))))));
  }
}
