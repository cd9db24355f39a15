// Twin of aec/codec.py: compress and decompress digits, networks + integer
// tables + the file format.
//
//   images (uint8, 784 per digit) --encoder--> floats --round--> integer symbols
//     --TableSet.choose--> rows (cluster + indices) --format/arithmetic coder--> bytes
//   bytes --> rows --> symbols --decoder--> images
//
// Model id 0 is the talk's network (its 128 latents as 8-bit integers, coded
// with a uniform table, so 8 bits each); the others are learned codecs' levels:
// a LearnedCodec's network levels 1..L are the file model ids firstModelId ..
// firstModelId + L - 1 (1..7 for the codec, 8..11 for the low-rate network, 12.. for the mid-rate one); the
// quality scale over them is levels.js's (Python's aec/levels.py).
// The rounding rules are in pixels.js. Shapes as in Python, flat:
// images are one Uint8Array of N*784 pixels, rows one Int32Array of N*R.
//
// A network here is anything with `async run(inputs)`: inputs [{data, shape}]
// in the Keras model's input order, the output back as a Float32Array.
// loader.js wraps the TF.js graph models so (and fetches the tables); this
// module needs no TensorFlow.js. The networks give floats; everything after
// them is exact integer or float32-exact arithmetic, so on the CPU backend
// (networks within ~1e-6 of Keras) the bytes are Python's, a latent within
// 1e-6 of a rounding boundary being the rare exception. WebGL computes in its
// own float32 order: its pixels stay within a few levels.

import { decodeStream, encodeDigits, encodeStream, MAX_DIGITS } from "./format.js";
import { dequantiseLatents, quantiseLatents, SIZE, toFloat, toPixels, toSymbols } from "./pixels.js";
import { Search } from "./search.js";
import { CodingTables } from "./tables.js";

export const TALK_MODEL_ID = 0;
const TALK_LATENT_BITS = 8;
const PIXELS = SIZE * SIZE;

/** Quality level 1..numLevels -> the networks' one-hot level input, Float32Array of batch*numLevels. */
export function levelInput(level, numLevels, batch) {
  if (!Number.isInteger(level) || level < 1 || level > numLevels) {
    throw new RangeError(`level ${level} is not in 1..${numLevels}`);
  }
  const onehot = new Float32Array(batch * numLevels);
  for (let d = 0; d < batch; d++) onehot[d * numLevels + level - 1] = 1;
  return onehot;
}

/** Flat images -> the encoder's image input {data, shape: [N, 28, 28, 1]}. */
function imageInput(images) {
  const x = toFloat(images);
  return { data: x, shape: [x.length / PIXELS, SIZE, SIZE, 1] };
}

/** How many rows of `length` values `values` holds; RangeError if not a whole number. */
function rowCount(values, length, what) {
  if (values.length % length !== 0) throw new RangeError(`${what}: expected rows of ${length}, got ${values.length} values`);
  return values.length / length;
}

/** The talk's autoencoder as a codec: 128 latents, 8 bits each. */
export class TalkCodec {
  constructor(encoder, decoder, latentScale, latentShape) {
    this.encoder = encoder;
    this.decoder = decoder;
    this.latentScale = Number(latentScale);
    this.latentShape = Array.from(latentShape);
    const E = this.latentShape.reduce((a, b) => a * b, 1);
    this.tables = new Map([[TALK_MODEL_ID, CodingTables.uniform(E, TALK_LATENT_BITS)]]);
    this.modelIds = [TALK_MODEL_ID];
    this.prior = null; // the version-4 table, set by the Codecs it belongs to (its files are version 2 anyway)
  }

  /** Images (N*784) -> Int32Array of N*128 latents, 0..255. */
  async encodeRows(images, modelId = TALK_MODEL_ID) {
    return quantiseLatents(await this.encoder.run([imageInput(images)]), this.latentScale);
  }

  /** Latents (N*128 integers) -> images, Uint8Array of N*784. */
  async decodeRows(rows, modelId = TALK_MODEL_ID) {
    const n = rowCount(rows, this.tables.get(TALK_MODEL_ID).numElements, "rows");
    const latents = dequantiseLatents(rows, this.latentScale);
    return toPixels(await this.decoder.run([{ data: latents, shape: [n, ...this.latentShape] }]));
  }

  /** Images (N*784) -> N one-digit files. */
  async compressDigits(images, modelId = TALK_MODEL_ID) {
    return encodeDigits(modelId, await this.encodeRows(images), this.tables.get(modelId), { prior: this.prior });
  }
}

function tablesOf(learned, level) {
  const tables = learned.tables.get(level);
  if (!tables) throw new RangeError(`no tables for level ${level}`);
  return tables;
}

function levelFeed(learned, level, batch) {
  return { data: learned.levelInput(level, batch), shape: [batch, learned.numLevels] };
}

/** A variable-rate learned codec. Its methods take the file model id as `level`; the network's
 * own level (1-based) is modelId - firstModelId + 1. */
