// The sample digits of the picker: site/models/samples.json, in the one layout
// the converter writes (converter/convert.py, samples_json):
//   {"source": "...", "format": "...",
//    "digits": [{"index": 0, "label": 7, "pixels": "<base64 of 784 bytes>"}, ...]}
// index: the digit's place in the MNIST test set; pixels: row-major, 0 = background.

import { PIXELS } from "./engine.js";

const SAMPLES_URL = new URL("../../models/samples.json", import.meta.url).href;

function pixelsOf(text, where) {
  let s;
  try {
    s = atob(text);
  } catch {
    throw new Error(`${where}: pixels are not base64`);
  }
  if (s.length !== PIXELS) throw new Error(`${where}: ${s.length} pixels, not ${PIXELS}`);
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

/** samples.json's content -> [{index, label, pixels: Uint8Array(784)}]; throws with a one-line message. */
export function parseSamples(json) {
  const digits = json?.digits;
  if (!Array.isArray(digits)) throw new Error('samples.json: no "digits" list');
  return digits.map((d, i) => {
    const where = `samples.json: digit ${i}`;
    if (!Number.isInteger(d?.index) || !Number.isInteger(d?.label) || typeof d.pixels !== "string") {
      throw new Error(`${where}: needs an integer index and label and base64 pixels`);
    }
    return { index: d.index, label: d.label, pixels: pixelsOf(d.pixels, where) };
  });
}

let samplesPromise = null;

/** The page's sample digits, fetched once. */
export function getSamples() {
  if (!samplesPromise) {
    samplesPromise = fetch(SAMPLES_URL)
      .then((r) => {
        if (!r.ok) throw new Error(`HTTP ${r.status}`);
        return r.json();
      })
      .then(parseSamples);
  }
  return samplesPromise;
}
