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
    en: "Level 1 makes the fewest bytes and the blurriest digit, the last level the most bytes and the sharpest. Three networks share the levels: the one for the lowest levels and the one for the highest are fetched when you first pick one of their levels. The talk's network keeps its 128 numbers at 8 bits each.",
    nl: "Niveau 1 geeft de minste bytes en het vaagste cijfer, het laatste niveau de meeste bytes en het scherpste. Drie netwerken delen de niveaus: dat van de laagste en dat van de hoogste niveaus wordt pas geladen als je een van hun niveaus kiest. Het netwerk uit de talk bewaart zijn 128 getallen in 8 bits elk.",
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
  encoder: { en: "encoder: ", nl: "encoder: " },
  // the file shown: the encoder's one pass, then its rate-distortion search (tests read the English)
  onePass: { en: "one pass", nl: "één keer" },
  searched: { en: "searched", nl: "gezocht" },

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
  searching: { en: "Searching for a better file…", nl: "Zoeken naar een beter bestand…" },
  searchFailed: (e) => ({
    en: `The search for a better file failed (${e}); the first file stays.`,
    nl: `Zoeken naar een beter bestand mislukte (${e}); het eerste bestand blijft.`,
  }),
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

  // inside the file (inside.js, bitmap.js, editor.js, walk.js): the demo page only
  insideTitle: { en: "Inside the file", nl: "In het bestand" },
  insideIntro: {
    en: "Where the file's bits go, its bytes to edit, and, at the levels whose network codes a digit as one list of numbers, the latents to walk: all worked out in your browser from the file above.",
    nl: "Waar de bits van het bestand heen gaan, de bytes om te bewerken, en, bij de niveaus waarvan het netwerk een cijfer als één lijst getallen codeert, de latents om door te wandelen: alles berekend in je browser uit het bestand hierboven.",
  },
  noFileYet: { en: "Compress or open a digit first.", nl: "Comprimeer of open eerst een cijfer." },
  bitsTitle: { en: "Where the bits go", nl: "Waar de bits heen gaan" },
  bitsIn: { en: " bits in the file", nl: " bits in het bestand" },
  partHeader: { en: "header", nl: "header" },
  partClusters: { en: "cluster choice", nl: "clusterkeuze" },
  partHead: { en: "model and cluster, given the length", nl: "model en cluster, gegeven de lengte" },
  partLatents: { en: "latents", nl: "latents" },
  partTermination: { en: "termination and byte alignment", nl: "afsluiting en byte-uitlijning" },
  partLatent: (e, where) => ({ en: `latent ${e}${where}`, nl: `latent ${e}${where}` }),
  cellOf: (row, col) => ({ en: ` (row ${row}, column ${col})`, nl: ` (rij ${row}, kolom ${col})` }),
  bitsHelp: {
    en: "Each latent costs −log₂ of its probability in the digit's table; the header names the model, the cluster choice the digit's tables, and the rest ends the arithmetic code and fills the last byte (it can be negative: trailing zero bytes are dropped). A one-digit file of a learned level (format version 4) has no header: the model and the cluster are the arithmetic code's first symbol, coded with a table for the file's length, where naming the level its files have costs little.",
    nl: "Elke latent kost −log₂ van zijn kans in de tabel van het cijfer; de header noemt het model, de clusterkeuze de tabellen van het cijfer, en de rest sluit de aritmetische code af en vult de laatste byte (dat kan negatief zijn: nul-bytes aan het eind vallen weg). Een bestand met één cijfer van een geleerd niveau (formaatversie 4) heeft geen header: model en cluster zijn het eerste symbool van de aritmetische code, gecodeerd met een tabel voor de lengte van het bestand, waarbij het niveau dat bij die lengte hoort weinig kost.",
  },
  gridHelp: { en: "Bits per cell of the latent grid, over the decoded digit.", nl: "Bits per cel van het latent-rooster, over het gedecodeerde cijfer." },
  barsHelp: { en: "Bits per latent, latent 1 to the last.", nl: "Bits per latent, van latent 1 tot de laatste." },
  gridLabel: (cells) => ({ en: `Bits per cell, row by row: ${cells}`, nl: `Bits per cel, rij na rij: ${cells}` }),
  barsLabel: (bars) => ({ en: `Bits per latent: ${bars}`, nl: `Bits per latent: ${bars}` }),
  allParts: (n) => ({ en: `All ${n} parts, in bits`, nl: `Alle ${n} delen, in bits` }),
  thPart: { en: "part", nl: "deel" },
  thBits: { en: "bits", nl: "bits" },
  editTitle: { en: "Edit the bytes", nl: "Bewerk de bytes" },
  editHelp: {
    en: "Type hex or flip a bit: the digit is decoded again at once, or the format says why the bytes are no longer a file. Blue bits: header, or in version 4 the first bits, which the model and cluster alone fix; purple: cluster choice.",
    nl: "Typ hex of zet een bit om: het cijfer wordt meteen opnieuw gedecodeerd, of het formaat zegt waarom de bytes geen bestand meer zijn. Blauwe bits: header, of in versie 4 de eerste bits, die model en cluster alleen al vastleggen; paars: clusterkeuze.",
  },
  hexLabel: { en: "The file's bytes in hex (editable)", nl: "De bytes van het bestand in hex (bewerkbaar)" },
  bitsGroup: {
    en: "The file's bits: Enter or Space flips one, the arrow keys move",
    nl: "De bits van het bestand: Enter of spatie zet er een om, de pijltjestoetsen verplaatsen",
  },
  bitName: (i, v) => ({ en: `bit ${i}: ${v}`, nl: `bit ${i}: ${v}` }),
  undo: { en: "Undo edit", nl: "Bewerking ongedaan maken" },
  notHex: (text) => ({
    en: `Not hex: type pairs of 0–9 and a–f (“${text}” is not one).`,
    nl: `Geen hex: typ paren van 0–9 en a–f (“${text}” is dat niet).`,
  }),
  invalidFile: (e) => ({
    en: `These bytes are no longer a valid file: ${e}.`,
    nl: `Deze bytes zijn geen geldig bestand meer: ${e}.`,
  }),
  nowFile: (bits, bytes, db) => ({
    en: `The file is now ${bits} bits (${bytes} bytes); the digit's PSNR against the input: ${db}.`,
    nl: `Het bestand is nu ${bits} bits (${bytes} bytes); de PSNR van het cijfer tegen de invoer: ${db}.`,
  }),
  walkTitle: { en: "Walk the latents", nl: "Wandel door de latents" },
  walkHelp: (n) => ({
    en: `This level's network codes a digit as ${n} whole numbers. Move one: the digit is decoded again and the file made anew. The latents that cost the most bits on average come first.`,
    nl: `Het netwerk van dit niveau codeert een cijfer als ${n} gehele getallen. Verschuif er een: het cijfer wordt opnieuw gedecodeerd en het bestand opnieuw gemaakt. De latents die gemiddeld de meeste bits kosten staan eerst.`,
  }),
  walkLowrate: {
    en: "Pick a level above whose network codes a digit as one list of numbers (the lowest levels, for example) to walk its latents.",
    nl: "Kies hierboven een niveau waarvan het netwerk een cijfer als één lijst getallen codeert (bijvoorbeeld de laagste niveaus) om door zijn latents te wandelen.",
  },
  latentSlider: (e, rank) => ({ en: `Latent ${e} (no. ${rank} by bits)`, nl: `Latent ${e} (nr. ${rank} naar bits)` }),
  moreLatents: (n) => ({ en: `${n} more latents`, nl: `Nog ${n} latents` }),
  morphTitle: { en: "Morph between two digits", nl: "Morph tussen twee cijfers" },
  morphFrom: { en: "From", nl: "Van" },
  morphTo: { en: "to", nl: "naar" },
  theInput: { en: "the input above", nl: "de invoer hierboven" },
  morphGo: { en: "Morph", nl: "Morph" },
  morphStep: (k, bytes) => ({ en: `${k} swapped, ${bytes} B`, nl: `${k} gewisseld, ${bytes} B` }),
  morphDone: (n) => ({
    en: `Morph ready: ${n} digits, each with more of the second digit's latents, most bits first.`,
    nl: `Morph klaar: ${n} cijfers, elk met meer latents van het tweede cijfer, de meeste bits eerst.`,
  }),
  morphNeeds: { en: "Pick two different digits.", nl: "Kies twee verschillende cijfers." },
};
