"""Stage 4: evaluation on the full test sets, in real bytes.

Every shipped model (the talk's network and each learned-codec level) and the
classical codecs (JPEG whole file and scan only, WebP, AVIF, PNG) compress
each test digit into its own file; we count those files' bytes and measure
PSNR, SSIM and whether the classifier still recognises the digit. The same is
done on Fashion-MNIST with the MNIST-trained models, to show how much the
result depends on the training data.

Writes into site/results/: results.json, results.md (tables), rd.png (and
rd_fashion.png), plus copies of the training plots the slides show.
"""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

import numpy as np

from aec import atomic, levels
from training import baseline_cache, baselines, bound_report, browser_search, metrics, overhead
from training.report import FAMILY_LABELS, NETWORK_NAMES, answer, compare, write_reports

# The search's batches here: not bound by the command's 1 GB (aec/search.py keeps its
# defaults small for that), and the same files (a digit's search does not depend on
# its batch). Searching 2048 digits peaked at 1.43 GB with these, 0.95 GB with the
# command's 128 / 128, for 4-10% less CPU time (fewer, larger network calls).
SEARCH_BATCH, SEARCH_DECODE_BATCH = 1024, 2048


def _point(files, originals, decoded, judge) -> dict:
    sizes = np.array([len(f) for f in files], np.float64)
    p10, p50, p90 = np.percentile(sizes, [10, 50, 90])
    hist = np.bincount(sizes.astype(int))
    return {"bytes_mean": float(sizes.mean()), "bytes_p10": float(p10), "bytes_p50": float(p50),
            "bytes_p90": float(p90), "bytes_min": int(sizes.min()), "bytes_max": int(sizes.max()),
            "bytes_histogram": {str(i): int(c) for i, c in enumerate(hist) if c},
            "psnr": metrics.mean_psnr(originals, decoded), "ssim": metrics.mean_ssim(originals, decoded),
            **judge(decoded)}


def evaluate_dataset(name, images, labels, codecs, classifier, progress=print, cache_dir=None,
                     classifier_id=None, search=True, workers=None, keep=None) -> dict:
    """Every model and baseline on one test set -> the results.json structure.
    ``cache_dir``: where the classical baselines' per-digit results are kept
    (training/baseline_cache.py), keyed with ``classifier_id`` among others.
    ``workers`` (training/workers.py): the search and the baselines in its processes
    (the same files and numbers, on every core). ``keep``: a dict that gets each learned
    level's files of the first browser_search.DIGITS digits, by (model id, searched)."""
    from aec.search import Search
    from training.classifier import accuracy, predict_digits

    def judge(decoded):
        return {"accuracy": accuracy(classifier, decoded, labels)}

    out = {"dataset": name, "n_images": int(len(images)),
           "accuracy_originals": accuracy(classifier, images, labels), "codecs": {}, "baselines": {}}
    # Learned levels twice, in quality order: with the rate-distortion search (what
    # `compress` writes by default: the headline) and with the one-pass encoder (the browser's).
    # Without ``search``, once: the one-pass encoder's results are the headline.
    ids = [0, *codecs.scale_ids]  # the quality scale (aec/levels.py): a level off it is not offered
    runs = [(m, True) for m in ids] + [(m, False) for m in ids if m] if search else [(m, None) for m in ids]
    out["one_pass"] = {}
    if workers is None:
        searchers = {id(c): Search(c, batch=SEARCH_BATCH, decode_batch=SEARCH_DECODE_BATCH)
                     for c in codecs.learned_codecs}
    else:  # every level's search queued now: the workers go on while the levels before are measured here
        searchers = {id(c): workers.search(c) for c in codecs.learned_codecs}
        workers.prefetch(images, [m for m, searched in runs if searched and m])
    for model_id, search in runs:
        codec = codecs.codec_for(model_id)
        t0 = time.time()
        searched = search and model_id  # None: one pass, reported as the headline
        files = codecs.compress_digits(images, model_id, search=searchers[id(codec)] if searched else False)
        decoded = codec.decompress_digits(files)
        if keep is not None and model_id:
            keep[model_id, bool(searched)] = files[:browser_search.DIGITS]
        key = "talk" if model_id == 0 else f"level{model_id}"  # by file model id: stable when levels are added
        point = {**_label(model_id, search is not False), "model_id": model_id,
                 **_point(files, images, decoded, judge)}
        if model_id:  # what the files spend besides their payload (training/overhead.py)
            point["overhead"] = overhead.measure(codecs, model_id, files)
        (out["codecs"] if search is not False else out["one_pass"])[key] = point
        progress(f"[{name}] {key:7s} {'searched' if searched else 'one-pass':8s} "
                 f"{point['bytes_mean']:7.1f} B  {point['psnr']:6.2f} dB  ssim {point['ssim']:.3f}  "
                 f"acc {point['accuracy']:.4f}  ({time.time() - t0:.0f} s)")
    t0 = time.time()
    curves = baselines.baseline_curves(images, progress=lambda line: progress(f"[{name}] {line}"),
                                       classify=lambda decoded: predict_digits(classifier, decoded)[0],
                                       labels=labels, classifier_id=classifier_id, cache_dir=cache_dir,
                                       workers=workers)
    progress(f"[{name}] classical baselines: {time.time() - t0:.0f} s")
    curves["jpeg_file"] = curves.pop("jpeg")
    out["baselines"] = {family: curves[family] for family in FAMILY_LABELS if family in curves}
    out["comparison"] = compare(out)
    return out


