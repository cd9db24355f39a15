// Twin of aec/levels.py: the quality scale. Python defines the table; the converter writes it
// into site/models/manifest.json as `scale` (the model ids of quality 1..N, fewest bytes first)
// and `default_model_id`, and these read it. tests/vectors/levels.json pins both twins.

/** A file model id -> its quality level 1..N, or null (the talk's network, a level off the scale). */
export function qualityOf(scale, modelId) {
  const k = scale.indexOf(modelId);
  return k < 0 ? null : k + 1;
}

/** Quality 1..N -> its file model id; RangeError naming the levels otherwise. */
export function modelIdOf(scale, quality) {
  if (!Number.isInteger(quality) || quality < 1 || quality > scale.length) {
    throw new RangeError(`no quality level ${quality} (levels: 1..${scale.length})`);
  }
  return scale[quality - 1];
}
