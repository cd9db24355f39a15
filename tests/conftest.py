"""Shared fixtures: the built site, a local server for it, and chromium.

* ``built_site``: ``mkdocs build --strict`` once per test session, into a temp dir.
* ``site_url``: that build served by a local http server on 127.0.0.1 (random
  free port) under the sub-path ``/sub/path/``, to prove the site works from any
  sub-path; everything outside the sub-path is 404.
* Browser: pytest-playwright's ``browser`` / ``context`` / ``page`` fixtures,
  pointed at Debian's chromium (``apt-get install -y chromium``; Playwright's own
  browser downloads are never used).
* ``probe``: opens a page and records what must not happen: console errors,
  uncaught exceptions, Content-Security-Policy violations (which Chromium
  reports without a console error, e.g. a refused WebAssembly compile),
  requests to any other origin, and HTTP errors.

Tests that use chromium are marked ``@pytest.mark.browser``.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--enable-unsafe-swiftshader",  # software WebGL for tf.js (no GPU here)
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SUB_PATH = "/sub/path/"


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Path:
    """The site, built once per session with `mkdocs build --strict`."""
    out = tmp_path_factory.mktemp("site") / "site"
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")  # material's banner, not ours
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    if proc.returncode != 0:
        pytest.fail(f"mkdocs build --strict failed:\n{proc.stdout}\n{proc.stderr}", pytrace=False)
    return out


class _SubPathHandler(SimpleHTTPRequestHandler):
    """Serves the site under SUB_PATH only; anything else is 404."""

    def send_head(self):
        if not urlsplit(self.path).path.startswith(SUB_PATH):
            self.send_error(404)
            return None
        return super().send_head()

    def translate_path(self, path):
        return super().translate_path("/" + path[len(SUB_PATH):])

    def log_message(self, format, *args):  # keep pytest output quiet
        pass


@pytest.fixture(scope="session")
def site_url(built_site) -> str:
    """Base URL (ending in /sub/path/) of the built site on a local server."""
    handler = functools.partial(_SubPathHandler, directory=str(built_site))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}{SUB_PATH}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright launches Debian's chromium with our flags."""
    if not (shutil.which(CHROMIUM) or Path(CHROMIUM).is_file()):
        pytest.fail(f"{CHROMIUM} not found: apt-get install -y chromium", pytrace=False)
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


# Each document of a probed context reports its CSP violations to the probe.
CSP_REPORTER = """addEventListener('securitypolicyviolation', (e) =>
  window.__cspViolation(`${e.violatedDirective} ${e.blockedURI || ''} ${e.sourceFile || ''}:${e.lineNumber}`));"""


class PageProbe:
    """Records console errors, uncaught errors, CSP violations, foreign requests and HTTP
    errors of a page and of every page it opens (e.g. the speaker-notes popup). Listens
    on the browser context: page-level listeners attach too late to see what a popup logs
    while it is being written."""

    def __init__(self, page, origin: str):
        self.page = page
        self.origin = origin
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        self.csp_violations: list[str] = []
        self.foreign_requests: list[str] = []
        self.http_errors: list[str] = []
        context = page.context
        context.on("console", lambda m: m.type == "error" and self.console_errors.append(
            f"{m.page.url if m.page else '?'}: {m.text} ({m.location.get('url', '')})"))
        context.on("weberror", lambda e: self.page_errors.append(
            f"{e.page.url if e.page else '?'}: {e.error}"))
        context.expose_binding("__cspViolation", lambda source, text: self.csp_violations.append(
            f"{source['page'].url if source.get('page') else '?'}: {text}"))
        context.add_init_script(CSP_REPORTER)
        context.on("request", self._request)
        context.on("response", lambda r: r.status >= 400 and self.http_errors.append(f"{r.status} {r.url}"))

    def _request(self, request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme in ("data", "blob", "about"):
            return
        if f"{parts.scheme}://{parts.netloc}" != self.origin:
            self.foreign_requests.append(request.url)

    def goto(self, path: str, **kw):
        return self.page.goto(self.origin + SUB_PATH + path.lstrip("/"), **kw)

    def problems(self) -> dict[str, list[str]]:
        return {k: v for k, v in {
            "console errors": self.console_errors,
            "page errors": self.page_errors,
            "CSP violations": self.csp_violations,
            "requests to other origins": self.foreign_requests,
            "HTTP errors": self.http_errors,
        }.items() if v}

    def assert_clean(self) -> None:
        problems = self.problems()
        assert not problems, problems


@pytest.fixture
def make_probe(site_url):
    """Factory: a PageProbe for any page (e.g. one from a context of your own)."""
    parts = urlsplit(site_url)
    return lambda page: PageProbe(page, f"{parts.scheme}://{parts.netloc}")


@pytest.fixture
def probe(page, make_probe) -> PageProbe:
    """A PageProbe on pytest-playwright's `page`; `probe.goto("slides/index.html")`."""
    return make_probe(page)