def _label(model_id: int, searched: bool) -> dict:
    """A model id's quality level and label, from the table of levels (aec/levels.py)."""
    if model_id == levels.TALK_MODEL_ID:
        return {"level": None, "label": "The talk's network (8-bit latents)"}
    q = levels.quality_of(model_id)
    folder = levels.LEVELS[q - 1].folder
    return {"level": q, "label": f"Learned codec, level {q}{NETWORK_NAMES.get(folder, '')}"
                                 + ("" if searched else ", one pass")}


def write_measured(result, codecs_dir) -> None:
    """Per quality level, the mean bytes and PSNR measured here, beside the runtime models
    (aec.quality_levels() reports them; measured.json)."""
    from aec.api import MEASURED_FILE

    out = {}
    for key, suffix in (("codecs", ""), ("one_pass", "_one_pass")):
        for point in result.get(key, {}).values():
            if point.get("level"):
                out.setdefault(str(point["model_id"]), {}).update(
                    {f"bytes{suffix}": round(point["bytes_mean"], 3), f"psnr{suffix}": round(point["psnr"], 3)})
    out = {m: {**row, "digits": result["n_images"]} for m, row in out.items()}
    atomic.write_json(Path(codecs_dir) / MEASURED_FILE, out)


def rebuild(results_dir="site/results", models_dir="models", codecs_dir=None) -> dict:
    """The reports again from results.json's measurements (an evaluation takes
    about 16 minutes here): comparison, targets, answer, tables and plots."""
    import json

    result = json.loads((Path(results_dir) / "results.json").read_text())
    for r in [result] + ([result["fashion"]] if result.get("fashion") else []):
        # results.json has its keys sorted: back to the evaluation's order
        for key in ("codecs", "one_pass"):  # levels numbered by today's table; those off its scale left out
            points = {k: {**p, **_label(p["model_id"], key == "codecs")} for k, p in r.get(key, {}).items()
                      if p["model_id"] == levels.TALK_MODEL_ID or levels.quality_of(p["model_id"])}
            r[key] = dict(sorted(points.items(), key=lambda item: item[1].get("level") or 0))
        r["baselines"] = {f: r["baselines"][f] for f in FAMILY_LABELS if f in r["baselines"]}
        r["comparison"] = compare(r)
    result["answer"] = answer(result)
    write_reports(result, results_dir, models_dir)
    if codecs_dir:
        write_measured(result, codecs_dir)
    return result


