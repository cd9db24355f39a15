// The demo's DOM helpers: making elements, painting 28x28 digits, and the
// browser's own JPEG / WebP encoders and decoder, which baselines.js drives.

import { gray, SIZE, PIXELS } from "./engine.js";
import { nearestNotBelow } from "./baselines.js";
import { psnr } from "./numbers.js";

/** el("p", {class, text, ...attributes}, ...children); false / null / undefined attributes are left out. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v === null || v === undefined) continue;
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children) if (c !== null && c !== undefined) node.append(c);
  return node;
}

function grayToImageData(pixels) {
  const data = new ImageData(SIZE, SIZE);
  for (let i = 0; i < PIXELS; i++) {
    const v = pixels[i];
    data.data[4 * i] = v;
    data.data[4 * i + 1] = v;
    data.data[4 * i + 2] = v;
    data.data[4 * i + 3] = 255;
  }
  return data;
}

/** Show a 28x28 digit (Uint8Array(784)) on a 28x28 canvas; null clears it. */
export function paint(canvas, pixels) {
  const ctx = canvas.getContext("2d");
  if (pixels) ctx.putImageData(grayToImageData(pixels), 0, 0);
  else ctx.clearRect(0, 0, canvas.width, canvas.height);
}

/** A new 28x28 canvas showing the digit. */
export function digitCanvas(pixels, attrs = {}) {
  const canvas = el("canvas", { width: SIZE, height: SIZE, ...attrs });
  paint(canvas, pixels);
  return canvas;
}

/** The browser's file of the canvas as `type` at quality 0..1, or null when it cannot make `type`. */
async function encodeCanvas(canvas, type, quality) {
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, type, quality));
  if (!blob || blob.type !== type) return null; // e.g. no WebP encoder: toBlob falls back to PNG
  return new Uint8Array(await blob.arrayBuffer());
}

/** A JPEG / WebP file -> its 28x28 grey pixels, as the browser decodes it. */
async function decodeFile(bytes, type) {
  const bitmap = await createImageBitmap(new Blob([bytes], { type }));
  const canvas = el("canvas", { width: SIZE, height: SIZE });
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  ctx.drawImage(bitmap, 0, 0, SIZE, SIZE);
  bitmap.close?.();
  return gray(ctx.getImageData(0, 0, SIZE, SIZE).data, SIZE, SIZE);
}

/**
 * The browser's `type` at the nearest size not below `target` bytes
 * (baselines.js, nearestNotBelow), decoded: {quality, bytes, profileBytes,
 * pixels, psnr, note}; null if the browser cannot encode `type`, undefined if
 * `cancelled()` turned true.
 */
export async function browserBaseline(pixels, type, target, cancelled = () => false) {
  const canvas = digitCanvas(pixels);
  const r = await nearestNotBelow((q) => encodeCanvas(canvas, type, q), type, target, cancelled);
  if (!r) return r;
  const decoded = await decodeFile(r.file, type);
  return { quality: r.quality, bytes: r.bytes, profileBytes: r.profileBytes, pixels: decoded,
    psnr: psnr(pixels, decoded), note: r.note };
}

/**
 * A link drawn as a button (Download, Share link) answers Space as a button
 * does, and Enter also when it has no href (a link with one follows it).
 */
export function pressable(node) {
  node.addEventListener("keydown", (e) => {
    if (e.key === " " || e.key === "Spacebar") e.preventDefault(); // no scrolling; pressed on keyup
    else if (e.key === "Enter" && !node.hasAttribute("href")) {
      e.preventDefault();
      node.click();
    }
  });
  node.addEventListener("keyup", (e) => {
    if (e.key === " " || e.key === "Spacebar") {
      e.preventDefault();
      node.click();
    }
  });
}
