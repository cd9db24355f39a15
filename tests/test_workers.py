"""Evaluation's worker processes (training/workers.py): the searched files are the
command's, byte for byte, and the baselines' per-digit results the serial ones,
whatever the number of workers and the chunks the digits are cut into."""

from pathlib import Path

import numpy as np
import pytest

from tests.tiny_models import mnist_test
from aec.codec import Codecs
from aec.search import Search
from training import baselines
from training.workers import Workers

MODELS = Path(__file__).resolve().parents[1] / "aec" / "models"
DIGITS = 40


@pytest.fixture(scope="module")
def setup():
    x, _ = mnist_test()
    # chunks of 7 digits: several tasks per level, the last one short
    with Workers(MODELS, processes=2, search_args={"batch": 5, "decode_batch": 64}, chunk=7) as workers:
        yield Codecs.load(MODELS), x[:DIGITS], workers


def test_pooled_search_writes_the_commands_files(setup):
    codecs, x, workers = setup
    levels = [codecs.scale_ids[0], codecs.scale_ids[-1]]  # one of each network's levels
    workers.prefetch(x, levels)
    for level in levels:
        codec = codecs.codec_for(level)
        assert (codecs.compress_digits(x, level, search=workers.search(codec))
                == codecs.compress_digits(x, level, search=True))
    # a level nobody prefetched, and no digits at all
    level = codecs.scale_ids[1]
    codec = codecs.codec_for(level)
    pooled = workers.search(codec)
    assert np.array_equal(pooled.symbols(x[:9], level), Search(codec).symbols(x[:9], level))
    assert pooled.symbols(x[:0], level).shape == (0, codec.tables[level].num_elements)


def test_pooled_baselines_are_the_serial_ones(setup):
    _, x, workers = setup
    plan = baselines.resolve_qualities({"jpeg": [5, 50], "jpeg_scan": [50, 90], "webp": [0, 75], "avif": [25]})
    classify = lambda decoded: (decoded.reshape(len(decoded), -1).mean(1) > 30).astype(np.int64)  # noqa: E731
    serial = baselines.measure(x, plan, classify)
    pooled = baselines.measure(x, plan, classify, workers=workers)
    assert list(pooled) == list(serial)
    for key, value in serial.items():
        assert pooled[key].dtype == value.dtype and np.array_equal(pooled[key], value), key


def test_a_worker_that_dies_fails_the_evaluation_instead_of_hanging_it():
    import concurrent.futures
    import os
    import signal

    x, _ = mnist_test()
    codecs = Codecs.load(MODELS)
    level = codecs.scale_ids[0]
    with Workers(MODELS, processes=2, search_args={"batch": 8}, chunk=4) as workers:
        workers.symbols(x[:8], level)  # the workers are up
        for pid in list(workers.pool._processes):
            os.kill(pid, signal.SIGKILL)
        with pytest.raises(concurrent.futures.process.BrokenProcessPool):
            workers.symbols(x[:8], level)
