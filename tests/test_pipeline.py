"""make train's stage runner (training/pipeline.py): stages in order, resumable by
stage, one line per stage start and end; and the whole of `make train` killed
after its first stage and run again (slow: minutes)."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from test_train import MNIST_DIR, ROOT, run_cli
from training import pipeline
from training.pipeline import Runner, Settings, Stage

# A fake stage: writes <models dir>/<name> with the options it was given (--resume),
# or exits 3 while <models dir>/fail-<name> exists.
FAKE = """import pathlib, sys
folder, name = pathlib.Path(sys.argv[1]), sys.argv[2]
if (folder / ("fail-" + name)).exists():
    sys.exit(3)
(folder / name).write_text(" ".join(sys.argv[3:]))
"""


def fake(name, seconds=100, resumable=True):
    return Stage(name, lambda s: ["-c", FAKE, s.models_dir, name], lambda s: Path(s.models_dir, name),
                 seconds, "fake", resumable=resumable)


STAGES = (fake("a"), fake("b"), fake("c", resumable=False))


def runner(tmp_path, stages=STAGES, **settings):
    lines = []
    r = Runner(Settings(models_dir=str(tmp_path), runs_dir=str(tmp_path / "runs"), **settings), stages,
               out=lines.append)
    return r, lines


def state(tmp_path):
    return json.loads((tmp_path / "runs" / pipeline.STATE_FILE).read_text())


def test_a_whole_run_says_each_stage_and_leaves_nothing_to_continue(tmp_path):
    r, lines = runner(tmp_path)
    assert r.run() == 0
    b = [line for line in lines if line.startswith("[pipeline 2/3 b]")]
    assert len(b) == 2 and b[1].startswith("[pipeline 2/3 b] finished in 0 s; 0 s so far, about 0 s left")
    # a took ~0 s of its measured 100: the estimate follows this run's pace, and says so
    assert b[0].startswith("[pipeline 2/3 b] starting; 0 s so far, about 0 s left (the measured times x ")
    assert lines[0] == "[pipeline 1/3 a] starting; 0 s so far, about 5 min left"  # nothing measured yet: the table's
    assert "nothing is left to continue" in lines[-1]
    assert not (tmp_path / "runs" / pipeline.STATE_FILE).exists()
    before = (tmp_path / "a").stat().st_mtime_ns
    time.sleep(0.01)
    r, lines = runner(tmp_path)
    assert r.run() == 0 and (tmp_path / "a").stat().st_mtime_ns > before  # a finished run: all again
    assert not any("skipped" in line for line in lines)


def test_after_a_failure_the_next_run_skips_finished_stages_and_resumes_the_failed_one(tmp_path):
    (tmp_path / "fail-b").touch()
    r, lines = runner(tmp_path)
    assert r.run() == 3
    assert "[pipeline 2/3 b] failed (exit 3)" in lines[-1]
    assert state(tmp_path)["current"] == "b" and list(state(tmp_path)["done"]) == ["a"]
    a = (tmp_path / "a").stat()
    (tmp_path / "fail-b").unlink()
    r, lines = runner(tmp_path)
    assert r.run() == 0
    assert (tmp_path / "a").stat().st_mtime_ns == a.st_mtime_ns
    assert f"[pipeline 1/3 a] finished in an earlier run ({tmp_path / 'a'}): skipped" in lines
    assert any(line.startswith("[pipeline 2/3 b] continuing the interrupted stage from its last checkpoint")
               for line in lines)
    assert (tmp_path / "b").read_text() == "--resume" and (tmp_path / "c").read_text() == ""


def test_fresh_starts_afresh_and_a_missing_output_is_made_again(tmp_path):
    (tmp_path / "fail-c").touch()
    assert runner(tmp_path)[0].run() == 3
    (tmp_path / "fail-c").unlink()
    (tmp_path / "runs" / "a").mkdir()
    (tmp_path / "runs" / "a" / "state.json").write_text("{}")  # an older run's checkpoint
    r, lines = runner(tmp_path)
    assert r.run(fresh=True) == 0
    assert lines[0].startswith("[pipeline] starting afresh") and not any("skipped" in line for line in lines)
    assert (tmp_path / "a").read_text() == "" and not (tmp_path / "runs" / "a" / "state.json").exists()
    # b's output gone: b runs again, and c after it, though the state says both finished
    (tmp_path / "fail-c").touch()
    runner(tmp_path)[0].run()
    (tmp_path / "fail-c").unlink()
    (tmp_path / "b").unlink()
    r, lines = runner(tmp_path)
    assert r.run() == 0
    assert sum("skipped" in line for line in lines) == 1 and (tmp_path / "b").exists()


def test_a_stage_that_writes_no_proof_has_not_finished(tmp_path):
    quiet = Stage("quiet", lambda s: ["-c", "pass"], lambda s: Path(s.models_dir, "never"), 1, "fake")
    r, lines = runner(tmp_path, stages=(quiet,))
    assert r.run() == 1
    assert lines[-1] == f"[pipeline 1/1 quiet] exited 0 but did not write {tmp_path / 'never'}: not counted as finished"
    assert state(tmp_path)["done"] == {}


def test_another_runs_settings_are_refused_in_one_line(tmp_path):
    runs = tmp_path / "runs"
    runs.mkdir()
    (runs / pipeline.STATE_FILE).write_text(json.dumps({"commands": {"talk": ["elsewhere"]}, "done": {},
                                                        "current": "talk"}))
    result = run_cli("pipeline", "--models-dir", str(tmp_path / "m"), "--runs-dir", str(runs),
                     "--train-args=--epochs 1")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith(f"error: {runs / pipeline.STATE_FILE} is an unfinished run with other settings")
    assert "FRESH=1" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    (runs / pipeline.STATE_FILE).write_text("{not json")
    result = run_cli("pipeline", "--runs-dir", str(runs))
    assert result.returncode == 2
    assert result.stderr == f"error: {runs / pipeline.STATE_FILE} is not a pipeline state; start afresh with make train FRESH=1\n"


def test_estimate_scales_the_measured_times_by_this_runs_pace():
    stages = (fake("a", 100), fake("b", 300), fake("c", 600))
    assert pipeline.estimate_left(stages, {}, 0) == (1000, 1.0)
    assert pipeline.estimate_left(stages, {"a": 50.0}, 1) == (450, 0.5)
    assert [pipeline.duration(s) for s in (42, 240, 662, 9416)] == ["42 s", "4 min", "11 min 2 s", "2 h 36 min"]


def test_readme_shows_the_pipelines_stage_table():
    """The stages' measured times are written once, in training/pipeline.py; the README shows that table."""
    readme = (ROOT / "README.md").read_text()
    assert pipeline.stage_table() in readme
    assert [st.name for st in pipeline.STAGES] == ["talk", "classifier", "codec", "lowrate", "mid", "convert",
                                                     "evaluate", "bound", "vectors"]


