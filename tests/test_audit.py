"""`make audit` (tests/audit.py) without running Lighthouse: the medians it prints,
its table, and the server it audits against (HTTP/1.1, text gzipped)."""

from __future__ import annotations

import gzip
import http.client
from urllib.parse import urlsplit

import audit


def run(perf, a11y, lcp, failed=()):
    return {"version": "12.8.2", "performance": perf, "accessibility": a11y, "best-practices": 100, "seo": None,
            "first-contentful-paint": 900.0, "largest-contentful-paint": lcp, "total-blocking-time": 10.0,
            "cumulative-layout-shift": 0.0, "total-byte-weight": 2048.0, "failed": list(failed)}


def test_each_score_and_metric_is_the_median_of_the_runs():
    runs = [run(50, 100, 3000.0, [("seo", "a", "")]), run(90, 92, 1000.0),
            run(70, 100, 2000.0, [("seo", "a", ""), ("performance", "b", "2.1 s")])]
    m = audit.median_run(runs)
    assert (m["performance"], m["accessibility"], m["largest-contentful-paint"]) == (70, 100, 2000.0)
    assert m["seo"] is None and m["runs"] == 3
    # What any run found, once, with how often and each run's value.
    assert m["failed"] == ["seo: a (in 2 of 3 runs)", "performance: b (2.1 s, in 1 of 3 runs)"]


def test_the_table_shows_scores_metrics_axe_and_the_targets():
    results = {"index.html": audit.median_run([run(97, 100, 1700.0)])}
    axe = {"index.html": ["color-contrast (serious): ...", "region (moderate): ..."]}
    lines = audit.table(results, axe).splitlines()
    assert lines[0].split()[:5] == ["page", "perf", "a11y", "best", "seo"]
    row = lines[1].split()
    assert row[:5] == ["index.html", "97", "100", "100", "–"] and "1.7" in row and row[-1] == "2"
    assert lines[-1].split()[:6] == ["target", ">=", "90", "100", ">=", "95"] and lines[-1].split()[-1] == "0"


def test_the_audited_server_keeps_connections_and_gzips_text(built_site):
    server, base = audit.serve_like_a_host(built_site)
    try:
        parts = urlsplit(base)
        conn = http.client.HTTPConnection(parts.hostname, parts.port)
        conn.request("GET", parts.path + "index.html", headers={"Accept-Encoding": "gzip"})
        page = conn.getresponse()
        body = page.read()
        assert page.version == 11 and page.getheader("Content-Encoding") == "gzip"
        assert b'class="answer"' in gzip.decompress(body)
        # The same connection serves the next file; images are sent as they are.
        conn.request("GET", parts.path + "results/rd.png", headers={"Accept-Encoding": "gzip"})
        image = conn.getresponse()
        assert image.status == 200 and image.getheader("Content-Encoding") is None
        assert image.read() == (built_site / "results" / "rd.png").read_bytes()
        conn.close()
    finally:
        server.shutdown()
        server.server_close()
