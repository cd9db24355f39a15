"""Rate-distortion search: the encoder's choice of symbols, not just rounding
(twin: site/js/aec/search.js, the browser's, with these settings from manifest.json).

Rounding each latent to the nearest integer (the one-pass encoder, and the
browser's) is rarely the best file: one symbol a step off may save bits at little
cost in error, or buy back error for a few bits. Like trellis quantisation in
JPEG encoders, this looks, per digit, for symbols that lower

    J = bits + LAMBDA_SCALE * lambda * SSE     (lambda: the level's training lambda; pixels in [0, 1])

measuring both exactly: the bits with the level's integer tables (the cluster
the file would use), the error by running the decoder. Only the encoder
changes: the format, tables and decoder stay as they are, so a searched file
decodes like any other, in Python and in the browser. LAMBDA_SCALE = 1.5 spends
what the search saves on quality: each level's files keep about their one-pass
size and gain about 1 dB.

One round, for every digit still improving:

1. rank the 2E one-step moves (each symbol +1 or -1) by an estimate of their
   change in J: the exact change in bits under the digit's cluster, plus lambda
   times the first-order change in SSE (the decoder's gradient) and a
   curvature term (the SSE change of that unit step at the most probable
   symbols of the digit's cluster, measured once per level and cluster);
2. decode and score exactly the best ``CANDIDATES`` moves one at a time, and
   all of them with a negative estimate at once;
3. keep the best candidate if it lowers J; a digit whose candidates all fail
   is finished.

Tens of digits a second on 2 CPU cores with the LiteRT export (aec/runtime.py), as it
was with TensorFlow; ``make bench`` measures it beside the one-pass encoder. A digit's
symbols do not depend on the digits searched with it (the networks give each digit the
same floats in any batch; tests/test_search.py checks), so ``batch`` trades only memory
for speed: the command keeps the small default, evaluation passes more.
"""

from __future__ import annotations

import numpy as np

from aec.pixels import to_float
from aec.tables import COST_BITS

ROUNDS = 10
CANDIDATES = 16
LAMBDA_SCALE = 1.5
# The browser's search (site/js/aec/search.js; the converter writes these into manifest.json):
# fewer rounds and candidates, a third of the decodes, for a phone's GPU. On the first 1000
# test digits, with the Python twin, they cost 0.01-0.22 dB against ROUNDS and CANDIDATES at
# every level, with bytes within 0.7 % (issue 21 allows 0.3 dB and 2 %); 5 rounds of 4
# candidates cost up to 0.42 dB. In chromium's SwiftShader (make bench) a drawn digit's
# searched file came 2.0 s after the stroke with these, 4.6 s with the command's.
BROWSER_ROUNDS = 6
BROWSER_CANDIDATES = 8
# Digits searched together (a round decodes up to BATCH * (CANDIDATES + 1) images), and
# the decoder's batch for those (a Keras decoder's; the LiteRT export's batch is fixed,
# aec.runtime.BATCH): searching 260 digits stays under 100 MB (tests/test_cli_reads.py).
BATCH = 128
DECODE_BATCH = 128


