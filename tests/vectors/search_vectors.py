"""search_v1.json: the searched files of a few MNIST test digits at every level of the scale,
written by Python's search (aec/search.py, on the package's LiteRT models) with the browser's
settings (BROWSER_ROUNDS, BROWSER_CANDIDATES), for the JS twin's search (site/js/aec/search.js,
tests/js/search.test.mjs), which should write the same bytes for almost all of them (the
twins' networks differ in float order only)."""

from __future__ import annotations

import json

DIGITS = 4  # per level: the first test digits


def build(x_test, codecs_dir) -> dict:
    from aec import levels, search
    from aec.codec import Codecs

    codecs = Codecs.load(codecs_dir)
    images = x_test[:DIGITS]
    return {
        "description": "The first test digits searched by aec/search.py with the browser's settings at every "
                       "quality level, and coded in one pass: made by tests/vectors/make_vectors.py search",
        "rounds": search.BROWSER_ROUNDS, "candidates": search.BROWSER_CANDIDATES,
        "digits": [bytes(d.astype("uint8").tobytes()).hex() for d in images],
        "files": {str(lv.model_id): [f.hex() for f in codecs.compress_digits(
            images, lv.model_id, search=search.Search(codecs.codec_for(lv.model_id), rounds=search.BROWSER_ROUNDS,
                                                      candidates=search.BROWSER_CANDIDATES))]
                  for lv in levels.LEVELS},
        "one_pass": {str(lv.model_id): [f.hex() for f in codecs.compress_digits(images, lv.model_id)]
                     for lv in levels.LEVELS},
    }


def dumps(obj) -> str:
    return json.dumps(obj, indent=1, sort_keys=True) + "\n"
