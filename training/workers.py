"""Evaluation's work on every CPU core: the search and the classical baselines in
worker processes (issue 23, part 4).

One evaluation process kept about one of this machine's 2 cores busy: LiteRT's own
threads gain little on the search's batches of 32 digits, one digit's gradient at a
time, and Pillow encodes one image at a time. The work splits without changing a
byte of its results:

* a digit's searched symbols do not depend on the digits searched with it
  (tests/test_search.py), so each worker searches its share of the digits: a chunk
  of ``CHUNK`` digits at a time, the results put back in order;
* a classical codec at one quality gives the same bytes and pixels wherever it runs,
  so each (codec, quality) is one task; the evaluation process measures PSNR, SSIM
  and the classifier's labels on the pixels that come back (the classifier stays
  in one process).

The workers are started with ``spawn`` (nothing of the parent's threads or networks
is copied); each opens the runtime models itself, and runs LiteRT on one thread
(``THREADS``): one busy thread per core, rather than two processes' thread pools
taking turns on two cores. tests/test_workers.py checks that the pooled search's
files are the command's, byte for byte, and the pooled baselines the serial ones.
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import multiprocessing
import os

import numpy as np

from aec.search import Search

CHUNK = 512  # digits per task: 20 tasks per level of the 10k test set, so the workers finish together
THREADS = 1  # LiteRT threads per worker


def default_processes() -> int:
    """One worker per core this process may use (2 here); 1 means no workers."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


# In a worker: the runtime models and their searches, opened once.
_codecs, _searches, _search_args = None, {}, {}


def _start(codecs_dir, search_args, threads):
    global _codecs, _search_args
    from aec import runtime
    from aec.codec import Codecs

    runtime.THREADS = threads  # read when a network is first opened
    _codecs, _search_args = Codecs.load(codecs_dir), dict(search_args)


def _search(task):
    model_id, images = task
    if model_id not in _searches:
        _searches[model_id] = Search(_codecs.codec_for(model_id), **_search_args)
    return _searches[model_id].symbols(images, model_id)


def _baseline(task):
    from training import baselines

    name, quality, images = task
    if name == "jpeg_both":
        return baselines._jpeg_both(images, quality)
    return baselines.CODECS[name](images, quality)


class Workers:
    """A pool of ``processes`` spawned workers for one evaluation; use as a context
    manager (the workers end with it). ``search_args``: the searches' keyword
    arguments (aec.search.Search: batch, decode_batch; rounds and candidates stay the
    command's unless given)."""

    def __init__(self, codecs_dir, processes: int | None = None, search_args: dict | None = None,
                 threads: int = THREADS, chunk: int = CHUNK):
        self.processes, self.chunk = processes or default_processes(), chunk
        self.search_args, self._pending = dict(search_args or {}), {}
        # concurrent.futures rather than multiprocessing.Pool: a worker that dies (killed for
        # memory, say) fails the evaluation with BrokenProcessPool instead of hanging it
        self.pool = concurrent.futures.ProcessPoolExecutor(
            self.processes, multiprocessing.get_context("spawn"), _start, (str(codecs_dir), self.search_args, threads))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self.pool.shutdown(wait=True, cancel_futures=True)

    def search(self, codec) -> "PooledSearch":
        """A Search of ``codec`` whose ``symbols`` the workers compute: pass it as
        ``compress_digits(..., search=)``, like any Search (aec/codec.py)."""
        return PooledSearch(codec, self, **self.search_args)

    def prefetch(self, images, model_ids) -> None:
        """Queue the searches of ``images`` at these levels, in this order: the workers go
        on with the next level while this process measures the last one."""
        for model_id in model_ids:
            self._pending[_key(images, model_id)] = self._submit(images, model_id)

    def _submit(self, images, model_id):
        return [self.pool.submit(_search, (model_id, images[i:i + self.chunk]))
                for i in range(0, len(images), self.chunk)]

    def symbols(self, images, model_id) -> np.ndarray | None:
        """The searched symbols of ``images`` at ``model_id`` (prefetched or not); None for no digits."""
        pending = self._pending.pop(_key(images, model_id), None)
        parts = [f.result() for f in (self._submit(images, model_id) if pending is None else pending)]
        return np.concatenate(parts) if parts else None

    def baselines(self, images, tasks):
        """``(name, quality)`` tasks (name ``jpeg_both``: ``baselines._jpeg_both``, JPEG's file
        and scan at once) -> ``((name, quality), result)`` as the workers finish them."""
        futures = {self.pool.submit(_baseline, (name, quality, images)): (name, quality) for name, quality in tasks}
        for future in concurrent.futures.as_completed(futures):
            yield futures[future], future.result()


def _key(images, model_id):
    x = np.ascontiguousarray(images)
    return model_id, x.shape, hashlib.sha256(x.tobytes()).hexdigest()


class PooledSearch(Search):
    """The command's search (aec/search.py), its digits shared among the workers."""

    def __init__(self, codec, workers: Workers, **kwargs):
        super().__init__(codec, **kwargs)
        self.workers = workers

    def symbols(self, images, level) -> np.ndarray:
        out = self.workers.symbols(images, level)
        return super().symbols(images, level) if out is None else out  # no digits: the empty array
