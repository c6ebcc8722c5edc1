"""``Report.next_change_at`` — the next moment any advice starts or stops if
nothing else happens — equals what brute force finds: evaluating the same log
(as known at the moment) again at later moments, one step at a time, and
taking the first moment whose fired rules differ."""

from __future__ import annotations

import json
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from engine.model.eventlog import EventLog
from engine.input.times import parse_moment
from engine.runtime.evaluation import evaluate, report_json
from examples import EXAMPLES, moment_of

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
from corpus import AT, generate  # noqa: E402

STEP = timedelta(minutes=30)
HORIZON = timedelta(days=12)


def as_known_at(data: dict, log: EventLog, moment: datetime) -> EventLog:
    """The log without the events after ``moment`` ("nothing else happens")."""
    kept = {e.index for e in log.events if e.at <= moment}
    trimmed = dict(data, events=[e for i, e in enumerate(data["events"]) if i in kept])
    return EventLog.from_dict(trimmed, log.vocabulary if hasattr(log, "vocabulary") else None)


def fired(policies, log, moment) -> frozenset:
    return frozenset(evaluate(policies, log, moment, horizon=timedelta(0), explain=False).fired())


def brute_force(policies, log: EventLog, moment: datetime, horizon: timedelta) -> datetime | None:
    """The first moment after ``moment`` within ``horizon`` whose fired rules
    differ from those at ``moment``, found on a grid of ``STEP`` and then
    narrowed to the second."""
    now = fired(policies, log, moment)
    previous, t = moment, moment + STEP
    end = moment + horizon
    while previous < end:
        t = min(t, end)
        if fired(policies, log, t) != now:
            low, high = previous, t  # same at low, different at high
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                middle = middle.replace(microsecond=0)
                if middle <= low:
                    break
                if fired(policies, log, middle) != now:
                    high = middle
                else:
                    low = middle
            return high
        previous, t = t, t + STEP
    return None


def check(policies, data: dict, moment_text: str) -> None:
    log = EventLog.from_dict(data, policies.vocabulary)
    moment = parse_moment(moment_text, log.tz)
    log = as_known_at(data, log, moment)
    report = evaluate(policies, log, moment, horizon=HORIZON, explain=False)
    expected = brute_force(policies, log, moment, HORIZON)
    got = report.next_change_at
    assert got == (expected.isoformat(timespec="seconds") if expected else None), moment_text
    # the same in every path: explained report, fast report, its JSON
    assert evaluate(policies, log, moment, horizon=HORIZON).next_change_at == got
    assert json.loads(report_json(policies, log, moment, horizon=HORIZON))["next_change_at"] == got
    if got is not None:
        # and it is a change: the advice at that moment is another
        changed = datetime.fromisoformat(got)
        assert fired(policies, log, changed) != fired(policies, log, moment)


def load_data(path: Path) -> dict:
    import yaml
    return yaml.safe_load(path.read_text("utf-8"))


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
@pytest.mark.parametrize("days_later", [0, 3, 9])
def test_next_change_at_matches_brute_force_on_the_examples(policies, example, days_later):
    data = load_data(example)
    moment = datetime.fromisoformat(moment_of(example)) + timedelta(days=days_later)
    check(policies, data, moment.isoformat(timespec="minutes"))


@pytest.mark.parametrize("index", range(12))
def test_next_change_at_matches_brute_force_on_generated_logs(policies, index):
    data = list(generate(12, seed=19))[index]
    check(policies, data, AT.isoformat(timespec="minutes"))


def test_no_change_within_the_horizon_is_null(policies):
    data = load_data(EXAMPLES[0])
    log = EventLog.from_dict(data, policies.vocabulary)
    moment = parse_moment(moment_of(EXAMPLES[0]), log.tz)
    assert evaluate(policies, log, moment, horizon=timedelta(0), explain=False).next_change_at is None
    report = evaluate(policies, log, moment, explain=False)
    assert report.to_dict()["next_change_at"] == report.next_change_at


def test_a_rejected_application_changes_no_more(policies):
    """After a rejection every rule but the move-on ones is silent, for good."""
    data = {"timezone": "UTC", "events": [
        {"type": "interview", "at": "2026-01-05T10:00", "interviewers": ["A B"]},
        {"type": "rejected", "at": "2026-01-06T10:00"}]}
    check(policies, data, "2026-03-01T09:00")


def test_the_thank_you_window_closes_at_five(policies):
    """Just interviewed in the morning: at 14:00 the "send it this
    afternoon" advice holds, and stops at 17:00 local time."""
    example = next(p for p in EXAMPLES if p.stem == "just-interviewed")
    data = load_data(example)
    log = EventLog.from_dict(data, policies.vocabulary)
    report = evaluate(policies, log, parse_moment(moment_of(example), log.tz))
    assert report.next_change_at == "2026-11-16T17:00:00-05:00"
