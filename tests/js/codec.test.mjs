// node --test tests/js/ : the JavaScript twin of the tables, the coder and the file format.
// Checks the shared vectors (tests/vectors/format_v2.json, made by Python), round trips,
// and that hostile bytes either decode or throw FormatError.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { CodingTables, costQ16, TableSet, TablesError, TOTAL } from "../../site/js/aec/tables.js";
import {
  ArithmeticDecoder,
  ArithmeticEncoder,
  BitReader,
  BitWriter,
  checkIndices,
  decodeIndices,
  encodeIndices,
  HALF,
} from "../../site/js/aec/range_coder.js";
import {
  decodeDigits,
  decodeFiles,
  decodeStream,
  encodeDigits,
  encodeStream,
  FormatError,
  gammaBits,
  headerBits,
  MAX_DIGITS,
  maxFileBytes,
  readHeader,
  UnknownModel,
  UnsupportedVersion,
} from "../../site/js/aec/format.js";

const VECTORS = JSON.parse(readFileSync(new URL("../vectors/format_v2.json", import.meta.url), "utf8"));
// the v2 refusals a v3 reader words differently (its `11` means something now), from format_v3.json
const V3 = JSON.parse(readFileSync(new URL("../vectors/format_v3.json", import.meta.url), "utf8"));
const SUPERSEDED = new Map(V3.v2_superseded.map((v) => [v.hex, v.error]));
const SUITES = VECTORS.suites.map((s) => {
  const models = new Map();
  for (const [id, json] of Object.entries(s.models)) models.set(Number(id), TableSet.fromJSON(json));
  return { suite: s, models };
});
const synthetic = SUITES.find((s) => s.suite.name === "synthetic").models;

const hex = (bytes) => Buffer.from(bytes).toString("hex");
const unhex = (text) => new Uint8Array(Buffer.from(text, "hex"));
// flat rows (n*R) -> n lists of R, as the vectors hold them
const toLists = (flat, R) => Array.from({ length: flat.length / R }, (_, d) => Array.from(flat.subarray(d * R, (d + 1) * R)));

// small deterministic PRNG (xorshift32)
function prng(seed) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 2 ** 32;
  };
}

// ---------------------------------------------------------------------------
// tables
// ---------------------------------------------------------------------------

test("tables: JSON round trip and layout", () => {
  for (const { suite, models } of SUITES) {
    for (const [id, json] of Object.entries(suite.models)) {
      assert.deepEqual(models.get(Number(id)).toJSON(), json);
    }
  }
  const t = new CodingTables([-1, 5], [3, 2], [1, 65534, 1, 40000, 25536]);
  assert.equal(t.numElements, 2);
  assert.deepEqual(Array.from(t.cdf(0)), [0, 1, 65535, TOTAL]);
  assert.deepEqual(Array.from(t.cdf(1)), [0, 40000, TOTAL]);
  assert.deepEqual(Array.from(t.freqsOf(1)), [40000, 25536]);
  assert.deepEqual(Array.from(t.symbolsToIndices([-7, 100, 0, 5, 1, 6])), [0, 1, 1, 0, 2, 1]);
  assert.deepEqual(Array.from(t.indicesToSymbols([0, 1, 2, 0])), [-1, 6, 1, 5]);
  const u = CodingTables.uniform(128, 8);
  assert.equal(u.numElements, 128);
  assert.ok(u.freqs.every((f) => f === 256) && u.sizes.every((s) => s === 256));
  assert.deepEqual(u.toJSON(), synthetic.get(0).toJSON()); // same as Python's uniform(128, 8)
  assert.equal(synthetic.get(3).clusterBits, 2);
  assert.equal(synthetic.get(3).rowLength, 5);
  assert.equal(synthetic.get(1).rowLength, 16);
});

test("tables: validation errors", () => {
  const cases = [
    [{ offsets: [0], sizes: [1], freqs: "AAA=" }, /symbols/],
    [{ offsets: [0], sizes: [2], freqs: "AAAAAA==" }, /frequency/],
    [{ offsets: [0, 0], sizes: [2], freqs: "AIAAgA==" }, /sizes/],
    [{ offsets: [0], sizes: [3], freqs: "AIAAgA==" }, /add up/],
    [{ offsets: [0], sizes: [2], freqs: "AYAAgA==" }, /sum to/],
    [{ offsets: [0], sizes: [2], freqs: "not base64!" }, /base64/],
    [{ offsets: [0], sizes: [2], freqs: "AIAA" }, /odd/],
    [{ offsets: [0.5], sizes: [2], freqs: "AIAAgA==" }, /integers/],
    [{ offsets: [], sizes: [], freqs: "" }, /at least one/],
    [{ sizes: [2], freqs: "AIAAgA==" }, /expected an object/],
    ["{not json", /not JSON/],
  ];
  for (const [obj, re] of cases) {
    assert.throws(() => CodingTables.fromJSON(obj), (err) => err instanceof TablesError && re.test(err.message));
  }
  assert.throws(() => CodingTables.uniform(4, 17), TablesError);
  assert.deepEqual(Array.from(CodingTables.fromJSON({ offsets: [0], sizes: [2], freqs: "AIAAgA==" }).freqs), [
    32768, 32768,
  ]);
});

