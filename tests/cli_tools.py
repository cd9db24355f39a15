"""Shared by the tests of the ``aec`` command (tests/test_cli*.py): running it
as a user does, in a subprocess, and the inputs they give it."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": str(ROOT)}
ENV.pop("AEC_MODELS_DIR", None)


def cli(*args, cwd=ROOT, env=None, stdin=None, preexec_fn=None, timeout=300):
    """``python -m aec ARGS`` -> CompletedProcess (stdout and stderr as bytes when
    ``stdin`` is bytes, else text)."""
    binary = isinstance(stdin, bytes)
    return subprocess.run([sys.executable, "-m", "aec", *map(str, args)], capture_output=True, text=not binary,
                          input=stdin, stdin=None if stdin is not None else subprocess.DEVNULL, cwd=cwd,
                          timeout=timeout, env={**ENV, **(env or {})}, preexec_fn=preexec_fn)


# A child forked from this (large, TensorFlow-loaded) test process would report
# the test process's resident size as its own peak (Linux keeps the forked
# memory's high-water mark across exec), so a small launcher forks the command
# and reports the command's own rusage.
_LAUNCH = """import os, subprocess, sys
p = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(p.pid, 0)
open(sys.argv[1], "w").write(f"{os.waitstatus_to_exitcode(status)} {usage.ru_maxrss * 1024}")
"""


def cli_peak_memory(*args, env=None, timeout=600):
    """Run ``python -m aec ARGS`` (with ``env`` added); -> (exit status, stdout, stderr,
    peak resident memory in bytes, from the command's own rusage)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.NamedTemporaryFile("r") as report:
        subprocess.run([sys.executable, "-c", _LAUNCH, report.name, sys.executable, "-m", "aec", *map(str, args)],
                       cwd=ROOT, env={**ENV, **(env or {})}, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                       timeout=timeout)
        status, peak = map(int, open(report.name).read().split())
        out.seek(0)
        err.seek(0)
        return status, out.read().decode(), err.read().decode(), peak


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.strip()]


def assert_one_line_each(stderr: str, names) -> None:
    """Every stderr line is ``name: problem`` for one of ``names``, each name once."""
    lines = error_lines(stderr)
    assert "Traceback" not in stderr, stderr
    for line in lines:
        assert any(line.startswith(f"{n}: ") for n in map(str, names)), (line, stderr)
    for n in map(str, names):
        assert sum(line.startswith(f"{n}: ") for line in lines) == 1, (n, stderr)


def draw_seven(path: Path, size=(300, 200), fmt=None, **save) -> Path:
    """A "7" drawn dark on light in an RGB canvas, as a paint program saves it."""
    w, h = size
    img = Image.new("RGB", size, "white")
    pts = [(w // 3, h // 5), (2 * w // 3, h // 5), (w * 13 // 30, h * 85 // 100)]
    ImageDraw.Draw(img).line(pts, fill=(20, 20, 60), width=max(3, h // 11))
    img.save(path, fmt, **save)
    return path


def mnist_digits(n: int) -> np.ndarray:
    from tests.tiny_models import mnist_test

    return mnist_test()[0][:n]
