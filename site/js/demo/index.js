// The in-browser demo: draw or pick a digit, compress it with the learned codec
// (or the talk's network) in TensorFlow.js, and compare with the browser's own
// JPEG and WebP encoders at the nearest size not below ours.
//
// The entry module: it mounts a demo (ui.js) into every element with
// `data-demo-root`: the demo page (site/demo.md) and the Demo slide
// (site/slides/index.html). theme/hooks.py injects tf.js (classic `defer`
// scripts, the global `tf`) and this module after them, so `tf` exists when it
// runs. Every URL is resolved against import.meta.url, so the site works from
// any sub-path, and nothing is requested from another origin.
//
// The modules, by concern:
//   engine.js     tf.js backend, the codec twin (../aec/), compress / decompress
//   baselines.js  JPEG / WebP container surgery, matching our byte size (no DOM)
//   samples.js    site/models/samples.json
//   links.js      share links (demo.html#aec=...)
//   numbers.js    PSNR and number formats
//   strings.js    every text, in English and Dutch
//   dom.js, drawing.js, view.js, results.js, ui.js   the page
//
// Test hooks: window.aecDemo ({demos, engine(), firstReconstruction}), the
// performance mark "aec-first-reconstruction", and those listed in ui.js.

import { el } from "./dom.js";
import { getEngine } from "./engine.js";
import { Demo } from "./ui.js";

const CSS_URL = new URL("./demo.css", import.meta.url).href;

const demos = [];
const aecDemo = { demos, firstReconstruction: null, engine: () => getEngine() };
window.aecDemo = aecDemo;

function firstResult() {
  if (aecDemo.firstReconstruction) return;
  aecDemo.firstReconstruction = performance.now();
  performance.mark?.("aec-first-reconstruction");
}

function mount() {
  if (!document.querySelector("link[data-demo-css]")) {
    document.head.append(el("link", { rel: "stylesheet", href: CSS_URL, "data-demo-css": true }));
  }
  for (const root of document.querySelectorAll("[data-demo-root]")) {
    if (root.dataset.demoMounted) continue;
    root.dataset.demoMounted = "1";
    const demo = new Demo(root, { onResult: firstResult });
    demos.push(demo);
    whenShown(root, () => demo.start());
  }
}

// In the reveal.js deck, load the models only once the Demo slide is shown,
// so the other slides stay light; anywhere else, at once.
function whenShown(root, start) {
  const deck = window.Reveal;
  const slide = root.closest(".reveal .slides section");
  if (!slide || !deck || typeof deck.on !== "function" || typeof deck.getCurrentSlide !== "function") {
    start();
    return;
  }
  let started = false;
  const check = () => {
    const current = deck.getCurrentSlide();
    if (started || !current || !(current === slide || slide.contains(current) || current.contains(slide))) return;
    started = true;
    deck.off("slidechanged", check);
    deck.off("ready", check);
    start();
  };
  deck.on("slidechanged", check);
  deck.on("ready", check);
  if (typeof deck.isReady === "function" && deck.isReady()) check();
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mount);
else mount();
