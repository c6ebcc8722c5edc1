"""Keeping an event log without hand-editing it: ``rules log new|add|rm|edit``.

Every change follows one path, so that nothing is lost and nothing is
half-written:

1. the file named is resolved to the file it is (a symbolic link is followed,
   and the link kept); a link to nothing, a file that is not a regular file or
   a file without write permission (mode 0444, even for root) is refused;
2. the file's advisory lock is taken (:mod:`engine.base.locks`), so two
   programs changing one log at once each see the other's change;
3. the log is read and checked exactly as ``rules explain`` reads it;
4. the change is made in the file's own format (YAML keeps its comments and
   layout, JSON stays JSON), and the new text is read back and checked —
   whole log, and each value given against what was meant — before anything
   is written;
5. the file is replaced atomically (write beside it, fsync, rename).

Any refusal leaves the file byte-identical.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from engine.apps.logdocument import EditableLog, open_editable
from engine.apps.logtimes import Recorded, now_recorded, read_time, shown
from engine.apps.logvalues import parse_assignments
from engine.base.files import atomic_write_text
from engine.base.locks import locked
from engine.base.suggestions import suggest
from engine.errors import RulesError, UsageError
from engine.input.documents import Document, load_document, parse_document
from engine.input.times import get_zone, zone_suggestion
from engine.input.zones import abbreviation_warning
from engine.model.eventlog import Event, EventLog, checked_log
from engine.model.vocabulary import Vocabulary

__all__ = [
    "Change",
    "add_event",
    "edit_event",
    "find_event",
    "log_warnings",
    "new_log",
    "remove_event",
    "writable_target",
]


@dataclass(frozen=True)
class Change:
    """What a command did: the file written, the event as stored (after the
    change; before it for ``rm``), its moment, and warnings for the user."""

    file: Path
    event: dict[str, Any]
    moment: datetime
    shown_at: str
    warnings: tuple[str, ...] = field(default=())
    before: dict[str, Any] | None = None


def _header(path: Path) -> str:
    # The project's schema (relative) or the installed one, so that editors
    # with the YAML language server complete and check the new log.
    from engine.base.resources import schema_reference
    return f"# yaml-language-server: $schema={schema_reference(path, 'event-log.schema.json')}\n"


def new_log(path: Path, timezone: str, subject: str | None = None, *, force: bool = False
            ) -> list[str]:
    """Create an empty log (refuses to overwrite unless ``force``); returns warnings."""

    if os.path.islink(path) and not os.path.exists(path):
        raise UsageError(f"{path} is a link to {os.readlink(path)}, which does not exist",
                         code="RULES-E056",
                         hint="name the file itself, or create the file the link points to")
    if os.path.lexists(path) and not force:
        raise UsageError(f"{path} already exists", hint="pick another name, or pass --force to replace it")
    try:
        get_zone(timezone)
    except ValueError as err:
        raise UsageError(f"--timezone: {err}", hint=zone_suggestion(timezone)) from None
    if subject is not None and any("\ud800" <= ch <= "\udfff" for ch in subject):
        raise UsageError("--subject: the text is not valid UTF-8",
                         hint="the terminal sent bytes in another encoding; set it to UTF-8")
    target = writable_target(path) if os.path.lexists(path) else Path(path)
    if not target.parent.is_dir():
        raise UsageError(f"{path}: the folder {target.parent} does not exist", code="RULES-E051",
                         hint="create the folder first, or pick another place")
    lines = [_header(target)]
    if subject:
        lines.append(f"subject: {_double_quoted(subject)}\n")
    lines.append(f"timezone: {timezone}\n")
    lines.append("events: []\n")
    with locked(target):
        atomic_write_text(target, "".join(lines))
    warning = abbreviation_warning(timezone)
    return [warning] if warning else []


def _double_quoted(text: str) -> str:
    """``text`` as a YAML double-quoted scalar that reads back identical:
    JSON's escapes, plus those of the characters YAML takes for line breaks
    or refuses (C1 controls, U+2028, U+2029, a byte-order mark)."""
    import json

    quoted = json.dumps(text, ensure_ascii=False)
    return "".join(f"\\u{ord(ch):04x}" if "\x7f" <= ch <= "\x9f" or ch in "\u2028\u2029\ufeff" else ch
                   for ch in quoted)


def writable_target(path: Path) -> Path:
    """The regular file that ``path`` names (through any symbolic links),
    if this user may change it; else a ``UsageError`` (nothing is written)."""
    path = Path(path)
    if not os.path.lexists(path):
        raise UsageError(f"{path}: no such file", code="RULES-E051",
                         hint="create a log with: rules log new FILE --timezone ZONE")
    target = Path(os.path.realpath(path))
    try:
        info = os.stat(target)
    except FileNotFoundError:
        raise UsageError(f"{path} is a link to {os.readlink(path)}, which does not exist",
                         code="RULES-E056", hint="point the link at the log, or name the log itself") from None
    except OSError as err:
        raise UsageError(f"{path}: {err.strerror or err}", code="RULES-E051") from None
    if stat.S_ISDIR(info.st_mode):
        raise UsageError(f"{path} is a folder, not a log file", code="RULES-E051")
    if not stat.S_ISREG(info.st_mode):
        raise UsageError(f"{path} is not a regular file", code="RULES-E056",
                         hint="a log is a YAML or JSON file; copy it to a file to change it")
    if info.st_nlink > 1:  # the rename would leave the other names with the old content
        raise UsageError(f"{path} has {info.st_nlink} hard links: changing it would split them",
                         code="RULES-E056", hint="keep the log in a file of its own (a symbolic link is fine)")
    # Root may write anything: the mode bits are what the owner asked for.
    if not info.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) or not os.access(target, os.W_OK):
        raise UsageError(f"{path} is read-only", code="RULES-E056",
                         hint=f"it was left as it is; 'chmod u+w {path}' if it is meant to change")
    return target


def log_warnings(data: Any, display: str) -> list[str]:
    """Warnings about a log as a whole: no ``timezone``, an abbreviation as zone."""
    if not isinstance(data, dict):
        return []
    zone = data.get("timezone")
    if zone is None:
        return [(f"{display} has no timezone: its times are read as UTC; add a line such as "
                 "'timezone: America/New_York' (your zone)")]
    warning = abbreviation_warning(zone) if isinstance(zone, str) else None
    return [f"{display}: {warning}"] if warning else []


@contextmanager
def _editing(path: Path, vocabulary: Vocabulary) -> Iterator[tuple[Path, Document, EventLog, EditableLog]]:
    """Resolve, lock and read the log at ``path``; yields the target file,
    its document, the log as read and the log opened for editing."""
    target = writable_target(path)
    with locked(target):
        doc = load_document(target, display=str(path))
        current = checked_log(doc, vocabulary)  # the existing log must be valid first
        yield target, doc, current, open_editable(doc.text, json_file=target.suffix.lower() == ".json")


def _read_back(editable: EditableLog, display: str, vocabulary: Vocabulary, what: str) -> Document:
    """The new text of ``editable`` read as ``rules explain`` will read it."""
    try:
        new_doc = parse_document(editable.text(), display, json_only=editable.is_json)
        checked_log(new_doc, vocabulary)
    except RulesError as err:
        raise UsageError(f"{what} is not valid: {err.message}", hint=err.hint, code=err.code) from None
    return new_doc


def _write_checked(target: Path, display: str, editable: EditableLog, vocabulary: Vocabulary,
                   index: int | None, expected: dict[str, Any] | None, what: str,
                   new_doc: Document | None = None) -> None:
    """Read the new text back as ``rules explain`` will, check the event at
    ``index`` holds exactly ``expected``, then replace the file."""
    if new_doc is None:
        new_doc = _read_back(editable, display, vocabulary, what)
    text = new_doc.text
    if _crlf(target):  # the text was read with its line endings folded: restore them
        text = text.replace("\r\n", "\n").replace("\n", "\r\n")
    if index is not None and expected is not None:
        stored = new_doc.data["events"][index]
        if stored != expected:
            raise UsageError(f"{what}: a value would not read back as given "
                             f"({_difference(expected, stored)}); the file was left as it is",
                             code="RULES-E024", hint="please report this as a bug")
    atomic_write_text(target, text)


def _crlf(path: Path) -> bool:
    """True if the file's first line ends with CR LF (Windows line endings)."""
    with open(path, "rb") as handle:
        return handle.readline(1 << 16).endswith(b"\r\n")


