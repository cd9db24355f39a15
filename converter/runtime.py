"""Keras models -> the LiteRT models the ``aec`` package runs (aec/runtime.py), in aec/models/.

For each model folder (models/talk and the learned folders of aec.levels):

* ``encoder.tflite``: signature ``encode`` (``image`` [, ``level``] -> ``latents``);
* ``decoder.tflite``: signature ``decode`` (``symbols``/``latents`` [, ``level``] -> ``image``), and
  for a learned codec ``sse_and_gradient`` for the encoder's search: one digit's SSE against
  ``target`` and its gradient with respect to the symbols. TensorFlow's gradient needs only
  LiteRT's built-in ops when every shape is static (with a batch of any size it needs
  BroadcastGradientArgs, which LiteRT lacks); cropping's gradient (StridedSliceGrad, also
  missing) is exported as the padding it is (:func:`_slice_grad_as_pad`);
* ``codec.json``, copied;
* ``curvature.npz`` (learned codecs): the search's curvature per model id (aec/search.py),
  measured here with the export, so that a process searching one digit need not.

Every signature has a fixed batch, aec.runtime.BATCH digits (sse_and_gradient: one): static
shapes let XNNPACK run the whole graph (aec/runtime.py has the measurement), and with a batch of
any size Keras's UpSampling2D leaves the talk decoder's convolutions without the input shapes
LiteRT's Conv2D needs.

Float32 throughout. As for TF.js (converter/convert.py), the export is checked through the
real codec on the MNIST test digits against Keras: the digits whose symbols change and the
largest pixel change, kept in ``export.json`` and printed. A decoder pixel that moves by more
than MAX_PIXEL_DIFF, or an export whose raw outputs differ by more than EXPORT_TOLERANCE,
fails the conversion, and aec/models is left as it was (staged, swapped in whole).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import keras
import numpy as np

from aec import atomic, codec, levels, runtime
from aec.pixels import to_float
from converter.convert import EXPORT_TOLERANCE, MAX_PIXEL_DIFF, ConversionError, _aside, recover, swap_in
from training import networks

REPORT_FILE = "export.json"
PRIOR_DIGITS = 10_000  # training digits whose one-pass files fit the version-4 head (about 20 s)


def _slice_grad_as_pad(op, dy):
    """A unit-stride slice with static shapes (Cropping2D): its gradient is dy padded back."""
    import tensorflow as tf

    begin = tf.get_static_value(op.inputs[1])
    pads = [[int(b), int(n - b - m)] for b, n, m in zip(begin, op.inputs[0].shape, op.outputs[0].shape)]
    return [tf.pad(dy, pads), None, None, None]


def _register_gradients():
    import tensorflow as tf

    try:
        tf.RegisterGradient("AecSliceAsPad")(_slice_grad_as_pad)
    except KeyError:  # registered by an earlier conversion in this process
        pass


def _spec(shape, name, batch=runtime.BATCH):
    import tensorflow as tf

    return tf.TensorSpec((batch, *shape), tf.float32, name=name)


def export_tflite(model, endpoints: dict, path: Path, tmp: Path) -> None:
    """``endpoints``: signature name -> (function, input specs); Keras's ExportArchive ->
    a SavedModel -> one ``.tflite`` holding every signature."""
    import tensorflow as tf

    archive = keras.export.ExportArchive()
    archive.track(model)
    for name, (fn, specs) in endpoints.items():
        archive.add_endpoint(name, fn, input_signature=specs)
    saved = tmp / f"{path.parent.name}_{path.stem}"
    archive.write_out(str(saved), options=tf.saved_model.SaveOptions(experimental_custom_gradients=False),
                      verbose=False)
    converter = tf.lite.TFLiteConverter.from_saved_model(str(saved), signature_keys=list(endpoints))
    atomic.write_bytes(path, converter.convert(), replace=True)


def _endpoints(part: str, config: dict, encoder, decoder) -> tuple[dict, dict]:
    import tensorflow as tf

    if part == levels.TALK:
        shape = tuple(config["latent_shape"])
        return ({runtime.ENCODE: (lambda image: {"latents": encoder(image, training=False)},
                                  [_spec((28, 28, 1), "image")])},
                {runtime.DECODE: (lambda latents: {"image": decoder(latents, training=False)},
                                  [_spec(shape, "latents")])})
    shape, L = tuple(config["latent_shape"]), int(config["levels"])

    def sse_and_gradient(symbols, level, target):
        with tf.compat.v1.get_default_graph().gradient_override_map({"StridedSlice": "AecSliceAsPad"}):
            sse = tf.reduce_sum(tf.square(decoder([symbols, level], training=False) - target), axis=[1, 2, 3])
        return {"sse": sse, "gradient": tf.gradients(sse, symbols)[0]}

    return ({runtime.ENCODE: (lambda image, level: {"latents": encoder([image, level], training=False)},
                              [_spec((28, 28, 1), "image"), _spec((L,), "level")])},
            {runtime.DECODE: (lambda symbols, level: {"image": decoder([symbols, level], training=False)},
                              [_spec(shape, "symbols"), _spec((L,), "level")]),
             runtime.SSE_AND_GRADIENT: (sse_and_gradient, [_spec(shape, "symbols", 1), _spec((L,), "level", 1),
                                                           _spec((28, 28, 1), "target", 1)])})


def check(part: str, keras_codec, lite_codec, images) -> dict:
    """The export through the real codec against Keras on ``images``, at every model id."""
    from training.metrics import mean_psnr

    rows = {}
    for m in lite_codec.model_ids:
        args = () if part == levels.TALK else (m,)
        ref_rows, rows_ = keras_codec.encode_rows(images, *args), lite_codec.encode_rows(images, *args)
        ref_pix, pix = keras_codec.decode_rows(ref_rows, *args), lite_codec.decode_rows(ref_rows, *args)
        diff = np.abs(pix.astype(int) - ref_pix.astype(int))
        rows[str(m)] = {"changed_digits": float(np.mean(np.any(rows_ != ref_rows, axis=1))),
                        "max_pixel_diff": int(diff.max()), "moved_pixels": int(np.count_nonzero(diff)),
                        "psnr_keras": round(mean_psnr(images, ref_pix), 4), "psnr": round(mean_psnr(images, pix), 4)}
    if part != levels.TALK:  # the search's gradient against Keras's, one digit
        m = lite_codec.model_ids[0]
        s = keras_codec.encode_symbols(images[:8], m).reshape((-1, *keras_codec.latent_shape)).astype(np.float32)
        onehot, target = keras_codec.level_input(m, len(s)), to_float(images[:8])
        got, ref = lite_codec.decoder.sse_and_gradient(s, onehot, target), keras_codec.decoder.sse_and_gradient(
            s, onehot, target)
        rows["gradient_max_rel_diff"] = float(max(np.max(np.abs(g - r)) / max(1e-6, float(np.max(np.abs(r))))
                                                 for g, r in zip(got, ref)))
    return rows


def _export_part(part: str, folder: Path, stage: Path, tmp: Path, images, log) -> dict:
    config = codec.read_config(folder)
    if part == levels.TALK:
        keras_codec = networks.keras_talk(folder)
    else:
        keras_codec = networks.keras_codec(folder)
    decoder_model = keras_codec.decoder if part == levels.TALK else keras_codec.decoder.model
    enc, dec = _endpoints(part, config, keras_codec.encoder, decoder_model)
    out = stage / part
    out.mkdir(parents=True)
    export_tflite(keras_codec.encoder, enc, out / runtime.ENCODER_FILE, tmp)
    export_tflite(decoder_model, dec, out / runtime.DECODER_FILE, tmp)
    shutil.copyfile(folder / codec.CONFIG_FILE, out / codec.CONFIG_FILE)
    lite = codec.TalkCodec.load(out) if part == levels.TALK else codec.LearnedCodec.load(out)
    if part != levels.TALK:  # the search's curvature, measured once here with the runtime's own floats
        from aec.search import Search

        lite.curvature = {m: Search(lite).curvature(m) for m in lite.model_ids}
        np.savez(out / codec.CURVATURE_FILE, **{str(m): c for m, c in lite.curvature.items()})

    x = to_float(images[:256])
    inputs = [x] if part == levels.TALK else [x, lite.level_input(lite.model_ids[0], len(x))]
    keras_latents = np.asarray(keras_codec.encoder.predict(inputs, verbose=0))
    worst = float(np.max(np.abs(keras_latents - lite.encoder.predict(inputs))))
    report = {"encoder_max_abs_diff": worst, "by_model": check(part, keras_codec, lite, images),
              "bytes": {f: (out / f).stat().st_size for f in (runtime.ENCODER_FILE, runtime.DECODER_FILE)}}
    for m, row in report["by_model"].items():
        log(f"[runtime {part}] model {m}: {row}")
    if worst > EXPORT_TOLERANCE:
        raise ConversionError(f"{part}: the LiteRT encoder differs from Keras by {worst:.3g}")
    bad = [m for m, r in report["by_model"].items() if isinstance(r, dict) and r["max_pixel_diff"] > MAX_PIXEL_DIFF]
    if bad:
        raise ConversionError(f"{part}: the LiteRT decoder moves pixels by more than {MAX_PIXEL_DIFF} (model {bad[0]})")
    return report


def export_runtime(models_dir, out, *, test_images, train_images=None, eval_digits=10000, log=print) -> dict:
    """Every model of ``models_dir`` -> ``out`` (aec/models) as LiteRT, staged and swapped in whole.
    With ``train_images``, also the version-4 head's table (codec.PRIOR_FILE), fitted on their files."""
    _register_gradients()
    models_dir, out = Path(models_dir), Path(out)
    parts = [p for p in levels.FIRST_MODEL_ID if (models_dir / p / "encoder.keras").is_file()]
    if levels.TALK not in parts:
        raise ConversionError(f"{models_dir}: no trained models (talk/ is missing); run `make train` first")
    images = np.asarray(test_images[:eval_digits], np.uint8)
    recover(out)
    stage = _aside(out, "staging")
    stage.mkdir(parents=True)
    try:
        with tempfile.TemporaryDirectory(prefix="runtime-") as tmp:
            report = {p: _export_part(p, models_dir / p, stage, Path(tmp), images, log) for p in parts}
        if train_images is not None and len(parts) > 1:
            from training.model_prior import fit_model_prior

            prior = fit_model_prior(codec.Codecs.load(stage), np.asarray(train_images[:PRIOR_DIGITS], np.uint8), log)
            atomic.write_json(stage / codec.PRIOR_FILE, prior.to_json())
        report = {"eval_digits": int(len(images)), "runtime": "ai-edge-litert (LiteRT), float32", "models": report}
        atomic.write_json(stage / REPORT_FILE, report)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    measured = out / "measured.json"  # evaluate's numbers stay until evaluate runs again
    if measured.is_file():
        shutil.copyfile(measured, stage / measured.name)
    swap_in(stage, out)
    return report
