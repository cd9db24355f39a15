"""What `aec` reads (aec/inputs.py): regular files only, never more than a valid
input can hold, images sized before decoding, EXIF orientation applied, bad
pixels refused, digits per file capped, and peak memory under 1 GB."""

import contextlib
import io
import os

import numpy as np
import pytest
from PIL import Image, ImageOps

from aec import format as fmt
from aec import inputs
from aec.preprocess import preprocess
from tests.cli_tools import assert_one_line_each, cli, cli_peak_memory, draw_seven, mnist_digits

GB = 10**9
MB = 10**6


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    d = tmp_path_factory.mktemp("reads")
    draw_seven(d / "seven.png")
    os.mkfifo(d / "fifo.png")
    os.symlink("/dev/zero", d / "zero.png")
    os.symlink("/dev/zero", d / "zero.aec")
    (d / "folder.png").mkdir()
    return d


def test_fifos_devices_and_folders_are_refused_without_reading(work):
    names = [work / "fifo.png", work / "zero.png", work / "folder.png", "/dev/null"]
    r = cli("compress", *names, work / "seven.png", "--one-pass", "-o", work / "out", timeout=120)
    assert r.returncode == 1
    assert_one_line_each(r.stderr, names)
    assert f"{work / 'fifo.png'}: a pipe (FIFO), not a regular file" in r.stderr
    assert f"{work / 'zero.png'}: a character device, not a regular file" in r.stderr
    assert (work / "out" / "seven.aec").exists()
    r = cli("decompress", work / "fifo.png", work / "zero.aec", "-o", work / "dout", timeout=120)
    assert r.returncode == 1
    assert_one_line_each(r.stderr, [work / "fifo.png", work / "zero.aec"])


def test_a_digit_file_is_read_up_to_the_largest_valid_file_plus_one_byte(work, monkeypatch):
    from aec.codec import read_config
    from aec.tables import TableSet
    from tests.cli_tools import ROOT

    tables = {int(k): TableSet.from_json(v) for k, v in read_config(ROOT / "models" / "codec")["tables"].items()}
    limit = inputs.largest_file(tables, 10)
    big = work / "big.aec"
    with open(big, "wb") as f:
        f.write(bytes([0b10_001_1_00]) + b"\x55" * (1 << 20))  # model 1, one digit, then a megabyte
    reads = []
    real = inputs.open_input

    @contextlib.contextmanager
    def counting(name):
        with real(name) as f:
            yield _Counting(f, reads)

    monkeypatch.setattr(inputs, "open_input", counting)
    with pytest.raises(inputs.InputError, match="oversized file"):
        inputs.read_digit_file(str(big), tables, 10)
    assert sum(reads) == limit + 1 < big.stat().st_size

    # a few bytes may claim 16384 digits: refused before decoding, unless --max-digits allows them
    tiny = work / "tiny.aec"
    tiny.write_bytes(bytes([0b10_011_000, 0, 0b0001_0000]))
    assert fmt.read_header(tiny.read_bytes(), tables).n == 16384
    with pytest.raises(fmt.FormatError, match="too many digits"):
        inputs.read_digit_file(str(tiny), tables, 10_000)


class _Counting:
    def __init__(self, f, reads):
        self.f, self.reads = f, reads

    def read(self, n=-1):
        data = self.f.read(n)
        self.reads.append(len(data))
        return data


def test_decompress_caps_the_digits_per_file(work):
    np.save(work / "three.npy", mnist_digits(3))
    r = cli("compress", work / "three.npy", "--one-pass", "-q", 1, "-o", work / "cap")
    assert r.returncode == 0, r.stderr
    tiny = work / "cap" / "tiny.aec"
    tiny.write_bytes(bytes([0b10_011_000, 0, 0b0001_0000]))  # 3 bytes, 16384 digits
    r = cli("decompress", tiny, work / "cap" / "three.aec", "-o", work / "cap_out")
    assert r.returncode == 1
    assert_one_line_each(r.stderr, [tiny])
    assert "too many digits (16384; this reader accepts at most 10000) (--max-digits N raises the limit)" in r.stderr
    assert sorted(p.name for p in (work / "cap_out").iterdir()) == [f"three_000{i}.png" for i in range(3)]
    r = cli("decompress", work / "cap" / "three.aec", "--max-digits", 2, "-o", work / "cap_out2")
    assert r.returncode == 1 and "too many digits (3;" in r.stderr


