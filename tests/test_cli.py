"""`aec compress` / `aec decompress` (python -m aec) with the committed models:
a drawing from any paint program round-trips; bad input gives one clear line
per file and a non-zero exit, never a traceback. The command's other promises:
test_cli_writes.py, test_cli_reads.py, test_cli_errors.py, test_cli_batch.py."""

import os

import numpy as np
import pytest
from PIL import Image

from tests.cli_tools import ROOT, cli, draw_seven


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli")
    draw_seven(d / "seven.png")
    np.save(d / "stream.npy", np.stack([np.asarray(Image.open(d / "seven.png").convert("L").resize((28, 28)))] * 3))
    (d / "broken.png").write_bytes(b"\x89PNG not really")
    return d


def test_round_trip_of_a_drawing_and_a_stream(work):
    from aec.preprocess import preprocess

    r = cli("compress", work / "seven.png", work / "broken.png", work / "stream.npy", "--quality", 1, "-o", work / "c")
    assert r.returncode == 1, r.stderr  # one input failed, the others were still written
    assert f"{work / 'broken.png'}: cannot read image" in r.stderr and "Traceback" not in r.stderr
    single = (work / "c" / "seven.aec").read_bytes()
    assert 5 <= len(single) <= 64
    r = cli("decompress", work / "c" / "seven.aec", work / "c" / "stream.aec", "-o", work / "d")
    assert r.returncode == 0, r.stderr
    out = np.asarray(Image.open(work / "d" / "seven.png"))
    expected = preprocess(Image.open(work / "seven.png"))
    assert out.shape == (28, 28)
    assert np.mean(np.abs(out.astype(int) - expected.astype(int))) < 20  # the same digit, lossy
    assert sorted(p.name for p in (work / "d").glob("stream_*.png")) == [f"stream_{i:04d}.png" for i in range(3)]


def test_one_pass_writes_what_the_one_pass_encoder_writes(work):
    """--one-pass: plain rounding, the browser's encoder (whose bytes the JS tests pin)."""
    from aec import levels
    from aec.codec import Codecs
    from aec.preprocess import preprocess

    r = cli("compress", work / "seven.png", "--quality", 2, "--one-pass", "-o", work / "op")
    assert r.returncode == 0, r.stderr
    digit = preprocess(Image.open(work / "seven.png"))[None]
    codecs = Codecs.load(ROOT / "aec" / "models")  # quality 2: the table's second level
    assert (work / "op" / "seven.aec").read_bytes() == codecs.compress_file(digit, levels.model_id_of(2))


def test_talk_model_files_are_129_bytes(work):
    r = cli("compress", work / "seven.png", "--model", "talk", "-o", work / "t")
    assert r.returncode == 0, r.stderr
    assert len((work / "t" / "seven.aec").read_bytes()) <= 129


def test_bad_files_give_one_line_each(work):
    bad = work / "bad"
    bad.mkdir()
    (bad / "empty.aec").write_bytes(b"")
    (bad / "newer.aec").write_bytes(bytes([0b11_111_010, 0x55]))  # the escape: version 5
    (bad / "fourteen.aec").write_bytes(bytes([0b11_110_100, 0x55]))  # version 3, model id 14: none shipped
    (bad / "huge.aec").write_bytes(bytes([0b10_001_100]) + os.urandom(100_000))
    paths = [bad / "empty.aec", bad / "newer.aec", bad / "fourteen.aec", bad / "huge.aec", bad / "missing.aec"]
    r = cli("decompress", *paths, "-o", work / "bad_out")
    assert r.returncode == 1
    assert "Traceback" not in r.stderr
    lines = r.stderr.strip().splitlines()
    assert any(line.startswith(f"{bad / 'empty.aec'}: ") and "empty" in line for line in lines)
    assert any(line.startswith(f"{bad / 'newer.aec'}: ") and "unsupported format version 5 (this reader knows versions 2 to 4)" in line for line in lines)
    assert any(line.startswith(f"{bad / 'fourteen.aec'}: ") and "unknown model id 14" in line for line in lines)
    assert any(line.startswith(f"{bad / 'huge.aec'}: ") and "oversized" in line for line in lines)
    assert any(line.startswith(f"{bad / 'missing.aec'}: ") for line in lines)


def test_random_bytes_never_crash(work):
    rng = np.random.default_rng(0)
    folder = work / "random"
    folder.mkdir()
    paths = []
    for i in range(40):
        p = folder / f"r{i}.aec"
        p.write_bytes(bytes(rng.integers(0, 256, rng.integers(1, 40), dtype=np.uint8)))
        paths.append(p)
    r = cli("decompress", *paths, "-o", work / "random_out")
    assert r.returncode in (0, 1)
    assert "Traceback" not in r.stderr
    decoded = len(list((work / "random_out").glob("*.png"))) if (work / "random_out").exists() else 0
    failed = len([line for line in r.stderr.splitlines() if ".aec: " in line])
    assert decoded + failed >= 40
