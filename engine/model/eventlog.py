"""The event log: loading (YAML, JSON, JSON Lines), validation against the
vocabulary's event types, and time-ordered, per-type access as of a moment.

Every problem is a :class:`LogError` with ``file:line:col``.
"""

from __future__ import annotations

from bisect import bisect_right
from operator import attrgetter
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

from engine.base.suggestions import suggest
from engine.errors import InputError, LogError
from engine.input.documents import Document, Positions, load_document, parse_document
from engine.input.times import pinned, get_zone, parse_moment, zone_suggestion
from engine.input.schemas import validate_document
from engine.model.vocabulary import FieldSpec, Vocabulary, default_vocabulary

__all__ = ["Event", "EventLog", "LogView", "load_log", "build_log", "checked_log", "parse_log",
           "iter_jsonl_logs",
           "MAX_EVENTS"]

_COMMON = ("id", "note")

#: The most events one log may hold (raise it through ``max_events``).
MAX_EVENTS = 1_000_000


@dataclass(frozen=True, slots=True, eq=False)
class Event:
    """One event: its type, its moment (aware, in the log's zone), its fields."""

    type: str
    at: datetime
    fields: Mapping[str, Any] = field(default_factory=dict)
    id: str | None = None
    note: str | None = None
    index: int = 0          # position in the input (stable sort key, citations)
    line: int | None = None  # line in the input file, when loaded from one

    def field(self, name: str) -> Any:
        if name == "at":
            return self.at
        if name == "type":
            return self.type
        if name == "id":
            return self.id
        if name == "note":
            return self.note
        return self.fields.get(name)

    def label(self) -> str:
        """A short human reference, e.g. ``follow_up_sent #3 (line 12)``."""
        where = f"line {self.line}" if self.line else f"event {self.index + 1}"
        return f"{self.type} {self.id or ''}".rstrip() + f" ({where})"


class _ByType(dict[str, Any]):
    """Event type → the log's events of that type up to a cutoff (a tuple, in
    time order), filled on first use. Without a cutoff (every event is at or
    before the moment — the usual case) one index serves every view of the
    log, and a type costs a dictionary lookup."""

    __slots__ = ("by_type", "cutoff")

    def __init__(self, by_type: Mapping[str, tuple[tuple[Event, ...], list[datetime]]],
                 cutoff: datetime | None) -> None:
        super().__init__()
        self.by_type = by_type  # the log's (events, times) by type (not the log: no cycle)
        # With the offset of the moment pinned (as event times are), the
        # comparisons of the bisection are those of two datetimes with the
        # same tzinfo, by far the cheapest kind.
        self.cutoff = pinned(cutoff) if cutoff is not None and cutoff.utcoffset() is not None \
            else cutoff

    def __missing__(self, event_type: str) -> tuple[Event, ...]:
        events, times = self.by_type.get(event_type, ((), []))
        if self.cutoff is not None:
            events = events[: bisect_right(times, self.cutoff)]
        self[event_type] = events  # the log is immutable: this never changes
        return events


class LogView:
    """The log as known at one moment: events at or before it, by type.

    ``events_of(type)`` gives the events of a type as of the moment, in time
    order (a tuple)."""

    __slots__ = ("log", "cutoff", "_cache", "_count", "events_of")

    def __init__(self, log: "EventLog", cutoff: datetime) -> None:
        self.log = log
        self.cutoff = cutoff
        times = log._times
        if not times or times[-1] <= cutoff:  # the whole log: no bisection
            self._count = len(times)
            self._cache: dict[str, tuple[Event, ...]] = log._whole
        else:
            index = _ByType(log._by_type, cutoff)
            self._cache = index
            self._count = bisect_right(times, index.cutoff if index.cutoff is not None else cutoff)
        # a C-level bound method: a call costs one dictionary lookup
        self.events_of: Callable[[str], tuple[Event, ...]] = self._cache.__getitem__

    @property
    def events(self) -> tuple[Event, ...]:
        return self.log.events[: self._count]

    def __len__(self) -> int:
        """How many of the log's events are at or before the moment."""
        return self._count


_TIME_ORDER = attrgetter("at", "index")  # stable: input order within one moment


