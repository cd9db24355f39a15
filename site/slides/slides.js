// The deck: reveal.js set-up, the NL/EN and full-screen buttons, and the
// measured numbers, which are never typed into the slides by hand: they are read
// from the evaluation's output, ../results/results.json.
//
// Keys read from results.json (anything missing shows as "–"):
//   placeholder                 true while the file is the committed placeholder
//   codecs.<name>.label         e.g. codecs.talk, codecs.level1, codecs.level2, ...
//   codecs.<name>.bytes_mean    mean bytes per 28x28 digit (the real file size)
//   codecs.<name>.psnr          dB
//   codecs.<name>.ssim          0..1
//   codecs.<name>.accuracy      0..1, share of digits the classifier still recognises
//   baselines.<family>[]        family: jpeg_file, jpeg_scan, webp, avif, png;
//                               entries { quality, bytes_mean, psnr, ssim, accuracy }
//   answer.beats_jpeg           true / false
//   answer.nl, answer.en        one-sentence answer, written by the evaluation
//
// In the slides:
//   <span data-result="codecs.talk.bytes_mean" data-format="bytes"></span>
//     formats: bytes, db, ssim, pct, ratio (784 / value, as "x : 1"), text, yesno
//   <table data-result-table="codecs">       the talk's model and every codec level
//   <table data-result-table="same-quality"> per codec: the smallest baseline file
//                                            with at least the same PSNR
//   <div data-result-answer>                 answer.nl / answer.en
//   [data-result-placeholder]                shown only while placeholder is true
(function () {
  "use strict";

  var RESULTS_URL = "../results/results.json";
  var RAW_BYTES = 28 * 28; // one uncompressed MNIST digit, one byte per pixel
  var DASH = "–";
  var FAMILIES = [
    ["jpeg_file", { nl: "JPEG (bestand)", en: "JPEG (file)" }],
    ["jpeg_scan", { nl: "JPEG (enkel scan)", en: "JPEG (scan only)" }],
    ["webp", { nl: "WebP", en: "WebP" }],
    ["avif", { nl: "AVIF", en: "AVIF" }],
  ];
  var results = null;

  // --- reveal.js ---------------------------------------------------------------
  Reveal.initialize({
    hash: true,
    controls: true,
    progress: true,
    slideNumber: "c/t",
    touch: true,
    // F: full screen (reveal.js), S: speaker notes (plugin), L: language (here).
    keyboard: { 76: function () { DeckLang.toggle(); } },
    plugins: [RevealNotes],
  });

  // --- buttons -------------------------------------------------------------------
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
  function showLang() {
    var lang = DeckLang.get();
    var button = document.getElementById("lang-toggle");
    button.querySelector(".nl").classList.toggle("current", lang === "nl");
    button.querySelector(".en").classList.toggle("current", lang === "en");
    button.setAttribute("aria-label", lang === "nl" ? "Switch to English" : "Schakel naar Nederlands");
  }
  showLang();
  document.addEventListener("deck-lang", function () {
    showLang();
    fill();
    // Text length changed: let reveal.js re-fit the slides.
    if (Reveal.isReady()) Reveal.layout();
  });

  // --- numbers from results.json -------------------------------------------------
  function get(obj, path) {
    return path.split(".").reduce(function (o, k) {
      return o !== null && o !== undefined ? o[k] : undefined;
    }, obj);
  }

  function isNum(v) { return typeof v === "number" && isFinite(v); }

  function fmt(value, format, lang) {
    var locale = lang === "nl" ? "nl-BE" : "en-GB";
    function num(v, digits) {
      return v.toLocaleString(locale, { minimumFractionDigits: digits, maximumFractionDigits: digits });
    }
    switch (format) {
      case "text": return typeof value === "string" && value ? value : DASH;
      case "yesno":
        if (value === true) return lang === "nl" ? "ja" : "yes";
        if (value === false) return lang === "nl" ? "nee" : "no";
        return DASH;
    }
    if (!isNum(value)) return DASH;
    switch (format) {
      case "bytes": return num(value, 1);
      case "db": return num(value, 1) + " dB";
      case "ssim": return num(value, 3);
      case "pct": return num(value * 100, 1) + " %";
      case "ratio": return value > 0 ? num(RAW_BYTES / value, 1) + " : 1" : DASH;
      case "int": return num(value, 0);
      default: return num(value, 2);
    }
  }

  function langOf(el) {
    var holder = el.closest("[lang]");
    return holder && holder !== document.documentElement ? holder.lang : DeckLang.get();
  }

  function t(texts) { return texts[DeckLang.get()] || texts.en; }

  function row(cells, header) {
    var tr = document.createElement("tr");
    cells.forEach(function (c) {
      var td = document.createElement(header ? "th" : "td");
      td.textContent = c;
      tr.appendChild(td);
    });
    return tr;
  }

  function renderTable(table, head, body) {
    table.textContent = "";
    var thead = table.createTHead();
    thead.appendChild(row(head, true));
    var tbody = table.createTBody();
    body.forEach(function (cells) { tbody.appendChild(row(cells, false)); });
  }

  function codecNames() {
    var codecs = (results && results.codecs) || {};
    return Object.keys(codecs);
  }

  function codecTable(table) {
    var lang = DeckLang.get();
    var codecs = (results && results.codecs) || {};
    renderTable(
      table,
      [
        t({ nl: "Codec", en: "Codec" }),
        t({ nl: "Bytes / cijfer", en: "Bytes / digit" }),
        t({ nl: "Verhouding", en: "Ratio" }),
        "PSNR",
        "SSIM",
        t({ nl: "Herkend", en: "Recognised" }),
      ],
      codecNames().map(function (name) {
        var c = codecs[name] || {};
        return [
          fmt(c.label || name, "text", lang),
          fmt(c.bytes_mean, "bytes", lang),
          fmt(c.bytes_mean, "ratio", lang),
          fmt(c.psnr, "db", lang),
          fmt(c.ssim, "ssim", lang),
          fmt(c.accuracy, "pct", lang),
        ];
      })
    );
  }

  // The smallest file a baseline needs to be at least as good (PSNR) as a codec.
  function smallestAtLeast(entries, psnr) {
    var best = null;
    (Array.isArray(entries) ? entries : []).forEach(function (e) {
      if (!e || !isNum(e.bytes_mean) || !isNum(e.psnr) || e.psnr < psnr) return;
      if (best === null || e.bytes_mean < best.bytes_mean) best = e;
    });
    return best;
  }

  function sameQualityTable(table) {
    var lang = DeckLang.get();
    var codecs = (results && results.codecs) || {};
    var baselines = (results && results.baselines) || {};
    renderTable(
      table,
      [t({ nl: "Codec", en: "Codec" }), "PSNR", t({ nl: "Bytes", en: "Bytes" })].concat(
        FAMILIES.map(function (f) { return t(f[1]); })
      ),
      codecNames().map(function (name) {
        var c = codecs[name] || {};
        return [fmt(c.label || name, "text", lang), fmt(c.psnr, "db", lang), fmt(c.bytes_mean, "bytes", lang)].concat(
          FAMILIES.map(function (f) {
            var e = isNum(c.psnr) ? smallestAtLeast(baselines[f[0]], c.psnr) : null;
            return e ? fmt(e.bytes_mean, "bytes", lang) : DASH;
          })
        );
      })
    );
  }

  function fill() {
    document.querySelectorAll("[data-result]").forEach(function (el) {
      el.textContent = fmt(get(results, el.getAttribute("data-result")), el.getAttribute("data-format"), langOf(el));
    });
    document.querySelectorAll("[data-result-table='codecs']").forEach(codecTable);
    document.querySelectorAll("[data-result-table='same-quality']").forEach(sameQualityTable);
    document.querySelectorAll("[data-result-answer]").forEach(function (el) {
      var answer = (results && results.answer) || {};
      el.textContent = fmt(answer[langOf(el)], "text", langOf(el));
    });
    var placeholder = !results || results.placeholder === true;
    document.querySelectorAll("[data-result-placeholder]").forEach(function (el) {
      el.hidden = !placeholder;
    });
  }

  fill(); // dashes until the numbers arrive
  fetch(RESULTS_URL)
    .then(function (r) { return r.ok ? r.json() : null; })
    .catch(function () { return null; }) // e.g. opened from file://: dashes stay
    .then(function (data) {
      results = data;
      fill();
      if (Reveal.isReady()) Reveal.layout();
    });
})();
