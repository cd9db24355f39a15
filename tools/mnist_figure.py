"""The MNIST figure of the talk's slide "Ons doel is het verkleinen van de loss /
We werken met de MNIST dataset": real MNIST test digits, no text (the slide says
what they are, in either language).

Columns are the classes 0..9; each column holds the first ``--per-class`` test
digits of that class, in test-set order. Pixels are scaled up by whole numbers
(nearest neighbour), so every MNIST pixel stays one sharp square.

    .venv/bin/python tools/mnist_figure.py            # writes site/results/talk_mnist.png

MNIST comes from $MNIST_DIR (the four IDX .gz files) or, without it, Keras'
download (training/data.py). The output is byte-for-byte reproducible; a test
checks the committed figure against it.
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

import numpy as np
from PIL import Image

from aec import atomic
from training.data import DataError, load_mnist

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "site" / "results" / "talk_mnist.png"


def mnist_grid(images: np.ndarray, labels: np.ndarray, per_class: int = 3, zoom: int = 3, gap: int = 6) -> Image.Image:
    """uint8 digits (n, 28, 28) -> one greyscale image, a column per class."""
    cell = 28 * zoom
    width, height = 10 * cell + 11 * gap, per_class * cell + (per_class + 1) * gap
    grid = np.full((height, width), 255, np.uint8)  # white gaps between black tiles
    for digit in range(10):
        picks = np.flatnonzero(labels == digit)[:per_class]
        if len(picks) < per_class:
            raise ValueError(f"only {len(picks)} test digits of class {digit}")
        for row, index in enumerate(picks):
            top, left = gap + row * (cell + gap), gap + digit * (cell + gap)
            grid[top:top + cell, left:left + cell] = np.kron(images[index], np.ones((zoom, zoom), np.uint8))
    return Image.fromarray(grid, mode="L")


def png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Write the talk's MNIST figure from the real MNIST test digits.")
    parser.add_argument("--out", type=Path, default=OUT, help=f"PNG to write (default: {OUT.relative_to(ROOT)})")
    parser.add_argument("--data-dir", help="folder with the four MNIST IDX .gz files (default: $MNIST_DIR or Keras)")
    parser.add_argument("--per-class", type=int, default=3, help="digits per class (default: 3)")
    args = parser.parse_args(argv)
    try:
        _, (x_test, y_test) = load_mnist(args.data_dir)
    except DataError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    atomic.write_bytes(args.out, png_bytes(mnist_grid(x_test, y_test, args.per_class)))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
