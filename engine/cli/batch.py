"""``rules batch``: one JSON report per line of a JSON Lines file, on this
machine's cores (``--jobs``) or a Dask cluster (``--dask``), optionally only
for the logs that are due (``--due-since``), with a progress display on a
terminal."""

from __future__ import annotations

import signal
import sys
import time
from contextlib import ExitStack, contextmanager
from datetime import timedelta
from pathlib import Path
from typing import IO, Any, Callable, Iterator

import click

from engine.cli.common import cli, load_set, policies_option, policy_option
from engine.errors import RulesError, UsageError


@cli.command()
@click.argument("logs", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--at", "at", metavar="TIME", help="Moment of evaluation for every log (default: now).")
@click.option("--jobs", type=click.IntRange(1, 256), default=1, show_default=True, help="Worker processes.")
@click.option("--dask", "dask_address", metavar="ADDRESS",
              help="Run on a Dask cluster: a scheduler address (tcp://host:8786), or local[:N] "
                   "for a local cluster of N workers (needs followup-rules[dask]). LOGS and -o "
                   "may then be any fsspec URL (s3://…).")
@click.option("--explain/--no-explain", default=False, show_default=True,
              help="Full reports (values, sources, rules not firing) instead of the fast path.")
@click.option("--due-since", "due_since", metavar="TIME",
              help="Incremental run: evaluate only the logs due since the last run at TIME "
                   "(changed, or next_change_at passed), with the state kept in --index.")
@click.option("--index", "index_path", metavar="FILE",
              help="With --due-since: the per-log state (digest, next_change_at), read and rewritten.")
@click.option("-q", "--quiet", is_flag=True, help="No progress display or summary on standard error.")
@policies_option
@policy_option
@click.option("-o", "--output", metavar="FILE", help="Write to FILE instead of standard output.")
def batch(logs: str, at: str | None, jobs: int, dask_address: str | None, explain: bool,
          due_since: str | None, index_path: str | None, quiet: bool, policies_dir: str | None,
          pins: tuple[str, ...], output: str | None) -> int:
    """One JSON report per line of LOGS.jsonl (a log object per line), streamed."""
    from engine.input.times import get_zone, parse_moment

    if at is not None:
        try:
            parse_moment(at, get_zone("UTC"))
        except ValueError as err:
            raise UsageError(f"--at: {err}", hint="e.g. --at 2026-11-23T09:00 (local time in each "
                             "log's zone) or 2026-11-23T09:00-05:00") from None
    if (due_since is None) != (index_path is None):
        raise UsageError("--due-since and --index go together",
                         hint="e.g. --due-since 2026-11-22T09:00 --index state.jsonl")
    if dask_address is not None and jobs != 1:
        raise UsageError("--dask and --jobs exclude each other",
                         hint="the cluster's workers do the work: --dask local:4")
    if dask_address is not None and due_since is not None:
        raise UsageError("--due-since runs on one machine", hint="on Dask, pass the due logs "
                         "to engine.dask.evaluate_bag(..., due=...) (docs/scale.md)")
    policies = load_set(policies_dir, pins)
    due = _due(policies, due_since, index_path) if due_since else None
    show = not quiet and sys.stderr.isatty()
    if dask_address is not None:
        try:
            from engine.apps.distributed import run_on_dask
        except ImportError:
            raise RulesError("--dask needs Dask: pip install 'followup-rules[dask]'",
                             code="RULES-E061") from None
        started = time.monotonic()
        count, errors, done = run_on_dask(policies, logs, output, address=dask_address, at=at,
                                           explain=explain, progress=show)
        if show:
            _summary(done, count, errors, time.monotonic() - started)
        return 0
    from engine.input.reading import open_stream
    # a file, a pipe or "-" (standard input, kept open); never a device (/dev/zero) or a folder
    source = click.open_file("-", "rb") if logs == "-" else open_stream(logs, binary=True)
    with ExitStack() as stack:
        stack.enter_context(_stopped_cleanly_by_sigterm())
        lines = stack.enter_context(source)
        write_index = None
        if index_path is not None:
            from engine.base.files import atomic_writer
            index_file = stack.enter_context(atomic_writer(Path(index_path), binary=True))
            write_index = _index_writer(index_file)
        progress = stack.enter_context(_Progress(show, None if logs == "-" else logs))
        # JSON Lines are UTF-8 whatever the locale: written as bytes
        if output and output != "-":
            from engine.base.files import atomic_writer
            with atomic_writer(Path(output), binary=True) as out:  # all or nothing
                _run(policies, lines, out, at, jobs, logs, explain, due, progress, write_index)
        else:
            sys.stdout.flush()
            out = getattr(sys.stdout, "buffer", sys.stdout)
            _run(policies, lines, out, at, jobs, logs, explain, due, progress, write_index)
            out.flush()
    return 0


@contextmanager
def _stopped_cleanly_by_sigterm() -> Iterator[None]:
    """SIGTERM (``kill``, a job scheduler's stop) ends the run as Ctrl-C
    does: the workers killed, the temporary output file removed, exit 143 —
    instead of the default of dying on the spot and leaving the file."""
    def stop(signum: int, frame: Any) -> None:
        raise SystemExit(128 + signum)

    try:
        previous = signal.signal(signal.SIGTERM, stop)
    except ValueError:  # not the main thread: leave SIGTERM alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _run(policies: Any, lines: Any, out: IO[Any], at: str | None, jobs: int, source: str,
         explain: bool, due: Any, progress: "_Progress", write_index: Any) -> None:
    from engine.apps.batch import run_batch
    run_batch(policies, lines, out, at=at, jobs=jobs, source=source, explain=explain, due=due,
              progress=progress.update, index_out=write_index)


