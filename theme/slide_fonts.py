"""The slides' fonts, out of reveal.js' theme CSS (theme/hooks.py, at build time).

reveal.js' white.css embeds four faces of Source Sans Pro as data: URIs: 575 KB
of CSS that blocks the first paint. Here the faces the deck uses become files of
their own, cut down to the characters a Latin text needs (and every character
of the deck) without hinting, each about 20 KB; the CSS keeps only its rules and
points at those files, so a browser fetches the faces that a slide shows.

font-display: optional: a face that has not arrived by the first paint is not
swapped in later (the slide would move under the reader); the deck preloads the
two it shows first (site/slides/index.html).
"""

from __future__ import annotations

import base64
import io
import logging
import re

FAMILY = "Source Sans Pro"
# (weight, style) the deck shows: text, headings and bold (600 stands in for
# 700), italics. 600 italic is left out: nothing on a slide is bold and italic.
USED = {("400", "normal"), ("600", "normal"), ("400", "italic")}
FONT_DIR = "fonts"  # beside the theme CSS
FACE_RE = re.compile(r"@font-face\s*\{(?P<body>[^}]*)\}")
DATA_RE = re.compile(r"url\(\s*[\"']?data:font/woff;base64,(?P<data>[A-Za-z0-9+/=]+)[\"']?\s*\)")
# Basic Latin, Latin-1, Latin Extended-A, general punctuation, the euro, arrows
# and mathematical operators: what Dutch and English text, numbers and the
# deck's diagrams use; the deck's own characters are added to these.
RANGES = [(0x20, 0x7E), (0xA0, 0x17F), (0x2000, 0x206F), (0x20AC, 0x20AC), (0x2190, 0x21FF), (0x2200, 0x22FF)]


class FontError(Exception):
    """reveal.js' theme CSS is not what this module expects (one line)."""


def _prop(body: str, name: str) -> str:
    m = re.search(rf"(?:^|;)\s*{name}\s*:\s*([^;]+)", body)
    return m.group(1).strip().strip("\"'") if m else ""


def file_name(weight: str, style: str) -> str:
    return f"{FONT_DIR}/source-sans-pro-{weight}{'-italic' if style == 'italic' else ''}.woff"


def subset(woff: bytes, text: str) -> bytes:
    """The face cut down to RANGES plus the characters of `text`, without hinting, as WOFF."""
    from fontTools import subset as ft_subset
    from fontTools.ttLib import TTFont

    # It names every table it drops (FFTM, webf: font-editor metadata) as a warning.
    logging.getLogger("fontTools.subset").setLevel(logging.ERROR)

    unicodes = {c for lo, hi in RANGES for c in range(lo, hi + 1)} | {ord(c) for c in text if ord(c) >= 0x20}
    options = ft_subset.Options()
    options.flavor = "woff"
    options.hinting = False
    options.desubroutinize = True
    options.name_IDs = ["*"]  # keep the licence and copyright (OFL)
    options.notdef_outline = True
    font = TTFont(io.BytesIO(woff))
    subsetter = ft_subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(unicodes))
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def split(css: str, text: str) -> tuple[str, dict[str, bytes]]:
    """(the CSS without embedded fonts, {file name relative to the CSS: WOFF bytes})."""
    files: dict[str, bytes] = {}

    def face(m):
        body = m.group("body")
        if _prop(body, "font-family") != FAMILY:
            raise FontError(f"unexpected @font-face for {_prop(body, 'font-family')!r} (reveal.js changed?)")
        weight, style = _prop(body, "font-weight") or "400", _prop(body, "font-style") or "normal"
        if (weight, style) not in USED:
            return ""
        data = DATA_RE.search(body)
        if data is None:
            raise FontError(f"{FAMILY} {weight} {style}: no embedded WOFF (reveal.js changed?)")
        name = file_name(weight, style)
        files[name] = subset(base64.b64decode(data.group("data")), text)
        return (f'@font-face{{font-family:"{FAMILY}";src:url({name}) format("woff");'
                f"font-weight:{weight};font-style:{style};font-display:optional}}")

    out = FACE_RE.sub(face, css)
    missing = {file_name(w, s) for w, s in USED} - files.keys()
    if missing:
        raise FontError(f"reveal.js' theme no longer embeds {', '.join(sorted(missing))}")
    if "data:font" in out:
        raise FontError("a font is still embedded in the theme CSS")
    return out, files
