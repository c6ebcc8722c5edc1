"""A plan as text or Markdown: the agenda first (day by day, what starts,
what stops and where sources disagree, one line per action naming its
sources), then what applies from the start, then every period in detail.
Text is wrapped to the terminal's width with hanging indents."""

from __future__ import annotations

from datetime import date, datetime
from typing import Iterable

from engine.render.common import params_text
from engine.render.dates import day_text, full_text, is_date
from engine.render.first_screen import values_text
from engine.render.layout import DEFAULT_WIDTH, wrap
from engine.runtime.plan import Plan, PlanItem

__all__ = ["render_plan_text", "render_plan_markdown", "agenda_lines"]


def _what(items: list[PlanItem]) -> str:
    """``check in with the employer (email or phone)`` or ``don't send a gift``."""
    first = items[0]
    label = first.label[:1].lower() + first.label[1:]
    values = sorted({values_text(i.params) for i in items} - {""})
    text = label + (f" ({'; '.join(values)})" if values else "")
    if first.stance == "avoid":
        return "don't " + text
    return "you may " + text if first.stance == "may" else text


def _who(items: Iterable[PlanItem]) -> str:
    return ", ".join(sorted({i.policy for i in items}))


def _against(items: list[PlanItem]) -> str:
    mine = {i.policy for i in items}
    others = sorted({k.split(":")[0] for i in items for k in i.disagrees_with} - mine)
    return f"  ⚠ disagrees: {', '.join(others)}" if others else ""


def agenda_lines(plan: Plan) -> list[tuple[date, list[str]]]:
    """Day by day: one entry per (time, change, action, stance), with its sources."""
    days: list[tuple[date, list[str]]] = []
    for day, entries in plan.agenda():
        groups: dict[tuple[datetime, str, str, str], list[PlanItem]] = {}
        for at, kind, item in entries:
            groups.setdefault((at, kind, item.action, item.stance), []).append(item)
        lines = []
        for (at, kind, _, _), items in groups.items():
            when = "" if is_date(at) else at.strftime("%H:%M") + " "
            word = "from" if kind == "starts" else "ends"
            flag = _against(items) if kind == "starts" else ""
            lines.append(f"{when}{word}: {_what(items)} — {_who(items)}{flag}")
        days.append((day, lines))
    return days


def _now_lines(plan: Plan) -> list[str]:
    groups: dict[tuple[str, str], list[PlanItem]] = {}
    for item in plan.items:
        if item.applies_at_start:
            groups.setdefault((item.stance != "avoid" and "a" or "b", item.action), []).append(item)
    lines = []
    for _, items in sorted(groups.items(), key=lambda g: (g[0][0], g[1][0].label)):
        stops = [i.stop for i in items if i.stop is not None]
        until = f", until {_moment(min(stops), plan)}" if stops else ""
        lines.append(f"{_what(items)} — {_who(items)}{until}{_against(items)}")
    return lines


def _moment(t: datetime, plan: Plan) -> str:
    return day_text(t, plan.start) + ("" if is_date(t) else " " + t.strftime("%H:%M"))


def _detail(item: PlanItem, plan: Plan) -> str:
    params = f" ({params_text(item.params)})" if item.params else ""
    start = "from the start" if item.applies_at_start else f"from {_moment(item.start, plan)}"
    stop = f" until {_moment(item.stop, plan)}" if item.stop else ""
    text = f"{item.policy}@{item.version} · {item.rule}: {item.stance} {item.action}{params}, {start}{stop}"
    if item.disagrees_with:
        text += f"; disagrees with {', '.join(item.disagrees_with)}"
    return text


def render_plan_text(plan: Plan, *, markdown: bool = False, width: int = DEFAULT_WIDTH) -> str:
    title = plan.subject or plan.log or "Plan"
    head = (f"From {full_text(plan.start)} to {full_text(plan.end)} ({plan.timezone}), if nothing else "
            f"happens; sources: {', '.join(f'{p}@{v}' for p, v in plan.policies)}")
    if markdown:
        lines = [f"# Plan: {title}", "", head, "", "## Agenda", ""]
    else:
        lines = wrap(f"Plan: {title}", width, "", "  ") + wrap(head, width, "", "  ") + ["", "AGENDA"]
    agenda = agenda_lines(plan)
    if not agenda:
        text = "No advice starts or stops in this period (if nothing else happens)."
        lines += [text, ""] if markdown else wrap(text, width, "  ", "  ")
    for day, entries in agenda:
        near = day_text(datetime.combine(day, plan.start.timetz()), plan.start)
        name = day.strftime("%a %d %b %Y") + ("" if near[0].isupper() else f" ({near})")
        if markdown:
            lines += [f"### {name}", ""] + [f"- {e}" for e in entries] + [""]
        else:
            lines += ([""] if lines[-1] != "AGENDA" else []) + [name]
            for entry in entries:
                lines += wrap(entry, width, "  ", "    ")
    lines += ["## Applies from the start", ""] if markdown else ["", "APPLIES FROM THE START"]
    for entry in _now_lines(plan) or ["(nothing)"]:
        lines += [f"- {entry}"] if markdown else wrap(entry, width, "  ", "    ")
    lines += ["", "## Details", ""] if markdown else ["", "DETAILS (every period, by start)"]
    for item in plan.items:
        entry = _detail(item, plan)
        lines += [f"- {entry}"] if markdown else wrap(entry, width, "  ", "    ")
    return "\n".join(lines).rstrip() + "\n"


def render_plan_markdown(plan: Plan) -> str:
    return render_plan_text(plan, markdown=True)
