"""The classical baselines' cache (training/baseline_cache.py): a second run reads
what the first measured, any change in its key measures again, and a broken
entry is measured again instead of failing the evaluation."""

import numpy as np
import pytest

from training import baseline_cache
from training import baselines as B
from training import metrics

QUALITIES = {"jpeg": [20], "jpeg_scan": [20], "webp": [10]}
CODECS = ["jpeg", "jpeg_scan", "webp", "png"]


@pytest.fixture(scope="module")
def digits():
    rng = np.random.default_rng(3)
    x = np.zeros((12, 28, 28), np.uint8)
    for i in range(len(x)):
        r, c = rng.integers(3, 12, 2)
        x[i, r:r + 12, c:c + 4] = rng.integers(150, 256)
        x[i, r:r + 3, c:c + 12] = rng.integers(100, 256)
    labels = np.arange(len(x)) % 10
    return x, labels


def classify(decoded):
    """A stand-in classifier: any deterministic function of the pixels will do."""
    return decoded.reshape(len(decoded), -1).astype(np.int64).sum(1) % 10


def curves(x, labels, cache_dir, lines=None, classifier_id="clf-a", qualities=QUALITIES):
    return B.baseline_curves(x, qualities=qualities, codecs=CODECS, progress=([] if lines is None else lines).append,
                             classify=classify, labels=labels, classifier_id=classifier_id, cache_dir=cache_dir)


def test_cached_curves_equal_measured_ones_and_the_old_definitions(digits, tmp_path):
    x, labels = digits
    plain = B.baseline_curves(x, qualities=QUALITIES, codecs=CODECS, classify=classify, labels=labels)
    first = curves(x, labels, tmp_path)
    assert first == plain
    assert len(list(tmp_path.glob("*.npz"))) == 1
    # The points are what measuring the decoded digits directly gives.
    nbytes, decoded = B.webp(x, 10)
    p = first["webp"][0]
    assert p["psnr"] == metrics.mean_psnr(x, decoded) and p["ssim"] == metrics.mean_ssim(x, decoded)
    assert p["bytes_mean"] == nbytes.mean() and p["accuracy"] == np.mean(classify(decoded) == labels)
    assert first["jpeg"][0]["psnr"] == first["jpeg_scan"][0]["psnr"]


def test_second_run_reads_the_cache(digits, tmp_path, monkeypatch):
    x, labels = digits
    first = curves(x, labels, tmp_path)

    def fail(*args, **kwargs):
        raise AssertionError("measured, though the cache holds the results")
    monkeypatch.setattr(B, "measure", fail)
    lines = []
    assert curves(x, labels, tmp_path, lines) == first
    assert any(line.startswith("baseline cache: read") for line in lines)
    # Labels are not part of the key: the accuracy is counted again from the stored predictions.
    other = curves(x, (labels + 1) % 10, tmp_path)
    assert other["webp"][0]["accuracy"] == np.mean(classify(B.webp(x, 10)[1]) == (labels + 1) % 10)


@pytest.mark.parametrize("change", ["digits", "qualities", "code_version", "library", "classifier", "metrics"])
def test_any_change_in_the_key_measures_again(digits, tmp_path, monkeypatch, change):
    x, labels = digits
    curves(x, labels, tmp_path)
    qualities = QUALITIES
    if change == "digits":
        x = x.copy()
        x[0, 0, 0] ^= 1
    elif change == "qualities":
        qualities = {**QUALITIES, "webp": [10, 50]}
    elif change == "code_version":
        monkeypatch.setattr(B, "CODE_VERSION", B.CODE_VERSION + 1)
    elif change == "library":
        versions = B.library_versions()
        monkeypatch.setattr(B, "library_versions", lambda: {**versions, "webp": "0.0.1"})
    elif change == "metrics":
        sha = baseline_cache.file_sha256
        monkeypatch.setattr(baseline_cache, "file_sha256", lambda path: "edited" if path == metrics.__file__ else sha(path))
    calls = []
    measure = B.measure
    monkeypatch.setattr(B, "measure", lambda *a, **k: calls.append(1) or measure(*a, **k))
    curves(x, labels, tmp_path, classifier_id="clf-b" if change == "classifier" else "clf-a", qualities=qualities)
    assert calls == [1]
    assert len(list(tmp_path.glob("*.npz"))) == 2


@pytest.mark.parametrize("damage", ["truncated", "garbage", "empty", "missing_array", "foreign_key"])
def test_a_broken_entry_is_measured_again(digits, tmp_path, damage):
    x, labels = digits
    first = curves(x, labels, tmp_path)
    (entry,) = tmp_path.glob("*.npz")
    k = baseline_cache.key(x, B.resolve_qualities(QUALITIES, CODECS), "clf-a")
    assert entry == baseline_cache.entry_path(tmp_path, k)
    data = entry.read_bytes()
    if damage == "truncated":
        entry.write_bytes(data[:len(data) // 2])
    elif damage == "garbage":
        entry.write_bytes(b"\x00" * 100)
    elif damage == "empty":
        entry.write_bytes(b"")
    else:
        stored = baseline_cache.read(entry, k)
        if damage == "missing_array":
            del stored["webp/10/label"]
            baseline_cache.write(entry, k, stored)
        else:
            baseline_cache.write(entry, {**k, "plan": {}}, stored)
    lines = []
    assert curves(x, labels, tmp_path, lines) == first
    assert any("unusable" in line for line in lines)
    baseline_cache.read(entry, k)  # replaced by a whole entry
    assert [p.name for p in tmp_path.iterdir()] == [entry.name]  # no temporary files left


def test_a_cache_that_cannot_be_written_only_costs_time(digits, tmp_path):
    x, labels = digits
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    lines = []
    assert curves(x, labels, blocker / "cache", lines) == curves(x, labels, None)
    assert any("could not write" in line for line in lines)


def test_classify_without_an_id_is_not_cached(digits, tmp_path):
    x, labels = digits
    with pytest.raises(ValueError):
        curves(x, labels, tmp_path, classifier_id=None)
