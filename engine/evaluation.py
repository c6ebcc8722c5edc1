"""Evaluate policies against an event log at a moment: fire rules, group the
recommendations by action, find every disagreement, and say for each advised
action why the other sources' rules on it do not apply and when they would."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Iterable

from .errors import UsageError
from .eventlog import EventLog
from .explain import fact_sources, json_value, trace_lines, why_not
from .facts import FactContext
from .nodes import Name, walk
from .policies import ENGINE_VERSION, Policy, PolicySet, Rule
from .report import (AdviceGroup, Conflict, NotFiring, PolicyInfo, Recommendation, Report)
from .timeparse import localize
from .timing import DEFAULT_HORIZON, next_change

__all__ = ["evaluate", "resolve_moment", "fired_rules"]


def resolve_moment(at: datetime | None, log: EventLog) -> datetime:
    """``at`` as an aware datetime in the log's zone (now if None; a naive
    value is local time in the log's zone)."""
    if at is None:
        return datetime.now(log.tz).replace(microsecond=0)
    if not isinstance(at, datetime):
        raise UsageError(f"'at' must be a datetime, not {type(at).__name__}")
    if at.tzinfo is None:
        return localize(at, log.tz)
    return at.astimezone(log.tz)


def fired_rules(policies: PolicySet, ctx: FactContext) -> list[tuple[Policy, Rule]]:
    """The rules whose condition is true in ``ctx`` (the fast path, no trace)."""
    return [(p, r) for p in policies.policies for r in p.rules if r.condition.fn(ctx) is True]


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
                          tuple(trace_lines(trace, ctx)), facts, rule.attributed_to)


def _not_firing(policy: Policy, rule: Rule, ctx: FactContext, horizon: timedelta) -> NotFiring:
    _, trace = rule.condition.trace(ctx)
    status, because = why_not(rule.condition.node, trace, ctx)
    nxt = next_change(rule.condition, ctx, want=True, horizon=horizon)
    return NotFiring(policy.id, policy.version, rule.id, rule.stance, status, because,
                     nxt.isoformat(timespec="seconds") if nxt else None, rule.summary)


def param_values(value: Any) -> frozenset[str]:
    """A parameter's accepted values as a set (a list offers alternatives)."""
    return frozenset(value) if isinstance(value, (tuple, list)) else frozenset([value])


def find_conflicts(recs: list[Recommendation], policies: PolicySet) -> list[Conflict]:
    """The three kinds of disagreement between fired recommendations."""
    by_action: dict[str, list[Recommendation]] = {}
    for r in recs:
        by_action.setdefault(r.action, []).append(r)
    conflicts: list[Conflict] = []
    for action in sorted(by_action):
        group = by_action[action]
        do = tuple(r for r in group if r.stance == "do")
        avoid = tuple(r for r in group if r.stance == "avoid")
        if do and avoid and len({r.policy for r in group}) > 1:
            conflicts.append(Conflict("opposed", (action,), (do, avoid)))
        if len({r.policy for r in do}) < 2:
            continue
        for param in sorted({k for r in do for k in r.params}):
            with_param = [r for r in do if param in r.params]
            choices: dict[frozenset[str], list[Recommendation]] = {}
            for r in with_param:
                choices.setdefault(param_values(r.params[param]), []).append(r)
            if len(choices) > 1 and len({r.policy for r in with_param}) > 1:
                sides = tuple(tuple(v) for _, v in sorted(choices.items(), key=lambda kv: sorted(kv[0])))
                common = frozenset.intersection(*choices)
                conflicts.append(Conflict("details", (action,), sides, param, tuple(sorted(common))))
    done = {a for a, g in by_action.items() if any(r.stance == "do" for r in g)}
    for a in sorted(done):
        for b in sorted(policies.actions[a].opposes & done):
            if a < b:
                side_a = tuple(r for r in by_action[a] if r.stance == "do")
                side_b = tuple(r for r in by_action[b] if r.stance == "do")
                conflicts.append(Conflict("exclusive", (a, b), (side_a, side_b)))
    return conflicts


def _situation(ctx: FactContext) -> dict[str, Any]:
    wanted = ctx.vocabulary.situation
    return {name: json_value(ctx[name]) for name in wanted if name in ctx.vocabulary.facts}


def evaluate(policies: PolicySet, log: EventLog, at: datetime | None = None, *,
             horizon: timedelta = DEFAULT_HORIZON, explain: bool = True) -> Report:
    """Evaluate every policy against ``log`` at moment ``at`` (default now).

    With ``explain`` (the default) each recommendation carries the values and
    source events behind it, and each advised action lists the other sources'
    rules on it that do not fire, why, and when they next would within
    ``horizon``. Without it, evaluation takes the fast path only.
    """
    moment = resolve_moment(at, log)
    ctx = FactContext(policies.vocabulary, log, moment, provenance=explain)
    fired = fired_rules(policies, ctx)
    if explain:
        recs = [_recommendation(p, r, ctx) for p, r in fired]
    else:
        recs = [Recommendation(p.id, p.version, r.id, r.action, r.stance, dict(r.params), r.summary,
                               r.section, r.quote, r.when, attributed_to=r.attributed_to)
                for p, r in fired]
    fired_ids = {(p.id, r.id) for p, r in fired}
    advice = []
    by_action: dict[str, list[Recommendation]] = {}
    for rec in recs:
        by_action.setdefault(rec.action, []).append(rec)
    for action in sorted(by_action):
        group = by_action[action]
        not_firing: list[NotFiring] = []
        if explain:
            advising = {r.policy for r in group}
            for p in policies.policies:
                for r in p.rules:
                    if r.action == action and (p.id, r.id) not in fired_ids and p.id not in advising:
                        not_firing.append(_not_firing(p, r, ctx, horizon))
        advice.append(AdviceGroup(action, policies.actions[action].label, tuple(group),
                                  tuple(not_firing)))
    info = tuple(PolicyInfo(p.id, p.version, p.title, p.source.get("author"), p.file, p.sha256,
                            len(p.rules)) for p in policies.policies)
    return Report(at=moment.isoformat(timespec="seconds"), timezone=log.timezone,
                  subject=log.subject, log=log.source, policies=info,
                  situation=_situation(ctx), advice=tuple(advice),
                  conflicts=tuple(find_conflicts(recs, policies)),
                  horizon_days=horizon.days, engine=f"followup-rules {ENGINE_VERSION}")