def main(data_dir=None, models_dir="models", results_dir="site/results", limit=None, fashion=True,
         cache_dir="build/cache/baselines", codecs_dir="aec/models", processes=None, site_models_dir="site/models",
         browser_digits=None):
    """``codecs_dir``: the runtime models the package ships (what users run); ``models_dir``:
    the Keras models (the classifier, the training plots). ``processes``: worker processes
    for the search and the baselines (training/workers.py; default: one per core; 1: none).
    ``site_models_dir``: the TF.js export, whose search the browser runs (training/browser_search.py)."""
    from aec.codec import Codecs
    from training.classifier import load_or_train
    from training.data import load_mnist
    from training.workers import Workers, default_processes

    models_dir, results_dir = Path(models_dir), Path(results_dir)
    codecs = Codecs.load(codecs_dir)
    # Not committed (5.6 MB): trained here, about 4 minutes on 2 CPU cores, if missing.
    classifier_path = models_dir / "classifier" / "classifier.keras"
    classifier = load_or_train(classifier_path, data_dir=data_dir, epochs=4)
    classifier_id = baseline_cache.file_sha256(classifier_path)
    _, (x_test, y_test) = load_mnist(data_dir)
    if limit:
        x_test, y_test = x_test[:limit], y_test[:limit]
    t0 = time.time()
    processes = processes or default_processes()
    with contextlib.ExitStack() as stack:
        workers = None if processes == 1 else stack.enter_context(
            Workers(codecs_dir, processes, {"batch": SEARCH_BATCH, "decode_batch": SEARCH_DECODE_BATCH}))
        keep = {}
        result, fashion_result = _evaluate(codecs, classifier, classifier_id, x_test, y_test, limit, fashion,
                                           cache_dir, workers, keep)
    n = min(browser_search.DIGITS if browser_digits is None else browser_digits, len(x_test))
    if n:
        result["browser_search"] = browser_search.measure(
            codecs, x_test[:n], {m: f[:n] for (m, s), f in keep.items() if s},
            {m: f[:n] for (m, s), f in keep.items() if not s}, metrics.mean_psnr, site_models_dir, processes)
    if bound_report.kept(results_dir):  # the bound command's numbers: an evaluation does not measure them
        result["bound"] = bound_report.kept(results_dir)
        result["comparison"] = compare(result)
    write_reports(result, results_dir, models_dir)
    if not limit:  # the package's numbers are the full test set's
        write_measured(result, codecs_dir)
    print(f"evaluation took {time.time() - t0:.0f} s; wrote {results_dir}/results.json, results.md, rd.png")
    return result


def _evaluate(codecs, classifier, classifier_id, x_test, y_test, limit, fashion, cache_dir, workers, keep):
    """MNIST, then Fashion-MNIST if asked for and installed: (result, fashion's or None)."""
    from training.data import DataError, load_fashion_mnist

    t0 = time.time()
    result = evaluate_dataset("mnist", x_test, y_test, codecs, classifier, cache_dir=cache_dir,
                              classifier_id=classifier_id, workers=workers, keep=keep)
    result["answer"] = answer(result)
    result["seconds"] = round(time.time() - t0, 1)
    fashion_result = None
    if fashion:
        try:
            _, (f_test, f_labels) = load_fashion_mnist()
        except DataError as e:
            print(f"skipping Fashion-MNIST: {e} (apt-get install dataset-fashion-mnist)")
        else:
            if limit:
                f_test, f_labels = f_test[:limit], f_labels[:limit]
            # The classifier knows digits, not clothes: its "accuracy" there means nothing.
            # One pass only: the search's gain is MNIST's to show, and searching clothes
            # too took half of the evaluation's time.
            fashion_result = evaluate_dataset("fashion-mnist", f_test, f_labels, codecs, classifier,
                                              cache_dir=cache_dir, classifier_id=classifier_id, search=False,
                                              workers=workers)
            result["fashion"] = fashion_result
    return result, fashion_result
