"""What the web app's pages show, worked out from the engine's report and
plan: an application's brief advice is ``rules explain``'s first screen
(:func:`engine.render.first_screen.first_screen`, the same NOW / WAIT / NEXT /
ALWAYS lines and disagreements, each naming its sources), today's to-dos
across applications are their NOW lines, the most urgent (closing soonest)
first, and each application's next dated change is the report's own."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from engine.errors import RulesError
from engine.model.eventlog import EventLog
from engine.model.policies import PolicySet
from engine.render.common import params_text
from engine.render.first_screen import FIRST_SCREEN_DAYS, FirstScreen, Line, first_screen
from engine.runtime.evaluation import evaluate
from engine.runtime.plan import Plan, build_plan
from engine.runtime.report import Recommendation, Report
from engine.serve.store import Application

__all__ = ["AppView", "Todo", "app_view", "todos", "soon", "PLAN_DAYS"]

#: How far ahead the pages plan: the first screen's horizon, as ``rules explain``.
PLAN_DAYS = FIRST_SCREEN_DAYS


@dataclass
class AppView:
    """One application as its page shows it (``error`` if its log is not valid)."""

    app: Application
    report: Report | None = None
    plan: Plan | None = None
    screen: FirstScreen | None = None
    next_change: dict[str, Any] | None = None    # report.next_change_at and what changes then
    error: RulesError | None = None

    def sources(self) -> list[Recommendation]:
        """Every recommendation made now, for the page's evidence (quotes)."""
        return self.report.recommendations() if self.report is not None else []


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
    view.report, view.plan, view.screen = report, plan, first_screen(report, plan)
    if report.next_change_at is not None:
        # the engine's own answer to "when does this advice next change";
        # the plan's entries at that moment say what changes
        at = datetime.fromisoformat(report.next_change_at)
        what = [{"change": change, "label": item.label, "stance": item.stance, "policy": item.policy,
                 "params": params_text(item.params)}
                for _day, entries in plan.agenda() for when, change, item in entries if when == at]
        view.next_change = {"at": at, "what": what}
    return view


@dataclass
class Todo:
    """A NOW line of one application's first screen."""

    app: Application
    line: Line
    rank: int    # its place among the application's NOW lines


def todos(views: list[AppView]) -> list[Todo]:
    """The NOW lines of every application, what stops applying soonest first;
    lines without a deadline after, each application's in its own order."""
    found = [Todo(v.app, line, i) for v in views if v.screen is not None
             for i, line in enumerate(v.screen.now)]
    found.sort(key=lambda t: (t.line.due is None, t.line.due.timestamp() if t.line.due else 0.0,
                              t.rank, t.app.id))
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
