"""The sweep: realistic event logs, evaluated every 3 hours over 90 days, to
check what the policies advise over a whole application (tests/test_sweep.py
states the invariants) and to print how often each source's rules fire
(``make sweep``).

The logs are generated from a seeded random source (the same logs on every
run): one or two interview rounds, thank-yous, the employer's dates,
follow-ups, replies that say what the articles talk about, and an outcome
(rejection, offer, hold, withdrawal, another job) or none.

    python tests/sweep.py [--logs N] [--days D] [--policy ID@VERSION …]
"""

from __future__ import annotations

import argparse
import random
import sys
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Iterator

import engine
from engine.model.policies import PolicySet, Rule
from engine.runtime.evaluation import fired_rules, resolve_moment
from engine.runtime.facts import FactContext

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
STEP = timedelta(hours=3)
DAYS = 90
NAMES = ["Jane Roe", "Sam Poe", "Ann Lee", "Bo Chen", "Cy Diaz"]
ZONES = ["America/New_York", "Europe/London", "America/Los_Angeles"]


def _iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M")


def generated_log(seed: int) -> dict[str, Any]:
    """One realistic log (a dict, as read from YAML), the same for a seed."""
    rnd = random.Random(seed)
    start = datetime(2026, 10, 5) + timedelta(days=rnd.randrange(0, 60),
                                              hours=rnd.choice([9, 10, 11, 13, 14, 15, 16]))
    events: list[dict[str, Any]] = []
    if rnd.random() < 0.3:
        events.append({"type": "company_contact", "at": _iso(start - timedelta(days=20)), "name": "Dee"})
    if rnd.random() < 0.5:
        events.append({"type": "profiles_reviewed", "at": _iso(start - timedelta(days=30))})
    if rnd.random() < 0.4:
        events.append({"type": "interview_scheduled", "at": _iso(start - timedelta(days=7)),
                       "starts": _iso(start)})
    t = start
    rounds = 2 if rnd.random() < 0.3 else 1
    for number in range(1, rounds + 1):
        people = rnd.sample(NAMES, rnd.randint(1, 3))
        events.append({"type": "interview", "at": _iso(t), "interviewers": people, "round": number,
                       "format": rnd.choice(["in_person", "phone", "video"]),
                       "duration_minutes": rnd.choice([30, 45, 60, 90]),
                       "asked_next_steps": rnd.random() < 0.5})
        if rnd.random() < 0.5:
            by = (t + timedelta(days=rnd.randint(3, 10))).date().isoformat()
            events.append({"type": "decision_expected", "at": _iso(t + timedelta(hours=1)), "by": by})
        if rnd.random() < 0.8:
            thanked = people if rnd.random() < 0.7 else people[:1]
            events.append({"type": "thank_you_sent", "at": _iso(t + timedelta(hours=rnd.randint(4, 40))),
                           "to": thanked, "channel": rnd.choice(["email", "email", "handwritten"])})
        day = t
        for _ in range(rnd.randint(0, 4)):
            day = day + timedelta(days=rnd.randint(4, 12), hours=rnd.randint(0, 6))
            events.append({"type": "follow_up_sent", "at": _iso(day),
                           "kind": rnd.choice(["check_in", "check_in", "value_add", "keep_in_touch"]),
                           "recipient": rnd.choice(["recruiter", "hiring_manager", "interviewer"])})
            if rnd.random() < 0.5:
                reply: dict[str, Any] = {"type": "reply_received", "at": _iso(day + timedelta(hours=5)),
                                         "tone": rnd.choice(["positive", "positive", "neutral", "negative"])}
                if rnd.random() < 0.3:
                    reply["check_in_after"] = (day + timedelta(days=rnd.randint(5, 14))).date().isoformat()
                if rnd.random() < 0.3:
                    reply["will_contact"] = True
                if rnd.random() < 0.3:
                    reply["status"] = rnd.choice(["still_deciding", "awaiting_approval"])
                if rnd.random() < 0.2:
                    reply["keep_apprised"] = True
                if rnd.random() < 0.2:
                    reply["preferred_channel"] = rnd.choice(["email", "phone"])
                events.append(reply)
        t = day + timedelta(days=rnd.randint(5, 15))
        if number < rounds:
            events.append({"type": "interview_scheduled", "at": _iso(t - timedelta(days=4)), "starts": _iso(t)})
    ending = rnd.random()
    when = _iso(t + timedelta(days=rnd.randint(0, 20)))
    if ending < 0.2:
        events.append({"type": "rejected", "at": when, "positive_about_you": rnd.random() < 0.5,
                       "you_like_company": rnd.random() < 0.7})
    elif ending < 0.3:
        events.append({"type": "offer", "at": when})
    elif ending < 0.4:
        events.append({"type": rnd.choice(["withdrew", "accepted_other_offer"]), "at": when})
    elif ending < 0.5:
        events.append({"type": "position_on_hold", "at": when})
    return {"subject": f"generated #{seed}", "timezone": rnd.choice(ZONES), "events": events}