// ---------------------------------------------------------------------------
// coder
// ---------------------------------------------------------------------------

test("coder: bit writer / reader", () => {
  const w = new BitWriter();
  w.writeBits(0b1011, 4);
  w.writeBit(1);
  w.writeBits(0, 3);
  w.writeBits(0x1ff, 9);
  assert.equal(w.bitLength, 17);
  assert.deepEqual(Array.from(w.toBytes()), [0b10111000, 0xff, 0x80]);
  const r = new BitReader(w.toBytes());
  assert.equal(r.readBits(4), 0b1011);
  assert.equal(r.readBits(13), 0b1000111111111);
  assert.equal(r.readBits(40), 0);
  assert.equal(r.position, 57);
});

test("coder: uniform 8-bit tables give the raw bytes", () => {
  const t = CodingTables.uniform(4, 8);
  const w = new BitWriter();
  encodeIndices(w, [0x12, 0x34, 0xab, 0xff], [0, 1, 2, 3], t);
  assert.deepEqual(Array.from(w.toBytes()), [0x12, 0x34, 0xab, 0xff]);
});

test("coder: checkIndices refuses unknown tables and out-of-range indices", () => {
  const t = new CodingTables([0, 5], [2, 3], [1, 65535, 1, 1, 65534]);
  checkIndices([1, 2], [0, 1], t);
  assert.throws(() => checkIndices([0], [2], t), /tableIds must be in \[0, 2\)/);
  assert.throws(() => checkIndices([0], [-1], t), /tableIds/);
  assert.throws(() => checkIndices([2], [0], t), /out of range/);
  assert.throws(() => checkIndices([0.5], [0], t), /out of range/);
  assert.throws(() => encodeIndices(new BitWriter(), [0], [7], t), RangeError);
});

test("coder: long pending runs and termination", () => {
  const t = new CodingTables([0], [3], [32767, 2, 32767]);
  const idx = new Array(400).fill(1);
  const tid = new Array(400).fill(0);
  const w = new BitWriter();
  encodeIndices(w, idx, tid, t);
  assert.deepEqual(Array.from(decodeIndices(new BitReader(w.toBytes()), tid, t)), idx);
  // finish() emits at most one bit beyond the pending ones
  const t2 = new CodingTables([0, 0], [2, 3], [1, 65535, 20000, 25536, 20000]);
  const rnd = prng(5);
  for (let trial = 0; trial < 200; trial++) {
    const S = Math.floor(rnd() * 30);
    const ids = Array.from({ length: S }, () => Math.floor(rnd() * 2));
    const ks = ids.map((e) => Math.floor(rnd() * t2.sizes[e]));
    const bw = new BitWriter();
    const enc = new ArithmeticEncoder(bw);
    ks.forEach((k, i) => enc.encode(t2.cdf(ids[i])[k], t2.cdf(ids[i])[k + 1]));
    const before = bw.bitLength;
    const { pending, low } = enc;
    assert.ok(low < HALF && HALF <= enc.high);
    enc.finish();
    assert.equal(bw.bitLength - before, pending + (pending || low ? 1 : 0));
    assert.deepEqual(Array.from(decodeIndices(new BitReader(bw.toBytes()), ids, t2)), ks);
  }
});

test("coder: decoder state stays valid on any input", () => {
  const t = new CodingTables([0, 0], [2, 4], [1, 65535, 100, 30000, 30000, 5436]);
  const rnd = prng(7);
  for (let trial = 0; trial < 300; trial++) {
    const data = Uint8Array.from({ length: Math.floor(rnd() * 12) }, () => Math.floor(rnd() * 256));
    const dec = new ArithmeticDecoder(new BitReader(data));
    for (let j = 0; j < 40; j++) {
      const k = dec.decode(t.cdf(j % 2));
      assert.ok(k >= 0 && k < t.sizes[j % 2]);
      assert.ok(dec.low <= dec.code && dec.code <= dec.high && dec.high <= 2 ** 32 - 1);
    }
  }
});

