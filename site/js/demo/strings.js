// Every text the demo shows, in English and Dutch. The demo page shows the
// English; the bilingual slides (site/slides/index.html, with #lang-toggle) get
// both as <span lang="..."> and their CSS shows one (attributes and <option>s
// follow the deck's language instead, ui.js). Every entry has both; entries
// that take values are functions returning {en, nl} (tests/js/demo.test.mjs
// checks that none is missing).

export const TEXT = {
  // drawing panel
  drawArea: {
    en: "Drawing area: draw a digit with mouse, finger or pen",
    nl: "Tekenvlak: teken een cijfer met muis, vinger of pen",
  },
  draw: { en: "Draw a digit", nl: "Teken een cijfer" },
  clear: { en: "Clear", nl: "Wissen" },
  orPick: { en: "or pick a real MNIST test digit:", nl: "of kies een echt MNIST-testcijfer:" },
  randomSample: { en: "Random MNIST digit", nl: "Willekeurig MNIST-cijfer" },
  noSamples: { en: "No sample digits.", nl: "Geen voorbeeldcijfers." },
  samplesUnavailable: (e) => ({
    en: `Sample digits unavailable (${e}).`,
    nl: `Voorbeeldcijfers niet beschikbaar (${e}).`,
  }),
  sample: (s) => ({ en: `MNIST test digit ${s.index} (a ${s.label})`, nl: `MNIST-testcijfer ${s.index} (een ${s.label})` }),
  open: { en: "Open an image or .aec file", nl: "Open een afbeelding of .aec-bestand" },
  openHint: {
    en: "a PNG, JPEG or photo of one digit, or a file this demo saved; or drop it on the demo",
    nl: "een PNG, JPEG of foto van één cijfer, of een bestand van deze demo; of sleep het op de demo",
  },

  // the tiles
  input: { en: "Input 28×28", nl: "Invoer 28×28" },
  rawBytes: (n) => ({ en: `${n} bytes raw`, nl: `${n} bytes onbewerkt` }),
  ours: { en: "Ours, decoded", nl: "Onze codec, gedecodeerd" },
  browserCodec: (name) => ({ en: `${name}, browser`, nl: `${name}, browser` }),
  bytes: { en: " bytes", nl: " bytes" },
  psnr: { en: "PSNR ", nl: "PSNR " },
  quality: { en: "q ", nl: "q " },
  iccBytes: { en: " B ICC", nl: " B ICC" },

  // short explanations, beside what they explain
  levelsHelp: {
    en: "Level 1 makes the fewest bytes and the blurriest digit, the last level the most bytes and the sharpest. The lowest levels use a second, smaller network, fetched when you first pick one. The talk's network keeps its 128 numbers at 8 bits each.",
    nl: "Niveau 1 geeft de minste bytes en het vaagste cijfer, het laatste niveau de meeste bytes en het scherpste. De laagste niveaus gebruiken een tweede, kleiner netwerk, dat pas geladen wordt als je er een kiest. Het netwerk uit de talk bewaart zijn 128 getallen in 8 bits elk.",
  },
  helpBytes: { en: "bytes", nl: "bytes" },
  helpBytesText: {
    en: "the whole compressed file, header included",
    nl: "het hele gecomprimeerde bestand, met header",
  },
  helpPsnr: { en: "PSNR", nl: "PSNR" },
  helpPsnrText: {
    en: "how close a digit is to the input, in dB: higher is closer, 100 means identical",
    nl: "hoe dicht een cijfer bij de invoer ligt, in dB: hoger is dichter, 100 is identiek",
  },
  helpRatio: { en: "ratio", nl: "verhouding" },
  helpRatioText: { en: "784 raw bytes ÷ the file's bytes", nl: "784 onbewerkte bytes ÷ de bytes van het bestand" },
  helpQ: { en: "q", nl: "q" },
  helpQText: {
    en: "the quality (0–1) the browser's encoder got: the one whose file is the smallest not below ours",
    nl: "de kwaliteit (0–1) voor de encoder van de browser: die met het kleinste bestand dat niet kleiner is dan het onze",
  },
  helpIcc: { en: "+ B ICC", nl: "+ B ICC" },
  helpIccText: {
    en: "a colour profile the browser adds to its file, not counted: the file decodes the same without it",
    nl: "een kleurprofiel dat de browser toevoegt, niet meegeteld: het bestand decodeert hetzelfde zonder",
  },

  // where the input came from
  sourceDraw: { en: "your drawing, MNIST-style", nl: "jouw tekening, zoals MNIST" },
  sourceImage: (name) => ({ en: `${name}, MNIST-style`, nl: `${name}, zoals MNIST` }),
  sourceFile: { en: "(opened a file: no original)", nl: "(bestand geopend: geen origineel)" },
  sourceLink: { en: "(from a link: no original)", nl: "(uit een link: geen origineel)" },
  sourceNone: { en: "–", nl: "–" },

  // controls and numbers
  model: { en: "Model / quality", nl: "Model / kwaliteit" },
  // a learned level: its quality number and, when the manifest has it, its mean size on the test digits
  level: (l) => {
    if (l.id === 0) return { en: l.label || "The talk's network", nl: "Netwerk uit de talk (8-bit latents)" };
    const k = l.level ?? l.id;
    const size = Number.isFinite(l.bytes) ? ` (≈ ${Math.round(l.bytes)} B)` : "";
    return { en: `Level ${k}${size}`, nl: `Niveau ${k}${size}` };
  },
  ratio: { en: "ratio", nl: "verhouding" },
  encode: { en: "encode", nl: "coderen" },
  decode: { en: "decode", nl: "decoderen" },
  backend: { en: "backend", nl: "backend" },
  firstRun: { en: " (first run: includes warm-up)", nl: " (eerste keer: met opwarmen)" },

  // files and links
  download: { en: "Download .aec", nl: "Download .aec" },
  share: { en: "Share link", nl: "Deel een link" },
  copy: { en: "Copy link", nl: "Kopieer link" },
  shared: {
    en: "This digit's link is now in the address bar: copy it from there or with Copy link. Back returns to the demo as it was.",
    nl: "De link naar dit cijfer staat nu in de adresbalk: kopieer hem daar of met Kopieer link. Terug brengt de demo terug zoals hij was.",
  },
  copied: { en: "Link copied.", nl: "Link gekopieerd." },
  copyByHand: {
    en: "Could not copy: select the link in the address bar and copy it.",
    nl: "Kopiëren lukte niet: selecteer de link in de adresbalk en kopieer hem.",
  },

  // status line
  loading: { en: "Loading the models…", nl: "Modellen laden…" },
  ready: { en: "Ready.", nl: "Klaar." },
  compressing: { en: "Compressing…", nl: "Comprimeren…" },
  comparing: { en: "Done. Comparing with JPEG and WebP…", nl: "Klaar. Vergelijken met JPEG en WebP…" },
  done: { en: "Done.", nl: "Klaar." },
  reading: { en: "Reading the file…", nl: "Bestand lezen…" },
  decompressing: { en: "Decompressing…", nl: "Decomprimeren…" },
  // name: an entry, e.g. TEXT.theLink or {en: "digit.aec", nl: "digit.aec"}
  decompressed: (name, n) => (n > 1
    ? { en: `Decompressed ${name.en}: ${n} digits, showing the first.`, nl: `Gedecomprimeerd: ${name.nl}, ${n} cijfers; het eerste wordt getoond.` }
    : { en: `Decompressed ${name.en}.`, nl: `Gedecomprimeerd: ${name.nl}.` }),
  emptyDrawing: { en: "The drawing is empty: draw a digit.", nl: "De tekening is leeg: teken een cijfer." },
  nothingYet: { en: "Draw a digit or pick one.", nl: "Teken of kies een cijfer." },
  nothingShown: { en: "Nothing to show.", nl: "Niets te tonen." },
  failed: { en: "Failed.", nl: "Mislukt." },
  codecUnavailable: { en: "Codec unavailable.", nl: "Codec niet beschikbaar." },

  // notices and errors: what happened and what to do, in plain words
  webglFallback: (backend) => ({
    en: `WebGL is not available in this browser: the codec runs on TensorFlow.js' ${backend} backend instead (the same codec; it can be slower).`,
    nl: `WebGL is niet beschikbaar in deze browser: de codec draait op de ${backend}-backend van TensorFlow.js (dezelfde codec; soms trager).`,
  }),
  loadFailed: (e) => ({
    en: `The codec could not be loaded, so compression is off; drawing still works. Reloading the page may help. (${e})`,
    nl: `De codec kon niet geladen worden, dus comprimeren werkt niet; tekenen wel. De pagina herladen kan helpen. (${e})`,
  }),
  wentWrong: (e) => ({ en: `Something went wrong: ${e}`, nl: `Er ging iets mis: ${e}` }),
  cannotRead: (name, e) => ({
    en: `Could not read ${name} from your disk (${e}).`,
    nl: `Kon ${name} niet van je schijf lezen (${e}).`,
  }),
  notOurs: (name, e) => ({
    en: `${name} is neither an image nor a .aec file this demo can read (${e}). Open a PNG or JPEG of a digit, or a file saved with Download .aec.`,
    nl: `${name} is geen afbeelding en geen .aec-bestand dat deze demo kan lezen (${e}). Open een PNG of JPEG van een cijfer, of een bestand van Download .aec.`,
  }),
  badImage: (name) => ({
    en: `${name} looks like an image, but this browser cannot decode it. Try a PNG or a JPEG.`,
    nl: `${name} lijkt een afbeelding, maar deze browser kan hem niet decoderen. Probeer een PNG of een JPEG.`,
  }),
  blankImage: (name) => ({
    en: `${name} shows no digit: there is no ink that stands out from the background.`,
    nl: `${name} toont geen cijfer: er is geen inkt die afsteekt tegen de achtergrond.`,
  }),
  cutLink: {
    en: "This link is incomplete: its end was cut off, probably when it was copied or sent. Copy the whole link again.",
    nl: "Deze link is onvolledig: het einde ontbreekt, waarschijnlijk bij het kopiëren of versturen. Kopieer de hele link opnieuw.",
  },
  badLink: (e) => ({
    en: `This link holds no compressed digit (${e}). Copy the whole link again.`,
    nl: `Deze link bevat geen gecomprimeerd cijfer (${e}). Kopieer de hele link opnieuw.`,
  }),
  theLink: { en: "the link", nl: "de link" },

  // the JPEG / WebP tiles' notes
  baselineFailed: (e) => ({ en: `failed: ${e}`, nl: `mislukt: ${e}` }),
  noEncoder: { en: "this browser has no encoder for it", nl: "deze browser heeft er geen encoder voor" },
  floor: { en: "its smallest file", nl: "kleinste bestand" },
  below: { en: "best quality, still smaller", nl: "beste kwaliteit, toch kleiner" },
};
