"""Incremental re-evaluation: which logs of a batch are due.

A log's advice cannot change until its report's ``next_change_at`` unless
the log itself changes (new events). A daily job therefore keeps, per log,
an index entry — the log's digest, its zone and its ``next_change_at`` — and
at the next run re-evaluates only the logs that are due at the new moment:

* no entry, an error last time, or another digest (the log changed);
* ``next_change_at`` (or the time of an event recorded ahead of the
  moment, if sooner) at or before the new moment;
* no ``next_change_at`` (nothing changes within the horizon) and the new
  moment beyond the last run (``since``) plus the horizon.

The others would get the same advice; only their ``at`` (and the facts that
count days in ``situation``) would differ. ``rules batch --due-since T
--index FILE`` keeps the index in a JSON Lines file, one entry per input
line; ``engine.dask`` takes it as a mapping.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Iterable, Mapping

from engine.errors import InputError
from engine.input.times import get_zone, parse_moment

__all__ = ["IndexEntry", "digest", "is_due", "read_index", "entry_of_record"]


@dataclass(frozen=True, slots=True)
class IndexEntry:
    """What the last run learnt of one log."""

    key: int                      # its line (or key in a Dask bag)
    sha256: str                   # of the line, surrounding white space stripped
    timezone: str | None = None
    next_change_at: str | None = None
    error: bool = False

    def to_json(self) -> str:
        return json.dumps({"line": self.key, "sha256": self.sha256, "timezone": self.timezone,
                           "next_change_at": self.next_change_at, "error": self.error},
                          separators=(",", ":"))


def digest(line: str | bytes) -> str:
    data = line.encode("utf-8", "surrogateescape") if isinstance(line, str) else bytes(line)
    return hashlib.sha256(data.strip()).hexdigest()


def is_due(entry: IndexEntry | None, sha256: str, at: str | datetime | None,
           since: datetime, horizon: timedelta) -> bool:
    """Whether a log (its digest ``sha256``) must be evaluated again at
    ``at`` (naive: local time in the log's zone; None: now), its entry from
    the run at ``since``."""
    if entry is None or entry.error or entry.sha256 != sha256 or entry.timezone is None:
        return True
    zone = get_zone(entry.timezone)
    if at is None:
        moment = datetime.now(zone)
    elif isinstance(at, datetime):
        moment = at if at.tzinfo else at.replace(tzinfo=zone)
    else:
        moment = parse_moment(at, zone)
    if entry.next_change_at is not None:
        return datetime.fromisoformat(entry.next_change_at) <= moment
    last = since if since.tzinfo else since.replace(tzinfo=zone)
    return moment > last + horizon


def entry_of_record(key: int, sha256: str, record: str,
                    ahead: datetime | None = None) -> IndexEntry:
    """The index entry of a batch record (a report, or an error); ``ahead``:
    the log's first event after the moment, which changes the advice when
    its time comes (the report's ``next_change_at`` assumes nothing else
    happens)."""
    if record.startswith('{"line":'):  # an error record: reports start with "engine"
        return IndexEntry(key, sha256, error=True)
    data: Mapping[str, Any] = json.loads(record)
    change = data.get("next_change_at")
    if ahead is not None and (change is None or ahead < datetime.fromisoformat(change)):
        change = ahead.isoformat(timespec="seconds")
    return IndexEntry(key, sha256, data.get("timezone"), change)


def read_index(path: Path) -> dict[int, IndexEntry]:
    """The entries of an index file (none if it does not exist yet)."""
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(f"cannot read the index: {err}", code="RULES-E051", file=str(path)) from None
    return dict(_entries(text.splitlines(), str(path)))


def _entries(lines: Iterable[str], name: str) -> Iterable[tuple[int, IndexEntry]]:
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            d = json.loads(line)
            entry = IndexEntry(int(d["line"]), str(d["sha256"]), d.get("timezone"),
                               d.get("next_change_at"), bool(d.get("error", False)))
            if entry.next_change_at is not None:
                datetime.fromisoformat(entry.next_change_at)
        except (ValueError, KeyError, TypeError) as err:
            raise InputError(f"not an index entry: {err}", code="RULES-E014", file=name,
                             line=number, hint="the file --index names is written by "
                             "rules batch --due-since; delete it to start afresh") from None
        yield entry.key, entry
