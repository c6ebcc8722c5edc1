"""The HTML timeline: one row per action, one lane per source on it, each
source's windows drawn on a track and named in a label line above it (in
the flow of the page, so labels never overlap and wrap on a phone), the
overlaps of disagreeing windows marked, the log's events labelled on the
axis and a line for the moment of the plan. Plain HTML and CSS, no script."""

from __future__ import annotations

from datetime import datetime, timedelta
from html import escape

from engine.render.dates import day_text, is_date
from engine.render.first_screen import values_text
from engine.runtime.plan import Plan, PlanItem

__all__ = ["render_timeline", "TIMELINE_CSS"]

TIMELINE_CSS = """
.timeline{position:relative;margin:1.4rem 0 1rem;padding:0 0 .5rem}
.axis{position:relative;height:1.4rem;border-bottom:1px solid #9ca3af;font-size:.75rem;color:#4b5563}
.tick{position:absolute;bottom:.15rem;transform:translateX(-50%);white-space:nowrap}
.tick.edge-start{transform:none}.tick.edge-end{transform:translateX(-100%)}
@media (max-width:40rem){.tick.minor{display:none}}
.events{list-style:none;margin:.2rem 0 .6rem;padding:0;font-size:.8rem}
.events li{position:relative;margin:.1rem 0}
.event-mark{position:absolute;top:-.25rem;width:0;height:0;border:5px solid transparent;border-bottom:7px solid #374151;transform:translateX(-5px)}
.t-row{margin:.3rem 0 .7rem;break-inside:avoid}
.t-row h3{font-size:.95rem;margin:.2rem 0}
.t-lane{margin:0 0 .25rem}
.t-label{font-size:.8rem;line-height:1.3;overflow-wrap:anywhere}
.track{position:relative;height:.7rem;background:#f3f4f6;border-radius:2px}
.seg{position:absolute;top:0;height:100%;border-radius:2px;min-width:3px}
.seg.do,.seg.may{background:#3fa34d}.seg.avoid{background:#c94b4b}
.seg.disagrees{outline:2px solid #b45309;outline-offset:-1px}
.overlap{position:absolute;top:-2px;height:calc(100% + 4px);background:repeating-linear-gradient(45deg,#f59e0b 0 3px,transparent 3px 6px);opacity:.8}
.now-line{position:absolute;top:0;bottom:0;border-left:2px dashed #1d4ed8;pointer-events:none;z-index:0}
.t-row h3 span,.t-label span,.event-label{position:relative;z-index:1;background:rgba(255,255,255,.9);padding:0 .15rem}
.now-tag{position:absolute;top:-1.1rem;font-size:.75rem;color:#1d4ed8;transform:translateX(-50%);white-space:nowrap}
.legend{font-size:.8rem;color:#374151}.legend .key{display:inline-block;width:1.2rem;height:.6rem;margin:0 .25rem 0 .6rem;vertical-align:middle}
.key.do{background:#3fa34d}.key.avoid{background:#c94b4b}.key.k-overlap{background:repeating-linear-gradient(45deg,#f59e0b 0 3px,transparent 3px 6px)}
"""


class _Scale:
    def __init__(self, t0: datetime, t1: datetime) -> None:
        self.t0, self.t1 = t0, t1
        self.span = (t1 - t0).total_seconds() or 1.0

    def x(self, t: datetime) -> float:
        """Percent of the width, clamped to the timeline."""
        return 100.0 * max(0.0, min(1.0, (t - self.t0).total_seconds() / self.span))


def _when(t: datetime, plan: Plan) -> str:
    return day_text(t, plan.start) + ("" if is_date(t) else " " + t.strftime("%H:%M"))


def _window_text(item: PlanItem, plan: Plan) -> str:
    verb = {"do": "do", "may": "may", "avoid": "avoid"}[item.stance]
    start = "now" if item.applies_at_start else f"from {_when(item.start, plan)}"
    stop = f" until {_when(item.stop, plan)}" if item.stop else ""
    values = values_text(item.params)
    return f"{verb} {start}{stop}" + (f" ({values})" if values else "")


