"""The full terminal view of a report (``rules explain --details``): the
situation, then disagreements, then what to do, then what to avoid; every
line traceable to ``policy@version``, rule, citation and the values behind
it, wrapped to the terminal's width with hanging indents."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import click

from engine.render.common import (STANCE_MARKS, conflict_title, consensus_of, consensus_text, grade_text,
                                  params_text, report_now, side_text, situation_items, split_advice, when_text)
from engine.render.layout import DEFAULT_WIDTH, wrap
from engine.runtime.report import AdviceGroup, Consensus, Recommendation, Report

__all__ = ["render"]


class _Out:
    def __init__(self, color: bool, width: int) -> None:
        self.color = color
        self.width = width
        self.lines: list[str] = []

    def style(self, text: str, **kw: Any) -> str:
        return click.style(text, **kw) if self.color else text

    def add(self, text: str = "", **style: Any) -> None:
        """A line that fits (headings); styled after measuring."""
        for line in wrap(text, self.width, "", "  ") if text else [""]:
            self.lines.append(self.style(line, **style) if style else line)

    def wrap(self, text: str, indent: str, hang: str = "  ", **style: Any) -> None:
        for line in wrap(text, self.width, indent, hang):
            self.lines.append(self.style(line, **style) if style else line)


def _rec(out: _Out, r: Recommendation, mark: str) -> None:
    head = f"{mark} {r.policy}@{r.version} · {r.rule}"
    if r.params:
        head += f"  ({params_text(r.params)})"
    out.wrap(head, "  ", "    ", bold=True)
    out.wrap(r.summary, "      ")
    out.wrap(f"when: {r.when}", "      ")
    for line in r.trace:
        out.wrap(line, "        ", dim=True)
    cite = f"cite: “{r.quote}”{grade_text(r.grade)} — section “{r.section}”"
    if r.attributed_to:
        cite += f", attributed to {r.attributed_to}"
    out.wrap(cite, "      ")


def _group(out: _Out, g: AdviceGroup, now: datetime, agreed: Consensus | None = None) -> None:
    out.add(f"■ {g.label}  [{g.action}]", bold=True)
    if agreed is not None:
        out.wrap("Sources: " + consensus_text(agreed, now), "  ")
    for r in g.recommendations:
        _rec(out, r, STANCE_MARKS.get(r.stance, "✗"))
    if g.not_firing:
        out.add("  Other sources on this, not applying now:")
        for n in g.not_firing:
            line = f"· {n.policy}@{n.version} · {n.rule} ({n.stance}): {n.status} — {n.because}"
            if n.next_fires_at:
                line += f"; would apply from {when_text(n.next_fires_at, now)}"
            out.wrap(line, "    ")
    out.add()


def render(report: Report, *, color: bool = False, width: int = DEFAULT_WIDTH) -> str:
    out = _Out(color, width)
    now = report_now(report)
    out.add(report.subject or report.log or "Your follow-up", bold=True)
    out.add(f"As of {when_text(report.at, dates=False)} ({report.timezone})")
    if report.events_after:
        out.wrap(f"{report.events_after} event(s) in the log after this moment were ignored "
                 "(a later --at includes them).", "")
    out.add()
    out.add("SITUATION", bold=True)
    column = min(34, max(len(label) for label, _ in situation_items(report)) + 4) if report.situation else 4
    for label, value in situation_items(report):
        out.wrap(f"{label + ':':<{column - 2}}{value}", "  ", " " * (column - 2))
    out.wrap("Sources: " + ", ".join(f"{p.policy}@{p.version}" for p in report.policies), "  ")
    out.add()
    labels = {g.action: g.label for g in report.advice}
    out.add(f"DISAGREEMENTS ({len(report.conflicts)})", bold=True, fg="yellow")
    if not report.conflicts:
        out.wrap("The sources do not disagree on anything that applies now.", "  ")
    for i, c in enumerate(report.conflicts, 1):
        out.wrap(f"{i}. {conflict_title(c, labels)}", "  ", "   ")
        for side in c.sides:
            out.wrap("· " + side_text(c, side), "     ")
    out.add()
    do, avoid = split_advice(report)
    out.add(f"WHAT TO DO ({len(do)})", bold=True, fg="green")
    if not do:
        out.wrap("No source recommends an action right now.", "  ")
    out.add()
    agreed = consensus_of(report)
    for g in do:
        _group(out, g, now, agreed.get(g.action))
    out.add(f"WHAT TO AVOID ({len(avoid)})", bold=True, fg="red")
    out.add()
    for g in avoid:
        _group(out, g, now, agreed.get(g.action))
    return "\n".join(out.lines).rstrip() + "\n"
