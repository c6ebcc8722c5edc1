"""The fact library: named functions for facts that the condition language
cannot express (they need a conditional or set logic). A vocabulary names them
with ``function:``; an embedding app may pass its own.

Each takes the fact context (``ctx[name]`` reads another fact, lazily and once;
``ctx.events_of(type)`` the events of a type as of the moment) and records the
events it used with ``ctx.touch`` so that explanations can cite them.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache
from operator import attrgetter
from typing import Any, Callable, Mapping, Sequence

from engine.language.context import EvaluationContext

__all__ = ["FactFunction", "FACT_FUNCTIONS"]


@dataclass(frozen=True, slots=True)
class FactFunction:
    """A Python fact: its implementation and the facts it reads (for cycle checks)."""

    fn: Callable[[Any], Any]
    uses: tuple[str, ...] = ()


def now(ctx: EvaluationContext) -> Any:
    return ctx.now


def interview_part_of_day(ctx: EvaluationContext) -> str | None:
    t = ctx["interview"]
    if t is None:
        return None
    hour = t.astimezone(ctx.tz).hour
    return "morning" if hour < 12 else "afternoon" if hour < 17 else "evening"


@lru_cache(maxsize=4096)  # the same few names, in log after log
def _norm(name: str) -> str:
    return " ".join(str(name).split()).casefold()


_at = attrgetter("at")  # an event's time, for bisection over events in time order


def _after(events: Sequence[Any], moment: Any) -> Sequence[Any]:
    """The events strictly after ``moment`` (``events`` is in time order)."""
    return events if moment is None else events[bisect_right(events, moment, key=_at):]


def interviewers_thanked(ctx: EvaluationContext) -> int | None:
    interviews = ctx.events_of("interview")
    if not interviews:
        return None
    latest = interviews[-1]
    ctx.touch(latest)
    wanted = {_norm(n) for n in latest.fields.get("interviewers") or ()}
    thanked: set[str] = set()
    unnamed = False
    for e in _after(ctx.events_of("thank_you_sent"), latest.at):
        ctx.touch(e)
        names = e.fields.get("to")
        if not names:
            unnamed = True
        else:
            thanked.update(map(_norm, names))
    covered = len(wanted & thanked)
    if covered < len(wanted) and unnamed:
        return None  # a note to someone unnamed: the log cannot tell
    return covered


def unanswered_contacts(ctx: EvaluationContext) -> int:
    contacts = _after(ctx.events_of("follow_up_sent"), ctx["last_reply"])
    for e in contacts:
        ctx.touch(e)
    return len(contacts)


_OUTCOMES = {"rejected": "rejected", "offer": "offer", "position_on_hold": "on_hold"}


def outcome(ctx: EvaluationContext) -> str:
    latest = None
    for event_type in _OUTCOMES:
        events = ctx.events_of(event_type)
        if events and (latest is None or events[-1].at >= latest.at):
            latest = events[-1]
    interviews = ctx.events_of("interview")
    if latest is None or (interviews and interviews[-1].at > latest.at):
        return "pending"
    ctx.touch(latest)
    return _OUTCOMES[latest.type]


FACT_FUNCTIONS: Mapping[str, FactFunction] = {
    "now": FactFunction(now),
    "interview_part_of_day": FactFunction(interview_part_of_day, ("interview",)),
    "interviewers_thanked": FactFunction(interviewers_thanked),
    "unanswered_contacts": FactFunction(unanswered_contacts, ("last_reply",)),
    "outcome": FactFunction(outcome),
}
