"""Scenario tests for policies: a log, a moment, the expected stance of each
rule (``do``, ``avoid`` or ``none``). Run by ``rules test`` and by pytest;
they also measure rule coverage."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from engine.errors import RulesError
from engine.runtime.evaluation import evaluate
from engine.model.eventlog import EventLog, build_log
from engine.model.policies import Policy, PolicySet
from engine.input.documents import Document, Positions, load_document
from engine.input.times import parse_moment

__all__ = ["Scenario", "ScenarioResult", "Mismatch", "load_scenarios", "run_scenarios", "coverage"]

_STANCES = ("do", "avoid", "may", "none")

#: Loads ``policy@version`` (a policy set holding it) for scenario files that
#: pin a version other than the one loaded.
VersionLoader = Callable[[str], PolicySet]


@dataclass(frozen=True, slots=True)
class Mismatch:
    rule: str
    expected: str
    got: str


@dataclass(frozen=True, slots=True)
class Scenario:
    policy: str
    name: str
    at: str
    log: dict[str, Any]
    expect: dict[str, str]
    file: str
    line: int | None
    doc: Document = field(repr=False, compare=False)
    index: int = 0
    version: str | None = None  # pinned by the file's ``policy: id@version``

    @property
    def ref(self) -> str:
        return f"{self.policy}@{self.version}" if self.version else self.policy


@dataclass(frozen=True, slots=True)
class ScenarioResult:
    scenario: Scenario
    mismatches: tuple[Mismatch, ...]
    fired: frozenset[str]  # rule ids of the scenario's policy that fired
    error: RulesError | None = None
    policy: Policy | None = field(default=None, repr=False, compare=False)  # the version run

    @property
    def ok(self) -> bool:
        return not self.mismatches and self.error is None


def _error(doc: Document, path: tuple[Any, ...], message: str) -> RulesError:
    return RulesError(message, code="RULES-E052", **doc.where(path))


def load_scenarios(path: str | Path) -> list[Scenario]:
    doc = load_document(path)
    data = doc.data
    if not isinstance(data, dict) or not isinstance(data.get("policy"), str) \
            or not isinstance(data.get("scenarios"), list):
        raise _error(doc, (), "a scenario file needs 'policy' and a list of 'scenarios'")
    out = []
    for i, s in enumerate(data["scenarios"]):
        path_i = ("scenarios", i)
        if not isinstance(s, dict):
            raise _error(doc, path_i, "a scenario must be a mapping")
        for key in ("name", "at", "log", "expect"):
            if key not in s:
                raise _error(doc, path_i, f"scenario needs '{key}'")
        unknown = set(s) - {"name", "at", "log", "expect"}
        if unknown:
            raise _error(doc, path_i + (sorted(unknown)[0],), f"unknown key '{sorted(unknown)[0]}'")
        if not isinstance(s["expect"], dict):
            raise _error(doc, path_i + ("expect",), "'expect' maps rule ids to do, avoid, may or none")
        for rule, stance in s["expect"].items():
            if stance not in _STANCES:
                raise _error(doc, path_i + ("expect", rule),
                             f"expected do, avoid, may or none, got {stance!r}")
        pid, _, version = data["policy"].partition("@")
        out.append(Scenario(pid, str(s["name"]), s["at"], s["log"], dict(s["expect"]),
                            doc.file, doc.positions.of(path_i)[0], doc, i, version or None))
    return out


def _pinned(scenario: Scenario, policies: PolicySet, load: VersionLoader | None) -> Policy | None:
    policy = policies.get(scenario.policy)
    if policy is None or scenario.version is None or policy.version == scenario.version:
        return policy
    if load is None:
        raise RulesError(f"the scenarios pin {scenario.ref}, but {policy.ref} is loaded",
                         code="RULES-E052", hint=f"run them with --policy {scenario.ref}",
                         **scenario.doc.where(("policy",)))
    return load(scenario.ref).get(scenario.policy)


def run_scenario(scenario: Scenario, policies: PolicySet,
                 load: VersionLoader | None = None) -> ScenarioResult:
    """Run one scenario against the loaded version of its policy, or (when
    the file pins another version and ``load`` is given) against that one."""
    sub = Document(scenario.log, scenario.doc.positions, scenario.doc.file, scenario.doc.text)
    policy = None
    try:
        policy = _pinned(scenario, policies, load)
        if policy is None:
            raise _error(scenario.doc, (), f"no policy '{scenario.policy}' is loaded")
        unknown = [r for r in scenario.expect if policy.rule(r) is None]
        if unknown:
            raise _error(scenario.doc, ("scenarios", scenario.index, "expect", unknown[0]),
                         f"policy '{policy.id}' has no rule '{unknown[0]}'")
        log = _log_at(scenario, sub, policies)
        moment = parse_moment(scenario.at, log.tz)
        single = PolicySet((policy,), policies.vocabulary, policies.actions)
        report = evaluate(single, log, moment, explain=False)
    except RulesError as err:
        return ScenarioResult(scenario, (), frozenset(), err, policy)
    except ValueError as err:
        return ScenarioResult(scenario, (), frozenset(),
                              _error(scenario.doc, ("scenarios", scenario.index, "at"), str(err)), policy)
    fired = {rule: stance for (pid, rule), stance in report.fired().items() if pid == policy.id}
    mismatches = tuple(Mismatch(rule, want, fired.get(rule, "none"))
                       for rule, want in scenario.expect.items() if fired.get(rule, "none") != want)
    return ScenarioResult(scenario, mismatches, frozenset(fired), None, policy)


def _log_at(scenario: Scenario, sub: Document, policies: PolicySet) -> EventLog:
    # Positions of the embedded log are those of the scenario file, under its path.
    prefix = ("scenarios", scenario.index, "log")

    class _Shifted(Positions):
        def of(self, path: tuple[Any, ...], *, key: bool = False) -> tuple[int | None, int | None]:
            return scenario.doc.positions.of(prefix + tuple(path), key=key)

    doc = Document(scenario.log, _Shifted(), sub.file, sub.text)
    return build_log(doc, policies.vocabulary)


def run_scenarios(files: Iterable[str | Path], policies: PolicySet,
                  load: VersionLoader | None = None) -> list[ScenarioResult]:
    results = []
    for f in files:
        for scenario in load_scenarios(f):
            results.append(run_scenario(scenario, policies, load))
    return results


def coverage(results: Iterable[ScenarioResult], policies: PolicySet
             ) -> dict[str, tuple[list[str], list[str]]]:
    """``{policy@version: (rules that fired somewhere, rules that never fired)}``
    for the policy versions the scenarios exercise."""
    fired: dict[str, set[str]] = {}
    run: dict[str, Policy] = {}
    for r in results:
        policy = r.policy or policies.get(r.scenario.policy)
        if policy is None:
            continue
        run[policy.ref] = policy
        fired.setdefault(policy.ref, set()).update(r.fired)
    out = {}
    for ref in sorted(fired):
        ids = [rule.id for rule in run[ref].rules]
        out[ref] = ([i for i in ids if i in fired[ref]], [i for i in ids if i not in fired[ref]])
    return out
