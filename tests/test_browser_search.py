"""training/browser_search.py: the browser's search run in Node, its cache, and the
comparison evaluate writes (issue 21)."""

import subprocess

import numpy as np
import pytest

from aec import levels
from training import browser_search

pytestmark = pytest.mark.skipif(not (browser_search.ROOT / "node_modules/@tensorflow/tfjs-backend-wasm").is_dir(),
                                reason="npm packages not installed (make setup)")
SITE_MODELS = browser_search.ROOT / "site/models"


@pytest.fixture(scope="module")
def digits():
    from training.data import load_mnist

    _, (x, _) = load_mnist()
    return x[:3]


def test_node_searches_files_that_python_decodes_and_caches_them(digits, tmp_path, monkeypatch):
    from aec.codec import Codecs

    model_id = levels.LEVELS[0].model_id
    files = browser_search.run_node(SITE_MODELS, digits, [model_id], processes=1, cache_dir=tmp_path,
                                    progress=lambda line: None)[model_id]
    codecs = Codecs.load(browser_search.ROOT / "aec/models")
    command = codecs.compress_digits(digits, model_id, search=True)
    assert sum(a == b for a, b in zip(files, command)) >= 2  # the twins' floats differ only rarely
    decoded = codecs.codec_for(model_id).decompress_digits(files)
    assert decoded.shape == (3, 28, 28)

    def no_node(*args, **kwargs):
        raise AssertionError("ran Node although the files were cached")

    monkeypatch.setattr(subprocess, "Popen", no_node)
    again = browser_search.run_node(SITE_MODELS, digits, [model_id], processes=1, cache_dir=tmp_path,
                                    progress=lambda line: None)[model_id]
    assert again == files
    # other digits are another entry
    with pytest.raises(AssertionError, match="cached"):
        browser_search.run_node(SITE_MODELS, digits[:2], [model_id], processes=1, cache_dir=tmp_path)


def test_the_comparison_flags_a_level_off_target():
    class Codec:
        def decompress_digits(self, files):
            return np.zeros((len(files), 28, 28), np.uint8)

    class Codecs:
        def codec_for(self, m):
            return Codec()

    images = np.zeros((2, 28, 28), np.uint8)
    ids = [lv.model_id for lv in levels.LEVELS]
    command = {m: [b"ab", b"cd"] for m in ids}
    browser = {m: [b"ab", b"cd"] for m in ids}
    browser[ids[0]] = [b"abc", b"cde"]  # 50 % more bytes
    psnr = iter([30.0, 29.0, 25.0] * len(ids))
    rows = browser_search.compare(Codecs(), images, browser, command, command, lambda a, b: next(psnr))
    first, second = rows[f"level{ids[0]}"], rows[f"level{ids[1]}"]
    assert not first["within_target"] and first["bytes_gap"] == pytest.approx(0.5)
    assert second["identical_files"] == 2 and second["db_gap"] == pytest.approx(1.0) and not second["within_target"]
    text = browser_search.markdown({"levels": rows})
    assert text.count("| no |") == len(ids) and "The first 2 MNIST test digits" in text
