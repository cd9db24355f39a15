// Twin of aec/pixels.py: the rounding rules the bytes depend on, in one place.
//
// Every float -> integer step of the codec rounds half up, floor(x + 0.5):
//   pixels:  a decoder's output in about [0, 1] -> 0..255,
//            clamp(floor(fround(fround(x * 255) + 0.5)), 0, 255)   (numpy float32)
//   symbols: an encoder's latents -> integers, floor(z + 0.5)       (float64)
//   talk:    q = clamp(floor(z * (255 / scale) + 0.5), 0, 255)      (float64)
//            latent = fround(q * fround(scale / 255))               (float32)
// Math.fround stands where numpy computes in float32, so both twins write the
// same bytes for the same network outputs.
//
// Shapes: where Python has (N, 28, 28) or (N, E), these take and return flat
// row-major typed arrays of N*784 or N*E values.

export const SIZE = 28; // a digit is SIZE x SIZE pixels

const PIXELS = SIZE * SIZE;

/** floor(x + 0.5): the codec's one tie rule (Python: elementwise on arrays; here one number). */
export function roundHalfUp(x) {
  return Math.floor(x + 0.5);
}

/** N digits (a flat array of N*784 integers 0..255) -> Float32Array of pixel / 255, the networks' input. */
export function toFloat(images) {
  if (images.length % PIXELS !== 0) {
    throw new RangeError(`images: expected N digits of ${PIXELS} pixels, got ${images.length} values`);
  }
  const out = new Float32Array(images.length);
  for (let i = 0; i < images.length; i++) {
    const p = images[i];
    if (!Number.isInteger(p) || p < 0 || p > 255) throw new RangeError("images: pixels must be integers 0..255");
    out[i] = p / 255; // == float32(p) / float32(255) for all 256 values
  }
  return out;
}

/** Decoder output (floats, 784 per digit) -> Uint8Array of the same length: what a decoder writes. */
export function toPixels(x) {
  const out = new Uint8Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = Math.floor(Math.fround(Math.fround(x[i] * 255) + 0.5));
    out[i] = v < 0 ? 0 : v > 255 ? 255 : v;
  }
  return out;
}

/** Latents (N*E floats) -> integer symbols (Int32Array of N*E), rounded half up. */
export function toSymbols(z) {
  return Int32Array.from(z, roundHalfUp);
}

/** The talk's latents (>= 0, ReLU) -> Int32Array q = clamp(floor(z * 255 / scale + 0.5), 0, 255). */
export function quantiseLatents(latents, scale) {
  const k = 255.0 / scale;
  const q = new Int32Array(latents.length);
  for (let i = 0; i < latents.length; i++) {
    const v = roundHalfUp(latents[i] * k);
    q[i] = v < 0 ? 0 : v > 255 ? 255 : v;
  }
  return q;
}

/** 8-bit symbols -> Float32Array of latents q * scale / 255 (what the talk's decoder takes). */
export function dequantiseLatents(q, scale) {
  const step = Math.fround(scale / 255.0);
  return Float32Array.from(q, (v) => Math.fround(v * step));
}
