"""Keras models (models/talk and the learned folders of aec.levels.LEARNED_FOLDERS)
-> TF.js graph models in site/models/.

Route: Keras model -> ``model.export()`` (a TF SavedModel; needs the TensorFlow
backend) -> ``tensorflowjs.converters.convert_tf_saved_model`` -> a graph model
(model.json + weight shards) that the browser loads with ``tf.loadGraphModel``.
Why not the layers format: a Keras 3 model written by
``tensorflowjs.converters.save_keras_model`` does not load in tfjs-layers 4.22
("An InputLayer should be passed either a batchInputShape or an inputShape",
tensorflow/tfjs#8328), and our custom layers (GDN, LevelGain) would need JS
re-implementations there anyway. The graph route needs neither: the graph is
plain TF ops, and it matched Keras to ~1e-6 on the CPU.

Weight quantisation (tfjs stores float16, or uint8 with a per-tensor affine
scale; "float16-kernels" is float16 for the big tensors only, KERNEL_MIN_VALUES)
is chosen per network by measurement, never by hope: every candidate is
converted, loaded back into TensorFlow in Python (:class:`GraphRunner`: the
converted graph with its dequantised weights, i.e. what the browser runs) and
run through the real codec on the first ``eval_digits`` MNIST test digits.

* An encoder keeps a candidate only if no digit's symbols change
  (``changed_digits == 0``): the browser must write the very bytes the Python
  codec writes, and a float16 encoder moves some latents across a rounding
  boundary (reported as ``changed_digits``).
* A decoder keeps a candidate only if, at every model id, the mean PSNR drops
  by at most ``MAX_PSNR_LOSS_DB`` and no pixel moves by more than
  ``MAX_PIXEL_DIFF`` grey level from the float32 export (the JS twin is checked
  against Python's pixels to 1/255).
* The smallest candidate kept wins; float32 is always a candidate.

The networks the demo's first view loads (EAGER_PARTS: the talk's and the default
level's, aec/levels.py) must fit ``budget_bytes`` together (default BUDGET_BYTES); every
other learned folder is "lazy": the page loads its networks when a user first picks one of
its levels, and they must fit LAZY_BUDGET_BYTES (600 kB). Otherwise the
conversion fails and site/models is left as it was.

Everything is staged in a hidden folder beside ``out`` (``.models.staging``,
which mkdocs ignores) and swapped in with two renames; :func:`recover` finishes
or rolls back a swap that an interruption cut in half, so the site never sees
half a model.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

# tensorflowjs imports tensorflow_decision_forests, whose welcome message does
# `import IPython` when stdout is not a terminal (pytest, make): not installed.
os.environ.setdefault("TFDF_DISABLE_WELCOME_MESSAGE", "1")

import keras  # noqa: E402
import numpy as np  # noqa: E402

import training.layers  # noqa: E402,F401  (registers GDN / LevelGain / gelu_tanh so the models load)
from aec.codec import LearnedCodec, TalkCodec  # noqa: E402
from aec import levels  # noqa: E402
from aec import search  # noqa: E402
from aec.codec import CURVATURE_FILE, PRIOR_FILE, model_ids_of, read_config  # noqa: E402
from aec.pixels import TALK_LATENT_BITS, to_float  # noqa: E402
from aec.tables import CodingTables, TableSet  # noqa: E402
from converter.graph import (DTYPES, OUTPUT_KEY, ConversionError, GraphRunner, compact_model_json,  # noqa: E402
                             convert_saved_model, export_saved_model, folder_bytes)
from training.talk_model import LATENT_SHAPE, LATENT_SIZE, dequantise_latents  # noqa: E402

PRIOR_NAME = PRIOR_FILE  # the file name the aec package reads, in tables/
MANIFEST_VERSION = 3  # of manifest.json (2: tables in their own files; 3: several learned models, some lazy)
MAX_PSNR_LOSS_DB = 0.01
MAX_PIXEL_DIFF = 1
# Loaded with the page: the talk's network and the default level's, where the demo starts;
# the other learned folders on first use. 600 kB since the default moved to the mid-rate
# network (issue 23): 592 kB with the talk's, where the codec's were 489 kB; its tables are
# 56 kB smaller than the codec's level 3's (the first view, measured: notes/first-answer.md).
BUDGET_BYTES = 600_000
EAGER_PARTS = (levels.TALK, levels.level(levels.DEFAULT_QUALITY).folder)
LAZY_BUDGET_BYTES = 600_000  # the networks of one lazily loaded model (the owner's decision, issue 14)
EXPORT_TOLERANCE = 1e-4  # float32 export vs Keras; more means the conversion is broken
SAMPLES_PER_CLASS = 2
TALK_LABEL = "The talk's network (8-bit latents)"

SOURCE_FILES = ("encoder.keras", "decoder.keras", "codec.json")  # of each model folder


def sha256_file(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


# ---------------------------------------------------------------------------
# measuring the candidates
# ---------------------------------------------------------------------------

def measure(make_codec, model_ids, images, encoders: dict, decoders: dict) -> dict:
    """PSNR of every (network, dtype) candidate through the real codec.

    ``make_codec(encoder, decoder)`` builds a codec object with
    ``encode_rows(images, model_id)`` / ``decode_rows(rows, model_id)``;
    encoders/decoders map dtype -> model with ``predict``. The other network stays
    float32 while one is measured. Returns {"encoder": {dtype: {id: row}}, "decoder": ...}.
    """
    from training.metrics import mean_psnr

    ref = make_codec(encoders["float32"], decoders["float32"])
    ref_idx = {m: ref.encode_rows(images, m) for m in model_ids}
    ref_pix = {m: ref.decode_rows(ref_idx[m], m) for m in model_ids}
    out = {"encoder": {}, "decoder": {}}
    for dtype in DTYPES:
        enc_rows, dec_rows = {}, {}
        for m in model_ids:
            if dtype == "float32":
                psnr = mean_psnr(images, ref_pix[m])
                enc_rows[m] = {"psnr": psnr, "changed_digits": 0.0}
                dec_rows[m] = {"psnr": psnr, "max_pixel_diff": 0}
                continue
            c = make_codec(encoders[dtype], decoders["float32"])
            idx = c.encode_rows(images, m)
            enc_rows[m] = {"psnr": mean_psnr(images, c.decode_rows(idx, m)),
                           "changed_digits": float(np.mean(np.any(idx != ref_idx[m], axis=1)))}
            pix = make_codec(encoders["float32"], decoders[dtype]).decode_rows(ref_idx[m], m)
            dec_rows[m] = {"psnr": mean_psnr(images, pix),
                           "max_pixel_diff": int(np.max(np.abs(pix.astype(int) - ref_pix[m].astype(int))))}
        out["encoder"][dtype], out["decoder"][dtype] = enc_rows, dec_rows
    return out


def harmless(role: str, rows: dict, ref_rows: dict) -> bool:
    """The quantisation rule of the module docstring, for one candidate."""
    if role == "encoder":
        return all(r["changed_digits"] == 0 for r in rows.values())
    return all(ref_rows[m]["psnr"] - r["psnr"] <= MAX_PSNR_LOSS_DB and r["max_pixel_diff"] <= MAX_PIXEL_DIFF
               for m, r in rows.items())


# ---------------------------------------------------------------------------
# staging and the atomic swap
# ---------------------------------------------------------------------------

def _aside(out: Path, what: str) -> Path:
    # Hidden (leading dot): mkdocs does not publish it, and a glob of site/ skips it.
    return out.with_name(f".{out.name}.{what}")


def recover(out) -> None:
    """Finish or roll back a swap that an interruption cut in half."""
    out = Path(out)
    old, staging = _aside(out, "old"), _aside(out, "staging")
    if old.exists():
        if out.exists():
            shutil.rmtree(old)
        else:
            os.replace(old, out)
    if staging.exists():
        shutil.rmtree(staging)


def swap_in(staging: Path, out: Path) -> None:
    old = _aside(out, "old")
    if out.exists():
        os.replace(out, old)
    os.replace(staging, out)
    if old.exists():
        shutil.rmtree(old)


# ---------------------------------------------------------------------------
# the whole conversion
# ---------------------------------------------------------------------------

def pick_samples(labels, per_class=SAMPLES_PER_CLASS) -> list:
    """The first ``per_class`` test digits of each class, in test-set order."""
    chosen = []
    for label in range(10):
        chosen += [int(i) for i in np.flatnonzero(np.asarray(labels) == label)[:per_class]]
    return sorted(chosen)


def samples_json(images, labels, indices) -> dict:
    return {
        "source": "MNIST test set (t10k), the first two digits of each class",
        "format": "pixels: base64 of 784 bytes, row-major, 0 = black background, 255 = ink",
        "digits": [{"index": int(i), "label": int(labels[i]),
                    "pixels": base64.b64encode(np.asarray(images[i], np.uint8).tobytes()).decode()}
                   for i in indices],
    }


def json_bytes(obj) -> bytes:
    """Compact JSON (the browser downloads it; ``python -m json.tool`` shows it)."""
    return (json.dumps(obj, sort_keys=True, separators=(",", ":")) + "\n").encode()


def convert(models_dir="models", out="site/models", *, test_images, test_labels, eval_digits=10000,
            budget_bytes=BUDGET_BYTES, runtime_dir=None, log=print) -> dict:
    """Convert every model in ``models_dir`` into ``out`` (atomically); returns the manifest.

    ``test_images`` (N,28,28) uint8 / ``test_labels``: the MNIST test set (the
    first ``eval_digits`` measure the quantisation; the samples come from it too).
    ``runtime_dir``: the runtime export (aec/models). Its version-4 head table is copied to
    ``tables/`` and named in the manifest's ``model_prior``, and its search curvature
    (``<part>/curvature.npz``) written per model id for the browser's search, when they exist.
    """
    models_dir, out = Path(models_dir), Path(out)
    parts = [name for name in levels.FIRST_MODEL_ID if (models_dir / name / "encoder.keras").is_file()]
    if not parts:
        raise ConversionError(f"{models_dir}: no trained models (talk/, {'/, '.join(levels.LEARNED_FOLDERS)}/); "
                              "run `make train` first")
    images = np.asarray(test_images[:eval_digits], np.uint8)
    recover(out)
    staging = _aside(out, "staging")
    staging.mkdir(parents=True)
    try:
        manifest = {
            "format_version": MANIFEST_VERSION,
            "generated_by": "python -m converter",
            "models": [], "tables": {}, "networks": {}, "files": {}, "source_sha256": {},
            "default_model_id": levels.DEFAULT_MODEL_ID,  # the demo starts where `aec compress` does
            "scale": [lv.model_id for lv in levels.LEVELS],  # quality 1..N (aec/levels.py; levels.js reads it)
            "quantisation_rule": {"eval_digits": int(len(images)), "max_psnr_loss_db": MAX_PSNR_LOSS_DB,
                                  "max_pixel_diff": MAX_PIXEL_DIFF,
                                  "encoder": "no digit's symbols may change"},
        }
        for part in parts:  # before reading anything: checked again before the swap
            for name in SOURCE_FILES:
                manifest["source_sha256"][f"{part}/{name}"] = sha256_file(models_dir / part / name)
        with tempfile.TemporaryDirectory(prefix="converter-") as tmp:
            for part in parts:
                _convert_part(part, models_dir / part, staging, Path(tmp), images, manifest, log)
        prior_file = runtime_dir and Path(runtime_dir, PRIOR_FILE)
        if prior_file and prior_file.is_file():  # the same table the aec package codes with
            (staging / "tables").mkdir(exist_ok=True)
            shutil.copyfile(prior_file, staging / "tables" / PRIOR_NAME)
            manifest["model_prior"] = f"tables/{PRIOR_NAME}"
        if runtime_dir:
            write_search(Path(runtime_dir), staging, manifest)
        samples = pick_samples(test_labels)
        (staging / "samples.json").write_bytes(json_bytes(samples_json(test_images, test_labels, samples)))
        manifest["samples"] = "samples.json"
        manifest["sample_indices"] = samples
        for path in sorted(p for p in staging.rglob("*") if p.is_file()):
            rel = path.relative_to(staging).as_posix()
            manifest["files"][rel] = {"sha256": sha256_file(path), "bytes": path.stat().st_size}
        eager = {f"{part}_{role}" for part in EAGER_PARTS for role in ("encoder", "decoder")}
        manifest["network_bytes"] = sum(s["bytes"] for n, s in manifest["networks"].items() if n in eager)
        number_levels(manifest["models"])
        # Training swaps model folders in whole; one swapped in while we read would
        # pair new networks with old tables, so the sources must not have changed.
        for rel, digest in manifest["source_sha256"].items():
            if sha256_file(models_dir / rel) != digest:
                raise ConversionError(f"{models_dir / rel} changed during the conversion (training still "
                                      "running?); site/models was not changed: run the conversion again")
        if budget_bytes and manifest["network_bytes"] > budget_bytes:
            sizes = ", ".join(f"{n} {s['bytes']}" for n, s in manifest["networks"].items() if n in eager)
            raise ConversionError(f"the networks take {manifest['network_bytes']} bytes, over the budget "
                                  f"of {budget_bytes} ({sizes}); site/models was not changed")
        for part in parts:
            lazy = manifest.get(part, {}).get("lazy_bytes", 0)
            if lazy > LAZY_BUDGET_BYTES:
                raise ConversionError(f"{part}: its networks take {lazy} bytes, over the {LAZY_BUDGET_BYTES} a "
                                      "model loaded on first use may have; site/models was not changed")
        (staging / "manifest.json").write_bytes(json_bytes(manifest))
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    swap_in(staging, out)
    return manifest


def number_levels(models) -> None:
    """Sort the manifest's models as the page lists them: the talk's network, then the
    quality scale's levels (aec/levels.py), each numbered (``level``) and labelled by its
    quality level; levels off the scale last, unnumbered (their files still decode)."""
    off = len(levels.LEVELS) + 1
    models.sort(key=lambda m: (m["network"] != "talk", levels.quality_of(m["id"]) or off, m["id"]))
    for m in models:
        q = levels.quality_of(m["id"]) if m["network"] != "talk" else None
        if q is not None:
            m["level"], m["label"] = q, f"Level {q}"


def _metrics(folder: Path) -> dict:
    path = folder / "metrics.json"
    return json.loads(path.read_text()) if path.is_file() else {}


def _codec_for(part: str, config: dict):
    """-> (model ids, tables by id, make(encoder, decoder) -> codec, network inputs(codec, images, id))."""
    if part == "talk":
        scale = float(config["latent_scale"])

        def inputs(codec, images, m):
            q = codec.encode_rows(images, m).reshape((-1, *LATENT_SHAPE))
            return [to_float(images)], [dequantise_latents(q, scale)]

        return [0], {0: CodingTables.uniform(LATENT_SIZE, TALK_LATENT_BITS)}, lambda e, d: TalkCodec(e, d, scale, LATENT_SHAPE), inputs
    # by file model id: level k of codec.json's tables is model id first_model_id + k - 1
    first = config.get("first_model_id", 1)
    tables = {m: TableSet.from_json(config["tables"][str(m - first + 1)]) for m in model_ids_of(config)}
    levels = int(config["levels"])

    def inputs(codec, images, m):
        onehot = codec.level_input(m, len(images))
        symbols = tables[m].symbols(codec.encode_rows(images, m))
        return ([to_float(images), onehot],
                [symbols.astype(np.float32).reshape((-1, *config["latent_shape"])), onehot])

    return sorted(tables), tables, lambda e, d: LearnedCodec(e, d, tables, config["latent_shape"], levels,
                                                             first_model_id=first), inputs


def _convert_part(part, folder, staging, tmp, images, manifest, log) -> None:
    """Convert, measure and stage the encoder and decoder of models/<part>; fill in the manifest."""
    config = read_config(folder)
    model_ids, tables, make, inputs = _codec_for(part, config)
    nets = {role: keras.saving.load_model(folder / f"{role}.keras") for role in ("encoder", "decoder")}
    candidates = {}  # role -> dtype -> (folder, GraphRunner)
    for role, model in nets.items():
        saved = tmp / f"{part}_{role}_saved_model"
        export_saved_model(model, saved)
        candidates[role] = {}
        targets = {dtype: tmp / f"{part}_{role}_{dtype}" for dtype in DTYPES}
        for dtype in DTYPES:  # float32 first: float16-kernels reads its tensors' names
            convert_saved_model(saved, targets[dtype], dtype, float32_export=targets["float32"])
        for dtype, target in targets.items():
            compact_model_json(target)
            candidates[role][dtype] = (target, GraphRunner(target, [t.name for t in model.inputs]))

    # The float32 export must compute what Keras computes (raw outputs, both networks).
    keras_codec = make(nets["encoder"], nets["decoder"])
    export_diff = 0.0
    for m in model_ids:
        for role, x in zip(("encoder", "decoder"), inputs(keras_codec, images[:256], m)):
            got = candidates[role]["float32"][1].predict(x)
            export_diff = max(export_diff, float(np.max(np.abs(got - nets[role].predict(x, verbose=0)))))
    log(f"[{part}] float32 export vs Keras: max abs diff {export_diff:.2e}")
    if export_diff > EXPORT_TOLERANCE:
        raise ConversionError(f"{part}: the float32 graph model differs from Keras by {export_diff:.3g}")

    log(f"[{part}] measuring {len(DTYPES)} weight formats on {len(images)} test digits ...")
    results = measure(make, model_ids, images, {d: r for d, (_, r) in candidates["encoder"].items()},
                      {d: r for d, (_, r) in candidates["decoder"].items()})
    for role in ("encoder", "decoder"):
        name = f"{part}_{role}"
        sizes = {d: folder_bytes(f) for d, (f, _) in candidates[role].items()}
        rows = results[role]
        ok = [d for d in DTYPES if harmless(role, rows[d], rows["float32"])]
        chosen = min(ok, key=lambda d: sizes[d])
        shutil.copytree(candidates[role][chosen][0], staging / name)
        manifest["networks"][name] = {
            "model": f"{name}/model.json",
            "inputs": [t.name for t in nets[role].inputs],  # Keras order; signature keys of model.json
            "output": OUTPUT_KEY,
            "weights": chosen,
            "bytes": sizes[chosen],
            "export_max_abs_diff": export_diff,
            "psnr_before": {str(m): round(rows["float32"][m]["psnr"], 4) for m in model_ids},
            "psnr_after": {str(m): round(rows[chosen][m]["psnr"], 4) for m in model_ids},
            "candidates": {d: {"bytes": sizes[d], "harmless": d in ok,
                               "by_model": {str(m): _round(r) for m, r in rows[d].items()}} for d in DTYPES},
        }
        for m in model_ids:
            log(f"[{name}] model {m}: PSNR float32 {rows['float32'][m]['psnr']:.3f} dB, "
                + ", ".join(f"{d} {rows[d][m]['psnr']:.3f}" for d in DTYPES[1:]))
        log(f"[{name}] weights {chosen}: {sizes[chosen]} bytes ("
            + ", ".join(f"{d} {sizes[d]}" + ("" if d in ok else " rejected") for d in DTYPES) + ")")
    for role in candidates.values():
        for _, runner in role.values():
            runner.close()

    metrics = _metrics(folder)
    if part == "talk":
        manifest["talk"] = {"model_id": 0, "latent_scale": float(config["latent_scale"]),
                            "latent_shape": list(LATENT_SHAPE), "latent_bits": TALK_LATENT_BITS,
                            "encoder": "talk_encoder", "decoder": "talk_decoder"}
        manifest["models"].append({"id": 0, "label": TALK_LABEL, "network": "talk",
                                   "bytes_per_digit": metrics.get("bytes_per_digit"),
                                   "psnr": metrics.get("psnr_8bit_latents")})
    else:
        section = manifest[part] = {"levels": int(config["levels"]), "latent_shape": list(config["latent_shape"]),
                                    "lambdas": config.get("lambdas"), "encoder": f"{part}_encoder",
                                    "decoder": f"{part}_decoder"}
        first = config.get("first_model_id", 1)
        if "first_model_id" in config:  # the browser's default is 1 (loader.js)
            section["first_model_id"] = first
        if part not in EAGER_PARTS:  # loader.js fetches these networks when one of the levels is first used
            section["lazy_bytes"] = sum(manifest["networks"][section[r]]["bytes"] for r in ("encoder", "decoder"))
        by_level = {row.get("level"): row for row in metrics.get("levels", [])}  # network levels, 1-based
        for m in model_ids:
            row = by_level.get(m - first + 1, {})
            manifest["models"].append({"id": m, "network": part,  # label and level: number_levels
                                       "bytes_per_digit": row.get("bytes_per_digit"), "psnr": row.get("psnr")})
    # One file per model: the browser fetches a level's tables (up to a few
    # hundred KB with clusters) only when that level is first used.
    (staging / "tables").mkdir(exist_ok=True)
    for m in model_ids:
        (staging / "tables" / f"{m}.json").write_bytes(json_bytes(tables[m].to_json()))
        manifest["tables"][str(m)] = f"tables/{m}.json"


def write_search(runtime_dir: Path, staging: Path, manifest: dict) -> None:
    """The browser's search (site/js/aec/search.js): aec/search.py's settings in the manifest's
    ``search``, and each learned model's curvature (the runtime export's, measured with the
    LiteRT floats) as ``tables/<id>.curvature.json``, fetched when the search first runs there."""
    curvature = {}
    for part in levels.LEARNED_FOLDERS:
        path = runtime_dir / part / CURVATURE_FILE
        if not path.is_file():
            continue
        with np.load(path) as npz:
            for key in sorted(npz.files, key=int):
                c = np.asarray(npz[key], "<f4")
                rel = f"tables/{int(key)}.curvature.json"
                (staging / rel).write_bytes(json_bytes({"shape": list(c.shape),
                                                        "float32_base64": base64.b64encode(c.tobytes()).decode()}))
                curvature[str(int(key))] = rel
    if curvature:
        manifest["search"] = {"rounds": search.BROWSER_ROUNDS, "candidates": search.BROWSER_CANDIDATES,
                              "lambda_scale": search.LAMBDA_SCALE, "curvature": curvature}


def _round(row: dict) -> dict:
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in row.items()}
