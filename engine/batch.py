"""``rules batch``: one JSON report per line of a JSON Lines file, streamed in
input order, in flat memory, across processes.

Lines are read lazily and handed to worker processes in small chunks
(``imap`` keeps only a bounded window in flight); each worker loads the
policies once. A bad line gives an error record, not a failed run.
"""

from __future__ import annotations

import json
import multiprocessing
from datetime import datetime
from typing import IO, Any, Iterable, Iterator

from .errors import RulesError
from .eventlog import parse_jsonl_line
from .evaluation import evaluate
from .policies import PolicySet
from .errors import UsageError
from .timeparse import get_zone, parse_moment

__all__ = ["run_batch", "evaluate_line"]

_STATE: dict[str, Any] = {}  # per worker process: set once by the initializer


def evaluate_line(policies: PolicySet, number: int, line: str, at: str | None, source: str,
                  explain: bool) -> str:
    """The JSON (one line) for input ``line`` number ``number``."""
    log = parse_jsonl_line(line, source, policies.vocabulary, number)
    if isinstance(log, RulesError):
        return json.dumps({"line": number, "error": {"code": log.code, "message": log.message,
                                                     "file": log.file, "line": log.line,
                                                     "column": log.column}},
                          ensure_ascii=False, separators=(",", ":"))
    moment: datetime | None = None
    if at is not None:
        moment = parse_moment(at, log.tz)
    report = evaluate(policies, log, moment, explain=explain).to_dict()
    report["line"] = number
    return json.dumps(report, ensure_ascii=False, separators=(",", ":"))


def _init(policies: PolicySet, at: str | None, source: str, explain: bool) -> None:
    _STATE.update(policies=policies, at=at, source=source, explain=explain)


def _work(item: tuple[int, str]) -> str:
    s = _STATE
    return evaluate_line(s["policies"], item[0], item[1], s["at"], s["source"], s["explain"])


def _numbered(lines: Iterable[str]) -> Iterator[tuple[int, str]]:
    for number, line in enumerate(lines, 1):
        if line.strip():
            yield number, line


def run_batch(policies: PolicySet, lines: Iterable[str], out: IO[str], *, at: str | None = None,
              jobs: int = 1, source: str = "<batch>", explain: bool = False,
              chunksize: int = 64) -> int:
    """Write one JSON line per non-empty input line to ``out``; returns the count."""
    if at is not None:
        try:
            parse_moment(at, get_zone("UTC"))
        except ValueError as err:
            raise UsageError(f"at: {err}", hint="e.g. 2026-11-23T09:00 (local time in each log's zone)") from None
    count = 0
    if jobs <= 1:
        for number, line in _numbered(lines):
            out.write(evaluate_line(policies, number, line, at, source, explain) + "\n")
            count += 1
        return count
    ctx = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    with ctx.Pool(jobs, initializer=_init, initargs=(policies, at, source, explain)) as pool:
        for result in pool.imap(_work, _numbered(lines), chunksize=chunksize):
            out.write(result + "\n")
            count += 1
    return count
