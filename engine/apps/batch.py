"""``rules batch``: one JSON report per line of a JSON Lines file, streamed in
input order, in flat memory, across processes.

With one job, each line is evaluated as it is read and its record written
at once. With ``jobs > 1`` the input is cut into chunks of lines as it is
read; worker processes evaluate the chunks (:func:`engine.apps.workers.ordered_map`:
a ``ProcessPoolExecutor``, a bounded number of chunks in flight, the
policies given to each worker once) and the parent only reads, hands out
and writes blocks. Lines are read as bytes and decoded by whoever evaluates
them: a bad line (not UTF-8, not JSON, not a log) gives an error record,
never a failed run. With ``due_since`` only the logs that are due
(:mod:`engine.apps.incremental`) are evaluated.
"""

from __future__ import annotations

import io
import json
import os
import stat
from datetime import datetime, timedelta
from itertools import islice
from typing import IO, Any, Callable, Iterable, Iterator, Mapping, NamedTuple

from engine.errors import InputError, RulesError, UsageError
from engine.model.eventlog import parse_jsonl_line
from engine.runtime.evaluation import evaluate, prepare, report_json, resolve_moment
from engine.model.policies import PolicySet
from engine.input.times import get_zone, parse_moment
from engine.apps.incremental import IndexEntry, digest, entry_of_record, is_due
from engine.apps.workers import ordered_map

__all__ = ["run_batch", "evaluate_line", "Block", "Due", "LineEvaluator"]


def evaluate_line(policies: PolicySet, number: int, line: str, at: str | datetime | None,
                  source: str, explain: bool) -> str:
    """The JSON record (one line, no newline) for input ``line`` number ``number``."""
    return LineEvaluator(policies, at, source, explain).record(number, line)


class LineEvaluator:
    """Records for lines of one input: what they share (the moment per time
    zone) is worked out once."""

    __slots__ = ("policies", "at", "source", "explain", "moments", "due")

    def __init__(self, policies: PolicySet, at: str | datetime | None, source: str,
                 explain: bool, due: "Due | None" = None) -> None:
        self.policies, self.at, self.source, self.explain = policies, at, source, explain
        self.moments: dict[str, datetime] = {}  # time zone -> `at` there
        self.due = due

    def record(self, number: int, line: str | bytes) -> str:
        """The JSON record of input line ``number``: its report, or the error
        it gives (a bad line never stops the run)."""
        return self.evaluated(number, line)[0]

    def evaluated(self, number: int, line: str | bytes) -> tuple[str, datetime | None]:
        """The record of line ``number``, and the time of the log's first
        event after the moment (events recorded ahead: they will change
        the advice when their time comes), if any."""
        try:
            text = line.decode("utf-8") if isinstance(line, (bytes, bytearray)) else line
        except UnicodeDecodeError as err:
            return _error_record(number, InputError(
                f"line is not UTF-8: byte 0x{line[err.start]:02x} ({err.reason})",
                code="RULES-E051", file=self.source, line=number, column=err.start + 1,
                hint="JSON Lines are UTF-8; re-encode the file (e.g. iconv -f latin1 -t utf-8)")), None
        try:
            log = parse_jsonl_line(text, self.source, self.policies.vocabulary, number)
        except ValueError as err:  # e.g. an integer of more than 4,300 digits
            log = InputError(f"JSON value refused: {err}", code="RULES-E014", file=self.source,
                             line=number, hint="numbers in a log are small integers")
        if isinstance(log, RulesError):
            return _error_record(number, log), None
        moment: datetime | None = None
        if self.at is not None:
            moment = self.moments.get(log.timezone)
            if moment is None:
                moment = self.moments[log.timezone] = parse_moment(self.at, log.tz)
        ahead = None
        if self.due is not None:
            now = resolve_moment(moment, log)
            ahead = min((e.at for e in log.events if e.at > now), default=None)
        if self.explain:
            report = evaluate(self.policies, log, moment).to_dict()
            report["line"] = number
            return json.dumps(report, ensure_ascii=False, separators=(",", ":")), ahead
        return report_json(self.policies, log, moment, line=number), ahead

    def block(self, chunk: list[tuple[int, str | bytes]]) -> Block:
        """The records for ``chunk`` (numbered lines), each ending with a
        newline, with how many are errors; with ``due``, only the due lines'
        records, and every line's index entry. (Records kept apart: one big
        string, and its encoding, would each take fresh pages from the
        system, chunk after chunk.)"""
        records: list[bytes] = []
        errors = 0
        due = self.due
        entries: list[str] | None = None if due is None else []
        for number, line in chunk:
            if due is not None and entries is not None:
                sha = digest(line)
                entry = due.previous.get(number)
                if not is_due(entry, sha, self.at, due.since, due.horizon):
                    entries.append(entry.to_json() if entry else "")
                    continue
                record, ahead = self.evaluated(number, line)
                entries.append(entry_of_record(number, sha, record, ahead).to_json())
            else:
                record = self.record(number, line)
            if record.startswith('{"line":'):
                errors += 1
            records.append((record + "\n").encode("utf-8"))
        return Block(records, errors, len(chunk), entries)


