// The browser baselines' pure logic (site/js/demo/baselines.js): dropping the
// ICC profile from JPEG and WebP containers, and the quality search that matches
// our byte size, against hand-built containers and stand-in encoders.
// (tests/test_demo.py runs the same code on chromium's own files.)
// Run: node --test tests/js/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nearestNotBelow, stripIcc } from '../../site/js/demo/baselines.js';

const bytes = (...parts) => Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? [...p].map((c) => c.charCodeAt(0)) : Array.from(p))));
const fill = (n, v = 0x55) => new Array(n).fill(v);

// --- JPEG ---------------------------------------------------------------------------

// A marker segment: FF marker, big-endian length (itself included), payload.
const segment = (marker, payload) => bytes([0xff, marker, (payload.length + 2) >> 8, (payload.length + 2) & 255], payload);
const SOI = [0xff, 0xd8];
const APP0 = segment(0xe0, bytes('JFIF\0', [1, 1, 0, 0, 1, 0, 1, 0, 0]));
const ICC = segment(0xe2, bytes('ICC_PROFILE\0', [1, 1], fill(456, 0x11)));
const MPF = segment(0xe2, bytes('MPF\0', fill(20, 0x22))); // APP2 that is not a profile
const DQT = segment(0xdb, bytes([0], fill(64, 1)));
// Start of scan, then entropy-coded data holding what looks like an ICC segment.
const SCAN = bytes(segment(0xda, [1, 1, 0, 0, 63, 0]), [0x12, 0xff, 0x00, 0xff, 0xe2, 0, 20], 'ICC_PROFILE\0', [0x34, 0xff, 0xd9]);

test('JPEG: the ICC_PROFILE segment goes, every other byte stays in order', () => {
  const file = bytes(SOI, APP0, ICC, MPF, DQT, SCAN);
  const out = stripIcc(file, 'image/jpeg');
  assert.deepEqual(out, bytes(SOI, APP0, MPF, DQT, SCAN));
  assert.equal(file.length - out.length, ICC.length);
});

test('JPEG: several ICC chunks and fill bytes before a marker', () => {
  const file = bytes(SOI, [0xff, 0xff], ICC, APP0, ICC, SCAN);
  assert.deepEqual(stripIcc(file, 'image/jpeg'), bytes(SOI, APP0, SCAN));
});

test('JPEG: without a profile, or not quite a JPEG, the file comes back as it is', () => {
  const plain = bytes(SOI, APP0, DQT, SCAN);
  assert.deepEqual(stripIcc(plain, 'image/jpeg'), plain);
  const truncated = bytes(SOI, APP0, ICC).subarray(0, 2 + APP0.length + 30); // the ICC segment runs past the end
  assert.equal(stripIcc(truncated, 'image/jpeg'), truncated);
  const garbage = bytes(SOI, [0x00, 0x11, 0x22, 0x33], ICC);
  assert.equal(stripIcc(garbage, 'image/jpeg'), garbage);
  const notJpeg = bytes([0x89], 'PNG', ICC);
  assert.equal(stripIcc(notJpeg, 'image/jpeg'), notJpeg);
  assert.equal(stripIcc(plain, 'image/png'), plain); // only JPEG and WebP are touched
});

// --- WebP ---------------------------------------------------------------------------

const u32 = (n) => [n & 255, (n >> 8) & 255, (n >> 16) & 255, (n >>> 24) & 255];
const chunk = (tag, payload) => bytes(tag, u32(payload.length), payload, payload.length & 1 ? [0] : []);
const riff = (...chunks) => {
  const body = bytes('WEBP', ...chunks);
  return bytes('RIFF', u32(body.length), body);
};
const VP8X_ICC = 0x20;
const VP8X_ALPHA = 0x10;
const vp8x = (flags) => chunk('VP8X', [flags, 0, 0, 0, 27, 0, 0, 27, 0, 0]); // 28x28
const ICCP = chunk('ICCP', fill(455, 0x11)); // odd: padded to an even size
const VP8 = chunk('VP8 ', fill(40, 0x9d));
const ALPH = chunk('ALPH', fill(9, 0x44));

test('WebP: ICCP goes, and VP8X too when nothing else needs it', () => {
  const file = riff(vp8x(VP8X_ICC), ICCP, VP8);
  const out = stripIcc(file, 'image/webp');
  assert.deepEqual(out, riff(VP8)); // the RIFF size is rewritten
  assert.equal(file.length - out.length, vp8x(0).length + ICCP.length);
  assert.equal(ICCP.length, 8 + 456);
});

