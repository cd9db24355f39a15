// The in-browser demo: draw, pick or open a digit, compress it with the
// learned codec (or the talk's network) in TensorFlow.js, and compare with the
// browser's own JPEG and WebP encoders at the nearest size not below ours.
//
// The entry module: it mounts a demo (ui.js) into every element with
// `data-demo-root`: the demo page (site/demo.md) and the Demo slide
// (site/slides/index.html); theme/hooks.py adds this module and demo.css to
// those pages. Nothing heavy is fetched until a demo starts: on the slides
// when the Demo slide is shown, on the demo page after its first paint. Then
// client.js starts the worker that loads tf.js and the models. Every URL is
// resolved against import.meta.url, so the site works from any sub-path, and
// nothing is requested from another origin. The slides' print view
// (?print-pdf) gets no demo: the slide shows a static figure instead.
//
// The modules, by concern:
//   engine.js     tf.js (tfjs.js) and its backend, the codec twin (../aec/), compress / decompress
//   worker.js     the Web Worker that runs the engine; client.js, the page's handle on it
//   baselines.js  JPEG / WebP container surgery, matching our byte size (no DOM)
//   images.js     images as input: what a file is, decoding, RGBA; opening.js: opening files and links
//   samples.js    site/models/samples.json
//   links.js      share links (demo.html#aec=...), with a check; sharing.js: sharing and history
//   numbers.js    PSNR and number formats
//   strings.js    every text, in English and Dutch
//   dom.js, drawing.js, view.js, results.js, ui.js   the page
//   inside.js     inside the file (the demo page only): bitmap.js (where the bits go),
//                 editor.js (edit the bytes), walk.js (the low-rate latents and a morph)
//
// Test hooks: window.aecDemo ({demos, engine(), firstReconstruction}), the
// performance mark "aec-first-reconstruction", and those listed in ui.js.
//
// This module imports only client.js statically, and the page (ui.js and the
// rest) as it runs: so on the demo page the worker starts, and after the first
// paint loads tf.js and the models, while the page's own modules still load
// (the first answer within a second: notes/first-answer.md).

import { engineClient, getEngine } from "./client.js";

const CSS_URL = new URL("./demo.css", import.meta.url).href;
const page = import("./ui.js");

const demos = [];
const aecDemo = { demos, firstReconstruction: null, engine: () => getEngine() };
window.aecDemo = aecDemo;

function firstResult() {
  if (aecDemo.firstReconstruction) return;
  aecDemo.firstReconstruction = performance.now();
  performance.mark?.("aec-first-reconstruction");
}

async function mount() {
  // theme/hooks.py links demo.css in the page's head (no flash, no shift); a page without it gets it now.
  if (!document.querySelector(`link[href$="js/demo/demo.css"]`)) {
    document.head.append(Object.assign(document.createElement("link"), { rel: "stylesheet", href: CSS_URL }));
  }
  const roots = [...document.querySelectorAll("[data-demo-root]")]
    .filter((root) => !root.dataset.demoMounted && !(printing && root.closest(".reveal")));
  for (const root of roots) root.dataset.demoMounted = "1";
  if (roots.some((root) => !inDeck(root))) {
    engineClient(); // the worker starts now (a few small modules); tf.js and the models wait for the paint
    afterFirstPaint(() => getEngine().catch(() => {})); // the demo reports a failure when it starts
  }
  const { Demo } = await page;
  for (const root of roots) {
    const demo = new Demo(root, { onResult: firstResult });
    demos.push(demo);
    whenShown(root, () => demo.start());
  }
}

function inDeck(root) {
  const deck = window.Reveal;
  return !!(root.closest(".reveal .slides section") && deck && typeof deck.on === "function"
    && typeof deck.getCurrentSlide === "function");
}

// In the reveal.js deck, start only once the Demo slide is shown, so the other
// slides stay light (and not at all where the slide hides the demo: phones get
// a link to the demo page instead); anywhere else, after the first paint.
function whenShown(root, start) {
  const deck = window.Reveal;
  const slide = root.closest(".reveal .slides section");
  if (!inDeck(root)) {
    afterFirstPaint(start);
    return;
  }
  let started = false;
  const check = () => {
    const current = deck.getCurrentSlide();
    if (started || !current || !(current === slide || slide.contains(current) || current.contains(slide))) return;
    if (!root.getClientRects().length) return; // not displayed (a phone: see slides.css)
    started = true;
    deck.off("slidechanged", check);
    deck.off("ready", check);
    window.removeEventListener("resize", check);
    start();
  };
  deck.on("slidechanged", check);
  deck.on("ready", check);
  window.addEventListener("resize", check); // e.g. a phone turned sideways
  if (typeof deck.isReady === "function" && deck.isReady()) check();
}

// Two animation frames: the page has been painted once. A hidden tab paints
// nothing, so a timer there.
function afterFirstPaint(start) {
  if (document.hidden) setTimeout(start, 0);
  else requestAnimationFrame(() => requestAnimationFrame(() => start()));
}

const printing = /print-pdf/i.test(location.search);
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mount);
else mount();