// ---------------------------------------------------------------------------
// shared vectors
// ---------------------------------------------------------------------------

test("vectors: JS encodes the same bytes and decodes the same indices", () => {
  let count = 0;
  for (const { suite, models } of SUITES) {
    for (const v of suite.vectors) {
      const tables = models.get(v.model_id);
      assert.equal(hex(encodeStream(v.model_id, v.indices, tables)), v.hex, `${suite.name}: ${v.name}`);
      const flat = v.indices.flat();
      assert.equal(hex(encodeStream(v.model_id, flat, tables)), v.hex, `${v.name} (flat)`);
      const got = decodeStream(unhex(v.hex), models);
      assert.equal(got.modelId, v.model_id);
      assert.ok(got.rows instanceof Int32Array);
      assert.deepEqual(toLists(got.rows, tables.rowLength), v.indices, `${suite.name}: ${v.name}`);
      const h = readHeader(unhex(v.hex), models);
      assert.equal(h.modelId, v.model_id);
      assert.equal(h.n, v.indices.length);
      assert.ok(v.hex.length / 2 <= maxFileBytes(v.indices.length, tables.numElements, tables.clusterBits));
      const files = encodeDigits(v.model_id, flat, tables);
      assert.equal(files.length, v.indices.length);
      if (v.indices.length === 1) assert.equal(hex(files[0]), v.hex);
      count++;
    }
  }
  assert.ok(count >= 20);
});

test("vectors: costs and cluster choice equal Python's", () => {
  for (const [f, cost] of VECTORS.costs) assert.equal(costQ16(f), cost, `costQ16(${f})`);
  for (let f = 1; f <= TOTAL; f++) {
    const c = costQ16(f);
    assert.ok(Math.abs(c - Math.log2(TOTAL / f) * 65536) < 3);
  }
  let count = 0;
  for (const { suite, models } of SUITES) {
    const byModel = new Map();
    for (const c of suite.choose ?? []) {
      const t = models.get(c.model_id);
      const row = t.choose(Int32Array.from(c.symbols));
      assert.deepEqual(Array.from(row), c.row, `choose(${c.symbols})`);
      const clamped = c.symbols.map((v, e) =>
        Math.min(Math.max(v, t.clusters[0].offsets[e]), t.clusters[0].offsets[e] + t.clusters[0].sizes[e] - 1));
      assert.deepEqual(Array.from(t.symbols(row)), clamped);
      if (!byModel.has(c.model_id)) byModel.set(c.model_id, []);
      byModel.get(c.model_id).push(c);
      count++;
    }
    // batched, as Python's: B digits' symbols in one flat array -> B rows in one
    for (const [id, cases] of byModel) {
      const t = models.get(id);
      const rows = t.choose(Int32Array.from(cases.flatMap((c) => c.symbols)));
      assert.deepEqual(toLists(rows, t.rowLength), cases.map((c) => c.row));
      const { clusters, indices } = t.split(rows);
      assert.deepEqual(Array.from(clusters), cases.map((c) => (t.clusterBits ? c.row[0] : 0)));
      assert.equal(indices.length, cases.length * t.numElements);
    }
  }
  assert.ok(count >= 10);
  assert.throws(() => synthetic.get(3).choose(new Int32Array(5)), RangeError); // not a whole number of digits
});

test("vectors: invalid files throw FormatError with the expected message", () => {
  for (const { suite, models } of SUITES) {
    for (const v of suite.invalid) {
      assert.throws(
        () => decodeStream(unhex(v.hex), models),
        (err) => err instanceof FormatError && err.message.includes(SUPERSEDED.get(v.hex) ?? v.error),
        `${suite.name}: ${v.name}`,
      );
      const [res] = decodeFiles([unhex(v.hex)], models);
      assert.ok(res instanceof FormatError && res.message.includes(SUPERSEDED.get(v.hex) ?? v.error));
    }
  }
  assert.throws(() => decodeStream(unhex("4c"), synthetic), (e) => e instanceof UnsupportedVersion && e.version === 1);
  assert.throws(() => decodeStream(unhex("bc"), synthetic), (e) => e instanceof UnknownModel && e.modelId === 7);
  // tablesByModel may be a plain object as well
  const obj = Object.fromEntries(synthetic);
  const v = SUITES[0].suite.vectors[4];
  assert.deepEqual(toLists(decodeStream(unhex(v.hex), obj).rows, synthetic.get(v.model_id).rowLength), v.indices);
});

