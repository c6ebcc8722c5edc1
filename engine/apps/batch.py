"""``rules batch``: one JSON report per line of a JSON Lines file, streamed in
input order, in flat memory, across processes.

With one job, each line is evaluated as it is read and its record written
at once. With ``jobs > 1`` the input is cut into chunks of lines as it is
read; a chunk is evaluated as a whole and gives its records (UTF-8 bytes,
written together), and forked worker processes evaluate the chunks
(:func:`engine.apps.workers.ordered_map`: a bounded number in flight, the
policies inherited, not sent) and the parent only reads, hands out and
writes blocks, so that it takes as little as possible from the cores the
workers need; where processes cannot be forked, a ``multiprocessing`` pool
of spawned ones does the same. A bad line gives an error record, not a
failed run.
"""

from __future__ import annotations

import io
import json
import multiprocessing
import os
import stat
from datetime import datetime
from itertools import islice
from typing import IO, Any, Iterable, Iterator

from engine.errors import RulesError, UsageError
from engine.model.eventlog import parse_jsonl_line
from engine.runtime.evaluation import evaluate, prepare, report_json
from engine.model.policies import PolicySet
from engine.input.times import get_zone, parse_moment
from engine.apps.workers import can_fork, ordered_map

__all__ = ["run_batch", "evaluate_line"]

_STATE: dict[str, Any] = {}  # per worker process: set once by the initializer


def evaluate_line(policies: PolicySet, number: int, line: str, at: str | datetime | None,
                  source: str, explain: bool) -> str:
    """The JSON record (one line, no newline) for input ``line`` number ``number``."""
    return _Evaluator(policies, at, source, explain).record(number, line)


class _Evaluator:
    """Records for lines of one input: what they share (the moment per time
    zone) is worked out once."""

    __slots__ = ("policies", "at", "source", "explain", "moments")

    def __init__(self, policies: PolicySet, at: str | datetime | None, source: str,
                 explain: bool) -> None:
        self.policies, self.at, self.source, self.explain = policies, at, source, explain
        self.moments: dict[str, datetime] = {}  # time zone -> `at` there

    def record(self, number: int, line: str) -> str:
        log = parse_jsonl_line(line, self.source, self.policies.vocabulary, number)
        if isinstance(log, RulesError):
            return json.dumps({"line": number, "error": {"code": log.code, "message": log.message,
                                                         "file": log.file, "line": log.line,
                                                         "column": log.column}},
                              ensure_ascii=False, separators=(",", ":"))
        moment: datetime | None = None
        if self.at is not None:
            moment = self.moments.get(log.timezone)
            if moment is None:
                moment = self.moments[log.timezone] = parse_moment(self.at, log.tz)
        if self.explain:
            report = evaluate(self.policies, log, moment).to_dict()
            report["line"] = number
            return json.dumps(report, ensure_ascii=False, separators=(",", ":"))
        return report_json(self.policies, log, moment, line=number)

    def block(self, chunk: list[tuple[int, str]]) -> list[bytes]:
        """The records for ``chunk`` (numbered lines), each ending with a
        newline. (Kept apart: one 800 KB string, and its encoding, would each
        take fresh pages from the system, chunk after chunk.)"""
        return [(self.record(number, line) + "\n").encode("utf-8") for number, line in chunk]


def _init(policies: PolicySet, at: str | datetime | None, source: str, explain: bool) -> None:
    _STATE["evaluator"] = _Evaluator(policies, at, source, explain)


def _work(chunk: list[tuple[int, str]]) -> list[bytes]:
    block: list[bytes] = _STATE["evaluator"].block(chunk)
    return block


def _chunks(lines: Iterable[str], size: int) -> Iterator[list[tuple[int, str]]]:
    """The non-blank lines, numbered from 1, ``size`` at a time."""
    numbered = enumerate(lines, 1)
    while True:
        taken = list(islice(numbered, size))
        if not taken:
            return
        chunk = [(n, line) for n, line in taken if line and not line.isspace()]
        if chunk:
            yield chunk


def _writer(out: IO[Any]) -> Any:
    """A function writing a block (UTF-8 bytes) to ``out`` and flushing it
    (records go out as they are made), ``out`` a binary or a text stream. (A
    stream with an encoding is a text one, whatever its mode says: those of
    ``codecs.open`` say "wb".)"""
    binary = isinstance(out, (io.RawIOBase, io.BufferedIOBase)) or (
        not isinstance(out, io.TextIOBase) and not hasattr(out, "encoding")
        and "b" in getattr(out, "mode", ""))
    flush = getattr(out, "flush", None) or (lambda: None)

    def write(block: bytes | bytearray | list[bytes]) -> None:
        data = b"".join(block) if isinstance(block, list) else block
        out.write(data if binary else data.decode("utf-8"))
        flush()

    return write


def _never_waits(lines: Iterable[str]) -> bool:
    """Whether reading ``lines`` never waits for input: a list or tuple, or a
    file object on a regular file (not a pipe, a terminal or a socket)."""
    if isinstance(lines, (list, tuple)):
        return True
    try:
        return stat.S_ISREG(os.fstat(lines.fileno()).st_mode)  # type: ignore[attr-defined]
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return False


def run_batch(policies: PolicySet, lines: Iterable[str], out: IO[Any], *,
              at: str | datetime | None = None, jobs: int = 1, source: str = "<batch>",
              explain: bool = False, chunksize: int = 64) -> int:
    """Write one JSON line per non-blank input line to ``out`` (a text stream,
    or a binary one, which gets UTF-8); returns the number of records."""
    if at is not None:
        try:
            parse_moment(at, get_zone("UTC"))
        except ValueError as err:
            raise UsageError(f"at: {err}", hint="e.g. 2026-11-23T09:00 (local time in each log's zone)") from None
    write = _writer(out)
    count = 0

    def chunks(size: int) -> Iterator[list[tuple[int, str]]]:
        nonlocal count
        for chunk in _chunks(lines, max(1, size)):
            count += len(chunk)  # a record each
            yield chunk

    if jobs <= 1:
        # line by line: a record as soon as its line is read (input typed or
        # trickling in through a pipe)
        evaluator = _Evaluator(policies, at, source, explain)
        for chunk in chunks(1):
            write(evaluator.block(chunk))
    elif can_fork():
        prepare(policies)  # (once, shared by the forked workers)
        for block in ordered_map(_Evaluator(policies, at, source, explain).block, chunks(chunksize),
                                 jobs, read_in_thread=not _never_waits(lines)):
            write(block)
    else:
        with multiprocessing.get_context("spawn").Pool(
                jobs, initializer=_init, initargs=(policies, at, source, explain)) as pool:
            for records in pool.imap(_work, chunks(chunksize)):
                write(records)
    return count