class EventLog:
    """A candidate's events, sorted stably by time. Immutable."""

    def __init__(self, events: list[Event] | tuple[Event, ...], timezone: str = "UTC",
                 subject: str | None = None, source: str | None = None) -> None:
        self.timezone = timezone
        self.tz = get_zone(timezone)
        self.subject = subject
        self.source = source
        ordered = sorted(events, key=_TIME_ORDER)
        self.events: tuple[Event, ...] = tuple(ordered)
        self._times = [e.at for e in self.events]
        by_type: dict[str, list[Event]] = {}
        for e in self.events:
            by_type.setdefault(e.type, []).append(e)
        self._by_type = {t: (tuple(es), [e.at for e in es]) for t, es in by_type.items()}
        self._whole = _ByType(self._by_type, None)  # events of each type, for views of the whole log

    def as_of(self, moment: datetime) -> LogView:
        return LogView(self, moment)

    def __len__(self) -> int:
        return len(self.events)

    def __repr__(self) -> str:
        return f"<EventLog {self.subject or self.source or ''} {len(self.events)} events>"

    def __reduce__(self) -> tuple[Any, ...]:
        return (EventLog, (self.events, self.timezone, self.subject, self.source))

    @classmethod
    def from_dict(cls, data: Any, vocabulary: Vocabulary | None = None, *,
                  source: str | None = None, max_events: int = MAX_EVENTS) -> "EventLog":
        """Build a log from plain data (as parsed from YAML/JSON); more than
        ``max_events`` events is a ``LogError`` (RULES-E013)."""
        doc = Document(data, _NoPositions(), source or "<log>", "")
        return build_log(doc, vocabulary, max_events)


class _NoPositions(Positions):
    """Positions for data that came from no file: none."""

    def of(self, path: tuple[Any, ...], *, key: bool = False) -> tuple[int | None, int | None]:
        return (None, None)

    def line(self, path: tuple[Any, ...]) -> int | None:
        return None


def build_log(doc: Document, vocabulary: Vocabulary | None, max_events: int = MAX_EVENTS) -> EventLog:
    vocab = vocabulary or default_vocabulary()
    data = doc.data
    if not isinstance(data, dict):
        raise LogError("an event log must be a mapping with 'events'", **doc.where(()),
                       hint="see examples/ for the shape of a log")
    for key in data:
        if key not in ("subject", "timezone", "events"):
            raise LogError(f"unknown key '{key}' in the log", code="RULES-E020",
                           hint=suggest(str(key), ["subject", "timezone", "events"]) or
                           "a log has subject, timezone and events", **doc.where((key,), key=True))
    zone_name = data.get("timezone", "UTC")
    try:
        tz = get_zone(zone_name)
    except ValueError as err:
        raise LogError(str(err), code="RULES-E021", hint=zone_suggestion(zone_name),
                       **doc.where(("timezone",))) from None
    events_raw = data.get("events")
    if not isinstance(events_raw, list):
        raise LogError("'events' must be a list of events", **doc.where(("events",)))
    if len(events_raw) > max_events:
        raise LogError(f"{len(events_raw)} events; the limit is {max_events}", code="RULES-E013",
                       hint="split the log, or raise max_events",
                       **doc.where(("events", max_events)))
    subject = data.get("subject")
    if subject is not None and not isinstance(subject, str):
        raise LogError("'subject' must be text", **doc.where(("subject",)))
    line_of = doc.positions.line if doc.text else None  # (a line of JSON Lines: no search)
    events = [_event(doc, i, raw, vocab, tz, line_of) for i, raw in enumerate(events_raw)]
    return EventLog(events, zone_name, subject, doc.file)


