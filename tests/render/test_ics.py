"""The calendar export read back by the ``icalendar`` library, as a calendar
application would: durations, all-day events, one reminder each, standing
advice left out, sources merged, UIDs stable across exports."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from icalendar import Calendar

from engine.cli import main
from engine.model.eventlog import load_log
from engine.render.ics import SHORT_EVENT, calendar_entries, render_ics
from engine.runtime.plan import build_plan

from examples import EXAMPLES, ROOT, moment_of


def events_of(data: bytes) -> list:
    return list(Calendar.from_ical(data).walk("VEVENT"))


def plan_for(policies, path, start=None, days=30):
    log = load_log(path, policies.vocabulary)
    return build_plan(policies, log, datetime.fromisoformat(start or moment_of(path)), days)


def length(event) -> timedelta:
    return event.decoded("DTEND") - event.decoded("DTSTART")


@pytest.mark.parametrize("waits", [False, True])
@pytest.mark.parametrize("example", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_every_event_is_short_or_one_day_with_one_alarm(policies, example, waits):
    plan = plan_for(policies, example)
    events = events_of(render_ics(plan, include_waits=waits))
    for ev in events:
        is_wait = str(ev["SUMMARY"]).startswith("Wait:")
        assert is_wait or length(ev) <= timedelta(days=1), ev["SUMMARY"]
        start = ev.decoded("DTSTART")
        if not isinstance(start, datetime):  # all-day: exactly whole days
            assert isinstance(ev.decoded("DTEND"), date) and length(ev).days >= 1
        else:
            assert length(ev) == SHORT_EVENT
        alarms = [c for c in ev.subcomponents if c.name == "VALARM"]
        assert len(alarms) == 1 and str(alarms[0]["ACTION"]) == "DISPLAY"
    assert len({str(e["UID"]) for e in events}) == len(events)
    assert waits or not any(str(e["SUMMARY"]).startswith("Wait:") for e in events)


def test_one_event_per_action_with_every_source(policies):
    plan = plan_for(policies, ROOT / "examples" / "just-interviewed.yaml", "2026-11-16T14:00")
    events = events_of(render_ics(plan))
    check_in = [e for e in events if "check_in" in str(e["CATEGORIES"].to_ical())]
    assert len(check_in) == 1  # four sources, two start days: one event
    ev = check_in[0]
    assert ev.decoded("DTSTART") == date(2026, 11, 21) and ev.decoded("DTEND") == date(2026, 11, 22)
    for source in ("cheatsheet@", "followup-guide@", "halpin@", "hayes@"):
        assert source in str(ev["DESCRIPTION"])
    assert "from Mon 23 Nov 2026" in str(ev["DESCRIPTION"])  # halpin's and hayes' own start
    alarm = ev.subcomponents[0]
    assert alarm.decoded("TRIGGER") == timedelta(hours=9)  # 09:00 that day


def test_standing_advice_is_left_out(policies):
    plan = plan_for(policies, ROOT / "examples" / "just-interviewed.yaml", "2026-11-16T14:00")
    text = b"".join(render_ics(plan).split(b"\r\n "))
    for standing in (b"Proofread before sending", b"Keep applying elsewhere", b"Send a gift"):
        assert standing not in text
    assert not [i for e in calendar_entries(plan) for i in e.items if i.applies_at_start]


def test_advice_at_an_hour_is_a_short_event_at_that_hour(policies):
    plan = plan_for(policies, ROOT / "examples" / "dst-change.yaml", "2026-10-31T11:00")
    ev = next(e for e in events_of(render_ics(plan)) if "thank-you-same-afternoon" in str(e["DESCRIPTION"]))
    assert ev.decoded("DTSTART").isoformat() == "2026-10-31T12:00:00-04:00"
    assert length(ev) == SHORT_EVENT
    assert ev.subcomponents[0].decoded("TRIGGER") == timedelta(0)


def test_waits_are_all_day_spans_ending_when_allowed(policies):
    plan = plan_for(policies, ROOT / "examples" / "just-interviewed.yaml", "2026-11-16T14:00")
    waits = [e for e in events_of(render_ics(plan, include_waits=True)) if str(e["SUMMARY"]).startswith("Wait:")]
    ev = next(e for e in waits if "check in" in str(e["SUMMARY"]))
    assert ev.decoded("DTSTART") == date(2026, 11, 16) and ev.decoded("DTEND") == date(2026, 11, 21)
    alarm = ev.subcomponents[0]
    assert alarm["TRIGGER"].params.get("RELATED") == "END" and alarm.decoded("TRIGGER") == timedelta(hours=9)


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_uids_identical_across_exports_from_different_moments(policies, example):
    start = datetime.fromisoformat(moment_of(example))
    first = plan_for(policies, example, start.isoformat(), 30)
    later = plan_for(policies, example, (start + timedelta(minutes=30)).isoformat(), 30)
    a = {str(e["UID"]): e for e in events_of(render_ics(first, include_waits=True))}
    b = {str(e["UID"]): e for e in events_of(render_ics(later, include_waits=True))}
    assert set(a) == set(b)
    for uid, ev in a.items():
        assert ev.decoded("DTSTART") == b[uid].decoded("DTSTART") or str(ev["SUMMARY"]).startswith("Wait:")


def test_a_later_export_updates_rather_than_duplicates(policies):
    path = ROOT / "examples" / "just-interviewed.yaml"
    first = {str(e["UID"]): e for e in events_of(render_ics(plan_for(policies, path, "2026-11-16T14:00")))}
    later = {str(e["UID"]): e for e in events_of(render_ics(plan_for(policies, path, "2026-11-20T09:00")))}
    # Every event still ahead on Fri 20 Nov keeps its UID; the past ones are gone.
    ahead = {u for u, e in first.items() if e.decoded("DTSTART") >= date(2026, 11, 21)}
    assert ahead and ahead <= set(later)


def test_the_same_plan_gives_the_same_bytes(policies):
    plan = plan_for(policies, ROOT / "examples" / "weeks-of-silence.yaml")
    assert render_ics(plan, include_waits=True) == render_ics(plan, include_waits=True)


def test_cli_include_waits(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    ics = tmp_path / "plan.ics"
    assert main(["plan", "examples/just-interviewed.yaml", "--from", "2026-11-16T14:00", "--ics", str(ics),
                 "--include-waits"]) == 0
    assert any(str(e["SUMMARY"]).startswith("Wait:") for e in events_of(ics.read_bytes()))
