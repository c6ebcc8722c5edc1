"""One self-contained HTML page (no network, no scripts, no external fonts):
for ``explain``, the first screen (now, wait, next, always, disagreements);
the agenda day by day; a timeline with one row per action and a labelled
lane per source (engine.render.html_timeline); then the details — the
situation, each recommendation with its trace collapsed in ``<details>``,
and the periods as a table (the text alternative). Reads on a phone-width
screen without sideways scrolling, and prints."""

from __future__ import annotations

from datetime import datetime
from html import escape

from engine.render.common import (conflict_title, consensus_of, consensus_text, grade_text, params_text,
                                  report_now, side_text, situation_items, split_advice, when_text)
from engine.render.dates import full_text
from engine.render.first_screen import Line, answer_sections, first_screen
from engine.render.html_timeline import TIMELINE_CSS, render_timeline
from engine.render.plan_text import agenda_lines
from engine.runtime.plan import Plan
from engine.runtime.report import Report

__all__ = ["render_html"]

_CSS = """
*{box-sizing:border-box}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:1.5rem auto;max-width:70rem;padding:0 1rem;color:#1d2125;overflow-wrap:anywhere}
h1{font-size:1.5rem;margin:0 0 .2rem}h2{font-size:1.2rem;margin:1.6rem 0 .5rem;border-bottom:1px solid #ccd}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{border:1px solid #d5d8dc;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f3f4f6}.do{color:#1b6e2a}.may{color:#4d7f55}.avoid{color:#a11d1d}code{font-size:.9em;background:#f3f4f6;padding:0 .2em}
.conflict{border-left:4px solid #d97706;background:#fff7ed;padding:.4rem .8rem;margin:.5rem 0}
.brief ul,.agenda ul{list-style:none;padding-left:.5rem;margin:.2rem 0 .6rem}.brief h3,.agenda h3{font-size:1rem;margin:.6rem 0 .1rem}
.sources{color:#4b5563}
.rec{margin:.4rem 0 .8rem 1rem}.trace{color:#555;font-size:.9em;margin:.1rem 0 .1rem 1rem}
details>summary{cursor:pointer;color:#374151}summary>h2{display:inline-block;border:0;margin:1.2rem 0 .3rem}
@media print{body{margin:0;max-width:none;font-size:10.5pt}h2{break-after:avoid}table,.conflict,.t-row{break-inside:avoid}
details>summary{display:none}details{display:block}.scroll{overflow:visible}}
""" + TIMELINE_CSS


def _fmt(t: datetime) -> str:
    return full_text(t)


def _lines(title: str, lines: tuple[Line, ...]) -> str:
    if not lines:
        return f"<h3>{escape(title)}</h3><p>Nothing is due today.</p>"
    items = "".join(f"<li>{escape(line.mark)} {escape(line.text)}"
                    + (f' <span class="sources">— {escape(line.sources)}</span>' if line.sources else "")
                    + "</li>" for line in lines)
    return f"<h3>{escape(title)}</h3><ul>{items}</ul>"


def _brief(report: Report, plan: Plan) -> str:
    body = "".join(_lines(title, lines) for title, lines in answer_sections(first_screen(report, plan)))
    return f'<section class="brief"><h2>Your answer</h2>{body}</section>'


def _agenda(plan: Plan) -> str:
    parts = ['<section class="agenda"><h2>Agenda, day by day (if nothing else happens)</h2>']
    days = agenda_lines(plan)
    if not days:
        parts.append("<p>No advice starts or stops in this period.</p>")
    for day, entries in days:
        parts.append(f"<h3>{escape(day.strftime('%a %d %b %Y'))}</h3><ul>"
                     + "".join(f"<li>{escape(e)}</li>" for e in entries) + "</ul>")
    parts.append("</section>")
    return "".join(parts)


def _plan_table(plan: Plan) -> str:
    rows = []
    for i in plan.items:
        disagree = ", ".join(i.disagrees_with)
        rows.append(f'<tr class="plan-item{" disagreement-row" if disagree else ""}" data-policy="{escape(i.policy)}">'
                    f"<td>{escape(i.policy)}@{escape(i.version)}</td><td><code>{escape(i.rule)}</code></td>"
                    f'<td class="{i.stance}">{i.stance}</td><td>{escape(i.label)}'
                    f"{' (' + escape(params_text(i.params)) + ')' if i.params else ''}</td>"
                    f"<td>{escape(_fmt(i.start))}</td><td>{escape(_fmt(i.stop)) if i.stop else '—'}</td>"
                    f"<td>{escape(disagree) or '—'}</td></tr>")
    return ("<div class=\"scroll\"><table><caption>When each source's advice applies</caption><thead><tr><th>source</th><th>rule</th>"
            "<th>stance</th><th>action</th><th>from</th><th>until</th><th>disagrees with</th></tr></thead><tbody>"
            + "".join(rows) + "</tbody></table></div>")


