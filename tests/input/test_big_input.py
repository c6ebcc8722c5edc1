"""Big input: 100,000-event logs evaluate, on the fast path and with full
explanations, in bounded time and memory. No timing assertions (the time
limit of hang_guard only turns a hang into a failure); memory is measured with
tracemalloc against generous bounds.

``benchmarks/big_input.py`` prints the figures (load, evaluate, peak memory
for 1k, 10k and 100k events).
"""

from __future__ import annotations

import json
import tracemalloc
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path

import jsonschema
import pytest
from hang_guard import time_limit  # noqa: F401  (autouse: a hang fails the test)

from engine.model.eventlog import Event, EventLog, load_log
from engine.runtime.evaluation import evaluate
from engine.model.policies import load_policies
from engine.input.times import get_zone

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "schemas" / "report.schema.json").read_text("utf-8"))
TIME_LIMIT = 240
START = datetime(2020, 1, 6, 9, 0)
NAMES = ["Jane Roe", "Sam Poe", "Ada Moe"]
MB = 1_000_000


@lru_cache(maxsize=None)
def policies():
    return load_policies()


def mixed_events(n: int, step: timedelta = timedelta(hours=3)) -> list[dict]:
    """``n`` valid events cycling through every event type, in time order."""
    kinds = [
        lambda t: {"type": "interview", "interviewers": NAMES[: 1 + t.day % 3], "format": "video",
                   "asked_next_steps": t.day % 2 == 0},
        lambda t: {"type": "decision_expected", "by": (t + timedelta(days=4)).date().isoformat()},
        lambda t: {"type": "notes_written"},
        lambda t: {"type": "thank_you_sent", "to": NAMES[:2], "channel": "email", "personalized": True},
        lambda t: {"type": "references_notified"},
        lambda t: {"type": "profiles_reviewed"},
        lambda t: {"type": "follow_up_sent", "channel": ("email", "phone", "linkedin")[t.day % 3]},
        lambda t: {"type": "reply_received", "tone": ("positive", "neutral", "negative")[t.day % 3],
                   "check_in_after": (t + timedelta(days=7)).date().isoformat()},
        lambda t: {"type": "social_connection", "network": "linkedin"},
        lambda t: {"type": "proofread_by_other"},
        lambda t: {"type": "position_on_hold"},
        lambda t: {"type": "offer"},
        lambda t: {"type": "rejected"},
    ]
    events = []
    for i in range(n):
        t = START + i * step
        event = kinds[i % len(kinds)](t)
        event["at"] = t.isoformat(timespec="minutes")
        events.append(event)
    return events


def traced(fn):
    """``fn()`` and the peak of Python allocations while it ran."""
    tracemalloc.start()
    try:
        result = fn()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def check(report) -> dict:
    data = report.to_dict()
    jsonschema.validate(data, SCHEMA)
    return data


@pytest.fixture(scope="module")
def big_log() -> EventLog:
    # a pending application at the end: the last event is an interview
    events = mixed_events(100_000)
    events.append({"type": "interview", "at": (START + timedelta(hours=3 * 100_000)).isoformat(),
                   "interviewers": NAMES, "format": "in_person"})
    return EventLog.from_dict({"timezone": "America/New_York", "subject": "big", "events": events},
                              policies().vocabulary, source="big")


def test_a_100k_event_log_evaluates_on_the_fast_path_and_with_explanations(big_log):
    assert len(big_log) == 100_001
    end = big_log.events[-1].at + timedelta(hours=5)
    middle = big_log.events[50_000].at
    for at in (end, middle, big_log.events[0].at - timedelta(days=1)):
        fast, fast_peak = traced(lambda at=at: evaluate(policies(), big_log, at, explain=False))
        full, full_peak = traced(lambda at=at: evaluate(policies(), big_log, at, explain=True))
        assert fast.fired() == full.fired()
        check(fast)
        check(full)
        assert fast_peak < 100 * MB, f"fast path peak {fast_peak / MB:.0f} MB"
        assert full_peak < 300 * MB, f"explained peak {full_peak / MB:.0f} MB"


def test_a_100k_event_log_with_the_employer_invitation_probed_hour_by_hour():
    """Worst case for 'when would it next fire': an invitation to check in,
    then 100,000 follow-ups after it. Rules on `now >= check_in_invited_after
    and count(..., after=check_in_invited_after) == 0` are probed at every hour
    of the horizon; each probe counted every follow-up before the fix
    (hours x events), now it bisects."""
    tz = get_zone("America/New_York")
    events = [Event("interview", START.replace(tzinfo=tz), {"interviewers": ("A",), "format": "video",
                                                            "asked_next_steps": False, "collected_contacts": False}),
              Event("reply_received", (START + timedelta(days=1)).replace(tzinfo=tz),
                    {"tone": "positive", "check_in_after": datetime(2020, 1, 10, tzinfo=tz), "will_contact": None},
                    index=1)]
    events += [Event("follow_up_sent", (START + timedelta(days=5, minutes=i)).replace(tzinfo=tz),
                     {"channel": "email", "kind": "check_in"}, index=2 + i) for i in range(100_000)]
    events.append(Event("reply_received", (START + timedelta(days=5, minutes=100_001)).replace(tzinfo=tz),
                        {"tone": "positive", "check_in_after": datetime(2020, 1, 10, tzinfo=tz), "will_contact": None},
                        index=100_002))
    log = EventLog(events, "America/New_York")
    at = log.events[-1].at + timedelta(hours=1)
    report, peak = traced(lambda: evaluate(policies(), log, at, explain=True))
    data = check(report)
    probed = [n for group in data["advice"] for n in group["not_firing"]]
    assert probed, "the worst case needs rules that do not fire and are probed"
    assert peak < 300 * MB, f"peak {peak / MB:.0f} MB"


def test_a_yaml_file_loads_in_memory_proportional_to_its_events(tmp_path):
    lines = ["timezone: Europe/London", "events:"]
    for e in mixed_events(2_000):
        items = ", ".join(f"{k}: {'[' + ', '.join(v) + ']' if isinstance(v, list) else str(v).lower() if isinstance(v, bool) else v}"
                          for k, v in e.items())
        lines.append(f"  - {{{items}}}")
    path = tmp_path / "big.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    log, peak = traced(lambda: load_log(path, policies().vocabulary))
    assert len(log) == 2_000
    assert log.events[-1].line == 2_002
    # about 7 KB per event at the peak, mostly PyYAML's nodes (benchmarks/big_input.py)
    assert peak < 50 * MB, f"peak {peak / MB:.0f} MB"
    check(evaluate(policies(), log, log.events[-1].at + timedelta(days=1)))
