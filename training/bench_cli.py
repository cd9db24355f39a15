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


def _run(argv, cwd) -> tuple[float, float]:
    """(wall seconds, peak MB) of one process."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"{' '.join(argv)} failed: {proc.stderr.read().decode().strip()}")
    return wall, usage.ru_maxrss / 1024


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
