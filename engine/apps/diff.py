"""``rules diff OLD NEW``: what changed between two versions of a policy.

First rule by rule — added, removed, and for a rule in both: its condition
(printed canonically, and as a clause-level diff of its top-level ``and``
clauses), action, stance, parameters, summary and citation. Then the effect:
both versions are evaluated over the same logs (scenario files, example logs,
a generated corpus) at a grid of moments, and every difference in what fires
is recorded — advice that appears, disappears or changes, on which log and
on which days.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any, Iterable, Sequence

from engine.errors import RulesError, UsageError
from engine.model.eventlog import EventLog, load_log
from engine.model.policies import Policy, PolicySet, Rule, load_policies, load_policy_file
from engine.model.vocabulary import Vocabulary
from engine.runtime.evaluation import evaluate

__all__ = ["RuleChange", "Difference", "PolicyDiff", "ReplayLog", "load_side", "clauses",
           "rule_changes", "replay_logs", "generated_logs", "moments", "fired_advice", "diff_policies"]

#: The local times of day at which each log is replayed.
GRID_TIMES = (time(9, 0), time(18, 0))

Advice = tuple[str, str, tuple[tuple[str, Any], ...]]  # action, stance, params


@dataclass(frozen=True, slots=True)
class RuleChange:
    """One rule that differs: ``kind`` is added, removed or changed."""

    rule: str
    kind: str
    fields: dict[str, tuple[Any, Any]] = field(default_factory=dict)  # name → (old, new)
    clauses_removed: tuple[str, ...] = ()
    clauses_added: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ReplayLog:
    name: str
    log: EventLog
    at: tuple[datetime, ...] = ()  # moments to replay besides the grid (a scenario's `at`)


@dataclass(slots=True)
class Difference:
    """Advice of one rule that ``kind`` (appears, disappears, changes) on some logs and days."""

    rule: str
    kind: str
    old: Advice | None
    new: Advice | None
    where: dict[str, list[str]] = field(default_factory=dict)  # log → ISO moments

    @property
    def count(self) -> int:
        return sum(len(v) for v in self.where.values())


@dataclass(slots=True)
class PolicyDiff:
    old: Policy
    new: Policy
    rules: list[RuleChange]
    effects: list[Difference]
    logs: int = 0
    moments: int = 0
    header: dict[str, tuple[Any, Any]] = field(default_factory=dict)


def _looks_like_file(text: str) -> bool:
    return text.endswith((".yaml", ".yml", ".json")) or "/" in text or Path(text).is_file()


def load_side(old: str, new: str, folders: Sequence[str] | None) -> tuple[Policy, Policy, PolicySet]:
    """The two versions (files, or ``ID@VERSION`` in ``folders``) and the set
    whose vocabulary and actions they use."""
    base = load_policies(folders, select=())
    sides = []
    for text in (old, new):
        if _looks_like_file(text):
            if not Path(text).is_file():
                from engine.errors import InputError
                raise InputError("no such policy file", code="RULES-E051", file=text)
            sides.append(load_policy_file(text, base.vocabulary, base.actions))
        elif "@" in text:
            sides.append(load_policies(folders, select=[text]).policies[0])
        else:
            raise UsageError(f"'{text}' is neither a policy file nor ID@VERSION",
                             hint="e.g. rules diff hayes@1.0.0 hayes@1.1.0")
    before, after = sides
    if before.id != after.id:
        raise UsageError(f"these are two policies ({before.id} and {after.id}), not two versions of one",
                         hint="compare two versions of the same policy")
    return before, after, base


def clauses(when: str) -> list[str]:
    """The top-level ``and`` clauses of a condition, each printed canonically."""
    from engine.language.nodes import BoolOp
    from engine.language.parser import parse
    from engine.language.printer import to_text

    node = parse(when)
    if isinstance(node, BoolOp) and node.op == "and":
        return [to_text(n, clarify=True) for n in node.operands]
    return [to_text(node, clarify=True)]


def _canonical(when: str) -> str:
    from engine.language.parser import parse
    from engine.language.printer import to_text
    return to_text(parse(when), clarify=True)


def _fields(rule: Rule) -> dict[str, Any]:
    return {"when": _canonical(rule.when), "action": rule.action, "stance": rule.stance,
            "params": dict(rule.params), "summary": rule.summary, "cite.section": rule.section,
            "cite.quote": rule.quote, "attributed_to": rule.attributed_to}


def rule_changes(old: Policy, new: Policy) -> list[RuleChange]:
    """Rules added, removed or changed, in the new version's order (removed ones last)."""
    before = {r.id: r for r in old.rules}
    after = {r.id: r for r in new.rules}
    out: list[RuleChange] = []
    for rid, rule in after.items():
        if rid not in before:
            out.append(RuleChange(rid, "added", {k: (None, v) for k, v in _fields(rule).items()}))
            continue
        a, b = _fields(before[rid]), _fields(rule)
        changed = {k: (a[k], b[k]) for k in a if a[k] != b[k]}
        if not changed:
            continue
        removed: tuple[str, ...] = ()
        added: tuple[str, ...] = ()
        if "when" in changed:
            # clauses as multisets: moving a clause is not removing it
            ca, cb = clauses(before[rid].when), clauses(rule.when)
            gone, extra = Counter(ca) - Counter(cb), Counter(cb) - Counter(ca)
            removed = tuple(c for c in dict.fromkeys(ca) for _ in range(gone[c]))
            added = tuple(c for c in dict.fromkeys(cb) for _ in range(extra[c]))
        out.append(RuleChange(rid, "changed", changed, removed, added))
    out.extend(RuleChange(rid, "removed", {k: (v, None) for k, v in _fields(rule).items()})
               for rid, rule in before.items() if rid not in after)
    return out


