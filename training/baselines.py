"""Classical codecs through Pillow, batched over many 28x28 uint8 grayscale digits.

Every codec function has the form ``codec(images, quality) -> (nbytes, decoded)``
with ``images`` uint8 ``(N, H, W)`` (one ``(H, W)`` image is accepted too),
``nbytes`` an int64 ``(N,)`` array of per-image byte counts and ``decoded`` the
uint8 ``(N, H, W)`` images a decoder gives back. Images are encoded one by one
(each digit is its own file); settings are Pillow's defaults except where noted.

Codecs (``CODECS``):

``jpeg``
    Baseline JPEG, grayscale (mode ``L``: one component, no chroma), Pillow's
    default Huffman tables, ``quality`` 1..100 (0 is raised to 1). The whole
    file: SOI, JFIF APP0, DQT, SOF0, DHT (~216 B), SOS, scan, EOI; the fixed
    headers alone are 330 bytes for a 28x28 grayscale image.
``jpeg_scan``
    The same files, but counting only the entropy-coded scan: the bytes after
    the end of the SOS segment up to (not including) the EOI marker, i.e. all
    headers and tables stripped. No real JPEG file is that small; this is the
    most generous possible reading of JPEG ("if the tables were free / shared"),
    used as a lower bound for what JPEG's coding engine costs. Decoding still
    uses the full file, so the pixels are those of ``jpeg`` at the same quality.
``webp``
    Lossy WebP (VP8), ``quality`` 0..100, default ``method`` 4. Pillow encodes
    ``L`` as RGB; decoded pixels are converted back with Pillow's ``convert("L")``
    (ITU-R 601-2 luma; R=G=B up to rounding for grey input). The RIFF/VP8
    container and frame header make its smallest output ~92-99 bytes even for
    quality 0: WebP cannot go below that.
``avif``
    AVIF (AV1 still image, Pillow >= 11.3 built-in plugin, libavif), ``quality``
    0..100, monochrome ``4:0:0`` (Pillow's default for ``L``), speed 6, one
    thread. The HEIF box structure (ftyp/meta/iinf/iloc/iprp/...) costs ~300 B,
    so AVIF files of a 28x28 digit are 360 B and more.
``png``
    Lossless PNG with ``optimize=True`` (quality is ignored); PSNR is the
    ``metrics.PSNR_CAP`` (100 dB) and SSIM 1.

``measure(images)`` runs them all and keeps per-digit results (bytes, PSNR,
SSIM and, given a classifier, its predicted labels); ``baseline_curves(images)``
summarises each quality as a point ``{quality, bytes_mean, bytes_p10, bytes_p50,
bytes_p90, psnr, ssim, n}`` (psnr / ssim: means of the per-image values, see
training/metrics.py), with ``cache_dir`` reusing an earlier run's per-digit
results (training/baseline_cache.py: keyed by the digits, the libraries'
versions, the qualities, ``CODE_VERSION`` and the classifier).
``interpolate_bytes_at_psnr(curve, psnr)`` reads a curve at a given PSNR.
"""

from __future__ import annotations

import io
import math
import time
from typing import Callable, Iterable

import numpy as np
from PIL import Image, features

from training import metrics

__all__ = [
    "CODECS", "DEFAULT_QUALITIES", "available_codecs",
    "encode_jpeg", "jpeg_scan_size", "decode",
    "jpeg", "jpeg_scan", "webp", "avif", "png",
    "CODE_VERSION", "library_versions", "resolve_qualities", "measure", "summarize", "baseline_curves",
    "interpolate_bytes_at_psnr",
]

# Part of the baseline cache's key: bump it with any change here that alters a
# baseline's bytes or pixels (settings, codecs, what is measured per digit).
CODE_VERSION = 1

