"""Applications in and out of the web app: as the YAML event log the CLI
uses (export and import, so that `rules explain` gives the same advice), and
as iCalendar files of the do-items of one application or all of them."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any, Iterable

from engine.errors import LogError, RulesError
from engine.model.eventlog import EventLog, parse_log
from engine.model.policies import PolicySet
from engine.model.vocabulary import Vocabulary
from engine.serve.store import Application

__all__ = ["log_yaml", "read_import", "calendar_of"]


def log_yaml(data: dict[str, Any]) -> str:
    """The log as YAML, one event per line (flow mappings in JSON syntax,
    which YAML reads exactly: no value changes type on the way back)."""
    lines = ["# An event log exported by `rules serve`; try: rules explain THIS-FILE",
             f"subject: {json.dumps(data.get('subject') or '', ensure_ascii=False)}",
             f"timezone: {json.dumps(data.get('timezone') or 'UTC')}"]
    events = data.get("events") or []
    if not events:
        lines.append("events: []")
    else:
        lines.append("events:")
        lines += [f"  - {json.dumps(e, ensure_ascii=False)}" for e in events]
    return "\n".join(lines) + "\n"


def _plain(value: Any) -> Any:
    """Data as JSON keeps it (dates as ISO text)."""
    if isinstance(value, datetime):
        return value.isoformat(timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def read_import(text: str, vocabulary: Vocabulary, max_events: int) -> tuple[str, str, list[dict[str, Any]]]:
    """(subject, timezone, events) of a YAML or JSON log, checked by the
    engine exactly as ``rules explain`` would; errors point at its lines."""
    if not text.strip():
        raise LogError("the log is empty", file="<import>",
                       hint="paste a log (subject, timezone, events) or choose its file")
    log = parse_log(text, "<import>", vocabulary, max_events=max_events)
    from engine.input.documents import parse_document
    data = parse_document(text, "<import>").data
    events = [_plain(e) for e in data.get("events") or []]
    return (log.subject or "Imported application", log.timezone, events)


def calendar_of(apps: Iterable[Application], policies: PolicySet, now: datetime,
                max_events: int, days: int = 60) -> bytes:
    """One calendar with the do-items of each application's plan."""
    from icalendar import Calendar

    from engine.render.ics import render_ics
    from engine.runtime.plan import build_plan

    merged = Calendar()
    merged.add("prodid", "-//followup-rules//serve//EN")
    merged.add("version", "2.0")
    merged.add("x-wr-calname", "Follow-up plan")
    zones: set[str] = set()
    for app in apps:
        try:
            log = EventLog.from_dict(app.log_data(), policies.vocabulary, source=app.subject,
                                     max_events=max_events)
        except RulesError:
            continue  # an application whose log is broken has no plan to export
        plan = build_plan(policies, log, now.astimezone(log.tz), days)
        for component in Calendar.from_ical(render_ics(plan)).subcomponents:
            if component.name == "VTIMEZONE":
                tzid = str(component.get("tzid"))
                if tzid in zones:
                    continue
                zones.add(tzid)
            merged.add_component(component)
    return bytes(merged.to_ical())
