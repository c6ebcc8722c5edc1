"""``rules plan``: from a moment on, when each source's advice starts and
stops applying, computed exactly from the conditions' time thresholds
(engine.runtime.timing), as dated items and a day-by-day agenda."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Mapping

from engine.errors import UsageError
from engine.runtime.conflicts import FOR, disagree, overlaps
from engine.runtime.evaluation import resolve_moment
from engine.model.eventlog import EventLog
from engine.runtime.facts import FactContext
from engine.model.policies import PolicySet
from engine.runtime.timing import DEFAULT_SEARCH_BUDGET, SearchBudget, SearchCutShort, depends_on_clock, intervals

__all__ = ["PlanItem", "Plan", "build_plan"]


@dataclass(frozen=True, slots=True)
class PlanItem:
    """One period during which one rule's advice applies."""

    policy: str
    version: str
    rule: str
    action: str
    label: str
    stance: str
    params: Mapping[str, Any]
    summary: str
    section: str
    quote: str
    start: datetime
    stop: datetime | None          # None: still applies at the end of the plan
    applies_at_start: bool
    disagrees_with: tuple[str, ...] = ()  # "policy:rule" of overlapping items that disagree (any kind)
    occurrence: int = 0            # n-th period of this rule in the plan
    timed: bool = False            # the clock alone can start or stop it (not standing advice)
    news: bool = False             # applies at the start, and did not just before the log's latest event

    @property
    def key(self) -> str:
        return f"{self.policy}:{self.rule}"

    def to_dict(self) -> dict[str, Any]:
        return {"policy": self.policy, "version": self.version, "rule": self.rule,
                "action": self.action, "label": self.label, "stance": self.stance,
                "params": {k: list(v) if isinstance(v, tuple) else v for k, v in sorted(self.params.items())},
                "summary": self.summary, "cite": {"section": self.section, "quote": self.quote},
                "start": self.start.isoformat(timespec="seconds"),
                "stop": self.stop.isoformat(timespec="seconds") if self.stop else None,
                "applies_at_start": self.applies_at_start, "timed": self.timed, "news": self.news,
                "disagrees_with": list(self.disagrees_with)}


@dataclass(frozen=True, slots=True)
class Plan:
    start: datetime
    end: datetime
    timezone: str
    subject: str | None
    log: str | None
    policies: tuple[tuple[str, str], ...]
    items: tuple[PlanItem, ...]
    events: tuple[tuple[str, datetime, str], ...] = field(default=())  # (type, at, label) up to start
    #: (policy, rule, moment) of each rule whose look-ahead the search
    #: budget cut short: nothing is known of it after that moment
    cut_short: tuple[tuple[str, str, datetime], ...] = field(default=())

    def agenda(self) -> list[tuple[date, list[tuple[datetime, str, PlanItem]]]]:
        """Day by day: (moment, "starts" | "stops", item), in time order."""
        marks: list[tuple[datetime, int, str, PlanItem]] = []
        for item in self.items:
            if not item.applies_at_start:
                marks.append((item.start, 1, "starts", item))
            if item.stop is not None:
                marks.append((item.stop, 0, "stops", item))
        marks.sort(key=lambda m: (m[0], m[1], m[3].policy, m[3].rule))
        days: dict[date, list[tuple[datetime, str, PlanItem]]] = {}
        for moment, _, kind, item in marks:
            days.setdefault(moment.date(), []).append((moment, kind, item))
        return sorted(days.items())

    def to_dict(self) -> dict[str, Any]:
        return {"from": self.start.isoformat(timespec="seconds"),
                "until": self.end.isoformat(timespec="seconds"), "timezone": self.timezone,
                "subject": self.subject, "log": self.log,
                "policies": [{"policy": p, "version": v} for p, v in self.policies],
                "items": [i.to_dict() for i in self.items],
                "agenda": [{"date": d.isoformat(),
                            "changes": [{"at": m.isoformat(timespec="seconds"), "change": kind,
                                         "policy": i.policy, "rule": i.rule, "action": i.action,
                                         "stance": i.stance} for m, kind, i in entries]}
                           for d, entries in self.agenda()]} | ({"search_cut_short": [
                    {"policy": p, "rule": r, "at": m.isoformat(timespec="seconds")}
                    for p, r, m in self.cut_short]} if self.cut_short else {})


def _disagree(a: PlanItem, b: PlanItem, policies: PolicySet) -> bool:
    if a.policy == b.policy:
        return False
    a_end = a.stop or datetime.max.replace(tzinfo=a.start.tzinfo)
    b_end = b.stop or datetime.max.replace(tzinfo=b.start.tzinfo)
    if not (a.start < b_end and b.start < a_end):
        return False
    if a.action == b.action and a.stance in FOR and b.stance in FOR and a.start != b.start \
            and overlaps(policies.actions, a.action, a.params, b.params):
        return True  # timing: both say do it, from different moments
    return disagree(policies.actions, (a.policy, a.action, a.stance, a.params),
                    (b.policy, b.action, b.stance, b.params)) is not None


def build_plan(policies: PolicySet, log: EventLog, start: datetime | None = None,
               days: int = 30, *, search_budget: int = DEFAULT_SEARCH_BUDGET) -> Plan:
    """Every period in ``[start, start + days]`` during which a rule applies.
    Conditions are evaluated at most ``search_budget`` times in all; the
    rules whose search that cut short are listed in ``Plan.cut_short``."""
    moment = resolve_moment(start, log)
    end = moment + timedelta(days=days)
    ctx = FactContext(policies.vocabulary, log, moment)
    try:
        budget = SearchBudget(search_budget)
    except ValueError as err:
        raise UsageError(f"'search_budget': {err}") from None
    # The log as it was just before its latest event (up to the start): advice
    # that did not hold then is news, something that just happened asks for.
    latest = max((e.at for e in log.as_of(moment).events), default=None)
    before = FactContext(policies.vocabulary, log, latest - timedelta(seconds=1)) if latest else None
    items: list[PlanItem] = []
    cut: list[tuple[str, str, datetime]] = []
    for p in policies.policies:
        for r in p.rules:
            periods = intervals(r.condition, ctx, end, budget)
            timed: bool | None = None
            n = 0
            try:
                for s, e in periods:
                    if timed is None:
                        timed = depends_on_clock(r.condition, ctx)
                    news = s == moment and before is not None and r.condition.fn(before) is not True
                    items.append(PlanItem(p.id, p.version, r.id, r.action,
                                          policies.actions[r.action].label, r.stance, dict(r.params),
                                          r.summary, r.section, r.quote, s, e, s == moment, occurrence=n,
                                          timed=timed, news=news))
                    n += 1
            except SearchCutShort as short:
                cut.append((p.id, r.id, short.reached))
    marked = []
    for a in items:
        others = sorted({b.key for b in items if b is not a and _disagree(a, b, policies)})
        marked.append(PlanItem(**{**{f: getattr(a, f) for f in a.__dataclass_fields__},
                                  "disagrees_with": tuple(others)}))
    marked.sort(key=lambda i: (i.start, i.policy, i.rule, i.occurrence))
    events = tuple((e.type, e.at, e.label()) for e in log.as_of(moment).events)
    return Plan(moment, end, log.timezone, log.subject, log.source,
                tuple((p.id, p.version) for p in policies.policies), tuple(marked), events, tuple(cut))