def sweep_logs(count: int = 30) -> list[tuple[str, engine.EventLog]]:
    """The bundled examples and ``count`` generated logs, as (name, log)."""
    logs = [(p.name, engine.load_log(p)) for p in sorted(EXAMPLES.glob("*.yaml"))]
    logs += [(f"generated-{seed}", engine.EventLog.from_dict(generated_log(seed)))
             for seed in range(count)]
    return logs


@dataclass(frozen=True, slots=True)
class Firing:
    """The rules that fire at one moment of one log, with the facts a check needs."""

    log: str
    at: datetime
    rules: tuple[tuple[str, Rule], ...]  # (policy id, rule)
    facts: dict[str, Any] = field(repr=False)


FACTS = ("interview", "outcome", "last_reply", "thank_you_sent")


def sweep(policies: PolicySet, logs: list[tuple[str, engine.EventLog]],
          days: int = DAYS) -> Iterator[Firing]:
    """Every 3 hours from a day before each log's first event for ``days`` days."""
    for name, log in logs:
        if not log.events:
            continue
        first = min(e.at for e in log.events)
        moment = resolve_moment(first.replace(hour=0, minute=0) - timedelta(days=1), log)
        end = moment + timedelta(days=days)
        while moment < end:
            ctx = FactContext(policies.vocabulary, log, moment)
            fired = tuple((p.id, r) for p, r in fired_rules(policies, ctx))
            yield Firing(name, moment, fired, {f: ctx[f] for f in FACTS} | {"ctx": ctx})
            moment = moment + STEP


def _day(f: Firing) -> int | None:
    """Days from the log's latest interview (by local date), or None before any."""
    interview = f.facts["interview"]
    if interview is None:
        return None
    days: int = (f.at.date() - interview.astimezone(f.at.tzinfo).date()).days
    return days


def summary(firings: list[Firing], days: int = DAYS) -> str:
    """Per day after the latest interview (days 0-13, then by week), the mean
    number of distinct rules of each source that fire that day, per log."""
    sources = sorted({pid for f in firings for pid, _ in f.rules})
    fired: dict[tuple[str, int], set[tuple[str, str]]] = {}
    for f in firings:
        day = _day(f)
        if day is None or day < 0:
            continue
        bucket = fired.setdefault((f.log, day), set())
        bucket.update((pid, rule.id) for pid, rule in f.rules)
    logs = sorted({f.log for f in firings})
    spans = [(d, d) for d in range(14)] + [(d, min(d + 6, days)) for d in range(14, days, 7)]
    width = max(12, *(len(s) for s in sources))  # 5 sources fit in 80 columns
    lines = [f"Sweep: {len(logs)} logs, every {STEP.seconds // 3600} hours for {days} days "
             f"({len(firings)} moments).",
             "Rules fired per day, per source: the mean over the logs of the distinct",
             "rules that fire on that day (day 0 = the latest interview).", "",
             f"{'days':<5} " + " ".join(f"{s:>{width}}" for s in sources)]
    for first, last in spans:
        cells = [(log, d) for log in logs for d in range(first, last + 1) if (log, d) in fired]
        if not cells:
            continue
        label = f"{first}" if first == last else f"{first}-{last}"
        row = []
        for source in sources:
            total = sum(len({r for p, r in fired[c] if p == source}) for c in cells)
            row.append(f"{total / len(cells):>{width}.1f}")
        lines.append(f"{label:<5} " + " ".join(row))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--logs", type=int, default=30, help="generated logs besides the examples")
    ap.add_argument("--days", type=int, default=DAYS)
    ap.add_argument("--policy", action="append", default=[], help="ID@VERSION, e.g. hayes@1.0.0")
    args = ap.parse_args(argv)
    policies = engine.load_policies(select=args.policy)
    firings = list(sweep(policies, sweep_logs(args.logs), args.days))
    print(summary(firings, args.days))
    return 0


if __name__ == "__main__":
    sys.exit(main())
