// "Where the bits go" (inside.js): a file's bit split (engine.js' inspect, the
// twin's bits.js) as a heat map over the digit for a grid model (each cell's
// latents summed), one bar per latent for a vector model (the low-rate
// network), a line of totals and a table of every part. The parts are exact
// (1/65536 bit) and add up to the file's bits. A version-4 file (one digit of a
// learned level) has no header or cluster bits: its first part is the head, the model
// and cluster coded given the file's length (headQ16).
// Test hooks: data-testid bits-total; bits-part (data-part, data-bits: an exact decimal).

import { el } from "./dom.js";
import { bitsText, ONE_BIT, SIZE } from "./engine.js";
import { decimal } from "./numbers.js";
import { TEXT } from "./strings.js";

const SCALE = 10; // heat-map canvas pixels per digit pixel
const fmt = (q16, lang = "en") => decimal(q16 / ONE_BIT, 1, lang);

/** The split -> [{kind, q16, element}] in file order: header and clusters (if any), or version 4's
 * head; each latent (summed over digits), termination. */
export function partsOf(split) {
  const E = split.latentQ16.length / split.n;
  const latents = new Array(E).fill(0);
  split.latentQ16.forEach((q, i) => { latents[i % E] += q; });
  const first = split.headQ16 ? [{ kind: "head", q16: split.headQ16 }] : [
    { kind: "header", q16: split.headerBits * ONE_BIT },
    ...(split.clusterBits ? [{ kind: "clusters", q16: split.clusterBits * ONE_BIT }] : []),
  ];
  return [
    ...first,
    ...latents.map((q16, e) => ({ kind: "latent", q16, element: e })),
    { kind: "termination", q16: split.terminationQ16 },
  ];
}

export class BitMap {
  /** ui: {t, attr, setText}: inside.js' text helpers. */
  constructor(ui) {
    this.ui = ui;
    this.total = el("strong", { "data-testid": "bits-total" }, "–");
    this.sum = el("span", { class: "aec-muted" });
    this.stack = el("div", { class: "aec-stack", "aria-hidden": "true" });
    this.canvas = el("canvas", { class: "aec-heat", width: 4 * 7 * SCALE, height: 4 * 7 * SCALE, role: "img" });
    this.bars = el("div", { class: "aec-bars", role: "img" });
    this.help = el("p", { class: "aec-muted aec-hint" });
    this.rows = el("tbody");
    this.summary = el("summary");
    const table = el("table", { class: "aec-parts" },
      el("thead", {}, el("tr", {}, el("th", { scope: "col" }, ui.t(TEXT.thPart)), el("th", { scope: "col" }, ui.t(TEXT.thBits)))),
      this.rows);
    // a region that scrolls: it takes the focus, so the keyboard can scroll it
    this.scroller = el("div", { class: "aec-parts-box", tabindex: "0", role: "region" }, table);
    ui.attr(this.scroller, "aria-label", TEXT.thBits);
    const title = ui.id("aec-bits-title");
    this.node = el("section", { class: "aec-bitmap", "aria-labelledby": title },
      el("h3", { id: title }, ui.t(TEXT.bitsTitle)),
      el("p", { class: "aec-total" }, this.total, ui.t(TEXT.bitsIn), " ", this.sum),
      this.stack,
      el("div", { class: "aec-picture" }, this.canvas, this.bars),
      this.help,
      el("p", { class: "aec-muted aec-hint" }, ui.t(TEXT.bitsHelp)),
      this.details = el("details", { class: "aec-all-parts" }, this.summary, this.scroller));
    this.clear();
  }

  clear() {
    this.total.textContent = "–";
    this.sum.textContent = "";
    this.stack.replaceChildren();
    this.rows.replaceChildren();
    this.summary.textContent = "";
    this.details.hidden = true;
    this.canvas.hidden = true;
    this.bars.hidden = true;
    this.help.textContent = "";
  }

