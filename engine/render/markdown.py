"""A report as Markdown (for notes, issues and docs): with a plan, the answer
first (the first screen's now, wait, next, always and disagreements, in
full), then the evidence, as the HTML page has it."""

from __future__ import annotations

from datetime import datetime

from engine.render.dates import day_text
from engine.render.first_screen import answer_sections, first_screen
from engine.runtime.plan import Plan
from engine.runtime.report import AdviceGroup, Consensus, Report
from engine.render.common import (conflict_title, consensus_of, consensus_text, grade_text, params_text,
                                  report_now, side_text, situation_items, split_advice, when_text)

__all__ = ["render"]


def _esc(text: str) -> str:
    return text.replace("|", "\\|")


def _group(lines: list[str], g: AdviceGroup, now: datetime, agreed: Consensus | None = None) -> None:
    lines.append(f"### {g.label} (`{g.action}`)")
    lines.append("")
    if agreed is not None:
        lines += [f"Sources: {consensus_text(agreed, now)}", ""]
    for r in g.recommendations:
        params = f" — {params_text(r.params)}" if r.params else ""
        lines.append(f"- **{r.stance}** · `{r.policy}@{r.version}` · `{r.rule}`{params}: {r.summary}")
        lines.append(f"  - when: `{r.when}`")
        for t in r.trace:
            lines.append(f"    - `{t}`")
        who = f" ({r.attributed_to})" if r.attributed_to else ""
        lines.append(f"  - cite: “{r.quote}”{grade_text(r.grade)} — *{r.section}*{who}")
    if g.not_firing:
        lines.append("")
        lines.append("| other source | rule | stance | status | because | would apply from |")
        lines.append("|---|---|---|---|---|---|")
        for n in g.not_firing:
            nxt = when_text(n.next_fires_at, now) if n.next_fires_at else "—"
            lines.append(f"| {n.policy}@{n.version} | `{n.rule}` | {n.stance} | {n.status} | "
                         f"{_esc(n.because)} | {nxt} |")
    lines.append("")


def _answer(report: Report, plan: Plan) -> list[str]:
    """The first screen as Markdown: every line (a page scrolls; nothing is cut)."""
    lines = ["## Your answer", ""]
    for title, items in answer_sections(first_screen(report, plan)):
        if title == "Now":
            title += f" ({day_text(report_now(report))})"
        body = [f"- {line.plain()}" for line in items] or ["Nothing is due today."]
        lines += [f"### {title}", "", *body, ""]
    return lines


def render(report: Report, plan: Plan | None = None) -> str:
    """``report`` as Markdown; with ``plan`` (covering the days ahead), the
    answer comes first."""
    now = report_now(report)
    lines = [f"# {report.subject or report.log or 'Follow-up advice'}", "",
             f"As of **{when_text(report.at, dates=False)}** ({report.timezone}).", ""]
    if report.events_after:
        lines += [f"{report.events_after} event(s) in the log after this moment were ignored "
                  "(a later `--at` includes them).", ""]
    if plan is not None:
        lines += _answer(report, plan)
    lines += ["## Situation", "", "| | |", "|---|---|"]
    for label, value in situation_items(report):
        lines.append(f"| {label} | {_esc(value)} |")
    lines += ["", "Sources: " + ", ".join(f"`{p.policy}@{p.version}`" for p in report.policies), ""]
    labels = {g.action: g.label for g in report.advice}
    lines += [f"## Disagreements ({len(report.conflicts)})", ""]
    if not report.conflicts:
        lines.append("The sources do not disagree on anything that applies now.")
    for c in report.conflicts:
        lines.append(f"- **{conflict_title(c, labels)}**")
        for side in c.sides:
            lines.append(f"  - {side_text(c, side)}")
    lines.append("")
    do, avoid = split_advice(report)
    lines += [f"## What to do ({len(do)})", ""]
    agreed = consensus_of(report)
    for g in do:
        _group(lines, g, now, agreed.get(g.action))
    lines += [f"## What to avoid ({len(avoid)})", ""]
    for g in avoid:
        _group(lines, g, now, agreed.get(g.action))
    return "\n".join(lines).rstrip() + "\n"
