// The drawing canvas: pointer events (mouse, pen, touch) draw dark ink on
// white; the pad reports each change and the stroke's end to its owner (ui.js).

import { digitCanvas } from "./dom.js";
import { PIXELS } from "./engine.js";

export const DRAW_SIZE = 280; // canvas pixels
const LINE_WIDTH = 22;

export class DrawingPad {
  /**
   * canvas: a DRAW_SIZE x DRAW_SIZE canvas. onStart() runs when a stroke begins
   * (before its first dot); onChange(done) while drawing (done false, at most
   * once a frame) and when the stroke ends (done true).
   */
  constructor(canvas, { onStart, onChange }) {
    this.canvas = canvas;
    this.onStart = onStart;
    this.onChange = onChange;
    this.pointer = null; // the pointer id while a stroke is being drawn
    this.last = null;
    this.queued = false;
    canvas.addEventListener("pointerdown", (e) => this.down(e));
    canvas.addEventListener("pointermove", (e) => this.move(e));
    for (const type of ["pointerup", "pointercancel", "lostpointercapture"]) {
      canvas.addEventListener(type, (e) => this.up(e));
    }
    this.clear();
  }

  get drawing() {
    return this.pointer !== null;
  }

  clear() {
    const ctx = this.canvas.getContext("2d", { willReadFrequently: true });
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, DRAW_SIZE, DRAW_SIZE);
  }

  /** The RGBA pixels of the pad (DRAW_SIZE x DRAW_SIZE). */
  rgba() {
    const ctx = this.canvas.getContext("2d", { willReadFrequently: true });
    return ctx.getImageData(0, 0, DRAW_SIZE, DRAW_SIZE).data;
  }

  /** Show a 28x28 digit as if drawn: dark ink on white, scaled up. */
  showDigit(pixels) {
    const inverted = new Uint8Array(PIXELS);
    for (let k = 0; k < PIXELS; k++) inverted[k] = 255 - pixels[k];
    const ctx = this.canvas.getContext("2d");
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(digitCanvas(inverted), 0, 0, DRAW_SIZE, DRAW_SIZE);
  }

  point(e) {
    const r = this.canvas.getBoundingClientRect();
    return {
      x: ((e.clientX - r.left) * this.canvas.width) / r.width,
      y: ((e.clientY - r.top) * this.canvas.height) / r.height,
    };
  }

  down(e) {
    if (e.pointerType === "mouse" && e.button !== 0) return;
    if (this.drawing) return;
    e.preventDefault();
    try {
      this.canvas.setPointerCapture(e.pointerId);
    } catch {
      /* synthetic events have no active pointer to capture */
    }
    this.pointer = e.pointerId;
    this.onStart();
    const p = this.point(e);
    const ctx = this.canvas.getContext("2d");
    ctx.fillStyle = "#000";
    ctx.beginPath();
    ctx.arc(p.x, p.y, LINE_WIDTH / 2, 0, 2 * Math.PI);
    ctx.fill();
    this.last = p;
    this.queue();
  }

  move(e) {
    if (e.pointerId !== this.pointer) return;
    e.preventDefault();
    const ctx = this.canvas.getContext("2d");
    ctx.strokeStyle = "#000";
    ctx.lineWidth = LINE_WIDTH;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.beginPath();
    ctx.moveTo(this.last.x, this.last.y);
    const events = typeof e.getCoalescedEvents === "function" ? e.getCoalescedEvents() : [];
    for (const ev of events.length ? events : [e]) {
      const p = this.point(ev);
      ctx.lineTo(p.x, p.y);
      this.last = p;
    }
    ctx.stroke();
    this.queue();
  }

  up(e) {
    if (e.pointerId !== this.pointer) return;
    this.pointer = null;
    try {
      if (this.canvas.hasPointerCapture(e.pointerId)) this.canvas.releasePointerCapture(e.pointerId);
    } catch {
      /* nothing to release */
    }
    this.onChange(true);
  }

  // A preview at most once a frame while the stroke goes on.
  queue() {
    if (this.queued) return;
    this.queued = true;
    requestAnimationFrame(() => {
      this.queued = false;
      if (this.drawing) this.onChange(false);
    });
  }
}
