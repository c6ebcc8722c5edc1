"""Times in text output: in the log's zone at their own UTC offset (across
both daylight-saving changes), and dates given without a time shown as dates.
Regression tests for issue 15 point 5."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

import engine
from engine.render.common import report_now, situation_items, when_text
from engine.render.markdown import render as render_markdown
from engine.render.text import render as render_text

NY = ZoneInfo("America/New_York")


def _report(events, at):
    log = engine.EventLog.from_dict({"timezone": "America/New_York", "events": events})
    return engine.evaluate(engine.load_policies(), log, at=at)


# 2026: summer time ends Sun 1 Nov; 2027: it starts Sun 14 Mar.
@pytest.mark.parametrize("interview, by, at", [
    ("2026-11-16T10:00", "2026-11-20", datetime(2027, 4, 1, 12, tzinfo=NY)),     # EST shown in EDT
    ("2026-10-20T10:00", "2026-10-23", datetime(2026, 11, 10, 12, tzinfo=NY)),   # EDT shown in EST
])
def test_times_keep_their_own_offset_across_a_dst_change(interview, by, at):
    report = _report([{"type": "interview", "at": interview, "interviewers": ["A"]},
                      {"type": "decision_expected", "at": interview, "by": by}], at)
    items = dict(situation_items(report))
    assert items["Interview"].split(" (")[0].endswith(" 10:00"), items["Interview"]
    day = datetime.fromisoformat(by).strftime("%a %d %b %Y")
    assert items["Their date"].startswith(day + " ("), items["Their date"]
    text = render_text(report)
    assert "10:00" in text.split("Interview:")[1].splitlines()[0]
    assert "11:00" not in text.split("Interview:")[1].splitlines()[0]
    assert "09:00" not in text.split("Interview:")[1].splitlines()[0]
    md = render_markdown(report)
    assert " 10:00" in md.split("Interview")[1].splitlines()[0]


def test_a_date_without_a_time_is_shown_as_a_date():
    now = datetime(2026, 11, 18, 9, tzinfo=NY)
    assert when_text("2026-11-20T00:00:00-05:00", now) == "Fri 20 Nov 2026 (in 2 days)"
    assert when_text("2026-11-20T00:30:00-05:00", now) == "Fri 20 Nov 2026 00:30 (in 2 days)"
    assert when_text("2026-11-20T00:00:00-05:00", dates=False) == "Fri 20 Nov 2026 00:00"


def test_report_now_is_in_the_logs_zone():
    report = _report([{"type": "interview", "at": "2026-11-16T10:00", "interviewers": ["A"]}],
                     datetime(2027, 4, 1, 12, tzinfo=NY))
    now = report_now(report)
    assert now.tzinfo == NY and now.utcoffset() == datetime(2027, 4, 1, 12, tzinfo=NY).utcoffset()
    shown = when_text("2026-11-16T10:00:00-05:00", now)
    assert shown.startswith("Mon 16 Nov 2026 10:00 ")


def test_the_header_keeps_the_time_at_midnight():
    report = _report([{"type": "interview", "at": "2026-11-16T10:00", "interviewers": ["A"]}],
                     datetime(2026, 11, 20, 0, 0, tzinfo=NY))
    assert "As of Fri 20 Nov 2026 00:00 (America/New_York)" in render_text(report)


def test_traces_show_a_date_given_without_a_time_as_a_date():
    report = _report([{"type": "interview", "at": "2026-11-16T10:00", "interviewers": ["A"]},
                      {"type": "decision_expected", "at": "2026-11-16T10:30", "by": "2026-11-20"}],
                     datetime(2026, 11, 23, 9, tzinfo=NY))
    traces = [t for g in report.advice for r in g.recommendations for t in r.trace]
    assert "round_deadline = Fri 20 Nov 2026  [from decision_expected (event 2)]" in traces
    assert "interview = Mon 16 Nov 2026 10:00  [from interview (event 1)]" in traces
