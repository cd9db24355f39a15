"""``make train`` in one go: every stage in order, resumable by stage.

    python -m training pipeline [--models-dir models] [--results-dir site/results]
        [--site-models-dir site/models] [--vectors-dir tests/vectors]
        [--runtime-models-dir aec/models] [--runs-dir runs]
        [--train-args="--epochs 1 --limit 1000"] [--eval-args="--limit 1000"]
        [--convert-args="--eval-digits 1000"] [--fresh] [--list]

Each stage (STAGES) is one command in its own process, as a person would type
it; the runner prints a line as each starts and ends (its number of the total,
the time spent so far and an estimate of the time left) and Keras's progress
bars stay within the stage.

The state of an unfinished run is one small JSON file, ``<runs dir>/pipeline.json``,
written atomically: the stage commands it runs (its settings), the stages
finished and their seconds, and the stage under way. It lives in the runs
folder because that folder already holds what a resumed run needs (the
training checkpoints, runs/<model>/) and belongs to one run at a time; it is
git-ignored and ``make clean`` forgets both together. Run again, the pipeline
skips the finished stages (whose proof file is still there), continues the
interrupted one (``--resume`` for a training stage: from its last epoch's
checkpoint) and runs the rest. A stage counts as finished only when its
command exited 0 and its proof file was written in that stage; the commands
themselves write through staging folders and atomic renames, so a model,
export or result is never seen half-written. The whole run finished, the file
is deleted: the next run starts from scratch. ``--fresh`` (``make train
FRESH=1``) starts afresh even after an interruption.
"""

from __future__ import annotations

import dataclasses
import json
import shlex
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

from aec import atomic

STATE_FILE = "pipeline.json"  # in the runs folder


class PipelineError(Exception):
    """A problem to report in one line (no traceback)."""


@dataclasses.dataclass(frozen=True)
class Settings:
    """Where the stages read and write: the Makefile's variables."""

    models_dir: str = "models"
    results_dir: str = "site/results"
    site_models_dir: str = "site/models"
    vectors_dir: str = "tests/vectors"
    runtime_models_dir: str = "aec/models"  # the runtime export that `aec` ships
    runs_dir: str = "runs"
    train_args: tuple = ()
    eval_args: tuple = ()
    convert_args: tuple = ()


@dataclasses.dataclass(frozen=True)
class Stage:
    name: str
    args: Callable[[Settings], list]        # the command after the Python interpreter
    proof: Callable[[Settings], Path]       # written last (or whole) by a finished stage
    seconds: float                          # measured on this 2-core machine (README's "Training" table)
    note: str                               # what those seconds were spent on (README's stage table)
    resumable: bool = False                 # takes --resume: continues from runs/<name>/'s checkpoint


def _train(model):
    return lambda s: ["-m", "training", "train", "--model", model, "--models-dir", s.models_dir,
                      "--runs-dir", s.runs_dir, *s.train_args]


def _model_proof(model):
    return lambda s: Path(s.models_dir, model, "metrics.json")


