"""The estimated limit beside our levels: results.json["bound"] (written by
``python -m training bound``, training/bound.py) into the evaluation's reports.

    gaps(result)        per searched level: the estimate's bits at the level's PSNR
                        and how many bits the level's files spend above it
    draw(ax, result)    the estimate on the rate-distortion plot
    markdown(result)    its table and a sentence for results.md

Reading only: no Keras here, so ``evaluate --rebuild`` stays quick. Where the
estimate lies above a level it bounds nothing there, and every report says so
instead of calling it a limit.
"""

from __future__ import annotations

import numpy as np

# The sentence the slide and the page quote: the level nearest this PSNR.
QUOTE_PSNR = 24.0


def curve(result):
    """The estimate: the lower convex hull of its (PSNR, bits) points, by PSNR (mixing two
    codes in time reaches every point on the line between them); empty without a bound."""
    hull = []
    for p in sorted((r["psnr"], r["kl_bits"]) for r in (result.get("bound") or {}).get("levels", [])):
        while len(hull) >= 2 and ((hull[-1][0] - hull[-2][0]) * (p[1] - hull[-2][1])
                                  - (hull[-1][1] - hull[-2][1]) * (p[0] - hull[-2][0])) <= 0:
            hull.pop()
        hull.append(p)
    return hull


def bits_at(result, psnr):
    """The estimate's bits at ``psnr`` (linear between its points), None outside them."""
    pts = curve(result)
    if not pts or not pts[0][0] <= psnr <= pts[-1][0]:
        return None
    return float(np.interp(psnr, [p for p, _ in pts], [b for _, b in pts]))


def gaps(result) -> list[dict]:
    """Per searched level (results' "codecs", the talk's network left out): its bits
    (file bytes x 8, header included), the estimate's bits at its PSNR, and the
    difference; ``below`` says whether the estimate is below the level there."""
    rows = []
    for key, c in result.get("codecs", {}).items():
        if key == "talk":
            continue
        bound = bits_at(result, c["psnr"])
        bits = 8.0 * c["bytes_mean"]
        rows.append({"codec": key, "psnr": c["psnr"], "bits": bits, "bound_bits": bound,
                     "gap_bits": None if bound is None else bits - bound,
                     "below": None if bound is None else bound < bits})
    return rows


def quoted(result):
    """The gap row the site quotes: the compared level nearest QUOTE_PSNR (None without one)."""
    rows = [r for r in gaps(result) if r["bound_bits"] is not None]
    return min(rows, key=lambda r: abs(r["psnr"] - QUOTE_PSNR), default=None)


def _num(value, digits, lang):
    text = f"{value:,.{digits}f}"
    return text.translate(str.maketrans(",.", ".,")) if lang == "nl" else text


def quote(result):
    """The quoted row (``quoted``) with its sentence in Dutch and English, for the slide
    and the results page (theme/results_fill.py's "text" format); None without one."""
    q = quoted(result)
    if q is None:
        return None
    c = result["codecs"][q["codec"]]
    level, db = c.get("level") or c["model_id"], {lang: _num(q["psnr"], 1, lang) + " dB" for lang in ("nl", "en")}
    ours, est = round(q["bits"]), round(q["bound_bits"])
    if q["below"]:
        gap = round(q["gap_bits"])
        nl = (f"Bij {db['nl']} (niveau {level}, gezocht) gebruiken onze bestanden {ours} bits, header inbegrepen; "
              f"de geschatte grens ligt daar op {est} bits: {gap} bits ({_num(q['gap_bits'] / 8, 1, 'nl')} B) "
              "erboven.")
        en = (f"At {db['en']} (level {level}, searched) our files spend {ours} bits, header included; the "
              f"estimated limit there is {est} bits: {gap} bits ({_num(q['gap_bits'] / 8, 1, 'en')} B) above it.")
    else:
        nl = (f"Bij {db['nl']} ligt onze schatting ({est} bits) nog niet onder de codec (niveau {level}: {ours} "
              "bits, header inbegrepen): daar begrenst ze nog niets.")
        en = (f"At {db['en']} our estimate ({est} bits) is not yet below the codec (level {level}: {ours} bits, "
              "header included): there it bounds nothing yet.")
    return {**q, "nl": nl, "en": en}