export class LearnedCodec {
  /** tables: Map model id -> TableSet (loader.js adds a level's when it is first used). */
  constructor(encoder, decoder, tables, latentShape, numLevels = tables.size, firstModelId = 1, lambdas = []) {
    this.encoder = encoder;
    this.decoder = decoder;
    this.tables = tables;
    this.latentShape = Array.from(latentShape);
    this.numLevels = numLevels; // width of the one-hot level input
    this.firstModelId = firstModelId;
    this.modelIds = Array.from({ length: numLevels }, (_, k) => firstModelId + k);
    this.prior = null; // set by the Codecs it belongs to: then its one-digit files are version 4
    this.lambdas = Array.from(lambdas); // per level: the training lambda, which the search also weighs by
    // the search's settings {rounds, candidates, lambdaScale} and curvature (model id -> Promise of
    // Float32Array), which loader.js sets from the manifest; null: no search
    this.searchSettings = null;
    this.curvature = new Map();
    this._search = null;
  }

  /** The networks' one-hot input for model id `level`, Float32Array of batch*numLevels. */
  levelInput(level, batch) {
    return levelInput(level - this.firstModelId + 1, this.numLevels, batch);
  }

  /** Images (N*784) -> the rounded latents, Int32Array of N*E. */
  async encodeSymbols(images, level) {
    const image = imageInput(images);
    return toSymbols(await this.encoder.run([image, levelFeed(this, level, image.shape[0])]));
  }

  /** Images -> the rows the file format codes (cluster + indices), Int32Array of N*R. With
   * `search` (true, or {signal}: an AbortSignal that cancels it between rounds) the symbols come
   * from the rate-distortion search (search.js) instead of plain rounding. */
  async encodeRows(images, level, search = false) {
    const tables = tablesOf(this, level);
    if (!search) return tables.choose(await this.encodeSymbols(images, level));
    if (!this.searchSettings) throw new RangeError("this codec has no search settings (manifest.json's search)");
    this._search ??= new Search(this, this.searchSettings, this.curvature);
    return tables.choose(await this._search.symbols(images, level, { signal: search.signal }));
  }

  /** Rows (N*R) -> images, Uint8Array of N*784. */
  async decodeRows(rows, level) {
    const symbols = Float32Array.from(tablesOf(this, level).symbols(rows));
    const n = rowCount(symbols, this.latentShape.reduce((a, b) => a * b, 1), "symbols");
    const latents = { data: symbols, shape: [n, ...this.latentShape] };
    return toPixels(await this.decoder.run([latents, levelFeed(this, level, n)]));
  }

  /** Images (N*784) -> N one-digit files (search: as encodeRows). */
  async compressDigits(images, level, search = false) {
    const tables = tablesOf(this, level);
    return encodeDigits(level, await this.encodeRows(images, level, search), tables, { prior: this.prior });
  }
}

/** Every model, by file model id: what the browser (and Python's CLI) use. */
export class Codecs {
  /** talk: a TalkCodec, learned: a LearnedCodec or an array of them in quality order (either may be null);
   * maxDigits: the largest stream decompress accepts. Overlapping model ids: RangeError.
   * prior: the version-4 head's ModelPrior (model_prior.js; the manifest's model_prior): with it
   * one-digit files of learned models are version 4 and version-4 files decode; without it,
   * files are versions 2 and 3 as before. */
  constructor(talk, learned = null, { maxDigits = MAX_DIGITS, prior = null } = {}) {
    this.talk = talk;
    this.learnedCodecs = learned === null ? [] : [learned].flat();
    this.learned = this.learnedCodecs[0] ?? null; // the first
    const ids = this.learnedCodecs.flatMap((c) => c.modelIds);
    const twice = ids.find((id, i) => ids.indexOf(id) !== i || id === TALK_MODEL_ID);
    if (twice !== undefined) throw new RangeError(`model id ${twice} belongs to two models`);
    this.tables = new Map([...(talk ? talk.tables : []), ...this.learnedCodecs.flatMap((c) => [...c.tables])]);
    this.maxDigits = maxDigits;
    prior?.checkTables(this.tables); // a level's tables loaded later: format.js checks them per file
    this.prior = prior;
    for (const codec of [talk, ...this.learnedCodecs]) if (codec) codec.prior = prior; // they write what this does
  }

  /** The codec whose model ids hold modelId (its tables may not be loaded yet), or null. */
  learnedFor(modelId) {
    return this.learnedCodecs.find((c) => c.modelIds.includes(modelId)) ?? null;
  }

  codecFor(modelId) {
    const codec = modelId === TALK_MODEL_ID ? this.talk : this.learnedFor(modelId);
    if (!codec || !this.tables.has(modelId)) {
      throw new RangeError(`no model ${modelId} (models: ${[...this.tables.keys()].join(", ")})`);
    }
    return codec;
  }

  /** Digits (N*784) -> N one-digit files (Uint8Array[]); search: as LearnedCodec.encodeRows. */
  async compressDigits(images, modelId, search = false) {
    const rows = await this.codecFor(modelId).encodeRows(images, modelId, search);
    return encodeDigits(modelId, rows, this.tables.get(modelId), { prior: this.prior });
  }

  /** Digits (N*784) -> one file holding all of them (a single digit when N = 1). */
  async compressFile(images, modelId, search = false) {
    const rows = await this.codecFor(modelId).encodeRows(images, modelId, search);
    return encodeStream(modelId, rows, this.tables.get(modelId), { prior: this.prior });
  }

  /** One file (a digit or a stream) -> {modelId, images: Uint8Array of N*784}. Throws FormatError. */
  async decompressFile(data) {
    const { modelId, rows } = decodeStream(data, this.tables, { maxDigits: this.maxDigits, prior: this.prior });
    return { modelId, images: await this.codecFor(modelId).decodeRows(rows, modelId) };
  }
}
