"""``Report.events_after``: the events of the log after the moment, left out
of the evaluation, counted in both report paths and said in the text and in Markdown."""

from __future__ import annotations

import json
from datetime import datetime

import engine
from engine.render.markdown import render as render_markdown
from engine.render.text import render
from engine.runtime.evaluation import report_json

from examples import ROOT


def test_events_after_the_moment_are_counted_and_said():
    policies = engine.load_policies()
    log = engine.load_log(ROOT / "examples" / "waiting-past-date.yaml")  # six events, 16-17 Nov
    for at, after in ((datetime(2026, 11, 23, 9), 0), (datetime(2026, 11, 16, 12), 4),
                      (datetime(2026, 11, 1), 6)):
        report = engine.evaluate(policies, log, at)
        assert report.events_after == after
        assert report.to_dict()["events_after"] == after
        assert json.loads(report_json(policies, log, at))["events_after"] == after
        for rendered in (render(report), render_markdown(report)):  # (markdown: a regression)
            said = f"{after} event(s) in the log after this moment were ignored" in rendered
            assert said == (after > 0)
