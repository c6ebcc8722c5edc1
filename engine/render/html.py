"""One self-contained HTML page (no network, no scripts, no external fonts):
an SVG timeline — the log's events on a time axis, one lane per policy with
the periods its advice applies, disagreements highlighted, today marked —
followed by the same content as tables (the text alternative) and, for
``explain``, the full traceable advice. Prints well."""

from __future__ import annotations

from datetime import datetime, timedelta
from html import escape

from engine.runtime.plan import Plan
from engine.runtime.report import Report
from engine.render.common import (report_now, conflict_title, consensus_of, consensus_text, grade_text,
                                  params_text, side_text,
                                  situation_items, split_advice, when_text)

__all__ = ["render_html"]

_CSS = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;max-width:70rem;padding:0 1rem;color:#1d2125}
h1{font-size:1.6rem;margin:0 0 .2rem}h2{font-size:1.2rem;margin:2rem 0 .6rem;border-bottom:1px solid #ccd}
table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{border:1px solid #d5d8dc;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f3f4f6}.do{color:#1b6e2a}.may{color:#4d7f55}.avoid{color:#a11d1d}code{font-size:.9em;background:#f3f4f6;padding:0 .2em}
.conflict{border-left:4px solid #d97706;background:#fff7ed;padding:.4rem .8rem;margin:.5rem 0}
.rec{margin:.4rem 0 .8rem 1rem}.trace{color:#555;font-size:.9em;margin:.1rem 0 .1rem 1rem}
figure{margin:0}svg{width:100%;height:auto;font:11px system-ui,sans-serif}
.bar-do{fill:#3fa34d}.bar-may{fill:#a8d5ae}.bar-avoid{fill:#c94b4b}.disagreement{stroke:#b45309;stroke-width:2;fill-opacity:.75}
.today{stroke:#1d4ed8;stroke-width:2;stroke-dasharray:4 3}.event{fill:#374151}.grid{stroke:#e5e7eb}

@media print{body{margin:0;max-width:none;font-size:11pt}h2{break-after:avoid}table,.conflict,figure{break-inside:avoid}}
"""


def _fmt(t: datetime) -> str:
    return t.strftime("%a %d %b %Y %H:%M")


def _timeline(plan: Plan) -> str:
    first_event = min((at for _, at, _ in plan.events), default=plan.start)
    t0 = min(first_event, plan.start) - timedelta(days=1)
    t1 = plan.end
    span = (t1 - t0).total_seconds() or 1.0
    left, width, lane_h, top = 150, 850, 26, 46
    lanes = [p for p, _ in plan.policies]

    def x(t: datetime) -> float:
        return left + width * max(0.0, min(1.0, (t - t0).total_seconds() / span))

    rows_of = {pid: sorted({i.rule for i in plan.items if i.policy == pid}) for pid in lanes}
    row_h = 9
    lane_heights = [max(lane_h, len(rows_of[pid]) * row_h + 8) for pid in lanes]
    height = top + lane_h + sum(lane_heights) + 40
    out = [f'<svg viewBox="0 0 {left + width + 20} {height}" role="img" aria-labelledby="tl-title tl-desc" '
           f'xmlns="http://www.w3.org/2000/svg">',
           '<title id="tl-title">Timeline of events and advice</title>',
           f'<desc id="tl-desc">Events of the log and, for each source, when its advice applies, from '
           f'{escape(_fmt(t0))} to {escape(_fmt(t1))}. The dashed line is now. The table below lists the same.</desc>']
    day = t0.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    step = max(1, round(span / 86400 / 12))
    while day < t1:
        xx = x(day)
        out.append(f'<line class="grid" x1="{xx:.1f}" y1="{top - 6}" x2="{xx:.1f}" y2="{height - 30}"/>')
        out.append(f'<text x="{xx:.1f}" y="{top - 10}" text-anchor="middle">{escape(day.strftime("%d %b"))}</text>')
        day += timedelta(days=step)
    y = top
    out.append(f'<g class="lane" data-lane="events"><text x="8" y="{y + 17}">events</text>')
    for _etype, at, label in plan.events:
        out.append(f'<circle class="event" cx="{x(at):.1f}" cy="{y + 12}" r="5"><title>'
                   f'{escape(label)} — {escape(_fmt(at))}</title></circle>')
    out.append("</g>")
    y = top + lane_h
    for lane, pid in enumerate(lanes):
        items = [i for i in plan.items if i.policy == pid]
        band = lane_heights[lane]
        out.append(f'<g class="lane" data-policy="{escape(pid)}">'
                   f'<rect x="0" y="{y}" width="{left + width + 20}" height="{band}" '
                   f'fill="{"#fafafa" if lane % 2 == 0 else "#ffffff"}"/>'
                   f'<text x="8" y="{y + 15}">{escape(pid)}</text>')
        rows = {rule: n for n, rule in enumerate(rows_of[pid])}
        h = row_h - 2
        for item in items:
            x0, x1 = x(item.start), x(item.stop or t1)
            yy = y + 4 + rows[item.rule] * row_h
            cls = f"bar-{item.stance}" + (" disagreement" if item.disagrees_with else "")
            tip = (f"{item.stance} {item.action}: {item.summary} [{item.rule}] {_fmt(item.start)} – "
                   f"{_fmt(item.stop) if item.stop else 'beyond the plan'}")
            if item.disagrees_with:
                tip += " — disagrees with " + ", ".join(item.disagrees_with)
            out.append(f'<rect class="{cls}" data-rule="{escape(item.rule)}" x="{x0:.1f}" y="{yy:.1f}" '
                       f'width="{max(2.0, x1 - x0):.1f}" height="{h:.1f}"><title>{escape(tip)}</title></rect>')
        out.append("</g>")
        y += band
    now = x(plan.start)
    out.append(f'<line class="today" x1="{now:.1f}" y1="{top - 6}" x2="{now:.1f}" y2="{height - 30}">'
               f'<title>now: {escape(_fmt(plan.start))}</title></line>')
    ly = height - 14
    out.append(f'<g class="legend"><rect class="bar-do" x="{left}" y="{ly - 9}" width="14" height="10"/>'
               f'<text x="{left + 18}" y="{ly}">do</text>'
               f'<rect class="bar-may" x="{left + 50}" y="{ly - 9}" width="14" height="10"/>'
               f'<text x="{left + 68}" y="{ly}">may (an option)</text>'
               f'<rect class="bar-avoid" x="{left + 170}" y="{ly - 9}" width="14" height="10"/>'
               f'<text x="{left + 188}" y="{ly}">avoid</text>'
               f'<rect class="bar-do disagreement" x="{left + 240}" y="{ly - 9}" width="14" height="10"/>'
               f'<text x="{left + 260}" y="{ly}">disagrees with another source</text>'
               f'<line class="today" x1="{left + 450}" y1="{ly - 10}" x2="{left + 450}" y2="{ly + 2}"/>'
               f'<text x="{left + 456}" y="{ly}">now</text></g>')
    out.append("</svg>")
    return "\n".join(out)


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
    return ("<table><caption>When each source's advice applies</caption><thead><tr><th>source</th><th>rule</th>"
            "<th>stance</th><th>action</th><th>from</th><th>until</th><th>disagrees with</th></tr></thead><tbody>"
            + "".join(rows) + "</tbody></table>")


def _report_sections(report: Report) -> str:
    now = report_now(report)
    parts = ["<h2>Situation</h2><table><tbody>"]
    for label, value in situation_items(report):
        parts.append(f"<tr><th>{escape(label)}</th><td>{escape(value)}</td></tr>")
    parts.append("</tbody></table>")
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
                             f"{params}<br>{escape(r.summary)}<div class=\"trace\">when <code>{escape(r.when)}</code>"
                             + "".join(f"<br>{escape(t)}" for t in r.trace)
                             + f"</div><div>cite: “{escape(r.quote)}”{escape(grade_text(r.grade))} "
                             f"— <em>{escape(r.section)}</em></div></div>")
            for n in g.not_firing:
                nxt = f"; would apply from {escape(when_text(n.next_fires_at, now))}" if n.next_fires_at else ""
                parts.append(f'<div class="trace">not now: {escape(n.policy)}@{escape(n.version)} '
                             f"<code>{escape(n.rule)}</code> ({n.stance}) — {escape(n.because)}{nxt}</div>")
    return "\n".join(parts)


def render_html(plan: Plan, report: Report | None = None) -> str:
    title = plan.subject or plan.log or "Follow-up advice"
    kind = "Advice" if report is not None else "Plan"
    body = [f"<h1>{escape(kind)}: {escape(title)}</h1>",
            f"<p>As of {escape(_fmt(plan.start))} ({escape(plan.timezone)}); sources: "
            + ", ".join(f"{escape(p)}@{escape(v)}" for p, v in plan.policies) + "</p>",
            f"<h2>Timeline (next {(plan.end - plan.start).days} days)</h2><figure>{_timeline(plan)}</figure>"]
    if report is not None:
        body.append(_report_sections(report))
    body.append("<h2>Periods of advice</h2>" + _plan_table(plan))
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{escape(kind)}: {escape(title)}</title><style>{_CSS}</style></head><body>\n"
            + "\n".join(body) + "\n</body></html>\n")
