"""The terminal view of a report, written for a job seeker: the situation,
then disagreements, then what to do, then what to avoid; every line traceable
to ``policy@version``, rule, citation and the values behind it."""

from __future__ import annotations

import textwrap
from datetime import datetime
from typing import Any

import click

from engine.runtime.report import AdviceGroup, Consensus, Recommendation, Report
from engine.render.common import (STANCE_MARKS, conflict_title, consensus_of, consensus_text, grade_text,
                                  params_text, report_now,
                                  side_text, situation_items, split_advice, when_text)

__all__ = ["render"]


class _Out:
    def __init__(self, color: bool) -> None:
        self.color = color
        self.lines: list[str] = []

    def style(self, text: str, **kw: Any) -> str:
        return click.style(text, **kw) if self.color else text

    def add(self, text: str = "") -> None:
        self.lines.append(text)

    def wrap(self, text: str, indent: str, width: int = 96) -> None:
        for line in textwrap.wrap(text, width=width, initial_indent=indent,
                                  subsequent_indent=indent + "  ") or [indent]:
            self.lines.append(line)


def _rec(out: _Out, r: Recommendation, mark: str) -> None:
    head = f"{mark} {r.policy}@{r.version} · {r.rule}"
    if r.params:
        head += f"  ({params_text(r.params)})"
    out.add("  " + out.style(head, bold=True))
    out.wrap(r.summary, "      ")
    out.wrap(f"when: {r.when}", "      ")
    for line in r.trace:
        out.wrap(out.style(line, dim=True), "        ")
    cite = f"cite: “{r.quote}”{grade_text(r.grade)} — section “{r.section}”"
    if r.attributed_to:
        cite += f", attributed to {r.attributed_to}"
    out.wrap(cite, "      ")


def _group(out: _Out, g: AdviceGroup, now: datetime, agreed: Consensus | None = None) -> None:
    out.add(out.style(f"■ {g.label}", bold=True) + out.style(f"  [{g.action}]", dim=True))
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


def render(report: Report, *, color: bool = False) -> str:
    out = _Out(color)
    now = report_now(report)
    title = report.subject or report.log or "Your follow-up"
    out.add(out.style(title, bold=True))
    out.add(f"As of {when_text(report.at, dates=False)} ({report.timezone})")
    if report.events_after:
        out.wrap(f"{report.events_after} event(s) in the log after this moment were ignored "
                 "(a later --at includes them).", "")
    out.add()
    out.add(out.style("SITUATION", bold=True))
    for label, value in situation_items(report):
        out.add(f"  {label + ':':<34}{value}")
    out.add("  Sources: " + ", ".join(f"{p.policy}@{p.version}" for p in report.policies))
    out.add()
    labels = {g.action: g.label for g in report.advice}
    out.add(out.style(f"DISAGREEMENTS ({len(report.conflicts)})", bold=True, fg="yellow"))
    if not report.conflicts:
        out.add("  The sources do not disagree on anything that applies now.")
    for i, c in enumerate(report.conflicts, 1):
        out.wrap(f"{i}. {conflict_title(c, labels)}", "  ")
        for side in c.sides:
            out.wrap("· " + side_text(c, side), "     ")
    out.add()
    do, avoid = split_advice(report)
    out.add(out.style(f"WHAT TO DO ({len(do)})", bold=True, fg="green"))
    if not do:
        out.add("  No source recommends an action right now.")
    out.add()
    agreed = consensus_of(report)
    for g in do:
        _group(out, g, now, agreed.get(g.action))
    out.add(out.style(f"WHAT TO AVOID ({len(avoid)})", bold=True, fg="red"))
    out.add()
    for g in avoid:
        _group(out, g, now, agreed.get(g.action))
    return "\n".join(out.lines).rstrip() + "\n"
