"""The fact library: named functions for facts that the condition language
cannot express (they need a conditional or set logic). A vocabulary names them
with ``function:``; an embedding app may pass its own.

Each takes the fact context (``ctx[name]`` reads another fact, lazily and once;
``ctx.events_of(type)`` the events of a type as of the moment) and records the
events it used with ``ctx.touch`` so that explanations can cite them.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from datetime import timedelta
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


_OUTCOMES = {"rejected": "rejected", "offer": "offer", "position_on_hold": "on_hold",
             "withdrew": "withdrawn", "accepted_other_offer": "accepted_elsewhere"}


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


# -- vocabulary 1.1: rounds, scheduled interviews, what replies said -----------------

_HOUR = timedelta(minutes=60)


def _latest_interview(ctx: Any) -> Any:
    interviews = ctx.events_of("interview")
    return interviews[-1] if interviews else None


def interview_round(ctx: Any) -> int | None:
    interviews = ctx.events_of("interview")
    if not interviews:
        return None
    ctx.touch(interviews[-1])
    given = interviews[-1].fields.get("round")
    return given if given is not None else len(interviews)


def interview_end(ctx: Any) -> Any:
    latest = _latest_interview(ctx)
    if latest is None:
        return None
    ctx.touch(latest)
    minutes = latest.fields.get("duration_minutes")
    return latest.at + (timedelta(minutes=minutes) if minutes else _HOUR)


def next_interview(ctx: Any) -> Any:
    latest = _latest_interview(ctx)
    starts = [e for e in ctx.events_of("interview_scheduled")
              if latest is None or e.fields["starts"] > latest.at]
    if not starts:
        return None
    first_one = min(starts, key=lambda e: e.fields["starts"])
    ctx.touch(first_one)
    return first_one.fields["starts"]


def _since_interview(ctx: Any, event_type: str) -> tuple[Any, ...]:
    latest = _latest_interview(ctx)
    return () if latest is None else _after_or_at(ctx.events_of(event_type), latest.at)


def _after_or_at(events: tuple[Any, ...], moment: Any) -> tuple[Any, ...]:
    """The events at or after ``moment`` (``events`` is in time order)."""
    return events[bisect_left(events, moment, key=_at):]


def round_deadline(ctx: Any) -> Any:
    for e in reversed(_since_interview(ctx, "decision_expected")):
        ctx.touch(e)
        return e.fields["by"]
    return None


def round_check_in_after(ctx: Any) -> Any:
    replies = _since_interview(ctx, "reply_received")
    if not replies:
        return None
    ctx.touch(replies[-1])
    return replies[-1].fields.get("check_in_after")


def told_will_contact(ctx: Any) -> bool | None:
    """A reply since the interview said "we will contact you", and no later
    reply took it back by inviting a check-in."""
    replies = _since_interview(ctx, "reply_received")
    if _latest_interview(ctx) is None:
        return None
    for e in reversed(replies):
        if e.fields.get("check_in_after") is not None:
            ctx.touch(e)
            return False
        if e.fields.get("will_contact"):
            ctx.touch(e)
            return True
    return False


def asked_to_keep_apprised(ctx: Any) -> bool | None:
    if _latest_interview(ctx) is None:
        return None
    for e in _since_interview(ctx, "reply_received"):
        if e.fields.get("keep_apprised"):
            ctx.touch(e)
            return True
    return False


def preferred_channel(ctx: Any) -> str | None:
    for e in reversed(_since_interview(ctx, "reply_received")):
        if e.fields.get("preferred_channel") is not None:
            ctx.touch(e)
            return str(e.fields["preferred_channel"])
    return None


def all_replies_positive(ctx: Any) -> bool | None:
    replies = _since_interview(ctx, "reply_received")
    if not replies:
        return None
    for e in replies:
        ctx.touch(e)
        if e.fields.get("tone") != "positive":
            return False
    return True


def follow_ups_since_news(ctx: Any) -> int | None:
    news = ctx["last_news"]
    if news is None:
        return None
    contacts = _after(ctx.events_of("follow_up_sent"), news)
    for e in contacts:
        ctx.touch(e)
    return len(contacts)


def last_news(ctx: Any) -> Any:
    interview = ctx["interview"]  # (read first: the sources are the same in any order)
    replies = _since_interview(ctx, "reply_received")
    if replies:
        ctx.touch(replies[-1])
        return replies[-1].at
    return interview


def thank_you_channels(ctx: Any) -> tuple[str, ...] | None:
    if _latest_interview(ctx) is None:
        return None
    channels: set[str] = set()
    for e in _after(ctx.events_of("thank_you_sent"), ctx["interview"]):
        ctx.touch(e)
        channels.add(e.fields.get("channel") or "unknown")
    return tuple(sorted(channels))


def keep_in_touch_sent(ctx: Any) -> int | None:
    if _latest_interview(ctx) is None:
        return None
    sent = [e for e in _after(ctx.events_of("follow_up_sent"), ctx["interview"])
            if e.fields.get("kind") in ("keep_in_touch", "value_add")]
    for e in sent:
        ctx.touch(e)
    return len(sent)


FACT_FUNCTIONS: Mapping[str, FactFunction] = {
    "now": FactFunction(now),
    "interview_part_of_day": FactFunction(interview_part_of_day, ("interview",)),
    "interviewers_thanked": FactFunction(interviewers_thanked),
    "unanswered_contacts": FactFunction(unanswered_contacts, ("last_reply",)),
    "outcome": FactFunction(outcome),
    "interview_round": FactFunction(interview_round),
    "interview_end": FactFunction(interview_end),
    "next_interview": FactFunction(next_interview),
    "round_deadline": FactFunction(round_deadline),
    "round_check_in_after": FactFunction(round_check_in_after),
    "told_will_contact": FactFunction(told_will_contact),
    "asked_to_keep_apprised": FactFunction(asked_to_keep_apprised),
    "preferred_channel": FactFunction(preferred_channel),
    "all_replies_positive": FactFunction(all_replies_positive),
    "follow_ups_since_news": FactFunction(follow_ups_since_news, ("last_news",)),
    "last_news": FactFunction(last_news, ("interview",)),
    "thank_you_channels": FactFunction(thank_you_channels, ("interview",)),
    "keep_in_touch_sent": FactFunction(keep_in_touch_sent, ("interview",)),
}
