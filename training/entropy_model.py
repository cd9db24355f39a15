"""The learned prior over the quantised latents, and its integer coding tables.

Every latent element (one channel at one of the 4x4 positions: MNIST digits
are centred, so position matters as much as channel) gets its own density per
quality level: a mixture of K logistics. Training sees ``z + u``, u ~ U(-1/2, 1/2)
(the additive-uniform-noise relaxation of Ballé et al. 2017), whose density is
the mixture's probability mass over [z - 1/2, z + 1/2]; its -log2 is the rate
term of the loss. At coding time the same mass at integer points, quantised to
16-bit frequencies, forms the tables of the arithmetic coder, so the trained
rate is what the coder spends (plus a few bits of header and termination).
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from aec.tables import CodingTables, TableSet


# The prior's parameters are stored divided by this factor: Adam moves every
# weight by about the learning rate per step, and these must travel O(1)
# distances (a scale from 1 to 0.05, say), which took thousands of steps.
PARAM_SCALE = 10.0
MIN_LIKELIHOOD = 1e-9  # keeps log2 finite; ~30 bits, the most one element costs in training
TAIL_MASS = 1e-6       # table range: integers outside carry less mass than this and are clamped


@keras.saving.register_keras_serializable(package="training")
class LatentPrior(keras.layers.Layer):
    """Per level, per element: a mixture of ``components`` logistics."""

    def __init__(self, num_levels: int, num_elements: int, components: int = 3, **kwargs):
        super().__init__(**kwargs)
        self.num_levels = num_levels
        self.num_elements = num_elements
        self.components = components
        shape = (num_levels, num_elements * components)
        # Means spread a little so the components start apart.
        self.means = self.add_weight(
            name="means", shape=shape,
            initializer=keras.initializers.RandomUniform(-1.0 / PARAM_SCALE, 1.0 / PARAM_SCALE, seed=1))
        self.log_scales = self.add_weight(name="log_scales", shape=shape, initializer="zeros")
        self.logits = self.add_weight(name="logits", shape=shape, initializer="zeros")
        self.built = True  # all weights exist now; nothing depends on the input shape

    def get_config(self):
        return {**super().get_config(), "num_levels": self.num_levels,
                "num_elements": self.num_elements, "components": self.components}

    def _params(self, level_onehot):
        """(B, L) one-hot -> means, scales, weights of shape (B, E, K)."""
        shape = (-1, self.num_elements, self.components)
        k = PARAM_SCALE
        means = ops.reshape(ops.matmul(level_onehot, self.means * k), shape)
        scales = ops.exp(ops.reshape(ops.matmul(level_onehot, self.log_scales * k), shape))
        weights = ops.softmax(ops.reshape(ops.matmul(level_onehot, self.logits * k), shape), axis=-1)
        return means, scales, weights

    def likelihood(self, z, level_onehot):
        """Probability mass of [z - 1/2, z + 1/2] for flat latents z of shape (B, E)."""
        means, scales, weights = self._params(level_onehot)
        z = ops.expand_dims(z, -1)
        upper = (z + 0.5 - means) / scales
        lower = (z - 0.5 - means) / scales
        # Evaluate in the tail nearer to zero so the difference does not cancel.
        flip = -ops.sign(upper + lower)
        mass = ops.abs(ops.sigmoid(flip * upper) - ops.sigmoid(flip * lower))
        return ops.sum(weights * mass, axis=-1)

    def bits(self, z, level_onehot):
        """Ideal code length in bits of each row of z (B, E) -> (B,)."""
        p = ops.maximum(self.likelihood(z, level_onehot), MIN_LIKELIHOOD)
        return ops.sum(-ops.log(p), axis=-1) / np.log(2.0)

    # ---- coding tables (numpy, float64, computed once and shipped as integers) ----

    def numpy_params(self, level: int):
        k = self.components
        def param(weight):
            return np.asarray(keras.ops.convert_to_numpy(weight), np.float64)[level].reshape(-1, k) * PARAM_SCALE

        means, scales, logits = param(self.means), np.exp(param(self.log_scales)), param(self.logits)
        weights = np.exp(logits - logits.max(-1, keepdims=True))
        weights /= weights.sum(-1, keepdims=True)
        return means, scales, weights

    def coding_tables(self, level: int) -> CodingTables:
        """Integer tables for one level: each element's pmf at the integers
        that hold all but ``TAIL_MASS`` of its mass."""
        means, scales, weights = self.numpy_params(level)
        offsets, pmfs = [], []
        for m, s, w in zip(means, scales, weights):
            lo = int(np.floor(np.min(m - 30 * s)))
            hi = int(np.ceil(np.max(m + 30 * s)))
            lo, hi = max(lo, -512), min(hi, 512)
            x = np.arange(lo, hi + 1, dtype=np.float64)[:, None]
            cdf = lambda t: 0.5 * (1.0 + np.tanh((t - m) / (2.0 * s)))  # logistic CDF, no overflow  # noqa: E731
            pmf = ((cdf(x + 0.5) - cdf(x - 0.5)) * w).sum(-1)
            keep = np.cumsum(pmf) > TAIL_MASS / 2
            keep &= np.cumsum(pmf[::-1])[::-1] > TAIL_MASS / 2
            idx = np.flatnonzero(keep)
            first, last = (idx[0], idx[-1]) if len(idx) else (int(np.argmax(pmf)),) * 2
            offsets.append(lo + int(first))
            pmfs.append(pmf[first:last + 1])
        return CodingTables.from_pmfs(pmfs, offsets)


# ---- cluster tables: the prior's joint structure, fitted after training ----

CLUSTERS = 32          # per level at most; a file spends log2(clusters) raw bits to name one
CLUSTER_ITERATIONS = 8
CLUSTER_SMOOTHING = 0.5  # added to every count inside a cluster's symbol range
# The browser downloads a level's tables when the level is first used: a level
# whose 32 clusters need more JSON than this gets 16 (and so on), so the demo
# page stays within its 2 MB. Halving the clusters costs a few percent of bytes.
TABLES_BUDGET_BYTES = 160_000


def tables_json_bytes(tables) -> int:
    """Size of the compact JSON the converter ships for these tables."""
    import json

    return len(json.dumps(tables.to_json(), separators=(",", ":")))


def fit_level_tables(symbols, base, seed: int = 0):
    """The most clusters (CLUSTERS, CLUSTERS/2, ...) whose tables fit TABLES_BUDGET_BYTES."""
    clusters = CLUSTERS
    while True:
        tables = fit_cluster_tables(symbols, base, clusters=clusters, seed=seed)
        if clusters <= 2 or tables_json_bytes(tables) <= TABLES_BUDGET_BYTES:
            return tables
        clusters //= 2


def fit_cluster_tables(symbols, base, clusters: int = CLUSTERS, iterations: int = CLUSTER_ITERATIONS,
                       seed: int = 0):
    """Cluster tables for one level, fitted to the integer latents of training digits.

    The factorised prior codes every latent element on its own, so it pays again
    and again for what the elements share: which digit it is, how thick, how
    slanted. Here the training digits are split into ``clusters - 1`` groups (k-means,
    then hard EM on code length: each digit moves to the group whose tables code
    it shortest) and each group gets its own per-element tables, counted from its
    members over the range of symbols they use. Cluster 0 keeps ``base`` (the
    learned prior's tables), so every digit has a cluster that can code it.

    symbols: (N, E) integers; base: the level's CodingTables. Returns a TableSet.
    Deterministic for a given seed.
    """
    s = np.asarray(symbols, dtype=np.int64)
    N, E = s.shape
    rng = np.random.default_rng(seed)
    base_idx = base.symbols_to_indices(s).astype(np.int64)
    base_bits = -np.log2(base.freqs.astype(np.float64)[base.starts[:-1] + base_idx] / 65536.0).sum(1)

    # k-means on the symbols for a start
    sf = s.astype(np.float64)
    centres = sf[rng.choice(N, clusters - 1, replace=False)]
    for _ in range(5):
        assign = (centres @ sf.T * -2.0 + (centres ** 2).sum(1, keepdims=True)).argmin(0)
        for k in range(clusters - 1):
            if np.any(assign == k):
                centres[k] = sf[assign == k].mean(0)
    assign = assign + 1

    tables = None
    for it in range(iterations + 1):
        tables = [base]
        for k in range(1, clusters):
            members = s[assign == k]
            if len(members) == 0:  # an emptied cluster restarts on a random digit
                members = s[rng.integers(0, N, 1)]
            lo, hi = members.min(0), members.max(0)
            pmfs = [np.bincount(members[:, e] - lo[e], minlength=hi[e] - lo[e] + 1) + CLUSTER_SMOOTHING
                    for e in range(E)]
            tables.append(CodingTables.from_pmfs(pmfs, lo))
        if it == iterations:
            break
        cost = np.full((N, clusters), np.inf)
        cost[:, 0] = base_bits
        for k in range(1, clusters):
            t = tables[k]
            idx = s - t.offsets
            ok = np.all((idx >= 0) & (idx < t.sizes), axis=1)
            f = t.freqs.astype(np.float64)[t.starts[:-1] + np.clip(idx[ok], 0, t.sizes - 1)]
            cost[ok, k] = -np.log2(f / 65536.0).sum(1)
        assign = cost.argmin(1)
    return TableSet(tables)
