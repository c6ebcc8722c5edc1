"""Scenario tests for policies: a log, a moment, the expected stance of each
rule (``do``, ``avoid``, ``may`` or ``none``). Run by ``rules test`` and by
pytest; they also measure rule coverage.

A scenario's ``log`` is written inline, or names a log file (relative to the
scenario file) that several scenarios share, each at its own ``at``; a
``log:`` at the top of the file is the default for every scenario in it.
Validated by ``schemas/scenarios.schema.json``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from engine.base.suggestions import suggest
from engine.errors import RulesError
from engine.input.documents import Document, Positions, load_document
from engine.input.times import parse_moment
from engine.model.eventlog import EventLog, load_log, checked_log
from engine.model.policies import Policy, PolicySet
from engine.runtime.evaluation import evaluate

__all__ = ["Scenario", "ScenarioResult", "Mismatch", "load_scenarios", "run_scenario", "run_scenarios",
           "run_scenario_files", "scenario_files", "coverage"]

_STANCES = ("do", "avoid", "may", "none")
_KEYS = ("name", "at", "log", "expect")

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
    log: Any  # the log's data, or the name of a shared log file
    expect: dict[str, str]
    file: str
    line: int | None
    doc: Document = field(repr=False, compare=False)
    index: int = 0
    log_path: tuple[Any, ...] = ()  # where the log is in the scenario file
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


def _error(doc: Document, path: tuple[Any, ...], message: str, hint: str | None = None) -> RulesError:
    return RulesError(message, code="RULES-E052", hint=hint, **doc.where(path))


def scenario_files(paths: Iterable[str | Path]) -> list[Path]:
    """The scenario files under ``paths`` (files, or folders searched for
    ``*.yaml`` at any depth), in order, once each."""
    from engine.errors import InputError

    files: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            files.extend(sorted(p.rglob("*.yaml")))
        elif p.is_file():
            files.append(p)
        else:
            raise InputError("no such scenario file or folder", code="RULES-E051", file=str(p))
    return list(dict.fromkeys(files))


def load_scenarios(path: str | Path) -> list[Scenario]:
    doc = load_document(path)
    data = doc.data
    if not isinstance(data, dict) or not isinstance(data.get("policy"), str) \
            or not isinstance(data.get("scenarios"), list):
        raise _error(doc, (), "a scenario file needs 'policy' and a list of 'scenarios'")
    unknown_top = [k for k in data if k not in ("policy", "scenarios", "log")]
    if unknown_top:
        raise _error(doc, (unknown_top[0],), f"unknown key '{unknown_top[0]}'",
                     suggest(str(unknown_top[0]), ["policy", "scenarios", "log"]))
    out = []
    for i, s in enumerate(data["scenarios"]):
        path_i = ("scenarios", i)
        if not isinstance(s, dict):
            raise _error(doc, path_i, "a scenario must be a mapping")
        unknown = [k for k in s if k not in _KEYS]
        if unknown:
            raise _error(doc, path_i + (unknown[0],), f"unknown key '{unknown[0]}'",
                         suggest(str(unknown[0]), _KEYS))
        for key in ("name", "at", "expect"):
            if key not in s:
                raise _error(doc, path_i, f"scenario needs '{key}'")
        log_path: tuple[str | int, ...]
        if "log" in s:
            log, log_path = s["log"], path_i + ("log",)
        elif "log" in data:
            log, log_path = data["log"], ("log",)
        else:
            raise _error(doc, path_i, "scenario needs 'log' (here, or one at the top of the file)")
        if not isinstance(log, (dict, str)):
            raise _error(doc, log_path, "'log' is a log (a mapping) or the name of a log file")
        if not isinstance(s["expect"], dict):
            raise _error(doc, path_i + ("expect",), "'expect' maps rule ids to do, avoid, may or none")
        for rule, stance in s["expect"].items():
            if stance not in _STANCES:
                raise _error(doc, path_i + ("expect", rule),
                             f"expected do, avoid, may or none, got {stance!r}")
        pid, _, version = data["policy"].partition("@")
        out.append(Scenario(pid, str(s["name"]), str(s["at"]), log, dict(s["expect"]),
                            doc.file, doc.positions.of(path_i)[0], doc, i, log_path, version or None))
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


def run_scenario(scenario: Scenario, policies: PolicySet, load: VersionLoader | None = None,
                 logs: dict[Path, EventLog] | None = None) -> ScenarioResult:
    """Run one scenario against the loaded version of its policy, or (when
    the file pins another version and ``load`` is given) against that one."""
    policy = None
    try:
        policy = _pinned(scenario, policies, load)
        if policy is None:
            raise _unknown_policy(scenario.doc, scenario.policy, policies)
        unknown = [r for r in scenario.expect if policy.rule(r) is None]
        if unknown:
            raise _error(scenario.doc, ("scenarios", scenario.index, "expect", unknown[0]),
                         f"policy '{policy.id}' has no rule '{unknown[0]}'",
                         suggest(unknown[0], [r.id for r in policy.rules]))
        log = _log_of(scenario, policies, {} if logs is None else logs)
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


def _unknown_policy(doc: Document, pid: str, policies: PolicySet) -> RulesError:
    loaded = [p.id for p in policies]
    return _error(doc, ("policy",), f"no policy '{pid}' is loaded",
                  suggest(pid, loaded) or f"loaded: {', '.join(loaded) or 'none'}")


def _log_of(scenario: Scenario, policies: PolicySet, logs: dict[Path, EventLog]) -> EventLog:
    if isinstance(scenario.log, str):
        # A shared log file, relative to the scenario file; read once per run.
        base = Path(scenario.doc.file).parent
        path = (base / scenario.log).resolve()
        if path not in logs:
            if not path.is_file():
                raise _error(scenario.doc, scenario.log_path, f"no log file '{scenario.log}'",
                             f"the path is relative to {scenario.doc.file}")
            logs[path] = load_log(path, policies.vocabulary)
        return logs[path]
    # Positions of the embedded log are those of the scenario file, under its path.
    prefix = scenario.log_path
    outer = scenario.doc.positions

    class _Shifted(Positions):
        def of(self, path: tuple[Any, ...], *, key: bool = False) -> tuple[int | None, int | None]:
            return outer.of(prefix + tuple(path), key=key)

    doc = Document(scenario.log, _Shifted(), scenario.doc.file, scenario.doc.text)
    return checked_log(doc, policies.vocabulary)


def run_scenario_files(files: Iterable[str | Path], policies: PolicySet,
                       load: VersionLoader | None = None, *,
                       skip: Iterable[str] = (), skipped_files: list[Path] | None = None,
                       ) -> tuple[list[ScenarioResult], list[RulesError]]:
    """Run every scenario of ``files``: the results, and the problems that
    stopped a whole file (unreadable, or naming a policy that is not loaded —
    reported once, not once per scenario). Files of the policies in ``skip``
    (known but not selected) are left out."""
    skipped = set(skip)
    results: list[ScenarioResult] = []
    problems: list[RulesError] = []
    logs: dict[Path, EventLog] = {}
    for f in files:
        try:
            scenarios = load_scenarios(f)
        except RulesError as err:
            problems.append(err)
            continue
        if scenarios and scenarios[0].policy in skipped:
            if skipped_files is not None:
                skipped_files.append(Path(f))
            continue
        if scenarios and policies.get(scenarios[0].policy) is None:
            problems.append(_unknown_policy(scenarios[0].doc, scenarios[0].policy, policies))
            continue
        results.extend(run_scenario(s, policies, load, logs) for s in scenarios)
    return results, problems


def run_scenarios(files: Iterable[str | Path], policies: PolicySet,
                  load: VersionLoader | None = None) -> list[ScenarioResult]:
    """Run every scenario of ``files``; the first problem that stops a file is raised."""
    results, problems = run_scenario_files(files, policies, load)
    if problems:
        raise problems[0]
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
