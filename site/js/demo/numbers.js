// The numbers the demo shows: PSNR and how figures are written.

import { PIXELS } from "./engine.js";

export const RAW_BYTES = PIXELS; // one uncompressed digit: one byte per pixel
export const PSNR_CAP = 100; // dB for identical images, as in training/metrics.py

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

/** Bytes as hex pairs separated by spaces ("0a ff 03"). */
export function toHex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(" ");
}

export function fmtMs(ms) {
  return typeof ms === "number" && isFinite(ms) ? `${ms.toFixed(1)} ms` : "–";
}

export function fmtDb(db) {
  return typeof db === "number" && isFinite(db) ? `${db.toFixed(2)} dB` : "–";
}

/** "6.1 : 1" for a file of n bytes against the raw 784. */
export function fmtRatio(n) {
  return n > 0 ? `${(RAW_BYTES / n).toFixed(1)} : 1` : "–";
}

/** The text of an error, for a one-line message. */
export function errorText(e) {
  if (e && typeof e.message === "string" && e.message) return e.message;
  return String(e);
}
