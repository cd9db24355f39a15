"""training/report.py's targets: issue 23's route for the browser through its search."""

import copy
import json
from pathlib import Path

from training import report

RESULTS = json.loads((Path(__file__).resolve().parents[1] / "site/results/results.json").read_text())


def _browser_target(result):
    return next(t for t in report.compare(result)["targets"] if t["encoder"] == "browser_searched")


def test_the_browser_meets_32_bytes_through_its_search_only_where_a_level_does():
    result = copy.deepcopy(RESULTS)
    points = result["browser_search"]["levels"]
    for point in points.values():  # no level meets it ...
        point["browser_searched"] = {"bytes": 40.0, "psnr": 29.0}
    key = next(iter(points))  # ... and one nearly does
    points[key]["browser_searched"] = {"bytes": 32.5, "psnr": 29.8}
    missed = _browser_target(result)
    assert not missed["met"] and missed["fewest_bytes_at"]["codec"] == key
    result["comparison"] = report.compare(result)
    assert f"needs 32.50 B (29.80 dB)" in report.markdown(result)  # labelled by the level's name
    points[key]["browser_searched"] = {"bytes": 31.9, "psnr": 29.7}
    met = _browser_target(result)
    assert met["met"] and met["by"] == [key]
