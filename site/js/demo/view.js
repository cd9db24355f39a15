// The demo's elements: the drawing panel, the result tiles (input, ours, JPEG,
// WebP), controls, numbers, files and links. buildView fills the root and
// returns the nodes ui.js updates. data-testid attributes are the tests' hooks.

import { el } from "./dom.js";
import { DRAW_SIZE } from "./drawing.js";
import { SIZE } from "./engine.js";
import { RAW_BYTES } from "./numbers.js";
import { TEXT } from "./strings.js";

export const EXTENSION = ".aec";

/** Fill `root`; t(entry) makes a text node of a strings.js entry. Returns the live nodes. */
export function buildView(root, t) {
  const v = {};
  v.notice = el("p", { class: "aec-notice", "data-testid": "notice", role: "status", hidden: true });
  v.error = el("p", { class: "aec-error", "data-testid": "error", role: "alert", hidden: true });

  // Input: drawing canvas, clear, samples.
  v.drawCanvas = el("canvas", {
    class: "aec-draw",
    width: DRAW_SIZE,
    height: DRAW_SIZE,
    "data-testid": "draw-canvas",
    "aria-label": TEXT.drawArea.en,
    "data-prevent-swipe": true, // reveal.js: drawing on a touch screen is not a swipe
  });
  v.clearButton = el("button", { type: "button", "data-testid": "clear" }, t(TEXT.clear));
  v.samplesBox = el("div", { class: "aec-samples", "data-testid": "samples" });
  v.randomButton = el("button", { type: "button", "data-testid": "random-sample", hidden: true }, t(TEXT.randomSample));
  const drawPanel = el("div", { class: "aec-panel aec-input-panel" },
    el("div", { class: "aec-caption" }, t(TEXT.draw), " ", v.clearButton),
    v.drawCanvas,
    el("div", { class: "aec-caption aec-samples-caption" }, t(TEXT.orPick)),
    v.samplesBox,
    v.randomButton,
  );

  // Results: input 28x28, ours, JPEG, WebP.
  const tile = (testid, caption, extra) => {
    const canvas = el("canvas", { class: "aec-digit", width: SIZE, height: SIZE, "data-testid": testid });
    const figure = el("figure", { class: "aec-tile" }, el("figcaption", {}, t(caption)), canvas, ...extra);
    return { canvas, figure };
  };
  v.inputSource = el("span", { class: "aec-muted", "data-testid": "input-source" }, "–");
  const inputTile = tile("input", TEXT.input, [
    el("div", { class: "aec-line" }, TEXT.rawBytes(RAW_BYTES).en),
    el("div", { class: "aec-line" }, v.inputSource),
  ]);
  v.inputCanvas = inputTile.canvas;
  v.bytesOut = el("span", { "data-testid": "compressed-bytes" }, "–");
  v.psnrOut = el("span", { "data-testid": "psnr" }, "–");
  const oursTile = tile("reconstruction", TEXT.ours, [
    el("div", { class: "aec-line aec-strong" }, v.bytesOut, TEXT.bytes.en),
    el("div", { class: "aec-line" }, TEXT.psnr.en, v.psnrOut),
  ]);
  v.reconCanvas = oursTile.canvas;
  v.baselineOut = {};
  const baselineTile = (key, name) => {
    const bytes = el("span", { "data-testid": `${key}-bytes` }, "–");
    const quality = el("span", { "data-testid": `${key}-quality` }, "–");
    const db = el("span", { "data-testid": `${key}-psnr` }, "–");
    const note = el("div", { class: "aec-line aec-muted", "data-testid": `${key}-note` });
    const profile = el("span", { "data-testid": `${key}-profile` }, "–");
    const tl = tile(key, TEXT.browserCodec(name), [
      el("div", { class: "aec-line aec-strong" }, bytes, TEXT.bytes.en),
      el("div", { class: "aec-line" }, TEXT.psnr.en, db),
      el("div", { class: "aec-line aec-muted" }, TEXT.quality.en, quality),
      el("div", { class: "aec-line aec-muted", title: TEXT.iccTitle.en }, "+", profile, TEXT.iccBytes.en),
      note,
    ]);
    v.baselineOut[key] = { canvas: tl.canvas, bytes, quality, db, note, profile };
    return tl.figure;
  };
  const tiles = el("div", { class: "aec-tiles" },
    inputTile.figure, oursTile.figure, baselineTile("jpeg", "JPEG"), baselineTile("webp", "WebP"));

  // Controls and numbers.
  v.quality = el("select", { "data-testid": "quality", disabled: true, "aria-label": TEXT.modelLabel.en },
    el("option", { value: "" }, "…"));
  v.status = el("span", { class: "aec-status", "data-testid": "status", "aria-live": "polite" });
  v.ratioOut = el("span", { "data-testid": "ratio" }, "–");
  v.encodeOut = el("span", { "data-testid": "encode-ms" }, "–");
  v.decodeOut = el("span", { "data-testid": "decode-ms" }, "–");
  v.backendOut = el("span", { "data-testid": "backend" }, "…");
  const stat = (label, value) => el("span", { class: "aec-stat" }, el("span", { class: "aec-muted" }, t(label)), " ", value);
  const controls = el("div", { class: "aec-controls" }, el("label", {}, t(TEXT.model), v.quality), v.status);
  const stats = el("div", { class: "aec-stats" },
    stat(TEXT.ratio, v.ratioOut),
    stat(TEXT.encode, v.encodeOut),
    stat(TEXT.decode, v.decodeOut),
    stat(TEXT.backend, v.backendOut));
  v.hexOut = el("code", { class: "aec-hex", "data-testid": "compressed-hex" });

  // Files and links.
  v.download = el("a", { class: "aec-button", "data-testid": "download", "aria-disabled": "true", role: "button" },
    t(TEXT.download));
  v.fileInput = el("input", { type: "file", accept: `${EXTENSION},application/octet-stream`, "data-testid": "file-input" });
  const open = el("label", { class: "aec-button aec-file" }, t(TEXT.open), v.fileInput);
  v.share = el("a", { class: "aec-share", "data-testid": "share-link", hidden: true }, t(TEXT.share));
  v.copyButton = el("button", { type: "button", "data-testid": "copy-link", hidden: true }, t(TEXT.copy));
  const files = el("div", { class: "aec-files" }, v.download, open, v.share, v.copyButton,
    el("span", { class: "aec-muted aec-drop-hint" }, t(TEXT.dropHint)));

  const results = el("div", { class: "aec-panel aec-results" }, controls, tiles, stats, v.hexOut, files);
  root.replaceChildren(v.notice, v.error, el("div", { class: "aec-main" }, drawPanel, results));
  return v;
}
