"""The package as a user gets it: the wheel, installed alone into a fresh virtual
environment (the package registries its only source), then the command and the API
run from another folder with nothing of this checkout on the path."""

import os
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


# How to reach the registries (a proxy, its CA bundle, pip's index) passes through; nothing else
# of this session's environment does (no PYTHONPATH, no virtual environment).
NETWORK = ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY",
           "http_proxy", "https_proxy", "no_proxy")


def _run(argv, cwd, timeout=600):
    network = {k: v for k, v in os.environ.items() if k in NETWORK or k.startswith("PIP_")}
    r = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                       env={"PATH": "/usr/bin:/bin", "HOME": str(cwd), **network})
    assert r.returncode == 0, f"{' '.join(map(str, argv))}:\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}"
    return r.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("package")
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp / "dist"), str(ROOT)], tmp)
    (wheel,) = (tmp / "dist").glob("aec-*.whl")
    venv.create(tmp / "venv", with_pip=True)
    _run([tmp / "venv" / "bin" / "pip", "install", "-q", str(wheel)], tmp)
    return wheel, tmp / "venv" / "bin", tmp


def test_the_wheel_holds_aec_alone_with_its_models(installed):
    wheel, _, _ = installed
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert tops == {"aec"}
    from aec import levels

    for folder in levels.FIRST_MODEL_ID:
        for f in ("codec.json", "encoder.tflite", "decoder.tflite"):
            assert f"aec/models/{folder}/{f}" in names
    assert "aec/models/measured.json" in names and "aec/models/model_prior.json" in names
    meta = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("METADATA"))).decode()
    assert "License-Expression: MIT" in meta and "Requires-Dist: ai-edge-litert" in meta
    assert "tensorflow" not in meta.split("Provides-Extra: dev")[0].lower()


def test_the_command_and_the_api_work_from_another_folder(installed, tmp_path):
    _, bin_dir, _ = installed
    from PIL import Image

    from tests.tiny_models import mnist_test

    Image.fromarray(mnist_test()[0][0]).save(tmp_path / "one.png")
    _run([bin_dir / "aec", "compress", "one.png", "-o", "out/"], tmp_path)
    _run([bin_dir / "aec", "decompress", "out/one.aec", "-o", "png/"], tmp_path)
    assert (tmp_path / "png" / "one.png").is_file()
    assert (tmp_path / "out" / "one.aec").read_bytes()[0] < 0x80  # format version 4: the table came along
    code = ("import numpy as np, aec, sys; d = np.zeros((28, 28), np.uint8); d[4:24, 12:16] = 255;"
            "print(aec.__file__, len(aec.compress(d)), aec.decompress(aec.compress(d)).shape,"
            " [m for m in ('tensorflow', 'keras', 'jax') if m in sys.modules])")
    out = _run([bin_dir / "python", "-c", code], tmp_path)
    assert str(ROOT) not in out and "(1, 28, 28) []" in out
    listed = _run([bin_dir / "pip", "list"], tmp_path).lower()
    assert "tensorflow" not in listed and "keras" not in listed
