// The demo's other DOM-free modules (site/js/demo/): the samples parser on the
// committed site/models/samples.json, share links and their check, what a
// file is (images or .aec), PSNR, number formats and the strings.
// Run: node --test tests/js/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseSamples } from '../../site/js/demo/samples.js';
import { crc32, fromBase64Url, fromLinkText, LinkError, linkCheck, linkData, shareUrl, toBase64Url, toLinkText }
  from '../../site/js/demo/links.js';
import { sniffImage } from '../../site/js/demo/images.js';
import { both, fmtDb, fmtMs, PSNR_CAP, fmtRatio, psnr, toHex } from '../../site/js/demo/numbers.js';
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
  assert.equal(linkData(url.hash), `${toBase64Url(data)}.${linkCheck(data)}`);
  assert.deepEqual(fromLinkText(linkData(url.hash)), data);
  assert.equal(linkData('#aec='), '');
  for (const hash of ['', '#', '#/live-demo', '#aec=abc&x=1', '#x=abc']) assert.equal(linkData(hash), null, hash);
});

test('links: the check is CRC-32 (zlib\'s), 24 bits of it in 4 characters', () => {
  const ascii = (t) => Uint8Array.from(t, (c) => c.charCodeAt(0));
  assert.equal(crc32(ascii('123456789')), 0xcbf43926); // the standard check value
  assert.equal(crc32(new Uint8Array(0)), 0);
  const data = ascii('123456789');
  assert.equal(linkCheck(data), Buffer.from([0xf4, 0x39, 0x26]).toString('base64url'));
  assert.match(toLinkText(data), /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{4}$/);
});

test('links: a link cut anywhere, or changed, is refused; whole ones read back', () => {
  for (const n of [1, 5, 19, 36, 129]) {
    const data = Uint8Array.from({ length: n }, (_, i) => (i * 151 + n) & 255);
    const text = toLinkText(data);
    assert.deepEqual(fromLinkText(text), data);
    for (let cut = 0; cut < text.length; cut++) {
      const part = text.slice(0, cut);
      assert.throws(() => fromLinkText(part), LinkError, `${n} bytes cut to ${cut} of ${text.length}`);
    }
    // Cut at the end of the data (no check at all): said to be cut off, in so many words.
    assert.throws(() => fromLinkText(text.slice(0, text.indexOf('.'))), (e) => e.cut === true);
    // One character changed, anywhere: refused (a 24-bit check; these are all caught).
    for (let i = 0; i < text.length; i++) {
      if (text[i] === '.') continue;
      const changed = text.slice(0, i) + (text[i] === 'A' ? 'B' : 'A') + text.slice(i + 1);
      assert.throws(() => fromLinkText(changed), LinkError, `changed at ${i}`);
    }
  }
  // Links of the demo before the check (bytes only) are refused too: they cannot be told from cut ones.
  assert.throws(() => fromLinkText(toBase64Url(Uint8Array.of(0xa5, 0xc9, 0x57))), (e) => e.cut);
  assert.throws(() => fromLinkText('@@@'), LinkError);
  assert.throws(() => fromLinkText('AAAA.AAAAA'), /malformed/);
});

test('images: PNG, JPEG, GIF, BMP, WebP and AVIF by their first bytes; a .aec file is none', () => {
  const file = (...head) => Uint8Array.from([...head, ...new Array(16).fill(0)]);
  const ascii = (t) => Array.from(t, (c) => c.charCodeAt(0));
  assert.equal(sniffImage(file(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)), 'image/png');
  assert.equal(sniffImage(file(0xff, 0xd8, 0xff, 0xe0)), 'image/jpeg');
  assert.equal(sniffImage(file(...ascii('GIF89a'))), 'image/gif');
  assert.equal(sniffImage(file(...ascii('GIF87a'))), 'image/gif');
  const bmp = (dib) => file(...ascii('BM'), 70, 0, 0, 0, 0, 0, 0, 0, 54, 0, 0, 0, dib, 0, 0, 0, 2, 0, 0, 0);
  assert.equal(sniffImage(bmp(40)), 'image/bmp');
  assert.equal(sniffImage(bmp(124)), 'image/bmp');
  assert.equal(sniffImage(bmp(41)), null); // no BMP header size: a version-4 .aec file may start with 'BM'
  assert.equal(sniffImage(file(...ascii('BM'))), null);
  assert.equal(sniffImage(file(...ascii('RIFF'), 1, 2, 3, 4, ...ascii('WEBP'))), 'image/webp');
  assert.equal(sniffImage(file(0, 0, 0, 28, ...ascii('ftypavif'))), 'image/avif');
  assert.equal(sniffImage(file(...ascii('RIFF'), 1, 2, 3, 4, ...ascii('WAVE'))), null);
  assert.equal(sniffImage(Uint8Array.of(0x89, 0x50)), null); // too short to tell
  // Every shared .aec vector of versions 2 (first bits 10) and 4 (first bit 0).
  const vectors = [read('../vectors/format_v2.json'), read('../vectors/format_v4.json')];
  const files = vectors.flatMap((v) => JSON.stringify(v).match(/"[0-9a-f]{8,}"/g) ?? []);
  assert.ok(files.length > 20);
  for (const hex of files) assert.equal(sniffImage(Uint8Array.from(Buffer.from(hex.slice(1, -1), 'hex'))), null, hex);
});

