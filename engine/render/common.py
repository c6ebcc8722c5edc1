"""Shared wording for the formatters: the situation line, conflicts in words,
parameters, relative days."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Mapping

from engine.input.times import get_zone
from engine.runtime.report import AdviceGroup, Conflict, Consensus, Recommendation, Report

__all__ = ["when_text", "params_text", "conflict_title", "side_text", "window_text", "consensus_text",
           "consensus_of", "situation_items", "moment", "report_now", "split_advice", "grade_text",
           "STANCE_MARKS"]

#: The mark before a recommendation in text views: do, avoid, may (an option).
STANCE_MARKS = {"do": "✓", "avoid": "✗", "may": "○"}


def grade_text(grade: str | None) -> str:
    """`` [strong]`` / `` [weak]`` after a quote: how firmly the article words it."""
    return f" [{grade}]" if grade else ""


def moment(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


def report_now(report: Report) -> datetime:
    """The report's moment in the log's time zone. Times shown relative to it
    are converted to that zone, so each gets the UTC offset of its own
    instant (not the offset of the report's moment: across a daylight-saving
    change those differ by an hour)."""
    try:
        zone = get_zone(report.timezone)
    except ValueError:  # a report built by hand with a zone this machine lacks
        return moment(report.at)
    return moment(report.at).astimezone(zone)


def when_text(iso: str, now: datetime | None = None, *, dates: bool = True) -> str:
    """``Tue 17 Nov 2026 10:00`` plus how far from ``now`` in days, in the
    zone of ``now`` (see :func:`report_now`). With ``dates``, a time of
    exactly 00:00 local is shown as the date alone (``Fri 20 Nov 2026``):
    a date without a time (``by: 2026-11-20``) is kept as that day's 00:00,
    and "Fri 20 Nov 2026 00:00" reads like Thursday night."""
    t = moment(iso)
    if now is not None:
        t = t.astimezone(now.tzinfo)
    midnight = (t.hour, t.minute, t.second, t.microsecond) == (0, 0, 0, 0)
    text = t.strftime("%a %d %b %Y" if dates and midnight else "%a %d %b %Y %H:%M")
    if now is not None:
        days = (now.date() - t.date()).days
        if days > 0:
            text += f" ({days} day{'s' if days != 1 else ''} ago)"
        elif days < 0:
            text += f" (in {-days} day{'s' if days != -1 else ''})"
        else:
            text += " (today)"
    return text


def params_text(params: Mapping[str, Any]) -> str:
    parts = []
    for k, v in sorted(params.items()):
        parts.append(f"{k}: {' or '.join(v) if isinstance(v, (list, tuple)) else v}")
    return ", ".join(parts)


def conflict_title(c: Conflict, labels: Mapping[str, str]) -> str:
    """One line saying what the sources disagree about (docs/disagreements.md)."""
    names = list(c.labels) if c.labels else [labels.get(x, x) for x in c.actions]
    if c.kind == "opposed":
        # the advising side may be a permission ("you may"), not a recommendation
        stances = {r.stance for side in c.sides for r in side if r.stance != "avoid"}
        say = "do" if stances == {"do"} else "you may" if stances == {"may"} else "do or may"
        if len(names) > 1:  # avoid a more general action than the one advised
            return f"{names[0]}: some sources say {say}, others avoid every “{names[1]}”"
        return f"{names[0]}: some sources say {say}, others say avoid"
    if c.kind == "exclusive":
        return f"“{names[0]}” vs “{names[1]}”: sources advise both, and they exclude each other"
    if c.kind == "timing":
        return f"{names[0]}: sources agree to do it but not when"
    return f"{names[0]}: sources agree to do it but no single {c.param} satisfies all of them"


def window_text(start: str, until: str | None) -> str:
    """``from Sat 31 Oct 2026 11:00 until Sun 01 Nov 2026 09:00`` (or ``… on``)."""
    if until is None:
        return f"from {when_text(start)} on"
    return f"from {when_text(start)} until {when_text(until)}"


def side_text(c: Conflict, side: tuple[Recommendation, ...]) -> str:
    """One side of a conflict: each rule with its stance, parameters and
    (timing) window."""
    parts = []
    for r in side:
        shown = f" ({params_text(r.params)})" if r.params else ""
        parts.append(f"{r.stance}{shown}: {r.policy} ({r.rule})")
    text = "; ".join(parts)
    if c.kind == "timing" and c.windows:
        start, until = c.windows[c.sides.index(side)]
        return f"{window_text(start, until)}: {text}"
    return text


def consensus_text(c: Consensus, now: datetime | None = None) -> str:
    """Where every source stands on one action, in one line: ``for: a, b ·
    against: c · later: d (from Tue 03 Nov 2026 00:00) · silent: e``, and the
    values that satisfy every source for it."""
    parts = []
    for word, names in (("for", c.pro), ("optional", c.optional), ("against", c.against)):
        if names:
            parts.append(f"{word}: {', '.join(names)}")
    if c.later:
        first: dict[str, str] = {}
        for policy, _, at in sorted(c.later, key=lambda x: (x[2], x[0])):
            first.setdefault(policy, at)
        parts.append("later: " + ", ".join(f"{p} (from {when_text(at, now)})" for p, at in first.items()))
    if c.silent:
        parts.append(f"silent: {', '.join(c.silent)}")
    for param, values in sorted(c.satisfied_by.items()):
        if values and len(c.pro) > 1:
            parts.append(f"{param} {' or '.join(values)} satisfies all of them")
    return " · ".join(parts)


def consensus_of(report: Report) -> dict[str, Consensus]:
    """The report's consensus by action."""
    return {c.action: c for c in report.consensus}


_FACT_WORDS = {
    "interview": "Interview", "interviewers": "Interviewers", "thank_you_sent": "Thank-you sent",
    "deadline": "Their date", "contacts_since_interview": "Follow-ups since the interview",
    "last_contact": "Last follow-up", "last_reply": "Last reply", "last_reply_tone": "Tone of last reply",
    "check_in_invited_after": "Invited to check in after", "outcome": "Outcome",
    "interview_round": "Interview round", "round_deadline": "Their date",
    "round_check_in_after": "Invited to check in after", "next_interview": "Next interview",
}


def situation_items(report: Report) -> list[tuple[str, str]]:
    """(label, value) pairs describing the situation, datetimes relative to now."""
    now = report_now(report)
    items = []
    for name, value in report.situation.items():
        label = _FACT_WORDS.get(name, name.replace("_", " ").capitalize())
        if value is None:
            text = "—"
        elif isinstance(value, bool):
            text = "yes" if value else "no"
        elif isinstance(value, str) and len(value) >= 19 and value[4] == "-" and "T" in value:
            text = when_text(value, now)
        else:
            text = str(value)
        items.append((label, text))
    return items


def split_advice(report: Report) -> tuple[list[AdviceGroup], list[AdviceGroup]]:
    """Advice groups with at least one ``do`` or ``may``, and with only ``avoid``."""
    do: list[AdviceGroup] = []
    avoid: list[AdviceGroup] = []
    for group in report.advice:
        (do if any(r.stance != "avoid" for r in group.recommendations) else avoid).append(group)
    return do, avoid
