"""The first screen of ``rules explain`` and the width of every text line:
at most 25 lines at 80 columns for each example, the most urgent action
first, every line naming its sources, no line wider than the terminal."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from hypothesis import given, settings
from hypothesis import strategies as st
import pytest

from engine.cli import main
from engine.model.eventlog import load_log
from engine.model.policies import load_policies
from engine.render import render_report
from engine.render.first_screen import MAX_LINES, first_screen, render_first_screen
from engine.render.layout import terminal_width, wrap
from engine.render.plan_text import render_plan_text
from engine.runtime.evaluation import evaluate
from engine.runtime.plan import build_plan

from examples import EXAMPLES, ROOT, moment_of


@lru_cache(maxsize=None)
def evaluated(name: str):
    policies = load_policies()
    path = ROOT / "examples" / f"{name}.yaml"
    log = load_log(path, policies.vocabulary)
    at = datetime.fromisoformat(moment_of(path))
    return evaluate(policies, log, at), build_plan(policies, log, at, 60), build_plan(policies, log, at, 30)


NAMES = [p.stem for p in EXAMPLES]


@pytest.mark.parametrize("name", NAMES)
def test_first_screen_fits_at_80_columns(name):
    report, plan, _ = evaluated(name)
    text = render_first_screen(report, plan, width=80)
    lines = text.splitlines()
    assert len(lines) <= MAX_LINES and max(map(len, lines)) <= 80
    assert lines[lines.index("") + 1].startswith("NOW (")


@pytest.mark.parametrize("name", NAMES)
def test_every_advice_line_names_its_sources(name):
    report, plan, _ = evaluated(name)
    fs = first_screen(report, plan)
    sources = {p.policy for p in report.policies}
    for line in fs.now + fs.wait + fs.next + fs.always_do + fs.always_avoid + fs.disagreements:
        assert any(s in line.sources for s in sources), line


def test_most_urgent_first():
    report, plan, _ = evaluated("just-interviewed")
    text = render_first_screen(report, plan, width=80)
    # Hayes' same-afternoon window closes at 17:00: the thank-you note leads.
    assert text.splitlines()[3].startswith("  ✓ Send a thank-you note, by today 17:00 —")
    assert "✗ Check in with the employer: not before Sat 21 Nov — cheatsheet" in text
    assert "→ from Sat 21 Nov: check in with the employer (email or phone) — cheatsheet, followup-guide" \
        in " ".join(text.split())


def test_sources_with_other_parameters_and_the_value_that_suits_all():
    report, plan, _ = evaluated("waiting-past-date")
    text = " ".join(render_first_screen(report, plan).split())
    assert ("✓ Check in with the employer (email or phone) — cheatsheet, followup-guide; halpin says phone, "
            "interviewer; hayes says any way (phone, interviewer suits all)" in text)
    # a source's rules that differ in parameters keep them (LinkedIn yes, Facebook no)
    assert ("connect with the interviewer on social media (facebook) — followup-guide; halpin says in any form"
            in text)
    assert "⚠ Connect with the interviewer on social media — may: followup-guide; avoid: halpin" in text


@settings(max_examples=60, deadline=None)
@given(name=st.sampled_from(NAMES), width=st.integers(60, 200))
def test_no_text_line_is_wider_than_the_terminal(name, width):
    report, plan, plan30 = evaluated(name)
    for text in (render_first_screen(report, plan, width=width), render_report(report, "text", width=width),
                 render_plan_text(plan30, width=width)):
        assert max(len(line) for line in text.splitlines()) <= width


@given(text=st.text(min_size=0, max_size=300), width=st.integers(40, 200),
       indent=st.sampled_from(["", "  ", "    "]))
def test_wrap_keeps_within_width_and_every_word(text, width, indent):
    lines = wrap(text, width, indent, "  ")
    assert all(len(line) <= width for line in lines)
    assert "".join("".join(lines).split()) == "".join(text.split())


def test_terminal_width():
    assert terminal_width(None, {"COLUMNS": "120"}) == 120
    assert terminal_width(None, {}) == 80  # off a terminal
    assert terminal_width(None, {"COLUMNS": "junk"}) == 80
    assert terminal_width(None, {"COLUMNS": "5"}) == 40


def test_cli_first_screen_details_and_columns(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    argv = ["explain", "examples/waiting-past-date.yaml", "--at", "2026-11-23T09:00"]
    monkeypatch.setenv("COLUMNS", "100")
    assert main(argv) == 0
    brief = capsys.readouterr().out
    assert brief.splitlines()[2] == "NOW (Mon 23 Nov 2026)" and "when:" not in brief
    assert max(map(len, brief.splitlines())) <= 100
    monkeypatch.setenv("COLUMNS", "60")
    assert main([*argv, "--details"]) == 0
    details = capsys.readouterr().out
    assert "SITUATION" in details and "days_since(round_deadline) = 3" in details
    assert max(map(len, details.splitlines())) <= 60
    assert "Their date: Fri 20 Nov 2026 (3 days ago)" in " ".join(details.split())  # a date, not 00:00


def test_timing_disagreement_groups_sources_by_window():
    report, plan, _ = evaluated("just-interviewed")
    lines = [line.plain() for line in first_screen(report, plan).disagreements]
    assert ("⚠ Check in with the employer: when — cheatsheet, followup-guide from Sat 21 Nov; "
            "halpin, hayes from Mon 23 Nov") in lines
    assert ("⚠ Send a thank-you note: when — careerbuilder, cheatsheet, halpin, hayes now through Thu 19 Nov; "
            "followup-guide from tomorrow through Thu 19 Nov") in lines


def test_what_the_latest_event_brought_is_due_now_not_standing():
    """Regression: after a rejection, asking for feedback is due now (it was
    listed as standing advice, "Nothing is due today", because no clock moves
    it in hayes 1.0.0)."""
    policies = load_policies(select=("hayes@1.0.0", "followup-guide@1.0.0"))
    path = ROOT / "examples" / "rejected.yaml"
    log = load_log(path, policies.vocabulary)
    at = datetime.fromisoformat(moment_of(path))
    plan = build_plan(policies, log, at, 60)
    feedback = next(i for i in plan.items if i.action == "ask_for_feedback")
    assert not feedback.timed and feedback.news  # no clock in it: the rejection brought it
    fs = first_screen(evaluate(policies, log, at), plan)
    assert "Ask for feedback" in [line.text for line in fs.now]
    assert "Proofread before sending" in [line.text for line in fs.always_do]  # held before the rejection too


def test_events_after_the_moment_are_mentioned(policies):
    path = ROOT / "examples" / "waiting-past-date.yaml"
    log = load_log(path, policies.vocabulary)
    at = datetime(2026, 11, 16, 17, 0, tzinfo=log.tz)  # before two of its events
    text = render_first_screen(evaluate(policies, log, at), build_plan(policies, log, at, 60))
    assert text.splitlines()[1] == "2 event(s) in the log after this moment were ignored (a later --at includes"
    assert len(text.splitlines()) <= MAX_LINES
