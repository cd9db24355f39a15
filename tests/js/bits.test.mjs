// node --test tests/js/ : where a file's bits go in the JavaScript twin (site/js/aec/bits.js),
// against tests/vectors/bits_v1.json (made by Python; its twin test: tests/test_bits.py), version 4's
// files with their prior.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { bitSplit, bitsText, latentOrder, ONE_BIT, symbolCosts } from "../../site/js/aec/bits.js";
import { decodeStream, FormatError } from "../../site/js/aec/format.js";
import { ModelPrior } from "../../site/js/aec/model_prior.js";
import { CodingTables, TableSet } from "../../site/js/aec/tables.js";

const ROOT = new URL("../../", import.meta.url);
const read = (path) => JSON.parse(readFileSync(new URL(path, ROOT), "utf8"));
const DATA = read("tests/vectors/bits_v1.json");
const unhex = (text) => new Uint8Array(Buffer.from(text, "hex"));

/** A set's tables by model id, and its version-4 prior: "suite" (the suite's), a file, or none. */
function tablesOf(set) {
  if (set.suite === null) {
    const tables = new Map(Object.keys(set.orders).map((m) => [Number(m), TableSet.fromJSON(read(`${set.source}/${m}.json`))]));
    return { tables, prior: set.prior ? ModelPrior.fromJSON(read(set.prior)) : null };
  }
  const suite = read(`tests/vectors/${set.source}`).suites.find((s) => s.name === set.suite);
  const tables = new Map(Object.entries(suite.models).map(([id, json]) => [Number(id), TableSet.fromJSON(json)]));
  return { tables, prior: set.prior === "suite" ? ModelPrior.fromJSON(suite.prior) : null };
}

for (const set of DATA.sets) {
  test(`bits: ${set.source} ${set.suite ?? ""}`, () => {
    const { tables, prior } = tablesOf(set);
    for (const f of set.files) {
      const data = unhex(f.hex);
      const s = bitSplit(data, tables, { prior });
      assert.deepEqual([s.modelId, s.n, s.totalBits, s.headerBits, s.clusterBits],
        [f.model_id, f.n, f.total_bits, f.header_bits, f.cluster_bits], f.name);
      assert.deepEqual(Array.from(s.clusters), f.clusters, f.name);
      assert.deepEqual(Array.from(s.latentQ16), f.latent_q16.flat(), f.name);
      assert.deepEqual([s.terminationQ16, s.headQ16], [f.termination_q16, f.head_q16], f.name);
      const latents = s.latentQ16.reduce((a, b) => a + b, 0);
      assert.equal((s.headerBits + s.clusterBits) * ONE_BIT + s.headQ16 + latents + s.terminationQ16, 8 * data.length * ONE_BIT);
      const { rows } = decodeStream(data, tables, { prior });
      assert.deepEqual(symbolCosts(rows, tables.get(f.model_id)), s.latentQ16);
    }
    for (const [m, order] of Object.entries(set.orders)) assert.deepEqual(Array.from(latentOrder(tables.get(Number(m)))), order);
  });
}

test("bits: exact decimals", () => {
  for (const [q, text] of DATA.texts) assert.equal(bitsText(q), text);
});

test("bits: format.md's worked example, and refused files", () => {
  const t = new CodingTables([0, -1], [2, 3], [49152, 16384, 16384, 32768, 16384]);
  const s = bitSplit(unhex("9740"), new Map([[2, t]]));
  assert.deepEqual([s.headerBits, s.clusterBits, s.totalBits, s.terminationQ16], [6, 0, 16, 7 * ONE_BIT]);
  assert.deepEqual(Array.from(s.latentQ16), [2 * ONE_BIT, ONE_BIT]);
  for (const [hex, message] of [["", /empty file/], ["00", /bad header/], ["974000", /canonical/]]) {
    assert.throws(() => bitSplit(unhex(hex), new Map([[2, t]])), (e) => e instanceof FormatError && message.test(e.message));
  }
});