# Qualities per codec. The low ends matter most: that is where a learned codec
# for 28x28 digits competes (WebP's quality 0 is its smallest possible file).
DEFAULT_QUALITIES: dict[str, list] = {
    "jpeg": [1, 5, 10, 15, 20, 25, 30, 40, 50, 60, 75, 90],
    "jpeg_scan": [1, 5, 10, 15, 20, 25, 30, 40, 50, 60, 75, 90],
    "webp": [0, 2, 5, 10, 15, 20, 25, 30, 40, 50, 60, 75, 90, 100],
    "avif": [0, 25, 50, 75, 90],  # slowest (~4 ms per digit); never below ~375 B
    "png": [None],
}


def _as_batch(images) -> np.ndarray:
    x = np.asarray(images)
    if x.ndim == 4 and x.shape[-1] == 1:
        x = x[..., 0]
    if x.ndim == 2:
        x = x[None]
    if x.ndim != 3 or x.dtype != np.uint8:
        raise ValueError(f"expected uint8 images (N, H, W), got {x.dtype} {x.shape}")
    return x


def decode(data: bytes) -> np.ndarray:
    """Decode any Pillow-readable file to a uint8 grayscale array."""
    with Image.open(io.BytesIO(data)) as im:
        im.load()
        if im.mode != "L":
            im = im.convert("L")
        return np.asarray(im, dtype=np.uint8).copy()


def _encode(image: np.ndarray, fmt: str, **params) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(image)).save(buf, fmt, **params)
    return buf.getvalue()


def encode_jpeg(image: np.ndarray, quality: int) -> bytes:
    """One grayscale baseline JPEG file (Pillow defaults, quality clamped to 1..100)."""
    return _encode(image, "JPEG", quality=int(min(max(quality, 1), 100)))


def jpeg_scan_size(data: bytes) -> int:
    """Bytes of the entropy-coded scan of a single-scan JPEG file.

    Walks the marker segments from SOI to the (single) SOS, then counts the
    bytes from the end of the SOS segment to the EOI marker, excluding EOI.
    Raises ``ValueError`` on anything unexpected (no SOS, several scans,
    missing EOI), so a change in Pillow's output cannot go unnoticed.
    """
    if data[:2] != b"\xff\xd8":
        raise ValueError("not a JPEG file (no SOI)")
    pos = 2
    n = len(data)
    while pos + 4 <= n:
        if data[pos] != 0xFF:
            raise ValueError(f"JPEG marker expected at byte {pos}")
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        length = int.from_bytes(data[pos + 2:pos + 4], "big")
        if marker == 0xDA:  # SOS
            scan_start = pos + 2 + length
            if data[-2:] != b"\xff\xd9":
                raise ValueError("JPEG file does not end with EOI")
            scan_end = n - 2
            # A second scan (progressive JPEG) would contain another SOS marker.
            if data.find(b"\xff\xda", scan_start, scan_end) != -1:
                raise ValueError("JPEG file has several scans")
            return scan_end - scan_start
        pos += 2 + length
    raise ValueError("JPEG file has no SOS segment")


def _run(images, encode: Callable[[np.ndarray], bytes], size: Callable[[bytes], int] = len):
    x = _as_batch(images)
    nbytes = np.empty(len(x), dtype=np.int64)
    decoded = np.empty_like(x)
    for i, img in enumerate(x):
        data = encode(img)
        nbytes[i] = size(data)
        decoded[i] = decode(data)
    return nbytes, decoded


def jpeg(images, quality: int = 75):
    """Whole grayscale JPEG files: ``(nbytes, decoded)``."""
    return _run(images, lambda im: encode_jpeg(im, quality))


def jpeg_scan(images, quality: int = 75):
    """JPEG scan bytes only (headers stripped; no real file is that small).

    Decoded pixels come from the full file, identical to ``jpeg`` at ``quality``.
    """
    return _run(images, lambda im: encode_jpeg(im, quality), jpeg_scan_size)


