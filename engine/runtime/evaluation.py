"""Evaluate policies against an event log at a moment: fire rules, group the
recommendations by action, find every disagreement, and say for each advised
action why the other sources' rules on it do not apply and when they would."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any, Iterable, NamedTuple

from engine.errors import UsageError
from engine.language.compiler import compile_rule_set
from engine.model.eventlog import EventLog
from engine.runtime.explanation import fact_sources, iso_seconds, json_value, trace_lines, why_not
from engine.runtime.facts import FactContext
from engine.language.nodes import Name, walk
from engine.model.policies import ENGINE_VERSION, Policy, PolicySet, Rule
from engine.runtime.conflicts import consensus, find_conflicts, timing_conflicts
from engine.runtime.report import (REPORT_VERSION, AdviceGroup, Conflict, Consensus, NotFiring, PolicyInfo,
                                   Recommendation, Report)
from engine.input.times import check_year, localize
from engine.runtime.timing import DEFAULT_HORIZON, DEFAULT_SEARCH_BUDGET, SearchBudget, SearchCutShort, next_change
from engine.runtime.changes import ChangeSearch

__all__ = ["evaluate", "resolve_moment", "fired_rules", "report_json"]


def resolve_moment(at: datetime | None, log: EventLog) -> datetime:
    """``at`` as an aware datetime in the log's zone (now if None; a naive
    value is local time in the log's zone)."""
    if at is None:
        return datetime.now(log.tz).replace(microsecond=0)
    if not isinstance(at, datetime):
        raise UsageError(f"'at' must be a datetime, not {type(at).__name__}")
    try:
        check_year(at)
    except ValueError as err:
        raise UsageError(f"'at' {err}") from None
    if at.tzinfo is None:
        return localize(at, log.tz)
    return at.astimezone(log.tz)


#: The longest horizon ``evaluate`` looks ahead (as ``rules explain --horizon``).
MAX_HORIZON = timedelta(days=3650)


def _budget(steps: Any) -> SearchBudget:
    try:
        return SearchBudget(steps)
    except ValueError as err:
        raise UsageError(f"'search_budget': {err}") from None


def _check_horizon(horizon: Any) -> None:
    if not isinstance(horizon, timedelta):
        raise UsageError(f"'horizon' must be a timedelta, not {type(horizon).__name__}")
    if not timedelta(0) <= horizon <= MAX_HORIZON:
        raise UsageError(f"'horizon' must be between 0 and {MAX_HORIZON.days} days, not {horizon}")