  /** A file's split (engine.inspect) and its decoded digit (Uint8Array(784)). */
  show(split, image) {
    const { ui } = this;
    const parts = partsOf(split);
    const [h, w] = split.latentShape.length === 3 ? split.latentShape : [0, 0];
    const where = (e) => {
      if (!h) return "";
      const cell = Math.floor(e / split.latentShape[2]);
      return TEXT.cellOf(Math.floor(cell / w) + 1, (cell % w) + 1).en;
    };
    const label = { header: TEXT.partHeader, clusters: TEXT.partClusters, head: TEXT.partHead, latents: TEXT.partLatents,
      termination: TEXT.partTermination };
    const name = (p) => (p.kind === "latent" ? TEXT.partLatent(p.element + 1, where(p.element)) : label[p.kind]);
    this.total.textContent = String(split.totalBits);
    const latents = parts.filter((p) => p.kind === "latent").reduce((a, p) => a + p.q16, 0);
    const groups = [...parts.filter((p) => p.kind !== "latent" && p.kind !== "termination").map((p) => [p.kind, p.q16]),
      ["latents", latents], ["termination", split.terminationQ16]];
    ui.setText(this.sum, {
      en: `= ${groups.map(([k, q]) => `${label[k].en} ${fmt(q)}`).join(" + ")}`,
      nl: `= ${groups.map(([k, q]) => `${label[k].nl} ${fmt(q, "nl")}`).join(" + ")}`,
    });
    this.stack.replaceChildren(...groups.filter(([, q]) => q > 0).map(([k, q]) => {
      const bar = el("span", { class: `aec-stack-${k}`, title: label[k].en });
      bar.style.width = `${(100 * q) / (split.totalBits * ONE_BIT)}%`;
      return bar;
    }));
    this.rows.replaceChildren(...parts.map((p) => el("tr", { "data-testid": "bits-part", "data-part": p.kind,
      "data-bits": bitsText(p.q16) }, el("td", {}, ui.t(name(p))), el("td", {}, decimal(p.q16 / ONE_BIT, 2)))));
    ui.setText(this.summary, TEXT.allParts(parts.length));
    this.details.hidden = false;
    ui.attr(this.scroller, "aria-label", TEXT.allParts(parts.length));
    const perLatent = parts.filter((p) => p.kind === "latent").map((p) => p.q16 / ONE_BIT);
    if (h) this.drawGrid(perLatent, h, w, image);
    else this.drawBars(perLatent);
  }

  drawGrid(perLatent, h, w, image) {
    const channels = perLatent.length / (h * w);
    const cells = Array.from({ length: h * w }, (_, c) => perLatent.slice(c * channels, (c + 1) * channels).reduce((a, b) => a + b, 0));
    const max = Math.max(...cells, 1e-9);
    const size = SIZE * SCALE;
    const ctx = this.canvas.getContext("2d");
    const digit = new ImageData(SIZE, SIZE);
    image.forEach((v, i) => digit.data.set([v, v, v, 255], 4 * i));
    const small = new OffscreenCanvas(SIZE, SIZE);
    small.getContext("2d").putImageData(digit, 0, 0);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(small, 0, 0, size, size);
    const cw = size / w;
    const ch = size / h;
    ctx.font = `bold ${Math.round(ch / 4)}px sans-serif`;
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    ctx.lineWidth = 4;
    cells.forEach((bits, c) => {
      const x = (c % w) * cw;
      const y = Math.floor(c / w) * ch;
      ctx.fillStyle = `rgba(230, 81, 0, ${0.1 + (0.65 * bits) / max})`;
      ctx.fillRect(x, y, cw, ch);
      ctx.strokeStyle = "rgba(255, 255, 255, 0.5)";
      ctx.lineWidth = 1;
      ctx.strokeRect(x + 0.5, y + 0.5, cw - 1, ch - 1);
      ctx.lineWidth = 4;
      ctx.strokeStyle = "#000";
      ctx.strokeText(decimal(bits, 1), x + cw / 2, y + ch / 2);
      ctx.fillStyle = "#fff";
      ctx.fillText(decimal(bits, 1), x + cw / 2, y + ch / 2);
    });
    this.ui.attr(this.canvas, "aria-label", TEXT.gridLabel(cells.map((b) => decimal(b, 1)).join(", ")));
    this.ui.setText(this.help, TEXT.gridHelp);
    this.canvas.hidden = false;
    this.bars.hidden = true;
  }

  drawBars(perLatent) {
    const max = Math.max(...perLatent, 1e-9);
    this.bars.replaceChildren(...perLatent.map((bits, e) => {
      const bar = el("span", { class: "aec-bar", title: `${e + 1}: ${decimal(bits, 2)}` });
      bar.style.height = `${(100 * bits) / max}%`;
      return bar;
    }));
    this.ui.attr(this.bars, "aria-label", TEXT.barsLabel(perLatent.map((b, e) => `${e + 1}: ${decimal(b, 1)}`).join(", ")));
    this.ui.setText(this.help, TEXT.barsHelp);
    this.bars.hidden = false;
    this.canvas.hidden = true;
  }
}