# The stages in order, with their measured times on this machine (2 CPU cores,
# TensorFlow): the one place these seconds are written; README's stage table is
# `python -m training pipeline --list` (tests/test_pipeline.py checks it).
STAGES = (
    Stage("talk", _train("talk"), _model_proof("talk"), 660,
          "50 epochs at 12.6 s (one epoch measured), then the measurements", resumable=True),
    Stage("classifier", _train("classifier"), _model_proof("classifier"), 240,
          "4 epochs at about 60 s (one epoch measured)"),  # no checkpoints: an interrupted one starts again
    Stage("codec", _train("codec"), _model_proof("codec"), 3273,
          "95 epochs, the cluster tables, the measurements", resumable=True),
    Stage("lowrate", _train("lowrate"), _model_proof("lowrate"), 1766,
          "60 epochs, the cluster tables, the measurements", resumable=True),
    Stage("mid", _train("mid"), _model_proof("mid"), 1812,
          "60 epochs, the cluster tables, the measurements", resumable=True),
    Stage("convert", lambda s: ["-m", "converter", "--models-dir", s.models_dir, "--out", s.site_models_dir,
                                "--runtime-out", s.runtime_models_dir, *s.convert_args],
          lambda s: Path(s.site_models_dir, "manifest.json"), 263,
          "the LiteRT export for aec (146 s), version 4's table fitted on 10,000 training digits (19 s, "
          "measured alone), the TF.js export (98 s), their measurements"),
    Stage("evaluate", lambda s: ["-m", "training", "evaluate", "--models-dir", s.models_dir,
                                 "--codecs-dir", s.runtime_models_dir, "--results-dir", s.results_dir,
                                 "--site-models-dir", s.site_models_dir, *s.eval_args],
          lambda s: Path(s.results_dir, "results.json"), 2033,
          "MNIST and Fashion-MNIST on the LiteRT runtime in 2 worker processes, and the browser's search in "
          "Node (696 s of it); the baselines cached (about 300 s more without), browser tests beside it"),
    Stage("bound", lambda s: ["-m", "training", "bound", "--models-dir", s.models_dir, "--results-dir", s.results_dir,
                              "--runs-dir", s.runs_dir, *s.train_args],
          lambda s: Path(s.runs_dir, "bound", "bound.json"), 3879,
          "the estimated R-D limit from both codecs: 8 epochs each (1563 s), each test digit refined (2316 s)"),
    Stage("vectors", lambda s: ["tests/vectors/make_vectors.py", "models", "bits", "search", "--models-dir", s.models_dir,
                                "--site-models", s.site_models_dir, "--codecs-dir", s.runtime_models_dir,
                                "--out", s.vectors_dir],
          lambda s: Path(s.vectors_dir, "search_v1.json"), 9,
          "the shipped models' test vectors, where their bits go, and searched files for the JS search"),
)


def duration(seconds: float) -> str:
    """42 s, 11 min 2 s, 4 min, 2 h 26 min."""
    seconds = int(seconds + 0.5)  # half up, as the state's tenths add up
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min" + (f" {seconds % 60} s" if seconds % 60 else "")
    return f"{seconds // 3600} h {seconds % 3600 // 60} min"


def stage_table(stages=STAGES) -> str:
    """The README's table of the stages and their measured times (Markdown)."""
    rows = ["| # | stage | command | measured here |", "|---|---|---|---|"]
    for i, st in enumerate(stages, start=1):
        command = shlex.join(["python", *st.args(Settings())])
        rows.append(f"| {i} | {st.name} | `{command}` | {duration(st.seconds)}: {st.note} |")
    total = sum(st.seconds for st in stages)
    rows.append(f"| | all | `make train` | {duration(total)} (the sum) |")
    return "\n".join(rows) + "\n"


def estimate_left(stages, done: dict, start: int) -> tuple:
    """Seconds left for stages[start:], from their measured times scaled by this
    run's pace so far (the finished stages' seconds over their measured ones:
    about 1 for a full run here, far less on a GPU or with --epochs 1), and the pace."""
    measured = sum(st.seconds for st in stages if st.name in done)
    pace = sum(done.values()) / measured if measured and done else 1.0
    return pace * sum(st.seconds for st in stages[start:]), pace


