// "Edit the bytes" (inside.js): the file as hex (a text field) and as bits
// (a toggle button each, one tab stop: the arrow keys move, Enter or Space
// flips). Every change goes to onEdit(bytes); inside.js decodes it and says
// what came of it. Undo steps back through the edits of the file shown.
// Test hooks: data-testid editor, hex-view (the editable hex), bit (one per bit, data-index), undo-edit, edit-error.

import { el } from "./dom.js";
import { toHex } from "./numbers.js";
import { TEXT } from "./strings.js";

const HEX = /^[0-9a-f]*$/i;

/** Hex text (any spaces) -> Uint8Array, or {bad: the first piece that is not a pair of hex digits}. */
export function parseHex(text) {
  const compact = text.replace(/\s+/g, "");
  const bad = text.split(/\s+/).find((piece) => piece && !HEX.test(piece));
  if (bad !== undefined) return { bad };
  if (compact.length % 2) return { bad: compact.slice(-1) };
  return Uint8Array.from({ length: compact.length / 2 }, (_, i) => parseInt(compact.slice(2 * i, 2 * i + 2), 16));
}

export class ByteEditor {
  /** ui: inside.js' text helpers; onEdit(bytes): an edit to decode. */
  constructor(ui, onEdit) {
    this.ui = ui;
    this.onEdit = onEdit;
    this.bytes = null;
    this.history = []; // earlier bytes of this file, the last one first undone
    this.marks = { header: 0, clusters: 0 }; // bits of the header (version 4: the head's fixed bits) and of the cluster field, for colour
    this.focusBit = 0;
    const hexId = ui.id("aec-hex-edit");
    this.hex = el("textarea", { id: hexId, class: "aec-hex-edit", "data-testid": "hex-view", rows: 3, spellcheck: "false",
      autocomplete: "off", autocapitalize: "off", disabled: true });
    this.bits = el("div", { class: "aec-bits", role: "group", "data-testid": "bits-view" });
    ui.attr(this.bits, "aria-label", TEXT.bitsGroup);
    this.undoButton = el("button", { type: "button", "data-testid": "undo-edit", disabled: true }, ui.t(TEXT.undo));
    this.message = el("p", { class: "aec-edit-error", "data-testid": "edit-error", role: "alert", hidden: true });
    const title = ui.id("aec-edit-title");
    this.node = el("section", { class: "aec-editor", "data-testid": "editor", "aria-labelledby": title },
      el("h3", { id: title }, ui.t(TEXT.editTitle)),
      el("p", { class: "aec-muted aec-hint" }, ui.t(TEXT.editHelp)),
      el("label", { for: hexId }, ui.t(TEXT.hexLabel)), this.hex, this.message, this.bits,
      el("div", { class: "aec-files" }, this.undoButton));
    let timer = null;
    this.hex.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(() => this.typed(), 300); // typing a byte takes two keys
    });
    this.hex.addEventListener("change", () => {
      clearTimeout(timer);
      this.typed();
    });
    this.undoButton.addEventListener("click", () => this.undo());
    this.bits.addEventListener("click", (e) => {
      const b = e.target.closest?.("button[data-index]");
      if (b) this.flip(Number(b.dataset.index));
    });
    this.bits.addEventListener("keydown", (e) => this.key(e));
  }

  /** A new file from the encoder, a file or a link: no history. */
  load(bytes, marks) {
    this.history = [];
    this.show(bytes, marks);
  }

  /** Show a valid file's `bytes`; marks: {header, clusters}, how many leading bits each colours. */
  show(bytes, marks = this.marks) {
    this.bytes = bytes;
    this.marks = marks;
    this.hex.disabled = false;
    const typed = parseHex(this.hex.value);
    if (!(typed instanceof Uint8Array && sameBytes(typed, bytes))) this.hex.value = toHex(bytes); // keep what is typed
    this.message.hidden = true;
    this.renderBits();
    this.undoButton.disabled = !this.history.length;
  }

  /** No file shown. */
  clear() {
    this.bytes = null;
    this.history = [];
    this.hex.value = "";
    this.hex.disabled = true;
    this.message.hidden = true;
    this.bits.replaceChildren();
    this.undoButton.disabled = true;
  }

  /** The edited bytes are no file: say why (a strings.js entry); they stay, to be edited on or undone. */
  refuse(entry) {
    this.ui.setText(this.message, entry);
    this.message.hidden = false;
    this.undoButton.disabled = !this.history.length;
  }

  renderBits() {
    const bytes = this.bytes;
    if (!bytes) return;
    const { header, clusters } = this.marks;
    const n = bytes.length * 8;
    this.focusBit = Math.min(this.focusBit, Math.max(0, n - 1));
    const groups = [];
    for (let i = 0; i < bytes.length; i++) {
      const buttons = [];
      for (let j = 0; j < 8; j++) {
        const k = 8 * i + j;
        const v = (bytes[i] >> (7 - j)) & 1;
        const kind = k < header ? " aec-bit-header" : k < header + clusters ? " aec-bit-cluster" : "";
        const b = el("button", { type: "button", class: `aec-bit${kind}`, "data-testid": "bit", "data-index": String(k),
          "aria-pressed": v ? "true" : "false", tabindex: k === this.focusBit ? "0" : "-1" }, String(v));
        this.ui.attr(b, "aria-label", TEXT.bitName(k, v));
        buttons.push(b);
      }
      groups.push(el("span", { class: "aec-byte" }, ...buttons));
    }
    this.bits.replaceChildren(...groups);
  }

  /** New bytes, an edit that can be undone; `notify`: onEdit decodes them (a slider's file is decoded already). */
  edit(bytes, notify = true) {
    if (this.bytes) this.history.push(this.bytes);
    this.hex.value = toHex(bytes);
    this.bytes = bytes;
    this.renderBits();
    this.undoButton.disabled = !this.history.length;
    if (notify) this.onEdit(bytes);
  }

  typed() {
    const parsed = parseHex(this.hex.value);
    if (!(parsed instanceof Uint8Array)) {
      this.refuse(TEXT.notHex(parsed.bad));
      return;
    }
    const last = this.bytes;
    if (last && !sameBytes(parsed, last)) this.history.push(last);
    this.bytes = parsed;
    this.renderBits();
    this.undoButton.disabled = !this.history.length;
    this.onEdit(parsed);
  }

  flip(k) {
    const bytes = Uint8Array.from(this.bytes ?? []);
    if (k >= bytes.length * 8) return;
    bytes[k >> 3] ^= 0x80 >> (k & 7);
    this.focusBit = k;
    this.edit(bytes);
    this.bits.querySelector(`[data-index="${k}"]`)?.focus();
  }

  undo() {
    const bytes = this.history.pop();
    if (!bytes) return;
    this.hex.value = toHex(bytes);
    this.bytes = bytes;
    this.renderBits();
    this.undoButton.disabled = !this.history.length;
    this.onEdit(bytes);
  }

  // One tab stop for all the bits: arrows move, Home / End jump; the button's own Enter / Space flip.
  key(e) {
    const b = e.target.closest?.("button[data-index]");
    if (!b) return;
    const n = this.bits.querySelectorAll("button[data-index]").length;
    const k = Number(b.dataset.index);
    const to = { ArrowRight: k + 1, ArrowLeft: k - 1, ArrowDown: k + 8, ArrowUp: k - 8, Home: 0, End: n - 1 }[e.key];
    if (to === undefined) return;
    e.preventDefault();
    const next = this.bits.querySelector(`[data-index="${Math.max(0, Math.min(n - 1, to))}"]`);
    b.tabIndex = -1;
    next.tabIndex = 0;
    this.focusBit = Number(next.dataset.index);
    next.focus();
  }
}

function sameBytes(a, b) {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
