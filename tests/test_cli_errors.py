"""Every failure of `aec` is one line `path: problem` on stderr, never a
traceback; the other inputs still go on; exit status 1 when some failed, 2
for a usage error; the models are found from any working directory."""

import json
import os
import shutil

import numpy as np
import pytest

from aec import cli as aec_cli
from aec.levels import DEFAULT_MODEL_ID, DEFAULT_QUALITY, LEVELS
from tests.cli_tools import ROOT, assert_one_line_each, cli, draw_seven

RUNTIME = ROOT / "aec" / "models"


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    d = tmp_path_factory.mktemp("errors")
    draw_seven(d / "seven.png")
    return d


@pytest.mark.parametrize("args, message", [
    (["compress", "x.png", "-q", "0", "-o", "out"], f"quality levels are 1..{len(LEVELS)} (the talk's network is --model talk)"),
    (["compress", "x.png", "-q", str(len(LEVELS) + 1), "-o", "out"], f"quality levels are 1..{len(LEVELS)}"),
    (["compress", "x.png", "-q", "two", "-o", "out"], "argument --quality/-q: 'two' is not a whole number"),
    (["compress", "x.png", "--model", "talk", "-q", "2", "-o", "out"], "--quality is for the learned codec"),
    (["compress", "-", "-", "-o", "out"], "standard input (-) can be read only once"),
    (["compress", "a.png", "b.png", "-o", "-"], "-o - (standard output) takes exactly one input"),
    (["decompress", "x.aec", "--max-digits", "0", "-o", "out"], "must be 1..65536"),
    (["decompress", "x.aec", "--max-digits", "65537", "-o", "out"], "must be 1..65536"),
    (["compress", "x.png"], "the following arguments are required: -o/--output"),
    (["compress", "x.png", "-o", "out", "--fast"], "unrecognized arguments: --fast"),
    (["squeeze", "x.png"], "invalid choice: 'squeeze'"),
])
def test_usage_errors_exit_2_with_one_line(args, message, tmp_path):
    r = cli(*args, cwd=tmp_path, timeout=60)
    assert r.returncode == 2, r.stderr
    assert r.stderr.count("\n") == 1 and message in r.stderr and r.stderr.startswith("aec: "), r.stderr
    assert not (tmp_path / "out").exists()


def test_models_without_the_level_give_one_line(work, tmp_path):
    """Models (of one's own training, say) that lack the asked level: one line, exit status 1."""
    for name in ("talk", "codec"):
        shutil.copytree(RUNTIME / name, tmp_path / "few" / name)
    config = json.loads((RUNTIME / "codec" / "codec.json").read_text())
    config["tables"] = {k: config["tables"][k] for k in ("1", "2")}
    (tmp_path / "few" / "codec" / "codec.json").write_text(json.dumps(config))
    r = cli("compress", work / "seven.png", "--models-dir", tmp_path / "few", "-o", tmp_path / "out", timeout=120)
    assert r.returncode == 1
    assert r.stderr == (f"{tmp_path / 'few'}: these models have no model {DEFAULT_MODEL_ID} "
                        f"(the default, quality {DEFAULT_QUALITY})\n")


def test_missing_or_damaged_models_give_one_line(work, tmp_path):
    empty = tmp_path / "nothing"
    empty.mkdir()
    for command in ("compress", "decompress"):
        r = cli(command, work / "seven.png", "--models-dir", empty, "-o", tmp_path / "out", timeout=60)
        assert r.returncode == 1
        assert len(r.stderr.splitlines()) == 1 and r.stderr.startswith(f"{empty}: no models there")
        assert "AEC_MODELS_DIR" in r.stderr and "Traceback" not in r.stderr
    r = cli("compress", work / "seven.png", "-o", tmp_path / "out", env={"AEC_MODELS_DIR": str(empty)}, timeout=60)
    assert r.returncode == 1 and r.stderr.startswith(str(empty))  # the environment variable is used
    damaged = tmp_path / "damaged"
    shutil.copytree(RUNTIME / "talk", damaged / "talk")
    folder = LEVELS[DEFAULT_QUALITY - 1].folder  # the default level's network
    shutil.copytree(RUNTIME / folder, damaged / folder)
    (damaged / folder / "encoder.tflite").write_bytes(b"not a network")
    r = cli("compress", work / "seven.png", "--one-pass", "--models-dir", damaged, "-o", tmp_path / "out")
    assert r.returncode == 1
    assert len(r.stderr.splitlines()) == 1
    assert r.stderr.startswith(f"aec: {damaged / folder / 'encoder.tflite'}: cannot load this network (")


