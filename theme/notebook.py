"""The walkthrough notebook: run it, and show it on the site as a page.

* ``python theme/notebook.py`` (``make notebook``) runs notebooks/talk-walkthrough.ipynb
  from top to bottom with nbclient, with the notebook's own (small) setting, and
  writes the executed copy to build/notebook/.
* As an mkdocs hook (mkdocs.yml ``hooks``) it adds the page notebook.md: the
  executed copy rendered to Markdown by nbconvert, its figures as PNG files beside
  the page (nothing from another origin), and the notebook itself to download.
  The copy is reused while it was run from the notebook as it is now (the sha256
  of its cells is kept in the copy); otherwise the build runs the notebook first.
  Where it cannot run (say, no MNIST and no internet), the page shows the notebook
  without outputs and says why, and the build goes on: tests/test_notebook.py
  fails on such a page, so CI cannot ship one.

Git holds the notebook without outputs (tests/test_notebook.py checks that).
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import os
import re
import sys
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "notebooks" / "talk-walkthrough.ipynb"
EXECUTED = ROOT / "build" / "notebook" / SOURCE.name
PAGE = "notebook.md"
FIGURES = "notebook_files"  # beside the page in the built site
DOWNLOAD = f"notebooks/{SOURCE.name}"
CELL_TIMEOUT_S = 3600  # the full training run is one cell (about 11 minutes on a 2-core CPU)

log = logging.getLogger("mkdocs.hooks.notebook")


def cells_sha256(nb) -> str:
    """What the outputs depend on: every cell's type and source (not outputs or metadata)."""
    cells = [[cell.cell_type, cell.source] for cell in nb.cells]
    return hashlib.sha256(json.dumps(cells).encode()).hexdigest()


def kernel_env() -> dict:
    """The kernel's environment: this checkout's code first on the path (whatever
    checkout the environment was installed from), and the Makefile's defaults
    where the caller has none."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    mnist = ROOT.parent / "shared" / "datasets" / "mnist"
    if not env.get("MNIST_DIR") and mnist.is_dir():
        env["MNIST_DIR"] = str(mnist)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    return env


def execute(source: Path = SOURCE, out: Path = EXECUTED):
    """Run the notebook top to bottom in its folder; write the executed copy atomically."""
    from nbclient import NotebookClient

    from aec import atomic

    nb = nbformat.read(source, as_version=4)
    start = time.time()
    NotebookClient(nb, timeout=CELL_TIMEOUT_S, kernel_name="python3",
                   resources={"metadata": {"path": str(source.parent)}}).execute(env=kernel_env())
    nb.metadata["aec"] = {"cells_sha256": cells_sha256(nb), "seconds": round(time.time() - start, 1)}
    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic.atomic_path(out) as tmp:
        nbformat.write(nb, tmp)
    return nb


def fresh_copy(source: Path = SOURCE, out: Path = EXECUTED):
    """The executed copy if it was run from the notebook as it is now, else None."""
    if not out.is_file():
        return None
    nb = nbformat.read(out, as_version=4)
    wanted = cells_sha256(nbformat.read(source, as_version=4))
    return nb if nb.metadata.get("aec", {}).get("cells_sha256") == wanted else None


# TensorFlow's C++ start-up chatter on stderr (CUDA plugin registration, cuInit
# on a machine without a GPU, oneDNN notes): noise on the page, not output.
TF_LOG_LINE = re.compile(r"^(\d{4}-\d\d-\d\d [\d:.]+: [IWEF] \S+:\d+\]|[IWEF]\d{4} [\d:.]+ +\d+ \S+:\d+\]"
                         r"|WARNING: All log messages before absl::InitializeLog\(\) is called)")


def for_page(nb):
    """A copy of the executed notebook as the page shows it: each cell's stream
    output in one block per stream, without TensorFlow's log lines."""
    from nbconvert.preprocessors import CoalesceStreamsPreprocessor

    coalesce = CoalesceStreamsPreprocessor()
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for output in cell.outputs:
            if output.output_type == "stream" and output.name == "stderr":
                output.text = "".join(line for line in output.text.splitlines(keepends=True)
                                      if not TF_LOG_LINE.match(line))
        cell.outputs = [o for o in cell.outputs if o.output_type != "stream" or o.text.strip()]
        coalesce.preprocess_cell(cell, {}, 0)
    return nb


def to_markdown(nb, note: str) -> tuple[str, dict[str, bytes]]:
    """The page's Markdown (``note`` under its title) and its figures ({name: PNG bytes})."""
    from nbconvert import MarkdownExporter

    body, resources = MarkdownExporter().from_notebook_node(for_page(nb), resources={"output_files_dir": FIGURES})
    figures = {Path(name).name: data for name, data in resources.get("outputs", {}).items()}
    title, _, rest = body.lstrip().partition("\n")
    return f"{title}\n\n{note}\n{rest}", figures


def page_for_site():
    """The notebook with outputs (running it if needed), as (markdown, figures)."""
    download = f"[Download the notebook]({DOWNLOAD}) and run it yourself: see the README, \"The notebook\"."
    nb = fresh_copy()
    if nb is None:
        log.info("notebook: running %s for its page (make notebook does this ahead)", SOURCE.relative_to(ROOT))
        try:
            nb = execute()
        except Exception as e:  # a failed cell, no kernel, no data: the page says so
            reason = " ".join(str(e).split())[-300:]
            log.info("notebook: could not run it, the page shows it without outputs: %s", reason)
            note = (f'!!! warning "Not run"\n    This build could not run the notebook ({reason}), '
                    "so the page shows it without outputs. `make notebook` runs it.\n\n" + download)
            return to_markdown(nbformat.read(SOURCE, as_version=4), note)
    seconds = nb.metadata["aec"]["seconds"]
    note = (f"This page is `notebooks/{SOURCE.name}` as it ran for this site's build, with its small "
            f"default setting ({seconds:.0f} s on the machine that built the site). " + download)
    return to_markdown(nb, note)


# --- mkdocs hook --------------------------------------------------------------


def on_files(files, config):
    from mkdocs.structure.files import File, InclusionLevel

    markdown, figures = page_for_site()
    files.append(File.generated(config, PAGE, content=markdown))
    for name, data in figures.items():
        files.append(File.generated(config, f"{FIGURES}/{name}", content=data,
                                    inclusion=InclusionLevel.NOT_IN_NAV))
    files.append(File.generated(config, DOWNLOAD, content=SOURCE.read_bytes(),
                                inclusion=InclusionLevel.NOT_IN_NAV))
    return files


def main() -> int:
    start = time.time()
    try:
        execute()
    except Exception as e:  # nbclient's CellExecutionError holds the traceback: its last line says it
        lines = [line for line in str(e).splitlines() if line.strip()]
        print(f"notebook: {SOURCE.relative_to(ROOT)} failed: {lines[-1] if lines else type(e).__name__}",
              file=sys.stderr)
        return 1
    print(f"notebook: ran {SOURCE.relative_to(ROOT)} in {time.time() - start:.0f} s -> {EXECUTED.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
