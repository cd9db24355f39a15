"""The demo page in chromium, for tests/test_demo.py and tests/test_demo_codecs.py:
where the models are, and helpers that drive and read the page."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np

from conftest import PageProbe

ROOT = Path(__file__).resolve().parent.parent
MODELS_DIR = Path(os.environ.get("DEMO_MODELS_DIR") or ROOT / "models")
RUNTIME_DIR = Path(os.environ.get("DEMO_RUNTIME_DIR") or ROOT / "aec" / "models")  # their LiteRT export
SITE_MODELS = Path(os.environ.get("DEMO_SITE_MODELS") or ROOT / "site" / "models")
OVERRIDE_SITE_MODELS = bool(os.environ.get("DEMO_SITE_MODELS"))
TOLERANCE = 3  # /255, between the browser's and Python's decoders
ROOT_SEL = "[data-demo-root]"


def serve_site_models(page) -> None:
    """Serve DEMO_SITE_MODELS in place of the site's models/ folder."""
    def handler(route):
        rel = urlsplit(route.request.url).path.split("/models/", 1)[1]
        path = (SITE_MODELS / rel).resolve()
        if path.is_file() and SITE_MODELS.resolve() in path.parents:
            route.fulfill(path=path)
        else:
            route.fulfill(status=404)
    page.route("**/sub/path/models/**", handler)


def prepare(page) -> None:
    """Alternative models when asked (DEMO_SITE_MODELS)."""
    if OVERRIDE_SITE_MODELS:
        serve_site_models(page)


# --- helpers ------------------------------------------------------------------------


# The demo with its search off (client.js reads `?search=off`): one pass only, for the tests of
# everything but the search, which would otherwise wait for a search after every digit.
ONE_PASS = "search=off"


def one_pass(path: str) -> str:
    """`path` with ?search=off added (before any #fragment)."""
    base, hash_, fragment = path.partition("#")
    return f"{base}{'&' if '?' in base else '?'}{ONE_PASS}{hash_}{fragment}"


def open_demo(probe: PageProbe, path: str = "demo.html", search: bool = True) -> None:
    probe.goto(path if search else one_pass(path))
    probe.page.wait_for_function(
        f"() => document.querySelector('{ROOT_SEL}')?.dataset.state !== 'loading'"
        f" && document.querySelector('{ROOT_SEL}')?.dataset.state !== undefined")


def runs(page) -> int:
    return int(page.locator(ROOT_SEL).first.get_attribute("data-run"))


def wait_runs(page, n: int) -> None:
    page.wait_for_function(f"n => Number(document.querySelector('{ROOT_SEL}').dataset.run) >= n", arg=n)


def wait_idle(page) -> None:
    """No job running (the JPEG/WebP search after a result is done)."""
    page.wait_for_function(f"() => !document.querySelector('{ROOT_SEL}').classList.contains('aec-busy')")


def draw_seven(page, root=None) -> None:
    """Draw a '7' with the mouse on the drawing canvas."""
    canvas = (root or page).locator("[data-testid=draw-canvas]")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    x0, y0, w, h = box["x"], box["y"], box["width"], box["height"]
    pt = lambda fx, fy: (x0 + fx * w, y0 + fy * h)  # noqa: E731
    page.mouse.move(*pt(0.25, 0.2))
    page.mouse.down()
    page.mouse.move(*pt(0.75, 0.2), steps=8)
    page.mouse.move(*pt(0.45, 0.85), steps=10)
    page.mouse.up()


def canvas_pixels(page, testid: str) -> np.ndarray:
    values = page.evaluate(
        """testid => {
            const c = document.querySelector(`[data-demo-root] [data-testid=${testid}]`);
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            return Array.from({length: d.length / 4}, (_, i) => d[4 * i]);
        }""", testid)
    return np.array(values, np.uint8).reshape(28, 28)


def input_pixels(page) -> np.ndarray:
    hex_ = page.locator(f"{ROOT_SEL} [data-testid=input]").get_attribute("data-pixels")
    return np.frombuffer(bytes.fromhex(hex_), np.uint8).reshape(28, 28)


def shown_bytes(page) -> bytes:
    text = page.locator(f"{ROOT_SEL} [data-testid=compressed-hex]").inner_text()
    return bytes.fromhex(text.replace(" ", "").replace("\n", ""))


def max_diff(a: np.ndarray, b: np.ndarray) -> int:
    return int(np.max(np.abs(a.astype(int) - b.astype(int))))


# --- the encoder's search (tests/test_demo_search.py, tests/bench_browser.py) -------


WATCH_ENCODER_JS = """() => {
    // Every change of the `encoder` hook, with the file and the input shown then.
    const root = document.querySelector('[data-demo-root]');
    const out = root.querySelector('[data-testid=encoder]');
    window.__encoderLog = [];
    new MutationObserver(() => window.__encoderLog.push({
        encoder: out.textContent, t: performance.now(), run: Number(root.dataset.run),
        hex: root.querySelector('[data-testid=compressed-hex]').textContent.replace(/ /g, ''),
        input: root.querySelector('[data-testid=input]').dataset.pixels,
    })).observe(out, {childList: true, characterData: true, subtree: true});
}"""


def watch_encoder(page) -> None:
    """Record every change of the encoder hook from now on (encoder_log reads them)."""
    page.evaluate(WATCH_ENCODER_JS)


def encoder_log(page) -> list[dict]:
    """[{encoder, t, run, hex, input}] since watch_encoder, oldest first."""
    return page.evaluate("() => window.__encoderLog")


def encoder(page) -> str:
    return page.locator(f"{ROOT_SEL} [data-testid=encoder]").inner_text()
