// JS twin of aec/preprocess.py against Python-generated vectors
// (tests/vectors/preprocess_v1.json, from tests/vectors/make_vectors.py preprocess).
// Run: node --test tests/js/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  preprocess, toGray, toInk, cropToInk, fitBox, boxWeights, boxResize,
  centerOfMassPlace,
} from '../../site/js/aec/preprocess.js';
import { SIZE } from '../../site/js/aec/pixels.js';

const vectors = JSON.parse(readFileSync(
  fileURLToPath(new URL('../vectors/preprocess_v1.json', import.meta.url)), 'utf8'));

const fromB64 = (s) => new Uint8Array(Buffer.from(s, 'base64'));

test('vector file is version 1 and non-empty', () => {
  assert.equal(vectors.version, 1);
  assert.ok(vectors.cases.length >= 10);
});

for (const c of vectors.cases) {
  test(`matches Python: ${c.name}`, () => {
    const rgba = fromB64(c.rgba);
    assert.equal(rgba.length, 4 * c.width * c.height);
    const expected = fromB64(c.expected);
    const got = preprocess(new Uint8ClampedArray(rgba), c.width, c.height);
    assert.ok(got instanceof Uint8Array);
    assert.equal(got.length, SIZE * SIZE);
    let maxDiff = 0;
    let nDiff = 0;
    for (let i = 0; i < got.length; i++) {
      const d = Math.abs(got[i] - expected[i]);
      if (d > maxDiff) maxDiff = d;
      if (d) nDiff++;
    }
    // the contract is <= 1/255 per pixel; the implementation is exact
    assert.ok(maxDiff <= 1, `${c.name}: max diff ${maxDiff}`);
    assert.equal(nDiff, 0, `${c.name}: ${nDiff} pixels differ (max ${maxDiff})`);
  });
}

test('ImageData-like object as the only argument', () => {
  const c = vectors.cases[0];
  const data = new Uint8ClampedArray(fromB64(c.rgba));
  assert.deepEqual(preprocess({ data, width: c.width, height: c.height }),
    preprocess(data, c.width, c.height));
});

test('blank and empty inputs give zeros', () => {
  const zeros = new Uint8Array(784);
  assert.deepEqual(preprocess(new Uint8Array(0), 0, 0), zeros);
  assert.deepEqual(preprocess(new Uint8Array(4 * 30 * 20).fill(255), 30, 20), zeros);
  assert.deepEqual(preprocess(new Uint8Array(4 * 30 * 20), 30, 20), zeros); // transparent black
});

test('grey pixels keep their value; transparency composites to background', () => {
  const rgba = new Uint8Array([7, 7, 7, 255, 200, 200, 200, 255]);
  assert.deepEqual(Array.from(toGray(rgba, 2, 1)), [7, 200]);
  // black ink with alpha 128 next to transparent pixels: dark ink -> over white
  const t = new Uint8Array([0, 0, 0, 128, 0, 0, 0, 0]);
  assert.deepEqual(Array.from(toGray(t, 2, 1)), [127, 255]);
  assert.equal(toGray(new Uint8Array(8), 2, 1), null);
});

test('box filter: weights, exact copy at equal size, averages', () => {
  for (const [n, m] of [[7, 3], [20, 20], [5, 20], [41, 20]]) {
    for (const row of boxWeights(n, m)) assert.equal(row.reduce((a, b) => a + b, 0), n);
  }
  const img = Int32Array.from({ length: 20 * 20 }, (_, i) => (i * 37) % 256);
  assert.deepEqual(boxResize(img, 20, 20, 20, 20), img);
  // 2x2 -> 1x1: mean of 0, 1, 1, 1 = 0.75 -> 1 ; of 0, 0, 1, 1 = 0.5 -> 1 (half up)
  assert.deepEqual(Array.from(boxResize(Int32Array.from([0, 1, 1, 1]), 2, 2, 1, 1)), [1]);
  assert.deepEqual(Array.from(boxResize(Int32Array.from([0, 0, 1, 1]), 2, 2, 1, 1)), [1]);
  assert.deepEqual(Array.from(boxResize(Int32Array.from([0, 0, 0, 1]), 2, 2, 1, 1)), [0]);
  assert.deepEqual(fitBox(40, 10), [20, 5]);
  assert.deepEqual(fitBox(10, 41), [5, 20]);
  assert.deepEqual(fitBox(1, 400), [1, 20]);
});

test('an MNIST-like digit is unchanged', () => {
  // a 20x8 bar with a soft edge, centred at (14, 14) in 28x28
  const g = new Uint8Array(784);
  for (let r = 4; r < 24; r++) for (let c = 10; c < 18; c++) g[r * 28 + c] = c === 10 || c === 17 ? 60 : 255;
  const rgba = new Uint8Array(784 * 4);
  for (let i = 0; i < 784; i++) rgba.set([g[i], g[i], g[i], 255], 4 * i);
  assert.deepEqual(preprocess(rgba, 28, 28), g);
  // the pieces agree with the whole
  const ink = toInk(toGray(rgba, 28, 28), 28, 28);
  const crop = cropToInk(ink, 28, 28);
  assert.deepEqual([crop.width, crop.height], [8, 20]);
  assert.deepEqual(centerOfMassPlace(crop.data, 8, 20), g);
});
