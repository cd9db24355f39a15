// node --test tests/js/ : the rounding rules of site/js/aec/pixels.js (twin of aec/pixels.py),
// the one tie rule floor(x + 0.5) everywhere, and numpy's float32 arithmetic where Python has it.
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  dequantiseLatents, quantiseLatents, roundHalfUp, SIZE, toFloat, toPixels, toSymbols,
} from "../../site/js/aec/pixels.js";
import { CodingTables } from "../../site/js/aec/tables.js";

const PIXELS = SIZE * SIZE;

test("one tie rule: floor(x + 0.5), also where Math.round differs", () => {
  assert.deepEqual([2.5, -2.5, -0.5, 0.5, 1.49].map(roundHalfUp), [3, -2, 0, 1, 1]);
  // 0.49999999999999994 + 0.5 is 1 in float64: numpy's floor(x + 0.5) gives 1, Math.round 0
  assert.equal(roundHalfUp(0.49999999999999994), 1);
  assert.equal(Math.round(0.49999999999999994), 0);
  assert.deepEqual(Array.from(toSymbols(Float32Array.of(-1.5, -0.5, 0.5, 2.4999, 0.49999999999999994))),
    [-1, 0, 1, 2, 1]);
  // the tables clamp float symbols with the same rule
  const t = new CodingTables([-3], [8], [8192, 8192, 8192, 8192, 8192, 8192, 8192, 8192]);
  assert.deepEqual(Array.from(t.symbolsToIndices([-2.5, 0.49999999999999994, 1.5, -9, 99])), [1, 4, 5, 0, 7]);
});

test("pixels: /255 in, float32 round half up and clamp out", () => {
  const px = Uint8Array.from({ length: 2 * PIXELS }, (_, i) => i % 256);
  const x = toFloat(px);
  assert.ok(x instanceof Float32Array && x.length === 2 * PIXELS);
  for (let p = 0; p < 256; p++) assert.equal(x[p], Math.fround(Math.fround(p) / Math.fround(255)));
  assert.deepEqual(Array.from(toPixels(x)), Array.from(px)); // exact round trip
  assert.deepEqual(Array.from(toPixels(Float32Array.of(-0.3, 1.7, 0.5 / 255, 254.49 / 255))), [0, 255, 1, 254]);
  assert.throws(() => toFloat(new Uint8Array(PIXELS + 1)), RangeError); // not whole digits
  assert.throws(() => toFloat([...new Array(PIXELS - 1).fill(0), 256]), /0\.\.255/);
  assert.throws(() => toFloat([...new Array(PIXELS - 1).fill(0), 0.5]), /integers/);
});

test("talk latents: clamp(floor(z * 255 / scale + 0.5)) and back in float32", () => {
  assert.deepEqual(Array.from(quantiseLatents([0, 0.5, 1, 2, -1, 0.5 / 255], 1)), [0, 128, 255, 255, 0, 1]);
  const q = Int32Array.of(0, 1, 128, 255);
  const back = dequantiseLatents(q, 12.787742614746094);
  const step = Math.fround(12.787742614746094 / 255);
  assert.deepEqual(Array.from(back), Array.from(q, (v) => Math.fround(v * step)));
  assert.deepEqual(Array.from(quantiseLatents(back, 12.787742614746094)), Array.from(q)); // a round trip
});
