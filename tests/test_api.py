"""The Python API (aec/api.py): its documented examples run, and every error it raises
on purpose is an aec.AecError with a one-line message."""

import doctest

import numpy as np
import pytest

import aec
import aec.api


@pytest.mark.parametrize("module", [aec, aec.api])
def test_the_docstring_examples_run(module):
    failed, tried = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.IGNORE_EXCEPTION_DETAIL)
    assert tried > 0 and failed == 0


def _digit():
    d = np.zeros((28, 28), np.uint8)
    d[4:24, 12:16] = 255
    return d


def test_one_digit_and_many_round_trip_at_every_level():
    many = np.stack([_digit(), _digit()[::-1], _digit().T])
    for lv in aec.quality_levels():
        data = aec.compress(many, quality=lv["quality"], one_pass=True)
        assert aec.decompress(data).shape == (3, 28, 28)
    assert aec.compress(_digit(), one_pass=True) == aec.compress(_digit()[None], one_pass=True)


def test_the_default_is_the_commands_default_searched():
    from aec import levels
    from aec.api import codecs

    data = aec.compress(_digit())
    assert codecs().decompress_file(data)[0] == levels.DEFAULT_MODEL_ID


@pytest.mark.parametrize("call, message", [
    (lambda: aec.compress(np.zeros((28, 28), np.float32)), "must be uint8"),
    (lambda: aec.compress(np.zeros((27, 28), np.uint8)), "must be (28, 28)"),
    (lambda: aec.compress(np.zeros((28, 28), np.uint8), quality=0), "no quality level 0"),
    (lambda: aec.decompress(b"\xff\xff\xff"), ""),
    (lambda: aec.decompress(b""), ""),
    (lambda: aec.compress(np.zeros((28, 28), np.uint8), models="/nonexistent"), "no models there"),
    (lambda: aec.to_digit("not an image"), ""),
])
def test_errors_are_one_line_aec_errors(call, message):
    with pytest.raises(aec.AecError) as info:
        call()
    text = str(info.value)
    assert message in text and "\n" not in text and text


def test_quality_levels_carry_the_measured_numbers():
    rows = aec.quality_levels()
    assert sum(r["default"] for r in rows) == 1
    for r in rows:
        assert r["bytes"] > 0 and 15 < r["psnr"] < 40 and r["bytes_one_pass"] > 0 and r["digits"] == 10000


def test_import_aec_loads_no_network_runtime():
    import subprocess
    import sys

    code = ("import sys, numpy as np, aec; aec.compress(np.zeros((28, 28), np.uint8));"
            "bad = [m for m in ('tensorflow', 'keras', 'jax', 'torch') if m in sys.modules]; print(bad)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
    assert out.stderr == ""  # LiteRT's start-up line stays off stderr
