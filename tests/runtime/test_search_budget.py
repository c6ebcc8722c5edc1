"""The look-ahead's work budget (issue 20, point 10): one report or plan
evaluates conditions at most ``search_budget`` times while looking ahead; a
search the budget cut short says so instead of claiming the rule never fires,
and every search it did not cut finds what an unbounded one finds."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.cli import main
from engine.errors import UsageError
from engine.model.eventlog import load_log
from engine.model.policies import load_policies
from engine.runtime import timing
from engine.runtime.evaluation import evaluate
from engine.runtime.plan import build_plan
from engine.render.why_text import render_why
from engine.runtime.why import explain_rule

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "waiting-past-date.yaml"
AT = datetime(2026, 11, 23, 9)


def many_rules(tmp_path: Path, count: int) -> Path:
    """The bundled policies and one with ``count`` rules on an advised action
    that never fire within ten years but must be looked at every hour."""
    folder = tmp_path / "policies"
    shutil.copytree(ROOT / "policies", folder)
    rules = "".join(
        f"  - id: r{i}\n    summary: Rule {i}.\n"
        f"    when: hours_since(interview) > {100000 + i} and local_hour(now) == {i % 24}"
        f" and outcome == \"pending\"\n"
        f"    then: {{action: check_in, stance: do}}\n    cite: {{section: S, quote: q}}\n"
        for i in range(count))
    (folder / "big").mkdir()
    (folder / "big" / "1.0.0.yaml").write_text(
        "policy: big\nversion: 1.0.0\ntitle: Big\nsource: {author: X, published: 2020-01-01, "
        "document: none.txt}\nrequires: \">=1.0\"\nchanges: [{version: 1.0.0, summary: First.}]\n"
        "rules:\n" + rules)
    return folder


@pytest.fixture
def counted(monkeypatch):
    """How many evaluations the searches were charged."""
    calls = {"n": 0}
    charge = timing.SearchBudget.charge

    def counting(self, moment):
        charge(self, moment)
        calls["n"] += 1

    monkeypatch.setattr(timing.SearchBudget, "charge", counting)
    return calls


def test_a_thousand_hourly_rules_over_ten_years_stay_within_the_budget(tmp_path, counted):
    policies = load_policies(many_rules(tmp_path, 1000), cache=False)
    log = load_log(EXAMPLE, policies.vocabulary)
    report = evaluate(policies, log, AT, horizon=timedelta(days=3650), search_budget=50_000)
    assert counted["n"] == 50_000
    big = [n for g in report.advice for n in g.not_firing if n.policy == "big"]
    assert len(big) == 1000
    assert all(n.next_fires_at is None and n.search_cut_short_at for n in big)
    assert "search_cut_short_at" in big[-1].to_dict()


def test_the_default_budget_is_the_clis_and_documented():
    from engine.cli.common import search_budget_option  # noqa: F401
    import click
    from engine.cli import cli
    explain = cli.commands["explain"]
    option = next(p for p in explain.params if p.name == "search_budget")
    assert isinstance(option, click.Option) and option.default == timing.DEFAULT_SEARCH_BUDGET
    assert f"{timing.DEFAULT_SEARCH_BUDGET:,}" in (ROOT / "docs" / "embedding.md").read_text()


def test_the_bundled_policies_are_never_cut_by_the_default_budget():
    policies = load_policies()
    for example in sorted((ROOT / "examples").glob("*.yaml")):
        log = load_log(example, policies.vocabulary)
        for days in (60, 3650):
            report = evaluate(policies, log, AT, horizon=timedelta(days=days))
            assert not [n for g in report.advice for n in g.not_firing if n.search_cut_short_at], \
                (example.name, days)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 3000), st.sampled_from(sorted((ROOT / "examples").glob("*.yaml"))))
def test_a_search_not_cut_finds_what_an_unbounded_one_finds(budget, example):
    policies = load_policies()
    log = load_log(example, policies.vocabulary)
    full = evaluate(policies, log, AT, search_budget=10**9)
    cut = evaluate(policies, log, AT, search_budget=budget)
    pairs = [(a, b) for ga, gb in zip(full.advice, cut.advice) for a, b in zip(ga.not_firing, gb.not_firing)]
    for whole, part in pairs:
        if part.search_cut_short_at is None:
            assert part == whole
        else:
            assert part.next_fires_at is None
            assert whole.next_fires_at is None or whole.next_fires_at > part.search_cut_short_at
    assert full.recommendations() == cut.recommendations()


def test_the_plan_and_why_say_where_the_search_stopped(tmp_path):
    policies = load_policies()
    log = load_log(EXAMPLE, policies.vocabulary)
    plan = build_plan(policies, log, AT, days=30, search_budget=100)
    assert plan.cut_short and "search_cut_short" in plan.to_dict()
    assert not build_plan(policies, log, AT, days=30).cut_short
    result = explain_rule(policies, log, AT, "check-in-after-stated-date", search_budget=0)
    assert result["search_cut_short_at"] and "not before" in render_why(result, "text")


def test_the_cli_says_the_search_was_cut_short(capsys):
    code = main(["explain", str(EXAMPLE), "--at", "2026-11-23T09:00", "--search-budget", "5"])
    err = capsys.readouterr().err
    assert code == 0 and "the look-ahead stopped after 5 condition evaluations" in err
    assert main(["explain", str(EXAMPLE), "--at", "2026-11-23T09:00"]) == 0
    assert "look-ahead" not in capsys.readouterr().err


@pytest.mark.parametrize("bad", [-1, 1.5, True, "10"])
def test_a_bad_budget_is_a_usage_error(bad):
    policies = load_policies()
    log = load_log(EXAMPLE, policies.vocabulary)
    with pytest.raises(UsageError):
        evaluate(policies, log, AT, search_budget=bad)