def _due(policies: Any, since_text: str, index_path: str | None) -> Any:
    from engine.apps.batch import Due
    from engine.apps.incremental import read_index
    from engine.input.times import get_zone, parse_moment
    from engine.runtime.timing import DEFAULT_HORIZON
    try:
        since = parse_moment(since_text, get_zone("UTC"))
    except ValueError as err:
        raise UsageError(f"--due-since: {err}", hint="the --at of the last run, "
                         "e.g. --due-since 2026-11-22T09:00") from None
    previous = read_index(Path(index_path)) if index_path else {}
    return Due(previous, since, timedelta(days=DEFAULT_HORIZON.days))


def _index_writer(stream: IO[bytes]) -> Callable[[list[str]], None]:
    def write(entries: list[str]) -> None:
        stream.write("".join(e + "\n" for e in entries if e).encode("utf-8"))
    return write


class _Progress:
    """Logs done, rate and time left on standard error (tqdm), on a terminal
    only; a summary line at the end."""

    def __init__(self, show: bool, path: str | None = None) -> None:
        self.show = show
        self.path = path
        self.bar: Any = None
        self.lines = self.records = self.errors = 0
        self.started = time.monotonic()

    def __enter__(self) -> "_Progress":
        if self.show:
            from tqdm import tqdm
            self.bar = tqdm(unit=" logs", file=sys.stderr, dynamic_ncols=True, leave=False,
                            mininterval=0.2, smoothing=0.1)
            if self.path is not None:  # a file: its lines counted aside, for the time left
                import threading
                threading.Thread(target=self._count, args=(self.path,), daemon=True,
                                 name="batch progress").start()
        return self

    def _count(self, path: str) -> None:
        lines = 0
        try:
            with open(path, "rb") as stream:
                last = b"\n"
                for block in iter(lambda: stream.read(1 << 20), b""):
                    lines += block.count(b"\n")
                    last = block[-1:]
            lines += last != b"\n"
        except OSError:
            return
        bar = self.bar
        if bar is not None:
            bar.total = lines

    def update(self, block: Any) -> None:
        self.lines += block.lines
        self.records += len(block.records)
        self.errors += block.errors
        if self.bar is not None:
            self.bar.update(block.lines)
            if self.errors:
                self.bar.set_postfix(errors=self.errors, refresh=False)

    def __exit__(self, kind: Any, error: Any, trace: Any) -> None:
        if self.bar is not None:
            self.bar.close()
            if kind is None:
                _summary(self.lines, self.records, self.errors, time.monotonic() - self.started)


def _summary(lines: int, records: int, errors: int, seconds: float) -> None:
    skipped = lines - records
    parts = [f"{lines:,} logs", f"{errors:,} errors"]
    if skipped:
        parts.append(f"{skipped:,} not due")
    rate = f", {lines / seconds:,.0f} logs/s" if seconds > 0 else ""
    click.echo(f"rules batch: {', '.join(parts)} in {seconds:.1f} s{rate}", err=True)
