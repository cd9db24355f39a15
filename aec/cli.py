"""The ``aec`` command: compress images of digits to .aec files and back.

    aec compress IMAGE... --quality Q -o DIR     (or --model talk; --one-pass)
    aec decompress FILE... -o DIR

``python -m aec`` is the same command. Problems are reported as one line per
file, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's start-up chatter off the terminal

EXTENSION = ".aec"  # auto-encoder compressed digit(s)


def _load_image(path: Path):
    """Any image Pillow reads, or a .npy of one (28,28) or many (n,28,28) digits
    -> uint8 (n,28,28) after MNIST's own preprocessing (which leaves MNIST-like
    digits as they are: 9,997 of the 10,000 test digits come back bit-identical)."""
    import numpy as np

    from aec.pixels import round_half_up
    from aec.preprocess import preprocess

    if path.suffix.lower() == ".npy":
        array = np.load(path, allow_pickle=False)
        if array.ndim == 2:
            array = array[None]
        if array.ndim != 3 or array.shape[0] == 0:
            raise ValueError(f"expected an array of shape (28,28) or (n,28,28), got {array.shape}")
        if array.dtype != np.uint8:  # floats in [0, 1] or [0, 255]
            scale = 255.0 if float(array.max(initial=0)) <= 1.0 else 1.0
            array = np.clip(round_half_up(array.astype(np.float64) * scale), 0, 255).astype(np.uint8)
        return np.stack([preprocess(a) for a in array])
    from PIL import Image

    with Image.open(path) as image:
        image.load()
        return preprocess(image)[None]


def cmd_compress(args) -> int:
    from aec.codec import Codecs

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

    from aec.codec import Codecs
    from aec.format import FormatError

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



def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="aec", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("compress", help="images (any format Pillow reads, or .npy) -> .aec files")
    p.add_argument("--models-dir", default="models", help="trained models (default: models)")
    p.add_argument("inputs", nargs="+")
    p.add_argument("--quality", "-q", type=int, default=3, help="quality level (default 3)")
    p.add_argument("--model", choices=["codec", "talk"], default="codec")
    p.add_argument("--one-pass", action="store_true",
                   help="round the latents as the browser does (the same bytes as the demo, ~200x faster) "
                        "instead of the rate-distortion search (smaller error for the bits)")
    p.add_argument("-o", "--output", required=True)
    p.set_defaults(func=cmd_compress)

    p = sub.add_parser("decompress", help=".aec files -> PNG")
    p.add_argument("--models-dir", default="models", help="trained models (default: models)")
    p.add_argument("inputs", nargs="+")
    p.add_argument("-o", "--output", required=True)
    p.set_defaults(func=cmd_decompress)

    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