# -- the logs to replay on -----------------------------------------------------------

def replay_logs(scenarios: Sequence[str | Path], logs: Sequence[str | Path], corpus: int,
                vocabulary: Vocabulary, seed: int = 17) -> list[ReplayLog]:
    """The logs of the scenario files (each at its own moments too), the log
    files named, and ``corpus`` generated logs."""
    from engine.apps.scenarios import load_scenarios, scenario_files
    from engine.input.times import parse_moment

    out: list[ReplayLog] = []
    for file in scenario_files(scenarios) if scenarios else []:
        for s in load_scenarios(file):
            try:
                if isinstance(s.log, str):
                    log = load_log(Path(s.doc.file).parent / s.log, vocabulary)
                else:
                    log = EventLog.from_dict(s.log, vocabulary, source=s.file)
                at = parse_moment(s.at, log.tz)
            except (RulesError, ValueError):
                continue  # a broken scenario is `rules test`'s to report
            out.append(ReplayLog(f"{s.file}: {s.name}", log, (at,)))
    for raw in logs:
        p = Path(raw)
        for f in sorted(p.glob("*.yaml")) if p.is_dir() else [p]:
            try:
                out.append(ReplayLog(str(f), load_log(f, vocabulary)))
            except RulesError:
                continue
    out.extend(generated_logs(corpus, vocabulary, seed))
    return out


def _value(spec: Any, rng: random.Random, at: datetime) -> Any:
    kind = spec.type.name
    if spec.values:
        choice = rng.choice(spec.values)
        return [choice] if kind == "list" else choice
    if kind == "list":
        return ["Jane Roe", "Sam Poe"][: rng.randint(1, 2)]
    if kind == "bool":
        return rng.random() < 0.5
    if kind in ("int", "number"):
        low = spec.minimum
        return rng.randint(low if low is not None else 0, 5 if low is None else max(low, 1) + 4)
    if kind in ("date", "datetime"):
        return (at + timedelta(days=rng.randint(1, 10))).date().isoformat()
    return "note"