def kept(results_dir):
    """The bound's numbers from the last results.json (None without them)."""
    import json
    from pathlib import Path

    path = Path(results_dir) / "results.json"
    return json.loads(path.read_text()).get("bound") if path.exists() else None


def write_bound(entry, results_dir="site/results", models_dir="models") -> dict:
    """results.json["bound"] (``python -m training bound``), then every report again."""
    import json
    from pathlib import Path

    from aec import atomic
    from training import evaluate

    path = Path(results_dir) / "results.json"
    if not path.exists():
        raise SystemExit(f"error: no {path}: run `python -m training evaluate` first")
    result = json.loads(path.read_text())
    result["bound"] = entry
    atomic.write_json(path, result)
    return evaluate.rebuild(results_dir, models_dir)


def draw(ax, result) -> None:
    """The estimate as a dashed curve in bytes (bits / 8) against PSNR."""
    pts = curve(result)
    if not pts:
        return
    below = [r["below"] for r in gaps(result) if r["below"] is not None]
    label = "R-D limit, estimated from above (VAE: KL bits / 8)"
    if below and not all(below):
        label = ("R-D estimate (VAE, KL bits / 8): not yet below our codec" if not any(below) else
                 "R-D estimate (VAE, KL bits / 8): above our codec at some levels")
    ax.plot([b / 8.0 for _, b in pts], [p for p, _ in pts], "x--", color="black", lw=1.2, ms=5, label=label)


def markdown(result) -> list[str]:
    bound = result.get("bound")
    if not bound:
        return []
    runs = ", ".join(f"{r['run']} ({'from the codec in ' + r['init'] if r['init'] else 'from scratch'}: "
                     f"{r['latents']} latents, {r['components']} components, {r['epochs']} epochs)"
                     for r in bound.get("runs", []))
    first = bound["levels"][0]
    lines = ["", "### The limit, estimated", "",
             "An upper-bound estimate of MNIST's rate-distortion function (Yang & Mandt 2022): VAEs with a "
             f"Gaussian posterior and a learned mixture prior, trained on KL bits − beta × PSNR ({runs}; "
             "`python -m training bound`). Its rate is the mean KL from posterior to prior, in bits, over the "
             f"{first['digits']:,} test digits ({first['samples']} posterior samples each); its distortion is the "
             "mean per-digit PSNR of sampled reconstructions (8-bit pixels). No code of many digits at once needs "
             "fewer bits at that PSNR than the true R(D), so this curve only estimates the limit from above "
             "(between two points, mixing the two codes); a real file also pays for its header and whole bytes.", "",
             "Where a level's posteriors were refined per digit (iterative inference, `--refine-steps`: Adam on "
             "each digit's mean and scale, the decoder and prior fixed; any posterior gives a bound), the last "
             "column has the encoder's own numbers (and the refinement's steps and Adam rate).", "",
             "| run | beta (bits/dB) | KL (bits) | ± (s.e.) | bytes | PSNR (dB) | PSNR of mean MSE (dB) | "
             "encoder alone |", "|---|---|---|---|---|---|---|---|"]
    for r in bound["levels"]:
        lines.append(f"| {r.get('run', '')} | {r['beta_bits_per_db']:.1f} | {r['kl_bits']:.1f} | {r['kl_bits_stderr']:.1f} | "
                     f"{r['kl_bytes']:.2f} | {r['psnr']:.2f} | {r['psnr_of_mean_mse']:.2f} | "
                     + (f"{r['amortised']['kl_bits']:.1f} bits, {r['amortised']['psnr']:.2f} dB "
                        f"({r['refine_steps']} steps at {r.get('refine_rate') or 0.03:g}) |" if r.get("amortised") else "– |"))
    labels = {k: c["label"] for k, c in result.get("codecs", {}).items()}
    rows = [r for r in gaps(result) if r["bound_bits"] is not None]
    if rows:
        lines += ["", quote(result)["en"], "", "Our levels (searched, real files) against the estimate at the same PSNR:", "",
                  "| level | PSNR (dB) | our bits | estimate's bits | difference |", "|---|---|---|---|---|"]
        for r in rows:
            note = "" if r["below"] else " (the estimate is not below our codec here)"
            lines.append(f"| {labels.get(r['codec'], r['codec'])} | {r['psnr']:.2f} | {r['bits']:.0f} | "
                         f"{r['bound_bits']:.0f} | {r['gap_bits']:+.0f} bits{note} |")
    return lines
