"""The browser's searched encoder, measured (issue 21): the JS twin's search
(site/js/aec/search.js) run in Node by training/browser_search.mjs (TF.js, WebAssembly
backend) on the first DIGITS MNIST test digits, set beside the command's search and
the browser's one pass on the same digits. Its files are read back with the Python
codec, so they also show that both twins decode them.

Node's search takes about 0.2 s (low-rate levels) to 0.5 s (codec levels) a digit on
this machine, so its files are cached under ``build/cache/browser_search/``, keyed by
everything they depend on (the site's models and tables, the twin's sources, the
digits): an evaluation with unchanged models reads them back.

    python -m training.browser_search [--site-models site/models] [--processes 2]   (fills the cache)
    python -m training.browser_search --results-dir site/results   (and writes its table alone)
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from aec import atomic, levels

ROOT = Path(__file__).resolve().parents[1]
DIGITS = 1000                  # the first 1000 MNIST test digits, as results.md says
MAX_DB_GAP, MAX_BYTES_GAP = 0.3, 0.02  # issue 21: the browser's searched files against the command's
SCRIPT = ROOT / "training" / "browser_search.mjs"
CACHE_DIR = "build/cache/browser_search"


def cache_key(site_models, images) -> str:
    h = hashlib.sha256()
    sources = [Path(site_models, "manifest.json"), SCRIPT, *sorted((ROOT / "site/js/aec").glob("*.js"))]
    for path in sources:
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    h.update(np.ascontiguousarray(images, np.uint8).tobytes())
    return h.hexdigest()


def run_node(site_models, images, model_ids, processes=2, cache_dir=CACHE_DIR, progress=print) -> dict:
    """Model id -> the browser's searched files (list of bytes) for ``images``; cached."""
    path = Path(cache_dir) / f"{cache_key(site_models, images)[:32]}.json"
    cached = json.loads(path.read_text()) if path.is_file() else {"ids": {}}
    todo = [m for m in model_ids if str(m) not in cached["ids"]]
    if todo:
        progress(f"[browser search] {len(images)} digits, models {todo} in {processes} Node processes")
        t0 = time.time()
        with tempfile.TemporaryDirectory(prefix="browser-search-") as tmp:
            digits = Path(tmp, "digits.u8")
            np.ascontiguousarray(images, np.uint8).tofile(digits)
            shares = [todo[i::processes] for i in range(processes) if todo[i::processes]]
            procs = [subprocess.Popen(["node", str(SCRIPT), str(site_models), str(digits), f"{tmp}/{i}.json",
                                       ",".join(map(str, ids))], cwd=ROOT) for i, ids in enumerate(shares)]
            if any(p.wait() for p in procs):
                raise RuntimeError("training/browser_search.mjs failed (see its output above)")
            for i in range(len(shares)):
                cached["ids"].update(json.loads(Path(tmp, f"{i}.json").read_text())["ids"])
        atomic.write_json(path, cached)
        progress(f"[browser search] {time.time() - t0:.0f} s")
    return {m: [base64.b64decode(f) for f in cached["ids"][str(m)]["files"]] for m in model_ids}


def compare(codecs, images, browser_files, command_files, one_pass_files, psnr) -> dict:
    """Per level on the scale: bytes and PSNR of the three encoders on the same digits, and the gaps."""
    out = {}
    for lv in levels.LEVELS:
        m, row = lv.model_id, {"quality": lv.quality, "model_id": lv.model_id, "digits": int(len(images))}
        codec = codecs.codec_for(m)
        for name, files in (("command", command_files[m]), ("browser_searched", browser_files[m]),
                            ("browser_one_pass", one_pass_files[m])):
            row[name] = {"bytes": float(np.mean([len(f) for f in files])),
                         "psnr": float(psnr(images, codec.decompress_digits(files)))}
        row["identical_files"] = int(sum(a == b for a, b in zip(browser_files[m], command_files[m])))
        row["db_gap"] = row["command"]["psnr"] - row["browser_searched"]["psnr"]
        row["bytes_gap"] = row["browser_searched"]["bytes"] / row["command"]["bytes"] - 1
        row["within_target"] = bool(abs(row["db_gap"]) <= MAX_DB_GAP and abs(row["bytes_gap"]) <= MAX_BYTES_GAP)
        out[f"level{m}"] = row
    return out


