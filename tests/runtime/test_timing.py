"""``engine.runtime.timing``: how a condition reads the clock is worked out
once per condition and vocabulary, and the kept answer is the one a fresh
look gives (the look-ahead asks for it at every report)."""

from __future__ import annotations

from datetime import datetime

import engine
from engine.model.conditions import compile_condition as compile_expr
from engine.runtime import timing
from engine.runtime.facts import FactContext
from examples import ROOT


def _context(policies) -> FactContext:
    log = engine.load_log(ROOT / "examples" / "waiting-past-date.yaml")
    return FactContext(policies.vocabulary, log, datetime.fromisoformat("2026-11-23T09:00-05:00"))


def test_the_kept_clock_use_is_what_a_fresh_look_finds():
    policies = engine.load_policies()
    ctx = _context(policies)
    conditions = [rule.condition for policy in policies.policies for rule in policy.rules]
    assert len(conditions) > 50
    for condition in conditions:
        kept = timing._clock_use(condition, ctx)
        assert kept == timing._analyse(condition.node, policies.vocabulary.facts)
        assert timing._clock_use(condition, ctx) is kept  # asked again: not worked out again
    uses = [timing._clock_use(c, ctx) for c in conditions]
    assert any(u.days for u in uses) and any(u.hour_args for u in uses) and any(u.compared for u in uses)


def test_an_entry_for_another_object_with_a_reused_id_is_not_taken():
    policies = engine.load_policies()
    ctx = _context(policies)
    condition = compile_expr("hours_since(interview) >= 24", policies.vocabulary)
    stranger = compile_expr("days_since(deadline) >= 3", policies.vocabulary)
    stale = timing._analyse(stranger.node, policies.vocabulary.facts)
    timing._USES[(id(condition), id(policies.vocabulary))] = (stranger, policies.vocabulary, stale)
    use = timing._clock_use(condition, ctx)
    assert use.hour_args and not use.days and use.constants == frozenset({24.0})
    assert use != stale


def test_the_kept_answers_are_bounded():
    policies = engine.load_policies()
    ctx = _context(policies)
    for k in range(timing._MAX_USES + 10):
        timing._clock_use(compile_expr(f"days_since(deadline) >= {k}", policies.vocabulary), ctx)
        assert len(timing._USES) <= timing._MAX_USES
