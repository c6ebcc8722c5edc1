"""Time: properties of the clock functions and of facts over any log (with
hypothesis), and fixed cases across DST changes, a leap day and weekends."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone, tzinfo

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from engine.model.eventlog import EventLog
from engine.runtime.explanation import json_value
from engine.runtime.facts import FactContext
from engine.language.builtins import BUILTINS, _business_days_between
from engine.model.policies import default_vocabulary
from engine.input.times import get_zone, parse_moment

VOCAB = default_vocabulary()
ZONES = ["UTC", "America/New_York", "Europe/London", "Asia/Kolkata", "Australia/Lord_Howe",
         "Pacific/Chatham"]
# 2026-02-20 … 2026-12-10: both DST changes of every zone above
BASE = datetime(2026, 2, 20)
SPAN_MINUTES = 293 * 24 * 60
NAMES = ["Jane Roe", "Sam Poe", "Ann Lee"]
CLOCK_FUNCTIONS = ["days_since", "hours_since", "business_days_since", "weeks_since", "days_until"]

PROFILE = settings(max_examples=60, deadline=None,
                   suppress_health_check=[HealthCheck.too_slow])


def _iso(minutes: int, with_offset: bool = False) -> str:
    moment = BASE + timedelta(minutes=minutes)
    if with_offset:  # the same kind of value an app may send: an explicit UTC time
        return moment.replace(tzinfo=timezone.utc).isoformat()
    return moment.isoformat(timespec="minutes")


@st.composite
def _field_value(draw, spec):
    kind = spec.type.name
    if kind == "list":
        return draw(st.lists(st.sampled_from(NAMES), min_size=max(1, spec.min_items), max_size=3,
                             unique=True))
    if kind == "bool":
        return draw(st.booleans())
    if kind == "int":  # interview.round, duration_minutes (vocabulary 1.1)
        return draw(st.integers(min_value=spec.minimum if spec.minimum is not None else 0, max_value=300))
    if kind in ("datetime", "date"):
        minutes = draw(st.integers(0, SPAN_MINUTES))
        return _iso(minutes)[:10] if draw(st.booleans()) else _iso(minutes)
    if spec.values:
        return draw(st.sampled_from(spec.values))
    return draw(st.text(max_size=5))


@st.composite
def _event(draw, minutes: int):
    etype = draw(st.sampled_from(sorted(VOCAB.event_type_specs)))
    spec = VOCAB.event_type_specs[etype]
    raw = {"type": etype, "at": _iso(minutes, draw(st.booleans()))}
    for name, fspec in spec.fields.items():
        if fspec.required or draw(st.booleans()):
            raw[name] = draw(_field_value(fspec))
    return raw


@st.composite
def logs(draw, max_events: int = 12):
    """A valid log as data; events at distinct times (equal times keep input
    order, which a shuffle would change)."""
    times = draw(st.lists(st.integers(0, SPAN_MINUTES), max_size=max_events, unique=True))
    events = [draw(_event(m)) for m in times]
    # interviews make most facts known: add one often
    if events and draw(st.booleans()):
        events[0] = {"type": "interview", "at": events[0]["at"],
                     "interviewers": draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=3))}
    return {"timezone": draw(st.sampled_from(ZONES)), "events": events}


moments = st.integers(0, SPAN_MINUTES + 20 * 24 * 60)


def _at(log: EventLog, minutes: int) -> datetime:
    return parse_moment(_iso(minutes), log.tz)


def _all_facts(log: EventLog, moment: datetime, names=None) -> dict:
    ctx = FactContext(VOCAB, log, moment)
    return {name: json_value(ctx[name]) for name in (names or VOCAB.facts)}


def _clock(name: str, log: EventLog, moment: datetime, t: datetime):
    return BUILTINS[name].impl(FactContext(VOCAB, log, moment), t)


# -- properties ---------------------------------------------------------------------

@PROFILE
@given(logs(), moments, moments)
def test_clock_functions_are_monotonic_in_the_moment(data, m1, m2):
    log = EventLog.from_dict(data)
    early, late = sorted((m1, m2))
    times = [e.at for e in log.events] + [_at(log, m1)]
    for t in times:
        for name in ("days_since", "hours_since", "business_days_since", "weeks_since"):
            assert _clock(name, log, _at(log, early), t) <= _clock(name, log, _at(log, late), t), name
        assert _clock("days_until", log, _at(log, early), t) >= _clock("days_until", log, _at(log, late), t)


@PROFILE
@given(logs(), moments)
def test_clock_functions_agree_with_their_definitions(data, m):
    log = EventLog.from_dict(data)
    now = _at(log, m)
    for event in log.events:
        t = event.at
        days = (now.astimezone(log.tz).date() - t.astimezone(log.tz).date()).days
        assert _clock("days_since", log, now, t) == days
        assert _clock("days_until", log, now, t) == -days
        assert _clock("weeks_since", log, now, t) == days // 7
        hours = (now.timestamp() - t.timestamp()) / 3600
        assert _clock("hours_since", log, now, t) == pytest.approx(hours, abs=1e-9)


@PROFILE
@given(logs(), moments, st.lists(st.integers(1, 30 * 24 * 60), max_size=4))
def test_events_after_the_moment_never_change_a_fact(data, m, later):
    log = EventLog.from_dict(data)
    moment = _at(log, m)
    known = [raw for raw, e in zip(data["events"], _by_input(log)) if e.at <= moment]
    future = [{"type": "follow_up_sent", "at": (moment + timedelta(minutes=k)).isoformat()}
              for k in later]
    future += [{"type": "rejected", "at": (moment + timedelta(minutes=k)).isoformat()} for k in later]
    expected = _all_facts(log, moment)
    assert _all_facts(EventLog.from_dict({**data, "events": known}), moment) == expected
    extended = {**data, "events": data["events"] + future}
    assert _all_facts(EventLog.from_dict(extended), moment) == expected


@PROFILE
@given(logs(), moments, st.randoms(use_true_random=False))
def test_shuffling_events_never_changes_a_fact(data, m, rnd):
    log = EventLog.from_dict(data)
    assume(len({e.at for e in log.events}) == len(log.events))  # ties keep input order
    shuffled = list(data["events"])
    rnd.shuffle(shuffled)
    other = EventLog.from_dict({**data, "events": shuffled})
    moment = _at(log, m)
    assert _all_facts(other, moment) == _all_facts(log, moment)


@PROFILE
@given(logs(), moments, st.randoms(use_true_random=False))
def test_facts_do_not_depend_on_the_order_they_are_read(data, m, rnd):
    log = EventLog.from_dict(data)
    moment = _at(log, m)
    names = list(VOCAB.facts)
    reference = _all_facts(log, moment, names)
    for _ in range(3):
        rnd.shuffle(names)
        assert _all_facts(log, moment, names) == reference
    # provenance (on a fresh context, read in another order) agrees too
    a = FactContext(VOCAB, log, moment, provenance=True)
    b = FactContext(VOCAB, log, moment, provenance=True)
    rnd.shuffle(names)
    for name in names:
        b[name]
    for name in names:
        assert [e.index for e in a.sources(name)] == [e.index for e in b.sources(name)], name
        assert json_value(a[name]) == reference[name]


@settings(max_examples=300, deadline=None)
@given(st.dates(date(2020, 1, 1), date(2032, 12, 31)), st.integers(-60, 60))
def test_business_days_count_weekdays(start, delta):
    end = start + timedelta(days=delta)
    low, high = sorted((start, end))
    weekdays = sum(1 for k in range(1, (high - low).days + 1)
                   if (low + timedelta(days=k)).weekday() < 5)
    assert _business_days_between(start, end) == (weekdays if end >= start else -weekdays)


def _by_input(log: EventLog):
    return sorted(log.events, key=lambda e: e.index)


# -- fixed cases: DST, leap day, weekends ------------------------------------------

def _values(zone: str, t: str, now: str, names=CLOCK_FUNCTIONS) -> dict:
    log = EventLog.from_dict({"timezone": zone, "events": []})
    ctx = FactContext(VOCAB, log, parse_moment(now, log.tz))
    tt = parse_moment(t, log.tz)
    return {name: BUILTINS[name].impl(ctx, tt) for name in names}


@pytest.mark.parametrize("zone, t, now, days, hours", [
    # spring forward: a calendar day of 23 hours
    ("America/New_York", "2026-03-07T12:00", "2026-03-08T12:00", 1, 23.0),
    ("America/New_York", "2026-03-07T23:30", "2026-03-08T03:30", 1, 3.0),
    ("America/New_York", "2026-03-08T01:59", "2026-03-08T03:00", 0, 1 / 60),
    ("Europe/London", "2026-03-28T12:00", "2026-03-29T12:00", 1, 23.0),
    ("Europe/London", "2026-03-29T00:30", "2026-03-29T02:30", 0, 1.0),
    # fall back: a calendar day of 25 hours
    ("America/New_York", "2026-10-31T12:00", "2026-11-01T12:00", 1, 25.0),
    ("America/New_York", "2026-11-01T00:30", "2026-11-01T01:30-05:00", 0, 2.0),
    ("Europe/London", "2026-10-24T12:00", "2026-10-25T12:00", 1, 25.0),
    ("Europe/London", "2026-10-25T00:30", "2026-10-25T01:30+00:00", 0, 2.0),
    # a week across the change is 7 days, not 168 hours
    ("America/New_York", "2026-03-04T09:00", "2026-03-11T09:00", 7, 167.0),
    ("Europe/London", "2026-10-21T09:00", "2026-10-28T09:00", 7, 169.0),
])
def test_days_since_counts_calendar_days_and_hours_since_elapsed_hours(zone, t, now, days, hours):
    got = _values(zone, t, now)
    assert got["days_since"] == days
    assert got["days_until"] == -days
    assert got["weeks_since"] == days // 7
    assert got["hours_since"] == pytest.approx(hours)


def test_facts_across_the_spring_change_in_new_york():
    log = EventLog.from_dict({"timezone": "America/New_York", "events": [
        {"type": "interview", "at": "2026-03-06T16:00", "interviewers": ["A"]},
        {"type": "decision_expected", "at": "2026-03-06T16:30", "by": "2026-03-08"},
        {"type": "follow_up_sent", "at": "2026-03-08T09:00"}]})
    ctx = FactContext(VOCAB, log, parse_moment("2026-03-09T09:00", log.tz))
    assert ctx["deadline"].isoformat() == "2026-03-08T00:00:00-05:00"
    assert ctx["last_contact"].isoformat() == "2026-03-08T09:00:00-04:00"
    assert ctx["contacts_since_deadline"] == 1
    hours = BUILTINS["hours_since"].impl
    assert hours(ctx, ctx["deadline"]) == 32.0  # midnight EST to 09:00 EDT next day
    assert hours(ctx, ctx["interview"]) == 64.0


@pytest.mark.parametrize("t, now, expected", [
    ("2028-02-28T10:00", "2028-03-01T10:00", {"days_since": 2, "business_days_since": 2, "hours_since": 48.0}),
    ("2028-02-29T10:00", "2028-03-07T10:00", {"days_since": 7, "weeks_since": 1, "business_days_since": 5}),
    ("2028-02-29T10:00", "2029-02-28T10:00", {"days_since": 365}),
    ("2028-02-29T10:00", "2029-03-01T10:00", {"days_since": 366}),
    ("2027-02-28T10:00", "2027-03-01T10:00", {"days_since": 1}),
    ("2028-03-01T00:00", "2028-02-29T00:00", {"days_until": 1, "hours_since": -24.0}),
])
def test_leap_day(t, now, expected):
    assert _values("Europe/London", t, now, list(expected)) == expected


def test_weekday_of_a_leap_day():
    log = EventLog.from_dict({"timezone": "UTC", "events": [
        {"type": "interview", "at": "2028-02-29T10:00", "interviewers": ["A"]}]})
    ctx = FactContext(VOCAB, log, parse_moment("2028-03-01T10:00", log.tz))
    assert BUILTINS["weekday"].impl(ctx, ctx["interview"]) == "tuesday"


@pytest.mark.parametrize("t, now, business_days", [
    ("2026-11-20T16:00", "2026-11-20T18:00", 0),   # Fri → Fri
    ("2026-11-20T16:00", "2026-11-21T10:00", 0),   # Fri → Sat
    ("2026-11-20T16:00", "2026-11-22T10:00", 0),   # Fri → Sun
    ("2026-11-20T16:00", "2026-11-23T08:00", 1),   # Fri → Mon
    ("2026-11-20T16:00", "2026-11-27T08:00", 5),   # Fri → next Fri
    ("2026-11-20T16:00", "2026-11-30T08:00", 6),   # Fri → Mon after
    ("2026-11-21T10:00", "2026-11-23T08:00", 1),   # Sat → Mon
    ("2026-11-22T10:00", "2026-11-22T20:00", 0),   # Sun → Sun
    ("2026-11-16T10:00", "2026-12-14T10:00", 20),  # four weeks
    ("2026-11-23T10:00", "2026-11-20T10:00", -1),  # the future: Mon seen from Fri
    ("2026-11-22T10:00", "2026-11-20T10:00", 0),   # the future: Sun seen from Fri
])
def test_business_days_over_weekends(t, now, business_days):
    assert _values("America/New_York", t, now, ["business_days_since"]) == {
        "business_days_since": business_days}


def test_business_days_count_local_dates():
    # 23:30 Friday in New York is Saturday in UTC: still Friday for the log
    assert _values("America/New_York", "2026-11-20T23:30", "2026-11-23T09:00",
                   ["business_days_since", "days_since"]) == {"business_days_since": 1, "days_since": 3}
    assert _values("UTC", "2026-11-21T04:30", "2026-11-23T09:00",
                   ["business_days_since", "days_since"]) == {"business_days_since": 1, "days_since": 2}


def test_local_hour_and_weekday_follow_the_zone_across_dst():
    log = EventLog.from_dict({"timezone": "Europe/London", "events": []})
    ctx = FactContext(VOCAB, log, parse_moment("2026-10-26T00:00", log.tz))
    at = parse_moment("2026-10-25T23:30Z", log.tz)  # after the change: GMT = UTC
    assert (BUILTINS["local_hour"].impl(ctx, at), BUILTINS["weekday"].impl(ctx, at)) == (23, "sunday")
    at = parse_moment("2026-10-24T23:30Z", log.tz)  # before: BST, already Sunday 00:30
    assert (BUILTINS["local_hour"].impl(ctx, at), BUILTINS["weekday"].impl(ctx, at)) == (0, "sunday")


# --- local wall times to pinned moments: the quick way equals the reference way -------------

def _reference_local(naive: datetime, tz) -> datetime:
    """What parse_moment did before its quick path: three conversions."""
    aware = naive.replace(tzinfo=tz, fold=0).astimezone(timezone.utc).astimezone(tz)
    return aware.replace(tzinfo=timezone(aware.utcoffset()), fold=0)


def _reading(moment: datetime) -> tuple:
    return (moment.isoformat(), moment.utcoffset(), moment.fold)


# every change of 2026 in zones with whole-hour, half-hour and 30-minute DST
# steps, Samoa's skipped day of 2011 and year-long stretches around them
_CHANGES = [("America/New_York", datetime(2026, 3, 8, 2)), ("America/New_York", datetime(2026, 11, 1, 1)),
            ("Europe/London", datetime(2026, 3, 29, 1)), ("Europe/London", datetime(2026, 10, 25, 1)),
            ("Australia/Lord_Howe", datetime(2026, 4, 5, 1, 30)),
            ("Australia/Lord_Howe", datetime(2026, 10, 4, 2)),
            ("Pacific/Chatham", datetime(2026, 4, 5, 2, 45)), ("Pacific/Apia", datetime(2011, 12, 30)),
            ("Asia/Kolkata", datetime(1945, 10, 15)), ("America/Sao_Paulo", datetime(2018, 11, 4))]


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(_CHANGES), st.integers(-36 * 60 * 60, 36 * 60 * 60))
def test_local_times_near_zone_changes_pin_as_the_reference_does(change, seconds):
    from engine.input.times import _local_pinned

    zone, moment = change
    naive = moment + timedelta(seconds=seconds)
    tz = get_zone(zone)
    assert _reading(_local_pinned(naive, tz)) == _reading(_reference_local(naive, tz))


@pytest.mark.parametrize("zone", ["America/New_York", "Pacific/Apia", "Australia/Lord_Howe",
                                  "Europe/Dublin", "Africa/Casablanca", "UTC"])
def test_every_quarter_hour_of_a_year_pins_as_the_reference_does(zone):
    from engine.input.times import _local_pinned

    tz = get_zone(zone)
    start = datetime(2011 if zone == "Pacific/Apia" else 2026, 1, 1)
    for step in range(0, 366 * 24 * 4):
        naive = start + timedelta(minutes=15 * step)
        assert _reading(_local_pinned(naive, tz)) == _reading(_reference_local(naive, tz)), naive


class _FoldBlind(tzinfo):
    """New York's rules, as a tzinfo that ignores ``fold`` (like some older
    libraries): 02:00-03:00 on 2026-03-08 is skipped."""

    def utcoffset(self, dt):
        start = datetime(2026, 3, 8, 2)
        return timedelta(hours=-4) if dt.replace(tzinfo=None) >= start else timedelta(hours=-5)

    def dst(self, dt):
        return timedelta(0)

    def fromutc(self, dt):
        naive = dt.replace(tzinfo=None)
        offset = timedelta(hours=-4) if naive >= datetime(2026, 3, 8, 7) else timedelta(hours=-5)
        return (naive + offset).replace(tzinfo=self)


def test_other_tzinfo_kinds_take_the_reference_path():
    """A tzinfo that ignores fold would let a skipped time through the quick
    path: such zones go the reference way."""
    from engine.input.times import _local_pinned

    tz = _FoldBlind()
    for minutes in range(0, 24 * 60, 30):
        naive = datetime(2026, 3, 7, 12) + timedelta(minutes=minutes)
        assert _reading(_local_pinned(naive, tz)) == _reading(_reference_local(naive, tz))
