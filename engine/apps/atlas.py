"""``rules conflicts``: the static disagreement atlas.

For every pair of sources and every action: can they disagree, and in what
situation? The answer is found by a systematic search (docs/disagreements.md
explains the choice): small event logs are generated from the vocabulary's
event types — an interview, then one or two more events, each field taking
its declared values one at a time, at offsets that straddle the conditions'
day thresholds — and each log is evaluated at every moment its advice can
change, which the planner computes exactly from the conditions' thresholds
(:func:`engine.runtime.timing.intervals`) "if nothing else happens" between
two events. Every conflict found keeps its first witness: the log and the
moment at which ``evaluate`` reports it, and the rules on each side. Timing
candidates are confirmed by a full ``evaluate`` before they are kept.

The same search finds rules that fire in no searched situation and rules
whose every firing is also a firing of another rule of the same policy with
the same advice (shadowed): ``rules check --reachability`` shows both as
warnings. What the search did not try, it cannot rule out: a "never fires"
is a warning, not a proof.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import combinations
from typing import Any, Iterator, Mapping
from zoneinfo import ZoneInfo

from engine.language.nodes import Literal, walk
from engine.model.eventlog import EventLog
from engine.model.policies import PolicySet
from engine.runtime.evaluation import evaluate, fired_rules
from engine.runtime.facts import FactContext
from engine.runtime.report import Conflict
from engine.runtime.timing import intervals

__all__ = ["Witness", "Atlas", "conflict_atlas", "situations", "reachability_warnings", "DEFAULT_MAX_LOGS"]

#: How many generated logs the search evaluates: all logs of the interview alone, of repeated
#: events and of one extra event, then logs of two extra events in order.
DEFAULT_MAX_LOGS = 400
HORIZON = timedelta(days=60)
#: How long after the last event the search follows a log (the offsets reach 16 days).
TAIL = timedelta(days=30)
_START = date(2026, 11, 16)  # a Monday
_ZONE = "America/New_York"
_HOURS = (10, 15)  # a morning and an afternoon interview
#: When the extra events happen, after the interview: the same afternoon, the
#: next days, past a week, past two and three weeks.
_OFFSETS = (timedelta(hours=4), timedelta(days=2), timedelta(days=8), timedelta(days=16))
#: The two extra events of a level-2 log: (first offset, second offset).
_PAIRS = ((0, 2), (1, 3))
_DATE_OFFSETS = (3, 10)  # days after the interview, for date fields (their date, check in after)


@dataclass(frozen=True, slots=True)
class Witness:
    """A situation in which two sources disagree: ``evaluate(policies, log,
    at)`` reports a conflict of ``kind`` on ``actions`` with ``rules[0]`` (of
    ``policies[0]``) on one side and ``rules[1]`` on another."""

    policies: tuple[str, str]
    kind: str
    actions: tuple[str, ...]
    rules: tuple[tuple[str, ...], tuple[str, ...]]
    log: Mapping[str, Any]
    at: str

    def to_dict(self) -> dict[str, Any]:
        return {"policies": list(self.policies), "kind": self.kind, "actions": list(self.actions),
                "rules": [list(r) for r in self.rules], "at": self.at, "log": dict(self.log)}


@dataclass(frozen=True, slots=True)
class Atlas:
    """What the search found (``to_dict`` is the JSON of ``rules conflicts``)."""

    policies: tuple[str, ...]
    witnesses: tuple[Witness, ...]
    never_fired: tuple[tuple[str, str], ...]           # (policy, rule)
    shadowed: tuple[tuple[str, str, str], ...]         # (policy, rule, shadowed by rule)
    logs: int
    moments: int
    kinds: tuple[str, ...] = field(default=("opposed", "exclusive", "details", "timing"))

    def pair(self, a: str, b: str) -> list[Witness]:
        key = tuple(sorted((a, b)))
        return [w for w in self.witnesses if w.policies == key]

    def to_dict(self) -> dict[str, Any]:
        matrix = []
        for a, b in combinations(self.policies, 2):
            found = self.pair(a, b)
            matrix.append({"policies": [a, b], "count": len(found),
                           "actions": sorted({x for w in found for x in w.actions})})
        return {"policies": list(self.policies), "searched": {"logs": self.logs, "moments": self.moments},
                "pairs": matrix, "witnesses": [w.to_dict() for w in self.witnesses],
                "never_fired": [{"policy": p, "rule": r} for p, r in self.never_fired],
                "shadowed": [{"policy": p, "rule": r, "by": by} for p, r, by in self.shadowed]}


# -- the situations ---------------------------------------------------------------

def _field_values(spec: Any, day: date) -> list[tuple[str, Any]]:
    """(field, value) variations of one field, beyond its default."""
    kind = str(spec.type)
    if spec.values:
        return [(spec.name, v) for v in spec.values]
    if kind == "bool":
        return [(spec.name, True), (spec.name, False)] if spec.default is None else \
            [(spec.name, not spec.default)]
    if kind in ("datetime", "date"):
        return [(spec.name, (day + timedelta(days=k)).isoformat()) for k in _DATE_OFFSETS]
    if kind.startswith("list") or kind == "string":
        return [(spec.name, ["Alex Doe", "Sam Roe"])] if kind.startswith("list") else []
    if kind in ("int", "number"):
        return [(spec.name, 2)]
    return []


def _base_fields(spec: Any, day: date) -> dict[str, Any] | None:
    """The required fields of an event type at their first value (None if
    one cannot be made up)."""
    fields: dict[str, Any] = {}
    for f in spec.fields.values():
        if not f.required:
            continue
        kind = str(f.type)
        if f.values:
            fields[f.name] = f.values[0]
        elif kind.startswith("list"):
            fields[f.name] = ["Alex Doe"][: max(1, f.min_items)] * max(1, f.min_items)
        elif kind in ("datetime", "date"):
            fields[f.name] = (day + timedelta(days=_DATE_OFFSETS[0])).isoformat()
        elif kind == "bool":
            fields[f.name] = True
        elif kind in ("int", "number"):
            fields[f.name] = max(1, f.min_items)
        elif kind == "string":
            fields[f.name] = "Alex Doe"
        else:
            return None
    return fields


def _variants(spec: Any, day: date) -> list[dict[str, Any]]:
    """The event with its required fields, then with each field varied alone."""
    base = _base_fields(spec, day)
    if base is None:
        return []
    found = [base]
    for f in spec.fields.values():
        for name, value in _field_values(f, day):
            if base.get(name) != value:
                found.append({**base, name: value})
    # Conditions often ask for several flags of one event at once ("they were
    # positive about you and you like the company"): all of them true together.
    flags = {f.name: True for f in spec.fields.values() if str(f.type) == "bool" and not f.values}
    if len(flags) > 1 and {**base, **flags} not in found:
        found.append({**base, **flags})
    return found


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M")


def situations(policies: PolicySet) -> Iterator[dict[str, Any]]:
    """Event logs, smallest first: an interview alone (each variant, morning
    and afternoon); with one event repeated as often as the conditions count
    (a week apart); with one more event (each type and variant, at each
    offset); with two more (each pair of types in their first varied form,
    at two pairs of offsets). The repeated events come before the single
    ones: they are few, and what they reach ("three follow-ups, three weeks
    of silence") no log of one extra event can."""
    vocab = policies.vocabulary
    specs = vocab.event_type_specs
    if "interview" not in specs:
        return
    interview = _variants(specs["interview"], _START)
    others = [t for t in sorted(specs) if t != "interview"]
    for hour in _HOURS:
        t0 = datetime.combine(_START, time(hour))
        for fields in interview:
            yield _log([("interview", t0, fields)])
    t0 = datetime.combine(_START, time(_HOURS[0]))
    first = interview[0]
    for count in _counts(policies):
        for name in others:
            variants = _variants(specs[name], _START)
            if variants:
                yield _log([("interview", t0, first)] + [
                    (name, t0 + timedelta(days=2 + 7 * k), variants[0]) for k in range(count)])
    for name in others:
        for fields in _variants(specs[name], _START):
            for offset in _OFFSETS:
                yield _log([("interview", t0, first), (name, t0 + offset, fields)])
    for i, j in _PAIRS:
        for a in others:
            va = _variants(specs[a], _START)
            for b in others:
                vb = _variants(specs[b], _START)
                if va and vb:  # each in its first varied form (a reply with a tone, say)
                    yield _log([("interview", t0, first), (a, t0 + _OFFSETS[i], va[min(1, len(va) - 1)]),
                                (b, t0 + _OFFSETS[j], vb[min(1, len(vb) - 1)])])


def _counts(policies: PolicySet) -> list[int]:
    """How many times to repeat one event: the small whole numbers (2 to 5)
    the conditions compare with (``unanswered_contacts >= 3``)."""
    found: set[int] = set()
    for p in policies.policies:
        for r in p.rules:
            for n in walk(r.condition.node):
                if isinstance(n, Literal) and type(n.value) is int and 2 <= n.value <= 5:
                    found.add(n.value)
    return sorted(found)


def _log(events: list[tuple[str, datetime, dict[str, Any]]]) -> dict[str, Any]:
    return {"timezone": _ZONE, "events": [{"type": t, "at": _iso(at), **fields} for t, at, fields in events]}


# -- the search -------------------------------------------------------------------

def _moments(policies: PolicySet, log: EventLog) -> tuple[list[datetime], dict[datetime, dict[int, Any]]]:
    """Every moment at which the log's advice can change (event times and the
    starts and stops of every rule's windows between them), and, per moment,
    each rule's window holding then or opening next (for timing)."""
    times = sorted({e.at for e in log.events})
    rules = [(p, r) for p in policies.policies for r in p.rules]
    found: set[datetime] = set()
    windows: dict[datetime, dict[int, Any]] = {}
    for k, start in enumerate(times):
        end = times[k + 1] if k + 1 < len(times) else start + TAIL
        ctx = FactContext(policies.vocabulary, log, start, provenance=False)
        spans: dict[int, list[tuple[datetime, datetime | None]]] = {}
        for i, (_, r) in enumerate(rules):
            spans[i] = list(intervals(r.condition, ctx, end))
            for s, e in spans[i]:
                found.add(s)
                if e is not None and e < end:
                    found.add(e)
        for m in [start] + sorted(x for x in found if start < x < end):
            windows[m] = {i: next(((max(s, m), e) for s, e in ss if e is None or e > m), None)
                          for i, ss in spans.items()}
        found.add(start)
    return sorted(found), windows


def _timing_candidates(policies: PolicySet, windows: Mapping[int, Any]) -> set[tuple[str, str, str]]:
    """(action, policy, policy) whose first ``do``/``may`` windows, as seen from this
    moment within the current stretch, open at different times."""
    rules = [(p, r) for p in policies.policies for r in p.rules]
    first: dict[str, dict[str, datetime]] = {}
    for i, (p, r) in enumerate(rules):
        w = windows.get(i)
        if r.stance in ("do", "may") and w is not None:
            best = first.setdefault(r.action, {})
            if p.id not in best or w[0] < best[p.id]:
                best[p.id] = w[0]
    found = set()
    for action, starts in first.items():
        for a, b in combinations(sorted(starts), 2):
            if starts[a] != starts[b]:
                found.add((action, a, b))
    return found


def _pairs(conflict: Conflict) -> Iterator[tuple[tuple[str, str], tuple[tuple[str, ...], tuple[str, ...]]]]:
    """Each pair of sources on different sides, with their rules there."""
    for i, j in combinations(range(len(conflict.sides)), 2):
        if conflict.windows and conflict.windows[i][0] == conflict.windows[j][0]:
            continue  # timing: these two agree on when
        for a in sorted({r.policy for r in conflict.sides[i]}):
            for b in sorted({r.policy for r in conflict.sides[j]}):
                ra = tuple(r.rule for r in conflict.sides[i] if r.policy == a)
                rb = tuple(r.rule for r in conflict.sides[j] if r.policy == b)
                yield ((a, b), (ra, rb)) if a < b else ((b, a), (rb, ra))


def conflict_atlas(policies: PolicySet, *, max_logs: int = DEFAULT_MAX_LOGS) -> Atlas:
    """Search ``max_logs`` generated situations for every disagreement
    between two sources (see the module doc)."""
    witnesses: dict[tuple[Any, ...], Witness] = {}
    rules = [(p, r) for p in policies.policies for r in p.rules]
    index = {(p.id, r.id): i for i, (p, r) in enumerate(rules)}
    fired_at: list[set[int]] = [set() for _ in rules]
    tried_timing: dict[tuple[str, str, str], int] = {}
    logs = moments_seen = 0
    tz = ZoneInfo(_ZONE)

    def keep(conflict: Conflict, data: Mapping[str, Any], at: datetime) -> None:
        for pair, sides in _pairs(conflict):
            key = (pair, conflict.kind, conflict.actions)
            if key not in witnesses:
                witnesses[key] = Witness(pair, conflict.kind, conflict.actions, sides, data,
                                         at.isoformat(timespec="seconds"))

    for data in situations(policies):
        if logs >= max_logs:
            break
        logs += 1
        log = EventLog.from_dict(data, policies.vocabulary)
        points, windows = _moments(policies, log)
        for at in points:
            at = at.astimezone(tz)
            moment_id = moments_seen
            moments_seen += 1
            ctx = FactContext(policies.vocabulary, log, at, provenance=False)
            fired = fired_rules(policies, ctx)
            for p, r in fired:
                fired_at[index[(p.id, r.id)]].add(moment_id)
            if len({p.id for p, _ in fired}) > 1:
                report = evaluate(policies, log, at, explain=False)
                for c in report.conflicts:
                    keep(c, data, at)
            new = [t for t in _timing_candidates(policies, windows.get(at, {}))
                   if (((t[1], t[2]), "timing", (t[0],)) not in witnesses and tried_timing.get(t, 0) < 3)]
            if new:
                for t in new:
                    tried_timing[t] = tried_timing.get(t, 0) + 1
                report = evaluate(policies, log, at, horizon=HORIZON)
                for c in report.conflicts:
                    if c.kind == "timing":
                        keep(c, data, at)
    never = tuple((p.id, r.id) for i, (p, r) in enumerate(rules) if not fired_at[i])
    shadowed = []
    for i, (p, r) in enumerate(rules):
        for j, (q, s) in enumerate(rules):
            if i == j or p is not q or not fired_at[i] or (r.action, r.stance, dict(r.params)) != \
                    (s.action, s.stance, dict(s.params)):
                continue
            if fired_at[i] <= fired_at[j] and (fired_at[i] != fired_at[j] or j < i):
                shadowed.append((p.id, r.id, s.id))
                break
    ordered = sorted(witnesses.values(), key=lambda w: (w.policies, w.actions, w.kind))
    return Atlas(tuple(p.id for p in policies.policies), tuple(ordered), never, tuple(shadowed),
                 logs, moments_seen)


def reachability_warnings(paths: list[str], *, max_logs: int = DEFAULT_MAX_LOGS) -> list[str]:
    """``file:line:col: warning: …`` for every rule of the policies in force
    under each folder in ``paths`` that fires in no searched situation, or
    only ever together with another rule of its policy giving the same advice."""
    from pathlib import Path

    from engine.model.policies import load_policies

    found = []
    for raw in paths:
        if not Path(raw).is_dir():
            continue
        policies = load_policies(raw)
        atlas = conflict_atlas(policies, max_logs=max_logs)
        where = {(p.id, r.id): f"{p.file}:{r.line or 1}:1" for p in policies.policies for r in p.rules}
        for pid, rid in atlas.never_fired:
            found.append(f"{where[(pid, rid)]}: warning: rule '{rid}' fires in none of the "
                         f"{atlas.logs} generated situations searched (its condition may be unsatisfiable)")
        for pid, rid, by in atlas.shadowed:
            found.append(f"{where[(pid, rid)]}: warning: rule '{rid}' only ever fires together with "
                         f"'{by}', which gives the same advice (shadowed)")
    return found
