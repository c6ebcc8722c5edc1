"""Disagreements between sources, as defined in docs/disagreements.md.

A disagreement is always between two or more policies: a policy never stands
on two sides of one conflict (its rules on one action that differ only in
parameters are one position: LinkedIn yes, Facebook no). The kinds:

* ``opposed``: a ``do`` or ``may`` of action S against an ``avoid`` of S, or of
  a more general action S is a kind of, whose parameters overlap;
* ``exclusive``: ``do X`` against ``do Y`` where the catalogue says X opposes Y;
* ``details``: ``do X`` from two sources and no value of a (non-cumulative)
  parameter satisfies every source;
* ``timing``: both recommend (or permit) X with compatible parameters in
  windows that do not start together, if nothing else happens (each side
  carries its window).

The meaning of parameters and the relations between actions come from the
action catalogue (:mod:`engine.model.actions`).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, Callable, Iterable, Mapping, Sequence

from engine.model.actions import Action, ActionCatalogue
from engine.model.policies import Policy, PolicySet, Rule
from engine.runtime.facts import FactContext
from engine.runtime.report import Conflict, Consensus, Recommendation
from engine.runtime.timing import SearchBudget, SearchCutShort, next_change

__all__ = ["FOR", "param_values", "overlaps", "satisfying_values", "find_conflicts", "timing_conflicts",
           "consensus", "disagree"]

FOR = ("do", "may")  # the stances that are for an action


def param_values(value: Any) -> frozenset[str]:
    """A parameter's values as a set (a list offers alternatives, or several
    recommendations for a cumulative parameter)."""
    return frozenset(value) if isinstance(value, (tuple, list)) else frozenset([value])


def _related(action: Action | None, param: str, a: frozenset[str], b: frozenset[str]) -> bool:
    if a & b:
        return True
    if action is None or action.relation(param) != "containment":
        return False
    return any(action.satisfies(param, x, y) or action.satisfies(param, y, x) for x in a for y in b)


def overlaps(actions: ActionCatalogue, action: str, a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """Do the parameters ``a`` and ``b`` (of ``action``, or of an action it is
    a kind of) describe a common way of doing it? A parameter only one side
    names does not restrict the other: no parameters overlap everything."""
    spec = actions.actions.get(action)
    return all(_related(spec, p, param_values(a[p]), param_values(b[p])) for p in a.keys() & b.keys())


def satisfying_values(spec: Action, param: str, positions: Mapping[str, Iterable[Any]]
                      ) -> tuple[str, ...]:
    """The values of ``param`` that satisfy every policy's position (a
    policy's rules offer the union of their values), in catalogue order."""
    wanted = [frozenset().union(*map(param_values, values)) for values in positions.values()]
    declared = spec.params.get(param, ())
    return tuple(v for v in declared
                 if all(any(spec.satisfies(param, v, w) for w in want) for want in wanted))


def _opposed(recs: Sequence[Recommendation], actions: ActionCatalogue) -> list[Conflict]:
    avoid = [r for r in recs if r.stance == "avoid"]
    if not avoid:
        return []
    edges: dict[tuple[str, str], list[tuple[Recommendation, Recommendation]]] = {}
    for d in recs:
        if d.stance not in FOR:
            continue
        lineage = actions.lineage(d.action)
        for a in avoid:
            if a.policy != d.policy and a.action in lineage and overlaps(actions, d.action, d.params, a.params):
                edges.setdefault((d.action, a.action), []).append((d, a))
    conflicts = []
    for (specific, general), pairs in sorted(edges.items()):
        names = (specific,) if specific == general else (specific, general)
        pro = {d.policy for d, _ in pairs}
        con = {a.policy for _, a in pairs}
        groups = [pairs] if not pro & con else \
            [[(d, a) for d, a in pairs if a.policy == q] for q in sorted(con)]  # one per avoiding source
        for group in groups:
            conflicts.append(Conflict("opposed", names, (
                _position(recs, [d for d, _ in group], specific),
                _position(recs, [a for _, a in group], general))))
    return conflicts