def test_images_are_sized_before_decoding_and_memory_stays_under_1_gb(work):
    Image.new("L", (10000, 10000), 255).save(work / "huge.png")  # ~120 KB, 100 M pixels
    assert (work / "huge.png").stat().st_size < 1 << 20
    draw_seven(work / "photo.png", size=(4000, 3000))  # decoded, then reduced before preprocessing
    draw_seven(work / "photo.jpg", size=(6000, 4500), quality=90)  # decoded at 1/8 scale
    floats = mnist_digits(20000).astype(np.float64) / 255.0  # 125 MB of float64
    np.save(work / "floats.npy", floats)
    status, _, err, peak = cli_peak_memory("compress", work / "huge.png", work / "photo.png", work / "photo.jpg",
                                           work / "floats.npy", "--one-pass", "-o", work / "mem")
    assert status == 1, err
    assert_one_line_each(err, [work / "huge.png"])
    assert "image too large (10000x10000 pixels" in err
    assert sorted(p.name for p in (work / "mem").iterdir()) == ["floats.aec", "photo-1.aec", "photo.aec"]
    assert peak <= GB, f"peak memory {peak / 1e6:.0f} MB"
    # the reduced photos are the same digit as the drawing at its own size
    small = inputs.read_digits(str(draw_seven(work / "small.png", size=(400, 300))))[0].astype(int)
    for name in ("photo.png", "photo.jpg"):
        assert np.mean(np.abs(inputs.read_digits(str(work / name))[0].astype(int) - small)) < 8, name


def test_the_search_and_decompress_stay_small(work):
    """Many digits in one call (more than two of the search's batches) stay under the memory
    the issue allows one digit (300 MB searching, 200 MB decompressing): LiteRT, not TensorFlow."""
    np.save(work / "search.npy", mnist_digits(260))
    status, _, err, peak = cli_peak_memory("compress", work / "search.npy", "-q", 6, "-o", work / "smem")
    assert status == 0, err
    assert peak <= 300 * MB, f"searching: peak memory {peak / 1e6:.0f} MB"
    status, _, err, peak = cli_peak_memory("decompress", work / "smem" / "search.aec", "-o", work / "dmem")
    assert status == 0, err
    assert peak <= 200 * MB, f"decompressing: peak memory {peak / 1e6:.0f} MB"
    assert len(list((work / "dmem").iterdir())) == 260


def test_exif_orientation_is_applied(work):
    upright = Image.open(draw_seven(work / "upright.png", size=(200, 300)))
    stored = upright.transpose(Image.Transpose.ROTATE_90)  # as a phone stores a portrait photo
    exif = Image.Exif()
    exif[0x0112] = 6  # "display it turned 90 degrees clockwise": undoes the ROTATE_90 above
    stored.save(work / "tagged.jpg", exif=exif, quality=100)
    stored.save(work / "untagged.jpg", quality=100)
    assert ImageOps.exif_transpose(Image.open(work / "tagged.jpg")).size == upright.size
    want = inputs.read_digits(str(work / "upright.png"))[0].astype(int)
    tagged = inputs.read_digits(str(work / "tagged.jpg"))[0].astype(int)
    untagged = inputs.read_digits(str(work / "untagged.jpg"))[0].astype(int)
    assert np.mean(np.abs(tagged - want)) < 3  # JPEG's loss only
    assert np.mean(np.abs(untagged - want)) > 20  # sideways


def _npy(work, name, array):
    np.save(work / name, array)
    return str(work / name)


