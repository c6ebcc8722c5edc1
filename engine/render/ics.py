"""A plan as an iCalendar file (RFC 5545, via the ``icalendar`` library)
that behaves like a calendar: one event per action at the moment its advice
starts — all day when the advice starts with a day (``days_since`` & co.),
a short event at the hour otherwise — with every source that recommends it
in the description and a reminder (VALARM). Standing advice (already applying
at the start) is left out; ``include_waits`` adds each "not before" period
as an all-day span ending on the day the action is allowed.

UIDs come from the log, the action, the set of sources and the start (the
end, for a wait), never from a position in a list: a later re-export updates
the same entries, and an inserted occurrence renumbers nothing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from engine.render.common import params_text
from engine.render.dates import full_text, is_date
from engine.runtime.plan import Plan, PlanItem

__all__ = ["CalendarEntry", "calendar_entries", "render_ics", "SHORT_EVENT"]

SHORT_EVENT = timedelta(minutes=30)
_ALL_DAY_REMINDER = timedelta(hours=9)   # 09:00 on the day of an all-day event


@dataclass(frozen=True, slots=True)
class CalendarEntry:
    """One calendar event: ``start`` is a date (all day) or a datetime."""

    kind: str                      # "start" (advice starts) or "wait" (not before ``end``)
    action: str
    label: str
    start: date | datetime
    end: date | datetime
    items: tuple[PlanItem, ...]

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(sorted({i.policy for i in self.items}))

    def uid(self, plan: Plan) -> str:
        anchor = self.end if self.kind == "wait" else self.start
        identity = "|".join([plan.subject or plan.log or "", self.kind, self.action, ",".join(self.sources),
                             anchor.isoformat()])
        return hashlib.sha256(identity.encode("utf-8")).hexdigest()[:32] + "@followup-rules"


def _clusters(items: list[PlanItem]) -> list[list[PlanItem]]:
    """Items of one action grouped into runs that overlap or touch."""
    runs: list[list[PlanItem]] = []
    end: datetime | None = None
    for item in sorted(items, key=lambda i: (i.start, i.policy, i.rule)):
        if runs and (end is None or item.start <= end):
            runs[-1].append(item)
            end = None if end is None or item.stop is None else max(end, item.stop)
        else:
            runs.append([item])
            end = item.stop
    return runs


def calendar_entries(plan: Plan, *, include_waits: bool = False) -> list[CalendarEntry]:
    """The events of the plan's calendar, by start."""
    starting: dict[str, list[PlanItem]] = {}
    for item in plan.items:
        if item.stance in ("do", "may") and not item.applies_at_start:
            starting.setdefault(item.action, []).append(item)
    entries = []
    for action, items in starting.items():
        for run in _clusters(items):
            first = min(i.start for i in run)
            start: date | datetime
            end: date | datetime
            if is_date(first):  # advice that starts with a day: an all-day event
                start, end = first.date(), first.date() + timedelta(days=1)
            else:
                start, end = first, first + SHORT_EVENT
            entries.append(CalendarEntry("start", action, run[0].label, start, end, tuple(run)))
    if include_waits:
        for item in plan.items:
            if item.stance == "avoid" and item.applies_at_start and item.stop is not None:
                stop = item.stop.date() if is_date(item.stop) else item.stop.date() + timedelta(days=1)
                begin = plan.start.date()
                if stop > begin:
                    entries.append(CalendarEntry("wait", item.action, item.label, begin, stop, (item,)))
        entries = _merge_waits(entries)
    return sorted(entries, key=lambda e: (_as_datetime(e.start, plan), e.kind, e.action))


def _merge_waits(entries: list[CalendarEntry]) -> list[CalendarEntry]:
    """One wait per action and end day, with every source that asks for it."""
    merged: dict[tuple[str, Any], CalendarEntry] = {}
    rest = []
    for e in entries:
        if e.kind != "wait":
            rest.append(e)
            continue
        key = (e.action, e.end)
        old = merged.get(key)
        merged[key] = e if old is None else CalendarEntry("wait", e.action, e.label, e.start, e.end,
                                                          old.items + e.items)
    return rest + list(merged.values())


def _as_datetime(value: date | datetime, plan: Plan) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime.combine(value, datetime.min.time(), tzinfo=plan.start.tzinfo)


def _description(entry: CalendarEntry) -> str:
    lines = []
    if entry.kind == "wait":
        lines.append(f"Not before {entry.end.strftime('%a %d %b %Y')}: {entry.label.lower()}.")
    for item in sorted(entry.items, key=lambda i: (i.policy, i.start, i.rule)):
        params = f" ({params_text(item.params)})" if item.params else ""
        window = f"from {full_text(item.start)}" + (f" until {full_text(item.stop)}" if item.stop else "")
        if entry.kind == "wait":
            window = f"until {full_text(item.stop)}" if item.stop else ""
        lines += ["", f"{item.policy}@{item.version} · {item.rule}: {item.stance}{params}, {window}",
                  item.summary, f"“{item.quote}” — section “{item.section}”"]
        if item.disagrees_with:
            lines.append("Disagrees with: " + ", ".join(item.disagrees_with))
    return "\n".join(lines).strip()


def _summary(entry: CalendarEntry) -> str:
    if entry.kind == "wait":
        return f"Wait: don't {entry.label[:1].lower()}{entry.label[1:]} yet — {', '.join(entry.sources)}"
    values = sorted({params_text(i.params) for i in entry.items} - {""})
    params = f" ({'; '.join(values)})" if len(values) == 1 else ""
    return f"{entry.label}{params} — {', '.join(entry.sources)}"


def render_ics(plan: Plan, *, include_waits: bool = False) -> bytes:
    from icalendar import Alarm, Calendar, Event  # imported here: only this export needs it

    cal = Calendar()
    cal.add("prodid", "-//followup-rules//plan//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", f"Follow-up plan: {plan.subject or plan.log or ''}".strip())
    cal.add("x-wr-timezone", plan.timezone)
    for entry in calendar_entries(plan, include_waits=include_waits):
        ev = Event()
        ev.add("uid", entry.uid(plan))
        ev.add("dtstamp", plan.start)  # deterministic: the plan's moment, not the wall clock
        ev.add("dtstart", entry.start)
        ev.add("dtend", entry.end)
        ev.add("summary", _summary(entry))
        ev.add("description", _description(entry))
        ev.add("categories", [entry.action])
        ev.add("transp", "TRANSPARENT")  # advice does not make you busy
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", _summary(entry))
        if entry.kind == "wait":
            alarm.add("trigger", _ALL_DAY_REMINDER, parameters={"RELATED": "END"})
        elif isinstance(entry.start, datetime):
            alarm.add("trigger", timedelta(0))
        else:
            alarm.add("trigger", _ALL_DAY_REMINDER)
        ev.add_component(alarm)
        cal.add_component(ev)
    if hasattr(cal, "add_missing_timezones"):  # VTIMEZONE for every TZID used (RFC 5545)
        cal.add_missing_timezones()
    data: bytes = cal.to_ical()
    return data