def _position(recs: Sequence[Recommendation], core: list[Recommendation], action: str
              ) -> tuple[Recommendation, ...]:
    """A side: the recommendations in the conflict, then the other rules of
    the same policies on the same action (their refinements), no repeats."""
    side: list[Recommendation] = []
    for r in core:
        if not any(r is x for x in side):
            side.append(r)
    policies = {r.policy for r in side}
    side += [r for r in recs if r.action == action and r.policy in policies
             and not any(r is x for x in side)]
    return tuple(side)


def _details(do: Sequence[Recommendation], spec: Action) -> list[Conflict]:
    conflicts = []
    for param in sorted({k for r in do for k in r.params}):
        if spec.relation(param) == "cumulative":
            continue  # two values are two recommendations, both can be followed
        positions: dict[str, list[Any]] = {}
        for r in do:
            if param in r.params:
                positions.setdefault(r.policy, []).append(r.params[param])
        if len(positions) < 2 or satisfying_values(spec, param, positions):
            continue
        sides = tuple(tuple(r for r in do if r.policy == p and param in r.params) for p in sorted(positions))
        conflicts.append(Conflict("details", (spec.id,), sides, param, ()))
    return conflicts


def _exclusive(do: Mapping[str, Sequence[Recommendation]], actions: ActionCatalogue) -> list[Conflict]:
    conflicts = []
    names = sorted(do)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            if not actions.opposed(a, b):
                continue
            both = {r.policy for r in do[a]} & {r.policy for r in do[b]}
            side_a = tuple(r for r in do[a] if r.policy not in both)
            side_b = tuple(r for r in do[b] if r.policy not in both)
            if side_a and side_b:
                conflicts.append(Conflict("exclusive", (a, b), (side_a, side_b)))
    return conflicts


def find_conflicts(recs: Sequence[Recommendation], actions: ActionCatalogue) -> list[Conflict]:
    """The disagreements between the recommendations that fire together
    (``opposed``, ``details``, ``exclusive``; ``timing`` needs the clock: see
    :func:`timing_conflicts`), in a stable order."""
    do: dict[str, list[Recommendation]] = {}
    for r in recs:
        if r.stance == "do":
            do.setdefault(r.action, []).append(r)
    conflicts = _opposed(recs, actions)
    for action in sorted(do):
        if len({r.policy for r in do[action]}) > 1:
            conflicts += _details(do[action], actions[action])
    conflicts += _exclusive(do, actions)
    return _labelled(conflicts, actions)


def _labelled(conflicts: list[Conflict], actions: ActionCatalogue) -> list[Conflict]:
    return [replace(c, labels=tuple(actions[a].label for a in c.actions)) for c in conflicts]


def consensus(recs: Sequence[Recommendation], policies: PolicySet,
              later: Mapping[str, Sequence[tuple[str, str, str]]] | None = None) -> tuple[Consensus, ...]:
    """Per advised action, which sources are for it, optional about it,
    against it (an ``avoid`` of it or of a more general action), for it later
    (``later``: action -> (policy, rule, when) within the horizon) and silent;
    with the values of each parameter that satisfy every source for it."""
    actions = policies.actions
    by_action: dict[str, list[Recommendation]] = {}
    for r in recs:
        by_action.setdefault(r.action, []).append(r)
    found = []
    for action in sorted(by_action):
        group = by_action[action]
        pro = sorted({r.policy for r in group if r.stance == "do"})
        may = sorted({r.policy for r in group if r.stance == "may"} - set(pro))
        lineage = actions.lineage(action)
        # a source for the action that avoids some of its parameters is for it (a refinement)
        con = sorted({r.policy for r in recs if r.stance == "avoid" and r.action in lineage}
                     - {*pro, *may})
        soon = tuple(sorted(x for x in (later or {}).get(action, ()) if x[0] not in {*pro, *may, *con}))
        spoken = {*pro, *may, *con, *(x[0] for x in soon)}
        silent = tuple(p.id for p in policies.policies if p.id not in spoken)
        spec = actions[action]
        satisfied: dict[str, tuple[str, ...]] = {}
        do = [r for r in group if r.stance == "do"]
        for param in sorted({k for r in do for k in r.params}):
            if spec.relation(param) != "cumulative":
                positions: dict[str, list[Any]] = {}
                for r in do:
                    if param in r.params:
                        positions.setdefault(r.policy, []).append(r.params[param])
                satisfied[param] = satisfying_values(spec, param, positions)
        found.append(Consensus(action, tuple(pro), tuple(may), tuple(con), soon, silent, satisfied))
    return tuple(found)


