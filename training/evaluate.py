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
import shutil
import time
from pathlib import Path

import numpy as np

from aec import atomic, levels
from training import baseline_cache, baselines, bound_report, browser_search, metrics, overhead

# Issue 14's targets, checked and reported with every evaluation: at most N bytes at >= dB,
# for `aec compress` (the search: results' "codecs") and for the browser (the one-pass encoder).
RATE_TARGETS = {"codecs": [(10, 24.0), (20, 27.0), (32, 30.0)], "one_pass": [(10, 23.0), (20, 26.0), (32, 29.0)]}
ENCODER_NAMES = {"codecs": "the command (searched)", "one_pass": "the browser (one pass)"}
NETWORK_NAMES = {"lowrate": " (low-rate network)"}  # in the labels, after the level
MIN_GAIN_WEBP, MIN_GAIN_JPEG_SCAN, MIN_ACCURACY_LOWEST = 2.5, 2.0, 0.97
MAX_BROWSER_GAP_DB = 1.0
# The search's batches here: not bound by the command's 1 GB (aec/search.py keeps its
# defaults small for that), and the same files (a digit's search does not depend on
# its batch). Searching 2048 digits peaked at 1.43 GB with these, 0.95 GB with the
# command's 128 / 128, for 4-10% less CPU time (fewer, larger network calls).
SEARCH_BATCH, SEARCH_DECODE_BATCH = 1024, 2048
FAMILY_LABELS = {"jpeg_file": "JPEG (whole file)", "jpeg_scan": "JPEG (scan only, headers stripped)",
                 "webp": "WebP", "avif": "AVIF", "png": "PNG (lossless)"}


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


def compare(result) -> dict:
    """Per level: what WebP and JPEG's bare scan need for the same PSNR, and the targets."""
    rows, base = [], result["baselines"]
    for key, c in result["codecs"].items():
        webp = baselines.interpolate_bytes_at_psnr(base["webp"], c["psnr"]) if "webp" in base else None
        jpeg = baselines.interpolate_bytes_at_psnr(base["jpeg_scan"], c["psnr"])
        rows.append({"codec": key, "bytes": c["bytes_mean"], "psnr": c["psnr"],
                     "webp_bytes": webp, "jpeg_scan_bytes": jpeg,
                     "gain_vs_webp": webp / c["bytes_mean"] if webp else None,
                     "gain_vs_jpeg_scan": jpeg / c["bytes_mean"] if jpeg else None})
    levels = [r for r in rows if r["codec"] != "talk"]
    targets = []
    for encoder, points in (("codecs", levels), ("one_pass", [
            {"codec": k, "bytes": c["bytes_mean"], "psnr": c["psnr"]} for k, c in result.get("one_pass", {}).items()])):
        if points:
            targets += [{**t, "encoder": encoder} for t in _rate_targets(points, RATE_TARGETS[encoder],
                                                                         ENCODER_NAMES[encoder])]
    one_pass = list(result.get("one_pass", {}).values())
    if levels and one_pass:
        gap = browser_gap(result)
        targets.append({"target": f"the browser within {MAX_BROWSER_GAP_DB:g} dB of the command at the same bytes",
                        "met": gap is not None and gap <= MAX_BROWSER_GAP_DB, "value": gap,
                        "note": None if gap is None else f"the widest gap: {gap:.2f} dB"})
    gains_ok = all((r["gain_vs_webp"] or 0) >= MIN_GAIN_WEBP and (r["gain_vs_jpeg_scan"] or 0) >= MIN_GAIN_JPEG_SCAN
                   for r in levels)
    targets.append({"target": f">= {MIN_GAIN_WEBP}x fewer bytes than WebP and >= {MIN_GAIN_JPEG_SCAN}x fewer than "
                              "JPEG's bare scan at the same PSNR, at every level", "met": bool(levels) and gains_ok})
    if levels:
        lowest = result["codecs"][levels[0]["codec"]]
        targets.append({"target": f"lowest level classifier accuracy >= {MIN_ACCURACY_LOWEST:.0%}",
                        "met": lowest["accuracy"] >= MIN_ACCURACY_LOWEST, "value": lowest["accuracy"],
                        "note": f"{lowest['label']}: {lowest['accuracy']:.2%}"})
    out = {"rows": rows, "targets": targets}
    if result.get("bound"):  # the estimated limit (training/bound_report.py)
        out["bound"] = {"gaps": bound_report.gaps(result), "quote": bound_report.quote(result)}
    return out