class Runner:
    def __init__(self, settings: Settings, stages=STAGES, python=sys.executable, out=None):
        self.settings, self.stages, self.python = settings, stages, python
        self.out = out or (lambda line: print(line, flush=True))
        self.state_path = Path(settings.runs_dir) / STATE_FILE
        self.commands = {st.name: st.args(settings) for st in stages}

    def say(self, i, text):
        self.out(f"[pipeline {i + 1}/{len(self.stages)} {self.stages[i].name}] {text}")

    def progress(self, start):
        so_far = sum(self.state["done"].values())
        left, pace = estimate_left(self.stages, self.state["done"], start)
        scale = "" if abs(pace - 1) < 0.05 else f" (the measured times x {pace:.2g}, this run's pace)"
        return f"{duration(so_far)} so far, about {duration(left)} left{scale}"

    def load(self, fresh):
        """The unfinished run's state, or a new one."""
        if self.state_path.exists() and not fresh:
            try:
                state = json.loads(self.state_path.read_text())
            except ValueError as e:
                state = str(e)
            if not (isinstance(state, dict) and {"commands", "done", "current"} <= state.keys()):
                raise PipelineError(f"{self.state_path} is not a pipeline state; start afresh with make train FRESH=1")
            if state["commands"] != self.commands:
                changed = next(n for n in self.commands if state["commands"].get(n) != self.commands[n])
                raise PipelineError(
                    f"{self.state_path} is an unfinished run with other settings (its {changed} stage ran "
                    f"{shlex.join(state['commands'].get(changed) or [])!r}); finish it with the same settings, "
                    "or start afresh with make train FRESH=1")
            self.out(f"[pipeline] continuing the unfinished run in {self.state_path} "
                     "(make train FRESH=1 starts afresh)")
            return state
        if self.state_path.exists():
            self.out(f"[pipeline] starting afresh: forgetting the unfinished run in {self.state_path}")
        return {"commands": self.commands, "done": {}, "current": None}

    def save(self):
        atomic.write_json(self.state_path, self.state)

    def first_unfinished(self):
        for i, st in enumerate(self.stages):
            if st.name not in self.state["done"] or not st.proof(self.settings).exists():
                return i
        return len(self.stages)

    def run(self, fresh=False) -> int:
        self.state = self.load(fresh)
        first = self.first_unfinished()
        # Stages run in order, each on its predecessors' outputs: all from the first unfinished one run again.
        self.state["done"] = {st.name: self.state["done"][st.name] for st in self.stages[:first]}
        for i, st in enumerate(self.stages[:first]):
            self.say(i, f"finished in an earlier run ({st.proof(self.settings)}): skipped")
        for i in range(first, len(self.stages)):
            code = self.run_stage(i)
            if code:
                return code
        self.state_path.unlink()
        self.out(f"[pipeline] all {len(self.stages)} stages finished: {duration(sum(self.state['done'].values()))} "
                 "of stage time; nothing is left to continue, so the next make train starts from scratch")
        return 0

    def run_stage(self, i) -> int:
        st, s = self.stages[i], self.settings
        args = list(self.commands[st.name])
        resume = st.resumable and self.state["current"] == st.name
        if resume:
            args.append("--resume")
        elif st.resumable:  # a fresh stage must not pick up an older run's checkpoint
            Path(s.runs_dir, st.name, "state.json").unlink(missing_ok=True)
        self.state["current"] = st.name
        self.save()
        what = "continuing the interrupted stage from its last checkpoint" if resume else "starting"
        self.say(i, f"{what}; {self.progress(i)}")
        self.out(f"$ {shlex.join(['python', *args])}")
        t0 = time.time()
        proc = subprocess.Popen([self.python, *args])
        try:
            code = proc.wait()
        except KeyboardInterrupt:  # Ctrl-C reached the stage too: let it stop cleanly
            try:
                proc.wait(timeout=60)
            except (subprocess.TimeoutExpired, KeyboardInterrupt):
                proc.kill()
                proc.wait()
            self.say(i, f"interrupted after {duration(time.time() - t0)}; make train continues from here")
            return 130
        seconds = time.time() - t0
        proof = st.proof(s)
        if code == 0 and not (proof.exists() and proof.stat().st_mtime >= t0 - 2):
            self.say(i, f"exited 0 but did not write {proof}: not counted as finished")
            return 1
        if code:
            self.say(i, f"failed (exit {code}) after {duration(seconds)}; make train runs it again")
            return code
        self.state["done"][st.name] = round(seconds, 1)
        self.state["current"] = None
        self.save()
        self.say(i, f"finished in {duration(seconds)}; {self.progress(i + 1)}")
        return 0


def main(args) -> int:
    """``python -m training pipeline`` (training/__main__.py parses the options)."""
    if args.list:
        print(stage_table(), end="")
        return 0
    settings = Settings(models_dir=args.models_dir, results_dir=args.results_dir,
                        site_models_dir=args.site_models_dir, vectors_dir=args.vectors_dir,
                        runtime_models_dir=args.runtime_models_dir, runs_dir=args.runs_dir,
                        train_args=tuple(shlex.split(args.train_args)), eval_args=tuple(shlex.split(args.eval_args)),
                        convert_args=tuple(shlex.split(args.convert_args)))
    try:
        return Runner(settings).run(fresh=args.fresh)
    except PipelineError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
