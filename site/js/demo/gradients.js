// The gradients the encoder's search (../aec/search.js, through ../aec/gradient.js)
// takes of the learned decoders and their squared error. The demo's vendored
// tf.js bundles (core, WebGL, converter: tfjs.js) leave out tf.js' gradient
// registry, which only the full bundle carries (about 1 MB more); these are its
// definitions (tfjs-core's src/gradients/, Apache-2.0) of the kernels on that
// path, on the global `tf`'s own ops. Fused ops (e.g. _FusedMatMul) carry
// their gradients in the op itself. A kernel missing here fails the search
// with "gradient function not found for <kernel>", and the one-pass file stays.

/** dy of a broadcasting binary op, summed back to an input's shape. */
function unbroadcast(tf, dy, shape, outShape) {
  const axes = tf.broadcast_util.getReductionAxes(shape, outShape);
  return tf.reshape(axes.length ? tf.sum(dy, axes) : dy, shape);
}

function binary(tf, kernelName, derA, derB) {
  return {
    kernelName,
    inputsToSave: ["a", "b"],
    gradFunc: (dy, [a, b]) => {
      const out = tf.broadcast_util.assertAndGetBroadcastShape(a.shape, b.shape);
      return { a: () => unbroadcast(tf, derA(dy, a, b), a.shape, out), b: () => unbroadcast(tf, derB(dy, a, b), b.shape, out) };
    },
  };
}

function configs(tf) {
  const f32 = (x) => tf.cast(x, "float32");
  return [
    binary(tf, "Add", (dy) => dy, (dy) => dy),
    binary(tf, "Sub", (dy) => dy, (dy) => tf.neg(dy)),
    binary(tf, "Multiply", (dy, a, b) => tf.mul(dy, f32(b)), (dy, a) => tf.mul(dy, f32(a))),
    binary(tf, "RealDiv", (dy, a, b) => tf.div(dy, f32(b)), (dy, a, b) => tf.neg(tf.div(tf.mul(dy, f32(a)), tf.square(f32(b))))),
    {
      kernelName: "Pow",
      inputsToSave: ["a", "b"],
      outputsToSave: [true],
      gradFunc: (dy, [a, b, y]) => {
        const out = tf.broadcast_util.assertAndGetBroadcastShape(a.shape, b.shape);
        const e = f32(b);
        return {
          a: () => unbroadcast(tf, tf.mul(dy, tf.mul(e, tf.pow(a, tf.sub(e, tf.scalar(1))))), a.shape, out),
          b: () => unbroadcast(tf, tf.mul(dy, tf.mul(y, tf.where(tf.greater(a, 0), tf.log(a), tf.zerosLike(a)))), b.shape, out),
        };
      },
    },
    { kernelName: "Square", inputsToSave: ["x"], gradFunc: (dy, [x]) => ({ x: () => tf.mul(dy, tf.mul(f32(x), 2)) }) },
    { kernelName: "Sqrt", inputsToSave: ["x"], gradFunc: (dy, [x]) => ({ x: () => tf.div(dy, tf.mul(tf.sqrt(f32(x)), 2)) }) },
    { kernelName: "Rsqrt", inputsToSave: ["x"],
      gradFunc: (dy, [x]) => ({ x: () => tf.neg(tf.div(dy, tf.mul(tf.pow(x, 1.5), 2))) }) },
    { kernelName: "Exp", outputsToSave: [true], gradFunc: (dy, [y]) => ({ x: () => tf.mul(dy, y) }) },
    { kernelName: "Tanh", outputsToSave: [true], gradFunc: (dy, [y]) => ({ x: () => tf.mul(tf.sub(tf.scalar(1), tf.square(y)), dy) }) },
    { kernelName: "Sigmoid", outputsToSave: [true],
      gradFunc: (dy, [y]) => ({ x: () => tf.mul(dy, tf.mul(y, tf.sub(tf.scalar(1), y))) }) },
    { kernelName: "Relu", inputsToSave: ["x"], gradFunc: (dy, [x]) => ({ x: () => tf.mul(dy, f32(tf.step(x))) }) },
    { kernelName: "Neg", gradFunc: (dy) => ({ x: () => tf.neg(dy) }) },
    { kernelName: "Identity", gradFunc: (dy) => ({ x: () => f32(dy) }) },
    { kernelName: "Cast", gradFunc: (dy) => ({ x: () => dy.clone() }) },
    { kernelName: "Reshape", inputsToSave: ["x"], gradFunc: (dy, [x]) => ({ x: () => tf.reshape(dy, x.shape) }) },
    {
      kernelName: "Sum",
      inputsToSave: ["x"],
      gradFunc: (dy, [x], { axis }) => {
        const shape = x.shape.slice();
        for (const a of tf.util.parseAxisParam(axis, x.shape)) shape[a] = 1;
        const derX = tf.mul(tf.reshape(dy, shape), tf.ones(x.shape, "float32"));
        return { x: () => derX };
      },
    },
    {
      kernelName: "Concat",
      saveAllInputs: true,
      gradFunc: (dy, saved, { axis }) => {
        const $axis = tf.util.parseAxisParam(axis, saved[0].shape)[0];
        const parts = tf.split(dy, saved.map((t) => t.shape[$axis]), $axis);
        return Object.fromEntries(parts.map((p, i) => [i, () => p]));
      },
    },
    {
      kernelName: "BatchMatMul",
      inputsToSave: ["a", "b"],
      gradFunc: (dy, [a, b], { transposeA, transposeB }) => {
        if (!transposeA && !transposeB) return { a: () => tf.matMul(dy, b, false, true), b: () => tf.matMul(a, dy, true, false) };
        if (!transposeA) return { a: () => tf.matMul(dy, b, false, false), b: () => tf.matMul(dy, a, true, false) };
        if (!transposeB) return { a: () => tf.matMul(b, dy, false, true), b: () => tf.matMul(a, dy, false, false) };
        return { a: () => tf.matMul(b, dy, true, true), b: () => tf.matMul(dy, a, true, true) };
      },
    },
    {
      kernelName: "Conv2DBackpropInput",
      inputsToSave: ["dy", "filter"],
      gradFunc: (ddx, [dy, filter], { strides, pad, dataFormat, dimRoundingMode }) => ({
        dy: () => tf.conv2d(ddx, filter, strides, pad, dataFormat, 1, dimRoundingMode),
        filter: () => tf.engine().runKernel("Conv2DBackpropFilter", { x: ddx, dy },
          { strides, pad, dataFormat, dimRoundingMode, filterShape: filter.shape }),
      }),
    },
  ];
}

/** Register the search's gradients on `tf` where it has none of its own (idempotent). */
export function registerGradients(tf) {
  for (const config of configs(tf)) if (!tf.getGradient(config.kernelName)) tf.registerGradient(config);
}
