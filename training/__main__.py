"""Command line: python -m training {train,compress,decompress,evaluate,bench}.

    python -m training train [--model talk|codec|classifier|all] [--epochs N] [--resume]
    python -m training train --model codec-tables     (refit the trained codec's cluster tables)
    python -m training compress IMAGE... --quality Q -o DIR     (or --model talk; --one-pass)
    python -m training decompress FILE... -o DIR
    python -m training evaluate
    python -m training bench

Data: --data-dir DIR or $MNIST_DIR (the four IDX .gz files); otherwise Keras
downloads MNIST. Problems are reported as one line per file, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's start-up chatter off the terminal

EXTENSION = ".aec"  # auto-encoder compressed digit(s)


def _data(args):
    from training.data import load_mnist

    (x_train, y_train), (x_test, y_test) = load_mnist(args.data_dir)
    if args.limit:
        x_train, y_train = x_train[: args.limit], y_train[: args.limit]
        x_test, y_test = x_test[: args.limit], y_test[: args.limit]
    return (x_train, y_train), (x_test, y_test)


def cmd_train(args) -> int:
    import keras

    from training import train

    keras.utils.set_random_seed(args.seed)
    print(f"training on: {train.describe_device()} (keras {keras.__version__})", flush=True)
    (x_train, y_train), (x_test, y_test) = _data(args)
    verbose = 1 if sys.stdout.isatty() or args.progress else 2
    models = ["talk", "classifier", "codec"] if args.model == "all" else [args.model]
    timings = {}
    for name in models:
        t0 = time.time()
        if name == "talk":
            train.train_talk(x_train, x_test, args.models_dir, args.runs_dir, epochs=args.epochs or 50,
                             batch_size=args.batch_size or 128, resume=args.resume, verbose=verbose)
        elif name == "codec":
            train.train_codec(x_train, x_test, args.models_dir, args.runs_dir, epochs=args.epochs or 95,
                              batch_size=args.batch_size or 128, resume=args.resume, seed=args.seed,
                              max_seconds=args.max_minutes * 60 if args.max_minutes else None,
                              steps_per_execution=args.steps_per_execution,
                              verbose=verbose)
        elif name == "codec-tables":
            train.fit_codec_tables(args.models_dir, x_train, x_test)
        elif name == "classifier":
            train.train_classifier(x_train, y_train, x_test, y_test, args.models_dir,
                                   epochs=args.epochs or 4, seed=args.seed, verbose=verbose)
        timings[name] = time.time() - t0
    for name, seconds in timings.items():
        print(f"{name}: {seconds:.0f} s (training and measuring)", flush=True)
    return 0


def _load_image(path: Path):
    """Any image Pillow reads, or a .npy of one (28,28) or many (n,28,28) digits
    -> uint8 (n,28,28) after MNIST's own preprocessing (which leaves MNIST-like
    digits as they are: 9,997 of the 10,000 test digits come back bit-identical)."""
    import numpy as np

    from training.preprocess import preprocess

    if path.suffix.lower() == ".npy":
        array = np.load(path, allow_pickle=False)
        if array.ndim == 2:
            array = array[None]
        if array.ndim != 3 or array.shape[0] == 0:
            raise ValueError(f"expected an array of shape (28,28) or (n,28,28), got {array.shape}")
        if array.dtype != np.uint8:  # floats in [0, 1] or [0, 255]
            scale = 255.0 if float(array.max(initial=0)) <= 1.0 else 1.0
            array = np.clip(np.floor(array.astype(np.float64) * scale + 0.5), 0, 255).astype(np.uint8)
        return np.stack([preprocess(a) for a in array])
    from PIL import Image

    with Image.open(path) as image:
        image.load()
        return preprocess(image)[None]


def cmd_compress(args) -> int:
    from training.codec import Codecs

    model_id = 0 if args.model == "talk" else args.quality
    codecs = Codecs(args.models_dir)
    if model_id not in codecs.tables:
        print(f"error: no quality level {model_id} (levels: {sorted(k for k in codecs.tables if k)})",
              file=sys.stderr)
        return 2
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    failed = 0
    for name in args.inputs:
        path = Path(name)
        try:
            images = _load_image(path)
        except Exception as e:  # Pillow raises many types for unreadable input
            print(f"{path}: cannot read image ({type(e).__name__}: {e})", file=sys.stderr)
            failed += 1
            continue
        data = codecs.compress_stream(images, model_id, search=not args.one_pass)
        target = out / (path.stem + EXTENSION)
        target.write_bytes(data)
        print(f"{path} -> {target}: {len(images)} digit(s), {len(data)} bytes")
    return 1 if failed else 0


def cmd_decompress(args) -> int:
    from PIL import Image

    from training.codec import Codecs
    from training.format import FormatError

    codecs = Codecs(args.models_dir)
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    failed = 0
    for name in args.inputs:
        path = Path(name)
        try:
            data = path.read_bytes()
            model_id, images = codecs.decompress(data)
        except (OSError, FormatError) as e:
            print(f"{path}: {e.strerror if isinstance(e, OSError) else e}", file=sys.stderr)
            failed += 1
            continue
        names = [path.stem + ".png"] if len(images) == 1 else [f"{path.stem}_{i:04d}.png" for i in range(len(images))]
        for image, filename in zip(images, names):
            Image.fromarray(image, "L").save(out / filename)
        print(f"{path} -> {out / names[0]}{' …' if len(names) > 1 else ''}: {len(images)} digit(s), model {model_id}")
    return 1 if failed else 0


def cmd_evaluate(args) -> int:
    from training import evaluate

    if args.rebuild:
        evaluate.rebuild(args.results_dir, args.models_dir)
        return 0
    evaluate.main(data_dir=args.data_dir, models_dir=args.models_dir, results_dir=args.results_dir,
                  limit=args.limit, fashion=not args.no_fashion)
    return 0


def cmd_bench(args) -> int:
    from training import bench

    bench.main(data_dir=args.data_dir, models_dir=args.models_dir)
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p, data=True):
        p.add_argument("--models-dir", default="models", help="trained models (default: models)")
        if data:
            p.add_argument("--data-dir", default=None,
                           help="folder with the four MNIST IDX .gz files (default: $MNIST_DIR, else download)")
            p.add_argument("--limit", type=int, default=None, help="use only the first N train and test digits")

    p = sub.add_parser("train", help="train models and write models/<name>/")
    common(p)
    p.add_argument("--model", choices=["talk", "codec", "codec-tables", "classifier", "all"], default="all",
                   help="codec-tables: refit only the trained codec's cluster tables (minutes)")
    p.add_argument("--epochs", type=int, default=None, help="default: talk 50, codec 95 (55 minutes on 2 CPU cores with its cluster tables: within the hour), classifier 4")
    p.add_argument("--batch-size", type=int, default=None)
    p.add_argument("--runs-dir", default="runs", help="checkpoints for --resume (default: runs)")
    p.add_argument("--resume", action="store_true", help="continue an interrupted run from its last checkpoint")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--steps-per-execution", type=int, default=1,
                   help="codec: training steps per compiled call (16 or so on a GPU)")
    p.add_argument("--max-minutes", type=float, default=None,
                   help="codec: stop after the epoch that passes this many minutes")
    p.add_argument("--progress", action="store_true", help="progress bars even when not on a terminal")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("compress", help="images (any format Pillow reads, or .npy) -> .aec files")
    common(p, data=False)
    p.add_argument("inputs", nargs="+")
    p.add_argument("--quality", "-q", type=int, default=3, help="quality level (default 3)")
    p.add_argument("--model", choices=["codec", "talk"], default="codec")
    p.add_argument("--one-pass", action="store_true",
                   help="round the latents as the browser does (the same bytes as the demo, ~200x faster) "
                        "instead of the rate-distortion search (smaller error for the bits)")
    p.add_argument("-o", "--output", required=True)
    p.set_defaults(func=cmd_compress)

    p = sub.add_parser("decompress", help=".aec files -> PNG")
    common(p, data=False)
    p.add_argument("inputs", nargs="+")
    p.add_argument("-o", "--output", required=True)
    p.set_defaults(func=cmd_decompress)

    p = sub.add_parser("evaluate", help="full test-set evaluation -> site/results/")
    common(p)
    p.add_argument("--results-dir", default="site/results")
    p.add_argument("--no-fashion", action="store_true", help="skip the Fashion-MNIST evaluation")
    p.add_argument("--rebuild", action="store_true",
                   help="measure nothing: rewrite the tables, targets and plots from the results dir's results.json")
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("bench", help="encode/decode throughput")
    common(p)
    p.set_defaults(func=cmd_bench)

    args = parser.parse_args(argv)
    from training.data import DataError

    try:
        return args.func(args)
    except DataError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
