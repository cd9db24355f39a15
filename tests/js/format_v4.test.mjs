// node --test tests/js/ : format version 4 in the JavaScript twin (site/js/aec/format_v4.js,
// model_prior.js, and format.js / bits.js given a prior), against tests/vectors/format_v4.json
// (made by Python; its twin test: tests/test_format_v4.py).

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { bitSplit, ONE_BIT } from "../../site/js/aec/bits.js";
import {
  decodeDigits,
  decodeFiles,
  decodeStream,
  encodeDigits,
  encodeStream,
  fileVersion,
  FormatError,
  readHeader,
} from "../../site/js/aec/format.js";
import { decodeGroup, encode, isV4, readHead, startLength, VERSION } from "../../site/js/aec/format_v4.js";
import { MODEL_IDS, ModelPrior, V4_TOTAL } from "../../site/js/aec/model_prior.js";
import { TableSet, TablesError, TOTAL } from "../../site/js/aec/tables.js";

const DATA = JSON.parse(readFileSync(new URL("../vectors/format_v4.json", import.meta.url), "utf8"));
const SUITES = DATA.suites.map((s) => ({
  suite: s,
  prior: ModelPrior.fromJSON(s.prior),
  models: new Map(Object.entries(s.models).map(([id, json]) => [Number(id), TableSet.fromJSON(json)])),
}));
const hex = (bytes) => Buffer.from(bytes).toString("hex");
const unhex = (text) => new Uint8Array(Buffer.from(text, "hex"));
const flat = (rows) => rows.flat();