// ---------------------------------------------------------------------------
// format
// ---------------------------------------------------------------------------

test("format: header pieces", () => {
  assert.deepEqual(gammaBits(1), [1]);
  assert.deepEqual(gammaBits(5), [0, 0, 1, 0, 1]);
  assert.equal(gammaBits(MAX_DIGITS).length, 33);
  assert.deepEqual(headerBits(1, 1), [1, 0, 0, 0, 1, 1]);
  assert.deepEqual(headerBits(7, 3), [1, 0, 1, 1, 1, 0, 1, 1]);
  assert.throws(() => headerBits(15, 1), RangeError);
  assert.throws(() => headerBits(0, MAX_DIGITS + 1), RangeError);
});

test("format: 65536 digits, the most a file may hold", () => {
  const t = new CodingTables([0], [2], [65535, 1]);
  const data = encodeStream(3, new Int32Array(MAX_DIGITS), t);
  assert.equal(hex(data), "980004");
  const got = decodeStream(data, new Map([[3, t]]));
  assert.equal(got.rows.length, MAX_DIGITS); // one index per digit
  assert.throws(() => decodeStream(data, new Map([[3, t]]), { maxDigits: 100 }), /too many digits/);
});

function randomTables(rnd) {
  const E = 1 + Math.floor(rnd() * 8);
  const offsets = [];
  const sizes = [];
  const freqs = [];
  for (let e = 0; e < E; e++) {
    const n = 2 + Math.floor(rnd() * 40);
    // random positive weights (some very skewed), scaled to sum exactly TOTAL with each >= 1
    const w = Array.from({ length: n }, () => rnd() ** (1 + 8 * rnd()));
    const sum = w.reduce((a, b) => a + b, 0);
    const f = w.map((x) => 1 + Math.floor((x / sum) * (TOTAL - n)));
    let left = TOTAL - f.reduce((a, b) => a + b, 0);
    for (let i = 0; left > 0; i = (i + 1) % n, left--) f[i]++;
    offsets.push(Math.floor(rnd() * 100) - 50);
    sizes.push(n);
    freqs.push(...f);
  }
  return new CodingTables(offsets, sizes, freqs);
}

test("format: random round trips (n = 1..4)", () => {
  const rnd = prng(11);
  for (let trial = 0; trial < 300; trial++) {
    const t = randomTables(rnd);
    const n = 1 + Math.floor(rnd() * 4);
    const mode = Math.floor(rnd() * 3);
    const rows = Array.from({ length: n }, () =>
      Array.from({ length: t.numElements }, (_, e) =>
        mode === 0 ? 0 : mode === 1 ? t.sizes[e] - 1 : Math.floor(rnd() * t.sizes[e]),
      ),
    );
    const id = Math.floor(rnd() * 8);
    const data = encodeStream(id, rows, t);
    assert.ok(data.length >= 1 && data[data.length - 1] !== 0 && data[0] >> 6 === 2);
    assert.ok(data.length <= maxFileBytes(n, t.numElements));
    const got = decodeStream(data, new Map([[id, t]]));
    assert.equal(got.modelId, id);
    assert.deepEqual(toLists(got.rows, t.numElements), rows);
    if (n === 1) assert.deepEqual(Array.from(encodeDigits(id, rows, t)[0]), Array.from(data));
  }
});

test("format: clustered round trips (streams of mixed clusters)", () => {
  const rnd = prng(17);
  for (let trial = 0; trial < 100; trial++) {
    const K = 2 ** (1 + Math.floor(rnd() * 3));
    const first = randomTables(rnd);
    const E = first.numElements;
    const clusters = [first];
    while (clusters.length < K) {
      const t = randomTables(rnd);
      if (t.numElements === E) clusters.push(t);
      else clusters.push(new CodingTables(first.offsets, first.sizes, first.freqs));
    }
    const set = new TableSet(clusters);
    const n = 1 + Math.floor(rnd() * 4);
    const rows = Array.from({ length: n }, () => {
      const k = Math.floor(rnd() * K);
      return [k, ...Array.from({ length: E }, (_, e) => Math.floor(rnd() * clusters[k].sizes[e]))];
    });
    const data = encodeStream(5, rows, set);
    assert.ok(data.length <= maxFileBytes(n, E, set.clusterBits));
    const flat = decodeStream(data, new Map([[5, set]])).rows;
    assert.deepEqual(toLists(flat, set.rowLength), rows);
    const again = set.choose(set.symbols(flat)); // all n digits at once
    assert.equal(again.length, n * set.rowLength);
    assert.deepEqual(Array.from(set.symbols(again)), Array.from(set.symbols(flat)));
  }
});