def _event(doc: Document, i: int, raw: Any, vocab: Vocabulary, tz: tzinfo,
           line_of: Callable[[tuple[Any, ...]], int | None] | None) -> Event:
    path = ("events", i)
    if not isinstance(raw, dict):
        raise LogError("an event must be a mapping with 'type' and 'at'", **doc.where(path))
    etype = raw.get("type")
    if "type" not in raw:
        raise LogError("event has no 'type'", **doc.where(path), hint="e.g. type: interview")
    spec = vocab.event_type_specs.get(etype) if isinstance(etype, str) else None
    if spec is None or not isinstance(etype, str):
        raise LogError(f"unknown event type {etype!r}", code="RULES-E023",
                       hint=suggest(str(etype), vocab.event_types()) or
                       "known types: " + ", ".join(sorted(vocab.event_types())),
                       **doc.where(path + ("type",)))
    if "at" not in raw:
        raise LogError(f"{etype} event has no 'at' time", code="RULES-E022",
                       **doc.where(path), hint="e.g. at: 2026-11-16T10:00")
    try:
        at = parse_moment(raw["at"], tz)
    except ValueError as err:
        raise LogError(str(err), code="RULES-E022", **doc.where(path + ("at",))) from None
    fields: dict[str, Any] = {}
    for key, value in raw.items():
        if key in ("type", "at"):
            continue
        if key in _COMMON:
            if not isinstance(value, str):
                raise LogError(f"'{key}' must be text", code="RULES-E024", **doc.where(path + (key,)))
            continue
        fspec = spec.fields.get(key)
        if fspec is None:
            known = [*spec.fields, *_COMMON]
            raise LogError(f"{etype} events have no field '{key}'", code="RULES-E024",
                           hint=suggest(str(key), known) or
                           (f"fields: {', '.join(known)}" if spec.fields else "this event type has no fields"),
                           **doc.where(path + (key,), key=True))
        fields[key] = _field_value(doc, path + (key,), etype, fspec, value, tz)
    for fspec in spec.fields.values():
        if fspec.name not in fields:
            if fspec.required:
                raise LogError(f"{etype} event needs '{fspec.name}' ({fspec.doc})", code="RULES-E024",
                               **doc.where(path))
            fields[fspec.name] = fspec.default
    return Event(etype, at, fields, raw.get("id"), raw.get("note"), i,
                 line_of(path) if line_of is not None else None)


def _field_value(doc: Document, path: tuple[Any, ...], etype: str, spec: FieldSpec, value: Any, tz: tzinfo) -> Any:
    """``value`` of field ``spec`` as the event keeps it, or a LogError at ``path``."""
    kind = spec.type.name
    if value is None:
        if spec.required:
            raise _field_error(doc, path, etype, spec, f"needs a value ({spec.doc})")
        return None
    if kind == "list":
        if isinstance(value, str) and spec.single_to_list:
            return (value,) if spec.min_items <= 1 else _field_value(doc, path, etype, spec, [value], tz)
        if isinstance(value, list):
            for item in value:  # (a loop: quicker than all() over a generator)
                if not isinstance(item, str):
                    break
            else:
                if len(value) < spec.min_items:
                    raise _field_error(doc, path, etype, spec, f"needs at least {spec.min_items} item(s)")
                return tuple(value)
        raise _field_error(doc, path, etype, spec, f"expected a list of names, got {value!r}",
                           "e.g. [Jane Roe, Sam Poe]")
    if kind == "bool":
        if not isinstance(value, bool):
            raise _field_error(doc, path, etype, spec, f"expected true or false, got {value!r}")
        return value
    if kind in ("int", "number"):
        if isinstance(value, bool) or not isinstance(value, (int, float)) \
                or (kind == "int" and isinstance(value, float)):
            raise _field_error(doc, path, etype, spec,
                               f"expected {'an integer' if kind == 'int' else 'a number'}, got {value!r}")
        if spec.minimum is not None and value < spec.minimum:
            raise _field_error(doc, path, etype, spec, f"must be at least {spec.minimum}, got {value!r}")
        return value
    if kind in ("datetime", "date"):
        try:
            return parse_moment(value, tz)
        except ValueError as err:
            raise LogError(f"{etype}.{spec.name}: {err}", code="RULES-E022", **doc.where(path)) from None
    if not isinstance(value, str):
        raise _field_error(doc, path, etype, spec, f"expected text, got {value!r}")
    if spec.values is not None and value not in spec.values:
        raise _field_error(doc, path, etype, spec, f"{value!r} is not one of {', '.join(spec.values)}",
                           suggest(value, spec.values))
    return value


def _field_error(doc: Document, path: tuple[Any, ...], etype: str, spec: FieldSpec, message: str,
                 hint: str | None = None) -> LogError:
    return LogError(f"{etype}.{spec.name}: {message}",
                    code="RULES-E024" if "time" not in message else "RULES-E022", hint=hint,
                    **doc.where(path))


def load_log(path: str | Path, vocabulary: Vocabulary | None = None, *,
             max_events: int = MAX_EVENTS) -> EventLog:
    """Load an event log from a YAML or JSON file; more than ``max_events``
    events is a ``LogError`` (RULES-E013) at the first event over the limit."""
    doc = load_document(path)
    return _checked(doc, vocabulary, max_events)