class Block(NamedTuple):
    """What a chunk of lines gives."""

    records: list[bytes]
    errors: int
    lines: int                    # lines looked at (records, or skipped as not due)
    entries: list[str] | None     # index entries, with due_since


class Due(NamedTuple):
    """Incremental runs: the index entries of the last run (``previous``), at ``since``."""

    previous: Mapping[int, IndexEntry]
    since: datetime
    horizon: timedelta


def _error_record(number: int, err: RulesError) -> str:
    return json.dumps({"line": number, "error": {"code": err.code, "message": err.message,
                                                 "file": err.file, "line": err.line,
                                                 "column": err.column}},
                      ensure_ascii=False, separators=(",", ":"))


def _chunks(lines: Iterable[str | bytes], size: int) -> Iterator[list[tuple[int, str | bytes]]]:
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


def _never_waits(lines: Iterable[str | bytes]) -> bool:
    """Whether reading ``lines`` never waits for input: a list or tuple, or a
    file object on a regular file (not a pipe, a terminal or a socket)."""
    if isinstance(lines, (list, tuple)):
        return True
    try:
        return stat.S_ISREG(os.fstat(lines.fileno()).st_mode)  # type: ignore[attr-defined]
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return False


def run_batch(policies: PolicySet, lines: Iterable[str | bytes], out: IO[Any], *,
              at: str | datetime | None = None, jobs: int = 1, source: str = "<batch>",
              explain: bool = False, chunksize: int = 64, due: Due | None = None,
              progress: Callable[[Block], None] | None = None,
              index_out: Callable[[list[str]], None] | None = None) -> int:
    """Write one JSON line per non-blank input line (per due line, with
    ``due``) to ``out`` (a text stream, or a binary one, which gets UTF-8);
    returns the number of records. ``progress`` is called with each block
    written; ``index_out`` with each block's index entries (with ``due``)."""
    if at is not None:
        try:
            parse_moment(at, get_zone("UTC"))
        except ValueError as err:
            raise UsageError(f"at: {err}", hint="e.g. 2026-11-23T09:00 (local time in each log's zone)") from None
    write = _writer(out)
    count = 0
    evaluator = LineEvaluator(policies, at, source, explain, due)
    if jobs <= 1:
        # line by line: a record as soon as its line is read (input typed or
        # trickling in through a pipe)
        blocks: Iterable[Block] = map(evaluator.block, _chunks(lines, 1))
    else:
        prepare(policies)  # (once, before the workers are forked: shared by them)
        # four chunks per worker in flight: a slow chunk at the head of the
        # line does not leave the other workers idle (results come in order)
        blocks = ordered_map(evaluator.block, _chunks(lines, max(1, chunksize)), jobs, window=4,
                             read_in_thread=not _never_waits(lines))
    for block in blocks:
        if block.records:
            write(block.records)
        count += len(block.records)
        if index_out is not None and block.entries is not None:
            index_out(block.entries)
        if progress is not None:
            progress(block)
    return count
