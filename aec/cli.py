"""The ``aec`` command: compress images of digits to .aec files and back.

    aec compress IMAGE... [--quality Q | --model talk] [--one-pass] -o DIR|-
    aec decompress FILE... [--max-digits N] -o DIR|-

``python -m aec`` is the same command. ``-`` as an input reads standard
input; ``-o -`` writes standard output (one input). Every output goes through
a temporary file that is fsynced and renamed (aec/atomic.py), never replaces
an existing file without ``--force``; names that collide within one call get
``-1``, ``-2``, ... (``same.aec``, ``same-1.aec``, case-insensitively), said
in the report. Inputs are read with the limits of aec/inputs.py. Every problem
is one line ``path: problem`` on stderr, and the other inputs go on; exit
status 0 = all done, 1 = some input or output failed, 2 = a usage error.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

from aec import api, levels
from aec import format as fmt
from aec.errors import AecError

EXTENSION = ".aec"  # auto-encoder compressed digit(s)
MODELS_ENV = api.MODELS_ENV
DEFAULT_MAX_DIGITS = 10_000  # decompress: digits per file, so a few bytes cannot expand to megabytes
MAX_DIGITS = fmt.MAX_DIGITS  # the format's limit; also the digits coded in one batch
STDIO = "-"


class UsageError(Exception):
    """A command line that cannot mean anything: exit status 2."""


class Failure(Exception):
    """A problem that stops the whole call (no models, no output folder): exit status 1."""


def _problem(e: BaseException) -> str:
    """One line for an exception: the OS's words, our own messages (ValueErrors:
    FormatError, InputError) as they are, anything else with its type."""
    if isinstance(e, OSError) and e.strerror:
        return e.strerror
    lines = str(e).strip().splitlines()
    if isinstance(e, ValueError) and lines:
        return lines[0]
    return f"{type(e).__name__}: {lines[0]}" if lines else type(e).__name__


class _Run:
    """One call's bookkeeping: output names, existing files, reports, failures."""

    def __init__(self, output: str, force: bool):
        self.to_stdout, self.force, self.failed = output == STDIO, force, 0
        self.folder = None if self.to_stdout else Path(output)
        self.taken: set = set()
        self.report_stream = sys.stderr if self.to_stdout else sys.stdout

    def fail(self, label, e) -> None:
        print(f"{label}: {e if isinstance(e, str) else _problem(e)}", file=sys.stderr, flush=True)
        self.failed += 1

    def report(self, line: str) -> None:
        print(line, file=self.report_stream, flush=True)

    def prepare(self) -> None:
        """The output folder exists and takes files, or Failure."""
        if self.to_stdout:
            return
        folder = self.folder
        if folder.exists() and not folder.is_dir():
            raise Failure(f"{folder}: the output folder exists and is not a folder")
        try:
            folder.mkdir(parents=True, exist_ok=True)
            tempfile.TemporaryFile(dir=folder).close()
        except OSError as e:
            raise Failure(f"{folder}: cannot write to the output folder ({_problem(e)})") from None

    def claim(self, stem: str, count: int, ext: str) -> tuple[list[Path], bool]:
        """Names for ``count`` outputs of one input (``stem.ext``, or ``stem_0000.ext``...),
        with ``-1``, ``-2``... after the stem if another input of this call has one;
        returns (paths, renamed). Deterministic: it does not look at the disk."""
        width = max(4, len(str(count - 1)))
        for k in range(count + len(self.taken) + 1):
            s = stem if k == 0 else f"{stem}-{k}"
            names = [s + ext] if count == 1 else [f"{s}_{i:0{width}d}{ext}" for i in range(count)]
            if not any(n.casefold() in self.taken for n in names):
                self.taken.update(n.casefold() for n in names)
                return [self.folder / n for n in names], k > 0
        raise AssertionError("unreachable: some suffix is always free")

    def existing(self, paths) -> Path | None:
        return None if self.force else next((p for p in paths if os.path.lexists(p)), None)

    def write(self, path, data: bytes) -> None:
        from aec import atomic

        if self.to_stdout:
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
        else:
            atomic.write_bytes(path, data, replace=self.force)


