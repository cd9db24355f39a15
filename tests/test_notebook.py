"""The walkthrough notebook (notebooks/talk-walkthrough.ipynb) and its page.

* Git holds it without outputs, with the small setting as its default.
* Run top to bottom (``make notebook`` does it ahead of the tests; otherwise the
  first test here runs it, about 1.5 minutes on a 2-core machine), every cell
  ran without an error and drew its figures.
* The built site has it as a page with those figures, from its own origin
  (tests/test_site.py loads notebook.html in chromium with the other pages).
* theme/notebook.py's page without outputs when the notebook cannot run, and
  its filter of TensorFlow's log lines.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "notebooks" / "talk-walkthrough.ipynb"
# The figures the walkthrough draws: digits, loss, reconstructions, latents,
# shipped models' digits, the digit against JPEG/WebP, the 500-digit curves.
FIGURES = 7


def load_notebook_hook():
    spec = importlib.util.spec_from_file_location("site_notebook", ROOT / "theme" / "notebook.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


hook = load_notebook_hook()


def figures(nb) -> int:
    return sum("image/png" in out.get("data", {}) for cell in nb.cells for out in cell.get("outputs", []))


def test_git_holds_the_notebook_without_outputs():
    nb = nbformat.read(SOURCE, as_version=4)
    nbformat.validate(nb)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert code
    for cell in code:
        assert cell.outputs == [] and cell.execution_count is None, cell.source[:60]
    assert "aec" not in nb.metadata  # the executed copy's mark
    # One switch for the full run, off by default.
    sources = "\n".join(cell.source for cell in code)
    assert re.findall(r"^FULL_RUN = (\w+)$", sources, re.M) == ["False"]


@pytest.fixture(scope="module")
def executed():
    return hook.fresh_copy() or hook.execute()


def test_every_cell_ran_and_drew_its_figures(executed):
    assert hook.cells_sha256(executed) == hook.cells_sha256(nbformat.read(SOURCE, as_version=4))
    for cell in executed.cells:
        if cell.cell_type == "code":
            assert cell.execution_count is not None, cell.source[:60]
            assert not [out for out in cell.outputs if out.output_type == "error"], cell.source[:60]
    assert figures(executed) == FIGURES
    text = "".join(out.get("text", "") for cell in executed.cells for out in cell.get("outputs", []))
    assert "5 epochs on 12000 digits" in text  # the small setting
    assert "decoder(encoder(digit)) == autoencoder(digit): True" in text


def test_site_page_shows_the_outputs(built_site):
    html = (built_site / "notebook.html").read_text(encoding="utf-8")
    assert "Not run" not in html
    images = re.findall(r'<img[^>]*\bsrc="([^"]+)"', html)
    assert len(images) == FIGURES
    for src in images:
        assert src.startswith(hook.FIGURES + "/") and (built_site / src).is_file(), src
    assert f'href="{hook.DOWNLOAD}"' in html
    assert (built_site / hook.DOWNLOAD).read_bytes() == SOURCE.read_bytes()
    # TensorFlow's start-up log lines stay off the page.
    assert "computation_placer" not in html and "absl::InitializeLog" not in html


def test_page_without_outputs_says_why_when_the_notebook_cannot_run(tmp_path, monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("mnist.npz: could not download MNIST")

    monkeypatch.setattr(hook, "EXECUTED", tmp_path / "missing.ipynb")
    monkeypatch.setattr(hook, "fresh_copy", lambda: None)
    monkeypatch.setattr(hook, "execute", fail)
    markdown, figs = hook.page_for_site()
    assert markdown.startswith("# The talk, step by step\n")
    assert '!!! warning "Not run"' in markdown and "could not download MNIST" in markdown
    assert figs == {}


def test_a_copy_run_from_other_cells_is_not_reused(tmp_path):
    nb = nbformat.read(SOURCE, as_version=4)
    nb.metadata["aec"] = {"cells_sha256": hook.cells_sha256(nb), "seconds": 1.0}
    out = tmp_path / "copy.ipynb"
    nbformat.write(nb, out)
    assert hook.fresh_copy(SOURCE, out) is not None
    edited = tmp_path / "edited.ipynb"
    nb.cells[1].source += "\n# edited"
    nbformat.write(nb, edited)
    assert hook.fresh_copy(edited, out) is None


def test_page_drops_tensorflow_log_lines_only():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x", outputs=[
        nbformat.v4.new_output("stream", name="stderr", text=(
            "2026-11-30 20:25:56.839841: E external/local_xla/xla/stream_executor/cuda/cuda_fft.cc:467] Unable\n"
            "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n"
            "E0000 00:00:1796070356.894212    3314 cuda_dnn.cc:8579] Unable to register cuDNN factory\n")),
        nbformat.v4.new_output("stream", name="stdout", text="a\n"),
        nbformat.v4.new_output("stream", name="stderr", text="W0000 00:00:17.96 12 x.cc:1] noise\nreal warning\n"),
        nbformat.v4.new_output("stream", name="stdout", text="b\n"),
        nbformat.v4.new_output("stream", name="stdout", text="c\n"),
    ])])
    outputs = hook.for_page(nb).cells[0].outputs
    assert [(o.name, o.text) for o in outputs] == [("stdout", "a\n"), ("stderr", "real warning\n"),
                                                   ("stdout", "b\nc\n")]
    assert len(nb.cells[0].outputs) == 5  # the executed copy itself is left as it ran