def browser_gap(result):
    """The most dB a one-pass level lies below the searched levels' curve (linear in bytes
    between them) at its own bytes; levels outside the searched range are not compared."""
    curve = sorted((c["bytes_mean"], c["psnr"]) for k, c in result["codecs"].items() if k != "talk")
    xs, ys = [b for b, _ in curve], [p for _, p in curve]
    gaps = [float(np.interp(c["bytes_mean"], xs, ys)) - c["psnr"] for c in result["one_pass"].values()
            if xs[0] <= c["bytes_mean"] <= xs[-1]]
    return max(gaps, default=None)


def _rate_targets(levels, targets, encoder) -> list:
    """Each (max bytes, min dB) target: met by which levels, and how near a miss came."""
    out = []
    for max_bytes, min_psnr in targets:
        hit = [r for r in levels if r["bytes"] <= max_bytes and r["psnr"] >= min_psnr]
        small = [r for r in levels if r["bytes"] <= max_bytes]
        good = [r for r in levels if r["psnr"] >= min_psnr]
        out.append({"target": f"<= {max_bytes} B at >= {min_psnr:g} dB, {encoder}", "met": bool(hit),
                    "by": [r["codec"] for r in hit],
                    # how far a miss is, both ways: the best PSNR within the bytes, the fewest bytes at the PSNR
                    "best_psnr_within": max(small, key=lambda r: r["psnr"], default=None),
                    "fewest_bytes_at": min(good, key=lambda r: r["bytes"], default=None)})
    return out


def answer(result) -> dict:
    """The talk's question, answered from the numbers."""
    rows = [r for r in result["comparison"]["rows"] if r["codec"] != "talk"]
    best = max((r for r in rows if r["gain_vs_jpeg_scan"]), key=lambda r: r["gain_vs_jpeg_scan"], default=None)
    talk = result["codecs"].get("talk")
    jpeg_file = result["baselines"]["jpeg_file"][0]
    beats = bool(rows) and all((r["gain_vs_jpeg_scan"] or 0) > 1 for r in rows)
    if not best:
        return {"beats_jpeg": False, "nl": "Nog geen geleerde codec gemeten.", "en": "No learned codec measured yet."}
    return {
        "beats_jpeg": beats,
        "best_gain_vs_jpeg_scan": best["gain_vs_jpeg_scan"],
        "nl": (f"Ja. Gemeten in echte bytes op {result['n_images']} testcijfers: de geleerde codec heeft "
               f"{best['bytes']:.0f} bytes nodig waar jpeg zonder headers er {best['jpeg_scan_bytes']:.0f} nodig heeft "
               f"voor dezelfde PSNR ({best['psnr']:.1f} dB), en een echt jpeg-bestand is minstens "
               f"{jpeg_file['bytes_mean']:.0f} bytes. Het netwerk uit de talk gebruikt "
               f"{talk['bytes_mean']:.0f} bytes." if beats else "Nee, niet op elk niveau."),
        "en": (f"Yes. Measured in real bytes on {result['n_images']} test digits: the learned codec needs "
               f"{best['bytes']:.0f} bytes where JPEG without headers needs {best['jpeg_scan_bytes']:.0f} for the same "
               f"PSNR ({best['psnr']:.1f} dB), and a real JPEG file is at least {jpeg_file['bytes_mean']:.0f} bytes. "
               f"The talk's network uses {talk['bytes_mean']:.0f} bytes." if beats else "No, not at every level."),
    }


