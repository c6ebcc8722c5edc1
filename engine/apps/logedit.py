"""Recording events without hand-editing YAML: ``rules log new|add|list``.

A new event is validated against the vocabulary (by loading the whole
resulting log exactly as ``rules explain`` would) before anything is written;
the file is then replaced atomically, so a crash or a bad value never loses or
corrupts an existing event. Comments and layout are kept by editing the file
with a round-trip YAML library (ruamel.yaml).
"""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path
from typing import Any, Sequence

from engine.base.files import atomic_write_text
from engine.errors import LogError, RulesError, UsageError
from engine.model.eventlog import EventLog, build_log
from engine.input.documents import load_document, parse_document
from engine.input.times import get_zone, parse_moment, zone_suggestion
from engine.input.schemas import validate_document
from engine.model.vocabulary import Vocabulary

__all__ = ["new_log", "add_event", "parse_assignments"]

def _header() -> str:
    # The installed schema, so that editors with the YAML language server
    # complete and check the new log on this machine.
    from engine.base.resources import schemas_dir
    return f"# yaml-language-server: $schema={(schemas_dir() / 'event-log.schema.json').as_uri()}\n"


def new_log(path: Path, timezone: str, subject: str | None = None, *, force: bool = False) -> None:
    """Create an empty log (refuses to overwrite unless ``force``)."""
    if path.exists() and not force:
        raise UsageError(f"{path} already exists", hint="pick another name, or pass --force to replace it")
    try:
        get_zone(timezone)
    except ValueError as err:
        raise UsageError(f"--timezone: {err}", hint=zone_suggestion(timezone)) from None
    import json
    lines = [_header()]
    if subject:
        lines.append(f"subject: {json.dumps(subject, ensure_ascii=False)}\n")
    lines.append(f"timezone: {timezone}\n")
    lines.append("events: []\n")
    atomic_write_text(path, "".join(lines))


def parse_assignments(pairs: Sequence[str]) -> dict[str, Any]:
    """``field=value`` pairs; values are read as YAML (``true``, ``[A, B]``, text)."""
    out: dict[str, Any] = {}
    for pair in pairs:
        name, sep, raw = pair.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"'{pair}' is not field=value", hint="e.g. channel=email or to=[Jane Roe, Sam Poe]")
        try:
            value = parse_document(raw, "<value>").data if raw.strip() else ""
        except RulesError:
            value = raw
        if isinstance(value, dict):
            value = raw  # "a: b" typed as text is text, not a mapping
        out[name.strip()] = value
    return out


def _as_written(value: Any) -> Any:
    """Quote text that the reader (YAML 1.1) would take for something else,
    such as ``yes`` or ``2026-11-20``; the writer (YAML 1.2) would not."""
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    if isinstance(value, str):
        try:
            read_back = parse_document(value, "<value>").data if value.strip() else value
        except RulesError:
            read_back = None
        return value if read_back == value else DoubleQuotedScalarString(value)
    if isinstance(value, list):
        return [_as_written(v) for v in value]
    return value


def _yaml() -> Any:
    from ruamel.yaml import YAML
    y = YAML(typ="rt")
    y.preserve_quotes = True
    y.width = 4096
    return y


def add_event(path: Path, event_type: str, at: str | None, fields: dict[str, Any],
              vocabulary: Vocabulary, *, now: datetime | None = None) -> dict[str, Any]:
    """Append an event to the log at ``path``; returns the event as written."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    doc = load_document(path)
    validate_document(doc, "event-log.schema.json", LogError, "RULES-E020")
    current = build_log(doc, vocabulary)  # the existing log must be valid first
    tz = current.tz
    if at is None:
        moment = (now or datetime.now(tz)).astimezone(tz).replace(second=0, microsecond=0)
    else:
        try:
            moment = parse_moment(at, tz)
        except ValueError as err:
            raise UsageError(f"--at: {err}") from None
    event: dict[str, Any] = {"type": event_type,
                             "at": moment.replace(tzinfo=None).isoformat(timespec="minutes")}
    for key, value in fields.items():
        if key in ("type", "at"):
            raise UsageError(f"'{key}' is set by the command, not as a field")
        event[key] = _as_written(value)
    from ruamel.yaml.util import load_yaml_guess_indent

    yaml = _yaml()
    _, indent, block_seq_indent = load_yaml_guess_indent(doc.text)
    # keep the file's own list style ("- x" or "  - x")
    yaml.indent(mapping=2, sequence=indent or 2, offset=block_seq_indent or 0)
    data = yaml.load(doc.text)
    if data.get("events") is None:
        data["events"] = CommentedSeq()
    events = data["events"]
    entry = CommentedMap(event)
    entry.fa.set_flow_style()
    if isinstance(events, CommentedSeq) and events.fa.flow_style():
        events.fa.set_block_style()  # `events: []` grows into a block list
    events.append(entry)
    buffer = io.StringIO()
    yaml.dump(data, buffer)
    text = buffer.getvalue()
    # Validate the result exactly as it will be read back, before writing.
    try:
        new_doc = parse_document(text, str(path))
        build_log(new_doc, vocabulary)
        validate_document(new_doc, "event-log.schema.json", LogError, "RULES-E020")
    except RulesError as err:
        raise UsageError(f"the new {event_type} event is not valid: {err.message}", hint=err.hint,
                         code=err.code) from None
    atomic_write_text(path, text)
    return event


def list_events(path: Path, vocabulary: Vocabulary) -> EventLog:
    from engine.model.eventlog import load_log
    return load_log(path, vocabulary)

