"""The slide "Where the bits go" (site/slides/index.html, marker ``<!-- bit-map -->``): a real
file's bits as a heat map over its digit, made at build time.

The file is the Python codec's real file of the demo's first sample digit at the learned codec's
lowest level on the quality scale (its latents are a 4x4 grid, drawn over the digit; the default
level's network codes one vector): tests/vectors/models_v1.json, which ``make convert``
rewrites with every export, so it is the file the shipped models write. aec.bits splits it with
the shipped tables (site/models/tables); the digit drawn is the file's own decoded digit from the
same vectors. Its numbers come from the split; the level's averages on all test digits are
results.json markers (theme/results_fill.py).
Writes one SVG per language (decimal commas in Dutch) beside the slides.
"""

from __future__ import annotations

import base64
import html
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # the codec library, however mkdocs was started
    sys.path.insert(0, str(ROOT))

from aec import levels  # noqa: E402
from aec.bits import ONE_BIT, bit_split  # noqa: E402
from aec.model_prior import ModelPrior  # noqa: E402
from aec.tables import TableSet  # noqa: E402

try:  # mkdocs puts this file's folder on sys.path while it loads the hooks
    from results_fill import number
except ImportError:  # imported as theme.bit_map (the tests)
    from theme.results_fill import number

MARKER = "<!-- bit-map -->"
CELL = 10  # SVG units per digit pixel
SIZE = 28


class BitMapError(Exception):
    """What the slide's bit map could not be made from, as one line."""


def _svg(image: np.ndarray, cells: np.ndarray, lang: str) -> str:
    h, w = cells.shape
    side = SIZE * CELL
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {side} {side}" width="{side}" height="{side}">',
           f'<rect width="{side}" height="{side}" fill="#000"/>']
    for (y, x), v in np.ndenumerate(image):
        if v:
            out.append(f'<rect x="{x * CELL}" y="{y * CELL}" width="{CELL}" height="{CELL}" fill="rgb({v},{v},{v})"/>')
    cw, ch = side / w, side / h
    top = float(cells.max()) or 1.0
    for (y, x), bits in np.ndenumerate(cells):
        alpha = 0.1 + 0.65 * bits / top
        cx, cy = x * cw + cw / 2, y * ch + ch / 2
        out.append(f'<rect x="{x * cw:.1f}" y="{y * ch:.1f}" width="{cw:.1f}" height="{ch:.1f}" '
                   f'fill="rgb(230,81,0)" fill-opacity="{alpha:.3f}" stroke="#fff" stroke-opacity="0.5"/>')
        out.append(f'<text x="{cx:.1f}" y="{cy:.1f}" font-family="sans-serif" font-size="{ch / 4:.0f}" font-weight="700" '
                   f'text-anchor="middle" dominant-baseline="central" fill="#fff" stroke="#000" stroke-width="3" '
                   f'paint-order="stroke">{number(float(bits), 1, lang)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


GRID_FOLDER = "codec"  # the network whose latents are a grid over the digit


def grid_model_id() -> int:
    """The file model id of the grid codec's lowest level on the quality scale."""
    return next(lv.model_id for lv in levels.LEVELS if lv.folder == GRID_FOLDER)


def make(root: Path, results: dict) -> tuple[str, dict]:
    """-> (the slide's figure HTML, with results markers; {name: SVG text} to write beside the slides)."""
    try:
        vectors = json.loads((root / "tests" / "vectors" / "models_v1.json").read_text())
        manifest = json.loads((root / "site" / "models" / "manifest.json").read_text())
        model_id = grid_model_id()
        shape = manifest[GRID_FOLDER]["latent_shape"]
        tables = {model_id: TableSet.from_json((root / "site" / "models" / manifest["tables"][str(model_id)]).read_text())}
        prior = (ModelPrior.from_json((root / "site" / "models" / manifest["model_prior"]).read_text())
                 if "model_prior" in manifest else None)
        vector = next(v for v in vectors["vectors"] if v["model_id"] == model_id and v["digit"] == 0)
        digit = vectors["digits"][0]
        key = next(k for k, c in results["codecs"].items() if c.get("model_id") == model_id)
    except (OSError, ValueError, KeyError, StopIteration) as e:
        raise BitMapError(f"the bit-map slide: {type(e).__name__}: {e}") from None
    data = bytes.fromhex(vector["hex"])
    split = bit_split(data, tables, prior=prior)
    image = np.frombuffer(base64.b64decode(vector["pixels"]), np.uint8).reshape(SIZE, SIZE)
    h, w, c = shape
    cells = split.latent_q16.sum(0).reshape(h, w, c).sum(2) / ONE_BIT
    latents = int(split.latent_q16.sum()) / ONE_BIT
    rest = split.termination_q16 / ONE_BIT
    svgs = {f"bit-map.{lang}.svg": _svg(image, cells, lang) for lang in ("nl", "en")}
    n = lambda v, lang: number(v, 1, lang)  # noqa: E731
    level = results["codecs"][key]["level"]
    head = split.head_q16 / ONE_BIT
    first = ({"nl": f"model en cluster (gegeven de lengte) {n(head, 'nl')}",
              "en": f"model and cluster (given the length) {n(head, 'en')}"} if split.head_q16 else
             {"nl": f"header {split.header_bits}, clusterkeuze {split.cluster_bits}",
              "en": f"header {split.header_bits}, cluster choice {split.cluster_bits}"})
    text = {
        "nl": (f"MNIST-testcijfer {digit['index']} (een {digit['label']}), niveau {level}: {len(data)} bytes = "
               f"{split.total_bits} bits: {first['nl']}, latents {n(latents, 'nl')}, afsluiting {n(rest, 'nl')}."),
        "en": (f"MNIST test digit {digit['index']} (a {digit['label']}), level {level}: {len(data)} bytes = "
               f"{split.total_bits} bits: {first['en']}, latents {n(latents, 'en')}, termination {n(rest, 'en')}."),
    }
    alt = {"nl": f"Het gedecodeerde cijfer met per cel van het {h}×{w}-rooster de bits van zijn latents",
           "en": f"The decoded digit with, on each cell of the {h}×{w} grid, the bits of its latents"}
    mean = {"nl": f"Niveau {level} op alle testcijfers: gemiddeld {{{{ one_pass.{key}.bytes_mean | bytes }}}} bytes, "
                  f"PSNR {{{{ one_pass.{key}.psnr | db }}}} (de encoder van de browser).",
            "en": f"Level {level} on all test digits: {{{{ one_pass.{key}.bytes_mean | bytes }}}} bytes on average, "
                  f"PSNR {{{{ one_pass.{key}.psnr | db }}}} (the browser's encoder)."}
    figure = "\n".join(
        f'<figure class="bit-map" lang="{lang}"><img class="plot" src="bit-map.{lang}.svg" alt="{html.escape(alt[lang])}" '
        f'width="280" height="280"><figcaption class="small">{html.escape(text[lang])} {mean[lang]}</figcaption></figure>'
        for lang in ("nl", "en"))
    return figure, svgs
