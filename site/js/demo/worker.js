// The demo's Web Worker: the engine (engine.js) off the page's main thread, so
// loading tf.js, compiling WebGL shaders and running the networks never block
// drawing, scrolling or typing. tf.js' WebGL backend draws on an
// OffscreenCanvas here. client.js starts it and is its only correspondent:
//   in:  {id, op, args}            op: load | compress | search | cancel | decompress | inspect | fromSymbols | morph | image
//   out: {id, value} or {id, error: "one line", aborted: true when a search was cancelled}
// Messages are answered concurrently, so a cancel reaches a search between its rounds.

import { engineOps } from "./engine.js";
import { imageRgba } from "./images.js";
import { errorText } from "./numbers.js";

const ops = engineOps(imageRgba);

// Typed arrays in an answer are moved to the page, not copied.
function transferables(value) {
  const views = ArrayBuffer.isView(value) ? [value] : Object.values(value ?? {}).filter((v) => ArrayBuffer.isView(v));
  return [...new Set(views.map((v) => v.buffer))];
}

self.addEventListener("message", async (event) => {
  const { id, op, args } = event.data;
  try {
    if (!Object.hasOwn(ops, op)) throw new Error(`unknown operation ${op}`);
    const value = await ops[op](args);
    self.postMessage({ id, value }, transferables(value));
  } catch (e) {
    self.postMessage({ id, error: errorText(e), aborted: e?.name === "AbortError" });
  }
});