test("format: decodeDigits error modes", () => {
  const t = synthetic.get(1);
  const ones = new Array(16).fill(1);
  const good = encodeDigits(1, [ones, ones, ones], t);
  const stream = encodeStream(1, [ones, ones], t);
  const datas = [good[0], new Uint8Array(0), stream, good[1], Uint8Array.from([...good[2], 1])];
  const res = decodeDigits(datas, synthetic, { onError: "mask" });
  assert.deepEqual(Array.from(res.modelIds), [1, -1, -1, 1, -1]);
  assert.equal(res.rows.length, 5 * 128); // rows of the longest model (0: 128), zero-padded
  assert.deepEqual(Array.from(res.rows.subarray(0, 128)), [...ones, ...new Array(112).fill(0)]);
  assert.ok(res.rows.subarray(128, 256).every((k) => k === 0));
  assert.equal(res.errors[0], null);
  assert.equal(res.errors[1].message, "empty file");
  assert.equal(res.errors[2].message, "expected a single digit, found 2 digits");
  assert.match(res.errors[4].message, /not the canonical encoding/);
  assert.throws(
    () => decodeDigits(datas, synthetic),
    (e) => e instanceof FormatError && e.index === 1,
  );
  assert.throws(() => encodeStream(1, [[0, 0]], t), RangeError);
  assert.throws(() => encodeStream(1, [new Array(16).fill(10 ** 6)], t), RangeError);
});

// ---------------------------------------------------------------------------
// fuzz: hostile bytes either decode (canonically) or throw FormatError
// ---------------------------------------------------------------------------

test("fuzz: 10,000+ random, truncated and corrupted files", () => {
  const rnd = prng(2024);
  const cases = [];
  const heads = [0x84, 0x8c, 0x9c, 0x9e, 0xac, 0xae, 0x88, 0xa8];
  for (let i = 0; i < 6000; i++) {
    const b = Uint8Array.from({ length: Math.floor(rnd() * 24) }, () => Math.floor(rnd() * 256));
    if (b.length && i % 2) b[0] = heads[Math.floor(rnd() * heads.length)] | (b[0] & 3);
    cases.push(b);
  }
  for (const v of SUITES[0].suite.vectors) {
    const f = unhex(v.hex);
    for (let len = 0; len < f.length; len++) cases.push(f.slice(0, len)); // every truncation
    for (let k = 0; k < 40; k++) {
      const c = f.slice();
      c[Math.floor(rnd() * c.length)] ^= 1 + Math.floor(rnd() * 255);
      cases.push(c);
    }
  }
  while (cases.length < 10500) {
    const f = unhex(SUITES[0].suite.vectors[Math.floor(rnd() * 10)].hex);
    const c = f.slice(0, 1 + Math.floor(rnd() * f.length));
    c[Math.floor(rnd() * c.length)] ^= 1 + Math.floor(rnd() * 255);
    cases.push(c);
  }
  let ok = 0;
  let refused = 0;
  for (const data of cases) {
    let got;
    try {
      got = decodeStream(data, synthetic, { maxDigits: 256 });
    } catch (err) {
      if (!(err instanceof FormatError)) throw err;
      refused++;
      continue;
    }
    ok++;
    const again = encodeStream(got.modelId, got.rows, synthetic.get(got.modelId));
    assert.equal(hex(again), hex(data));
  }
  assert.ok(cases.length >= 10000 && ok > 0 && refused > 0);
});

test("tables: TableSet validation and the one-cluster form", () => {
  const a = new CodingTables([0], [2], [1, 65535]);
  const b = new CodingTables([0, 0], [2, 2], [1, 65535, 1, 65535]);
  for (const bad of [[], [a, a, a], [a, b]]) {
    assert.throws(() => TableSet.fromJSON({ clusters: bad.map((t) => t.toJSON()) }), TablesError);
  }
  assert.throws(() => TableSet.fromJSON({ clusters: "x" }), TablesError);
  assert.throws(() => TableSet.fromJSON("{"), (e) => e instanceof TablesError && /not JSON/.test(e.message));
  const one = TableSet.fromJSON(a.toJSON());
  assert.equal(one.clusterBits, 0);
  assert.equal(one.rowLength, 1);
  assert.deepEqual(one.toJSON(), a.toJSON());
  assert.equal(TableSet.of(one), one);
});