test('numbers: PSNR, capped at 100 dB for identical images, and the formats in both languages', () => {
  const a = new Uint8Array(784).fill(10);
  assert.equal(psnr(a, a), PSNR_CAP);
  const b = a.slice();
  b[5] = 255; // one pixel off by 245
  assert.ok(Math.abs(psnr(a, b) - 10 * Math.log10((255 * 255 * 784) / (245 * 245))) < 1e-9);
  assert.equal(toHex(Uint8Array.from([0, 10, 255])), '00 0a ff');
  assert.equal(fmtRatio(16), '49.0 : 1');
  assert.equal(fmtRatio(0), '–');
  assert.deepEqual(both(fmtRatio, 16), { en: '49.0 : 1', nl: '49,0 : 1' }); // a decimal comma, as on the slides
  assert.deepEqual(both(fmtDb, 31.5), { en: '31.50 dB', nl: '31,50 dB' });
  assert.deepEqual(both(fmtMs, 1038.06), { en: '1038.1 ms', nl: '1038,1 ms' });
  assert.equal(fmtMs(undefined), '–');
});

test('strings: every text in English and in Dutch', () => {
  const args = {
    sample: [{ index: 3, label: 5 }],
    level: [{ id: 4, label: 'Level 4' }],
    decompressed: [{ en: '«x»', nl: '«x»' }, 2],
  };
  const entries = Object.entries(TEXT).map(([key, v]) => [key, typeof v === 'function' ? v(...(args[key] ?? ['«x»', '«y»'])) : v]);
  assert.ok(entries.length > 60);
  for (const [key, { en, nl, ...rest }] of entries) {
    assert.deepEqual(Object.keys(rest), [], key);
    assert.ok(typeof en === 'string' && en.length > 0, key);
    assert.ok(typeof nl === 'string' && nl.length > 0, `${key}: no Dutch`);
    if (typeof TEXT[key] === 'function') {
      assert.equal(en.includes('«x»'), nl.includes('«x»'), `${key}: the value is in both languages`);
    }
  }
  // What the Dutch deck showed in English before.
  assert.equal(TEXT.rawBytes(784).nl, '784 bytes onbewerkt');
  assert.equal(TEXT.sample({ index: 0, label: 7 }).nl, 'MNIST-testcijfer 0 (een 7)');
  assert.deepEqual(TEXT.level({ id: 4, label: 'Level 4' }), { en: 'Level 4', nl: 'Niveau 4' });
  // a learned level as the manifest gives it: its quality number (not its model id) and mean size
  assert.deepEqual(TEXT.level({ id: 9, level: 2, bytes: 9.84 }), { en: 'Level 2 (≈ 10 B)', nl: 'Niveau 2 (≈ 10 B)' });
  assert.equal(TEXT.level({ id: 0, label: "The talk's network (8-bit latents)" }).nl, 'Netwerk uit de talk (8-bit latents)');
  assert.ok(!/warm-up/.test(TEXT.firstRun.nl));
  assert.equal(TEXT.decompressed({ en: 'f.aec', nl: 'f.aec' }, 3).en, 'Decompressed f.aec: 3 digits, showing the first.');
  assert.equal(TEXT.decompressed(TEXT.theLink, 1).nl, 'Gedecomprimeerd: de link.');
});
