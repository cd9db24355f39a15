"""The twin contract (site/format.md, "Twins") holds for the Python side, and
the package's layout holds: aec/ imports neither training/ nor converter/, and
no source file of ours is over 500 lines. tests/js/twins.test.mjs checks the
JavaScript side of the same table."""

import ast
import importlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MAX_LINES = 500


def twin_rows():
    """The table's rows: (python modules, js modules, both, only_python, only_js), names in backticks."""
    text = (ROOT / "site" / "format.md").read_text()
    table = re.search(r"<!-- twins:begin -->(.*?)<!-- twins:end -->", text, re.S).group(1)
    rows = []
    for line in table.strip().splitlines()[2:]:  # after the header and the |---| line
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        assert len(cells) == 5, line
        rows.append(tuple(re.findall(r"`([^`]+)`", c) for c in cells))
    return rows


ROWS = twin_rows()


def python_has(modules, name) -> bool:
    for module in modules:
        obj = importlib.import_module("aec." + module.removesuffix(".py"))
        for part in name.split("."):
            obj = getattr(obj, part, None)
        if obj is not None:
            return True
    return False


def test_the_table_covers_every_module_of_both_twins():
    py = {m for row in ROWS for m in row[0]}
    js = {m for row in ROWS for m in row[1]}
    assert py == {p.name for p in (ROOT / "aec").glob("*.py") if not p.name.startswith("__")}
    assert js == {p.name for p in (ROOT / "site" / "js" / "aec").glob("*.js")}


@pytest.mark.parametrize("row", [r for r in ROWS if r[0]], ids=lambda r: ",".join(r[0]))
def test_python_names(row):
    py_modules, _, both, only_py, only_js = row
    missing = [n for n in both + only_py if not python_has(py_modules, n)]
    assert not missing, f"named in site/format.md but not in aec/{py_modules}: {missing}"
    extra = [n for n in only_js if python_has(py_modules, n)]
    assert not extra, f"'only JavaScript' but present in Python: {extra}"


@pytest.mark.parametrize("row", [r for r in ROWS if r[0] and r[1]], ids=lambda r: r[0][0])
def test_each_twin_file_names_its_partner(row):
    (py,), (js,) = row[0], row[1]
    assert f"site/js/aec/{js}" in (ROOT / "aec" / py).read_text()[:600]
    assert f"aec/{py}" in (ROOT / "site" / "js" / "aec" / js).read_text()[:600]


def test_aec_imports_neither_training_nor_converter():
    for path in (ROOT / "aec").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            for name in names:
                assert name.split(".")[0] not in ("training", "converter"), f"{path.name} imports {name}"
    # and at run time: loading every module of the package pulls neither in
    code = ("import sys, pkgutil, importlib, aec\n"
            "for m in pkgutil.iter_modules(aec.__path__):\n"
            "    m.name != '__main__' and importlib.import_module('aec.' + m.name)\n"
            "print(sorted({n.split('.')[0] for n in sys.modules} & {'training', 'converter'}))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "[]"


def source_files() -> list[str]:
    """Our .py/.js/.mjs files: git's list, or, in a copy without git (the Docker
    image), the tree without what setup and builds put there."""
    if (ROOT / ".git").exists():
        return subprocess.run(["git", "ls-files", "*.py", "*.js", "*.mjs"], cwd=ROOT, capture_output=True,
                              text=True, check=True).stdout.split()
    skip = {".venv", "node_modules", "build", "runs", "__pycache__", ".pytest_cache", ".hypothesis"}
    return [str(p.relative_to(ROOT)) for p in ROOT.rglob("*") if p.suffix in (".py", ".js", ".mjs")
            and p.is_file() and not skip & set(p.relative_to(ROOT).parts)]


def test_no_source_file_is_over_500_lines():
    files = source_files()
    assert any(f.startswith("aec/") for f in files) and any(f.startswith("site/js/") for f in files)
    long = {f: n for f in files if (n := len((ROOT / f).read_text().splitlines())) > MAX_LINES}
    assert not long, long


def test_one_tool_writes_the_shared_vectors_and_they_are_current():
    """tests/vectors/make_vectors.py makes every vector file; the ones that need no
    trained model are checked here (the model vectors: tests/test_converter.py)."""
    out = subprocess.run([sys.executable, "tests/vectors/make_vectors.py", "format", "format3", "format4", "preprocess", "levels",
                          "bits", "--check"],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.count("up to date") == 6
