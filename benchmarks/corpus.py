"""A seeded generator of realistic event logs, for the benchmarks.

Each log is what a candidate would record about one application: 5–40
events of every type of ``policies/vocabulary.yaml``, with valid fields, in
one of several time zones (whole, half-hour and southern-hemisphere offsets,
across DST changes), in a plausible order — notes and a thank-you after the
interview, follow-ups days apart, replies to some of them, sometimes a second
round, sometimes a decision (rejected, offer, on hold) at the end.

Every log ends before :data:`AT` (local time in its zone), except about one
in seven, which runs past it: evaluated at ``AT`` those see only part of the
log, as a log being written does.

    from corpus import generate, AT
    for data in generate(10_000, seed=1): ...        # JSON-able dicts

    python benchmarks/corpus.py N [--seed S] [--events MIN,MAX]  # JSON Lines on stdout
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from datetime import datetime, timedelta
from typing import Any, Iterator

#: The moment the logs are evaluated at: naive, i.e. local time in each log's zone.
AT = datetime(2026, 11, 23, 9, 0)
AT_TEXT = AT.isoformat(timespec="minutes")

ZONES = ("America/New_York", "America/Chicago", "America/Los_Angeles", "Europe/London",
         "Europe/Berlin", "Asia/Kolkata", "Asia/Tokyo", "Australia/Sydney", "UTC")

FIRST = ("Jane", "Sam", "Ada", "Lee", "Ana", "Omar", "Mei", "Raj", "Zoe", "Ivan", "Kofi", "Lena")
LAST = ("Roe", "Poe", "Park", "Ruiz", "Khan", "Chen", "Okafor", "Novak", "Silva", "Berg")
COMPANIES = ("Acme Corp", "Cobalt Systems", "Northwind", "Globex", "Initech", "Umbrella Labs",
             "Stark Analytics", "Wayne Logistics", "Tyrell Bio", "Hooli")
ROLES = ("Data Analyst", "Support Engineer", "Product Manager", "Backend Developer",
         "UX Designer", "Accountant", "Nurse Practitioner", "Sales Lead")


class _Log:
    """Events on a timeline measured in minutes from the first interview."""

    def __init__(self, rnd: random.Random) -> None:
        self.rnd = rnd
        self.events: list[tuple[float, dict[str, Any]]] = []

    def add(self, minute: float, event: dict[str, Any]) -> None:
        self.events.append((minute, event))


def _names(rnd: random.Random, k: int) -> list[str]:
    people = set()
    while len(people) < k:
        people.add(f"{rnd.choice(FIRST)} {rnd.choice(LAST)}")
    return sorted(people)


def _maybe(rnd: random.Random, p: float) -> bool:
    return rnd.random() < p


def _round(log: _Log, start: float, budget: int) -> float:
    """One interview round from ``start`` (minutes); returns when it ends."""
    rnd = log.rnd
    day = 24 * 60
    interviewers = _names(rnd, rnd.choice((1, 1, 2, 2, 3, 4)))
    interview: dict[str, Any] = {"type": "interview", "interviewers": interviewers}
    if _maybe(rnd, 0.8):
        interview["format"] = rnd.choice(("in_person", "phone", "video"))
    if _maybe(rnd, 0.5):
        interview["asked_next_steps"] = _maybe(rnd, 0.7)
    if _maybe(rnd, 0.4):
        interview["collected_contacts"] = _maybe(rnd, 0.7)
    if _maybe(rnd, 0.1):
        interview["id"] = f"round-{len(log.events)}"
    log.add(start, interview)
    t = start + rnd.choice((45, 60, 90))
    if _maybe(rnd, 0.4):
        by = start + rnd.choice((3, 5, 7, 10, 14)) * day
        log.add(t, {"type": "decision_expected", "by": _iso_date(by) if _maybe(rnd, 0.7) else by})
        t += rnd.randint(5, 30)
    if _maybe(rnd, 0.5):
        log.add(t + rnd.randint(10, 120), {"type": "notes_written"})
    # thank-yous: usually the same day or the next, sometimes one per person,
    # sometimes never, sometimes a handwritten note on top of the email
    if _maybe(rnd, 0.8):
        t += rnd.choice((2, 4, 6, 20, 26, 50)) * 60
        if _maybe(rnd, 0.25):
            log.add(t - 30, {"type": "proofread_by_other"})
        if _maybe(rnd, 0.3) and len(interviewers) > 1:
            for person in interviewers:
                log.add(t, _thank_you(rnd, person))
                t += rnd.randint(3, 20)
        else:
            to = interviewers if _maybe(rnd, 0.6) else interviewers[: rnd.randint(0, len(interviewers))]
            log.add(t, _thank_you(rnd, to))
        if _maybe(rnd, 0.15):
            log.add(t + day, {"type": "thank_you_sent", "to": interviewers, "channel": "handwritten",
                              "personalized": True})
    for kind, p in (("references_notified", 0.4), ("profiles_reviewed", 0.3)):
        if _maybe(rnd, p):
            log.add(start + rnd.uniform(-3 * day, 2 * day), {"type": kind})
    if _maybe(rnd, 0.2):
        log.add(t + rnd.uniform(0.5, 4) * day, {"type": "social_connection",
                                                "network": rnd.choice(("linkedin", "facebook", "other"))})
    # follow-ups a few days apart, replies to some of them
    while len(log.events) < budget:
        t += rnd.uniform(3, 12) * day
        follow: dict[str, Any] = {"type": "follow_up_sent"}
        if _maybe(rnd, 0.85):
            follow["channel"] = rnd.choice(("email", "email", "phone", "voicemail", "linkedin", "in_person"))
        if _maybe(rnd, 0.5):
            follow["kind"] = rnd.choice(("check_in", "value_add", "timeline_question"))
        if _maybe(rnd, 0.1):
            follow["note"] = "left a message with the recruiter"
        log.add(t, follow)
        if _maybe(rnd, 0.45):
            t += rnd.uniform(0.1, 4) * day
            reply: dict[str, Any] = {"type": "reply_received"}
            if _maybe(rnd, 0.8):
                reply["tone"] = rnd.choice(("positive", "positive", "neutral", "negative"))
            if _maybe(rnd, 0.3):
                reply["check_in_after"] = _iso_date(t + rnd.choice((3, 7, 14)) * day)
            if _maybe(rnd, 0.4):
                reply["will_contact"] = _maybe(rnd, 0.6)
            log.add(t, reply)
            if _maybe(rnd, 0.25):  # invited back: a new round
                break
        if _maybe(rnd, 0.12):
            break
    return t


def _thank_you(rnd: random.Random, to: Any) -> dict[str, Any]:
    event: dict[str, Any] = {"type": "thank_you_sent"}
    if to:
        event["to"] = to if isinstance(to, str) or len(to) > 1 or _maybe(rnd, 0.5) else to[0]
    if _maybe(rnd, 0.85):
        event["channel"] = rnd.choice(("email", "email", "email", "handwritten", "phone"))
    if _maybe(rnd, 0.6):
        event["personalized"] = _maybe(rnd, 0.8)
    if _maybe(rnd, 0.4):
        event["proofread"] = _maybe(rnd, 0.8)
    return event


class _DateMarker(float):
    """A timeline minute to be written as a date only (``by: 2026-11-20``)."""


def _iso_date(minute: float) -> _DateMarker:
    return _DateMarker(minute)


def make_log(rnd: random.Random, min_events: int = 5, max_events: int = 40) -> dict[str, Any]:
    """One log as JSON-able data."""
    target = rnd.randint(min_events, max_events)
    outcome = rnd.choice(("rejected", "offer", "position_on_hold")) if _maybe(rnd, 0.35) else None
    budget = target - (outcome is not None)
    log = _Log(rnd)
    t = 0.0
    while len(log.events) < budget:
        t = _round(log, t, budget) + rnd.uniform(2, 10) * 24 * 60
    # keep the first ``budget`` events in time order, then the decision
    log.events.sort(key=lambda pair: pair[0])
    del log.events[budget:]
    if outcome is not None:
        log.add(log.events[-1][0] + rnd.uniform(0.5, 10) * 24 * 60, {"type": outcome})
    # place the timeline: it ends before AT, or (1 in 7) runs past it
    end = max(m for m, _ in log.events)
    roll = rnd.random()
    gap = 24 * 60 * (rnd.uniform(0, 2) if roll < 0.35 else rnd.uniform(2, 10) if roll < 0.65
                     else rnd.uniform(10, 40) if roll < 6 / 7 else -rnd.uniform(0, 0.8) * end / (24 * 60))
    first = AT - timedelta(minutes=end + gap)
    first = first.replace(hour=rnd.choice((9, 10, 11, 13, 14, 15, 16, 17)),
                          minute=rnd.choice((0, 0, 15, 30, 45)), second=0, microsecond=0)
    zone = rnd.choice(ZONES)
    events = []
    for minute, event in log.events:
        when = first + timedelta(minutes=round(minute))
        out = {"type": event["type"], "at": _stamp(rnd, when), **{k: v for k, v in event.items() if k != "type"}}
        if "by" in out:
            out["by"] = _moment_text(first, out["by"])
        if "check_in_after" in out:
            out["check_in_after"] = _moment_text(first, out["check_in_after"])
        events.append(out)
    # people do not always record events in order: swap a neighbour pair or two
    for _ in range(rnd.choice((0, 0, 0, 1, 2))):
        if len(events) > 2:
            i = rnd.randrange(len(events) - 1)
            events[i], events[i + 1] = events[i + 1], events[i]
    return {"subject": f"{rnd.choice(COMPANIES)} — {rnd.choice(ROLES)}", "timezone": zone,
            "events": events}


def _stamp(rnd: random.Random, when: datetime) -> str:
    return when.isoformat(timespec="minutes") if _maybe(rnd, 0.9) else when.isoformat(sep=" ", timespec="minutes")


def _moment_text(first: datetime, minute: float) -> str:
    when = first + timedelta(minutes=round(minute))
    if isinstance(minute, _DateMarker):
        return when.date().isoformat()
    return when.isoformat(timespec="minutes")


def generate(n: int, seed: int = 1, min_events: int = 5, max_events: int = 40) -> Iterator[dict[str, Any]]:
    """``n`` logs as JSON-able dicts, the same for the same seed."""
    rnd = random.Random(seed)
    for _ in range(n):
        yield make_log(rnd, min_events, max_events)


def write_jsonl(n: int, out, seed: int = 1, min_events: int = 5, max_events: int = 40) -> None:
    for data in generate(n, seed, min_events, max_events):
        out.write(json.dumps(data, ensure_ascii=False) + "\n")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", type=int, help="how many logs")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--events", default="5,40", metavar="MIN,MAX", help="events per log")
    args = ap.parse_args(argv)
    low, high = (int(x) for x in args.events.split(","))
    try:
        write_jsonl(args.n, sys.stdout, args.seed, low, high)
        sys.stdout.flush()
    except BrokenPipeError:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
