"""What the web app's pages show, worked out from the engine's report and
plan: the brief advice of an application (per action: who says do, avoid or
may, and whether sources disagree), today's to-dos across applications with
the most urgent (closing soonest) first, and the next dated change."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from engine.errors import RulesError
from engine.model.eventlog import EventLog
from engine.model.policies import PolicySet
from engine.render.common import conflict_title, params_text, side_text
from engine.runtime.evaluation import evaluate
from engine.runtime.plan import Plan, build_plan
from engine.runtime.report import Recommendation, Report
from engine.serve.store import Application

__all__ = ["ActionView", "AppView", "Todo", "app_view", "todos", "PLAN_DAYS"]

#: How far ahead the pages look for what changes next.
PLAN_DAYS = 60


@dataclass
class ActionView:
    """One action in the brief advice: its label and who says what about it."""

    action: str
    label: str
    do: list[Recommendation] = field(default_factory=list)
    avoid: list[Recommendation] = field(default_factory=list)
    may: list[Recommendation] = field(default_factory=list)
    disputed: bool = False
    closes: datetime | None = None        # when the first "do" of it stops applying

    @property
    def kind(self) -> str:
        if self.disputed or (self.do and self.avoid):
            return "disputed"
        if self.do:
            return "do"
        return "avoid" if self.avoid else "may"

    def params(self) -> str:
        shown = sorted({params_text(r.params) for r in self.do + self.may if r.params})
        return "; ".join(shown)


@dataclass
class AppView:
    """One application as its page shows it (``error`` if its log is not valid)."""

    app: Application
    report: Report | None = None
    plan: Plan | None = None
    actions: list[ActionView] = field(default_factory=list)
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    coming: list[dict[str, Any]] = field(default_factory=list)
    next_change: dict[str, Any] | None = None    # report.next_change_at and what changes then
    error: RulesError | None = None

    def section(self, kind: str) -> list[ActionView]:
        return [a for a in self.actions if a.kind == kind]


def app_view(app: Application, policies: PolicySet, now: datetime, max_events: int) -> AppView:
    view = AppView(app)
    try:
        log = EventLog.from_dict(app.log_data(), policies.vocabulary, source=app.subject,
                                 max_events=max_events)
        moment = now.astimezone(log.tz)
        report = evaluate(policies, log, moment)
        plan = build_plan(policies, log, moment, PLAN_DAYS)
    except RulesError as err:
        view.error = err
        return view
    view.report, view.plan = report, plan
    disputed = {a for c in report.conflicts for a in c.actions}
    closing: dict[str, datetime] = {}
    for item in plan.items:
        if item.applies_at_start and item.stance == "do" and item.stop is not None:
            if item.action not in closing or item.stop < closing[item.action]:
                closing[item.action] = item.stop
    for group in report.advice:
        view_ = ActionView(group.action, group.label, disputed=group.action in disputed,
                           closes=closing.get(group.action))
        for rec in group.recommendations:
            getattr(view_, rec.stance).append(rec)
        view.actions.append(view_)
    labels = {g.action: g.label for g in report.advice}
    view.conflicts = [{"title": conflict_title(c, labels), "kind": c.kind, "actions": c.actions,
                       "sides": [side_text(c, side) for side in c.sides]} for c in report.conflicts]
    for _day, entries in plan.agenda():
        for when, change, item in entries:
            if when <= moment:
                continue
            view.coming.append({"at": when, "change": change, "label": item.label,
                                "stance": item.stance, "policy": item.policy,
                                "params": params_text(item.params)})
    if report.next_change_at is not None:
        # the engine's own answer to "when does this advice next change";
        # the plan's entries at that moment say what changes
        at = datetime.fromisoformat(report.next_change_at)
        view.next_change = {"at": at, "what": [c for c in view.coming if c["at"] == at]}
    return view


@dataclass
class Todo:
    """Something to do now for one application."""

    app: Application
    action: ActionView

    def sort_key(self) -> tuple[Any, ...]:
        closes = self.action.closes
        return (closes is None, closes or datetime.max, -len(self.action.do), self.app.id)


def todos(views: list[AppView]) -> list[Todo]:
    """Every action some source says to do now (and none disputes), across
    applications: what stops applying soonest first, then what more sources
    agree on."""
    found = [Todo(v.app, a) for v in views for a in v.actions if a.kind == "do"]
    found.sort(key=Todo.sort_key)
    return found


def soon(when: datetime, now: datetime) -> str:
    """``today 17:00``, ``tomorrow 09:00``, ``Fri 27 Nov 09:00``, relative to ``now``."""
    local = when.astimezone(now.tzinfo) if now.tzinfo else when
    days = (local.date() - now.date()).days
    clock = local.strftime("%H:%M")
    if days == 0:
        return f"today {clock}"
    if days == 1:
        return f"tomorrow {clock}"
    if days == -1:
        return f"yesterday {clock}"
    return local.strftime("%a %d %b %Y ") + clock