test("format v4: constants", () => {
  assert.equal(DATA.format_version, 4);
  assert.equal(VERSION, 4);
  assert.equal(V4_TOTAL, TOTAL / 2);
  assert.deepEqual([...MODEL_IDS], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
});

for (const { suite, prior, models } of SUITES) {
  test(`format v4: ${suite.name}: every vector encodes to its bytes and decodes back`, () => {
    for (const v of suite.vectors) {
      const m = v.model_id;
      const data = unhex(v.hex);
      assert.equal(hex(encodeStream(m, v.indices, models.get(m), { prior })), v.hex, v.name);
      assert.equal(hex(encodeDigits(m, v.indices, models.get(m), { prior })[0]), v.hex, v.name);
      assert.equal(hex(encode(m, flat(v.indices), models.get(m), prior)), v.hex, v.name);
      assert.equal(fileVersion(m, 1, prior), 4);
      assert.ok(data[0] < 0x80 && isV4(data, prior) && !isV4(data, null), v.name);
      const { modelId, rows } = decodeStream(data, models, { prior });
      assert.equal(modelId, m, v.name);
      assert.deepEqual(Array.from(rows), flat(v.indices), v.name);
      const header = readHeader(data, models, { prior });
      assert.deepEqual([header.modelId, header.n, header.headerBits], [m, 1, 0], v.name);
      const t = models.get(m);
      assert.deepEqual(readHead(data, prior), { modelId: m, cluster: t.clusterBits ? v.indices[0][0] : 0 }, v.name);
      assert.ok(data.length >= startLength(flat(v.indices), t)[0], v.name);
      const split = bitSplit(data, models, { prior });
      assert.equal(split.headQ16, v.head_q16, v.name);
      assert.deepEqual([split.headerBits, split.clusterBits, split.totalBits], [0, 0, 8 * data.length], v.name);
      const latents = split.latentQ16.reduce((a, b) => a + b, 0);
      assert.equal(split.headQ16 + latents + split.terminationQ16, 8 * data.length * ONE_BIT, v.name);
    }
  });

  test(`format v4: ${suite.name}: many files at once, legacy files and refused files`, () => {
    const files = suite.vectors.map((v) => unhex(v.hex));
    const decoded = decodeFiles(files, models, { prior });
    decoded.forEach((d, i) => {
      assert.equal(d.modelId, suite.vectors[i].model_id);
      assert.deepEqual(Array.from(d.rows), flat(suite.vectors[i].indices));
    });
    const batch = decodeDigits(files, models, { prior });
    const R = Math.max(...[...models.values()].map((t) => t.rowLength));
    suite.vectors.forEach((v, i) => {
      assert.equal(batch.modelIds[i], v.model_id);
      const row = flat(v.indices);
      assert.deepEqual(Array.from(batch.rows.subarray(i * R, i * R + row.length)), row);
    });
    for (const v of suite.legacy) {
      const data = unhex(v.hex);
      const { modelId, rows } = decodeStream(data, models, { prior });
      assert.equal(modelId, v.model_id, v.name);
      assert.deepEqual(Array.from(rows), flat(v.indices), v.name);
      const split = bitSplit(data, models, { prior });
      assert.equal(split.headQ16, 0, v.name);
      assert.ok(split.headerBits > 0, v.name);
      // without the prior the same reader reads them the same way
      assert.deepEqual(Array.from(decodeStream(data, models).rows), flat(v.indices), v.name);
    }
    for (const v of suite.invalid) {
      const data = unhex(v.hex);
      assert.throws(() => decodeStream(data, models, { prior }),
        (e) => e instanceof FormatError && e.message.includes(v.error), v.name);
      const [result] = decodeFiles([data], models, { prior });
      assert.ok(result instanceof FormatError && result.message.includes(v.error), v.name);
      const masked = decodeDigits([data], models, { prior, onError: "mask" });
      assert.equal(masked.modelIds[0], -1, v.name);
      assert.ok(masked.errors[0] instanceof FormatError, v.name);
    }
  });
}

test("format v4: a reader without the prior refuses version 4 as version 3 would", () => {
  const { models } = SUITES[0];
  for (const v of DATA.no_prior) {
    assert.throws(() => decodeStream(unhex(v.hex), models), (e) => e instanceof FormatError && e.message === v.error, v.name);
  }
});

test("format v4: streams and the talk's model stay versions 2 and 3; without a prior, nothing changes", () => {
  const { prior, models } = SUITES[0];
  assert.equal(fileVersion(0, 1, prior), 2);
  assert.equal(fileVersion(9, 2, prior), 3);
  assert.equal(fileVersion(3, 1), 2);
  assert.equal(fileVersion(9, 1), 3);
  assert.equal(fileVersion(9), 3);
  const v = SUITES[0].suite.vectors.find((x) => x.model_id === 3);
  const v3 = encodeStream(3, v.indices, models.get(3));
  assert.ok(v3[0] >= 0x80);
  assert.equal(hex(encodeDigits(3, v.indices, models.get(3))[0]), hex(v3));
});

test("format v4: random digits of every model round-trip, their parts adding up", () => {
  const { prior, models } = SUITES[0];
  let seed = 3;
  const rand = (n) => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return Math.floor((seed / 2 ** 32) * n);
  };
  for (const m of MODEL_IDS) {
    const t = models.get(m);
    for (let j = 0; j < 30; j++) {
      const k = t.clusterBits ? rand(t.clusters.length) : 0;
      const row = [...(t.clusterBits ? [k] : []), ...Array.from(t.clusters[k].sizes, (s) => rand(s))];
      const data = encodeStream(m, row, t, { prior });
      assert.deepEqual(Array.from(decodeStream(data, models, { prior }).rows), row);
      const { rows, ok } = decodeGroup([data], m, [k], t, prior);
      assert.deepEqual([Array.from(rows), ok], [row, [true]]);
      const split = bitSplit(data, models, { prior });
      assert.equal(split.headQ16 + split.latentQ16.reduce((a, b) => a + b, 0) + split.terminationQ16, 8 * data.length * ONE_BIT);
      assert.ok(data.length >= startLength(row, t)[0]);
    }
  }
});

test("format v4: the prior refuses bad tables, and its JSON round-trips", () => {
  const { suite, prior, models } = SUITES[0];
  assert.throws(() => new ModelPrior(suite.prior.cluster_bits.slice(0, -1), prior.head), TablesError);
  assert.throws(() => ModelPrior.fromJSON({ cluster_bits: [] }), /expected an object with "cluster_bits" and "head"/);
  assert.throws(() => ModelPrior.fromJSON("{"), TablesError);
  const one = [...models].find(([id, t]) => MODEL_IDS.includes(id) && t.clusterBits === 0)[0];
  const clustered = [...models.values()].find((t) => t.clusterBits);
  assert.throws(() => prior.checkTables(new Map([[one, clustered]])), (e) => e instanceof TablesError && /clusters/.test(e.message));
  assert.deepEqual(JSON.parse(JSON.stringify(ModelPrior.fromJSON(JSON.stringify(prior)))), suite.prior);
  assert.equal(prior.modelCluster(prior.firsts[14]), null);
  assert.throws(() => prior.symbol(0, 0), RangeError);
  assert.equal(prior.element(0), 0);
  assert.equal(prior.element(1000), prior.rows - 1);
});