class _Progress:
    """A progress line on stderr, shown only on a terminal and only once the work
    has taken more than ``delay`` seconds (a thread redraws it)."""

    def __init__(self, what: str, total: int, delay: float = 1.0, stream=None):
        self.what, self.total, self.done, self.delay = what, total, 0, delay
        self.stream = stream or sys.stderr
        self.t0, self.shown, self._stop = time.monotonic(), False, threading.Event()
        self._thread = None
        if total and self.stream.isatty():
            self._thread = threading.Thread(target=self._run, daemon=True)
            self._thread.start()

    def __call__(self, done: int, total: int | None = None) -> None:
        self.done = done

    def line(self) -> str:
        filled = 30 * self.done // max(1, self.total)
        return (f"\r{self.what} [{'#' * filled}{'.' * (30 - filled)}] {self.done}/{self.total} digits, "
                f"{time.monotonic() - self.t0:.0f} s")

    def _run(self):
        while not self._stop.wait(0.0 if self.shown else self.delay):
            self.stream.write(self.line())
            self.stream.flush()
            self.shown = True
            self._stop.wait(0.5)

    def close(self):
        self._stop.set()
        if self._thread:
            self._thread.join()
        if self.shown:
            self.stream.write("\r" + " " * (len(self.line()) + 4) + "\r")
            self.stream.flush()


def _load_codecs(models_dir: Path):
    """The models, or one line saying what is missing."""
    try:
        return api.codecs(models_dir)
    except AecError as e:
        raise Failure(f"{e} (give --models-dir DIR or set {MODELS_ENV})") from None


def _level_name(quality) -> str:
    return f"quality {quality}" if quality is not None else f"the default, quality {levels.DEFAULT_QUALITY}"


def _stem(name: str) -> str:
    return "stdin" if name == STDIO else Path(name).stem


def _batches(run: _Run, inputs, read):
    """Yield lists of what ``read(name)`` returns (objects with a digit count ``n``),
    up to MAX_DIGITS digits each; failed reads are reported and skipped."""
    batch, digits = [], 0
    for name in inputs:
        try:
            item = read(name)
        except Exception as e:
            run.fail(name, e)
            continue
        if item is None:
            continue
        if batch and digits + item.n > MAX_DIGITS:
            yield batch
            batch, digits = [], 0
        batch.append(item)
        digits += item.n
    if batch:
        yield batch


class _Job:
    def __init__(self, name, n, targets, renamed, payload):
        self.name, self.n, self.targets, self.renamed, self.payload = name, n, targets, renamed, payload

    def arrow(self) -> str:
        shown = "standard output" if self.targets[0] is None else str(self.targets[0])
        more = f" … {self.targets[-1].name}" if len(self.targets) > 1 else ""
        note = " (renamed: another input of this call has the name)" if self.renamed else ""
        return f"{self.name} -> {shown}{more}{note}"


def _plan(run: _Run, name: str, n: int, outputs: int, ext: str, payload):
    """The job for one input of ``n`` digits and its ``outputs`` names, or None
    after reporting that one of them exists (without --force)."""
    if run.to_stdout:
        return _Job(name, n, [None], False, payload)
    targets, renamed = run.claim(_stem(name), outputs, ext)
    if (found := run.existing(targets)) is not None:
        run.fail(name, f"{found} exists (--force replaces it)")
        return None
    return _Job(name, n, targets, renamed, payload)


def cmd_compress(args) -> int:
    from aec.inputs import read_digits

    run = _run_for(args)
    models_dir = Path(args.models_dir) if args.models_dir else api.models_dir()
    if args.model == "talk":
        if args.quality is not None:
            raise UsageError("--quality is for the learned codec; the talk's network (--model talk) has one rate")
        model_id = levels.TALK_MODEL_ID
    else:
        model_id = api.model_id_for(args.quality)
    run.prepare()
    codecs, search = None, not args.one_pass

    def read(name):
        images = read_digits(name, MAX_DIGITS)
        return _plan(run, name, len(images), 1, EXTENSION, images)

    for batch in _batches(run, args.inputs, read):
        if codecs is None:
            codecs = _load_codecs(models_dir)
            if model_id not in codecs.tables:  # the talk's network is always there (Codecs.load needs it)
                raise Failure(f"{models_dir}: these models have no model {model_id} ({_level_name(args.quality)})")
        progress = _Progress("compressing", sum(job.n for job in batch))
        try:
            files = codecs.compress_files([job.payload for job in batch], model_id, search, progress)
        finally:
            progress.close()
        for job, data in zip(batch, files):
            try:
                run.write(job.targets[0], data)
            except OSError as e:
                run.fail(job.name, f"{job.targets[0]}: {_problem(e)}" if job.targets[0] else e)
                continue
            run.report(f"{job.arrow()}: {job.n} digit(s), {len(data)} bytes")
    return 1 if run.failed else 0


def _png(image) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(image, "L").save(buf, format="PNG")
    return buf.getvalue()


