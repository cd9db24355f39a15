"""Command line: python -m training {train,evaluate,bound,pipeline,bench}.

    python -m training train [--model talk|codec|lowrate|mid|classifier|all] [--epochs N] [--resume]
    python -m training train --model codec-tables     (refit the trained codec's cluster tables)
    python -m training evaluate
    python -m training bound      (the estimated rate-distortion limit -> results.json["bound"])
    python -m training pipeline [--fresh] [--list]   (what make train runs: every stage, resumable)
    python -m training bench

Compressing and decompressing is the codec's own command: ``aec`` (aec/cli.py).

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
    models = ["talk", "classifier", "codec", "lowrate", "mid"] if args.model == "all" else [args.model]
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
        elif name in ("lowrate", "mid"):
            train.train_lowrate(x_train, x_test, args.models_dir, args.runs_dir, epochs=args.epochs,
                                batch_size=args.batch_size or 128, resume=args.resume, seed=args.seed,
                                max_seconds=args.max_minutes * 60 if args.max_minutes else None, verbose=verbose,
                                folder=name)
        elif name == "codec-tables":
            train.fit_codec_tables(args.models_dir, x_train, x_test)
        elif name == "classifier":
            train.train_classifier(x_train, y_train, x_test, y_test, args.models_dir,
                                   epochs=args.epochs or 4, seed=args.seed, verbose=verbose)
        timings[name] = time.time() - t0
    for name, seconds in timings.items():
        print(f"{name}: {seconds:.0f} s (training and measuring)", flush=True)
    return 0


def cmd_evaluate(args) -> int:
    from training import evaluate

    if args.rebuild:
        if not (Path(args.results_dir) / "results.json").is_file():
            print(f"error: {args.results_dir}/results.json: nothing to rebuild from (run an evaluation first)",
                  file=sys.stderr)
            return 1
        evaluate.rebuild(args.results_dir, args.models_dir, args.codecs_dir)
        return 0
    evaluate.main(data_dir=args.data_dir, models_dir=args.models_dir, results_dir=args.results_dir,
                  limit=args.limit, fashion=not args.no_fashion,
                  cache_dir=None if args.no_cache else args.cache_dir, codecs_dir=args.codecs_dir,
                  processes=args.processes, site_models_dir=args.site_models_dir, browser_digits=args.browser_digits)
    return 0


def cmd_pipeline(args) -> int:
    from training import pipeline

    return pipeline.main(args)


def cmd_bound(args) -> int:
    import keras

    from training import bound, bound_refine, bound_report, train

    keras.utils.set_random_seed(args.seed)
    print(f"training on: {train.describe_device()} (keras {keras.__version__})", flush=True)
    (x_train, _), (x_test, _) = _data(args)
    t0 = time.time()
    runs = []
    for init in args.init.split(","):
        folder = None if init == "scratch" else os.path.join(args.models_dir, init)
        runs.append(bound.train_bound(x_train, x_test, args.runs_dir, init=folder,
                                      epochs=args.epochs, resume=args.resume, seed=args.seed,
                                      max_seconds=args.max_minutes * 60 if args.max_minutes else None,
                                      samples=args.samples, refine_steps=args.refine_steps,
                                      refine_rate=args.refine_rate or bound_refine.RATES.get(init),
                                      verbose=1 if sys.stdout.isatty() or args.progress else 2))
    entry = bound.combine(runs, bound_report.kept(args.results_dir))
    entry["seconds"] = round(time.time() - t0, 1)
    from aec import atomic

    atomic.write_json(os.path.join(args.runs_dir, "bound", "bound.json"), entry)  # kept if results.json is missing
    bound_report.write_bound(entry, args.results_dir, args.models_dir)
    print(f"bound: {entry['seconds']:.0f} s; wrote {args.results_dir}/results.json[\"bound\"]", flush=True)
    return 0


def cmd_bench(args) -> int:
    from training import bench

    bench.main(data_dir=args.data_dir, codecs_dir=args.codecs_dir)
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
    p.add_argument("--model", choices=["talk", "codec", "lowrate", "mid", "codec-tables", "classifier", "all"], default="all",
                   help="codec-tables: refit only the trained codec's cluster tables (minutes)")
    p.add_argument("--epochs", type=int, default=None, help="default: talk 50, codec 95 (55 minutes on 2 CPU cores with its cluster tables: within the hour), lowrate 60, mid 30, classifier 4")
    p.add_argument("--batch-size", type=int, default=None)
    p.add_argument("--runs-dir", default="runs", help="checkpoints for --resume (default: runs)")
    p.add_argument("--resume", action="store_true", help="continue an interrupted run from its last checkpoint")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--steps-per-execution", type=int, default=1,
                   help="codec: training steps per compiled call (16 or so on a GPU)")
    p.add_argument("--max-minutes", type=float, default=None,
                   help="codec, lowrate, mid: stop after the epoch that passes this many minutes")
    p.add_argument("--progress", action="store_true", help="progress bars even when not on a terminal")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("evaluate", help="full test-set evaluation -> site/results/")
    common(p)
    p.add_argument("--results-dir", default="site/results")
    p.add_argument("--codecs-dir", default="aec/models",
                   help="the runtime models to measure (the converter's LiteRT export; default: aec/models)")
    p.add_argument("--no-fashion", action="store_true", help="skip the Fashion-MNIST evaluation")
    p.add_argument("--cache-dir", default="build/cache/baselines",
                   help="the classical baselines' per-digit results, kept between runs (default: build/cache/baselines)")
    p.add_argument("--no-cache", action="store_true", help="measure the classical baselines again, cache nothing")
    p.add_argument("--processes", type=int, default=None,
                   help="worker processes for the search and the baselines (default: one per core; 1: none). "
                        "The same results with any number")
    p.add_argument("--rebuild", action="store_true",
                   help="measure nothing: rewrite the tables, targets and plots from the results dir's results.json")
    p.add_argument("--site-models-dir", default="site/models",
                   help="the TF.js export, whose search the browser runs (default: site/models)")
    p.add_argument("--browser-digits", type=int, default=None,
                   help="test digits for the browser's search, run in Node (training/browser_search.py; "
                        "default: its DIGITS, at most --limit; 0: skip it)")
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("bound", help="estimate the rate-distortion limit (a VAE's KL against PSNR) -> results.json")
    common(p)
    p.add_argument("--results-dir", default="site/results")
    p.add_argument("--runs-dir", default="runs", help="checkpoints for --resume (default: runs)")
    p.add_argument("--init", default="lowrate,codec",
                   help="comma-separated: start from these trained codecs' networks (folders in --models-dir), "
                        "or 'scratch' (default: lowrate,codec); results.json keeps the runs not named")
    p.add_argument("--epochs", type=int, default=None, help="per run; default: 8 from a codec, 60 from scratch")
    p.add_argument("--max-minutes", type=float, default=None,
                   help="per run: stop after the epoch that passes this many minutes")
    p.add_argument("--samples", type=int, default=4, help="posterior samples per test digit when measuring")
    p.add_argument("--refine-steps", type=int, default=40,
                   help="refine each test digit's posterior this many Adam steps before measuring (bound_refine.py; "
                        "default: 40, as the committed numbers)")
    p.add_argument("--refine-rate", type=float, default=None,
                   help="the refinement's Adam rate (default: bound_refine.RATES by --init, as the committed numbers)")
    p.add_argument("--resume", action="store_true", help="continue an interrupted run from its last checkpoint")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--progress", action="store_true", help="progress bars even when not on a terminal")
    p.set_defaults(func=cmd_bound)

    from training.pipeline import Settings  # no Keras: its defaults are the stages' folders

    where = Settings()
    p = sub.add_parser("pipeline", help="make train: every stage in order, resumable by stage (training/pipeline.py)")
    common(p, data=False)
    p.add_argument("--results-dir", default=where.results_dir)
    p.add_argument("--site-models-dir", default=where.site_models_dir, help="the TF.js export (default: %(default)s)")
    p.add_argument("--vectors-dir", default=where.vectors_dir, help="the models' test vectors (default: %(default)s)")
    p.add_argument("--runtime-models-dir", default=where.runtime_models_dir,
                   help="the runtime export aec ships (default: %(default)s)")
    p.add_argument("--runs-dir", default=where.runs_dir,
                   help="checkpoints and the unfinished run's state (default: %(default)s)")
    p.add_argument("--train-args", default="", help='extra options for each train stage, e.g. --train-args="--epochs 1"')
    p.add_argument("--eval-args", default="", help='extra options for evaluate, e.g. --eval-args="--limit 1000"')
    p.add_argument("--convert-args", default="",
                   help='extra options for the conversion, e.g. --convert-args="--eval-digits 1000"')
    p.add_argument("--fresh", action="store_true", help="start afresh even when an unfinished run is there to continue")
    p.add_argument("--list", action="store_true", help="print the stages and their measured times (README's table)")
    p.set_defaults(func=cmd_pipeline)

    p = sub.add_parser("bench", help="encode/decode throughput, and one digit through the command")
    common(p)
    p.add_argument("--codecs-dir", default="aec/models", help="the runtime models (default: aec/models)")
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
