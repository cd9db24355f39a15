// The deck: reveal.js set-up and the NL/EN and full-screen buttons.
//
// The measured numbers are not filled in here: theme/results_fill.py writes them
// into the slides at build time, from ../results/results.json, in both languages
// (lang.js and slides.css show the chosen one).
(function () {
  "use strict";

  Reveal.initialize({
    hash: true,
    controls: true,
    progress: true,
    slideNumber: "c/t",
    touch: true,
    // No scroll view on narrow screens (reveal.js turns it on below 435 px): in
    // reveal.js 6.0.2 it takes over the current slide while it starts, so a link
    // to a slide (#/11) opened on a phone shows the first slide and rewrites the
    // address to it, and scrolling never updates the address. Phones get the
    // same slides as a desktop: swipe to move, every slide has its own address.
    scrollActivationWidth: null,
    // F: full screen (reveal.js), S: speaker notes (plugin), L: language (here).
    keyboard: { 76: function () { DeckLang.toggle(); } },
    plugins: [RevealNotes],
  });

  document.getElementById("lang-toggle").addEventListener("click", function () {
    DeckLang.toggle();
  });
  document.getElementById("fullscreen-toggle").addEventListener("click", function () {
    var el = document.documentElement;
    if (document.fullscreenElement) {
      document.exitFullscreen();
    } else if (el.requestFullscreen) {
      el.requestFullscreen().catch(function () { /* refused (e.g. in an iframe) */ });
    }
  });

  // The language button names the other language (slides.css shows that one).
  document.addEventListener("deck-lang", function () {
    // Text length changed: let reveal.js re-centre the slides.
    if (Reveal.isReady()) Reveal.layout();
  });
})();
