"""Compress and decompress digits: networks + integer tables + file format
(twin: site/js/aec/codec.js).

    images (uint8 28x28) --encoder--> floats --round--> integer symbols
        --TableSet.choose--> rows (cluster + indices) --format/arithmetic coder--> bytes
    bytes --> rows --> symbols --decoder--> images

Model id 0 is the talk's network (its 128 latents as 8-bit integers, coded
with a uniform table, so 8 bits each); the others are learned codecs' levels:
each folder of aec.levels.LEARNED_FOLDERS holds one variable-rate network whose levels
1..L are the file model ids first_model_id .. first_model_id + L - 1
(``codec.json``'s ``first_model_id``, written from aec.levels.FIRST_MODEL_ID). The quality
scale (aec.levels.SCALE) picks the levels users choose from; every level's files decode.
The rounding rules are in ``aec.pixels``.

A runtime model folder (aec/models/<folder>, written by the converter) holds
``encoder.tflite``, ``decoder.tflite`` (aec/runtime.py) and ``codec.json``
(:func:`read_config` / :func:`write_config`, the one reader and writer). Training builds
the same classes around its Keras models: a network is anything with Keras's ``predict``.
"""

from __future__ import annotations

import json
from collections import ChainMap
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from aec import atomic, levels, runtime
from aec import format as fmt
from aec.pixels import TALK_LATENT_BITS, dequantise_latents, quantise_latents, to_float, to_pixels, to_symbols
from aec.model_prior import ModelPrior
from aec.tables import CodingTables, TableSet

TALK_MODEL_ID = levels.TALK_MODEL_ID
PREDICT_BATCH = runtime.PREDICT_BATCH
CHUNK = 512  # digits per network call of compress_files / decompress_files
CONFIG_FILE = "codec.json"
CURVATURE_FILE = "curvature.npz"  # the search's curvature by model id, measured by the converter
PRIOR_FILE = "model_prior.json"  # the version-4 head's table (aec/model_prior.py), beside the model folders
LEARNED_FOLDERS = levels.LEARNED_FOLDERS


def read_config(folder) -> dict:
    """A model folder's ``codec.json``."""
    return json.loads((Path(folder) / CONFIG_FILE).read_text())


def write_config(folder, config: dict, compact: bool = False) -> None:
    """Write a model folder's ``codec.json`` atomically (``compact`` for big tables)."""
    atomic.write_json(Path(folder) / CONFIG_FILE, config, compact=compact)


def model_ids_of(config: dict) -> tuple:
    """A learned folder's file model ids, one per level of its ``codec.json`` tables (keyed 1..L):
    level k is model id first_model_id + k - 1. Raises ValueError outside the format's 1..14."""
    first = config.get("first_model_id", 1)
    if isinstance(first, bool) or not isinstance(first, int):
        raise ValueError(f"first_model_id must be a whole number, got {first!r}")
    ids = tuple(sorted(first + int(k) - 1 for k in config["tables"]))
    if ids and not (1 <= ids[0] and ids[-1] <= fmt.MAX_MODEL_ID):
        raise ValueError(f"first_model_id {first} puts the model ids at {ids[0]}..{ids[-1]}, "
                         f"outside the format's 1..{fmt.MAX_MODEL_ID}")
    return ids


def level_input(level: int, num_levels: int, batch: int) -> np.ndarray:
    """Quality level 1..num_levels -> the networks' one-hot level input (batch, num_levels)."""
    if not 1 <= level <= num_levels:
        raise ValueError(f"level {level} is not in 1..{num_levels}")
    onehot = np.zeros((batch, num_levels), np.float32)
    onehot[:, level - 1] = 1.0
    return onehot


class LazyTables(Mapping):
    """Model id -> TableSet, each parsed from its JSON on first use (a codec.json holds up to
    a few hundred KB of tables; a command that uses one level need not parse them all)."""

    def __init__(self, raw: dict):
        self._raw, self._parsed = raw, {}

    def __getitem__(self, model_id):
        if model_id not in self._parsed:
            self._parsed[model_id] = TableSet.from_json(self._raw[model_id])
        return self._parsed[model_id]

    def __iter__(self):
        return iter(self._raw)

    def __len__(self):
        return len(self._raw)