def _one_more(old: Any, new: Any, event: dict[str, Any]) -> bool:
    """True if log data ``new`` is ``old`` with ``event`` appended, and nothing else changed."""
    if not isinstance(new, dict) or new.keys() != old.keys():
        return False
    return all(new[key] == old[key] for key in old if key != "events") \
        and new["events"] == [*old["events"], event]


def _difference(expected: dict[str, Any], stored: Any) -> str:
    if not isinstance(stored, dict):
        return f"{stored!r}"
    for key in {*expected, *stored}:
        if expected.get(key) != stored.get(key):
            return f"{key}: {expected.get(key)!r} read back as {stored.get(key)!r}"
    return "?"


def _check_type(event_type: str | None, vocabulary: Vocabulary) -> str:
    types = sorted(vocabulary.event_types())
    if not event_type:
        raise UsageError("which event? TYPE is missing",
                         hint="event types: " + ", ".join(types) + " (rules log types describes them)")
    if "=" in event_type:
        raise UsageError(f"which event? TYPE is missing ({event_type!r} is a field)",
                         hint="the type comes before the fields, e.g. rules log add FILE follow_up_sent "
                              "channel=email; event types: " + ", ".join(types))
    if event_type not in vocabulary.event_type_specs:
        raise UsageError(f"unknown event type {event_type!r}", code="RULES-E023",
                         hint=suggest(event_type, types) or "event types: " + ", ".join(types))
    return event_type


def _event_time(at: str | None, current: EventLog, now: datetime) -> Recorded:
    if at is None:
        return now_recorded(now, current.tz, current.timezone)
    recorded = read_time(at, current.tz, current.timezone, now)
    if recorded.moment > now:
        future = (f"{shown(recorded.moment, current.tz)} is in the future: `rules explain` "
                  "ignores this event until then")
        recorded = Recorded(recorded.moment, recorded.text, recorded.date_only,
                            (*recorded.warnings, future))
    return recorded