class _Tables:
    """What the evaluation of a policy set can work out once, kept with the
    set (``PolicySet._cache``) and shared by every evaluation:

    * ``rules``: every (policy, rule) in order (``index``: (policy id, rule id) → i); ``slots[i]``: the index in
      ``conditions`` of rule i's condition — rules with the same ``when`` text
      share one compiled condition, evaluated once per evaluation (a condition
      is a pure function of the context: facts and shared calls are memoised);
    * ``recommendations[i]``: rule i's recommendation without explanation
      (it depends on the rule only; built on first use);
    * ``outcomes``: fired rule indices → (advice, conflicts) of the fast path,
      which depend on nothing else; ``groups``: the fired rules of one action
      → its advice group, the conflicts within it and its "do" side, and the
      JSON of both. Both are bounded (cleared when full);
    * ``info``: the policies' part of the report (``info_text``: as JSON);
      ``situation``: its facts.
    """

    __slots__ = ("rules", "index", "conditions", "slots", "by_condition", "recommendations", "outcomes",
                 "groups", "info", "situation", "vocabulary", "prefetch", "fused", "fused_from",
                 "info_text")

    MAX_OUTCOMES = 4096

    def __init__(self, policies: PolicySet) -> None:
        self.rules = tuple((p, r) for p in policies.policies for r in p.rules)
        self.index = {(p.id, r.id): i for i, (p, r) in enumerate(self.rules)}
        index: dict[str, int] = {}
        conditions: list[Any] = []
        compiled = []
        slots: list[int] = []
        for _, rule in self.rules:
            slot = index.get(rule.when)
            if slot is None:
                slot = index[rule.when] = len(conditions)
                # the generated function itself where there is one (no slot lookup)
                conditions.append(getattr(rule.condition, "fn", rule.condition))
                compiled.append(rule.condition)
            slots.append(slot)
        self.conditions = tuple(conditions)
        self.slots = tuple(slots)
        # each distinct condition with the indices of the rules that have it
        indices: list[list[int]] = [[] for _ in conditions]
        for i, slot in enumerate(slots):
            indices[slot].append(i)
        self.by_condition = tuple(zip(self.conditions, map(tuple, indices)))
        self.vocabulary = policies.vocabulary
        self.prefetch = _prefetch(policies)
        # all of them in one generated function, where each has a generated
        # form, computing the facts they read by direct calls first: built on
        # the first evaluation that can use it (`rules explain` never does)
        self.fused: Any = _UNBUILT
        self.fused_from = (tuple(compiled), tuple(map(tuple, indices)))
        self.recommendations: list[Recommendation | None] = [None] * len(self.rules)
        self.outcomes: dict[tuple[int, ...], _Outcome] = {}
        self.groups: dict[tuple[int, ...], tuple[AdviceGroup, str]] = {}
        self.info = tuple(PolicyInfo(p.id, p.version, p.title, p.source.get("author"), p.file,
                                     p.sha256, len(p.rules)) for p in policies.policies)
        self.info_text = _dumps([p.to_dict() for p in self.info])
        facts = policies.vocabulary.facts
        self.situation = tuple(name for name in policies.vocabulary.situation if name in facts)

    def fired(self, ctx: FactContext) -> list[int]:
        """Indices (in ``rules``, in order) of the rules whose condition is
        true in ``ctx``. Each distinct condition is evaluated once, in the
        order of the rules."""
        if ctx.provenance is None and ctx.vocabulary is self.vocabulary:
            fused = self.fused
            if fused is _UNBUILT:
                fused = self.build()
            if fused is not None and not ctx:  # a fresh context: no fact computed yet
                result: list[int] = fused(ctx)
                return result
        fired: list[int] = []
        for condition, rules in self.by_condition:
            if condition(ctx) is True:
                fired += rules
        fired.sort()  # rules sharing a condition need not be neighbours
        return fired

    def build(self) -> Any:
        """The generated function of all the conditions (None where some
        condition has no generated form), built once."""
        if self.fused is _UNBUILT:
            self.fused = compile_rule_set(*self.fused_from, self.prefetch)
        return self.fused

    def recommendation(self, i: int) -> Recommendation:
        rec = self.recommendations[i]
        if rec is None:
            p, r = self.rules[i]
            rec = self.recommendations[i] = Recommendation(
                p.id, p.version, r.id, r.action, r.stance, dict(r.params), r.summary, r.section,
                r.quote, r.when, attributed_to=r.attributed_to, grade=r.grade)
        return rec


_UNBUILT = object()


class _Outcome(NamedTuple):
    """What the fast path makes of one set of fired rules."""

    advice: tuple[AdviceGroup, ...]
    conflicts: tuple[Conflict, ...]
    conflict_texts: tuple[str, ...]  # their JSON (compact)
    advice_texts: tuple[str, ...]
    consensus: tuple[Consensus, ...]
    consensus_texts: tuple[str, ...]


def _prefetch(policies: PolicySet) -> tuple[tuple[str, Any], ...]:
    """The facts the conditions name, with the facts they are computed from,
    dependencies first: (name, compute function). (Every fact a condition
    names is read by it, so computing them up front is no extra work.)"""
    facts = policies.vocabulary.facts
    order: dict[str, None] = {}  # (an ordered set)

    def visit(name: str) -> None:  # the vocabulary has no cycles: a load error
        if name not in order and name in facts:
            for dep in sorted(facts[name].uses):
                visit(dep)
            order[name] = None

    for name in sorted({n.name for p in policies.policies for r in p.rules
                        for n in walk(r.condition.node) if isinstance(n, Name)}):
        visit(name)
    return tuple((name, getattr(facts[name].compute, "fn", facts[name].compute)) for name in order)


def prepare(policies: PolicySet) -> None:
    """Build now what the fast path of ``evaluate`` builds on first use (the
    generated function of all the conditions): before forking workers, say,
    so that they share it instead of each building its own."""
    _tables(policies).build()


def _tables(policies: PolicySet) -> _Tables:
    tables = policies._cache.get("evaluation")
    if tables is None:
        tables = policies._cache["evaluation"] = _Tables(policies)
    return tables


def fired_rules(policies: PolicySet, ctx: FactContext) -> list[tuple[Policy, Rule]]:
    """The rules whose condition is true in ``ctx`` (the fast path, no trace)."""
    tables = _tables(policies)
    return list(map(tables.rules.__getitem__, tables.fired(ctx)))


def _recommendation(policy: Policy, rule: Rule, ctx: FactContext) -> Recommendation:
    _, trace = rule.condition.trace(ctx)
    names = sorted({n.name for n in walk(rule.condition.node) if isinstance(n, Name)})
    facts = {}
    for name in names:
        entry: dict[str, Any] = {"value": json_value(ctx[name])}
        sources = fact_sources(ctx, name)
        if sources:
            entry["from"] = sources
        facts[name] = entry
    return Recommendation(policy.id, policy.version, rule.id, rule.action, rule.stance,
                          dict(rule.params), rule.summary, rule.section, rule.quote, rule.when,
                          tuple(trace_lines(trace, ctx)), facts, rule.attributed_to, rule.grade)