def _predict(network, inputs):
    return network.predict(inputs, batch_size=PREDICT_BATCH, verbose=0)


class TalkCodec:
    """The talk's autoencoder as a codec: 128 latents, 8 bits each."""

    model_ids = (TALK_MODEL_ID,)
    prior = None  # the version-4 table, set by the Codecs it belongs to (its files are version 2 anyway)

    def __init__(self, encoder, decoder, latent_scale: float, latent_shape):
        self.encoder, self.decoder, self.latent_scale = encoder, decoder, float(latent_scale)
        self.latent_shape = tuple(latent_shape)
        self.tables = {TALK_MODEL_ID: CodingTables.uniform(int(np.prod(self.latent_shape)), TALK_LATENT_BITS)}

    @classmethod
    def load(cls, folder, networks=None):
        """A model folder's codec; ``networks``: (encoder, decoder) to use instead of its
        LiteRT files (training passes its Keras models: training/networks.py)."""
        folder = Path(folder)
        config = read_config(folder)
        return cls(*(networks or runtime.load_talk(folder)), config["latent_scale"], config["latent_shape"])

    def encode_rows(self, images, model_id=TALK_MODEL_ID) -> np.ndarray:
        latents = _predict(self.encoder, to_float(images))
        return quantise_latents(latents, self.latent_scale).reshape(len(images), -1)

    def decode_rows(self, indices, model_id=TALK_MODEL_ID) -> np.ndarray:
        latents = dequantise_latents(np.asarray(indices).reshape((-1, *self.latent_shape)), self.latent_scale)
        return to_pixels(_predict(self.decoder, latents))

    def compress_digits(self, images, model_id=TALK_MODEL_ID) -> list[bytes]:
        return fmt.encode_digits(model_id, self.encode_rows(images), self.tables[model_id], self.prior)

    def decompress_digits(self, files) -> np.ndarray:
        """Single-digit files of this codec -> images; raises FormatError."""
        return self.decode_rows(fmt.decode_digits(files, self.tables, prior=self.prior).rows)


class LearnedCodec:
    """A variable-rate learned codec. Its methods take the file model id as ``level``;
    the network's own level (1-based) is model id - first_model_id + 1. In a Codecs with a
    version-4 table (``prior``, set by it) its one-digit files are version 4; alone, version 3."""

    prior = None

    def __init__(self, encoder, decoder, tables: dict[int, TableSet], latent_shape, num_levels=None, lambdas=None,
                 first_model_id: int = 1):
        self.encoder, self.decoder, self.tables = encoder, decoder, tables  # tables by model id
        self.lambdas = tuple(lambdas or ())  # per level: the training lambda, which the search also weighs by
        self._search = None
        self.latent_shape = tuple(latent_shape)
        self.first_model_id = first_model_id
        self.levels = tuple(sorted(tables))  # its model ids
        self.model_ids = self.levels
        self.num_levels = num_levels or len(tables)  # width of the one-hot level input
        self.curvature = {}  # model id -> the search's curvature (aec.search.Search.curvature), when measured

    @classmethod
    def load(cls, folder, networks=None):
        """A model folder's codec; ``networks``: as TalkCodec.load's."""
        folder = Path(folder)
        config = read_config(folder)
        first = config.get("first_model_id", 1)
        tables = LazyTables(dict(zip(model_ids_of(config), (config["tables"][k]
                                                            for k in sorted(config["tables"], key=int)))))
        codec = cls(*(networks or runtime.load_learned(folder)), tables, config["latent_shape"], num_levels=int(config["levels"]),
                    lambdas=config["lambdas"], first_model_id=first)
        if (folder / CURVATURE_FILE).is_file():
            with np.load(folder / CURVATURE_FILE) as saved:
                codec.curvature = {int(k): saved[k] for k in saved.files}
        return codec

    def level_input(self, level, batch):
        """The networks' one-hot input for model id ``level`` (its network level, 1-based,
        is level - first_model_id + 1)."""
        return level_input(level - self.first_model_id + 1, self.num_levels, batch)

    def encode_symbols(self, images, level) -> np.ndarray:
        """Images -> the rounded latents (B, E) as integers."""
        return to_symbols(_predict(self.encoder, [to_float(images), self.level_input(level, len(images))]))

    def encode_rows(self, images, level, search=False) -> np.ndarray:
        """Images -> the rows the file format codes (cluster + indices). With
        ``search``, the symbols come from the rate-distortion search
        (aec/search.py: smaller error for the bits, ~200x slower) instead of
        plain rounding (what the browser does); ``search`` may be a
        ``Search`` of this codec (e.g. with larger batches: the same symbols)."""
        if search:
            from aec.search import Search

            if isinstance(search, Search):
                return self.tables[level].choose(search.symbols(images, level))
            if self._search is None:
                self._search = Search(self)
            return self.tables[level].choose(self._search.symbols(images, level))
        return self.tables[level].choose(self.encode_symbols(images, level))

    def decode_rows(self, rows, level) -> np.ndarray:
        symbols = self.tables[level].symbols(rows).astype(np.float32).reshape((-1, *self.latent_shape))
        return to_pixels(_predict(self.decoder, [symbols, self.level_input(level, len(symbols))]))

    def compress_digits(self, images, level, search=False) -> list[bytes]:
        return fmt.encode_digits(level, self.encode_rows(images, level, search), self.tables[level], self.prior)

    def decompress_digits(self, files) -> np.ndarray:
        """Single-digit files of this codec's levels -> images; raises FormatError."""
        batch = fmt.decode_digits(files, self.tables, prior=self.prior)
        out = np.zeros((len(files), 28, 28), np.uint8)
        for level in np.unique(batch.model_ids):
            rows = np.flatnonzero(batch.model_ids == level)
            out[rows] = self.decode_rows(batch.rows[rows, :self.tables[level].row_length], int(level))
        return out


