"""``rules explain --why RULE``, the data half (engine.render.why_text words
it): one rule in full — does it apply, the value of every fact in its
condition and where each came from, and if not, which part fails and when it
would next apply."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from engine.errors import UsageError
from engine.model.eventlog import EventLog
from engine.runtime.evaluation import resolve_moment
from engine.runtime.explanation import trace_lines, why_not
from engine.runtime.facts import FactContext
from engine.model.policies import Policy, PolicySet, Rule
from engine.runtime.timing import DEFAULT_HORIZON, DEFAULT_SEARCH_BUDGET, SearchBudget, SearchCutShort, next_change

__all__ = ["explain_rule"]


def _find(policies: PolicySet, ref: str) -> tuple[Policy, Rule]:
    pid, sep, rid = ref.partition(":")
    if not sep:
        pid, rid = "", ref
    matches = [(p, r) for p in policies.policies for r in p.rules
               if r.id == rid and (not pid or p.id == pid)]
    if not matches:
        from engine.base.suggestions import suggest
        ids = [r.id for p in policies.policies for r in p.rules]
        raise UsageError(f"no rule '{ref}' in the loaded policies",
                         hint=suggest(rid, ids) or "list rules with: rules sources, or see policies/")
    if len(matches) > 1:
        raise UsageError(f"rule id '{rid}' is in several policies",
                         hint="name one: " + ", ".join(f"{p.id}:{r.id}" for p, r in matches))
    return matches[0]


def explain_rule(policies: PolicySet, log: EventLog, at: datetime | None, ref: str, *,
                 horizon: timedelta = DEFAULT_HORIZON,
                 search_budget: int = DEFAULT_SEARCH_BUDGET) -> dict[str, Any]:
    """Everything about one rule at one moment, as plain data. The
    look-ahead evaluates the condition at most ``search_budget`` times; if
    that cuts it short, ``search_cut_short_at`` says where."""
    policy, rule = _find(policies, ref)
    moment = resolve_moment(at, log)
    ctx = FactContext(policies.vocabulary, log, moment, provenance=True)
    value, trace = rule.condition.trace(ctx)
    out: dict[str, Any] = {
        "at": moment.isoformat(timespec="seconds"), "policy": policy.id, "version": policy.version,
        "rule": rule.id, "action": rule.action, "stance": rule.stance, "params": dict(rule.params),
        "summary": rule.summary, "when": rule.when, "cite": {"section": rule.section, "quote": rule.quote},
        "grade": rule.grade,
        "status": "fires" if value is True else ("unknown" if value is None else "false"),
        "trace": trace_lines(trace, ctx)}
    try:
        budget = SearchBudget(search_budget)
    except ValueError as err:
        raise UsageError(f"'search_budget': {err}") from None
    if value is not True:
        _, because = why_not(rule.condition.node, trace, ctx)
        out["because"] = because
    key = "stops_at" if value is True else "next_fires_at"
    try:
        found = next_change(rule.condition, ctx, want=value is not True, horizon=horizon, budget=budget)
        out[key] = found.isoformat(timespec="seconds") if found else None
    except SearchCutShort as short:
        out[key] = None
        out["search_cut_short_at"] = short.reached.isoformat(timespec="seconds")
    return out
