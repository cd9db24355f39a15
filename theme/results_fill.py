"""Measured numbers into the slides and pages, at build time, from site/results/results.json.

This is the one place that turns a measurement into text on the site. The
evaluation (training/evaluate.py) writes results.json, including what JPEG and
WebP need at a codec's PSNR (its interpolation, `comparison.rows`); here those
numbers are only looked up and formatted, never computed again.

Markers, in site/slides/index.html and in any page's Markdown:

    {{ codecs.talk.bytes_mean | bytes }}    one number
    {{ table codecs }}                      a whole table (TABLES below)

A path is dotted keys into results.json, or one of these views of it:

    row.<codec>          the comparison row of a codec (talk, level1, ...)
    best                 the row the evaluation's answer cites (its best gain over JPEG's scan)
    smallest.<family>    a baseline's smallest file (jpeg_file, jpeg_scan, webp, avif, png)

Formats: see FORMATS. A path that does not exist stops the build with a one-line
error; a value that is null (e.g. a quality a codec never reaches) shows as "–".
The slides get both languages, <span lang="nl">…</span><span lang="en">…</span>
where the two differ (slides.css shows the chosen one); pages get English.
"""

from __future__ import annotations

import html
import json
import math
import re
from pathlib import Path

LANGS = ("nl", "en")
DASH = "–"
RAW_BYTES = 28 * 28  # one uncompressed MNIST digit, a byte per pixel
MARKER_RE = re.compile(
    r"\{\{\s*(?:table\s+(?P<table>[a-z-]+)|(?P<path>[A-Za-z0-9_.]+)\s*\|\s*(?P<format>[a-z]+))\s*\}\}")


class ResultsError(Exception):
    """A problem with results.json or a marker, as one line."""


def load(path) -> dict:
    path = Path(path)
    try:
        results = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ResultsError(f"{path}: missing (written by `python -m training evaluate`)") from None
    except (OSError, ValueError) as e:
        raise ResultsError(f"{path}: not readable JSON ({e})") from None
    return with_views(results)


def with_views(results: dict) -> dict:
    """results.json plus the views named in the module docstring."""
    views = {}
    rows = results.get("comparison", {}).get("rows", [])
    views["row"] = {r["codec"]: r for r in rows}
    gain = results.get("answer", {}).get("best_gain_vs_jpeg_scan")
    views["best"] = next((r for r in rows if r["codec"] != "talk" and r["gain_vs_jpeg_scan"] == gain), None)
    views["smallest"] = {family: min(entries, key=lambda e: e["bytes_mean"])
                         for family, entries in results.get("baselines", {}).items() if entries}
    clash = views.keys() & results.keys()
    if clash:
        raise ResultsError(f"results.json has keys that the views use: {', '.join(sorted(clash))}")
    return {**results, **views}


def lookup(results: dict, path: str):
    value = results
    for i, key in enumerate(path.split(".")):
        if value is None:  # e.g. `best` when nothing beats JPEG: shown as a dash
            return None
        if isinstance(value, list) and key.isdigit() and int(key) < len(value):
            value = value[int(key)]
        elif isinstance(value, dict) and key in value:
            value = value[key]
        else:
            raise ResultsError(f"results.json has no {'.'.join(path.split('.')[:i + 1])} (marker {path})")
    return value


# --- formats -------------------------------------------------------------------------


def is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def number(value, digits: int, lang: str) -> str:
    if not is_number(value):
        return DASH
    text = f"{value:,.{digits}f}"
    # nl-BE: 10.000,5 -- en-GB: 10,000.5
    return text.translate(str.maketrans(",.", ".,")) if lang == "nl" else text


def _unit(digits: int, unit: str = "", scale: float = 1.0):
    return lambda v, lang: number(v * scale, digits, lang) + unit if is_number(v) else DASH


FORMATS = {
    "bytes": _unit(1),               # 146,6 / 146.6
    "int": _unit(0),                 # 10.000 / 10,000
    "db": _unit(1, " dB"),           # 27,0 dB
    "ssim": _unit(3),                # 0,952
    "pct": _unit(1, " %", 100.0),    # 99,1 %
    "gain": _unit(1, "×"),           # 5,4×
    # 784 bytes of raw pixels over the file's bytes: 6,1 : 1
    "ratio": lambda v, lang: number(RAW_BYTES / v, 1, lang) + " : 1" if is_number(v) and v > 0 else DASH,
    # a sentence the evaluation wrote in both languages ({"nl": ..., "en": ...})
    "text": lambda v, lang: v.get(lang, DASH) if isinstance(v, dict) else DASH,
    "yesno": lambda v, lang: {True: {"nl": "ja", "en": "yes"}, False: {"nl": "nee", "en": "no"}}.get(v, {}).get(lang, DASH),
}


def fmt(value, format_name: str, lang: str) -> str:
    if format_name not in FORMATS:
        raise ResultsError(f"unknown number format {format_name!r} (one of {', '.join(FORMATS)})")
    return FORMATS[format_name](value, lang)


