"""Python -> JavaScript test vectors made with the shipped models.

    python tests/vectors/make_vectors.py models [--models-dir models] [--site-models site/models] [--out tests/vectors]

``make convert`` runs this after every conversion, so the vectors always
belong to the models in site/models (both files carry the manifest's sha256;
the tests refuse stale vectors with "run make convert").

models_v1.json: the demo's sample digits through the Python codec
(aec/codec.py on the Keras networks, float32: training/networks.py, with the manifest's
version-4 table, site/models/tables/model_prior.json), every model id::

    {"version": 1, "manifest_sha256": "...", "source_sha256": {...},
     "digits": [{"index": 3, "label": 0, "pixels": "<base64 of 784 bytes>"}, ...],
     "vectors": [{"digit": 0, "model_id": 1, "indices": [k_0, ..., k_{E-1}],
                  "hex": "<the file's bytes>", "pixels": "<base64, decoded digit>"}, ...]}

models_v1_bulk.json: the first 1000 test digits, digit i coded with model id
``model_ids[i % len(model_ids)]``, one entry per file ``"<length>:<sha256[:16]>"``
(small: the JavaScript test encodes the same digits and compares).
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import numpy as np

VERSION = 1
BULK_DIGITS = 1000


def _b64(array) -> str:
    return base64.b64encode(np.asarray(array, np.uint8).tobytes()).decode()


def file_digest(data: bytes) -> str:
    return f"{len(data)}:{hashlib.sha256(data).hexdigest()[:16]}"


def make_vectors(models_dir, site_models, test_images, test_labels, bulk_digits=BULK_DIGITS):
    """-> (models_v1 dict, models_v1_bulk dict)."""
    from training.networks import keras_codecs

    manifest_path = Path(site_models) / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest_sha = hashlib.sha256(manifest_path.read_bytes()).hexdigest()
    prior = None
    if "model_prior" in manifest:  # the files the package and the browser write: version 4
        from aec.model_prior import ModelPrior

        prior = ModelPrior.from_json((Path(site_models) / manifest["model_prior"]).read_text())
    codecs = keras_codecs(models_dir, prior)
    model_ids = sorted(codecs.tables)
    samples = manifest["sample_indices"]
    images = np.asarray(test_images)[samples]
    vectors = []
    for m in model_ids:
        codec = codecs.codec_for(m)
        indices = codec.encode_rows(images, m)
        files = codecs.compress_digits(images, m)
        pixels = codec.decode_rows(indices, m)
        for k in range(len(samples)):
            vectors.append({"digit": k, "model_id": m, "indices": [int(v) for v in indices[k]],
                            "hex": files[k].hex(), "pixels": _b64(pixels[k])})
    small = {
        "version": VERSION,
        "description": "The Python codec (Keras float32) on the demo's sample digits; made by "
                       "tests/vectors/make_vectors.py models with the models in site/models.",
        "manifest_sha256": manifest_sha,
        "source_sha256": manifest["source_sha256"],
        "digits": [{"index": int(i), "label": int(test_labels[i]), "pixels": _b64(test_images[i])} for i in samples],
        "vectors": vectors,
    }
    bulk_images = np.asarray(test_images[:bulk_digits])
    digests = [None] * len(bulk_images)
    for j, m in enumerate(model_ids):
        rows = np.arange(j, len(bulk_images), len(model_ids))
        for i, data in zip(rows, codecs.compress_digits(bulk_images[rows], m)):
            digests[i] = file_digest(data)
    bulk = {
        "version": VERSION,
        "description": f"The first {len(bulk_images)} MNIST test digits (t10k), digit i coded by the Python "
                       "codec with model id model_ids[i % len(model_ids)]; each file as "
                       "'<length>:<first 16 hex digits of its sha256>'.",
        "manifest_sha256": manifest_sha,
        "model_ids": model_ids,
        "files": digests,
    }
    return small, bulk


def dumps(obj) -> bytes:
    """One vector per line: small diffs when the models change, still plain JSON."""
    head = {k: v for k, v in obj.items() if k not in ("vectors", "digits", "files")}
    lines = ["{"] + [f" {json.dumps(k)}: {json.dumps(v, sort_keys=True)}," for k, v in sorted(head.items())]
    lists = [k for k in ("digits", "vectors", "files") if k in obj]
    for n, key in enumerate(lists):
        lines.append(f" {json.dumps(key)}: [")
        items = obj[key]
        lines += [f"  {json.dumps(v, sort_keys=True)}{',' if i < len(items) - 1 else ''}" for i, v in enumerate(items)]
        lines.append(" ]" + ("," if n < len(lists) - 1 else ""))
    lines.append("}")
    return ("\n".join(lines) + "\n").encode()


def write_vectors(models_dir, site_models, out_dir, test_images, test_labels) -> list[Path]:
    """Write models_v1.json and models_v1_bulk.json into ``out_dir`` (atomically)."""
    from aec import atomic

    small, bulk = make_vectors(models_dir, site_models, test_images, test_labels)
    paths = [Path(out_dir) / "models_v1.json", Path(out_dir) / "models_v1_bulk.json"]
    for path, obj in zip(paths, (small, bulk)):
        atomic.write_bytes(path, dumps(obj))
    return paths