class Codecs:
    """Every shipped model, by file model id: what the API, the command and evaluation use."""

    def __init__(self, codecs: dict, prior: ModelPrior | None = None):
        """``codecs``: folder name -> its codec (a TalkCodec for "talk", LearnedCodecs for the
        learned folders); :meth:`load` reads them from a runtime folder, training builds them
        from its Keras models (training/networks.py). With a ``prior`` (the folder's
        ``model_prior.json``) one-digit files of learned models are format version 4 and
        version-4 files decode; without one, files are version 2 and 3 as before."""
        self.talk = codecs[levels.TALK]
        folders = [name for name in LEARNED_FOLDERS if name in codecs]
        self.learned_codecs = tuple(codecs[name] for name in folders)
        self._by_id, self._folders = {}, {}
        for folder in (levels.TALK, *folders):
            for model_id in codecs[folder].model_ids:
                if model_id in self._by_id:
                    raise ValueError(f"{folder}: model id {model_id} is also {self._folders[model_id]}'s "
                                     "(give the folders' codec.json first_model_id values that do not overlap)")
                self._by_id[model_id], self._folders[model_id] = codecs[folder], folder
        self.tables = ChainMap(*(codec.tables for codec in (self.talk, *self.learned_codecs)))  # parsed on use
        # the quality scale's model ids (aec.levels.SCALE) that these folders have, fewest bytes first
        self.scale_ids = tuple(lv.model_id for lv in levels.LEVELS if lv.model_id in self._by_id)
        if prior is not None:
            prior.check_tables(self.tables)
        self.prior = prior
        for codec in (self.talk, *self.learned_codecs):  # a codec of these writes and reads what they do
            codec.prior = prior

    @classmethod
    def load(cls, models_dir):
        """Every model of a runtime folder (aec/models: the converter's LiteRT export)."""
        models_dir = Path(models_dir)
        learned = {name: LearnedCodec.load(models_dir / name) for name in LEARNED_FOLDERS
                   if (models_dir / name).exists()}
        prior_file = models_dir / PRIOR_FILE
        prior = ModelPrior.from_json(prior_file.read_text()) if prior_file.is_file() else None
        return cls({levels.TALK: TalkCodec.load(models_dir / levels.TALK), **learned}, prior)

    def codec_for(self, model_id: int):
        """The codec of a file model id; ValueError for one no folder has."""
        codec = self._by_id.get(int(model_id))
        if codec is None:
            raise ValueError(f"no model {model_id} (models: {', '.join(map(str, sorted(self._by_id)))})")
        return codec

    def folder_of(self, model_id: int) -> str:
        """The name of the model folder a model id comes from (talk, lowrate, mid, codec)."""
        self.codec_for(model_id)
        return self._folders[int(model_id)]

    def _rows(self, images, model_id, search):
        if model_id == TALK_MODEL_ID:  # the talk's network stays as the talk had it: plain rounding
            return self.talk.encode_rows(images)
        return self.codec_for(model_id).encode_rows(images, model_id, search)

    def compress_digits(self, images, model_id: int, search=False) -> list[bytes]:
        """Digits (n,28,28) -> n files of one digit each; ``search``: see LearnedCodec.encode_rows."""
        return fmt.encode_digits(model_id, self._rows(images, model_id, search), self.tables[model_id], self.prior)

    def compress_file(self, images, model_id: int, search=False) -> bytes:
        """Digits (n,28,28) -> one file holding all of them (a single digit when n = 1)."""
        return fmt.encode_stream(model_id, self._rows(images, model_id, search), self.tables[model_id], self.prior)

    def decompress_file(self, data: bytes):
        """One file (a digit or a stream) -> (model_id, images (n,28,28))."""
        model_id, indices = fmt.decode_stream(data, self.tables, prior=self.prior)
        return model_id, self.codec_for(model_id).decode_rows(indices, model_id)

    def compress_files(self, arrays, model_id: int, search=False, progress=None) -> list[bytes]:
        """Many digit arrays (n_i,28,28) -> one file each, all digits coded as one
        batch (networks, search and coder) in chunks of CHUNK digits (the networks give
        each digit the same result in any batch, so each file has the bytes
        ``compress_file`` gives its array). ``progress(done, total)`` is called after each chunk."""
        counts = [len(s) for s in arrays]
        if not arrays:
            return []
        images = np.concatenate([np.asarray(s, np.uint8).reshape(-1, 28, 28) for s in arrays])
        if search and model_id != TALK_MODEL_ID:
            from aec.search import BATCH as step
        else:
            step = CHUNK
        rows = []
        for start in range(0, len(images), step):
            rows.append(self._rows(images[start:start + step], model_id, search))
            if progress:
                progress(min(start + step, len(images)), len(images))
        rows = np.concatenate(rows)
        tables, ends = self.tables[model_id], np.cumsum(counts)
        out = [None] * len(arrays)
        singles = [i for i, n in enumerate(counts) if n == 1]
        if len(singles) >= fmt.BATCH_MIN:  # one-digit files: the batched coder, same bytes as encode_stream
            for i, data in zip(singles, fmt.encode_digits(model_id, rows[ends[singles] - 1], tables, self.prior)):
                out[i] = data
        for i, n in enumerate(counts):
            if out[i] is None:
                out[i] = fmt.encode_stream(model_id, rows[ends[i] - n:ends[i]], tables, self.prior)
        return out

    def decompress_files(self, datas, max_digits: int = fmt.MAX_DIGITS) -> list:
        """Many files -> per file ``(model_id, images (n,28,28))`` or the FormatError that
        refused it; the files of each model are decoded as one batch."""
        decoded = fmt.decode_files(datas, self.tables, max_digits, self.prior)
        out = list(decoded)
        for model_id in {d.model_id for d in decoded if not isinstance(d, fmt.FormatError)}:
            members = [i for i, d in enumerate(decoded) if not isinstance(d, fmt.FormatError) and d.model_id == model_id]
            rows = np.concatenate([decoded[i].rows for i in members])
            codec = self.codec_for(model_id)
            images = np.concatenate([codec.decode_rows(rows[k:k + CHUNK], model_id)
                                     for k in range(0, len(rows), CHUNK)])
            ends = np.cumsum([len(decoded[i].rows) for i in members])
            for i, end in zip(members, ends):
                out[i] = (model_id, images[end - len(decoded[i].rows):end])
        return out