def checked_log(doc: Document, vocabulary: Vocabulary | None = None, *,
                max_events: int = MAX_EVENTS) -> EventLog:
    """The log held by ``doc`` (a parsed YAML or JSON document), checked as
    :func:`load_log` checks it (vocabulary, then the schema)."""
    return _checked(doc, vocabulary, max_events)


def parse_log(text: str, name: str = "<log>", vocabulary: Vocabulary | None = None, *,
              max_events: int = MAX_EVENTS, json_only: bool = False) -> EventLog:
    """An event log from YAML (or, with ``json_only``, JSON) text that came
    from no file (an HTTP body, a form): errors point at ``name:line:col``."""
    return _checked(parse_document(text, name, json_only=json_only), vocabulary, max_events)


def _checked(doc: Document, vocabulary: Vocabulary | None, max_events: int = MAX_EVENTS) -> EventLog:
    # The log's own checks come first: they know the vocabulary and suggest
    # names; the schema (written for editors) is a backstop.
    log = build_log(doc, vocabulary, max_events)
    if not _plainly_valid(doc.data):
        validate_document(doc, "event-log.schema.json", LogError, "RULES-E020")
    return log


# What schemas/event-log.schema.json requires, without its words (title,
# descriptions): :func:`_plainly_valid` checks exactly this, in a few
# microseconds instead of the validator's milliseconds per log.
_LOG_SCHEMA_RULES = {
    "type": "object", "required": ["events"], "additionalProperties": False,
    "properties": {
        "subject": {"type": "string"},
        "timezone": {"type": "string"},
        "events": {"type": "array", "items": {
            "type": "object", "required": ["type", "at"],
            "properties": {"type": {"type": "string"}, "at": {"type": "string"},
                           "id": {"type": "string"}, "note": {"type": "string"}}}},
    },
}


def _rules_of(schema: Any) -> Any:
    """A schema without the keys that only document it."""
    if isinstance(schema, dict):
        return {k: _rules_of(v) for k, v in schema.items()
                if k not in ("title", "description", "$id", "$schema", "$comment")}
    if isinstance(schema, list):
        return [_rules_of(v) for v in schema]
    return schema


_schema_known: list[bool] = []  # [whether the schema file is the one described above]


def _plainly_valid(data: Any) -> bool:
    """True if ``data`` certainly satisfies the event-log schema (then the
    validator, which would find nothing, need not run). False when in doubt —
    a value the schema refuses, or a schema file that says something else
    than :data:`_LOG_SCHEMA_RULES` — and the validator decides."""
    if not _schema_known:
        from engine.base.resources import load_schema
        from engine.input.schemas import structural  # the editors' generated parts aside
        _schema_known.append(_rules_of(structural(load_schema("event-log.schema.json")))
                             == _LOG_SCHEMA_RULES)
    if not _schema_known[0] or type(data) is not dict or "events" not in data:
        return False
    for key, value in data.items():
        if key == "events":
            if type(value) is not list:
                return False
        elif key not in ("subject", "timezone") or type(value) is not str:
            return False
    for event in data["events"]:
        if type(event) is not dict or type(event.get("type")) is not str \
                or type(event.get("at")) is not str:
            return False
        for key in ("id", "note"):
            if key in event and type(event[key]) is not str:
                return False
    return True


def iter_jsonl_logs(path: str | Path, vocabulary: Vocabulary | None = None, *,
                    max_events: int = MAX_EVENTS
                    ) -> Iterator[tuple[int, EventLog | LogError | InputError]]:
    """Yield ``(line number, log or error)`` for each line of a JSON Lines file,
    streaming (one line in memory at a time)."""
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            yield number, parse_jsonl_line(line, str(path), vocabulary, number, max_events=max_events)


def parse_jsonl_line(line: str, name: str, vocabulary: Vocabulary | None = None,
                     number: int = 1, *, max_events: int = MAX_EVENTS
                     ) -> EventLog | LogError | InputError:
    """Line ``number`` of JSON Lines file ``name`` as a log (its source is
    ``name:number``), or the error it gives, at ``name:number:column``."""
    try:
        return _checked(parse_document(line, f"{name}:{number}", json_only=True), vocabulary,
                        max_events)
    except (LogError, InputError) as err:
        return err.at(file=name, line=number)
