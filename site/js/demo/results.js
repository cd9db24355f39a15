// The demo's results: our file (bytes, hex, ratio, times, reconstruction,
// PSNR, download) and the browser's JPEG and WebP at the nearest size not
// below ours. The share link is sharing.js'. Numbers are written in the
// page's language (a decimal comma in Dutch).

import { browserBaseline, paint } from "./dom.js";
import { both, decimal, errorText, fmtDb, fmtMs, fmtRatio, psnr, toHex } from "./numbers.js";
import { TEXT } from "./strings.js";
import { EXTENSION } from "./view.js";

const BASELINES = [["jpeg", "image/jpeg"], ["webp", "image/webp"]];

/** A digit's pixels as one hex string, the canvases' data-pixels (a test hook). */
export const hexOf = (pixels) => toHex(pixels).replace(/ /g, "");

export class Results {
  /** v: the nodes of buildView; setText(node, entry) writes a strings.js entry. */
  constructor(v, setText) {
    this.v = v;
    this.setText = setText;
    this.bytes = null; // the file shown, or null
    this.downloadUrl = null;
    v.download.addEventListener("click", (e) => {
      if (!this.bytes) e.preventDefault();
    });
  }

  clear() {
    const v = this.v;
    this.bytes = null;
    paint(v.reconCanvas, null);
    v.reconCanvas.dataset.pixels = "";
    for (const out of [v.bytesOut, v.psnrOut, v.ratioOut, v.encodeOut, v.decodeOut, v.encoderOut]) out.textContent = "–";
    v.hexOut.textContent = "";
    v.encoderOut.dataset.encoder = "";
    this.setDownload(null);
    this.clearBaselines();
  }

  /** bytes: the file; result: its decompression; original: the input (null: none to compare);
   * encoder: TEXT.onePass or TEXT.searched, null for a file not encoded here (opened, edited). */
  show(bytes, result, encodeMs, original, firstRun, encoder = null) {
    const v = this.v;
    const image = result.images[0];
    this.bytes = bytes;
    paint(v.reconCanvas, image);
    v.reconCanvas.dataset.pixels = hexOf(image);
    v.bytesOut.textContent = String(bytes.length);
    this.setText(v.ratioOut, both(fmtRatio, bytes.length));
    v.hexOut.textContent = toHex(bytes);
    const withNote = (ms) => {
      const text = both(fmtMs, ms);
      if (!firstRun || ms === undefined) return text;
      return { en: text.en + TEXT.firstRun.en, nl: text.nl + TEXT.firstRun.nl };
    };
    this.setText(v.encodeOut, withNote(encodeMs));
    this.setText(v.decodeOut, withNote(result.decodeMs));
    this.setText(v.psnrOut, original ? both(fmtDb, psnr(original, image)) : { en: "–", nl: "–" });
    this.setText(v.encoderOut, encoder ?? { en: "–", nl: "–" });
    v.encoderOut.dataset.encoder = encoder ? encoder.en : "";
    this.setDownload(bytes, result.modelId);
  }

  setDownload(bytes, modelId) {
    const { download } = this.v;
    if (this.downloadUrl) URL.revokeObjectURL(this.downloadUrl);
    this.downloadUrl = null;
    if (!bytes) {
      download.removeAttribute("href");
      download.removeAttribute("download");
      download.setAttribute("aria-disabled", "true");
      return;
    }
    this.downloadUrl = URL.createObjectURL(new Blob([bytes], { type: "application/octet-stream" }));
    download.href = this.downloadUrl;
    download.download = `digit-model${modelId}${EXTENSION}`;
    download.removeAttribute("aria-disabled");
  }

  clearBaselines() {
    for (const out of Object.values(this.v.baselineOut)) {
      paint(out.canvas, null);
      out.canvas.dataset.pixels = "";
      for (const text of [out.bytes, out.db, out.quality, out.profile]) text.textContent = "–";
      out.note.textContent = "";
    }
  }

  /** JPEG, then WebP, for `target` bytes; stops when `superseded()` turns true. */
  async runBaselines(pixels, target, superseded) {
    this.clearBaselines();
    for (const [key, type] of BASELINES) {
      if (superseded()) return;
      const out = this.v.baselineOut[key];
      let r;
      try {
        r = await browserBaseline(pixels, type, target, superseded);
      } catch (e) {
        this.setText(out.note, TEXT.baselineFailed(errorText(e)));
        continue;
      }
      if (r === undefined) return; // superseded
      if (r === null) {
        this.setText(out.note, TEXT.noEncoder);
        continue;
      }
      paint(out.canvas, r.pixels);
      out.canvas.dataset.pixels = hexOf(r.pixels);
      out.bytes.textContent = String(r.bytes);
      this.setText(out.db, both(fmtDb, r.psnr));
      this.setText(out.quality, both(decimal, r.quality, 2));
      out.profile.textContent = String(r.profileBytes);
      if (r.note) this.setText(out.note, TEXT[r.note]);
      else out.note.textContent = "";
    }
  }
}