def markdown(section) -> str:
    rows = sorted(section["levels"].values(), key=lambda r: r["quality"])  # results.json keeps its keys sorted
    lines = ["## The browser's search beside the command's", "",
             f"The first {rows[0]['digits']} MNIST test digits, each level coded three ways: by `aec compress` "
             "(searched, aec/search.py), by the browser's searched encoder (its JavaScript twin, site/js/aec/search.js, "
             "run in Node on the TF.js models by training/browser_search.mjs) and by the browser's one pass "
             f"(plain rounding). Target: the browser's searched files within {MAX_DB_GAP} dB and "
             f"{MAX_BYTES_GAP:.0%} of the command's bytes. Every file here was read back by the Python codec.", "",
             "| quality | model id | command: B | dB | browser searched: B | dB | browser one pass: B | dB "
             "| same bytes as the command | within target |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        c, b, o = r["command"], r["browser_searched"], r["browser_one_pass"]
        lines.append(f"| {r['quality']} | {r['model_id']} | {c['bytes']:.3f} | {c['psnr']:.2f} | {b['bytes']:.3f} "
                     f"| {b['psnr']:.2f} | {o['bytes']:.3f} | {o['psnr']:.2f} | {r['identical_files']} of {r['digits']} "
                     f"| {'yes' if r['within_target'] else 'no'} |")
    return "\n".join(lines) + "\n"


def measure(codecs, images, command_files, one_pass_files, psnr, site_models="site/models", processes=2,
            cache_dir=CACHE_DIR, progress=print) -> dict:
    """results.json's ``browser_search``: ``command_files`` / ``one_pass_files``: model id -> the
    evaluation's files of these digits."""
    ids = [lv.model_id for lv in levels.LEVELS]
    t0 = time.time()
    browser = run_node(site_models, images, ids, processes, cache_dir, progress)
    return {"digits": int(len(images)), "levels": compare(codecs, images, browser, command_files, one_pass_files, psnr),
            "seconds": round(time.time() - t0, 1)}


def main(argv=None) -> int:
    from training.data import load_mnist

    p = argparse.ArgumentParser(description="the browser's search in Node on the first test digits: fills the "
                                "cache evaluate reads; with --results-dir also sets its table into results.json")
    p.add_argument("--site-models", default="site/models")
    p.add_argument("--processes", type=int, default=2)
    p.add_argument("--digits", type=int, default=DIGITS)
    p.add_argument("--results-dir", default=None,
                   help="also code the digits with the command (searched) and in one pass (--codecs-dir), "
                        "and write the comparison into this results.json and results.md (evaluate's table, "
                        "without the rest of an evaluation)")
    p.add_argument("--codecs-dir", default="aec/models")
    a = p.parse_args(argv)
    _, (x_test, _) = load_mnist()
    images = x_test[:a.digits]
    if not a.results_dir:
        run_node(a.site_models, images, [lv.model_id for lv in levels.LEVELS], a.processes)
        return 0
    from aec.codec import Codecs
    from training import evaluate, metrics

    codecs = Codecs.load(a.codecs_dir)
    ids = [lv.model_id for lv in levels.LEVELS]
    command = {m: codecs.compress_digits(images, m, search=True) for m in ids}
    one_pass = {m: codecs.compress_digits(images, m) for m in ids}
    section = measure(codecs, images, command, one_pass, metrics.mean_psnr, a.site_models, a.processes)
    path = Path(a.results_dir, "results.json")
    result = json.loads(path.read_text())
    result["browser_search"] = section
    atomic.write_json(path, result)
    evaluate.rebuild(a.results_dir)
    print(markdown(section))
    return 0


if __name__ == "__main__":
    sys.exit(main())
