"""The evaluation's report: its results compared with the targets, the answer to the talk's
question, the R-D plot and results.md (training/evaluate.py measures; this writes what it
measured, and `python -m training evaluate --rebuild` rewrites it from results.json alone).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

from aec import atomic
from training import baselines, bound_report, browser_search, overhead

# Issue 14's targets, checked and reported with every evaluation: at most N bytes at >= dB,
# for `aec compress` (the search: results' "codecs") and for the browser (the one-pass encoder).
# Issue 23 lets the browser meet its 32 B target with its search instead (results' "browser_search",
# measured on the first browser_search.DIGITS test digits).
RATE_TARGETS = {"codecs": [(10, 24.0), (20, 27.0), (32, 30.0)], "one_pass": [(10, 23.0), (20, 26.0), (32, 29.0)],
                "browser_searched": [(32, 29.7)]}
ENCODER_NAMES = {"codecs": "the command (searched)", "one_pass": "the browser (one pass)",
                 "browser_searched": f"the browser (searched, first {browser_search.DIGITS} test digits)"}
NETWORK_NAMES = {"lowrate": " (low-rate network)", "mid": " (mid-rate network)"}  # in the labels, after the level
MIN_GAIN_WEBP, MIN_GAIN_JPEG_SCAN, MIN_ACCURACY_LOWEST = 2.5, 2.0, 0.97
MAX_BROWSER_GAP_DB = 1.0
FAMILY_LABELS = {"jpeg_file": "JPEG (whole file)", "jpeg_scan": "JPEG (scan only, headers stripped)",
                 "webp": "WebP", "avif": "AVIF", "png": "PNG (lossless)"}


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
    by_encoder = {
        "codecs": levels,
        "one_pass": [{"codec": k, "bytes": c["bytes_mean"], "psnr": c["psnr"]}
                     for k, c in result.get("one_pass", {}).items()],
        "browser_searched": [{"codec": k, **b["browser_searched"]}
                             for k, b in result.get("browser_search", {}).get("levels", {}).items()],
    }
    for encoder, points in by_encoder.items():
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
            labels = {k: c["label"] for k, c in result.get(t["encoder"], result["codecs"]).items()}
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
