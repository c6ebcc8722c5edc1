"""Regression: ``len``, ``min`` and ``max`` take ``any`` parameters, but values
their implementations cannot handle must be load errors, never a TypeError
during an evaluation (SPEC §5: wrong argument types are load errors)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

import engine
from engine.runtime.facts import FactContext


@pytest.mark.parametrize("text, message", [
    ("len(3) > 0", "len() needs a list or a string, got int"),
    ("len(thank_you_sent)", "len() needs a list or a string, got bool"),
    ('max(last("interview"), last("thank_you_sent")).at < now',
     "max() compares numbers, strings, or dates and times, got event[interview]"),
    ("min([1], ['a']) == [1]", "min() compares numbers, strings, or dates and times, got list[int]"),
    ("min(thank_you_sent, notes_written)", "min() compares numbers, strings, or dates and times, got bool"),
])
def test_unusable_arguments_are_load_errors(text, message):
    with pytest.raises(engine.ConditionTypeError) as info:
        engine.compile_condition(text)
    assert info.value.code == "RULES-E005"
    assert info.value.message == message


@pytest.mark.parametrize("text, value", [
    ("len(interview_part_of_day) > 0", True),
    ('len(last("interview").interviewers) == 2', True),
    ("max(deadline, interview) < now", True),
    ("min(interviewers, 2.5) == 2", True),
    ('max("a", interview_part_of_day) == "morning"', True),
])
def test_usable_arguments_still_work(text, value):
    policies = engine.load_policies()
    log = engine.load_log(Path(__file__).resolve().parents[2] / "examples" / "waiting-past-date.yaml")
    ctx = FactContext(policies.vocabulary, log, datetime(2026, 11, 23, 9, tzinfo=log.tz))
    assert engine.compile_condition(text)(ctx) is value
