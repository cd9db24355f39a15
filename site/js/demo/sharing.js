// Share links and the browser's history, on the demo page. Every history entry
// of the page remembers the demo as it was (history.state.aecSession, a
// snapshot from ui.js), so:
//   - "Share link" is a link to that address (links.js), so it can be copied or
//     opened elsewhere like any link; a plain click adds an entry whose address
//     holds it and leaves the demo as it is: the original, its PSNR and the
//     baselines stay;
//   - Back (and Forward) bring back each entry's demo;
//   - a later change of digit drops the link from the entry's address, so the
//     address never names a digit that is not shown.
// On the slides the demo leaves the deck's history alone: its share link
// opens the demo page, a page of its own (Back returns to the slide).

import { pressable } from "./dom.js";
import { linkData, shareUrl } from "./links.js";
import { TEXT } from "./strings.js";

function sameBytes(a, b) {
  return !!a && !!b && a.length === b.length && a.every((x, i) => x === b[i]);
}

export class Sharing {
  /** demo: ui.js's Demo (snapshot(), restore(snap), openLink(text), shownKey, setText(node, entry)). */
  constructor(demo, v) {
    this.demo = demo;
    this.v = v;
    this.onPage = !demo.compact;
    this.bytes = null;
    this.update(null);
    pressable(v.share);
    v.share.addEventListener("click", (e) => this.share(e));
    v.copyButton.addEventListener("click", () => this.copy());
    if (this.onPage) {
      window.addEventListener("popstate", () => this.fromAddress());
      window.addEventListener("hashchange", () => this.fromAddress());
    }
  }

  /** The file shown changed (null: none). */
  update(bytes) {
    const { share, copyButton, shareStatus } = this.v;
    this.bytes = bytes;
    shareStatus.textContent = "";
    if (!bytes) {
      // No file: a disabled link (no href), still focusable, named and announced as one.
      share.removeAttribute("href");
      for (const [name, value] of [["role", "link"], ["aria-disabled", "true"], ["tabindex", "0"]]) {
        share.setAttribute(name, value);
      }
      copyButton.hidden = true;
      return;
    }
    share.href = shareUrl(bytes);
    for (const name of ["role", "aria-disabled", "tabindex"]) share.removeAttribute(name);
    copyButton.hidden = !(navigator.clipboard && window.isSecureContext);
  }

  share(e) {
    if (!this.bytes) {
      e.preventDefault();
      return;
    }
    // The slides: the link opens the demo page. A click with a modifier opens it
    // wherever the browser opens links (a new tab, a new window).
    if (!this.onPage || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    const snap = this.demo.snapshot();
    history.replaceState({ ...history.state, aecSession: snap }, "");
    history.pushState({ aecSession: snap, shared: true }, "", this.v.share.href);
    this.demo.setText(this.v.shareStatus, TEXT.shared);
  }

  async copy() {
    try {
      await navigator.clipboard.writeText(this.v.share.href);
      this.demo.setText(this.v.shareStatus, TEXT.copied);
    } catch {
      this.demo.setText(this.v.shareStatus, TEXT.copyByHand);
    }
  }

  /** A result is shown: this history entry now remembers it. */
  remember() {
    if (!this.onPage) return;
    const snap = this.demo.snapshot();
    this.demo.shownKey = snap.id;
    const state = history.state;
    if (state?.shared && !sameBytes(state.aecSession?.bytes, snap.bytes)) {
      history.replaceState({ aecSession: snap }, "", location.pathname + location.search);
    } else {
      history.replaceState({ ...state, aecSession: snap }, "");
    }
  }

  /**
   * Show what this history entry or address holds: a remembered demo, else a
   * link's digit. False when it holds neither.
   */
  fromAddress() {
    const snap = history.state?.aecSession;
    if (snap) {
      if (snap.id !== this.demo.shownKey) this.demo.restore(snap);
      return true;
    }
    const text = linkData(location.hash);
    if (text === null) return false;
    if (`link:${text}` !== this.demo.shownKey) this.demo.openLink(text);
    return true;
  }
}
