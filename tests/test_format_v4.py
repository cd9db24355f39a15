"""Format version 4 (aec/format_v4.py, aec/model_prior.py; spec: site/format.md, "Version 4"):
the shared vectors (tests/vectors/format_v4.json, also read by tests/js/format_v4.test.mjs),
round trips on random digits, the batched coder against the scalar one, and the shipped
table against the shipped models."""

import json
import random
from pathlib import Path

import numpy as np
import pytest

from aec import format as fmt
from aec.bits import ONE_BIT, bit_split
from aec.format_v4 import read_head, start_length
from aec.model_prior import MODEL_IDS, ModelPrior
from aec.tables import TablesError, TableSet

ROOT = Path(__file__).resolve().parents[1]
DATA = json.loads((ROOT / "tests" / "vectors" / "format_v4.json").read_text())


def suite_models(suite):
    return {int(k): TableSet.from_json(v) for k, v in suite["models"].items()}, ModelPrior.from_json(suite["prior"])


@pytest.mark.parametrize("suite", DATA["suites"], ids=lambda s: s["name"])
def test_vectors_encode_and_decode_exactly(suite):
    models, prior = suite_models(suite)
    for v in suite["vectors"]:
        m, rows, data = v["model_id"], np.array(v["indices"]), bytes.fromhex(v["hex"])
        assert fmt.encode_stream(m, rows, models[m], prior).hex() == v["hex"], v["name"]
        assert fmt.encode_digits(m, rows, models[m], prior)[0].hex() == v["hex"], v["name"]
        assert fmt.file_version(m, 1, prior) == 4 and data[0] < 0x80
        model_id, decoded = fmt.decode_stream(data, models, prior=prior)
        assert model_id == m and decoded.tolist() == v["indices"], v["name"]
        header = fmt.read_header(data, models, prior=prior)
        assert (header.model_id, header.n, header.header_bits) == (m, 1, 0)
        assert bit_split(data, models, prior=prior).head_q16 == v["head_q16"], v["name"]
    for v in suite["legacy"]:
        model_id, decoded = fmt.decode_stream(bytes.fromhex(v["hex"]), models, prior=prior)
        assert model_id == v["model_id"] and decoded.tolist() == v["indices"], v["name"]
    for v in suite["invalid"]:
        with pytest.raises(fmt.FormatError, match=v["error"].replace("(", r"\(").replace(")", r"\)")):
            fmt.decode_stream(bytes.fromhex(v["hex"]), models, prior=prior)
        [result] = fmt.decode_files([bytes.fromhex(v["hex"])], models, prior=prior)
        assert isinstance(result, fmt.FormatError) and v["error"] in str(result), v["name"]


def test_a_reader_without_the_prior_refuses_version_4_as_version_3_would():
    models, _ = suite_models(DATA["suites"][0])
    for v in DATA["no_prior"]:
        with pytest.raises(fmt.FormatError) as info:
            fmt.decode_stream(bytes.fromhex(v["hex"]), models)
        assert str(info.value) == v["error"]


def test_batched_files_match_the_scalar_coder_and_decode_back():
    models, prior = suite_models(DATA["suites"][0])
    rnd = random.Random(3)
    for m in MODEL_IDS:
        t = models[m]
        rows = []
        for _ in range(40):
            k = rnd.randrange(len(t)) if t.cluster_bits else 0
            c = t.clusters[k]
            idx = [rnd.randrange(int(s)) for s in c.sizes]
            rows.append(([k] if t.cluster_bits else []) + idx)
        rows = np.array(rows)
        files = fmt.encode_digits(m, rows, t, prior)
        assert files == [fmt.encode_stream(m, r[None], t, prior) for r in rows]
        batch = fmt.decode_digits(files, models, prior=prior)
        assert (batch.model_ids == m).all() and (batch.rows[:, :t.row_length] == rows).all()
        for data, row in zip(files, rows):
            split = bit_split(data, models, prior=prior)
            parts = split.head_q16 + int(split.latent_q16.sum()) + split.termination_q16
            assert parts == 8 * len(data) * ONE_BIT
            assert len(data) >= start_length(row[None], t)[0]
            assert read_head(data, prior) == (m, int(row[0]) if t.cluster_bits else 0)


def test_streams_and_the_talks_model_stay_version_2_and_3():
    models, prior = suite_models(DATA["suites"][0])
    assert fmt.file_version(0, 1, prior) == 2 and fmt.file_version(9, 2, prior) == 3
    assert fmt.file_version(3, 1) == 2 and fmt.file_version(9, 1) == 3


def test_the_prior_refuses_bad_tables():
    suite = DATA["suites"][0]
    obj = suite["prior"]
    with pytest.raises(TablesError):
        ModelPrior(obj["cluster_bits"][:-1], ModelPrior.from_json(obj).head)
    models, prior = suite_models(suite)
    wrong = {m: models[m] for m in models if models[m].cluster_bits == 0}
    wrong_id = next(iter(m for m in wrong if m in MODEL_IDS))
    with pytest.raises(TablesError, match="clusters"):
        prior.check_tables({wrong_id: models[next(m for m in models if models[m].cluster_bits)]})
    assert ModelPrior.from_json(json.dumps(prior.to_json())) == prior


def test_the_shipped_table_fits_the_shipped_models_in_both_exports():
    path = ROOT / "aec" / "models" / "model_prior.json"
    site = ROOT / "site" / "models" / "tables" / "model_prior.json"
    manifest = json.loads((ROOT / "site" / "models" / "manifest.json").read_text())
    assert path.read_bytes() == site.read_bytes() and manifest["model_prior"] == "tables/model_prior.json"
    from aec.codec import Codecs

    codecs = Codecs.load(ROOT / "aec" / "models")  # checks every model's clusters against the table
    assert codecs.prior == ModelPrior.from_json(path.read_text())


def random_acceptance(codecs, lengths=(3, 5, 8, 13, 20, 30, 45, 60), n=1000, seed=0) -> dict:
    """The share of random byte strings a reader with the shipped models takes for a digit:
    first bit 0 (read as version 4) against first bit 1 (versions 2 and 3), per length."""
    rng = np.random.default_rng(seed)
    out = {}
    for L in lengths:
        for first, name in ((0, "v4"), (128, "v3")):
            datas = [bytes([int(rng.integers(first, first + 128))]) + rng.integers(0, 256, L - 1, np.uint8).tobytes()
                     for _ in range(n)]
            res = fmt.decode_files(datas, codecs.tables, prior=codecs.prior)
            out[(L, name)] = float(np.mean([not isinstance(r, fmt.FormatError) for r in res]))
    return out


def test_random_bytes_pass_for_a_version_4_file_less_often_than_for_an_older_one():
    """Version 4 has no header bits to check, but its canonical check (the encoder's own
    search for the length) refuses random bytes at least as often as versions 2 and 3 do."""
    from aec.codec import Codecs

    rates = random_acceptance(Codecs.load(ROOT / "aec" / "models"), lengths=(5, 13, 30), n=300)
    for L in (5, 13, 30):
        assert rates[(L, "v4")] <= rates[(L, "v3")], rates


if __name__ == "__main__":  # the rates site/format.md quotes
    from aec.codec import Codecs

    for (L, name), rate in random_acceptance(Codecs.load(ROOT / "aec" / "models")).items():
        print(f"{L} bytes, {name}: {100 * rate:.1f} % taken for a digit")
