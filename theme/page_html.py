"""The pages' HTML, touched up at build time (theme/hooks.py, on_page_content).

* Images: a local PNG gets its width and height, so the page does not shift when
  it arrives (the theme's CSS scales it: max-width 100%, height auto); a page's
  first image is fetched first, every later one lazily.
* Tables: each sits in a region that keyboard users can focus and scroll when it
  is wider than the screen (named by its columns).
* A <pre> that scrolls by its own style (the notebook's rich outputs) can be
  focused, so keyboard users can scroll it too (material does this for its
  code blocks).
* Secondary columns fold away: a table inside <div class="fold-columns"
  data-fold="3 5"> (columns counted from 1; written by training/evaluate.py) has
  those cells marked `fold`; on a narrow screen the theme's CSS hides them until
  the checkbox "all columns" above the table is ticked (no script needed).
"""

from __future__ import annotations

import html
import itertools
import posixpath
import re
import struct
from typing import Callable

IMG_RE = re.compile(r"<img\b[^>]*>", re.I)
ATTR_RE = r"""\s{name}\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))"""
TABLE_RE = re.compile(r"<table>.*?</table>", re.S)
FOLD_RE = re.compile(r"""<div class="fold-columns" data-fold="(?P<cols>[\d ]+)">(?P<body>.*?)</div>""", re.S)
ROW_RE = re.compile(r"<tr>(.*?)</tr>", re.S)
CELL_RE = re.compile(r"<(t[hd])(\s[^>]*)?>", re.S)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SCROLLING_PRE_RE = re.compile(r"""<pre(?=[^>]*\sstyle="[^"]*overflow[^"]*")(?![^>]*\stabindex=)""")


def attr(tag: str, name: str) -> str | None:
    m = re.search(ATTR_RE.format(name=name), tag, re.I)
    return None if m is None else html.unescape(next(g for g in m.groups() if g is not None))


def png_size(data: bytes | None) -> tuple[int, int] | None:
    """(width, height) from a PNG's header, or None when it is not a PNG."""
    head = (data or b"")[:24]
    if len(head) < 24 or not head.startswith(PNG_SIGNATURE) or head[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", head[16:24])


def images(text: str, page_url: str, read: Callable[[str], bytes | None]) -> str:
    """Width and height on the site's PNGs (read(path in the site) gives a file's
    bytes, or None); fetchpriority="high" on the first image, loading="lazy" on the rest."""
    count = itertools.count()

    def one(m):
        tag = m.group(0)
        extra = ""
        src = attr(tag, "src") or ""
        if attr(tag, "width") is None and not re.match(r"^(?:[a-z]+:|/)", src, re.I):
            size = png_size(read(posixpath.normpath(posixpath.join(posixpath.dirname(page_url), src))))
            if size:
                extra += f' width="{size[0]}" height="{size[1]}"'
        first = next(count) == 0
        if first and attr(tag, "fetchpriority") is None:
            extra += ' fetchpriority="high"'  # most often the largest thing in the first screen
        elif not first and attr(tag, "loading") is None:
            extra += ' loading="lazy"'
        return re.sub(r"\s*/?>$", lambda end: extra + end.group(0), tag, count=1)

    return IMG_RE.sub(one, text)


def _cell_text(cell_html: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", cell_html)).strip()


def fold_cells(table: str, columns: set[int]) -> str:
    """class="fold" on every cell in the given columns (1-based)."""
    def row(m):
        index = itertools.count(1)

        def cell(c):
            if next(index) not in columns:
                return c.group(0)
            attrs = c.group(2) or ""
            return f'<{c.group(1)} class="fold"{attrs}>'
        return "<tr>" + CELL_RE.sub(cell, m.group(1)) + "</tr>"

    return ROW_RE.sub(row, table)


def tables(text: str) -> str:
    """Focusable scroll regions around tables; fold toggles for secondary columns."""
    ids = itertools.count(1)

    def region(m):
        table = m.group(0)
        head = [_cell_text(c) for c in re.findall(r"<th[^>]*>(.*?)</th>", table, re.S)]
        label = "Table: " + ", ".join(head) if head else "Table"
        return (f'<div class="table-region" role="region" tabindex="0" aria-label="{html.escape(label)}">'
                f"{table}</div>")

    def fold(m):
        columns = {int(c) for c in m.group("cols").split()}
        body = TABLE_RE.sub(lambda t: fold_cells(t.group(0), columns), m.group("body"))
        head = re.findall(r"<th[^>]*>(.*?)</th>", TABLE_RE.search(body).group(0), re.S) if TABLE_RE.search(body) else []
        folded = [_cell_text(h) for i, h in enumerate(head, 1) if i in columns]
        n = next(ids)
        return (f'<div class="fold-columns">'
                f'<input type="checkbox" class="fold-toggle" id="fold-{n}">'
                f'<label for="fold-{n}">Show {html.escape(", ".join(folded))} too</label>{body}</div>')

    return TABLE_RE.sub(region, FOLD_RE.sub(fold, text))


def scrolling_pre(text: str) -> str:
    """tabindex="0" on every <pre> whose own style makes it scroll."""
    return SCROLLING_PRE_RE.sub('<pre tabindex="0"', text)
