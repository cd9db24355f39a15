"""The classical baselines' per-digit results, kept between evaluations.

Pillow's codecs give the same bytes and pixels for the same digits, library
versions and settings, so ``evaluate`` measures them once (minutes on the two
test sets) and reads them back afterwards. An entry ``<key>.npz`` holds what
``baselines.measure`` returns; the key is the sha256 of:

* the digits' bytes (and shape),
* the libraries' versions (``baselines.library_versions``: Pillow, libjpeg,
  libwebp, libavif, zlib, numpy),
* the codecs and qualities measured,
* ``baselines.CODE_VERSION`` (bumped by whoever changes what the baselines do)
  and the sha256 of training/metrics.py (PSNR and SSIM are stored per digit),
* the classifier's id (its file's sha256) when its predictions are stored.

Entries are written atomically (aec/atomic.py); one that cannot be read, or
does not hold what its key asks for, is measured again and replaced.
"""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path
from typing import Callable

import numpy as np

from aec import atomic

KEY_FIELD = "__key__"  # the key's JSON, stored in the entry and checked on reading


def file_sha256(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def key(images: np.ndarray, plan: dict, classifier_id: str | None) -> dict:
    """What the per-digit results of ``plan`` on ``images`` depend on."""
    from training import baselines, metrics

    x = np.ascontiguousarray(images)
    return {"images": hashlib.sha256(x.tobytes()).hexdigest(), "shape": list(x.shape), "dtype": str(x.dtype),
            "libraries": baselines.library_versions(), "plan": plan, "code_version": baselines.CODE_VERSION,
            "metrics": file_sha256(metrics.__file__), "classifier": classifier_id}


def key_text(k: dict) -> str:
    return json.dumps(k, sort_keys=True, separators=(",", ":"))


def entry_path(cache_dir, k: dict) -> Path:
    return Path(cache_dir) / f"{hashlib.sha256(key_text(k).encode()).hexdigest()}.npz"


def expected_fields(k: dict) -> list[str]:
    fields = ["bytes", "psnr", "ssim"] + (["label"] if k["classifier"] else [])
    return [f"{name}/{q}/{f}" for name, qs in k["plan"].items() for q in qs for f in fields]


def read(path, k: dict) -> dict[str, np.ndarray]:
    """The entry at ``path`` if it holds exactly what ``k`` asks for; raises otherwise."""
    with np.load(path, allow_pickle=False) as npz:
        data = {name: npz[name] for name in npz.files}
    if str(data.pop(KEY_FIELD, "")) != key_text(k):
        raise ValueError("its key differs")
    n = k["shape"][0]
    missing = [f for f in expected_fields(k) if f not in data or data[f].shape != (n,)]
    if missing:
        raise ValueError(f"{len(missing)} of its arrays are missing or misshapen")
    return data


def write(path, k: dict, data: dict[str, np.ndarray]) -> None:
    buf = io.BytesIO()
    np.savez_compressed(buf, **{KEY_FIELD: np.array(key_text(k))}, **data)
    atomic.write_bytes(path, buf.getvalue())


def load_or_run(cache_dir, k: dict, run: Callable[[], dict], progress: Callable[[str], None] | None = None) -> dict:
    """The cached per-digit results for key ``k``, or ``run()``'s, then stored."""
    say = progress or (lambda line: None)
    path = entry_path(cache_dir, k)
    if path.exists():
        try:
            data = read(path, k)
        except Exception as e:  # a partial, corrupt or foreign file: measure again
            say(f"baseline cache: {path} is unusable ({type(e).__name__}: {e}); measuring again")
        else:
            say(f"baseline cache: read {path}")
            return data
    data = run()
    try:
        write(path, k, data)
    except OSError as e:  # the measurements stand; only the next run is slower
        say(f"baseline cache: could not write {path} ({e})")
    else:
        say(f"baseline cache: wrote {path}")
    return data