def _report_sections(report: Report) -> str:
    now = report_now(report)
    parts = ['<h2>Situation</h2><div class="scroll"><table><tbody>']
    for label, value in situation_items(report):
        parts.append(f"<tr><th>{escape(label)}</th><td>{escape(value)}</td></tr>")
    parts.append("</tbody></table></div>")
    labels = {g.action: g.label for g in report.advice}
    parts.append(f"<h2>Disagreements ({len(report.conflicts)})</h2>")
    for c in report.conflicts:
        parts.append(f'<div class="conflict" data-kind="{c.kind}" data-actions="{escape(" ".join(c.actions))}">'
                     f"<strong>{escape(conflict_title(c, labels))}</strong><ul>")
        parts += [f"<li>{escape(side_text(c, side))}</li>" for side in c.sides]
        parts.append("</ul></div>")
    do, avoid = split_advice(report)
    agreed = consensus_of(report)
    for title, groups in (("What to do", do), ("What to avoid", avoid)):
        parts.append(f"<h2>{title} ({len(groups)})</h2>")
        for g in groups:
            parts.append(f"<h3>{escape(g.label)} <code>{escape(g.action)}</code></h3>")
            if g.action in agreed:
                parts.append(f'<p class="consensus">Sources: {escape(consensus_text(agreed[g.action], now))}</p>')
            for r in g.recommendations:
                params = f" ({escape(params_text(r.params))})" if r.params else ""
                parts.append(f'<div class="rec"><span class="{r.stance}">{r.stance}</span> · '
                             f"<strong>{escape(r.policy)}@{escape(r.version)}</strong> · <code>{escape(r.rule)}</code>"
                             f"{params}<br>{escape(r.summary)}<div>cite: “{escape(r.quote)}”{escape(grade_text(r.grade))} — "
                             f"<em>{escape(r.section)}</em></div><details><summary>why: the condition and its values"
                             f'</summary><div class="trace">when <code>{escape(r.when)}</code>'
                             + "".join(f"<br>{escape(t)}" for t in r.trace)
                             + "</div></details></div>")
            if g.not_firing:
                parts.append(f"<details><summary>{len(g.not_firing)} other source rule(s) on this, "
                             "not applying now</summary>")
            for n in g.not_firing:
                nxt = f"; would apply from {escape(when_text(n.next_fires_at, now))}" if n.next_fires_at else ""
                parts.append(f'<div class="trace">not now: {escape(n.policy)}@{escape(n.version)} '
                             f"<code>{escape(n.rule)}</code> ({n.stance}) — {escape(n.because)}{nxt}</div>")
            if g.not_firing:
                parts.append("</details>")
    return "\n".join(parts)


def render_html(plan: Plan, report: Report | None = None) -> str:
    title = plan.subject or plan.log or "Follow-up advice"
    kind = "Advice" if report is not None else "Plan"
    days = (plan.end - plan.start).days
    body = [f"<h1>{escape(kind)}: {escape(title)}</h1>",
            f"<p>As of {escape(_fmt(plan.start))} ({escape(plan.timezone)}); sources: "
            + ", ".join(f"{escape(p)}@{escape(v)}" for p, v in plan.policies) + "</p>"]
    if report is not None:
        body.append(_brief(report, plan))
    body.append(_agenda(plan))
    body.append(f"<h2>Timeline (next {days} days)</h2>{render_timeline(plan)}")
    if report is not None:
        body.append('<details class="full"><summary><h2>Full advice with the evidence</h2></summary>'
                    + _report_sections(report) + "</details>")
    body.append('<details class="periods"><summary><h2>Every period of advice, as a table</h2></summary>'
                + _plan_table(plan) + "</details>")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{escape(kind)}: {escape(title)}</title><style>{_CSS}</style></head><body>\n"
            + "\n".join(body) + "\n</body></html>\n")
