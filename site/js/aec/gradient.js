// The decoder's squared error and its gradient with respect to the symbols, for
// the encoder's search (search.js; Python's is the LiteRT export's
// `sse_and_gradient` signature, made in converter/runtime.py). TF.js
// differentiates a graph model's ops like any others, save one: it has no
// gradient for StridedSlice, which the decoders' cropping (Cropping2D) uses. A
// unit-stride slice's gradient is dy padded back to the input's shape, as the
// converter tells TensorFlow for the LiteRT export (its AecSliceAsPad).

const registered = new WeakSet(); // the tf namespaces that have the slice's gradient

/** Give tf StridedSlice's gradient (unit strides, as Cropping2D makes). Idempotent. */
export function registerSliceGradient(tf) {
  if (registered.has(tf)) return;
  registered.add(tf);
  tf.registerGradient({
    kernelName: "StridedSlice",
    inputsToSave: ["x"],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved;
      const { begin, strides, beginMask, ellipsisMask, newAxisMask, shrinkAxisMask } = attrs;
      if (ellipsisMask || newAxisMask || shrinkAxisMask || (strides ?? []).some((s) => s !== 1)) {
        throw new Error("StridedSlice gradient: only unit-stride slices without masks are supported");
      }
      const pad = x.shape.map((size, i) => {
        const b = (beginMask >> i) & 1 || i >= begin.length ? 0 : begin[i] < 0 ? begin[i] + size : begin[i];
        return [b, size - b - dy.shape[i]];
      });
      return { x: () => tf.pad(dy, pad) };
    },
  });
}

/**
 * model: a TF.js graph model; feed: its inputs by name (tensors); target: a tensor of
 * the output's shape -> {sse: Float32Array(n), gradient: Float32Array(n*E)}, each digit's
 * squared error against its target and the gradient of that error with respect to
 * feed[symbolsName] (the digits are independent, so one gradient of the sum gives all).
 */
export function sseAndGradient(tf, model, feed, symbolsName, target) {
  registerSliceGradient(tf);
  const [sse, gradient] = tf.tidy(() => {
    let perDigit = null;
    const grad = tf.grad((symbols) => {
      const err = tf.sub(model.execute({ ...feed, [symbolsName]: symbols }), target);
      const d = tf.sum(tf.square(err), [1, 2, 3]);
      perDigit = tf.keep(d.clone());
      return tf.sum(d);
    })(feed[symbolsName]);
    return [perDigit, grad];
  });
  try {
    return { sse: sse.dataSync(), gradient: gradient.dataSync() };
  } finally {
    sse.dispose();
    gradient.dispose();
  }
}
