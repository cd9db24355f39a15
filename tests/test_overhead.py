"""training/overhead.py: what a file spends besides its payload, and the committed results'
table against issue 23's target (at most 0.6 B over the ideal at every level)."""

import json
import os
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def codecs():
    from aec.codec import Codecs

    return Codecs.load(ROOT / "aec" / "models")


def test_the_parts_add_up_to_the_files(codecs):
    from aec import levels
    from training import overhead
    from training.data import load_mnist

    _, (x, _) = load_mnist(os.environ.get("MNIST_DIR") or ROOT.parent / "shared" / "datasets" / "mnist")
    x = x[:200]
    for model_id in (levels.LEVELS[0].model_id, levels.DEFAULT_MODEL_ID):
        files = codecs.compress_digits(x, model_id)
        o = overhead.measure(codecs, model_id, files)
        assert o["version"] == 4 and o["digits"] == len(x)
        assert o["bytes"] == pytest.approx(np.mean([len(f) for f in files]))
        assert 8 * o["ideal_bytes"] + o["header_bits"] + o["termination_bits"] == pytest.approx(8 * o["bytes"])
        assert o["v3_bytes"] > o["bytes"] > o["ideal_bytes"]


def test_the_committed_evaluation_meets_the_target_at_every_level():
    from training import overhead

    results = json.loads((ROOT / "site" / "results" / "results.json").read_text())
    for encoder in ("codecs", "one_pass"):
        rows = {k: c["overhead"] for k, c in results[encoder].items() if c.get("model_id")}
        assert rows and all("overhead" in c for k, c in results[encoder].items() if c.get("model_id"))
        for key, o in rows.items():
            assert o["version"] == 4 and o["digits"] == results["n_images"]
            assert o["bytes"] - o["ideal_bytes"] <= overhead.TARGET_BYTES, (encoder, key, o)
    md = (ROOT / "site" / "results" / "results.md").read_text()
    assert "### What a file spends besides its payload" in md and md.count("over the ideal (met)") == 2
