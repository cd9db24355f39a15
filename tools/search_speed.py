"""Stroke end -> searched result in chromium (SwiftShader), for several browser search
settings (rounds x candidates) patched into a built site's manifest: how aec/search.py's
BROWSER_ROUNDS / BROWSER_CANDIDATES were chosen (issue 21).

    python tools/search_speed.py 10x16 6x8      (builds the site into /tmp/bsite once)
"""
import json
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests"), str(ROOT)]
import bench_browser as bb  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402
site = Path("/tmp/bsite")
if not (site / "demo.html").exists():
    bb.build_site(site)
man = next(site.rglob("models/manifest.json"))
orig = json.loads(man.read_text())
server, base = bb.serve(site)
for setting in sys.argv[1:]:
    r, k = map(int, setting.split("x"))
    m = dict(orig); m["search"] = {**orig["search"], "rounds": r, "candidates": k}
    man.write_text(json.dumps(m))
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=bb.CHROMIUM, args=bb.CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto(base + "demo.html")
        page.wait_for_function("() => performance.getEntriesByName('aec-first-reconstruction').length", timeout=120_000)
        page.wait_for_function("() => !document.querySelector('[data-demo-root]').classList.contains('aec-busy')", timeout=120_000)
        d = bb.measure_drawn(page, 8)
        print(f"{setting}: {d['model']}: one pass {statistics.median(d['one_pass']):.0f} ms, searched median "
              f"{statistics.median(d['searched']):.0f} ms (min {min(d['searched']):.0f}, max {max(d['searched']):.0f})", flush=True)
        browser.close()
man.write_text(json.dumps(orig))
server.shutdown()