def _ticks(scale: _Scale, plan: Plan) -> list[str]:
    days = max(1, round(scale.span / 86400))
    step = max(1, -(-days // 6))  # at most six labelled days: they fit on a phone
    out = []
    n = 0
    day = scale.t0.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    while day < scale.t1:
        x = scale.x(day)
        edge = " edge-start" if x < 6 else (" edge-end" if x > 94 else "")
        edge += " minor" if n % 2 else ""  # hidden on a phone: every other day label
        n += 1
        out.append(f'<span class="tick{edge}" style="left:{x:.2f}%">{escape(day.strftime("%d %b"))}</span>')
        day += timedelta(days=step)
    return out


def _overlaps(item: PlanItem, items: list[PlanItem], end: datetime) -> list[tuple[datetime, datetime]]:
    keys = set(item.disagrees_with)
    spans = []
    for other in items:
        if other.key in keys:
            lo = max(item.start, other.start)
            hi = min(item.stop or end, other.stop or end)
            if lo < hi:
                spans.append((lo, hi))
    return spans


def render_timeline(plan: Plan) -> str:
    first_event = min((at for _, at, _ in plan.events), default=plan.start)
    t0 = min(first_event, plan.start).replace(hour=0, minute=0, second=0, microsecond=0)
    scale = _Scale(t0, plan.end)
    items = list(plan.items)
    out = ['<div class="timeline" role="group" aria-label="Timeline of events and advice">',
           '<div class="axis">' + "".join(_ticks(scale, plan)) + "</div>",
           '<ul class="events">']
    for _, at, label in plan.events:
        x = min(scale.x(at), 70.0)
        out.append(f'<li class="event" style="padding-left:calc({x:.2f}% + 8px)"><span class="event-mark" '
                   f'style="left:{scale.x(at):.2f}%"></span><span class="event-label">{escape(label)}, '
                   f"{escape(_when(at, plan))}</span></li>")
    out.append("</ul>")
    actions: dict[str, list[PlanItem]] = {}
    for item in items:
        actions.setdefault(item.action, []).append(item)
    order = sorted(actions.items(), key=lambda a: (min(i.start for i in a[1]), a[1][0].label))
    for action, rows in order:
        out.append(f'<div class="t-row" data-action="{escape(action)}"><h3><span>{escape(rows[0].label)}</span></h3>')
        lanes: dict[str, list[PlanItem]] = {}
        for item in rows:
            lanes.setdefault(item.policy, []).append(item)
        for policy, lane in sorted(lanes.items()):
            lane.sort(key=lambda i: (i.start, i.rule))
            against = sorted({k.split(":")[0] for i in lane for k in i.disagrees_with} - {policy})
            label = f"{policy}: " + "; ".join(dict.fromkeys(_window_text(i, plan) for i in lane))
            if against:
                label = "⚠ " + label + f" — disagrees with {', '.join(against)}"
            out.append(f'<div class="t-lane" data-policy="{escape(policy)}">'
                       f'<div class="t-label"><span>{escape(label)}</span></div><div class="track">')
            for item in lane:
                x0, x1 = scale.x(item.start), scale.x(item.stop or plan.end)
                cls = f"seg {item.stance}" + (" disagrees" if item.disagrees_with else "")
                out.append(f'<span class="{cls}" data-rule="{escape(item.rule)}" '
                           f'style="left:{x0:.2f}%;width:{max(0.0, x1 - x0):.2f}%" '
                           f'title="{escape(item.summary)}"></span>')
                for lo, hi in _overlaps(item, items, plan.end):
                    a, b = scale.x(lo), scale.x(hi)
                    out.append(f'<span class="overlap" style="left:{a:.2f}%;width:{max(0.3, b - a):.2f}%"></span>')
            out.append("</div></div>")
        out.append("</div>")
    now = scale.x(plan.start)
    out.append(f'<div class="now-line" style="left:{now:.2f}%"><span class="now-tag">now</span></div>')
    out.append("</div>")
    out.append('<p class="legend"><span class="key do"></span>do<span class="key avoid"></span>avoid'
               '<span class="key k-overlap"></span>sources disagree · dashed line: now · '
               "past the right edge: still applies at the end of the plan</p>")
    return "\n".join(out)
