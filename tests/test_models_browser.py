"""The JS codec (site/js/aec/codec.js, loaded by loader.js) with the converted models in chromium, on the
built site, WebGL backend (and the CPU backend for comparison).

Two sets of models:

* ``tiny``: untrained networks of the real architectures, converted by the test
  session (tests/tiny_models.py) and served from the built site's models-tiny/;
* ``shipped``: site/models (with models/ and tests/vectors/models_v1.json), when
  they exist; skipped otherwise, failed when the export is stale.

Reference for the networks: the converted graph run by TensorFlow in Python
(converter.convert.GraphRunner: the same files and dequantised weights the
browser gets), and Keras itself. Max abs diffs are printed (pytest -s).
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from theme.hooks import TFJS
from tiny_models import ROOT, max_abs, mnist_test, tiny_export

pytestmark = pytest.mark.browser

DIGITS = 100
LEVEL = 2  # the codec level whose networks are compared
CPU_TOLERANCE = 1e-4  # relative to max(1, |reference|); measured ~1e-6
WEBGL_TOLERANCE = 3 / 255  # relative to max(1, |reference|)
PIXEL_TOLERANCE = 3  # grey levels, WebGL vs Python's pixels
SHIPPED = ROOT / "site" / "models" / "manifest.json"


def b64(array) -> str:
    return base64.b64encode(np.ascontiguousarray(array).tobytes()).decode()


def f32(text: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(text), np.float32)


@pytest.fixture(scope="module")
def model_sets(built_site, tmp_path_factory):
    """name -> {"url": folder under the site, "models", "site_models", "vectors"}."""
    export = tiny_export(tmp_path_factory.getbasetemp() / "tiny_export")
    shutil.copytree(export["site_models"], built_site / "models-tiny", dirs_exist_ok=True)
    sets = {"tiny": {"url": "models-tiny/", "models": export["models"], "site_models": export["site_models"],
                     "vectors": export["vectors"] / "models_v1.json"}}
    # The shipped models are committed: missing ones fail the tests, they never skip them.
    sets["shipped"] = {"url": "models/", "models": ROOT / "models", "site_models": SHIPPED.parent,
                       "vectors": ROOT / "tests" / "vectors" / "models_v1.json"}
    return sets


@pytest.fixture
def page_with_tf(probe, site_url):
    """A page of the built site with tf.js loaded (as the demo loads it)."""
    probe.goto("format.html")
    # js/demo/tfjs.js, as the engine imports it (no CSP violation: WebAssembly is hidden
    # while the bundles load), then the CPU backend, which the engine adds without WebGL.
    probe.page.evaluate("url => import(url)", site_url + "js/demo/tfjs.js")
    cpu = [src for src in TFJS if "backend-cpu" in src]
    assert len(cpu) == 1
    probe.page.add_script_tag(url=site_url + cpu[0])
    probe.page.wait_for_function("() => globalThis.tf && tf.ready")
    return probe


RUN_JS = """
async ({ base, folder, backend, digits, talkLatents, symbols, level, vectors }) => {
  const { loadCodecs } = await import(base + "js/aec/loader.js");
  const { toFloat } = await import(base + "js/aec/pixels.js");
  const { decodeStream } = await import(base + "js/aec/format.js");
  await tf.setBackend(backend);
  await tf.ready();
  const fromB64 = (s) => Uint8Array.from(atob(s), (ch) => ch.charCodeAt(0));
  const f32 = (s) => { const u = fromB64(s); return new Float32Array(u.buffer); };
  const toB64 = (f) => {
    const u = new Uint8Array(f.buffer, f.byteOffset, f.byteLength);
    let s = "";
    for (let i = 0; i < u.length; i += 0x8000) s += String.fromCharCode(...u.subarray(i, i + 0x8000));
    return btoa(s);
  };
  const c = await loadCodecs(base + folder);
  const px = fromB64(digits);
  const n = px.length / (28 * 28);
  const image = { data: toFloat(px), shape: [n, 28, 28, 1] };
  const codec = c.learnedFor(1); // the codec (model ids 1..): the low-rate network comes first in c.learnedCodecs
  const onehot = { data: codec.levelInput(level, n), shape: [n, codec.numLevels] };
  const out = { backend: tf.getBackend() };
  const t0 = performance.now();
  out.talk_encoder = toB64(await c.talk.encoder.run([image]));
  out.talk_decoder = toB64(await c.talk.decoder.run([{ data: f32(talkLatents), shape: [n, 4, 4, 8] }]));
  out.codec_encoder = toB64(await codec.encoder.run([image, onehot]));
  out.codec_decoder = toB64(await codec.decoder.run([{ data: f32(symbols), shape: [n, 4, 4, 16] }, onehot]));
  out.networkMs = performance.now() - t0;
  out.maxPixelDiff = 0;
  out.sameIndices = 0;
  out.sameBytes = 0;
  for (const v of vectors) {
    const bytes = Uint8Array.from(v.hex.match(/../g), (h) => parseInt(h, 16));
    const { modelId, images } = await c.decompressFile(bytes);
    const want = fromB64(v.pixels);
    if (modelId !== v.model_id) throw new Error(`model ${modelId} != ${v.model_id}`);
    for (let i = 0; i < want.length; i++) out.maxPixelDiff = Math.max(out.maxPixelDiff, Math.abs(images[i] - want[i]));
    if (Array.from(decodeStream(bytes, c.tables, { prior: c.prior }).rows).join() === v.indices.join()) out.sameIndices++;
    const [again] = await c.compressDigits(fromB64(v.digit), v.model_id);
    if (Array.from(again, (b) => b.toString(16).padStart(2, "0")).join("") === v.hex) out.sameBytes++;
  }
  c.dispose();
  return out;
}
"""


def references(models_dir: Path, site_models: Path, images: np.ndarray) -> dict:
    """Inputs for the page and, per network, (graph-model output, Keras output)."""
    import keras

    import training.codec_model  # noqa: F401
    from converter.convert import GraphRunner
    from aec.codec import level_input
    from training.networks import keras_codec, keras_talk
    from aec.pixels import to_float
    from training.talk_model import LATENT_SHAPE, dequantise_latents

    manifest = json.loads((site_models / "manifest.json").read_text())
    talk = keras_talk(models_dir / "talk")
    learned = keras_codec(models_dir / "codec")
    x = to_float(images)
    onehot = level_input(LEVEL, manifest["codec"]["levels"], len(images))
    latents = dequantise_latents(talk.encode_rows(images).reshape((-1, *LATENT_SHAPE)), talk.latent_scale)
    symbols = learned.encode_symbols(images, LEVEL).astype(np.float32).reshape((-1, 4, 4, 16))
    feeds = {"talk_encoder": [x], "talk_decoder": [latents], "codec_encoder": [x, onehot],
             "codec_decoder": [symbols, onehot]}
    kerases = {"talk_encoder": talk.encoder, "talk_decoder": talk.decoder, "codec_encoder": learned.encoder,
               "codec_decoder": learned.decoder.model}
    refs = {}
    for name, feed in feeds.items():
        net = manifest["networks"][name]
        runner = GraphRunner(site_models / name, net["inputs"])
        refs[name] = (runner.predict(feed).ravel(), kerases[name].predict(feed, verbose=0).ravel(), net["weights"])
        runner.close()
    keras.backend.clear_session()
    return {"talkLatents": b64(latents.astype(np.float32)), "symbols": b64(symbols), "refs": refs}


def check_sha256_of_vectors(entry):
    vectors = json.loads(entry["vectors"].read_text())
    manifest_sha = hashlib.sha256((entry["site_models"] / "manifest.json").read_bytes()).hexdigest()
    assert vectors["manifest_sha256"] == manifest_sha, f"{entry['vectors']} is stale: run make convert"
    manifest = json.loads((entry["site_models"] / "manifest.json").read_text())
    for rel, digest in manifest["source_sha256"].items():
        path = entry["models"] / rel
        assert hashlib.sha256(path.read_bytes()).hexdigest() == digest, f"{path} changed since conversion: run make convert"
    return vectors


@pytest.mark.parametrize("which", ["tiny", "shipped"])
def test_converted_models_match_python_on_webgl_and_cpu(which, model_sets, page_with_tf, site_url):
    entry = model_sets[which]
    vectors = check_sha256_of_vectors(entry)
    x_test, _ = mnist_test()
    images = x_test[:DIGITS]
    ref = references(entry["models"], entry["site_models"], images)
    digits = {d_i: d["pixels"] for d_i, d in enumerate(vectors["digits"])}
    page_vectors = [{**v, "digit": digits[v["digit"]]} for v in vectors["vectors"]]
    args = {"base": site_url, "folder": entry["url"], "digits": b64(images), "talkLatents": ref["talkLatents"],
            "symbols": ref["symbols"], "level": LEVEL, "vectors": page_vectors}
    report = {}
    for backend in ("webgl", "cpu"):
        out = page_with_tf.page.evaluate(RUN_JS, {**args, "backend": backend})
        assert out["backend"] == backend, f"tf.js runs on {out['backend']}, not {backend}"
        tolerance = WEBGL_TOLERANCE if backend == "webgl" else CPU_TOLERANCE
        for name, (graph, keras_out, weights) in ref["refs"].items():
            got = f32(out[name])
            scale = max(1.0, float(np.max(np.abs(graph))))
            vs_graph, vs_keras = max_abs(got, graph), max_abs(got, keras_out)
            report[f"{backend} {name} ({weights})"] = f"vs graph {vs_graph:.2e}, vs Keras {vs_keras:.2e}"
            assert vs_graph <= tolerance * scale, f"{backend} {name}: {vs_graph} vs the converted graph in Python"
            if name.endswith("decoder") and backend == "webgl":
                assert vs_keras <= WEBGL_TOLERANCE, f"{name}: {vs_keras} vs Keras"
        n = len(vectors["vectors"])
        report[f"{backend} vectors"] = (f"max pixel diff {out['maxPixelDiff']}/255, indices {out['sameIndices']}/{n}, "
                                        f"bytes {out['sameBytes']}/{n} identical, networks {out['networkMs']:.0f} ms")
        assert out["sameIndices"] == n
        assert out["maxPixelDiff"] <= (PIXEL_TOLERANCE if backend == "webgl" else 1)
    print(f"\n[{which}] " + "\n  ".join(f"{k}: {v}" for k, v in report.items()))
    page_with_tf.assert_clean()


@pytest.mark.parametrize("tamper", ["manifest", "shard"])
def test_a_file_whose_sha256_differs_from_the_manifest_is_refused(tamper, model_sets, built_site, page_with_tf,
                                                                 site_url):
    folder = built_site / f"models-tampered-{tamper}"
    shutil.copytree(model_sets["tiny"]["site_models"], folder, dirs_exist_ok=True)
    manifest = json.loads((folder / "manifest.json").read_text())
    shard = next(p for p in manifest["files"] if p.startswith("talk_decoder/") and p.endswith(".bin"))  # loaded at once
    if tamper == "manifest":
        manifest["files"][shard]["sha256"] = "0" * 64
        (folder / "manifest.json").write_text(json.dumps(manifest))
    else:
        data = bytearray((folder / shard).read_bytes())
        data[len(data) // 2] ^= 0x01
        (folder / shard).write_bytes(bytes(data))
    message = page_with_tf.page.evaluate(
        """async ({ base, folder }) => {
             const { loadCodecs } = await import(base + "js/aec/loader.js");
             try { await loadCodecs(base + folder); return "loaded"; }
             catch (err) { return `${err.name}: ${err.message}`; }
           }""", {"base": site_url, "folder": folder.name + "/"})
    assert message.startswith("ModelLoadError: ") and shard in message and "sha256 mismatch" in message, message
