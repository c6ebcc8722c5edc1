"""Data-driven scenario tests: every scenario in tests/scenarios/**.yaml is one
pytest case (a log, a moment, the expected stance of rules of one policy).
``tests/scenarios/<id>.yaml`` test the version loaded by default (1.1.0),
``tests/scenarios/1.0.0/<id>.yaml`` pin ``<id>@1.0.0``. Every rule of every
version of every bundled policy must fire in some scenario and be checked as
not firing in another. A scenario named ``fix (…)`` shows a defect of 1.0.0
that 1.1.0 fixes: it passes on 1.1.0 and fails on 1.0.0."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pytest

from engine.apps.scenarios import coverage, load_scenarios, run_scenario
from engine.model.policies import PolicySet, load_policies, policy_files
from engine.base.resources import policies_dir

SCENARIO_DIR = Path(__file__).resolve().parents[1] / "scenarios"
CASES = [s for f in sorted(SCENARIO_DIR.rglob("*.yaml")) for s in load_scenarios(f)]
FIXES = [s for s in CASES if s.name.startswith("fix (") and s.version is None]
POLICY_IDS = ["careerbuilder", "hayes", "followup-guide", "cheatsheet", "halpin"]
VERSIONS = ["1.0.0", "1.1.0"]


@lru_cache(maxsize=None)
def _pinned(ref: str) -> PolicySet:
    return load_policies(select=[ref])


@pytest.mark.parametrize("scenario", CASES, ids=[f"{s.ref}: {s.name}" for s in CASES])
def test_scenario(scenario, policies):
    result = run_scenario(scenario, policies, _pinned)
    assert result.error is None, result.error.render()
    assert not result.mismatches, "\n".join(
        f"{m.rule}: expected {m.expected}, got {m.got}" for m in result.mismatches)


@pytest.mark.parametrize("scenario", FIXES, ids=[f"{s.policy}: {s.name}" for s in FIXES])
def test_fixed_defect_fails_on_1_0_0(scenario):
    old = run_scenario(scenario, _pinned(f"{scenario.policy}@1.0.0"))
    assert not old.ok, "this scenario passes on 1.0.0 too: it shows no defect fixed in 1.1.0"


def test_every_fix_names_its_article_line():
    for s in FIXES:
        assert s.name.startswith("fix (") and ":" in s.name.split(")")[0], s.name


def test_every_bundled_policy_version_has_scenarios(policies):
    covered = {(s.policy, s.version or policies.get(s.policy).version) for s in CASES}
    wanted = {(pid, v) for pid, versions in policy_files(policies_dir()).items() for v in versions}
    assert covered == wanted
    assert {p.version for p in policies.policies} == {"1.1.0"}


@pytest.mark.parametrize("policy_id", POLICY_IDS)
@pytest.mark.parametrize("version", VERSIONS)
def test_every_rule_fires_somewhere_and_is_checked_silent_somewhere(policy_id, version, policies):
    policy = _pinned(f"{policy_id}@{version}").get(policy_id)
    cases = [s for s in CASES if s.policy == policy_id
             and (s.version or policies.get(policy_id).version) == version]
    fires = {r for s in cases for r, v in s.expect.items() if v != "none"}
    silent = {r for s in cases for r, v in s.expect.items() if v == "none"}
    ids = {r.id for r in policy.rules}
    assert ids - fires == set(), f"rules with no firing scenario: {sorted(ids - fires)}"
    assert ids - silent == set(), f"rules with no not-firing scenario: {sorted(ids - silent)}"


def test_coverage_is_complete_on_both_versions(policies):
    results = [run_scenario(s, policies, _pinned) for s in CASES]
    cover = coverage(results, policies)
    assert set(cover) == {f"{p}@{v}" for p in POLICY_IDS for v in VERSIONS}
    assert {ref: never for ref, (_, never) in cover.items() if never} == {}


def test_a_pinned_version_without_a_loader_is_a_clear_error(policies):
    scenario = next(s for s in CASES if s.version == "1.0.0")
    result = run_scenario(scenario, policies)
    assert result.error is not None and result.error.code == "RULES-E052"
    assert f"--policy {scenario.policy}@1.0.0" in (result.error.hint or "")
