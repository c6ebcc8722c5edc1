"""A plan's ``do`` items as an iCalendar file (RFC 5545, via the ``icalendar``
library). UIDs are stable — derived from the log, the policy, the rule and
the period's number — so importing a re-export updates entries instead of
duplicating them."""

from __future__ import annotations

import hashlib

from engine.runtime.plan import Plan, PlanItem
from engine.render.common import params_text

__all__ = ["render_ics", "item_uid"]


def item_uid(plan: Plan, item: PlanItem) -> str:
    identity = "|".join([plan.subject or plan.log or "", item.policy, item.rule, str(item.occurrence)])
    return hashlib.sha256(identity.encode("utf-8")).hexdigest()[:32] + "@followup-rules"


def render_ics(plan: Plan) -> bytes:
    from icalendar import Calendar, Event  # imported here: only this export needs it

    cal = Calendar()
    cal.add("prodid", "-//followup-rules//plan//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"Follow-up plan: {plan.subject or plan.log or ''}".strip())
    for item in plan.items:
        if item.stance != "do":
            continue
        ev = Event()
        ev.add("uid", item_uid(plan, item))
        ev.add("dtstamp", plan.start)  # deterministic: the plan's moment, not the wall clock
        ev.add("dtstart", item.start)
        ev.add("dtend", item.stop or plan.end)
        params = f" ({params_text(item.params)})" if item.params else ""
        ev.add("summary", f"{item.label}{params} — {item.policy}")
        lines = [item.summary, "",
                 f"Source: {item.policy}@{item.version}, rule {item.rule}",
                 f"Cite: “{item.quote}” — section “{item.section}”"]
        if item.disagrees_with:
            lines.append("Disagrees with: " + ", ".join(item.disagrees_with))
        ev.add("description", "\n".join(lines))
        ev.add("categories", [item.action])
        cal.add_component(ev)
    if hasattr(cal, "add_missing_timezones"):  # VTIMEZONE for every TZID used (RFC 5545)
        cal.add_missing_timezones()
    ical: bytes = cal.to_ical()
    return ical