def plot_rd(result, path, title) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    fig, ax = plt.subplots(figsize=(7.5, 4.8), dpi=110)
    styles = {"jpeg_file": "s--", "jpeg_scan": "s-", "webp": "^-", "avif": "v-", "png": "D"}
    colours = dict(zip(FAMILY_LABELS, ["tab:blue", "tab:orange", "tab:green", "tab:purple", "0.6"]))
    for family in (f for f in FAMILY_LABELS if f in result["baselines"]):  # same colours in every plot
        curve = result["baselines"][family]
        pts = [p for p in curve if p["psnr"] < 60]
        if family == "png":
            ax.axvline(curve[0]["bytes_mean"], color=colours[family], ls=":", label="PNG (lossless)")
            continue
        ax.plot([p["bytes_mean"] for p in pts], [p["psnr"] for p in pts], styles[family], ms=4,
                color=colours[family], label=FAMILY_LABELS[family])
    levels = [c for k, c in result["codecs"].items() if k != "talk"]
    ax.plot([c["bytes_mean"] for c in levels], [c["psnr"] for c in levels], "o-", lw=2.5, color="crimson",
            label="learned codec (levels, searched)")
    one_pass = list(result.get("one_pass", {}).values())
    if one_pass:
        ax.plot([c["bytes_mean"] for c in one_pass], [c["psnr"] for c in one_pass], "o--", lw=1.2, ms=3,
                color="crimson", alpha=0.6, label="learned codec, one-pass encoder (browser)")
    bound_report.draw(ax, result)
    talk = result["codecs"]["talk"]
    ax.plot([talk["bytes_mean"]], [talk["psnr"]], "*", ms=14, color="black", label="the talk's network")
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(matplotlib.ticker.ScalarFormatter())
    ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax.set_xticks([10, 20, 50, 100, 200, 500])
    ax.set_xlabel("bytes per digit (real files, log scale)")
    ax.set_ylabel("PSNR (dB)")
    ax.set_ylim(bottom=max(10, min(c["psnr"] for c in result["codecs"].values()) - 2), top=42)
    ax.grid(alpha=0.3, which="both")
    ax.set_title(title)
    ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    with atomic.atomic_path(path) as tmp:
        fig.savefig(tmp, format="png")
    plt.close(fig)


def _fmt(v, digits=1):
    return "–" if v is None else f"{v:.{digits}f}"


# A table's secondary columns (counted from 1), which the site folds away on a
# narrow screen (theme/page_html.py); md_in_html reads the table inside the div.
def fold_start(*columns: int) -> list[str]:
    return [f'<div class="fold-columns" data-fold="{" ".join(map(str, columns))}" markdown>', ""]


FOLD_END = ["", "</div>"]


def markdown(result, fashion=None) -> str:
    lines = [f"Measured on the {result['n_images']:,} {result['dataset'].upper()} test digits; every digit is "
             "its own file. PSNR and SSIM are means over digits (8-bit pixels); accuracy is the share of "
             f"reconstructions the classifier still recognises (originals: {result['accuracy_originals']:.2%}).", "",
             *fold_start(3, 5, 6),
             "| codec | bytes (mean) | p10 / p50 / p90 | PSNR (dB) | SSIM | accuracy | WebP at same PSNR | "
             "JPEG scan at same PSNR |", "|---|---|---|---|---|---|---|---|"]
    comp = {r["codec"]: r for r in result["comparison"]["rows"]}
    for key, c in result["codecs"].items():
        r = comp[key]
        lines.append(f"| {c['label']} | {c['bytes_mean']:.1f} | {c['bytes_p10']:.0f} / {c['bytes_p50']:.0f} / "
                     f"{c['bytes_p90']:.0f} | {c['psnr']:.2f} | {c['ssim']:.3f} | {c['accuracy']:.2%} | "
                     f"{_fmt(r['webp_bytes'])} B ({_fmt(r['gain_vs_webp'])}×) | "
                     f"{_fmt(r['jpeg_scan_bytes'])} B ({_fmt(r['gain_vs_jpeg_scan'])}×) |")
    lines += FOLD_END
    if result.get("one_pass"):
        lines += ["", "The learned codec's levels above come from `compress`'s rate-distortion search "
                  "(aec/search.py). The one-pass encoder (plain rounding, what the browser demo runs) "
                  "writes files in the same format:", "", *fold_start(4, 5),
                  "| codec | bytes (mean) | PSNR (dB) | SSIM | accuracy |", "|---|---|---|---|---|"]
        for c in result["one_pass"].values():
            lines.append(f"| {c['label']} | {c['bytes_mean']:.1f} | {c['psnr']:.2f} | {c['ssim']:.3f} | "
                         f"{c['accuracy']:.2%} |")
        lines += FOLD_END
    lines += overhead.section(result)
    lines += ["", "Classical codecs (Pillow):", "", *fold_start(5, 6),
              "| codec | quality | bytes (mean) | PSNR (dB) | SSIM | accuracy |", "|---|---|---|---|---|---|"]
    for family, curve in result["baselines"].items():
        for p in curve:
            lines.append(f"| {FAMILY_LABELS[family]} | {p['quality'] if p['quality'] is not None else '–'} | "
                         f"{p['bytes_mean']:.1f} | {p['psnr']:.2f} | {p['ssim']:.3f} | {p['accuracy']:.2%} |")
    lines += FOLD_END
    lines += ["", "Targets:", ""]
    for t in result["comparison"]["targets"]:
        line = f"- **{'Met' if t['met'] else 'Missed'}:** {t['target']}"
        if t.get("note"):
            line += f" ({t['note']})"
        if not t["met"] and "best_psnr_within" in t:
            labels = {k: c["label"] for k, c in result[t["encoder"]].items()}
            near = [f"within the bytes, {labels.get(r['codec'], r['codec'])} reaches {r['psnr']:.4f} dB "
                    f"({r['bytes']:.2f} B)" for r in [t["best_psnr_within"]] if r]
            near += [f"at the PSNR, {labels.get(r['codec'], r['codec'])} needs {r['bytes']:.2f} B ({r['psnr']:.2f} dB)"
                     for r in [t["fewest_bytes_at"]] if r]
            line += f" ({'; '.join(near) or 'no level comes near'})"
        lines.append(line)
    lines += bound_report.markdown(result)
    if fashion:
        lines += ["", "### Fashion-MNIST, with the MNIST-trained models", "",
                  "The models never saw clothes: this shows how much the result depends on the training data. "
                  "The learned levels here are the one-pass encoder's (the browser's): the search would double "
                  "the evaluation's time for a gain MNIST already shows.", "",
                  *fold_start(4),
                  "| codec | bytes (mean) | PSNR (dB) | SSIM | WebP at same PSNR | JPEG scan at same PSNR |",
                  "|---|---|---|---|---|---|"]
        fcomp = {r["codec"]: r for r in fashion["comparison"]["rows"]}
        for key, c in fashion["codecs"].items():
            r = fcomp[key]
            lines.append(f"| {c['label']} | {c['bytes_mean']:.1f} | {c['psnr']:.2f} | {c['ssim']:.3f} | "
                         f"{_fmt(r['webp_bytes'])} B | {_fmt(r['jpeg_scan_bytes'])} B |")
        lines += FOLD_END
        # results.md is included into site/results.md, so paths are relative to site/.
        lines += ["", "![Rate–distortion on Fashion-MNIST](results/rd_fashion.png)"]
    return "\n".join(lines) + "\n"


