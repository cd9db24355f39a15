// The demo's elements: the input panel (drawing, samples, Open), the result
// tiles (input, ours, JPEG, WebP) with a legend of their terms, controls,
// numbers, download and share. buildView fills the root and returns the nodes
// ui.js updates. Everything that fills in later has its room from the start
// (demo.css), so nothing moves the page when the results arrive.
// data-testid attributes are the tests' hooks.

import { el } from "./dom.js";
import { DRAW_SIZE } from "./drawing.js";
import { SIZE } from "./engine.js";
import { RAW_BYTES } from "./numbers.js";
import { TEXT } from "./strings.js";

export const EXTENSION = ".aec";

/**
 * Fill `root`. tx.t(entry) makes a text node of a strings.js entry;
 * tx.attr(node, name, entry) sets an attribute to one (in the page's language).
 * Returns the live nodes.
 */
export function buildView(root, { t, attr }) {
  const v = {};
  v.notice = el("p", { class: "aec-notice", "data-testid": "notice", role: "status", hidden: true });
  // One error message, shown beside the action that caused it (ui.js moves it into a slot).
  v.error = el("p", { class: "aec-error", "data-testid": "error", role: "alert", hidden: true });
  const slot = (name) => el("div", { class: "aec-error-slot", "data-slot": name });
  v.slots = { top: slot("top"), open: slot("open"), results: slot("results"), share: slot("share") };

  // Input: drawing canvas, clear, samples, open a file.
  v.drawCanvas = el("canvas", {
    class: "aec-draw",
    width: DRAW_SIZE,
    height: DRAW_SIZE,
    "data-testid": "draw-canvas",
    role: "img", // named by its aria-label (a canvas has no role of its own)
    "data-prevent-swipe": true, // reveal.js: drawing on a touch screen is not a swipe
  });
  attr(v.drawCanvas, "aria-label", TEXT.drawArea);
  v.clearButton = el("button", { type: "button", "data-testid": "clear" }, t(TEXT.clear));
  v.samplesBox = el("div", { class: "aec-samples", "data-testid": "samples" });
  v.randomButton = el("button", { type: "button", class: "aec-random", "data-testid": "random-sample", hidden: true },
    t(TEXT.randomSample));
  v.fileInput = el("input", {
    type: "file",
    accept: `${EXTENSION},image/*,application/octet-stream`,
    "data-testid": "file-input",
  });
  const open = el("label", { class: "aec-button aec-file" }, t(TEXT.open), v.fileInput);
  const drawPanel = el("div", { class: "aec-panel aec-input-panel" },
    el("div", { class: "aec-caption" }, t(TEXT.draw), " ", v.clearButton),
    v.drawCanvas,
    el("div", { class: "aec-caption aec-samples-caption" }, t(TEXT.orPick)),
    v.samplesBox,
    v.randomButton,
    el("div", { class: "aec-open" }, open, el("div", { class: "aec-muted aec-hint" }, t(TEXT.openHint))),
    v.slots.open,
  );

  // Results: input 28x28, ours, JPEG, WebP.
  const tile = (testid, caption, extra) => {
    const canvas = el("canvas", { class: "aec-digit", width: SIZE, height: SIZE, "data-testid": testid });
    const figure = el("figure", { class: "aec-tile" }, canvas,
      el("figcaption", {}, el("div", { class: "aec-tile-name" }, t(caption)), ...extra));
    return { canvas, figure };
  };
  const line = (cls, ...children) => el("div", { class: `aec-line ${cls}` }, ...children);
  v.inputSource = el("span", { class: "aec-muted", "data-testid": "input-source" }, "–");
  const inputTile = tile("input", TEXT.input, [
    line("", t(TEXT.rawBytes(RAW_BYTES))),
    line("aec-source", v.inputSource),
  ]);
  v.inputCanvas = inputTile.canvas;
  v.bytesOut = el("span", { "data-testid": "compressed-bytes" }, "–");
  v.psnrOut = el("span", { "data-testid": "psnr" }, "–");
  // Which encoder made the file shown: "one pass" at once, "searched" when the search replaced it.
  v.encoderOut = el("span", { "data-testid": "encoder" }, "–");
  const oursTile = tile("reconstruction", TEXT.ours, [
    line("aec-strong", v.bytesOut, t(TEXT.bytes)),
    line("", t(TEXT.psnr), v.psnrOut),
    line("aec-muted", t(TEXT.encoder), v.encoderOut),
  ]);
  v.reconCanvas = oursTile.canvas;
  v.baselineOut = {};
  const baselineTile = (key, name) => {
    const bytes = el("span", { "data-testid": `${key}-bytes` }, "–");
    const quality = el("span", { "data-testid": `${key}-quality` }, "–");
    const db = el("span", { "data-testid": `${key}-psnr` }, "–");
    const note = el("span", { "data-testid": `${key}-note` });
    const profile = el("span", { "data-testid": `${key}-profile` }, "–");
    const tl = tile(key, TEXT.browserCodec(name), [
      line("aec-strong", bytes, t(TEXT.bytes)),
      line("", t(TEXT.psnr), db),
      line("aec-muted", t(TEXT.quality), quality, " · +", profile, t(TEXT.iccBytes)),
      line("aec-muted aec-note", note),
    ]);
    v.baselineOut[key] = { canvas: tl.canvas, bytes, quality, db, note, profile };
    return tl.figure;
  };
  const tiles = el("div", { class: "aec-tiles" },
    inputTile.figure, oursTile.figure, baselineTile("jpeg", "JPEG"), baselineTile("webp", "WebP"));

  // What the numbers mean, right under them.
  const term = (name, text) => el("div", {}, el("dt", {}, t(name)), el("dd", {}, t(text)));
  const legend = el("dl", { class: "aec-legend", "data-testid": "legend" },
    term(TEXT.helpBytes, TEXT.helpBytesText),
    term(TEXT.helpPsnr, TEXT.helpPsnrText),
    term(TEXT.helpRatio, TEXT.helpRatioText),
    term(TEXT.helpQ, TEXT.helpQText),
    term(TEXT.helpIcc, TEXT.helpIccText));

  // Controls and numbers.
  v.quality = el("select", { "data-testid": "quality", disabled: true, id: uniqueId("aec-quality") },
    el("option", { value: "" }, "…"));
  v.status = el("span", { class: "aec-status", "data-testid": "status", "aria-live": "polite" });
  v.ratioOut = el("span", { "data-testid": "ratio" }, "–");
  v.encodeOut = el("span", { "data-testid": "encode-ms" }, "–");
  v.decodeOut = el("span", { "data-testid": "decode-ms" }, "–");
  v.backendOut = el("span", { "data-testid": "backend" }, "…");
  const stat = (label, value) => el("span", { class: "aec-stat" }, el("span", { class: "aec-muted" }, t(label)), " ", value);
  const controls = el("div", { class: "aec-controls" },
    el("label", { for: v.quality.id }, t(TEXT.model)), v.quality, v.status);
  const levelsHelp = el("p", { class: "aec-muted aec-hint aec-levels-help", "data-testid": "levels-help" },
    t(TEXT.levelsHelp));
  const stats = el("div", { class: "aec-stats" },
    stat(TEXT.ratio, v.ratioOut),
    stat(TEXT.encode, v.encodeOut),
    stat(TEXT.decode, v.decodeOut),
    stat(TEXT.backend, v.backendOut));
  v.hexOut = el("code", { class: "aec-hex", "data-testid": "compressed-hex" });

  // Download and share.
  v.download = el("a", { class: "aec-button", "data-testid": "download", "aria-disabled": "true", role: "button",
    tabindex: "0" }, t(TEXT.download));
  // A link (sharing.js gives it its href once there is a file): it can be opened and copied as one.
  v.share = el("a", { class: "aec-button aec-share", "data-testid": "share-link" }, t(TEXT.share));
  v.copyButton = el("button", { type: "button", "data-testid": "copy-link", hidden: true }, t(TEXT.copy));
  v.shareStatus = el("p", { class: "aec-muted aec-hint", "data-testid": "share-status", "aria-live": "polite" });
  const files = el("div", { class: "aec-files" }, v.download, v.share, v.copyButton);

  const results = el("div", { class: "aec-panel aec-results" },
    controls, levelsHelp, v.slots.results, el("div", { class: "aec-figures" }, tiles, legend),
    stats, v.hexOut, files, v.shareStatus, v.slots.share);
  root.replaceChildren(v.notice, v.slots.top, el("div", { class: "aec-main" }, drawPanel, results));
  return v;
}

let ids = 0;
function uniqueId(prefix) {
  ids += 1;
  return `${prefix}-${ids}`;
}
