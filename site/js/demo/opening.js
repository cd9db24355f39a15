// What the demo opens: a file (an image, or a .aec file: images.js tells them
// apart by their first bytes; the same Open control and drop take both) or a
// share link (links.js). Each is one job of ui.js's Demo; a failure is said in
// plain words beside the action that caused it (Demo.fail), and clears what
// it makes stale.

import { engineClient, getEngine } from "./client.js";
import { decodeImage, sniffImage } from "./images.js";
import { fromLinkText, LinkError } from "./links.js";
import { errorText, isBlank } from "./numbers.js";
import { TEXT } from "./strings.js";

export class Opener {
  /** demo: ui.js's Demo. */
  constructor(demo) {
    this.demo = demo;
  }

  async file(file) {
    const demo = this.demo;
    demo.setStatus(TEXT.reading);
    let bytes;
    try {
      bytes = new Uint8Array(await file.arrayBuffer());
    } catch (e) {
      demo.fail(TEXT.cannotRead(file.name, errorText(e)), "open");
      return;
    }
    const type = sniffImage(bytes);
    if (type) await this.image(bytes, type, file.name);
    else await this.decompress(bytes, "file", file.name, "open");
  }

  // An image: decoded by the browser, the twin's MNIST preprocessing in the
  // worker, then compressed as a drawing is.
  async image(bytes, type, name) {
    const demo = this.demo;
    let bitmap;
    try {
      bitmap = await decodeImage(bytes, type);
    } catch {
      demo.fail(TEXT.badImage(name), "open");
      return;
    }
    const pixels = await engineClient().imageDigit(bitmap);
    if (isBlank(pixels)) {
      demo.fail(TEXT.blankImage(name), "open");
      return;
    }
    demo.clearError();
    demo.pad.showDigit(pixels);
    demo.setInput(pixels, "image", TEXT.sourceImage(name));
  }

  async link(text) {
    let bytes;
    try {
      bytes = fromLinkText(text);
    } catch (e) {
      this.demo.fail(e instanceof LinkError && e.cut ? TEXT.cutLink : TEXT.badLink(errorText(e)), "top");
      return;
    }
    await this.decompress(bytes, "link", null, "top");
  }

  /** A .aec file's or a link's bytes -> shown (name: the file's; null for a link); errors go to `slot`. */
  async decompress(bytes, source, name, slot) {
    const demo = this.demo;
    let engine;
    try {
      engine = await (demo.engineReady ?? getEngine());
    } catch (e) {
      demo.fail(TEXT.loadFailed(errorText(e)), slot);
      return;
    }
    demo.setStatus(TEXT.decompressing);
    let result;
    try {
      result = await engine.decompress(bytes);
    } catch (e) {
      demo.fail(source === "link" ? TEXT.badLink(errorText(e)) : TEXT.notOurs(name, errorText(e)), slot);
      return;
    }
    demo.showOpened(bytes, result, source, name, engine.firstRun(result.modelId));
    const label = source === "link" ? TEXT.theLink : { en: name, nl: name };
    demo.setStatus(TEXT.decompressed(label, result.images.length));
  }
}
