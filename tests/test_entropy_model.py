"""The entropy model's cluster tables (training/entropy_model.py: fit_cluster_tables)."""

from __future__ import annotations

import numpy as np

from aec import format as fmt
from training.entropy_model import fit_cluster_tables
from aec.tables import CodingTables, TableSet


def grouped_symbols(n=600, E=12, seed=0):
    """Digits from 3 groups, each with its own typical symbol per element (like digit classes)."""
    rng = np.random.default_rng(seed)
    centres = rng.integers(-4, 5, size=(3, E))
    group = rng.integers(0, 3, n)
    return centres[group] + rng.integers(-1, 2, size=(n, E)), group


def wide_base(E=12):
    """A factorised table that knows nothing of the groups: broad over -8..8."""
    pmf = np.exp(-np.abs(np.arange(-8, 9)) / 4.0)
    return CodingTables.from_pmfs([pmf] * E, [-8] * E)


def test_clusters_find_the_groups_and_shorten_the_files():
    symbols, group = grouped_symbols(n=1200)
    train, test, group = symbols[:600], symbols[600:], group[600:]
    base = wide_base()
    tables = fit_cluster_tables(train, base, clusters=4, iterations=4)
    assert isinstance(tables, TableSet) and len(tables) == 4 and tables.cluster_bits == 2
    assert tables.clusters[0] == base  # cluster 0 keeps the factorised tables
    rows = tables.choose(test)
    assert np.array_equal(tables.symbols(rows), test)  # lossless: every test digit fits a cluster
    # each group lands in one cluster (up to the names of the clusters)
    for g in range(3):
        assert len(np.unique(rows[group == g, 0])) == 1
    clustered = np.mean([len(f) for f in fmt.encode_digits(1, rows, tables)])
    plain = np.mean([len(f) for f in fmt.encode_digits(1, base.symbols_to_indices(test), base)])
    assert clustered < 0.75 * plain, (clustered, plain)


def test_fit_is_deterministic_and_survives_few_digits():
    train, _ = grouped_symbols(n=40)
    a = fit_cluster_tables(train, wide_base(), clusters=8, iterations=2, seed=3)
    b = fit_cluster_tables(train, wide_base(), clusters=8, iterations=2, seed=3)
    assert a == b
    tiny = fit_cluster_tables(train[:9], wide_base(), clusters=8, iterations=2)  # fewer digits than clusters
    assert len(tiny) == 8
    far = np.full((1, 12), 40)  # outside every cluster: cluster 0, clamped
    assert tiny.choose(far)[0, 0] == 0
    assert TableSet.from_json(tiny.to_json()) == tiny