def cmd_decompress(args) -> int:
    from aec.inputs import read_digit_file

    run = _run_for(args)
    models_dir = Path(args.models_dir) if args.models_dir else api.models_dir()
    run.prepare()
    codecs = _load_codecs(models_dir)

    def read(name):
        try:
            data, header = read_digit_file(name, codecs.tables, args.max_digits, codecs.prior)
        except ValueError as e:
            if str(e).startswith("too many digits"):
                raise ValueError(f"{e} (--max-digits N raises the limit)") from None
            raise
        if run.to_stdout and header.n != 1:
            raise ValueError(f"holds {header.n} digits; standard output takes one PNG (give -o DIR)")
        return _plan(run, name, header.n, header.n, ".png", data)

    for batch in _batches(run, args.inputs, read):
        results = codecs.decompress_files([job.payload for job in batch], args.max_digits)
        progress = _Progress("writing", sum(job.n for job in batch))
        try:
            done = 0
            for job, result in zip(batch, results):
                if isinstance(result, Exception):
                    run.fail(job.name, result)
                    continue
                model_id, images = result
                try:
                    for target, image in zip(job.targets, images):
                        run.write(target, _png(image))
                        done += 1
                        progress(done)
                except OSError as e:
                    run.fail(job.name, f"{target}: {_problem(e)}" if target else e)
                    continue
                run.report(f"{job.arrow()}: {len(images)} digit(s), model {model_id}")
        finally:
            progress.close()
    return 1 if run.failed else 0


def _run_for(args) -> _Run:
    """Checks of the inputs and output that need nothing loaded; UsageError if they fail."""
    if args.inputs.count(STDIO) > 1:
        raise UsageError("standard input (-) can be read only once")
    if STDIO in args.inputs and sys.stdin.isatty():
        raise UsageError("standard input (-) is a terminal; pipe a file in")
    if args.output == STDIO:
        if len(args.inputs) != 1:
            raise UsageError("-o - (standard output) takes exactly one input")
        if sys.stdout.isatty():
            raise UsageError("will not write binary data to a terminal; redirect standard output or give -o DIR")
    return _Run(args.output, args.force)


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit status 2
        raise UsageError(message)


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None


def _positive(text: str) -> int:
    value = _integer(text)
    if not 1 <= value <= MAX_DIGITS:
        raise argparse.ArgumentTypeError(f"must be 1..{MAX_DIGITS}")
    return value


def _level(text: str) -> int:
    value = _integer(text)
    if not 1 <= value <= len(levels.LEVELS):
        raise argparse.ArgumentTypeError(f"quality levels are 1..{len(levels.LEVELS)} "
                                         "(the talk's network is --model talk)")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="aec", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    common = _Parser(add_help=False)
    common.add_argument("inputs", nargs="+", help="files, or - for standard input")
    common.add_argument("-o", "--output", required=True, help="output folder, or - for standard output")
    common.add_argument("--force", action="store_true", help="replace existing files")
    common.add_argument("--models-dir", help=f"the models (default: ${MODELS_ENV}, else {api.PACKAGE_MODELS})")

    p = sub.add_parser("compress", parents=[common], help="images (any format Pillow reads, or .npy) -> .aec files")
    p.add_argument("--quality", "-q", type=_level,
                   help=f"the quality level, 1..{len(levels.LEVELS)}, fewest bytes first "
                        f"(default {levels.DEFAULT_QUALITY}; aec.quality_levels() lists them)")
    p.add_argument("--model", choices=["codec", "talk"], default="codec",
                   help="codec (default): the learned codec; talk: the talk's network, 8-bit latents")
    p.add_argument("--one-pass", action="store_true",
                   help="round the latents as the browser does (the same bytes as the demo, ~200x faster) "
                        "instead of the rate-distortion search (smaller error for the bits)")
    p.set_defaults(func=cmd_compress)

    p = sub.add_parser("decompress", parents=[common], help=".aec files -> PNG")
    p.add_argument("--max-digits", type=_positive, default=DEFAULT_MAX_DIGITS,
                   help=f"refuse files of more digits (default {DEFAULT_MAX_DIGITS}; the format allows {MAX_DIGITS})")
    p.set_defaults(func=cmd_decompress)
    return parser


def main(argv=None) -> int:
    try:
        args = _parser().parse_args(argv)
        return args.func(args)
    except UsageError as e:
        print(f"aec: {e} (aec --help)", file=sys.stderr)
        return 2
    except Failure as e:
        print(e, file=sys.stderr)
        return 1
    except AecError as e:  # e.g. a damaged model file, found when it is first run
        print(f"aec: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("aec: interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # the promise: one line, never a traceback
        print(f"aec: internal error ({_problem(e)})", file=sys.stderr)
        return 1
