"""python -m converter: every trained model -> site/models (TF.js) and aec/models (LiteRT,
what the ``aec`` package runs).

    python -m converter [--models-dir models] [--out site/models] [--runtime-out aec/models]
                        [--eval-digits 10000] [--budget-bytes N] [--data-dir DIR] [--only runtime|site]

Prints the sizes and the PSNR of each weight format; problems are one line on
stderr and a non-zero exit, with site/models and aec/models left as they were.
"""

from __future__ import annotations

import argparse
import os
import sys

# model.export() to a SavedModel of plain TF ops needs the TensorFlow backend (models
# trained with JAX load into it unchanged); keep TF's start-up chatter off the terminal.
os.environ["KERAS_BACKEND"] = "tensorflow"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m converter", description=__doc__.split("\n\n")[0])
    p.add_argument("--models-dir", default="models", help="trained Keras models (default: models)")
    p.add_argument("--out", default="site/models", help="TF.js models + manifest.json (default: site/models)")
    p.add_argument("--eval-digits", type=int, default=10000,
                   help="MNIST test digits that measure each weight format (default: all 10000)")
    p.add_argument("--budget-bytes", type=int, default=None,
                   help="most bytes the networks the page loads at once (the talk's and the default level's) "
                        "may take together; 0: no limit (default: converter.convert.BUDGET_BYTES)")
    p.add_argument("--data-dir", default=None, help="MNIST IDX folder (default: $MNIST_DIR, else Keras download)")
    p.add_argument("--runtime-out", default="aec/models", help="LiteRT models for the aec package (default: aec/models)")
    p.add_argument("--only", choices=["runtime", "site"], help="write only one of the two exports")
    args = p.parse_args(argv)

    from converter.convert import BUDGET_BYTES, ConversionError, convert
    from converter.runtime import export_runtime
    from training.data import DataError, load_mnist

    try:
        (x_train, _), (x_test, y_test) = load_mnist(args.data_dir)
        if args.only != "site":
            report = export_runtime(args.models_dir, args.runtime_out, test_images=x_test, train_images=x_train,
                                    eval_digits=args.eval_digits)
            print(f"{args.runtime_out}: " + ", ".join(f"{part} {sum(r['bytes'].values())} B"
                                                      for part, r in report["models"].items()))
        if args.only != "runtime":
            manifest = convert(args.models_dir, args.out, test_images=x_test, test_labels=y_test,
                               eval_digits=args.eval_digits,
                               budget_bytes=BUDGET_BYTES if args.budget_bytes is None else args.budget_bytes,
                               runtime_dir=args.runtime_out)
            print(f"{args.out}: " + ", ".join(f"{n} {s['bytes']} B ({s['weights']})"
                                              for n, s in manifest["networks"].items())
                  + f"; networks {manifest['network_bytes']} B in all")
    except (ConversionError, DataError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