def generated_logs(n: int, vocabulary: Vocabulary, seed: int = 17) -> list[ReplayLog]:
    """``n`` random but valid logs over the vocabulary's event types: an
    interview (where the vocabulary has one), then up to six events in the
    three weeks after it. The same ``seed`` gives the same logs."""
    rng = random.Random(seed)  # noqa: S311 -- a reproducible corpus, not a secret
    types = sorted(vocabulary.event_type_specs)
    start = datetime(2026, 11, 16, 10, 0)
    out = []
    for i in range(n):
        events = []
        first = "interview" if "interview" in types else rng.choice(types)
        chosen = [first] + [rng.choice(types) for _ in range(rng.randint(0, 6))]
        for k, etype in enumerate(chosen):
            at = start if k == 0 else start + timedelta(minutes=rng.randint(30, 21 * 24 * 60))
            event: dict[str, Any] = {"type": etype, "at": at.isoformat(timespec="minutes")}
            for fname, spec in vocabulary.event_type_specs[etype].fields.items():
                if spec.required or rng.random() < 0.5:
                    event[fname] = _value(spec, rng, at)
            events.append(event)
        data = {"timezone": "America/New_York", "events": events}
        try:
            out.append(ReplayLog(f"generated #{i + 1}", EventLog.from_dict(data, vocabulary)))
        except RulesError:
            continue  # a combination the vocabulary refuses: skip it
    return out


def moments(entry: ReplayLog, days: int) -> list[datetime]:
    """The grid for one log: each day from its first event to ``days`` after
    its last, at :data:`GRID_TIMES` local, plus its own moments."""
    if not entry.log.events:
        return sorted(entry.at)
    tz = entry.log.tz
    first = entry.log.events[0].at.astimezone(tz).date()
    last = entry.log.events[-1].at.astimezone(tz).date() + timedelta(days=days)
    grid = set(entry.at)
    day = first
    while day <= last:
        grid.update(datetime.combine(day, t, tz) for t in GRID_TIMES)
        day += timedelta(days=1)
    return sorted(grid)


def fired_advice(policies: PolicySet, log: EventLog, at: datetime) -> dict[str, Advice]:
    """``{rule: (action, stance, params)}`` of every rule that fires."""
    report = evaluate(policies, log, at, explain=False)
    return {r.rule: (r.action, r.stance, tuple(sorted((k, v) for k, v in r.params.items())))
            for r in report.recommendations()}


def diff_policies(old: Policy, new: Policy, base: PolicySet, logs: Iterable[ReplayLog], *,
                  days: int = 30) -> PolicyDiff:
    """The rule-by-rule diff and the effect replayed over ``logs``."""
    header = {k: (getattr(old, k), getattr(new, k)) for k in ("version", "title", "requires")
              if getattr(old, k) != getattr(new, k)}
    if dict(old.source) != dict(new.source):
        header["source"] = (dict(old.source), dict(new.source))
    result = PolicyDiff(old, new, rule_changes(old, new), [], header=header)
    one = PolicySet((old,), base.vocabulary, base.actions)
    two = PolicySet((new,), base.vocabulary, base.actions)
    found: dict[tuple[str, str, Any, Any], Difference] = {}
    for entry in logs:
        result.logs += 1
        for at in moments(entry, days):
            result.moments += 1
            a, b = fired_advice(one, entry.log, at), fired_advice(two, entry.log, at)
            if a == b:
                continue
            for rule in sorted(set(a) | set(b)):
                before, after = a.get(rule), b.get(rule)
                if before == after:
                    continue
                kind = "appears" if before is None else "disappears" if after is None else "changes"
                key = (rule, kind, before, after)
                diff = found.setdefault(key, Difference(rule, kind, before, after))
                diff.where.setdefault(entry.name, []).append(at.isoformat(timespec="minutes"))
    result.effects = sorted(found.values(), key=lambda d: (-d.count, d.rule, d.kind))
    return result
