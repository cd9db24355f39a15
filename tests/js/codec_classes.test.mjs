// node --test tests/js/ : the classes of site/js/aec/codec.js (twin of aec/codec.py) with stand-in
// networks, no TensorFlow.js: shapes in and out (flat, as the twin table says), what each network
// is fed, the one-hot level input, and round trips through the file format.
// The converted networks against Python: tests/js/models.test.mjs.
import assert from "node:assert/strict";
import { test } from "node:test";

import { Codecs, LearnedCodec, levelInput, TALK_MODEL_ID, TalkCodec } from "../../site/js/aec/codec.js";
import { decodeStream, FormatError } from "../../site/js/aec/format.js";
import { SIZE, toFloat } from "../../site/js/aec/pixels.js";
import { CodingTables, TableSet } from "../../site/js/aec/tables.js";

const PIXELS = SIZE * SIZE;
const SCALE = 10;

/** A stand-in network: records what it was fed, answers out(inputs) as a Float32Array. */
function network(out) {
  const net = { calls: [] };
  net.run = async (inputs) => {
    net.calls.push(inputs);
    return Float32Array.from(out(inputs));
  };
  return net;
}

/** n digits, digit d all pixels d * 40 + 1. */
function digits(n) {
  return Uint8Array.from({ length: n * PIXELS }, (_, i) => Math.floor(i / PIXELS) * 40 + 1);
}

// talk: 128 latents per digit, latent e of digit d = (first pixel of d) * SCALE * e / 127
// (so 0..SCALE), decoder: each pixel the mean latent / SCALE
const talkEncoder = network(([image]) => {
  const n = image.shape[0];
  return Array.from({ length: n * 128 }, (_, i) => image.data[Math.floor(i / 128) * PIXELS] * SCALE * (i % 128) / 127);
});
const talkDecoder = network(([latents]) => {
  const n = latents.shape[0];
  return Array.from({ length: n * PIXELS }, (_, i) => {
    const d = Math.floor(i / PIXELS);
    return latents.data.subarray(d * 128, (d + 1) * 128).reduce((a, b) => a + b, 0) / 128 / SCALE;
  });
});

// learned: E = 4 symbols per digit (latent shape 1x1x4), 3 levels; symbol e of digit d at
// level L = (first pixel of d) * 4 * L - e, within the tables' ranges or not
const E = 4;
const learnedEncoder = network(([image, level]) => {
  const [n, L] = level.shape;
  return Array.from({ length: n * E }, (_, i) => {
    const d = Math.floor(i / E);
    const lv = level.data.subarray(d * L, (d + 1) * L).indexOf(1) + 1;
    return image.data[d * PIXELS] * 4 * lv - (i % E) + 0.4;
  });
});
const learnedDecoder = network(([symbols]) => {
  const n = symbols.shape[0];
  return Array.from({ length: n * PIXELS }, (_, i) => symbols.data[Math.floor(i / PIXELS) * E] / 8);
});

function uniform(offset) {
  return new CodingTables(new Array(E).fill(offset), new Array(E).fill(16), new Array(16 * E).fill(4096));
}
const LEVEL_TABLES = new Map([
  [1, TableSet.of(uniform(-8))],
  [2, new TableSet([uniform(-8), uniform(0)])], // two clusters: a row is [cluster, 4 indices]
]);

test("levelInput: one-hot rows of the 1-based level", () => {
  assert.deepEqual(Array.from(levelInput(2, 3, 2)), [0, 1, 0, 0, 1, 0]);
  assert.ok(levelInput(1, 7, 1) instanceof Float32Array);
  for (const bad of [0, 4, 1.5]) assert.throws(() => levelInput(bad, 3, 1), /not in 1\.\.3/);
  const learned = new LearnedCodec(learnedEncoder, learnedDecoder, LEVEL_TABLES, [1, 1, E], 3);
  assert.deepEqual(Array.from(learned.levelInput(3, 1)), [0, 0, 1]);
});

test("TalkCodec: 8-bit latents, flat in and out", async () => {
  const talk = new TalkCodec(talkEncoder, talkDecoder, SCALE, [4, 4, 8]);
  assert.equal(talk.tables.get(TALK_MODEL_ID).numElements, 128);
  const images = digits(3);
  const q = await talk.encodeRows(images);
  const fed = talkEncoder.calls.at(-1)[0];
  assert.deepEqual(fed.shape, [3, SIZE, SIZE, 1]);
  assert.deepEqual(fed.data, toFloat(images));
  assert.ok(q instanceof Int32Array && q.length === 3 * 128);
  assert.equal(q[127], 1); // digit 0, e = 127: its first pixel, 1
  assert.equal(q[128 + 127], 41); // digit 1
  const out = await talk.decodeRows(q);
  assert.deepEqual(talkDecoder.calls.at(-1)[0].shape, [3, 4, 4, 8]);
  assert.ok(out instanceof Uint8Array && out.length === 3 * PIXELS);
  const files = await talk.compressDigits(images);
  assert.equal(files.length, 3);
  for (let d = 0; d < 3; d++) {
    assert.deepEqual(decodeStream(files[d], talk.tables).rows, q.subarray(d * 128, (d + 1) * 128));
  }
  await assert.rejects(talk.decodeRows(new Int32Array(130)), RangeError);
});

