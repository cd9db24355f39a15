"""Lighthouse and axe-core over every page of the site (not a test; `make audit` runs it).

    .venv/bin/python tests/audit.py [--runs 3] [--site DIR] [--json FILE] [PAGE ...]

Builds the site (mkdocs build --strict, into a temp dir) unless --site points at a
built one, serves it on 127.0.0.1 under /sub/path/ as a static host does (HTTP/1.1
keeping its connections open, text gzipped: GitHub Pages and every CDN do both;
--plain serves as Python's http.server does, one connection per file and nothing
compressed) and, for every page (the slides and the demo included), runs:

* Lighthouse (node_modules, a devDependency), its default mobile preset (simulated
  slow 4G and a 4x slower CPU), --runs times; each category's score and each
  metric is the median of the runs;
* axe-core in Playwright (tests/axe_check.py) at 1366x768 and 390x844; the slides
  slide by slide, in Dutch and in English.

Prints a table like `make bench`: the scores beside the targets of the site's
issue, and what Lighthouse and axe found wrong. It asserts nothing.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import io
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
from http.server import ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

import axe_check  # noqa: E402
from bench_browser import build_site, fmt_bytes, serve  # noqa: E402
from conftest import CHROMIUM, CHROMIUM_ARGS, SUB_PATH, _SubPathHandler  # noqa: E402

LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
CHROME_FLAGS = "--headless=new --no-sandbox --enable-unsafe-swiftshader"
PAGES = ["index.html", "slides/index.html", "demo.html", "results.html", "format.html", "training.html",
         "notebook.html", "404.html"]
CATEGORIES = [("performance", "perf", 90), ("accessibility", "a11y", 100),
              ("best-practices", "best", 95), ("seo", "seo", 95)]
METRICS = [("first-contentful-paint", "FCP", "s"), ("largest-contentful-paint", "LCP", "s"),
           ("total-blocking-time", "TBT", "ms"), ("cumulative-layout-shift", "CLS", ""),
           ("total-byte-weight", "bytes", "B")]
VIEWPORTS = [{"width": 1366, "height": 768}, {"width": 390, "height": 844}]


GZIP_SUFFIXES = {".html", ".css", ".js", ".mjs", ".json", ".svg", ".txt", ".xml", ".md"}


class _HostHandler(_SubPathHandler):
    """The site under /sub/path/ as a static host serves it: HTTP/1.1 connections
    kept open, text gzipped for browsers that accept it."""

    protocol_version = "HTTP/1.1"

    def send_head(self):
        path = Path(self.translate_path(self.path))
        accepts = "gzip" in self.headers.get("Accept-Encoding", "")
        if not (accepts and path.suffix in GZIP_SUFFIXES and path.is_file()
                and urlsplit(self.path).path.startswith(SUB_PATH)):
            return super().send_head()
        body = gzip.compress(path.read_bytes(), 6)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)


def serve_like_a_host(site: Path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_HostHandler, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}{SUB_PATH}"


def lighthouse(url: str, out: Path) -> dict:
    """One Lighthouse run: {category: score 0-100, metric: value, "failed": [(category, audit title, value)]}."""
    cmd = [str(LIGHTHOUSE), url, "--quiet", "--output=json", f"--output-path={out}",
           f"--chrome-path={CHROMIUM}", f"--chrome-flags={CHROME_FLAGS}"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if proc.returncode != 0 or not out.is_file():
        raise RuntimeError(f"lighthouse failed on {url}: {(proc.stderr or proc.stdout).strip()[-500:]}")
    report = json.loads(out.read_text())
    if report.get("runtimeError"):
        raise RuntimeError(f"lighthouse on {url}: {report['runtimeError'].get('message')}")
    run = {"version": report["lighthouseVersion"], "failed": []}
    audits = report["audits"]
    for key, _, _ in CATEGORIES:
        category = report["categories"][key]
        run[key] = round(100 * category["score"]) if category["score"] is not None else None
        for ref in category["auditRefs"]:
            audit = audits[ref["id"]]
            # Scored audits that lost points (performance: its metrics show that).
            if key != "performance" and ref["weight"] > 0 and audit["score"] is not None and audit["score"] < 1:
                run["failed"].append((key, audit["title"], ""))
    for key, _, _ in METRICS:
        run[key] = audits[key].get("numericValue")
    # What slows the page down, in Lighthouse's own words.
    for key in ("render-blocking-resources", "layout-shifts", "bootup-time", "mainthread-work-breakdown",
                "unused-javascript", "unused-css-rules"):
        audit = audits.get(key)
        if audit and audit["score"] is not None and audit["score"] < 0.9:
            run["failed"].append(("performance", audit["title"],
                                  audit.get("displayValue", "").replace("Est savings of ", "saves ")))
    return run


def median_run(runs: list[dict]) -> dict:
    out = {"version": runs[0]["version"], "runs": len(runs)}
    for key in [k for k, _, _ in CATEGORIES] + [k for k, _, _ in METRICS]:
        values = [r[key] for r in runs if r[key] is not None]
        out[key] = statistics.median(values) if values else None
    found: dict[tuple, list[str]] = {}  # what any run found, in the order first seen, with each run's value
    for r in runs:
        for key, title, value in r["failed"]:
            found.setdefault((key, title), []).append(value)
    out["failed"] = [f"{key}: {title}" + (f" ({'; '.join(v for v in values if v)}, in {len(values)} of {len(runs)} runs)"
                                         if any(values) else f" (in {len(values)} of {len(runs)} runs)")
                     for (key, title), values in found.items()]
    return out


def axe(base_url: str, pages: list[str]) -> dict[str, list[str]]:
    """Per page: one line per axe violation (any impact), with where it was seen."""
    from playwright.sync_api import sync_playwright

    found: dict[str, dict[str, list[str]]] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for page_path in pages:
                lines: dict[str, list[str]] = {}
                langs = ["nl", "en"] if page_path.startswith("slides/") else [None]
                for viewport in VIEWPORTS:
                    for lang in langs:
                        context = browser.new_context(bypass_csp=True, viewport=viewport)
                        page = context.new_page()
                        page.goto(base_url + page_path + (f"?lang={lang}" if lang else ""))
                        where = f"{viewport['width']} px" + (f", {lang}" if lang else "")
                        if lang:
                            page.wait_for_function("() => window.Reveal && Reveal.isReady()")
                            per_slide = axe_check.slides(page)
                        else:
                            page.wait_for_load_state("networkidle")
                            per_slide = {"": axe_check.run(page)}
                        for sid, violations in per_slide.items():
                            for line in axe_check.describe(violations, nodes=2):
                                lines.setdefault(line, []).append(where + (f" #{sid}" if sid else ""))
                        context.close()
                found[page_path] = [f"{line} [{', '.join(w)}]" for line, w in lines.items()]
        finally:
            browser.close()
    return found


def fmt_metric(value, unit: str) -> str:
    if value is None:
        return "–"
    if unit == "s":
        return f"{value / 1000:.1f} s"
    if unit == "ms":
        return f"{value:.0f} ms"
    if unit == "B":
        return fmt_bytes(value)
    return f"{value:.3f}"


def table(results: dict, axe_found: dict) -> str:
    head = ["page"] + [short for _, short, _ in CATEGORIES] + [short for _, short, _ in METRICS] + ["axe"]
    rows = []
    for page, r in results.items():
        rows.append([page] + ["–" if r[k] is None else f"{r[k]:.0f}" for k, _, _ in CATEGORIES]
                    + [fmt_metric(r[k], unit) for k, _, unit in METRICS]
                    + [str(len(axe_found.get(page, [])))])
    rows.append(["target"] + [f">= {t}" if t < 100 else str(t) for _, _, t in CATEGORIES]
                + [""] * len(METRICS) + ["0"])
    widths = [max(len(str(row[i])) for row in [head] + rows) for i in range(len(head))]
    lines = ["  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w) for i, (c, w) in enumerate(zip(row, widths)))
             for row in [head] + rows]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pages", nargs="*", default=PAGES, help=f"pages to audit (default: {' '.join(PAGES)})")
    parser.add_argument("--runs", type=int, default=3, help="Lighthouse runs per page (the median is shown)")
    parser.add_argument("--site", type=Path, help="an already built site (default: build one)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--plain", action="store_true",
                        help="serve as http.server does: HTTP/1.0, a connection per file, nothing gzipped")
    args = parser.parse_args(argv)
    if not LIGHTHOUSE.is_file():
        sys.exit(f"{LIGHTHOUSE} is missing: run `npm ci` (lighthouse is a devDependency)")

    with tempfile.TemporaryDirectory() as tmp:
        site = args.site
        if site is None:
            site = Path(tmp) / "site"
            build_site(site)
        server, base_url = serve(site) if args.plain else serve_like_a_host(site)
        try:
            results = {}
            for page in args.pages:
                runs = []
                for i in range(args.runs):
                    print(f"lighthouse {page} ({i + 1}/{args.runs})", file=sys.stderr, flush=True)
                    runs.append(lighthouse(base_url + page, Path(tmp) / "report.json"))
                results[page] = median_run(runs)
            print("axe-core, every page", file=sys.stderr, flush=True)
            axe_found = axe(base_url, args.pages)
        finally:
            server.shutdown()
            server.server_close()

    version = next(iter(results.values()))["version"]
    chromium = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True).stdout.strip()
    axe_version = json.loads((ROOT / "node_modules" / "axe-core" / "package.json").read_text())["version"]
    served = ("http.server: HTTP/1.0, nothing compressed" if args.plain
              else "served as a static host does: HTTP/1.1 keep-alive, text gzipped")
    print(f"Lighthouse {version}, mobile preset, median of {args.runs} runs; axe-core {axe_version} "
          f"(violations of any impact); {chromium} (headless), {platform.machine()} with {os.cpu_count()} CPUs; "
          f"{served}")
    print()
    print(table(results, axe_found))
    for page in results:
        problems = results[page]["failed"] + [f"axe: {line}" for line in axe_found.get(page, [])]
        if problems:
            print(f"\n{page}:\n  " + "\n  ".join(problems))
    if args.json:
        args.json.write_text(json.dumps({"lighthouse": results, "axe": axe_found, "runs": args.runs,
                                         "chromium": chromium, "plain_server": args.plain}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
