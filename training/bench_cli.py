"""`make bench`, the command's part: one digit through ``aec`` as a user runs it (a new
process, from another folder), beside ``cwebp`` / ``dwebp`` on the same digit. Wall time
and peak memory (the process's maximum resident set), median of ``repeats`` runs each.
Prints a table; a measurement, not a test.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# The targets on this 2-core machine (seconds, MB): shown beside the measurements.
TARGETS = {"aec decompress": (0.5, 200), "aec compress": (1.5, 300), "aec compress --one-pass": (0.5, None)}


# Started from this process, a command's peak memory would start at this process's own (a
# spawned child keeps its parent's high-water mark through exec: dwebp measured 474 MB), so a
# small launcher starts it, times it and reports its ru_maxrss (a launcher's ~10 MB at most).
LAUNCHER = """import os, subprocess, sys, time
t0 = time.perf_counter()
p = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
_, status, usage = os.wait4(p.pid, 0)
print(time.perf_counter() - t0, usage.ru_maxrss, os.waitstatus_to_exitcode(status))"""


def _run(argv, cwd) -> tuple[float, float]:
    """(wall seconds, peak MB) of one process."""
    r = subprocess.run([sys.executable, "-c", LAUNCHER, *map(str, argv)], cwd=cwd, capture_output=True, text=True)
    wall, maxrss_kb, code = r.stdout.split() if r.returncode == 0 else (0, 0, 1)
    if int(code):
        raise SystemExit(f"{' '.join(map(str, argv))} failed: {r.stderr.strip()}")
    return float(wall), int(maxrss_kb) / 1024


def main(digit, repeats: int = 3) -> list[dict]:
    """``digit``: uint8 (28, 28). Returns the table's rows."""
    from PIL import Image

    aec = shutil.which("aec", path=str(Path(sys.executable).parent)) or shutil.which("aec")
    rows = []
    with tempfile.TemporaryDirectory(prefix="aec-bench-") as tmp:
        Image.fromarray(digit).save(Path(tmp) / "one.png")
        runs = [("aec compress", [aec, "compress", "one.png", "-o", "out", "--force"]),
                ("aec compress --one-pass", [aec, "compress", "one.png", "--one-pass", "-o", "out1", "--force"]),
                ("aec decompress", [aec, "decompress", "out/one.aec", "-o", "png", "--force"])]
        if shutil.which("cwebp") and shutil.which("dwebp"):
            runs += [("cwebp -q 50", ["cwebp", "-quiet", "-q", "50", "one.png", "-o", "one.webp"]),
                     ("dwebp", ["dwebp", "-quiet", "one.webp", "-o", "back.png"])]
        else:
            print("cwebp/dwebp not installed (apt-get install webp): the WebP rows are left out")
        for name, argv in runs:
            times, peaks = zip(*(_run(argv, tmp) for _ in range(repeats)))
            out = {"aec compress": "out/one.aec", "aec compress --one-pass": "out1/one.aec",
                   "cwebp -q 50": "one.webp"}.get(name)
            rows.append({"what": name, "seconds": statistics.median(times), "peak_mb": statistics.median(peaks),
                         "bytes": (Path(tmp) / out).stat().st_size if out else None})
    print(f"\none digit as a user runs it (a new process, from another folder), median of {repeats}; "
          f"{os.cpu_count()} CPU cores")
    print(f"{'command':26s} {'wall':>8s} {'peak':>8s} {'file':>7s}  target")
    for r in rows:
        wall, mb = TARGETS.get(r["what"], (None, None))
        target = " ".join(t for t in (f"<= {wall} s" if wall else "", f"<= {mb} MB" if mb else "") if t)
        size = f"{r['bytes']} B" if r["bytes"] is not None else ""
        print(f"{r['what']:26s} {r['seconds']:7.3f}s {r['peak_mb']:6.0f}MB {size:>7s}  {target}")
    return rows