test("LearnedCodec: symbols, rows of the chosen cluster, the level fed to both networks", async () => {
  const learned = new LearnedCodec(learnedEncoder, learnedDecoder, LEVEL_TABLES, [1, 1, E], 3);
  const images = digits(2); // first pixels 1 and 41
  const symbols = await learned.encodeSymbols(images, 2);
  const fed = learnedEncoder.calls.at(-1);
  assert.deepEqual(fed[1].shape, [2, 3]);
  assert.deepEqual(Array.from(fed[1].data), [0, 1, 0, 0, 1, 0]);
  const expected = Array.from({ length: 2 * E }, (_, i) =>
    Math.floor(Math.fround(fed[0].data[Math.floor(i / E) * PIXELS] * 8 - (i % E) + 0.4) + 0.5)); // rounded half up
  assert.ok(symbols instanceof Int32Array);
  assert.deepEqual(Array.from(symbols), expected);
  const rows = await learned.encodeRows(images, 2);
  assert.deepEqual(rows, LEVEL_TABLES.get(2).choose(symbols));
  assert.equal(rows.length, 2 * 5);
  const out = await learned.decodeRows(rows, 2);
  const fedDecoder = learnedDecoder.calls.at(-1);
  assert.deepEqual(fedDecoder[0].shape, [2, 1, 1, E]);
  assert.deepEqual(Array.from(fedDecoder[0].data), Array.from(LEVEL_TABLES.get(2).symbols(rows)));
  assert.deepEqual(Array.from(fedDecoder[1].data), [0, 1, 0, 0, 1, 0]);
  assert.equal(out.length, 2 * PIXELS);
  const files = await learned.compressDigits(images, 2);
  assert.equal(files.length, 2);
  assert.deepEqual(decodeStream(files[1], LEVEL_TABLES).rows, rows.subarray(5, 10));
  await assert.rejects(learned.encodeRows(images, 3), /no tables for level 3/);
});

test("Codecs: codecFor, compressDigits, compressFile and decompressFile over both codecs", async () => {
  const talk = new TalkCodec(talkEncoder, talkDecoder, SCALE, [4, 4, 8]);
  const learned = new LearnedCodec(learnedEncoder, learnedDecoder, new Map(LEVEL_TABLES), [1, 1, E], 3);
  const codecs = new Codecs(talk, learned, { maxDigits: 2 });
  assert.equal(codecs.codecFor(TALK_MODEL_ID), talk);
  assert.equal(codecs.codecFor(2), learned);
  assert.throws(() => codecs.codecFor(3), /no model 3 \(models: 0, 1, 2\)/);
  const images = digits(2);
  for (const id of [0, 1, 2]) {
    const files = await codecs.compressDigits(images, id);
    assert.equal(files.length, 2);
    const one = await codecs.decompressFile(files[1]);
    assert.equal(one.modelId, id);
    const stream = await codecs.compressFile(images, id);
    const both = await codecs.decompressFile(stream);
    assert.equal(both.modelId, id);
    assert.ok(both.images instanceof Uint8Array && both.images.length === 2 * PIXELS);
    assert.deepEqual(both.images.subarray(PIXELS), one.images); // the stream's digit 2 = the file of digit 2
  }
  const three = await codecs.compressFile(digits(3), 1);
  await assert.rejects(codecs.decompressFile(three), (err) => err instanceof FormatError && /too many digits/.test(err.message));
  await assert.rejects(codecs.compressDigits(images, 5), RangeError);
});

test("Codecs: a second learned codec at model ids 8..10", async () => {
  const talk = new TalkCodec(talkEncoder, talkDecoder, SCALE, [4, 4, 8]);
  const first = new LearnedCodec(learnedEncoder, learnedDecoder, new Map(LEVEL_TABLES), [1, 1, E], 3);
  // the same networks and tables at ids 8 and 9 (network levels 1 and 2)
  const high = new Map([[8, LEVEL_TABLES.get(1)], [9, LEVEL_TABLES.get(2)]]);
  const second = new LearnedCodec(learnedEncoder, learnedDecoder, high, [1, 1, E], 3, 8);
  assert.deepEqual(second.modelIds, [8, 9, 10]);
  assert.deepEqual(Array.from(second.levelInput(9, 1)), [0, 1, 0]); // model id 9 = the network's level 2
  const codecs = new Codecs(talk, [second, first]);
  assert.equal(codecs.learned, second);
  assert.equal(codecs.codecFor(9), second);
  assert.equal(codecs.codecFor(2), first);
  assert.equal(codecs.learnedFor(10), second); // its tables are not there yet
  assert.throws(() => codecs.codecFor(10), /no model 10/);
  const images = digits(2);
  const [low] = await codecs.compressDigits(images, 2);
  const [hi] = await codecs.compressDigits(images, 9);
  assert.equal(low[0] >> 3, 0b10010); // 10 + id 2
  assert.equal(hi[0] >> 3, 0b11001); // 11 + (9 - 8)
  assert.equal(low[0] & 7, hi[0] & 7); // the same bits after the 5-bit header
  assert.deepEqual(low.subarray(1), hi.subarray(1));
  const back = await codecs.decompressFile(hi);
  assert.equal(back.modelId, 9);
  assert.deepEqual(back.images, (await codecs.decompressFile(low)).images);
  assert.throws(() => new Codecs(talk, [first, new LearnedCodec(learnedEncoder, learnedDecoder, new Map(), [1, 1, E], 3, 3)]),
    /model id 3 belongs to two models/);
});