def _jpeg_both(images, quality: int):
    """File and scan sizes from one encoding pass: ``(file_bytes, scan_bytes, decoded)``."""
    x = _as_batch(images)
    file_b = np.empty(len(x), dtype=np.int64)
    scan_b = np.empty(len(x), dtype=np.int64)
    decoded = np.empty_like(x)
    for i, img in enumerate(x):
        data = encode_jpeg(img, quality)
        file_b[i] = len(data)
        scan_b[i] = jpeg_scan_size(data)
        decoded[i] = decode(data)
    return file_b, scan_b, decoded


def webp(images, quality: int = 0):
    """Lossy WebP files (quality 0..100, method 4): ``(nbytes, decoded)``."""
    q = int(quality)
    if not 0 <= q <= 100:
        raise ValueError("WebP quality must be in 0..100")
    return _run(images, lambda im: _encode(im, "WEBP", quality=q, lossless=False))


def avif(images, quality: int = 50):
    """AVIF files (quality 0..100, 4:0:0, speed 6, one thread): ``(nbytes, decoded)``."""
    if not features.check("avif"):
        raise RuntimeError("this Pillow has no AVIF support (needs Pillow >= 11.3 with libavif)")
    q = int(quality)
    if not 0 <= q <= 100:
        raise ValueError("AVIF quality must be in 0..100")
    return _run(images, lambda im: _encode(im, "AVIF", quality=q, speed=6, max_threads=1))


def png(images, quality=None):
    """Lossless PNG (optimize=True); ``quality`` is ignored: ``(nbytes, decoded)``."""
    return _run(images, lambda im: _encode(im, "PNG", optimize=True))


CODECS: dict[str, Callable] = {
    "jpeg": jpeg,
    "jpeg_scan": jpeg_scan,
    "webp": webp,
    "avif": avif,
    "png": png,
}


def available_codecs() -> list[str]:
    """The codecs this Pillow build can run (AVIF needs Pillow >= 11.3 with libavif)."""
    names = ["jpeg", "jpeg_scan"]
    if features.check("webp"):
        names.append("webp")
    if features.check("avif"):
        names.append("avif")
    names.append("png")
    return names


def library_versions() -> dict:
    """The versions that decide the baselines' bytes and pixels (the cache's key)."""
    import PIL

    libs = {name: features.version(name) for name in ("jpg", "libjpeg_turbo", "webp", "avif", "zlib", "zlib_ng")}
    return {"pillow": PIL.__version__, "numpy": np.__version__, **libs}


def resolve_qualities(qualities=None, codecs: Iterable[str] | None = None) -> dict[str, list]:
    """``{codec: [quality, ...]}`` for the codecs to run (default: all that this
    Pillow supports). ``qualities``: ``None`` for ``DEFAULT_QUALITIES``; a dict
    ``codec -> list`` (codecs missing from it use the defaults); or one list used
    for every lossy codec (JPEG raises 0 to 1). PNG has the one point ``None``."""
    names = list(codecs) if codecs is not None else available_codecs()
    unknown = [n for n in names if n not in CODECS]
    if unknown:
        raise ValueError(f"unknown codecs {unknown}; known: {sorted(CODECS)}")

    def qs(name):
        if name == "png":
            return [None]
        if qualities is None:
            q = DEFAULT_QUALITIES[name]
        elif isinstance(qualities, dict):
            q = qualities.get(name, DEFAULT_QUALITIES[name])
        else:
            q = qualities
        return [int(min(max(v, 1), 100)) for v in q] if name in ("jpeg", "jpeg_scan") else [int(v) for v in q]

    return {name: qs(name) for name in names}


