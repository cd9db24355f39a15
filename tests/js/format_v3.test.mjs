// node --test tests/js/ : format version 3 in the JavaScript twin (site/js/aec/format.js),
// model ids 8..14 and the escape of later versions, against tests/vectors/format_v3.json
// (made by Python; its twin test: tests/test_format_v3.py). Version 2's vectors: codec.test.mjs.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import {
  decodeDigits,
  decodeFiles,
  decodeStream,
  encodeDigits,
  encodeStream,
  fileVersion,
  FORMAT_VERSION,
  FormatError,
  gammaBits,
  headerBits,
  MAX_MODEL_ID,
  MODEL_ID_BITS,
  maxFileBytes,
  readHeader,
  UnknownModel,
  UnsupportedVersion,
  V2_MAX_MODEL_ID,
  VERSION_BITS,
} from "../../site/js/aec/format.js";
import { TableSet } from "../../site/js/aec/tables.js";

const read = (name) => JSON.parse(readFileSync(new URL(`../vectors/${name}`, import.meta.url), "utf8"));
const DATA = read("format_v3.json");
const V2 = read("format_v2.json");
const SUITES = DATA.suites.map((s) => ({
  suite: s,
  models: new Map(Object.entries(s.models).map(([id, json]) => [Number(id), TableSet.fromJSON(json)])),
}));
const hex = (bytes) => Buffer.from(bytes).toString("hex");
const unhex = (text) => new Uint8Array(Buffer.from(text, "hex"));
const toLists = (flat, R) => Array.from({ length: flat.length / R }, (_, d) => Array.from(flat.subarray(d * R, (d + 1) * R)));

test("format v3: constants", () => {
  assert.equal(DATA.format_version, 3);
  assert.deepEqual([FORMAT_VERSION, VERSION_BITS, MODEL_ID_BITS, V2_MAX_MODEL_ID, MAX_MODEL_ID], [3, 2, 3, 7, 14]);
});

test("format v3: headers by hand and from the vectors", () => {
  assert.deepEqual(headerBits(7, 1), [1, 0, 1, 1, 1, 1]);
  assert.deepEqual(headerBits(8, 1), [1, 1, 0, 0, 0, 1]);
  assert.deepEqual(headerBits(14, 2), [1, 1, 1, 1, 0, 0, 1, 0]);
  for (const bad of [-1, 15, 2.5]) {
    assert.throws(() => headerBits(bad, 1), RangeError);
    assert.throws(() => fileVersion(bad), RangeError);
  }
  const seen = new Set();
  for (const h of DATA.headers) {
    assert.equal(headerBits(h.model_id, h.n).join(""), h.bits, `${h.model_id}, ${h.n}`);
    assert.equal(fileVersion(h.model_id), h.version);
    assert.equal(h.bits.length, 5 + gammaBits(h.n).length);
    seen.add(`${h.model_id}:${h.n > 1}`);
  }
  assert.equal(seen.size, 30); // ids 0..14, with n = 1 and n > 1
});

test("format v3: every vector encodes to its bytes and decodes back", () => {
  let count = 0;
  for (const { suite, models } of SUITES) {
    for (const v of suite.vectors) {
      const tables = models.get(v.model_id);
      assert.equal(hex(encodeStream(v.model_id, v.indices, tables)), v.hex, `${suite.name}: ${v.name}`);
      const got = decodeStream(unhex(v.hex), models);
      assert.equal(got.modelId, v.model_id);
      assert.deepEqual(toLists(got.rows, tables.rowLength), v.indices);
      const h = readHeader(unhex(v.hex), models);
      assert.deepEqual([h.modelId, h.n], [v.model_id, v.indices.length]);
      assert.equal(unhex(v.hex)[0] >> 6, v.model_id < 8 ? 2 : 3);
      assert.ok(v.hex.length / 2 <= maxFileBytes(v.indices.length, tables.numElements, tables.clusterBits));
      if (v.indices.length === 1) assert.equal(hex(encodeDigits(v.model_id, v.indices, tables)[0]), v.hex);
      count++;
    }
  }
  assert.ok(count >= 32);
});

test("format v3: refused files, with Python's messages", () => {
  for (const { suite, models } of SUITES) {
    for (const v of suite.invalid) {
      assert.throws(() => decodeStream(unhex(v.hex), models),
        (err) => err instanceof FormatError && err.message.includes(v.error), `${suite.name}: ${v.name}`);
      const [res] = decodeFiles([unhex(v.hex)], models);
      assert.ok(res instanceof FormatError && res.message.includes(v.error));
    }
  }
  const models = SUITES[0].models;
  for (const [h, version] of [["fa", 5], ["44", 1]]) {
    assert.throws(() => decodeStream(unhex(h), models), (e) => e instanceof UnsupportedVersion && e.version === version);
  }
  const sparse = SUITES[1].models;
  for (const m of [8, 14]) {
    const file = encodeStream(m, [[1]], sparse.get(9));
    assert.throws(() => readHeader(file, sparse), (e) => e instanceof UnknownModel && e.modelId === m);
  }
});

test("format v3: many one-digit files of ids 8..14", () => {
  const { suite, models } = SUITES[0];
  const singles = suite.vectors.filter((v) => v.indices.length === 1);
  const res = decodeDigits(singles.map((v) => unhex(v.hex)), models);
  assert.deepEqual(Array.from(res.modelIds), singles.map((v) => v.model_id));
});

test("format v3: version-2 files keep their bytes; only `01` and `11` refusals are worded anew", () => {
  const hexes = V2.suites.flatMap((s) => s.vectors.map((v) => v.hex));
  assert.ok(hexes.length > 20 && hexes.every((h) => unhex(h)[0] >> 6 === 2));
  assert.deepEqual(DATA.v2_superseded.map((v) => v.hex).sort(), ["4c", "ff"]);
  for (const s of V2.suites) {
    const models = new Map(Object.entries(s.models).map(([id, json]) => [Number(id), TableSet.fromJSON(json)]));
    for (const v of DATA.v2_superseded) {
      assert.throws(() => decodeStream(unhex(v.hex), models), (e) => e instanceof FormatError && e.message === v.error);
    }
  }
});
