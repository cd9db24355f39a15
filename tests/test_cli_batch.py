"""All inputs of one `aec` call are coded as one batch (Codecs.compress_files /
decompress_files), with the bytes each input would get alone, and a progress
line on a terminal when a call takes long."""

import io
import time

import numpy as np
import pytest

from aec import cli as aec_cli
from aec import format as fmt
from aec.codec import Codecs
from tests.cli_tools import ROOT, draw_seven, mnist_digits


@pytest.fixture(scope="module")
def codecs():
    return Codecs.load(ROOT / "aec" / "models")


@pytest.fixture(scope="module")
def arrays():
    x = mnist_digits(7)
    return [x[:1], x[1:4], x[4:5], x[5:7]]


@pytest.mark.parametrize("model_id", [0, 1, 7])
def test_compress_files_gives_each_array_the_bytes_it_gets_alone(codecs, arrays, model_id):
    together = codecs.compress_files(arrays, model_id)
    assert together == [codecs.compress_file(a, model_id) for a in arrays]
    assert codecs.compress_files([], model_id) == []


def test_the_search_too(codecs, arrays):
    small = [arrays[0], arrays[3]]
    assert codecs.compress_files(small, 2, search=True) == [codecs.compress_file(a, 2, search=True) for a in small]


def test_compress_files_reports_progress_per_chunk(codecs, monkeypatch):
    import aec.codec

    monkeypatch.setattr(aec.codec, "CHUNK", 4)
    calls = []
    x = mnist_digits(10)
    files = codecs.compress_files([x[:6], x[6:]], 3, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(4, 10), (8, 10), (10, 10)]
    assert files == [codecs.compress_file(x[:6], 3), codecs.compress_file(x[6:], 3)]


def test_decompress_files_matches_decompress_and_reports_bad_files_in_place(codecs, arrays):
    files = [codecs.compress_file(a, m) for a, m in zip(arrays, (1, 0, 7, 1))]
    files.insert(2, b"\xf0junk")  # format v3, model id 14: none shipped
    out = codecs.decompress_files(files)
    assert isinstance(out[2], fmt.FormatError)
    for data, got in zip(files[:2] + files[3:], out[:2] + out[3:]):
        model_id, images = codecs.decompress_file(data)
        assert got[0] == model_id and np.array_equal(got[1], images)
    refused = codecs.decompress_files(files[1:2], max_digits=2)[0]
    assert isinstance(refused, fmt.FormatError) and "too many digits" in str(refused)


def test_the_command_codes_all_inputs_of_a_call_in_one_batch(tmp_path, monkeypatch, capsys):
    for i in range(3):
        draw_seven(tmp_path / f"d{i}.png", size=(200 + 40 * i, 200))
    np.save(tmp_path / "two.npy", mnist_digits(2))
    calls = []
    real = Codecs.compress_files

    def spy(self, streams, model_id, search=False, progress=None):
        calls.append([len(s) for s in streams])
        return real(self, streams, model_id, search, progress)

    monkeypatch.setattr(Codecs, "compress_files", spy)
    inputs = [str(tmp_path / n) for n in ("d0.png", "two.npy", "d1.png", "d2.png")]
    assert aec_cli.main(["compress", *inputs, "--one-pass", "-o", str(tmp_path / "out")]) == 0
    assert calls == [[1, 2, 1, 1]]
    # a call of more digits than one batch holds is coded in batches, in order
    calls.clear()
    monkeypatch.setattr(aec_cli, "MAX_DIGITS", 3)
    assert aec_cli.main(["compress", *inputs, "--one-pass", "--force", "-o", str(tmp_path / "out")]) == 0
    assert calls == [[1, 2], [1, 1]]
    assert len(capsys.readouterr().out.splitlines()) == 8


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_the_progress_line_shows_on_a_terminal_only_when_it_takes_long():
    quiet = io.StringIO()
    p = aec_cli._Progress("compressing", 10, delay=0.0, stream=quiet)
    p(5)
    time.sleep(0.2)
    p.close()
    assert quiet.getvalue() == ""  # not a terminal

    tty = _Terminal()
    p = aec_cli._Progress("compressing", 10, delay=0.05, stream=tty)
    p(5)
    time.sleep(0.3)
    p.close()
    shown = tty.getvalue()
    assert "\rcompressing [###############...............] 5/10 digits" in shown
    assert shown.endswith("\r")  # the line is cleared at the end

    tty = _Terminal()
    p = aec_cli._Progress("compressing", 10, delay=5.0, stream=tty)
    p(10)
    p.close()
    assert tty.getvalue() == ""  # done before the delay: nothing shown
