"""What `aec` writes: whole files or nothing under the final name, no silent
overwrites, distinct names for inputs that share one, standard input and
output, and one line (never a traceback) when the output folder is unusable."""

import ctypes
import io
import os
import resource
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.cli_tools import assert_one_line_each, cli, draw_seven, mnist_digits


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    d = tmp_path_factory.mktemp("writes")
    (d / "a").mkdir()
    (d / "b").mkdir()
    draw_seven(d / "a" / "same.png")
    draw_seven(d / "b" / "same.png", size=(200, 300))
    draw_seven(d / "seven.png")
    draw_seven(d / "seven.jpg", size=(240, 200), quality=95)
    np.save(d / "thousand.npy", mnist_digits(1000))
    np.save(d / "three.npy", mnist_digits(3))
    return d


def _leftovers(folder: Path):
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_names_that_collide_in_one_call_get_distinct_names_and_are_reported(work):
    out = work / "collide"
    inputs = [work / "a" / "same.png", work / "b" / "same.png", work / "seven.png", work / "seven.jpg"]
    r = cli("compress", *inputs, "-q", 2, "--one-pass", "-o", out)
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in out.iterdir()) == ["same-1.aec", "same.aec", "seven-1.aec", "seven.aec"]
    reports = r.stdout.splitlines()
    assert reports[0].startswith(f"{inputs[0]} -> {out / 'same.aec'}:")
    assert reports[1].startswith(f"{inputs[1]} -> {out / 'same-1.aec'} (renamed")
    assert reports[3].startswith(f"{inputs[3]} -> {out / 'seven-1.aec'} (renamed")
    assert (out / "same.aec").read_bytes() != (out / "same-1.aec").read_bytes()  # two different drawings kept

    # decompress: a/x.aec and b/x.aec; a 3-digit stream whose names would meet a single digit's
    src = work / "dsrc"
    for sub in ("a", "b"):
        (src / sub).mkdir(parents=True)
        shutil.copy(out / "same.aec", src / sub / "x.aec")
    shutil.copy(out / "same.aec", src / "three_0001.aec")
    r = cli("compress", work / "three.npy", "--one-pass", "-q", 1, "-o", src)
    assert r.returncode == 0, r.stderr
    r = cli("decompress", src / "a" / "x.aec", src / "b" / "x.aec", src / "three.aec", src / "three_0001.aec",
            "-o", work / "dout")
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in (work / "dout").iterdir()) == [
        "three_0000.png", "three_0001-1.png", "three_0001.png", "three_0002.png", "x-1.png", "x.png"]
    assert [("(renamed" in line) for line in r.stdout.splitlines()] == [False, True, False, True]


def test_an_existing_file_is_not_replaced_without_force(work):
    out = work / "existing"
    out.mkdir()
    (out / "seven.aec").write_bytes(b"precious")
    r = cli("compress", work / "seven.png", work / "a" / "same.png", "--one-pass", "-o", out)
    assert r.returncode == 1
    assert_one_line_each(r.stderr, [work / "seven.png"])
    assert "exists" in r.stderr and "--force" in r.stderr
    assert (out / "seven.aec").read_bytes() == b"precious"
    assert (out / "same.aec").exists()  # the other input went on
    r = cli("compress", work / "seven.png", "--one-pass", "--force", "-o", out)
    assert r.returncode == 0, r.stderr
    assert (out / "seven.aec").read_bytes() != b"precious"
    # decompress too: one digit's PNG is there already
    (out / "seven.png").write_bytes(b"precious")
    r = cli("decompress", out / "seven.aec", "-o", out)
    assert r.returncode == 1 and "exists" in r.stderr
    assert (out / "seven.png").read_bytes() == b"precious"
    assert _leftovers(out) == []


def test_a_write_that_fails_half_way_leaves_no_file_under_the_final_name(work):
    """A file-size limit (as a full disk) stops the write; before, a truncated
    .aec stayed behind and decompressed with exit 0, 722 of 1,000 digits wrong."""
    out = work / "full"
    out.mkdir()

    def small_files():
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))

    r = cli("compress", work / "thousand.npy", work / "seven.png", "--one-pass", "-q", 1, "-o", out,
            preexec_fn=small_files)
    assert r.returncode == 1
    assert_one_line_each(r.stderr, [work / "thousand.npy"])
    assert "File too large" in r.stderr
    assert sorted(p.name for p in out.iterdir()) == ["seven.aec"]  # no thousand.aec, no temporary file


def test_standard_input_and_output(work):
    png = (work / "seven.png").read_bytes()
    r = cli("compress", "-", "-o", "-", "-q", 2, "--one-pass", stdin=png)
    assert r.returncode == 0, r.stderr
    by_file = cli("compress", work / "seven.png", "-q", 2, "--one-pass", "-o", work / "stdio")
    assert by_file.returncode == 0
    assert r.stdout == (work / "stdio" / "seven.aec").read_bytes()
    assert b"->" in r.stderr  # the report goes to stderr when stdout carries the data
    r = cli("decompress", "-", "-o", "-", stdin=r.stdout)
    assert r.returncode == 0, r.stderr
    assert Image.open(io.BytesIO(r.stdout)).size == (28, 28)
    r = cli("compress", "-", "-q", 2, "--one-pass", "-o", work / "stdio", stdin=png)  # - into a folder
    assert r.returncode == 0 and (work / "stdio" / "stdin.aec").exists()


def test_output_folder_that_is_a_file_or_not_writable(work):
    afile = work / "not-a-folder"
    afile.write_text("x")
    r = cli("compress", work / "seven.png", "--one-pass", "-o", afile)
    assert r.returncode == 1
    assert r.stderr.strip() == f"{afile}: the output folder exists and is not a folder"
    r = cli("decompress", work / "seven.png", "-o", afile / "sub")
    assert r.returncode == 1 and r.stderr.startswith(f"{afile / 'sub'}: cannot write to the output folder (")
    assert len(r.stderr.strip().splitlines()) == 1

    # A folder without write permission (root ignores permissions, so it runs without that capability)
    locked = work / "locked"
    locked.mkdir(mode=0o555)
    os.chmod(locked, 0o555)
    r = cli("compress", work / "seven.png", "--one-pass", "-o", locked, preexec_fn=_without_dac_override)
    assert r.returncode == 1, r.stderr
    assert r.stderr.strip() == f"{locked}: cannot write to the output folder (Permission denied)"
    assert list(locked.iterdir()) == []


def _without_dac_override():
    """In the child: drop CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH from the bounding
    set (prctl PR_CAPBSET_DROP), so even root meets the folder's permissions."""
    if os.geteuid() != 0:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (1, 2):
        if libc.prctl(24, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def test_write_bytes_without_replace(tmp_path, monkeypatch):
    from aec import atomic

    path = tmp_path / "x.aec"
    atomic.write_bytes(path, b"first", replace=False)
    with pytest.raises(FileExistsError):
        atomic.write_bytes(path, b"second", replace=False)
    assert path.read_bytes() == b"first" and [p.name for p in tmp_path.iterdir()] == ["x.aec"]

    def no_links(src, dst):  # a file system without hard links: a checked rename instead
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    with pytest.raises(FileExistsError):
        atomic.write_bytes(path, b"second", replace=False)
    atomic.write_bytes(tmp_path / "y.aec", b"new", replace=False)
    assert (tmp_path / "y.aec").read_bytes() == b"new" and path.read_bytes() == b"first"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.aec", "y.aec"]