class Search:
    """Searched encoding for one LearnedCodec (see the module docstring)."""

    def __init__(self, codec, rounds: int = ROUNDS, candidates: int = CANDIDATES, lambda_scale: float = LAMBDA_SCALE,
                 batch: int = BATCH, decode_batch: int = DECODE_BATCH):
        self.codec, self.rounds, self.candidates, self.lambda_scale = codec, rounds, candidates, lambda_scale
        self.batch, self.decode_batch = batch, decode_batch
        self._curvature = {}

    def _decode(self, symbols, level):
        """Integer symbols (B,E) -> float decoder output (B,28,28,1), in decode_batch chunks."""
        s = np.asarray(symbols, np.float32).reshape((-1, *self.codec.latent_shape))
        if not len(s):
            return np.zeros((0, 28, 28, 1), np.float32)
        return np.asarray(self.codec.decoder.predict([s, self.codec.level_input(level, len(s))],
                                                     batch_size=self.decode_batch))

    def curvature(self, level) -> np.ndarray:
        """(clusters, E): the mean SSE change of a +1 and a -1 step of each element,
        measured at each cluster's most probable symbols (a typical digit of the cluster).
        The converter measures it once into the runtime folder (``LearnedCodec.curvature``):
        for the codec's levels that is thousands of decodes, seconds a process."""
        if level not in self._curvature and level in self.codec.curvature:
            self._curvature[level] = self.codec.curvature[level]
        if level not in self._curvature:
            tables = self.codec.tables[level]
            E = tables.num_elements
            out = []
            for t in tables.clusters:
                mode = np.array([t.offsets[e] + int(np.argmax(t.freqs_of(e))) for e in range(E)], np.float64)
                steps = mode + np.concatenate([np.zeros((1, E)), np.eye(E), -np.eye(E)])
                decoded = self._decode(steps, level)
                sse = ((decoded[1:] - decoded[:1]) ** 2).sum(axis=(1, 2, 3))
                out.append((sse[:E] + sse[E:]) / 2)
            self._curvature[level] = np.stack(out)
        return self._curvature[level]

    @staticmethod
    def _element_bits(symbols, clusters, tables):
        """Bits of each symbol (B,...,E) in its digit's cluster (B,), the index
        clamped into the table, and whether it lies inside the table's range."""
        merged, E = tables.merged, tables.num_elements
        table = (clusters[:, None] * E + np.arange(E)).reshape(len(clusters), *[1] * (symbols.ndim - 2), E)
        idx, sizes = symbols - merged.offsets[table], merged.sizes[table]
        bits = tables.merged_costs[merged.starts[table] + np.clip(idx, 0, sizes - 1)] / float(1 << COST_BITS)
        return bits, (idx >= 0) & (idx < sizes)

    def _step_bits(self, symbols, clusters, tables):
        """Exact change in bits of each +-1 step under each digit's cluster:
        (2, B, E) for steps -1 and +1; inf where the step leaves the cluster's range."""
        now, _ = self._element_bits(symbols, clusters, tables)
        out = []
        for step in (-1, 1):
            bits, inside = self._element_bits(symbols + step, clusters, tables)
            out.append(np.where(inside, bits - now, np.inf))
        return np.stack(out)

    def _score(self, symbols, level, target, lam):
        """Exact J of each row of symbols (B,E) as its file codes it (cheapest cluster)."""
        tables = self.codec.tables[level]
        bits = tables.row_costs(tables.choose(symbols)) / float(1 << COST_BITS)
        return bits + lam * self._sse(symbols, level, target)

    def _sse(self, symbols, level, target):
        return ((self._decode(symbols, level) - target) ** 2).sum(axis=(1, 2, 3))

    def _bits_in_clusters(self, symbols, clusters, tables):
        """Bits of candidate symbols (B,M,E) in each digit's cluster (B,); inf
        where a symbol falls outside the cluster's range. (Cheaper than choosing
        the cluster again, and never less than what the file will spend.)"""
        bits, inside = self._element_bits(symbols, clusters, tables)
        return np.where(np.all(inside, axis=-1), bits.sum(-1), np.inf)

    def symbols(self, images, level) -> np.ndarray:
        """uint8 images (B,28,28) -> searched integer symbols (B,E)."""
        out = [self._search(images[i:i + self.batch], level) for i in range(0, len(images), self.batch)]
        return np.concatenate(out) if out else np.zeros((0, self.codec.tables[level].num_elements), np.int64)

    def _search(self, images, level):
        codec, tables = self.codec, self.codec.tables[level]
        lam = codec.lambdas[level - codec.first_model_id] * self.lambda_scale  # level: a model id
        s = codec.encode_symbols(images, level)  # start from plain rounding
        target = to_float(images)
        B, E = s.shape
        curvature, K = self.curvature(level), min(self.candidates, 2 * E)
        active = np.arange(B)
        for _ in range(self.rounds):
            if not len(active):
                break
            sa, ta = s[active], target[active]
            n = len(active)
            sse, grad = codec.decoder.sse_and_gradient(sa.reshape((-1, *codec.latent_shape)).astype(np.float32),
                                                       codec.level_input(level, n), ta)
            rows = tables.choose(sa)
            clusters = rows[:, 0] if tables.cluster_bits else np.zeros(n, np.int64)
            score = tables.row_costs(rows) / float(1 << COST_BITS) + lam * sse
            g = grad.reshape(n, E)
            estimate = self._step_bits(sa, clusters, tables) + lam * (np.stack([-g, g]) + curvature[clusters])
            estimate = estimate.transpose(1, 0, 2).reshape(n, 2 * E)  # move m: step -1 if m < E else +1, element m % E
            best = np.argsort(estimate, axis=1, kind="stable")[:, :K]
            element, step = best % E, np.where(best < E, -1, 1)
            rows_n = np.arange(n)[:, None]
            candidates = np.repeat(sa[:, None], K + 1, axis=1)
            candidates[rows_n, np.arange(K), element] += step
            together = np.where(estimate[rows_n, best] < 0, step, 0)
            np.add.at(candidates[:, K], (rows_n.repeat(K, 1), element), together)
            sse_c = self._sse(candidates.reshape(-1, E), level, np.repeat(ta, K + 1, axis=0)).reshape(n, K + 1)
            scores = self._bits_in_clusters(candidates, clusters, tables) + lam * sse_c
            pick = scores.argmin(axis=1)
            better = scores[np.arange(n), pick] < score
            s[active[better]] = candidates[np.arange(n), pick][better]
            active = active[better]
        return s
