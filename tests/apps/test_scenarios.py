"""Data-driven scenario tests: every scenario in tests/scenarios/*.yaml is one
pytest case (a log, a moment, the expected stance of rules of one policy), and
every rule of every bundled policy must fire in some scenario and be checked
as not firing in another."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.apps.scenarios import load_scenarios, run_scenario

SCENARIO_DIR = Path(__file__).resolve().parents[1] / "scenarios"
CASES = [s for f in sorted(SCENARIO_DIR.glob("*.yaml")) for s in load_scenarios(f)]


@pytest.mark.parametrize("scenario", CASES, ids=[f"{s.policy}: {s.name}" for s in CASES])
def test_scenario(scenario, policies):
    result = run_scenario(scenario, policies)
    assert result.error is None, result.error.render()
    assert not result.mismatches, "\n".join(
        f"{m.rule}: expected {m.expected}, got {m.got}" for m in result.mismatches)


def test_every_bundled_policy_has_scenarios(policies):
    covered = {s.policy for s in CASES}
    assert covered == {p.id for p in policies.policies}


@pytest.mark.parametrize("policy_id", ["careerbuilder", "hayes", "followup-guide", "cheatsheet", "halpin"])
def test_every_rule_fires_somewhere_and_is_checked_silent_somewhere(policy_id, policies):
    policy = policies.get(policy_id)
    cases = [s for s in CASES if s.policy == policy_id]
    fires = {r for s in cases for r, v in s.expect.items() if v in ("do", "avoid")}
    silent = {r for s in cases for r, v in s.expect.items() if v == "none"}
    ids = {r.id for r in policy.rules}
    assert ids - fires == set(), f"rules with no firing scenario: {sorted(ids - fires)}"
    assert ids - silent == set(), f"rules with no not-firing scenario: {sorted(ids - silent)}"
