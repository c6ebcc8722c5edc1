"""Times typed into ``rules log``: relative words read against a fixed now,
and times around DST changes stored so they read back as the same instant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.apps.logedit import add_event
from engine.apps.logtimes import now_recorded, read_time, shown
from engine.errors import UsageError
from engine.input.times import get_zone
from engine.model.eventlog import load_log
from engine.model.policies import default_vocabulary

NY = get_zone("America/New_York")
NOW = datetime(2026, 12, 2, 18, 30, tzinfo=NY)  # Wednesday 2 Dec 2026, 18:30


@pytest.mark.parametrize("text, local, stored", [
    ("yesterday 14:00", datetime(2026, 12, 1, 14, 0), "2026-12-01T14:00"),
    ("yesterday at 2pm", datetime(2026, 12, 1, 14, 0), "2026-12-01T14:00"),
    ("today", datetime(2026, 12, 2, 18, 30), "2026-12-02T18:30"),
    ("monday 9:30", datetime(2026, 11, 30, 9, 30), "2026-11-30T09:30"),
    ("friday", datetime(2026, 11, 27, 0, 0), "2026-11-27T00:00"),  # the last one, for an event
    ("2 hours ago", datetime(2026, 12, 2, 16, 30), "2026-12-02T16:30"),
    ("2026-11-16T10:00", datetime(2026, 11, 16, 10, 0), "2026-11-16T10:00"),
    ("2026-11-16 10:00", datetime(2026, 11, 16, 10, 0), "2026-11-16T10:00"),
    ("2026-11-16", datetime(2026, 11, 16, 0, 0), "2026-11-16T00:00"),
])
def test_relative_and_iso_times(text, local, stored):
    recorded = read_time(text, NY, "America/New_York", NOW)
    assert recorded.moment.astimezone(NY).replace(tzinfo=None) == local
    assert recorded.text == stored


def test_a_date_field_prefers_the_future_and_stays_a_date():
    recorded = read_time("next friday", NY, "America/New_York", NOW, prefer="future", dates=True)
    assert recorded.text == "2026-12-04" and recorded.date_only
    assert read_time("friday", NY, "America/New_York", NOW, prefer="future", dates=True).text == "2026-12-04"
    assert read_time("friday 17:00", NY, "America/New_York", NOW, prefer="future",
                     dates=True).text == "2026-12-04T17:00"


def test_a_day_without_a_time_warns_that_00_00_was_recorded():
    recorded = read_time("friday", NY, "America/New_York", NOW)
    assert any("no time of day" in w for w in recorded.warnings)


def test_the_absolute_time_is_shown_with_zone_and_offset():
    assert shown(datetime(2026, 12, 1, 19, 0, tzinfo=UTC), NY) == "Tue 01 Dec 2026 14:00 EST (-05:00)"
    assert shown(datetime(2026, 7, 1, 12, 0, tzinfo=UTC), get_zone("UTC")) == \
        "Wed 01 Jul 2026 12:00 UTC (+00:00)"


@pytest.mark.parametrize("text", ["", "   ", "someday", "14:00 EST", "2026-13-01", "2026-11-16T25:00",
                                  "0999-01-01T00:00"])
def test_unreadable_times_are_usage_errors(text):
    with pytest.raises(UsageError) as info:
        read_time(text, NY, "America/New_York", NOW)
    assert info.value.code in ("RULES-E022", "RULES-E050")


# -- DST: the cases ------------------------------------------------------

def _add(tmp_path, at):
    log = tmp_path / "d.yaml"
    if not log.exists():
        log.write_text("timezone: America/New_York\nevents: []\n")
    change = add_event(log, "notes_written", at, [], default_vocabulary(), now=NOW)
    return log, change


def test_an_explicit_offset_in_the_repeated_hour_is_kept(tmp_path):
    """Regression: `--at 2026-11-01T01:30-05:00` was stored as naive 01:30 (read back as -04:00)."""
    log, change = _add(tmp_path, "2026-11-01T01:30-05:00")
    _add(tmp_path, "2026-11-01T01:30-04:00")
    assert "2026-11-01T01:30-05:00" in log.read_text() and "2026-11-01T01:30-04:00" in log.read_text()
    events = load_log(log).events
    assert [e.at.utcoffset() for e in events] == [timedelta(hours=-4), timedelta(hours=-5)]
    assert events[1].at - events[0].at == timedelta(hours=1)
    assert not change.warnings


def test_a_naive_time_in_the_repeated_hour_is_the_first_and_stored_with_its_offset(tmp_path):
    log, change = _add(tmp_path, "2026-11-01T01:30")
    assert "at: 2026-11-01T01:30-04:00" in log.read_text()
    assert any("happens twice" in w and "2026-11-01T01:30-05:00" in w for w in change.warnings)


def test_a_skipped_time_moves_forward_with_a_warning(tmp_path):
    """Regression: `--at 2026-03-08T02:30` silently became 03:30."""
    log, change = _add(tmp_path, "2026-03-08T02:30")
    assert "at: 2026-03-08T03:30-04:00" in log.read_text()
    assert any("does not exist" in w and "03:30 EDT" in w for w in change.warnings)


def test_now_in_the_repeated_hour_is_stored_with_its_offset():
    """Regression: the default "now" in the repeated hour lost its offset."""
    second = datetime(2026, 11, 1, 6, 40, tzinfo=UTC)  # 01:40 EST, the second 01:40
    recorded = now_recorded(second, NY, "America/New_York")
    assert recorded.text == "2026-11-01T01:40-05:00" and recorded.moment == second
    ordinary = now_recorded(datetime(2026, 11, 2, 15, 0, 59, tzinfo=UTC), NY, "America/New_York")
    assert ordinary.text == "2026-11-02T10:00"


@settings(max_examples=120, deadline=None)
@given(text=st.text(max_size=40))
def test_any_text_is_a_time_or_a_usage_error(text):
    """No input to --at gives anything but a time or a clean error."""
    try:
        recorded = read_time(text, NY, "America/New_York", NOW)
    except UsageError:
        return
    assert recorded.moment.tzinfo is not None and recorded.text


def test_a_field_given_where_the_type_belongs_says_so(tmp_path):
    log = tmp_path / "l.yaml"
    log.write_text("timezone: UTC\nevents: []\n")
    with pytest.raises(UsageError, match="TYPE is missing"):
        add_event(log, "channel=email", None, [], default_vocabulary(), now=NOW)


def test_log_list_tells_the_two_times_of_a_repeated_hour_apart(tmp_path, capsys):
    from engine.cli import main
    log, _ = _add(tmp_path, "2026-11-01T01:30-04:00")
    _add(tmp_path, "2026-11-01T01:30-05:00")
    _add(tmp_path, "2026-11-01T03:00")
    assert main(["log", "list", str(log)]) == 0
    out = capsys.readouterr().out
    assert "Sun 01 Nov 2026 01:30 EDT  notes_written" in out
    assert "Sun 01 Nov 2026 01:30 EST  notes_written" in out
    assert "Sun 01 Nov 2026 03:00  notes_written" in out
