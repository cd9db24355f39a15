"""Writing models and results so that a reader never sees half of them.

A model folder (models/talk, models/codec, ...) is written whole into a
staging folder beside it and swapped in with two renames; ``recover`` undoes a
swap that an interruption cut in half. Single files (checkpoints, JSON, PNG)
go to a temporary file in the same folder and are renamed over the target.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import tempfile
from pathlib import Path


def write_bytes(path, data: bytes, replace: bool = True) -> None:
    """Write ``data`` to a temporary file beside ``path``, fsync it, rename it to
    ``path``: a reader sees the old file or the whole new one, never a part.
    ``replace=False`` never replaces an existing ``path`` (FileExistsError)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; these are files to share
        if replace:
            os.replace(tmp, path)
        else:
            _rename_no_replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _rename_no_replace(tmp, path) -> None:
    """Rename unless ``path`` exists. A hard link fails atomically when it does;
    on file systems without hard links, check first (a small race)."""
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise
    except OSError as e:
        if e.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EMLINK, errno.EXDEV):
            raise
        if os.path.lexists(path):
            raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(path)) from None
        os.replace(tmp, path)
        return
    os.unlink(tmp)


def write_json(path, obj, compact: bool = False) -> None:
    """Indented JSON, or ``compact`` (no spaces: for big files such as coding tables)."""
    text = json.dumps(obj, sort_keys=True, separators=(",", ":")) if compact else json.dumps(obj, indent=2, sort_keys=True)
    write_bytes(path, (text + "\n").encode())


@contextlib.contextmanager
def atomic_path(path):
    """Yield a temporary path beside ``path`` (same suffix, so savers that look
    at the extension are happy); rename it over ``path`` on success."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.tmp{os.getpid()}{path.suffix}")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def recover(folder) -> None:
    """Finish or roll back a folder swap that was interrupted."""
    folder = Path(folder)
    old = folder.with_name(folder.name + ".old")
    if old.exists():
        if folder.exists():
            shutil.rmtree(old)
        else:
            os.replace(old, folder)
    staging = folder.with_name(folder.name + ".staging")
    if staging.exists():
        shutil.rmtree(staging)


@contextlib.contextmanager
def staged_folder(folder):
    """Yield an empty staging folder; on success it replaces ``folder`` whole."""
    folder = Path(folder)
    recover(folder)
    staging = folder.with_name(folder.name + ".staging")
    staging.mkdir(parents=True)
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    old = folder.with_name(folder.name + ".old")
    if folder.exists():
        os.replace(folder, old)
    os.replace(staging, folder)
    if old.exists():
        shutil.rmtree(old)
