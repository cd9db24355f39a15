// Whether this context can make a WebGL context: the page asks before it moves the
// engine into a worker (client.js), and the engine before it starts tf.js' WebGL
// backend (engine.js). A module of its own so that neither side imports the other.

/** Whether a WebGL context can be made here (tf.js' own attempt logs warnings when not). */
export function webglAvailable() {
  const canvases = [];
  if (typeof OffscreenCanvas !== "undefined") canvases.push(() => new OffscreenCanvas(1, 1));
  if (typeof document !== "undefined") canvases.push(() => document.createElement("canvas"));
  for (const make of canvases) {
    for (const type of ["webgl2", "webgl"]) {
      try {
        const gl = make().getContext(type);
        if (gl) {
          gl.getExtension("WEBGL_lose_context")?.loseContext(); // give the context back
          return true;
        }
      } catch {
        /* next */
      }
    }
  }
  return false;
}