def test_models_are_found_from_any_working_directory(work, tmp_path):
    shutil.copy(work / "seven.png", tmp_path / "seven.png")
    r = cli("compress", "seven.png", "--one-pass", "-o", "out", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    r = cli("decompress", "out/seven.aec", "-o", "png", cwd=tmp_path,
            env={"AEC_MODELS_DIR": str(tmp_path / "nothing")}, timeout=120)
    assert r.returncode == 1  # the variable overrides the package's models ...
    r = cli("decompress", "out/seven.aec", "-o", "png", "--models-dir", RUNTIME, cwd=tmp_path,
            env={"AEC_MODELS_DIR": str(tmp_path / "nothing")})
    assert r.returncode == 0, r.stderr  # ... and --models-dir overrides the variable
    assert (tmp_path / "png" / "seven.png").exists()


def test_every_bad_input_is_one_line_and_the_others_go_on(work):
    d = work / "bad"
    d.mkdir()
    (d / "broken.png").write_bytes(b"\x89PNG not really")
    (d / "text.png").write_text("hello")
    from PIL import Image

    Image.new("L", (10000, 10000)).save(d / "huge.png")
    nan = np.zeros((2, 28, 28), np.float32)
    nan[1, 3, 3] = np.nan
    np.save(d / "nan.npy", nan)
    np.save(d / "complex.npy", np.zeros((28, 28), np.complex64))
    np.save(d / "empty.npy", np.zeros((0, 28, 28), np.uint8))
    with open(d / "many.npy", "wb") as f:  # a header claiming 65,537 digits
        np.lib.format.write_array_header_1_0(f, {"descr": "|u1", "fortran_order": False, "shape": (65537, 28, 28)})
    os.mkfifo(d / "fifo.png")
    os.symlink("/dev/zero", d / "zero.png")
    (d / "folder.png").mkdir()
    bad = [d / n for n in ("broken.png", "text.png", "huge.png", "nan.npy", "complex.npy", "empty.npy", "many.npy",
                           "fifo.png", "zero.png", "folder.png", "missing.png")]
    np.save(d / "good.npy", np.zeros((2, 28, 28), np.uint8))
    inputs = [bad[0], work / "seven.png", *bad[1:], d / "good.npy"]
    r = cli("compress", *inputs, "--one-pass", "-o", d / "out", timeout=300)
    assert r.returncode == 1
    assert_one_line_each(r.stderr, bad)
    assert "holds 65537 digits" in r.stderr and "NaN" in r.stderr and "too large" in r.stderr
    assert sorted(p.name for p in (d / "out").iterdir()) == ["good.aec", "seven.aec"]

    files = [d / n for n in ("empty.aec", "newer.aec", "huge.aec", "many.aec", "junk.aec")]
    files[0].write_bytes(b"")
    files[1].write_bytes(bytes([0b11_111_010, 0x55]))  # the escape: version 5
    files[2].write_bytes(bytes([0b10_001_100]) + os.urandom(100_000))
    files[3].write_bytes(bytes([0b10_011_000, 0, 0b0001_0000]))  # 16384 digits in 3 bytes
    files[4].write_bytes(b"\x00\x01\x02")
    bad = [*files, d / "fifo.png", d / "zero.png", d / "missing.aec", d / "folder.png"]
    r = cli("decompress", *bad[:3], d / "out" / "seven.aec", *bad[3:], "-o", d / "png", timeout=300)
    assert r.returncode == 1
    assert_one_line_each(r.stderr, bad)
    assert sorted(p.name for p in (d / "png").iterdir()) == ["seven.png"]


def test_an_unexpected_exception_is_one_line_too(monkeypatch, capsys, tmp_path):
    def boom(args):
        raise RuntimeError("something no test foresaw\nsecond line")

    monkeypatch.setattr(aec_cli, "cmd_compress", boom)
    assert aec_cli.main(["compress", "x.png", "-o", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err == "aec: internal error (RuntimeError: something no test foresaw)\n"


def test_binary_data_never_goes_to_or_comes_from_a_terminal(work, tmp_path):
    import pty
    import subprocess
    import sys

    from tests.cli_tools import ENV

    main_fd, terminal = pty.openpty()
    try:
        for args, where, message in [
            (["compress", work / "seven.png", "-o", "-"], "stdout", "will not write binary data to a terminal"),
            (["compress", "-", "-o", tmp_path], "stdin", "standard input (-) is a terminal"),
        ]:
            streams = {"stdout": subprocess.PIPE, "stdin": subprocess.DEVNULL, where: terminal}
            r = subprocess.run([sys.executable, "-m", "aec", *map(str, args)], stderr=subprocess.PIPE, text=True,
                               cwd=ROOT, env=ENV, timeout=60, **streams)
            assert r.returncode == 2 and message in r.stderr and r.stderr.count("\n") == 1, r.stderr
    finally:
        os.close(main_fd)
        os.close(terminal)