def _not_firing(policy: Policy, rule: Rule, ctx: FactContext, horizon: timedelta,
                known: dict[tuple[str, str], datetime | None], budget: SearchBudget) -> NotFiring:
    _, trace = rule.condition.trace(ctx)
    status, because = why_not(rule.condition.node, trace, ctx)
    cut = None
    try:
        nxt = known[(policy.id, rule.id)] = next_change(rule.condition, ctx, want=True, horizon=horizon,
                                                        budget=budget)
    except SearchCutShort as short:  # (not known: nothing is known after the moment reached)
        nxt, cut = None, short.reached.isoformat(timespec="seconds")
    return NotFiring(policy.id, policy.version, rule.id, rule.stance, status, because,
                     nxt.isoformat(timespec="seconds") if nxt else None, rule.summary, cut)


def _situation(ctx: FactContext, names: Iterable[str] | None = None) -> dict[str, Any]:
    if names is None:
        names = [n for n in ctx.vocabulary.situation if n in ctx.vocabulary.facts]
    return {name: json_value(ctx[name]) for name in names}


def _fast_outcome(tables: _Tables, fired: list[int], policies: PolicySet) -> _Outcome:
    """Advice, conflicts and consensus of the fast path when the rules
    ``fired`` fire (they depend on nothing else), worked out once per set of
    fired rules — with their JSON, for :func:`report_json` (an advice
    group's once per set of fired rules on its action, shared by every
    outcome it is part of)."""
    key = tuple(fired)
    outcome = tables.outcomes.get(key)
    if outcome is not None:
        return outcome
    rules = tables.rules
    by_action: dict[str, list[int]] = {}
    for i in fired:
        by_action.setdefault(rules[i][1].action, []).append(i)
    actions = policies.actions.actions
    advice, advice_texts = [], []
    for action in sorted(by_action):
        group_key = tuple(by_action[action])
        group = tables.groups.get(group_key)
        if group is None:
            advised = AdviceGroup(action, actions[action].label,
                                  tuple(tables.recommendation(i) for i in group_key))
            group = (advised, _dumps(advised.to_dict()))
            if len(tables.groups) >= tables.MAX_OUTCOMES:
                tables.groups.clear()
            tables.groups[group_key] = group
        advice.append(group[0])
        advice_texts.append(group[1])
    recs = [tables.recommendation(i) for i in fired]
    conflicts = tuple(find_conflicts(recs, policies.actions))
    agreed = consensus(recs, policies)
    outcome = _Outcome(tuple(advice), conflicts, tuple(_dumps(c.to_dict()) for c in conflicts),
                       tuple(advice_texts), agreed, tuple(_dumps(c.to_dict()) for c in agreed))
    if len(tables.outcomes) >= tables.MAX_OUTCOMES:
        tables.outcomes.clear()
    tables.outcomes[key] = outcome
    return outcome


def _next_change(policies: PolicySet, fired: Iterable[int], ctx: FactContext,
                 horizon: timedelta) -> str | None:
    """The report's ``next_change_at``: when a rule that fires now (its
    index in ``fired``) stops, or one that does not starts, as ISO 8601."""
    fired_now = set(fired)
    compiled, indices = _tables(policies).fused_from
    search = policies._cache.get("changes")
    if search is None:
        search = policies._cache["changes"] = ChangeSearch(compiled, policies.vocabulary)
    moment = search.next_change_at((rules[0] in fired_now for rules in indices), ctx, horizon)
    return None if moment is None else iso_seconds(moment)