def measure(images, plan: dict[str, list], classify: Callable[[np.ndarray], np.ndarray] | None = None,
            progress: Callable[[str], None] | None = None, workers=None) -> dict[str, np.ndarray]:
    """Per-digit results of every ``(codec, quality)`` in ``plan`` (from
    :func:`resolve_qualities`): arrays ``"{codec}/{quality}/{field}"`` of shape
    ``(N,)`` with field ``bytes`` (int64), ``psnr`` and ``ssim`` (float64) and,
    with ``classify`` (decoded images -> predicted labels), ``label`` (int64).
    ``jpeg`` and ``jpeg_scan`` share one encoding pass. ``workers``
    (training/workers.py): the encoding and decoding in its processes, the same results."""
    x = _as_batch(images)
    if workers is not None:
        return _measure_in(workers, x, plan, classify, progress)
    out: dict[str, np.ndarray] = {}
    done_jpeg: dict = {}
    for name, qs in plan.items():
        for q in qs:
            t0 = time.time()
            if name in ("jpeg", "jpeg_scan"):
                if q not in done_jpeg:
                    done_jpeg[q] = _jpeg_both(x, q)
                file_b, scan_b, dec = done_jpeg[q]
                nb = file_b if name == "jpeg" else scan_b
            else:
                nb, dec = CODECS[name](x, q)
            prefix = f"{name}/{q}/"
            out[prefix + "bytes"] = np.asarray(nb, np.int64)
            twin = f"{'jpeg_scan' if name == 'jpeg' else 'jpeg'}/{q}/"
            if name in ("jpeg", "jpeg_scan") and twin + "psnr" in out:  # the same pixels: measured once
                for field in ("psnr", "ssim", "label"):
                    if twin + field in out:
                        out[prefix + field] = out[twin + field]
            else:
                out[prefix + "psnr"] = metrics.psnr(x, dec)
                out[prefix + "ssim"] = metrics.ssim(x, dec)
                if classify is not None:
                    out[prefix + "label"] = np.asarray(classify(dec), np.int64)
            if progress is not None:
                progress(f"measured {name} q={q} on {len(x)} digits in {time.time() - t0:.0f} s")
    return out


# The slowest first, so that the workers finish together (AVIF: ~4 ms a digit, the rest ~0.5).
_SLOWEST_FIRST = {"avif": 0, "webp": 1, "jpeg_both": 2, "png": 3}


def _measure_in(workers, x, plan, classify, progress) -> dict[str, np.ndarray]:
    """:func:`measure` with each (codec, quality)'s files made and decoded by a worker;
    the metrics and the classifier's labels here, as each comes back."""
    tasks = list(dict.fromkeys(("jpeg_both" if name in ("jpeg", "jpeg_scan") else name, q)
                               for name, qs in plan.items() for q in qs))
    tasks.sort(key=lambda t: _SLOWEST_FIRST.get(t[0], 0))
    measured, t0 = {}, time.time()
    for (name, q), result in workers.baselines(x, tasks):
        if name == "jpeg_both":
            file_b, scan_b, dec = result
            sizes = {"jpeg": file_b, "jpeg_scan": scan_b}
        else:
            nb, dec = result
            sizes = {name: nb}
        fields = {"psnr": metrics.psnr(x, dec), "ssim": metrics.ssim(x, dec)}
        if classify is not None:
            fields["label"] = np.asarray(classify(dec), np.int64)
        for codec, nb in sizes.items():
            measured[codec, q] = {"bytes": np.asarray(nb, np.int64), **fields}
        if progress is not None:
            progress(f"measured {name} q={q} on {len(x)} digits ({time.time() - t0:.0f} s in)")
    return {f"{name}/{q}/{field}": value for name, qs in plan.items() for q in qs
            for field, value in measured[name, q].items()}


def summarize(quality, nbytes, psnr, ssim) -> dict:
    """One curve point from per-image byte counts, PSNR and SSIM."""
    nbytes = np.asarray(nbytes, dtype=np.float64)
    p10, p50, p90 = np.percentile(nbytes, [10, 50, 90])
    return {
        "quality": quality,
        "bytes_mean": float(nbytes.mean()),
        "bytes_p10": float(p10),
        "bytes_p50": float(p50),
        "bytes_p90": float(p90),
        "psnr": float(np.mean(psnr)),
        "ssim": float(np.mean(ssim)),
        "n": int(len(nbytes)),
    }


