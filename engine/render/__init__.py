"""Formatters: a :class:`~engine.runtime.report.Report` (or a plan) rendered as text,
Markdown, JSON or HTML. They only read reports; they never evaluate."""

from __future__ import annotations

from engine.runtime.plan import Plan
from engine.runtime.report import Report

__all__ = ["render_report", "FORMATS"]

FORMATS = ("text", "json", "markdown", "html")


def render_report(report: Report, fmt: str, *, color: bool = False, width: int = 80,
                  plan: Plan | None = None) -> str:
    """``report`` in ``fmt``; text is the full trace (``rules explain --details``)
    wrapped to ``width``; the first screen is :func:`engine.render.first_screen.render_first_screen`.
    Markdown with a ``plan`` (the days ahead) puts the answer before the evidence."""
    if fmt == "json":
        return report.to_json() + "\n"
    if fmt == "markdown":
        from engine.render.markdown import render
        return render(report, plan)
    if fmt == "html":
        raise ValueError("HTML needs a plan too: use engine.render.html.render_html(plan, report)")
    from engine.render.text import render as render_text
    return render_text(report, color=color, width=width)

