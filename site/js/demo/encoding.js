// A digit compressed as the demo shows it: the one-pass file at once (the
// encoder's network and rounding, as fast as ever), then the encoder's
// rate-distortion search (../aec/search.js, in the worker: ~10-40 decoder
// runs), whose file replaces it when ready, download and share link included.
// Then the JPEG / WebP baselines, at the size of the file that stays.
//
// Any newer request (a digit, a level, a file, an edit, Clear) stops the job
// through its AbortController (ui.js' stop): the engine drops the search at
// its next round, and nothing of a stale job is shown over a newer one.

import { errorText } from "./numbers.js";
import { TEXT } from "./strings.js";

export class Encoding {
  /** demo: ui.js' Demo (engine, showResult, showError, setStatus, results, sharing, superseded). */
  constructor(demo) {
    this.demo = demo;
    this.controller = null; // the job running, if any
  }

  /** Stop the running job (its search too): a newer request replaces it. */
  stop() {
    this.controller?.abort();
    this.controller = null;
  }

  /** ui.js' compress job: one pass, then the search where the level has one. */
  async run(pixels, modelId) {
    const { demo } = this;
    const { engine } = demo;
    this.stop();
    const controller = new AbortController();
    this.controller = controller;
    const stale = () => controller.signal.aborted || demo.superseded();
    demo.setStatus(TEXT.compressing);
    const { bytes, encodeMs } = await engine.compress(pixels, modelId);
    const result = await engine.decompress(bytes);
    if (stale()) return;
    const searches = engine.searchIds.includes(modelId);
    demo.clearError();
    demo.showResult(bytes, result, encodeMs, pixels, engine.firstRun(modelId), TEXT.onePass, !searches);
    demo.sharing.remember();
    let kept = bytes;
    if (searches) {
      demo.setStatus(TEXT.searching);
      try {
        const found = await engine.search(pixels, modelId, controller.signal);
        const searched = await engine.decompress(found.bytes);
        if (stale()) return;
        demo.showResult(found.bytes, searched, found.encodeMs, pixels, engine.firstRun(`search ${modelId}`), TEXT.searched);
        demo.sharing.remember();
        kept = found.bytes;
      } catch (e) {
        if (e.name === "AbortError" || stale()) return;
        demo.showError(TEXT.searchFailed(errorText(e)), "results"); // the one-pass file stays
        demo.settle();
      }
    }
    demo.setStatus(TEXT.comparing);
    await demo.results.runBaselines(pixels, kept.length, stale);
    if (!stale()) demo.setStatus(TEXT.done);
  }
}
