// levels.js (twin of aec/levels.py) against tests/vectors/levels.json, which Python writes
// from its table, and the shipped manifest's scale, which the converter writes from it.
// Run: node --test tests/js/
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { modelIdOf, qualityOf } from "../../site/js/aec/levels.js";

const ROOT = new URL("../../", import.meta.url);
const vectors = JSON.parse(readFileSync(new URL("tests/vectors/levels.json", ROOT), "utf8"));

test("qualityOf and modelIdOf read the scale as Python's table does", () => {
  for (const [id, quality] of Object.entries(vectors.quality_of)) {
    assert.equal(qualityOf(vectors.scale, Number(id)), quality, `model id ${id}`);
  }
  vectors.scale.forEach((id, k) => assert.equal(modelIdOf(vectors.scale, k + 1), id));
  for (const bad of [0, vectors.scale.length + 1, 1.5, "1"]) {
    assert.throws(() => modelIdOf(vectors.scale, bad), (err) => err instanceof RangeError && /no quality level/.test(err.message));
  }
});

test("the shipped manifest carries the same scale and default", () => {
  const manifest = JSON.parse(readFileSync(new URL("site/models/manifest.json", ROOT), "utf8"));
  assert.deepEqual(manifest.scale, vectors.scale);
  assert.equal(manifest.default_model_id, vectors.default_model_id);
  const levels = manifest.models.filter((m) => m.level);
  assert.deepEqual(levels.map((m) => m.id), vectors.scale); // the page lists these, in this order
});
