"""The evaluator's fast path — every condition of a policy set in one
generated function that computes the facts first (engine/language/compiler.py
``compile_rule_set``) — fires exactly the rules that calling each compiled
condition in turn fires, and leaves the same facts in the context."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from engine.runtime.evaluation import _tables
from engine.model.eventlog import load_log
from engine.runtime.facts import FactContext
from engine.input.times import parse_moment

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))


def one_by_one(tables, ctx) -> list[int]:
    return sorted(i for condition, rules in tables.by_condition if condition(ctx) is True for i in rules)


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_the_fused_function_fires_what_each_condition_fires(policies, example):
    tables = _tables(policies)
    log = load_log(example, policies.vocabulary)
    start = parse_moment("2026-10-20T00:00", log.tz)
    for hours in range(0, 60 * 24, 7):  # every 7 hours over 60 days: every hour of the day
        moment = start + timedelta(hours=hours)
        fused_ctx = FactContext(policies.vocabulary, log, moment)
        plain_ctx = FactContext(policies.vocabulary, log, moment)
        assert tables.fired(fused_ctx) == one_by_one(tables, plain_ctx), (example.name, moment)
        assert dict(fused_ctx) == {name: plain_ctx[name] for name in fused_ctx}
    assert callable(tables.fused)  # the fused path was built and taken


def test_a_context_with_facts_already_set_keeps_them(policies):
    """Only a fresh context takes the fused path (which computes every fact
    anew); one with facts already in it is read as it is."""
    tables = _tables(policies)
    log = load_log(ROOT / "examples" / "waiting-past-date.yaml", policies.vocabulary)
    ctx = FactContext(policies.vocabulary, log, parse_moment("2026-11-23T09:00", log.tz))
    dict.__setitem__(ctx, "outcome", "rejected")  # as if the log said so
    fired = {tables.rules[i][1].id for i in tables.fired(ctx)}
    assert "check-in-after-stated-date" not in fired  # a "pending" rule
    assert ctx["outcome"] == "rejected"
