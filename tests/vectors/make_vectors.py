"""The one tool that writes the shared Python/JavaScript test vectors in tests/vectors/.

    python tests/vectors/make_vectors.py [format] [format3] [format4] [preprocess] [levels] [models] [bits] [search] [--check]

* format:     format_v2.json, tables, files and refused files (format_vectors.py)
* format3:    format_v3.json, version 3's headers (model ids 8..14, the escape of later
              versions), files and refused files (format_v3_vectors.py); needs format_v2.json
* format4:    format_v4.json, version 4's files (model id and cluster coded given the length,
              with their ModelPrior), the older files read with a prior, refused files
              (format_v4_vectors.py)
* preprocess: preprocess_v1.json, images through aec.preprocess (preprocess_vectors.py)
* levels:     levels.json, the quality scale of aec/levels.py: every model id's quality level
              and each level's model id, for levels.js (which reads the scale from the manifest)
* models:     models_v1.json and models_v1_bulk.json, the shipped models on the demo's
              sample digits and 1000 test digits (model_vectors.py); `make convert`
              runs it after every conversion, since they carry the export's hashes
* bits:       bits_v1.json, where the bits of those files go (bits_vectors.py); needs
              format_v2.json, format_v3.json and models_v1.json (in --out) and the export's
              tables (--site-models); `make convert` runs it after models
* search:     search_v1.json, the command's searched files of a few test digits at every
              level (search_vectors.py), for the JS twin's search; the package's models
              (--codecs-dir); `make convert` runs it after bits

No name: all eight (bits after the files it splits). ``--check`` writes nothing and
exits 1 if a file differs from what would be written. Run from anywhere; the files are written atomically.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
for path in (str(ROOT), str(HERE)):
    if path not in sys.path:
        sys.path.insert(0, path)

from aec import atomic  # noqa: E402

KINDS = ("format", "format3", "format4", "preprocess", "levels", "models", "bits", "search")


def texts(kind: str, args) -> dict:
    """kind -> {path: the text the generator makes}."""
    if kind == "format":
        import format_vectors

        path = args.out / "format_v2.json"
        existing = json.loads(path.read_text()) if path.exists() else None
        return {path: format_vectors.dumps(format_vectors.build(existing))}
    if kind == "format3":
        import format_v3_vectors

        v2 = json.loads((args.out / "format_v2.json").read_text())
        return {args.out / "format_v3.json": format_v3_vectors.dumps(format_v3_vectors.build(v2))}
    if kind == "format4":
        import format_v4_vectors

        return {args.out / "format_v4.json": format_v4_vectors.dumps(format_v4_vectors.build())}
    if kind == "preprocess":
        import preprocess_vectors

        return {args.out / "preprocess_v1.json": preprocess_vectors.dumps(preprocess_vectors.build())}
    if kind == "levels":
        from aec import format as fmt
        from aec import levels

        obj = {"description": "aec/levels.py's quality scale: made by tests/vectors/make_vectors.py levels",
               "scale": [lv.model_id for lv in levels.LEVELS], "default_model_id": levels.DEFAULT_MODEL_ID,
               "quality_of": {str(m): levels.quality_of(m) for m in range(fmt.MAX_MODEL_ID + 1)}}
        return {args.out / "levels.json": json.dumps(obj, indent=1, sort_keys=True) + "\n"}
    if kind == "bits":
        import bits_vectors

        return {args.out / "bits_v1.json": bits_vectors.dumps(bits_vectors.build(args.out, Path(args.site_models)))}
    from training.data import load_mnist

    if kind == "search":
        import search_vectors

        _, (x_test, _) = load_mnist(args.data_dir)
        return {args.out / "search_v1.json": search_vectors.dumps(search_vectors.build(x_test, args.codecs_dir))}
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import model_vectors

    _, (x_test, y_test) = load_mnist(args.data_dir)
    small, bulk = model_vectors.make_vectors(args.models_dir, args.site_models, x_test, y_test)
    return {args.out / "models_v1.json": model_vectors.dumps(small).decode(),
            args.out / "models_v1_bulk.json": model_vectors.dumps(bulk).decode()}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="make_vectors.py", description=__doc__.split("\n\n")[0])
    p.add_argument("kinds", nargs="*", metavar="{format,format3,format4,preprocess,levels,models,bits,search}",
                   help="default: all eight")
    p.add_argument("--check", action="store_true", help="compare with the stored files instead of writing them")
    p.add_argument("--out", type=Path, default=HERE, help="folder of the vectors (default: tests/vectors)")
    p.add_argument("--models-dir", default=ROOT / "models", help="models: the trained Keras models")
    p.add_argument("--site-models", default=ROOT / "site" / "models", help="models: the TF.js export")
    p.add_argument("--data-dir", default=None, help="models, search: MNIST IDX folder (default: $MNIST_DIR)")
    p.add_argument("--codecs-dir", default=ROOT / "aec" / "models", help="search: the package's runtime models")
    args = p.parse_args(argv)
    if set(args.kinds) - set(KINDS):
        p.error(f"unknown kind: {', '.join(sorted(set(args.kinds) - set(KINDS)))}")
    stale = 0
    for kind in args.kinds or KINDS:
        try:
            made = texts(kind, args)
        except Exception as e:  # a missing model, data folder or export: one line, not a traceback
            print(f"{kind}: {e}", file=sys.stderr)
            return 2
        for path, text in made.items():
            if args.check:
                same = path.exists() and path.read_text() == text
                stale += not same
                print(f"{path}: {'up to date' if same else 'DIFFERS: run python tests/vectors/make_vectors.py ' + kind}")
            else:
                atomic.write_bytes(path, text.encode())
                print(f"wrote {path} ({len(text)} bytes)")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
