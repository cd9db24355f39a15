// The twin contract (site/format.md, "Twins") holds for the JavaScript side:
// every name the table gives JavaScript exists in its module, no "only Python"
// name does, and every module exports nothing the table does not name.
// tests/test_twins.py checks the Python side of the same table.
// Run: node --test tests/js/
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { test } from "node:test";

const ROOT = new URL("../../", import.meta.url);
const JS_DIR = new URL("site/js/aec/", ROOT);

/** The table's rows: {python, js, both, onlyPython, onlyJs}, each a list of the cell's `names`. */
function twinRows() {
  const text = readFileSync(new URL("site/format.md", ROOT), "utf8");
  const table = /<!-- twins:begin -->([\s\S]*?)<!-- twins:end -->/.exec(text)[1];
  return table.trim().split("\n").slice(2).map((line) => { // after the header and the |---| line
    const cells = line.trim().replace(/^\||\|$/g, "").split("|");
    assert.equal(cells.length, 5, line);
    const [python, js, both, onlyPython, onlyJs] = cells.map((c) => [...c.matchAll(/`([^`]+)`/g)].map((m) => m[1]));
    return { python, js, both, onlyPython, onlyJs };
  });
}

/** A Python name as JavaScript writes it: snake_case -> camelCase, the word json -> JSON;
 * UPPER_CASE constants and CamelCase classes unchanged; `Class.method` part by part. */
function jsName(name) {
  if (/^[A-Z0-9_]+$/.test(name)) return name;
  return name.split(".").map((part) => {
    if (/^[A-Z]/.test(part)) return part;
    return part.split("_").map((w, i) => {
      if (w === "json") return "JSON";
      return i === 0 ? w : w.charAt(0).toUpperCase() + w.slice(1);
    }).join("");
  }).join(".");
}

/** Does the module have `name`: an export, or `Class.member` on the class (static) or its
 * prototype? Members every function or object has (call, toString, ...) do not count. */
function has(module, name) {
  const [first, member, ...more] = name.split(".");
  assert.equal(more.length, 0, `${name}: one dot at most`);
  if (!(first in module)) return false;
  if (member === undefined) return true;
  const cls = module[first];
  const own = (obj, base) => obj !== null && typeof obj === "object" && member in obj && !(member in base);
  return typeof cls === "function" &&
    ((member in cls && !(member in Function.prototype)) || own(cls.prototype, Object.prototype));
}

const ROWS = twinRows();
const MODULES = new Map();
for (const row of ROWS) {
  for (const file of row.js) MODULES.set(file, await import(new URL(file, JS_DIR).href));
}

test("the name converter is the one tests/test_twins.py assumes", () => {
  const cases = {
    round_half_up: "roundHalfUp", to_json: "toJSON", from_json: "fromJSON", cost_q16: "costQ16",
    PRECISION_BITS: "PRECISION_BITS", TableSet: "TableSet", "CodingTables.freqs_of": "CodingTables.freqsOf",
    "TableSet.from_json": "TableSet.fromJSON", "Codecs.codec_for": "Codecs.codecFor", preprocess: "preprocess",
  };
  for (const [py, js] of Object.entries(cases)) assert.equal(jsName(py), js, py);
});

test("the table names every module of site/js/aec/, and each exists", () => {
  const listed = ROWS.flatMap((r) => r.js).sort();
  const files = readdirSync(JS_DIR).filter((f) => f.endsWith(".js")).sort();
  assert.deepEqual(listed, files);
});

for (const row of ROWS.filter((r) => r.js.length)) {
  const [file] = row.js;
  test(`${file}: the names of site/format.md's twin table`, () => {
    const module = MODULES.get(file);
    const missing = [...row.both.map(jsName), ...row.onlyJs].filter((n) => !has(module, n));
    assert.deepEqual(missing, [], `named in site/format.md but not in ${file}`);
    const extra = row.onlyPython.map(jsName).filter((n) => has(module, n));
    assert.deepEqual(extra, [], `"only Python" but present in ${file}`);
    const named = new Set([...row.both.map(jsName), ...row.onlyJs]);
    const unnamed = Object.keys(module).filter((n) => !named.has(n));
    assert.deepEqual(unnamed, [], `${file} exports names site/format.md's twin table does not give it`);
  });
}

test("Python-only modules have no JavaScript twin names", () => {
  for (const row of ROWS.filter((r) => !r.js.length)) {
    for (const name of row.onlyPython.map(jsName)) {
      for (const [file, module] of MODULES) assert.ok(!has(module, name), `${name} (only Python) is in ${file}`);
    }
  }
});

test("each twin file names its partner in its first lines", () => {
  for (const row of ROWS.filter((r) => r.python.length === 1 && r.js.length === 1)) {
    const [py] = row.python;
    const [js] = row.js;
    const jsHead = readFileSync(new URL(js, JS_DIR), "utf8").slice(0, 600);
    const pyHead = readFileSync(new URL(`aec/${py}`, ROOT), "utf8").slice(0, 600);
    assert.ok(jsHead.includes(`aec/${py}`), `${js} does not name aec/${py} in its header`);
    assert.ok(pyHead.includes(`site/js/aec/${js}`), `aec/${py} does not name site/js/aec/${js} in its header`);
  }
});
