"""A plan as a text or Markdown agenda, grouped by day."""

from __future__ import annotations

from engine.runtime.plan import Plan, PlanItem
from engine.render.common import params_text

__all__ = ["render_plan_text", "render_plan_markdown"]


def _what(item: PlanItem) -> str:
    verb = {"do": "", "may": "may: "}.get(item.stance, "avoid: ")
    params = f" ({params_text(item.params)})" if item.params else ""
    return f"{item.policy}: {verb}{item.label.lower()}{params}"


def _flag(item: PlanItem) -> str:
    return f"  ⚠ disagrees with {', '.join(item.disagrees_with)}" if item.disagrees_with else ""


def render_plan_text(plan: Plan, *, markdown: bool = False) -> str:
    fmt = "%a %d %b %Y %H:%M"
    title = plan.subject or plan.log or "Plan"
    lines = [f"# Plan: {title}" if markdown else f"Plan: {title}",
             "",
             f"From {plan.start.strftime(fmt)} until {plan.end.strftime(fmt)} ({plan.timezone}); "
             f"sources: {', '.join(f'{p}@{v}' for p, v in plan.policies)}", ""]
    current = [i for i in plan.items if i.applies_at_start]
    head = "## Applies now" if markdown else "APPLIES NOW"
    lines += [head, ""] if markdown else [head]
    if not current:
        lines.append("  (nothing)")
    for i in current:
        until = f" — until {i.stop.strftime(fmt)}" if i.stop else ""
        bullet = "- " if markdown else "  · "
        lines.append(f"{bullet}{_what(i)} [{i.rule}]{until}{_flag(i)}")
    lines.append("")
    head = "## Agenda" if markdown else "AGENDA"
    lines += [head, ""] if markdown else [head]
    agenda = plan.agenda()
    if not agenda:
        lines.append("  No advice starts or stops in this period (if nothing else happens).")
    for day, entries in agenda:
        lines.append(f"### {day.strftime('%a %d %b %Y')}" if markdown else day.strftime("%a %d %b %Y"))
        if markdown:
            lines.append("")
        for moment, kind, item in entries:
            bullet = "- " if markdown else "  "
            word = "from" if kind == "starts" else "stops"
            lines.append(f"{bullet}{moment.strftime('%H:%M')} {word:<5} {_what(item)} [{item.rule}]"
                         + (_flag(item) if kind == "starts" else ""))
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def render_plan_markdown(plan: Plan) -> str:
    return render_plan_text(plan, markdown=True)
