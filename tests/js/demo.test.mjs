// The demo's other DOM-free modules (site/js/demo/): the samples parser on the
// committed site/models/samples.json, share links, PSNR and the strings.
// Run: node --test tests/js/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseSamples } from '../../site/js/demo/samples.js';
import { fromBase64Url, linkData, shareUrl, toBase64Url } from '../../site/js/demo/links.js';
import { PSNR_CAP, fmtRatio, psnr, toHex } from '../../site/js/demo/numbers.js';
import { TEXT } from '../../site/js/demo/strings.js';

const read = (rel) => JSON.parse(readFileSync(fileURLToPath(new URL(rel, import.meta.url)), 'utf8'));
const samplesJson = read('../../site/models/samples.json');
const manifest = read('../../site/models/manifest.json');

test('samples: the committed samples.json, as the converter wrote it', () => {
  const samples = parseSamples(samplesJson);
  assert.deepEqual(samples.map((s) => s.index), manifest.sample_indices);
  assert.equal(samples[0].index, 0);
  assert.equal(samples[0].label, 7); // MNIST's first test digit is a 7
  const perLabel = new Map();
  for (const s of samples) perLabel.set(s.label, (perLabel.get(s.label) ?? 0) + 1);
  assert.deepEqual([...perLabel.keys()].sort(), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  for (const s of samples) {
    assert.ok(s.pixels instanceof Uint8Array && s.pixels.length === 784);
    assert.deepEqual(s.pixels, new Uint8Array(Buffer.from(samplesJson.digits.find((d) => d.index === s.index).pixels, 'base64')));
    assert.ok(Math.max(...s.pixels) > 200); // ink
    assert.equal(s.pixels[0], 0); // light ink on a black background
  }
});

test('samples: any other layout is an error with a one-line message', () => {
  const digit = samplesJson.digits[0];
  const bad = [
    [samplesJson.digits, /no "digits" list/], // a bare list
    [{ samples: samplesJson.digits }, /no "digits" list/],
    [null, /no "digits" list/],
    [{ digits: [{ ...digit, label: undefined }] }, /digit 0: needs an integer index and label/],
    [{ digits: [digit, { ...digit, index: '3' }] }, /digit 1: needs/],
    [{ digits: [{ ...digit, pixels: Array.from(Buffer.from(digit.pixels, 'base64')) }] }, /base64 pixels/],
    [{ digits: [{ ...digit, pixels: digit.pixels.slice(0, 100) }] }, /digit 0: \d+ pixels, not 784/],
    [{ digits: [{ ...digit, pixels: '@@@@' }] }, /digit 0: pixels are not base64/],
  ];
  for (const [json, message] of bad) {
    assert.throws(() => parseSamples(json), (e) => message.test(e.message) && !e.message.includes('\n'), String(message));
  }
});

test('links: base64url both ways, as Python and Node write it', () => {
  for (const n of [0, 1, 2, 3, 4, 5, 31, 256]) {
    const data = Uint8Array.from({ length: n }, (_, i) => (i * 73 + 250) & 255);
    const text = toBase64Url(data);
    assert.equal(text, Buffer.from(data).toString('base64url'));
    assert.deepEqual(fromBase64Url(text), data);
  }
  for (const text of ['ab+c', 'ab/c', 'abc=', 'a', 'abcde', 'ab c']) {
    assert.throws(() => fromBase64Url(text), /not hold valid base64url/, text);
  }
});

test('links: the share link points at the demo page, and its fragment reads back', () => {
  const data = Uint8Array.from([0, 1, 2, 250, 251, 252, 253, 254, 255]);
  const url = new URL(shareUrl(data));
  assert.equal(fileURLToPath(new URL(url.pathname, 'file:///')), fileURLToPath(new URL('../../site/demo.html', import.meta.url)));
  assert.deepEqual(fromBase64Url(linkData(url.hash)), data);
  assert.equal(linkData('#aec='), '');
  for (const hash of ['', '#', '#/live-demo', '#aec=abc&x=1', '#x=abc']) assert.equal(linkData(hash), null, hash);
});

test('numbers: PSNR, capped at 100 dB for identical images, and the formats', () => {
  const a = new Uint8Array(784).fill(10);
  assert.equal(psnr(a, a), PSNR_CAP);
  const b = a.slice();
  b[5] = 255; // one pixel off by 245
  assert.ok(Math.abs(psnr(a, b) - 10 * Math.log10((255 * 255 * 784) / (245 * 245))) < 1e-9);
  assert.equal(toHex(Uint8Array.from([0, 10, 255])), '00 0a ff');
  assert.equal(fmtRatio(16), '49.0 : 1');
  assert.equal(fmtRatio(0), '–');
});

test('strings: English everywhere, Dutch beside it where the slides need it', () => {
  const entries = Object.entries(TEXT).map(([key, v]) => [key, typeof v === 'function' ? v('«x»', 2) : v]);
  assert.ok(entries.length > 40);
  for (const [key, { en, nl, ...rest }] of entries) {
    assert.deepEqual(Object.keys(rest), [], key);
    assert.ok(typeof en === 'string' && en.length > 0, key);
    assert.ok(nl === undefined || (typeof nl === 'string' && nl.length > 0), key);
    if (typeof TEXT[key] === 'function' && nl !== undefined) {
      assert.equal(en.includes('«x»'), nl.includes('«x»'), `${key}: the value is in both languages`);
    }
  }
  assert.equal(TEXT.decompressed('f.aec', 3).nl, 'f.aec gedecomprimeerd: 3 cijfers, het eerste wordt getoond.');
  assert.equal(TEXT.decompressed('f.aec', 1).en, 'Decompressed f.aec.');
});
