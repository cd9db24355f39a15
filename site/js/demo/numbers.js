// The numbers the demo shows: PSNR and how figures are written; whether a digit is blank.

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

/** True when every pixel is 0 (nothing drawn, or an image without ink). */
export function isBlank(pixels) {
  for (let i = 0; i < pixels.length; i++) if (pixels[i] !== 0) return false;
  return true;
}

/** Bytes as hex pairs separated by spaces ("0a ff 03"). */
export function toHex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(" ");
}

/** x with `digits` decimals; Dutch writes a decimal comma (as the slides' numbers do). */
export function decimal(x, digits, lang = "en") {
  const text = x.toFixed(digits);
  return lang === "nl" ? text.replace(".", ",") : text;
}

export function fmtMs(ms, lang = "en") {
  return typeof ms === "number" && isFinite(ms) ? `${decimal(ms, 1, lang)} ms` : "–";
}

export function fmtDb(db, lang = "en") {
  return typeof db === "number" && isFinite(db) ? `${decimal(db, 2, lang)} dB` : "–";
}

/** "6.1 : 1" for a file of n bytes against the raw 784. */
export function fmtRatio(n, lang = "en") {
  return n > 0 ? `${decimal(RAW_BYTES / n, 1, lang)} : 1` : "–";
}

/** A format in both languages, a strings.js-style entry: both(fmtDb, 31.5) -> {en: "31.50 dB", nl: "31,50 dB"}. */
export function both(format, ...args) {
  return { en: format(...args, "en"), nl: format(...args, "nl") };
}

/** The text of an error, for a one-line message. */
export function errorText(e) {
  if (e && typeof e.message === "string" && e.message) return e.message;
  return String(e);
}