def _start(rule: Rule, ctx: FactContext, horizon: timedelta,
           budget: SearchBudget | None = None) -> datetime | None:
    """When the rule's first window from ``ctx.now`` opens (within ``horizon``;
    None also when the search budget ran out first)."""
    if rule.condition.fn(ctx) is True:
        return ctx.now
    try:
        return next_change(rule.condition, ctx, want=True, horizon=horizon, budget=budget)
    except SearchCutShort:
        return None


def _until(rule: Rule, ctx: FactContext, start: datetime, end: datetime,
           budget: SearchBudget | None = None) -> datetime | None:
    """When the window opened at ``start`` closes (None: open at ``end``, or
    not known because the search budget ran out)."""
    later = ctx if start == ctx.now else ctx.at(start)
    try:
        return next_change(rule.condition, later, want=False, horizon=end - start, budget=budget)
    except SearchCutShort:
        return None


def timing_conflicts(policies: PolicySet, ctx: FactContext, horizon: timedelta,
                     recommendation: Callable[[Policy, Rule], Recommendation],
                     known: Mapping[tuple[str, str], datetime | None] | None = None,
                     budget: SearchBudget | None = None) -> list[Conflict]:
    """``timing`` disagreements from ``ctx.now`` on, if nothing else happens:
    per action that two or more sources recommend or permit (``do``,
    ``may``) within ``horizon``, each source's earliest window (from its
    rule on the action whose window opens first), when those windows do not
    all open together.
    Sources whose parameters overlap no other's are left out (that is a
    ``details`` matter). Sides are in the order their windows open; each
    carries its (from, until), ``until`` None when still open at the horizon.
    ``known``: when some rules next apply (``ctx.now`` if they do now),
    already worked out by the caller. ``budget``: the report's search budget
    (a rule whose search it cuts short takes no part)."""
    end = ctx.now + horizon
    catalogue = policies.actions
    by_action: dict[str, dict[str, list[tuple[Policy, Rule]]]] = {}
    for p in policies.policies:
        for r in p.rules:
            if r.stance in FOR:
                by_action.setdefault(r.action, {}).setdefault(p.id, []).append((p, r))
    conflicts = []
    starts: dict[tuple[str, str], datetime | None] = dict(known or {})

    def start_of(p: Policy, r: Rule) -> datetime | None:
        key = (p.id, r.id)
        if key not in starts:
            starts[key] = _start(r, ctx, horizon, budget)
        return starts[key]

    for action in sorted(by_action):
        sources = by_action[action]
        if len(sources) < 2:
            continue
        first: list[tuple[datetime, Policy, Rule]] = []
        for rules in sources.values():
            opening = [(t, p, r) for p, r in rules if (t := start_of(p, r)) is not None]
            if opening:
                first.append(min(opening, key=lambda w: (w[0], w[2].id)))
        first = [w for w in first if any(v is not w and overlaps(catalogue, action, w[2].params, v[2].params)
                                         for v in first)]
        if len({w[0] for w in first}) < 2:
            continue
        first.sort(key=lambda w: (w[0], w[1].id))
        # only now the ends: a window's end can take a look at every hour of the horizon
        windows = tuple((t.isoformat(timespec="seconds"), _iso(_until(r, ctx, t, end, budget))) for t, _, r in first)
        conflicts.append(Conflict("timing", (action,), tuple((recommendation(p, r),) for _, p, r in first),
                                  windows=windows))
    return _labelled(conflicts, catalogue)


def _iso(t: datetime | None) -> str | None:
    return t.isoformat(timespec="seconds") if t is not None else None


def disagree(actions: ActionCatalogue, a: tuple[str, str, str, Mapping[str, Any]],
             b: tuple[str, str, str, Mapping[str, Any]]) -> str | None:
    """The kind of disagreement between two recommendations (policy, action,
    stance, params) that apply at the same time, or None."""
    if a[0] == b[0]:
        return None
    found = find_conflicts([_bare(*a), _bare(*b)], actions)
    return found[0].kind if found else None


def _bare(policy: str, action: str, stance: Any, params: Mapping[str, Any]) -> Recommendation:
    return Recommendation(policy, "", "", action, stance, dict(params), "", "", "", "")