def _dumps(value: Any) -> str:
    """The compact JSON of reports (``Report.to_json(indent=None)``)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def report_json(policies: PolicySet, log: EventLog, at: datetime | None = None, *,
                horizon: timedelta = DEFAULT_HORIZON, line: int | None = None) -> str:
    """``json.dumps(evaluate(policies, log, at, explain=False).to_dict())``,
    compact and not ASCII-escaped (``Report.to_json(indent=None)``), with a
    last key ``line`` if given: the same text, byte for byte, made quicker.
    The policies' part and each advice group and conflict (most of a report:
    they depend only on which rules fired) are serialised once and reused."""
    moment = resolve_moment(at, log)
    _check_horizon(horizon)
    tables = _tables(policies)
    ctx = FactContext(policies.vocabulary, log, moment, provenance=False)
    fired = tables.fired(ctx)
    outcome = _fast_outcome(tables, fired, policies)
    # the keys and their order of Report.to_dict (a test compares the two)
    head = _dumps({"engine": f"followup-rules {ENGINE_VERSION}", "report_version": REPORT_VERSION,
                   "at": iso_seconds(moment),
                   "timezone": log.timezone, "subject": log.subject, "log": log.source,
                   "horizon_days": horizon.days,
                   "next_change_at": _next_change(policies, fired, ctx, horizon),
                   "events_after": len(log) - len(ctx.view)})[:-1]
    situation = _dumps(_situation(ctx, tables.situation))
    end = "}" if line is None else f',"line":{_dumps(line)}}}'
    return (f'{head},"policies":{tables.info_text},"situation":{situation},'
            f'"conflicts":[{",".join(outcome.conflict_texts)}],'
            f'"consensus":[{",".join(outcome.consensus_texts)}],'
            f'"advice":[{",".join(outcome.advice_texts)}]{end}')


def evaluate(policies: PolicySet, log: EventLog, at: datetime | None = None, *,
             horizon: timedelta = DEFAULT_HORIZON, explain: bool = True,
             search_budget: int = DEFAULT_SEARCH_BUDGET) -> Report:
    """Evaluate every policy against ``log`` at moment ``at`` (default now).

    With ``explain`` (the default) each recommendation carries the values and
    source events behind it, and each advised action lists the other sources'
    rules on it that do not fire, why, and when they next would within
    ``horizon``. Without it, evaluation takes the fast path only.

    The look-ahead evaluates conditions at most ``search_budget`` times in
    all; a rule whose search it cut short carries ``search_cut_short_at``.
    """
    moment = resolve_moment(at, log)
    _check_horizon(horizon)
    budget = _budget(search_budget)
    ctx = FactContext(policies.vocabulary, log, moment, provenance=explain)
    tables = _tables(policies)
    if not explain:
        # The fast path: all but the situation depends only on which rules
        # fired, and is worked out once per set of fired rules.
        fired_now = tables.fired(ctx)
        outcome = _fast_outcome(tables, fired_now, policies)
        return Report(at=iso_seconds(moment), timezone=log.timezone,
                      subject=log.subject, log=log.source, policies=tables.info,
                      situation=_situation(ctx, tables.situation), advice=outcome.advice,
                      conflicts=outcome.conflicts, horizon_days=horizon.days,
                      engine=f"followup-rules {ENGINE_VERSION}", consensus=outcome.consensus,
                      next_change_at=_next_change(policies, fired_now, ctx, horizon),
                      events_after=len(log) - len(ctx.view))
    fired_now = tables.fired(ctx)
    fired = [tables.rules[i] for i in fired_now]
    recs = [_recommendation(p, r, ctx) for p, r in fired]
    fired_ids = {(p.id, r.id) for p, r in fired}
    advice = []
    by_action: dict[str, list[Recommendation]] = {}
    for rec in recs:
        by_action.setdefault(rec.action, []).append(rec)
    later: dict[str, list[tuple[str, str, str]]] = {}
    # when each rule next applies (now, for those that fire): shared with timing
    known: dict[tuple[str, str], datetime | None] = dict.fromkeys(fired_ids, moment)
    for action in sorted(by_action):
        group = by_action[action]
        not_firing: list[NotFiring] = []
        advising = {r.policy for r in group}
        for p in policies.policies:
            for r in p.rules:
                if r.action == action and (p.id, r.id) not in fired_ids and p.id not in advising:
                    not_firing.append(_not_firing(p, r, ctx, horizon, known, budget))
                    if r.stance != "avoid" and not_firing[-1].next_fires_at:
                        later.setdefault(action, []).append((p.id, r.id, not_firing[-1].next_fires_at))
        advice.append(AdviceGroup(action, policies.actions[action].label, tuple(group),
                                  tuple(not_firing)))
    by_rule = {(r.policy, r.rule): r for r in recs}

    def recommendation(p: Policy, r: Rule) -> Recommendation:
        return by_rule.get((p.id, r.id)) or tables.recommendation(tables.index[(p.id, r.id)])

    conflicts = find_conflicts(recs, policies.actions)
    conflicts += timing_conflicts(policies, ctx, horizon, recommendation, known, budget)
    return Report(at=moment.isoformat(timespec="seconds"), timezone=log.timezone,
                  subject=log.subject, log=log.source, policies=tables.info,
                  situation=_situation(ctx, tables.situation), advice=tuple(advice),
                  conflicts=tuple(conflicts), horizon_days=horizon.days,
                  engine=f"followup-rules {ENGINE_VERSION}",
                  consensus=consensus(recs, policies, later),
                  next_change_at=_next_change(policies, fired_now, ctx, horizon),
                  events_after=len(log) - len(ctx.view))

