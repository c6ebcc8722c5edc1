"""``rules explain`` and ``rules plan``: the job seeker's advice, now and over the coming days."""

from __future__ import annotations

from pathlib import Path

import click

from engine.cli.common import (FORMAT, cli, color, load_set, note_cut_short, policies_option, policy_option,
                               read_moment, search_budget_option, write)
from engine.errors import UsageError


def text_width(output: str | None) -> int:
    """The terminal's width for standard output, else ``COLUMNS`` or 80."""
    import sys

    from engine.render.layout import terminal_width
    return terminal_width(sys.stdout if output in (None, "-") else None)


@cli.command()
@click.argument("log", type=click.Path(dir_okay=False))
@click.option("--at", "at", metavar="TIME",
              help="Moment of evaluation (default: now; no offset = the log's local time).")
@policies_option
@policy_option
@click.option("--format", "fmt", type=FORMAT, default="text", show_default=True)
@click.option("--details", is_flag=True,
              help="Today's full trace: every recommendation with its condition, values and citation "
                   "(markdown: without the answer before it).")
@click.option("--why", "why", metavar="[POLICY:]RULE", help="Explain one rule: why it does or does not apply.")
@click.option("--horizon", type=click.IntRange(1, 3650), default=60, show_default=True,
              help="Days ahead to look for when a rule would next apply.")
@search_budget_option
@click.option("-o", "--output", metavar="FILE", help="Write to FILE instead of standard output.")
def explain(log: str, at: str | None, policies_dir: str | None, pins: tuple[str, ...], fmt: str,
            details: bool, why: str | None, horizon: int, search_budget: int,
            output: str | None) -> int:
    """Advice for LOG: first what to do now, what to wait for, what comes
    next and what always holds, each line naming its sources (--details:
    the full trace, grouped by action)."""
    from datetime import timedelta

    from engine.model.eventlog import load_log
    from engine.runtime.evaluation import evaluate
    from engine.render import render_report

    policies = load_set(policies_dir, pins)
    event_log = load_log(log, policies.vocabulary)
    moment = read_moment(at, event_log)
    if why:
        if fmt == "html":
            raise UsageError("--why prints text, markdown or json", hint="drop --format html")
        from engine.render.why_text import render_why
        from engine.runtime.why import explain_rule
        result = explain_rule(policies, event_log, moment, why, horizon=timedelta(days=horizon),
                              search_budget=search_budget)
        write(render_why(result, fmt), output, fmt)
        note_cut_short(int("search_cut_short_at" in result), search_budget)
        return 0
    report = evaluate(policies, event_log, moment, horizon=timedelta(days=horizon),
                      search_budget=search_budget)
    cut = sum(n.search_cut_short_at is not None for group in report.advice for n in group.not_firing)
    if fmt == "html":
        from engine.runtime.plan import build_plan
        from engine.render.html import render_html
        the_plan = build_plan(policies, event_log, moment, horizon, search_budget=search_budget)
        write(render_html(the_plan, report), output, fmt)
        note_cut_short(max(cut, len(the_plan.cut_short)), search_budget)
        return 0
    styled = color() and output is None
    width = text_width(output)
    if fmt in ("text", "markdown") and not details:  # the answer first
        from engine.runtime.plan import build_plan
        from engine.render.first_screen import FIRST_SCREEN_DAYS, render_first_screen
        the_plan = build_plan(policies, event_log, moment, min(horizon, FIRST_SCREEN_DAYS),
                              search_budget=search_budget)
        if fmt == "text":
            bold = (lambda text: click.style(text, bold=True)) if styled else None
            write(render_first_screen(report, the_plan, width=width, style=bold), output, fmt)
        else:
            write(render_report(report, fmt, plan=the_plan), output, fmt)
        note_cut_short(max(cut, len(the_plan.cut_short)), search_budget)
        return 0
    write(render_report(report, fmt, color=styled, width=width), output, fmt)
    note_cut_short(cut, search_budget)
    return 0


@cli.command()
@click.argument("log", type=click.Path(dir_okay=False))
@click.option("--from", "start", metavar="TIME",
              help="Start of the plan (default: now; no offset = the log's local time).")
@click.option("--days", type=click.IntRange(1, 3650), default=30, show_default=True, help="How many days ahead.")
@policies_option
@policy_option
@click.option("--format", "fmt", type=FORMAT, default="text", show_default=True)
@click.option("--ics", metavar="FILE",
              help="Also write a calendar: one event (with a reminder) per action when its advice starts.")
@click.option("--include-waits", is_flag=True,
              help="In the --ics calendar, also each 'not before' period as an all-day span.")
@search_budget_option
@click.option("-o", "--output", metavar="FILE", help="Write to FILE instead of standard output.")
def plan(log: str, start: str | None, days: int, policies_dir: str | None, pins: tuple[str, ...],
         fmt: str, ics: str | None, include_waits: bool, search_budget: int, output: str | None) -> int:
    """When each source's advice starts and stops applying, day by day."""
    from engine.model.eventlog import load_log
    from engine.runtime.plan import build_plan

    policies = load_set(policies_dir, pins)
    event_log = load_log(log, policies.vocabulary)
    the_plan = build_plan(policies, event_log, read_moment(start, event_log, "--from"), days,
                          search_budget=search_budget)
    if fmt == "json":
        import json
        text = json.dumps(the_plan.to_dict(), indent=2, ensure_ascii=False) + "\n"
    elif fmt == "html":
        from engine.render.html import render_html
        text = render_html(the_plan)
    else:
        from engine.render.plan_text import render_plan_text
        text = render_plan_text(the_plan, markdown=fmt == "markdown", width=text_width(output))
    if ics:
        from engine.base.files import atomic_write_bytes
        from engine.render.ics import render_ics
        atomic_write_bytes(Path(ics), render_ics(the_plan, include_waits=include_waits))
    write(text, output, fmt)
    note_cut_short(len(the_plan.cut_short), search_budget)
    return 0