def both(texts: dict, langs=LANGS) -> str:
    """HTML for a text in each language: plain where they agree, else a span per language."""
    if len(langs) == 1 or len({texts[lang] for lang in langs}) == 1:
        return html.escape(texts[langs[0]])
    return "".join(f'<span lang="{lang}">{html.escape(texts[lang])}</span>' for lang in langs)


def value_html(results: dict, path: str, format_name: str, langs=LANGS) -> str:
    value = lookup(results, path)
    return both({lang: fmt(value, format_name, lang) for lang in langs}, langs)


# --- tables ----------------------------------------------------------------------------


def codec_label(key: str, codec: dict) -> dict:
    if key == "talk":
        return {"nl": "Netwerk uit de talk", "en": "The talk's network"}
    # the quality level (fewest bytes first, across the networks); results from before
    # the low-rate network have only the model id, which was the level then
    level = number(codec.get("level") or codec["model_id"], 0, "en")
    return {"nl": f"Geleerde codec, niveau {level}", "en": f"Learned codec, level {level}"}


def codecs_in_order(results: dict) -> list:
    """(key, codec) from the talk's network (model 0) up through the quality levels."""
    return sorted(results["codecs"].items(), key=lambda item: (item[1]["model_id"] != 0,
                                                               item[1].get("level") or item[1]["model_id"]))


def _table(head: list, rows: list, langs) -> str:
    def cells(tag, texts):
        return "".join(f"<{tag}>{both(t, langs)}</{tag}>" for t in texts)

    body = "".join(f"<tr>{cells('td', row)}</tr>" for row in rows)
    return f"<table><thead><tr>{cells('th', head)}</tr></thead><tbody>{body}</tbody></table>"


def _same(text: str) -> dict:
    return {lang: text for lang in LANGS}


def _each(value, format_name: str) -> dict:
    return {lang: fmt(value, format_name, lang) for lang in LANGS}


def codecs_table(results: dict, langs=LANGS) -> str:
    """Every codec: bytes, ratio, PSNR, SSIM and how many digits the classifier still recognises."""
    head = [_same("Codec"), {"nl": "Bytes / cijfer", "en": "Bytes / digit"}, {"nl": "Verhouding", "en": "Ratio"},
            _same("PSNR"), _same("SSIM"), {"nl": "Herkend", "en": "Recognised"}]
    rows = [[codec_label(key, c), _each(c["bytes_mean"], "bytes"), _each(c["bytes_mean"], "ratio"),
             _each(c["psnr"], "db"), _each(c["ssim"], "ssim"), _each(c["accuracy"], "pct")]
            for key, c in codecs_in_order(results)]
    return _table(head, rows, langs)


def same_quality_table(results: dict, langs=LANGS) -> str:
    """Per codec: what WebP and JPEG's bare scan need for the same PSNR (the evaluation's
    interpolation in comparison.rows), and how many times more that is."""
    rows = []
    for key, c in codecs_in_order(results):
        r = lookup(results, f"row.{key}")
        pair = [{lang: f"{fmt(r[b], 'bytes', lang)} ({fmt(r[g], 'gain', lang)})" if r[b] is not None else DASH
                 for lang in LANGS} for b, g in (("webp_bytes", "gain_vs_webp"), ("jpeg_scan_bytes", "gain_vs_jpeg_scan"))]
        rows.append([codec_label(key, c), _each(c["psnr"], "db"), _each(c["bytes_mean"], "bytes"), *pair])
    head = [_same("Codec"), _same("PSNR"), _same("Bytes"), {"nl": "WebP", "en": "WebP"},
            {"nl": "JPEG zonder headers", "en": "JPEG without headers"}]
    return _table(head, rows, langs)


def encoders_table(results: dict, langs=LANGS) -> str:
    """Per quality level, on the evaluation's browser_search digits: the command's search,
    the browser's search and the browser's one pass (training/browser_search.py)."""
    levels = sorted(results["browser_search"]["levels"].values(), key=lambda r: r["quality"])
    pair = lambda r: {lang: f"{fmt(r['bytes'], 'bytes', lang)} · {fmt(r['psnr'], 'db', lang)}" for lang in LANGS}  # noqa: E731
    rows = [[_each(r["quality"], "int"), pair(r["command"]), pair(r["browser_searched"]), pair(r["browser_one_pass"])]
            for r in levels]
    head = [{"nl": "Niveau", "en": "Level"}, {"nl": "Commando, gezocht (B · PSNR)", "en": "Command, searched (B · PSNR)"},
            {"nl": "Browser, gezocht", "en": "Browser, searched"}, {"nl": "Browser, in één keer", "en": "Browser, one pass"}]
    return _table(head, rows, langs)


TABLES = {"codecs": codecs_table, "same-quality": same_quality_table, "encoders": encoders_table}


# --- markers ---------------------------------------------------------------------------


def fill(text: str, results: dict, langs=LANGS) -> str:
    """Replace every marker in ``text`` (HTML or Markdown)."""
    def one(m):
        if m.group("table"):
            if m.group("table") not in TABLES:
                raise ResultsError(f"unknown table {m.group('table')!r} (one of {', '.join(TABLES)})")
            return TABLES[m.group("table")](results, langs)
        return value_html(results, m.group("path"), m.group("format"), langs)

    return MARKER_RE.sub(one, text)
