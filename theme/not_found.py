"""404.html at any depth under any sub-path (theme/hooks.py, on_post_template).

Hosts (GitHub Pages and others) serve the site's 404.html for every missing
address, /sub/a/b/c as well as /sub/c, so the page cannot tell from its own
address where the site's root folder is. It is rendered with links relative to
the root (hooks.py gives it base_url "."); here, at build time, what it would
load from there (material's stylesheet, the icon) is held back: href and src
become data-root-href and data-root-src, so nothing is fetched from a wrong
folder (there the host answers with this HTML page, a console error for a
stylesheet); the icon's link points at an empty data: icon meanwhile, or the
browser asks the server's root for /favicon.ico. A <noscript> copy of the stylesheets serves browsers without
scripts. The page's own script (theme/overrides/404.html) finds the root and
points everything there.
"""

from __future__ import annotations

import re

# Resources the page loads, linked relative to the root folder ("./assets/...").
HELD_RE = re.compile(r"""<(link|script|img)\b([^>]*?)\s(href|src)="(\./[^"]*)\"""", re.I)
STYLESHEET_RE = re.compile(r"""<link\b[^>]*\srel="stylesheet"[^>]*>""", re.I)


def _hold(m: re.Match) -> str:
    tag, attrs, name, url = m.groups()
    placeholder = ' href="data:,"' if 'rel="icon"' in attrs else ""
    return f'<{tag}{attrs}{placeholder} data-root-{name}="{url}"'


def relocatable(html: str) -> str:
    sheets = [tag for tag in STYLESHEET_RE.findall(html) if 'href="./' in tag]
    held, n = HELD_RE.subn(_hold, html)
    if not sheets or n < len(sheets) or "</head>" not in held:
        raise ValueError("404.html: no stylesheet linked from the root folder (is its base_url '.'?)")
    return held.replace("</head>", "<noscript>" + "".join(sheets) + "</noscript>\n</head>", 1)