def snapshot(folder):
    return {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in sorted(folder.iterdir())}


@pytest.mark.slow
def test_make_train_killed_after_its_first_stage_continues_without_redoing_it(tmp_path):
    """The whole tiny `make train` (1 epoch on 1000 digits), killed (SIGKILL, the
    whole process group) once its first stage has finished, then run again. Slow:
    every stage really runs: 20 min 40 s alone on this 2-core machine with the conversion on
    all 10k test digits (CONVERT_ARGS now limits it to 1,000), so `make test-train` runs it,
    not `make test` or CI."""
    m = tmp_path / "m"
    variables = [f"MODELS_DIR={m}", f"RESULTS_DIR={m}/results", f"SITE_MODELS_DIR={m}/site", f"VECTORS_DIR={m}",
                 f"RUNTIME_MODELS_DIR={m}/runtime", f"RUNS_DIR={tmp_path}/runs", "TRAIN_ARGS=--epochs 1 --limit 1000",
                 "EVAL_ARGS=--limit 1000 --no-fashion --browser-digits 20", "CONVERT_ARGS=--eval-digits 1000"]
    # -o: the venv and datasets are this test session's already; make train's own steps all run.
    make = ["make", "--no-print-directory", "-o", "setup", "-o", "fashion-mnist", "train", *variables]
    env = {**os.environ, "MNIST_DIR": MNIST_DIR, "KERAS_BACKEND": "tensorflow"}
    log = tmp_path / "first.log"
    with open(log, "wb") as f:
        first = subprocess.Popen(make, cwd=ROOT, env=env, stdout=f, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.time() + 1200
    n = len(pipeline.STAGES)
    while f"[pipeline 1/{n} talk] finished in" not in log.read_text():
        assert first.poll() is None and time.time() < deadline, log.read_text()[-3000:]
        time.sleep(0.5)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    killed = time.time()
    talk = snapshot(m / "talk")
    assert set(talk) >= {"encoder.keras", "decoder.keras", "codec.json", "metrics.json"}
    assert "talk" in json.loads((tmp_path / "runs" / pipeline.STATE_FILE).read_text())["done"]

    second = subprocess.run(make, cwd=ROOT, env=env, capture_output=True, text=True, timeout=2400)
    out = second.stdout + second.stderr
    (tmp_path / "second.log").write_text(out)
    assert second.returncode == 0, out[-3000:]
    assert f"[pipeline 1/{n} talk] finished in an earlier run ({m / 'talk' / 'metrics.json'}): skipped" in out
    assert f"[pipeline 1/{n} talk] starting" not in out and "[talk] trained" not in out  # its trainer never ran
    assert f"[pipeline {n}/{n} vectors] finished in" in out and "nothing is left to continue" in out
    assert snapshot(m / "talk") == talk  # the same bytes, not written again
    for stage in pipeline.STAGES[1:]:
        settings = Settings(models_dir=str(m), results_dir=f"{m}/results", site_models_dir=f"{m}/site",
                            vectors_dir=str(m), runtime_models_dir=f"{m}/runtime", runs_dir=f"{tmp_path}/runs")
        assert stage.proof(settings).stat().st_mtime > killed, stage.name  # made by the second run
    assert not (tmp_path / "runs" / pipeline.STATE_FILE).exists()
    assert not list(m.glob("*.staging")) and not list(m.glob("*.old"))
    assert (m / "runtime" / "codec" / "decoder.tflite").is_file()  # the package's export went to the scratch folder too


def test_make_trains_convert_args_reach_the_converter_and_are_options_it_takes():
    """CONVERT_ARGS (make train) -> --convert-args -> the convert stage's command, whose parser takes them."""
    r = subprocess.run(["make", "-n", "--no-print-directory", "-o", "setup", "-o", "fashion-mnist", "train",
                        "CONVERT_ARGS=--eval-digits 1000"], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0 and "--convert-args='--eval-digits 1000'" in r.stdout, r.stdout + r.stderr
    convert = next(st for st in pipeline.STAGES if st.name == "convert")
    args = convert.args(Settings(convert_args=("--eval-digits", "1000")))
    assert args[:2] == ["-m", "converter"] and args[-2:] == ["--eval-digits", "1000"]
    help_text = subprocess.run([sys.executable, *args[:2], "--help"], cwd=ROOT, capture_output=True, text=True).stdout
    assert "--eval-digits" in help_text