def copy_figure(src: Path, dst: Path) -> None:
    """A training figure for the site: the same pixels, as 8-bit grey when it has no
    colour (the digit grids: half the bytes of matplotlib's RGBA), else as it is."""
    from PIL import Image

    with Image.open(src) as im:
        rgba = np.asarray(im.convert("RGBA"))
        grey = bool((rgba[..., 0] == rgba[..., 1]).all() and (rgba[..., 1] == rgba[..., 2]).all()
                    and (rgba[..., 3] == 255).all())
    with atomic.atomic_path(dst) as tmp:
        if grey:
            Image.fromarray(rgba[..., 0], mode="L").save(tmp, format="PNG", optimize=True)
        else:
            shutil.copyfile(src, tmp)


def write_reports(result, results_dir, models_dir="models") -> None:
    """results.json, results.md, the plots and the training plots' copies."""
    results_dir, models_dir = Path(results_dir), Path(models_dir)
    fashion_result = result.get("fashion")
    results_dir.mkdir(parents=True, exist_ok=True)
    plot_rd(result, results_dir / "rd.png", f"MNIST test set ({result['n_images']:,} digits)")
    if fashion_result:
        plot_rd(fashion_result, results_dir / "rd_fashion.png",
                f"Fashion-MNIST test set, MNIST-trained models ({fashion_result['n_images']:,} images)")
    atomic.write_json(results_dir / "results.json", result)
    extra = "\n" + browser_search.markdown(result["browser_search"]) if result.get("browser_search") else ""
    atomic.write_bytes(results_dir / "results.md", (markdown(result, fashion_result) + extra).encode())
    for src, dst in (("talk/loss.png", "talk_loss.png"), ("talk/reconstructions.png", "talk_reconstructions.png"),
                     ("codec/reconstructions.png", "codec_reconstructions.png"), ("codec/loss.png", "codec_loss.png")):
        if (models_dir / src).exists():
            copy_figure(models_dir / src, results_dir / dst)
    for t in result["comparison"]["targets"]:
        print(f"{'MET ' if t['met'] else 'MISS'} {t['target']}")


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