def add_event(path: Path, event_type: str | None, at: str | None, pairs: Sequence[str],
              vocabulary: Vocabulary, *, now: datetime | None = None) -> Change:
    """Append an event to the log at ``path``."""
    event_type = _check_type(event_type, vocabulary)
    with _editing(path, vocabulary) as (target, doc, current, editable):
        now = now or datetime.now(current.tz)
        recorded = _event_time(at, current, now)
        fields, notes = parse_assignments(pairs, vocabulary.event_type_specs[event_type],
                                          tz=current.tz, zone_name=current.timezone, now=now)
        event = {"type": event_type, "at": recorded.text, **fields}
        what = f"the new {event_type} event"
        index = editable.append(event)
        new_doc = None
        if index < 0:  # appended as a last line: right only if it reads as one more event
            try:
                new_doc = _read_back(editable, str(path), vocabulary, what)
            except UsageError:
                new_doc = None
            if new_doc is None or not _one_more(doc.data, new_doc.data, event):
                index, new_doc = editable.append(event, quick=False), None
        _write_checked(target, str(path), editable, vocabulary, index if index >= 0 else len(current),
                       event, what, new_doc)
    return Change(target, event, recorded.moment, shown(recorded.moment, current.tz),
                  (*log_warnings(doc.data, str(path)), *recorded.warnings, *notes))


def find_event(log: EventLog, ref: str) -> Event:
    """The event ``ref`` names: its ``id``, else its number in ``rules log
    list`` (time order, from 1; ``#3`` is always a number), or ``last``."""
    by_id = [e for e in log.events if e.id == ref]
    if len(by_id) == 1 and not ref.startswith("#"):
        return by_id[0]
    if len(by_id) > 1:
        raise UsageError(f"{len(by_id)} events have id {ref!r}",
                         hint="name one by its number in 'rules log list'")
    if ref == "last" and log.events:
        return log.events[-1]
    number = ref.removeprefix("#")
    if number.isascii() and number.isdigit():
        n = int(number)
        if 1 <= n <= len(log.events):
            return log.events[n - 1]
        raise UsageError(f"there is no event {n}: the log has {len(log.events)}",
                         hint="'rules log list' numbers the events")
    ids = sorted({e.id for e in log.events if e.id})
    raise UsageError(f"no event has id {ref!r}",
                     hint=suggest(ref, ids) or "name an event by its number in 'rules log list'"
                     + (f" or by id ({', '.join(ids)})" if ids else ""))


def remove_event(path: Path, ref: str, vocabulary: Vocabulary) -> Change:
    """Remove the event ``ref`` (see :func:`find_event`) from the log at ``path``."""
    with _editing(path, vocabulary) as (target, doc, current, editable):
        event = find_event(current, ref)
        before = dict(doc.data["events"][event.index])
        editable.remove(event.index)
        _write_checked(target, str(path), editable, vocabulary, None, None, "the log without it")
    return Change(target, before, event.at, shown(event.at, current.tz),
                  tuple(log_warnings(doc.data, str(path))), before=before)


def edit_event(path: Path, ref: str, at: str | None, pairs: Sequence[str], unset: Sequence[str],
               vocabulary: Vocabulary, *, now: datetime | None = None) -> Change:
    """Change fields (and the time, with ``at``) of the event ``ref``."""
    if at is None and not pairs and not unset:
        raise UsageError("nothing to change", hint="give FIELD=VALUE, --at TIME or --unset FIELD")
    with _editing(path, vocabulary) as (target, doc, current, editable):
        now = now or datetime.now(current.tz)
        event = find_event(current, ref)
        spec = vocabulary.event_type_specs[event.type]
        before = dict(doc.data["events"][event.index])
        fields, notes = parse_assignments(pairs, spec, tz=current.tz, zone_name=current.timezone,
                                          now=now)
        for name in unset:
            if name in ("type", "at"):
                raise UsageError(f"'{name}' cannot be removed", hint="rules log rm removes the event")
            if name in fields:
                raise UsageError(f"field '{name}' is both set and unset")
            if name not in before:
                raise UsageError(f"this {event.type} event has no field '{name}' to remove",
                                 hint=suggest(name, [k for k in before if k not in ("type", "at")]))
        changes: dict[str, Any] = dict(fields)
        warnings = list(notes)
        moment = event.at
        if at is not None:
            recorded = _event_time(at, current, now)
            changes["at"] = recorded.text
            moment = recorded.moment
            warnings[:0] = recorded.warnings
        expected = {k: v for k, v in before.items() if k not in unset}
        expected.update(changes)
        editable.update(event.index, changes, tuple(unset))
        _write_checked(target, str(path), editable, vocabulary, event.index, expected,
                       f"the changed {event.type} event")
    return Change(target, expected, moment, shown(moment, current.tz),
                  (*log_warnings(doc.data, str(path)), *warnings), before=before)