def test_npy_pixels_and_dtypes(work):
    x = mnist_digits(3000)
    ref = np.stack([preprocess(d) for d in x])
    assert np.array_equal(inputs.read_digits(_npy(work, "u8.npy", x)), ref)
    assert np.array_equal(inputs.read_digits(_npy(work, "f32.npy", x.astype(np.float32) / 255)), ref)  # [0, 1]
    assert np.array_equal(inputs.read_digits(_npy(work, "f64.npy", x.astype(np.float64))), ref)  # [0, 255]
    assert np.array_equal(inputs.read_digits(_npy(work, "i16.npy", x.astype(np.int16))), ref)
    assert np.array_equal(inputs.read_digits(_npy(work, "fortran.npy", np.asfortranarray(x[0]))), ref[:1])
    # the scale is decided on the whole array, though it is read in chunks
    late = x.astype(np.float64) / 255
    assert np.array_equal(inputs.read_digits(_npy(work, "early.npy", late)), ref)
    late[-1, 0, 0] = 255.0  # the last chunk shows the array is in [0, 255]: the rest is all but black
    assert inputs.read_digits(_npy(work, "late.npy", late))[:-1].max() == 0
    nan = x[:2].astype(np.float32)
    nan[1, 5, 5] = np.nan
    refused = {
        "nan.npy": (nan, "digit 1 has NaN or infinite values"),
        "inf.npy": (np.full((28, 28), np.inf), "digit 0 has NaN or infinite values"),
        "complex.npy": (x[:2].astype(np.complex64), "unsupported .npy dtype complex64"),
        "text.npy": (np.array([["a"] * 28] * 28), "unsupported .npy dtype <U1"),
        "record.npy": (np.zeros((2, 28, 28), [("a", "u1"), ("b", "f4")]), "unsupported .npy dtype"),
        "vector.npy": (np.zeros(784, np.uint8), "expected an array of shape (H,W) or (n,H,W)"),
        "empty.npy": (np.zeros((0, 28, 28), np.uint8), "holds no digits"),
        "manyF.npy": (np.asfortranarray(x[:3]), "Fortran-order"),
    }
    for name, (array, message) in refused.items():
        with pytest.raises(inputs.InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
            inputs.read_digits(_npy(work, name, array))
    with pytest.raises(inputs.InputError, match="unsupported .npy dtype object"):
        inputs.read_digits(_npy(work, "object.npy", np.array([None, 1], dtype=object)))


def test_npy_headers_are_checked_before_the_data_is_read(work):
    """65,537 digits: refused from the header alone (this file has no data at all)."""
    path = work / "many.npy"
    with open(path, "wb") as f:
        np.lib.format.write_array_header_1_0(f, {"descr": "|u1", "fortran_order": False, "shape": (65537, 28, 28)})
    with pytest.raises(inputs.InputError, match="holds 65537 digits; a file holds at most 65536"):
        inputs.read_digits(str(path))
    with open(path, "ab") as f:
        f.write(b"\0" * 100)
    path.rename(work / "short.npy")
    with open(work / "short.npy", "r+b") as f:  # now claim 3 digits but hold 100 bytes of them
        f.seek(0)
        np.lib.format.write_array_header_1_0(f, {"descr": "|u1", "fortran_order": False, "shape": (3, 28, 28)})
    with pytest.raises(inputs.InputError, match="truncated .npy"):
        inputs.read_digits(str(work / "short.npy"))


def test_standard_input_is_told_apart_by_content(work, monkeypatch):
    for data in ((work / "seven.png").read_bytes(), _npy_bytes(mnist_digits(2))):
        monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BufferedReader(io.BytesIO(data))))
        got = inputs.read_digits("-")
        assert got.shape[1:] == (28, 28) and got.dtype == np.uint8


def _npy_bytes(array) -> bytes:
    buf = io.BytesIO()
    np.save(buf, array)
    return buf.getvalue()


def test_16_bit_and_float_images(work):
    x = mnist_digits(1)[0]
    want = preprocess(x)
    Image.fromarray(x.astype(np.uint16) * 257).save(work / "w16.png")
    assert Image.open(work / "w16.png").mode == "I;16"
    assert np.array_equal(inputs.read_digits(str(work / "w16.png"))[0], want)
    f = (x / 255).astype(np.float32)
    Image.fromarray(f, "F").save(work / "float.tif")
    assert np.array_equal(inputs.read_digits(str(work / "float.tif"))[0], want)
    f[3, 3] = np.nan  # before: a blank digit, exit 0
    Image.fromarray(f, "F").save(work / "nan.tif")
    with pytest.raises(inputs.InputError, match="NaN or infinite pixels"):
        inputs.read_digits(str(work / "nan.tif"))