test('WebP: with alpha, VP8X stays and only loses its ICC flag', () => {
  const file = riff(vp8x(VP8X_ICC | VP8X_ALPHA), ICCP, ALPH, VP8);
  const out = stripIcc(file, 'image/webp');
  assert.deepEqual(out, riff(vp8x(VP8X_ALPHA), ALPH, VP8));
  assert.equal(file[20] & VP8X_ICC, VP8X_ICC, 'the input is not modified');
});

test('WebP: a simple file, a truncated one and a non-WebP RIFF come back as they are', () => {
  const simple = riff(VP8);
  assert.deepEqual(stripIcc(simple, 'image/webp'), simple);
  const truncated = riff(vp8x(VP8X_ICC), ICCP, VP8).subarray(0, 100);
  assert.equal(stripIcc(truncated, 'image/webp'), truncated);
  const wave = bytes('RIFF', u32(4), 'WAVE');
  assert.equal(stripIcc(wave, 'image/webp'), wave);
});

// --- the quality search ---------------------------------------------------------------

/** A stand-in encoder: a JPEG whose size without its ICC segment is size(k), k = quality * 100. */
function encoder(size, { icc = true } = {}) {
  const calls = [];
  const encode = async (quality) => {
    const k = Math.round(quality * 100);
    calls.push(k);
    const head = bytes(SOI, icc ? ICC : []);
    return bytes(head, SCAN.subarray(0, 8), fill(size(k) - 2 - 8));
  };
  return { encode, calls };
}
const linear = (k) => 100 + 2 * k; // 100 bytes at quality 0, 300 at quality 1

test('search: the smallest file not below the target, ICC left out of the count', async () => {
  for (const [target, quality, size] of [[150, 0.25, 150], [151, 0.26, 152], [299, 1, 300], [101, 0.01, 102]]) {
    const { encode, calls } = encoder(linear);
    const r = await nearestNotBelow(encode, 'image/jpeg', target);
    assert.equal(r.quality, quality, `target ${target}`);
    assert.equal(r.bytes, size);
    assert.equal(r.note, '');
    assert.equal(r.profileBytes, ICC.length);
    assert.equal(r.file.length, size);
    assert.deepEqual(stripIcc(r.file, 'image/jpeg'), r.file); // the file given back has no profile
    assert.equal(new Set(calls).size, calls.length, 'each quality is encoded once');
    assert.ok(calls.length <= 12, `${calls.length} encodes`);
  }
});

test('search: quality 0 when even that is not below the target, 1 when even that is below', async () => {
  let r = await nearestNotBelow(encoder(linear).encode, 'image/jpeg', 80);
  assert.deepEqual([r.quality, r.bytes, r.note], [0, 100, 'floor']);
  r = await nearestNotBelow(encoder(linear).encode, 'image/jpeg', 100);
  assert.deepEqual([r.quality, r.bytes, r.note], [0, 100, 'floor']);
  r = await nearestNotBelow(encoder(linear, { icc: false }).encode, 'image/jpeg', 5000);
  assert.deepEqual([r.quality, r.bytes, r.note, r.profileBytes], [1, 300, 'below', 0]);
});

test('search: sizes that do not grow with quality, a closer size just below is taken', async () => {
  // Binary search for 151 ends between 25 (150) and 26 (152); 24 gives 151 here.
  const bumpy = (k) => (k === 24 ? 151 : linear(k));
  const r = await nearestNotBelow(encoder(bumpy).encode, 'image/jpeg', 151);
  assert.deepEqual([r.quality, r.bytes], [0.24, 151]);
  // Further down than three steps is not looked at.
  const far = (k) => (k === 22 ? 151 : linear(k));
  const r2 = await nearestNotBelow(encoder(far).encode, 'image/jpeg', 151);
  assert.deepEqual([r2.quality, r2.bytes], [0.26, 152]);
});

test('search: null when the browser cannot make the type, undefined once cancelled', async () => {
  assert.equal(await nearestNotBelow(async () => null, 'image/webp', 100), null);
  const { encode, calls } = encoder(linear);
  let n = 0;
  const cancelled = () => ++n > 2; // cancelled during the binary search
  assert.equal(await nearestNotBelow(encode, 'image/jpeg', 151, cancelled), undefined);
  assert.ok(calls.length <= 5, `stopped early: ${calls}`);
  assert.equal(await nearestNotBelow(encoder(linear).encode, 'image/jpeg', 50, () => true), undefined);
});
