// Every text the demo shows, in English and Dutch. The demo page shows the
// English; the bilingual slides (site/slides/index.html, with #lang-toggle) get
// both as <span lang="..."> and their CSS shows one. An entry with only `en` is
// the same in both (numbers' units, tooltips, labels of screen readers).
// Entries that take values are functions returning {en, nl}.

export const TEXT = {
  // drawing panel
  drawArea: { en: "Drawing area: draw a digit with mouse, finger or pen" },
  draw: { en: "Draw a digit", nl: "Teken een cijfer" },
  clear: { en: "Clear", nl: "Wissen" },
  orPick: { en: "or pick a real MNIST test digit:", nl: "of kies een echt MNIST-testcijfer:" },
  randomSample: { en: "Random MNIST digit", nl: "Willekeurig MNIST-cijfer" },
  noSamples: { en: "No sample digits.", nl: "Geen voorbeeldcijfers." },
  samplesUnavailable: (e) => ({
    en: `Sample digits unavailable (${e}).`,
    nl: `Voorbeeldcijfers niet beschikbaar (${e}).`,
  }),
  sample: (s) => ({ en: `MNIST test digit ${s.index} (a ${s.label})` }),

  // the tiles
  input: { en: "Input 28×28", nl: "Invoer 28×28" },
  rawBytes: (n) => ({ en: `${n} bytes raw` }),
  ours: { en: "Ours, decoded", nl: "Onze codec" },
  browserCodec: (name) => ({ en: `${name}, browser`, nl: `${name}, browser` }),
  bytes: { en: " bytes" },
  psnr: { en: "PSNR " },
  quality: { en: "q " },
  iccBytes: { en: " B ICC" },
  iccTitle: {
    en: "The browser's file also holds an ICC colour profile; it is left out of the byte count (the file decodes the same without it).",
  },

  // where the input came from
  sourceDraw: { en: "your drawing, MNIST-style", nl: "jouw tekening, zoals MNIST" },
  sourceFile: { en: "(opened a file: no original)", nl: "(bestand geopend: geen origineel)" },
  sourceLink: { en: "(from a link: no original)", nl: "(uit een link: geen origineel)" },
  sourceNone: { en: "–" },

  // controls and numbers
  modelLabel: { en: "Model / quality" },
  model: { en: "Model / quality ", nl: "Model / kwaliteit " },
  modelFallback: (id) => ({ en: `model ${id}` }),
  ratio: { en: "ratio vs 784 raw bytes", nl: "verhouding t.o.v. 784 bytes" },
  encode: { en: "encode" },
  decode: { en: "decode" },
  backend: { en: "backend" },
  firstRun: { en: " (first run: includes warm-up)" },

  // files and links
  download: { en: "Download .aec", nl: "Download .aec" },
  open: { en: "Open .aec file", nl: "Open .aec-bestand" },
  share: { en: "share link", nl: "deelbare link" },
  copy: { en: "Copy link", nl: "Kopieer link" },
  dropHint: { en: "or drop a file here", nl: "of sleep een bestand hierheen" },
  copied: { en: "Link copied.", nl: "Link gekopieerd." },
  copyByHand: { en: "Copy the link with the right mouse button.", nl: "Kopieer de link met de rechtermuisknop." },

  // status line
  loading: { en: "Loading the models…", nl: "Modellen laden…" },
  ready: { en: "Ready.", nl: "Klaar." },
  compressing: { en: "Compressing…", nl: "Comprimeren…" },
  comparing: { en: "Done. Comparing with JPEG and WebP…", nl: "Klaar. Vergelijken met JPEG en WebP…" },
  done: { en: "Done.", nl: "Klaar." },
  decompressing: { en: "Decompressing…", nl: "Decomprimeren…" },
  decompressed: (name, n) => (n > 1
    ? { en: `Decompressed ${name}: ${n} digits, showing the first.`, nl: `${name} gedecomprimeerd: ${n} cijfers, het eerste wordt getoond.` }
    : { en: `Decompressed ${name}.`, nl: `${name} gedecomprimeerd.` }),
  emptyDrawing: { en: "The drawing is empty: draw a digit.", nl: "De tekening is leeg: teken een cijfer." },
  nothingYet: { en: "Draw a digit or pick one.", nl: "Teken of kies een cijfer." },
  failed: { en: "Failed.", nl: "Mislukt." },
  notValid: { en: "Not a valid file.", nl: "Geen geldig bestand." },
  codecUnavailable: { en: "Codec unavailable.", nl: "Codec niet beschikbaar." },

  // notices and errors
  webglFallback: (backend) => ({
    en: `WebGL is not available in this browser: the codec runs on TensorFlow.js' ${backend} backend instead (the same codec; it can be slower).`,
    nl: `WebGL is niet beschikbaar in deze browser: de codec draait op de ${backend}-backend van TensorFlow.js (dezelfde codec; soms trager).`,
  }),
  loadFailed: (e) => ({
    en: `The codec could not be loaded: ${e}. Drawing still works; compression is off.`,
    nl: `De codec kon niet geladen worden: ${e}. Tekenen werkt nog; comprimeren niet.`,
  }),
  wentWrong: (e) => ({ en: `Something went wrong: ${e}`, nl: `Er ging iets mis: ${e}` }),
  cannotRead: (name, e) => ({ en: `Could not read ${name}: ${e}`, nl: `Kon ${name} niet lezen: ${e}` }),
  badLink: (e) => ({
    en: `This link holds no compressed digit: ${e}.`,
    nl: `Deze link bevat geen gecomprimeerd cijfer: ${e}.`,
  }),
  theLink: { en: "the link" },
  cannotDecompress: (name, e) => ({ en: `Could not decompress ${name}: ${e}`, nl: `Kon ${name} niet decomprimeren: ${e}` }),

  // the JPEG / WebP tiles' notes
  baselineFailed: (e) => ({ en: `failed: ${e}` }),
  noEncoder: { en: "this browser has no encoder for it", nl: "deze browser heeft er geen encoder voor" },
  floor: { en: "its smallest file", nl: "kleinste bestand" },
  below: { en: "best quality, still smaller", nl: "beste kwaliteit, toch kleiner" },
};
