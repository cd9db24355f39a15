"""The table of levels: which network folder and file model id each quality level is,
and the default. Everything else reads it from here (twin: site/js/aec/levels.js,
which reads the same table from site/models/manifest.json, written from this one by
the converter; tests/vectors/levels.json pins both).

It imports no network runtime, so the command checks ``--quality`` before loading one.

* Each network folder's levels 1..L (its ``codec.json`` tables) are the file model ids
  ``FIRST_MODEL_ID[folder]`` .. ``+ L - 1``; training writes that first id into the
  folder's ``codec.json`` (``first_model_id``). The talk's network is model id 0.
* ``SCALE`` is the quality scale, fewest bytes first: each step up costs more bytes and
  gives a better PSNR, searched and in one pass (tests/test_levels.py checks both against
  site/results/results.json). A level that another dominates (more bytes, lower PSNR)
  is left out; its files still decode.
"""

from __future__ import annotations

from typing import NamedTuple

TALK = "talk"
TALK_MODEL_ID = 0
# Network folders and their first file model id, the learned ones in quality order (fewest bytes first).
FIRST_MODEL_ID = {TALK: TALK_MODEL_ID, "lowrate": 8, "mid": 12, "codec": 1}
LEARNED_FOLDERS = tuple(f for f in FIRST_MODEL_ID if f != TALK)

# (folder, the folder's own level) per quality level 1..N. The codec's levels 1 and 2 left
# the scale: the low-rate network's level 4 gives fewer bytes and a better PSNR than both;
# its levels 3 and 4 left with the mid-rate network (issue 23): its level 1 gives 0.2 B
# more than the codec's level 3 for 1.5 dB more, and files of the same lengths, which the
# version-4 head then cannot tell apart cheaply; its level 2 gives fewer bytes and a better
# PSNR than the codec's level 4 (site/results/results.json; tests/test_levels.py checks the scale).
SCALE = (("lowrate", 1), ("lowrate", 2), ("lowrate", 3), ("lowrate", 4),
         ("mid", 1), ("mid", 2), ("codec", 5), ("codec", 6), ("codec", 7))
# `aec compress` without --quality, and the level the demo starts at (so its network loads
# with the page: converter.convert.EAGER_PARTS): the mid-rate network's level 1 (model id 12).
DEFAULT_QUALITY = 5


class Level(NamedTuple):
    quality: int
    folder: str
    network_level: int
    model_id: int


def model_id(folder: str, network_level: int) -> int:
    """A folder's own level (1-based) -> its file model id."""
    return FIRST_MODEL_ID[folder] + network_level - 1


LEVELS = tuple(Level(q, folder, k, model_id(folder, k)) for q, (folder, k) in enumerate(SCALE, start=1))
DEFAULT_MODEL_ID = LEVELS[DEFAULT_QUALITY - 1].model_id


def level(quality: int) -> Level:
    """Quality 1..N -> its Level; ValueError naming the levels otherwise."""
    if isinstance(quality, bool) or not isinstance(quality, int) or not 1 <= quality <= len(LEVELS):
        raise ValueError(f"no quality level {quality!r} (levels: 1..{len(LEVELS)})")
    return LEVELS[quality - 1]


def model_id_of(quality: int) -> int:
    """Quality 1..N -> its file model id (twin: levels.js modelIdOf)."""
    return level(quality).model_id


def quality_of(model_id_: int) -> int | None:
    """A file model id -> its quality level, or None (the talk's network, a level off the scale;
    twin: levels.js qualityOf)."""
    return next((lv.quality for lv in LEVELS if lv.model_id == model_id_), None)