def baseline_curves(images, qualities=None, codecs: Iterable[str] | None = None,
                    progress: Callable[[str], None] | None = None,
                    classify: Callable[[np.ndarray], np.ndarray] | None = None, labels=None,
                    classifier_id: str | None = None, cache_dir=None, workers=None) -> dict[str, list[dict]]:
    """Rate/distortion curves of the classical codecs on ``images``.

    ``qualities`` and ``codecs``: see :func:`resolve_qualities`. Returns
    ``{codec: [point, ...]}`` in quality order, each point as described in
    :func:`summarize`, plus ``accuracy`` (the share of ``classify(decoded)``
    equal to ``labels``) when a classifier is given. ``progress`` (e.g.
    ``print``) gets a line per point. ``cache_dir``: per-digit results are read
    from and written to this folder; ``classifier_id`` (e.g. the classifier
    file's sha256) is part of the key when ``classify`` is given. ``workers``: see
    :func:`measure`.
    """
    from training import baseline_cache

    x = _as_batch(images)
    plan = resolve_qualities(qualities, codecs)
    if classify is not None and (labels is None or (cache_dir is not None and not classifier_id)):
        raise ValueError("classify needs labels, and a classifier_id to be cached")

    def run():
        return measure(x, plan, classify, progress, workers)

    if cache_dir is None:
        per_digit = run()
    else:
        key = baseline_cache.key(x, plan, classifier_id if classify is not None else None)
        per_digit = baseline_cache.load_or_run(cache_dir, key, run, progress)
    out: dict[str, list[dict]] = {}
    for name, qs in plan.items():
        out[name] = []
        for q in qs:
            prefix = f"{name}/{q}/"
            point = summarize(q, per_digit[prefix + "bytes"], per_digit[prefix + "psnr"], per_digit[prefix + "ssim"])
            if classify is not None:
                point["accuracy"] = float(np.mean(per_digit[prefix + "label"] == np.asarray(labels)))
            out[name].append(point)
            if progress is not None:
                progress(f"{name:9s} q={q!s:>4}  {point['bytes_mean']:7.1f} B  "
                         f"{point['psnr']:6.2f} dB  ssim {point['ssim']:.3f}")
    return out


def interpolate_bytes_at_psnr(curve: list[dict], psnr: float, key: str = "bytes_mean") -> float | None:
    """Bytes a codec needs to reach ``psnr`` dB, read off its curve.

    The points are sorted by PSNR (equal PSNRs keep the fewest bytes) and
    ``log(bytes)`` is interpolated linearly in PSNR between the two neighbours.
    Below the curve's lowest PSNR the lowest-PSNR point's bytes are returned
    (the codec cannot go smaller than that, even if a worse image would do);
    above its highest PSNR, ``None`` (the codec does not reach that quality in
    the measured range). ``key`` chooses the byte statistic (e.g. ``bytes_p50``).
    """
    pts: dict[float, float] = {}
    for p in curve:
        b = float(p[key])
        ps = float(p["psnr"])
        if b <= 0:
            raise ValueError("byte counts must be positive for log interpolation")
        pts[ps] = min(b, pts.get(ps, math.inf))
    if not pts:
        raise ValueError("empty curve")
    xs = sorted(pts)
    target = float(psnr)
    if target <= xs[0]:
        return pts[xs[0]]
    if target > xs[-1]:
        return None
    for lo, hi in zip(xs, xs[1:]):
        if lo <= target <= hi:
            t = (target - lo) / (hi - lo)
            return float(math.exp((1 - t) * math.log(pts[lo]) + t * math.log(pts[hi])))
    return pts[xs[-1]]  # target == xs[-1]
