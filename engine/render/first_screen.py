"""The first screen of ``rules explain``: the answer before the evidence.

NOW (what to do today, most urgent first), WAIT (what not to do yet, and
until when), NEXT (the next dated changes), ALWAYS (standing do's and
don'ts) and the disagreements, each line naming its sources. Built from the
report's positions per action (:func:`positions`) and the plan's windows
(when each piece of advice stops, whether the clock alone moves it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo
from typing import Any, Iterable, Mapping

from engine.render.dates import day_text, moment, moment_text
from engine.render.layout import DEFAULT_WIDTH, wrap
from engine.runtime.plan import Plan, PlanItem
from engine.runtime.report import Conflict, Report

__all__ = ["Position", "Line", "FirstScreen", "positions", "first_screen", "render_first_screen",
           "answer_sections", "MAX_LINES", "FIRST_SCREEN_DAYS"]

MAX_LINES = 25
#: How far ahead the first screen's plan looks for deadlines, waits and what
#: comes next: three weeks covers the articles' day and week windows, and costs
#: a third of planning the whole 60-day horizon (benchmarks/startup.py).
FIRST_SCREEN_DAYS = 21


@dataclass(frozen=True, slots=True)
class Position:
    """Where the sources stand on one action now: ``(policy, rule, params)``
    for, against and optional, and ``(policy, stance, moment)`` for the
    sources that would advise it later."""

    action: str
    label: str
    do: tuple[tuple[str, str, Mapping[str, Any]], ...]
    avoid: tuple[tuple[str, str, Mapping[str, Any]], ...]
    may: tuple[tuple[str, str, Mapping[str, Any]], ...]
    later: tuple[tuple[str, str, datetime], ...]
    satisfied_by: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


def positions(report: Report) -> list[Position]:
    """One :class:`Position` per advised action: who is for, against or
    optional from the report's consensus, with each source's parameters from
    its recommendations, and who would advise it later."""
    groups = {g.action: g for g in report.advice}
    every = report.recommendations()
    out = []
    for c in report.consensus:
        group = groups.get(c.action)
        if group is None:
            continue
        here = group.recommendations
        standing = set(c.pro) | set(c.optional) | set(c.against)

        # a source's rules that differ in parameters are one position (LinkedIn
        # yes, Facebook no): each keeps its parameters here
        by_stance: dict[str, tuple[tuple[str, str, Mapping[str, Any]], ...]] = {
            stance: tuple((r.policy, r.rule, r.params) for r in here if r.stance == stance and r.policy in standing)
            for stance in ("do", "avoid", "may")}

        against = by_stance["avoid"]
        # against by avoiding a more general action (kind_of): that rule, from its own group
        named = {p for p, _, _ in against}
        against += tuple((r.policy, r.rule, r.params) for r in every
                         if r.stance == "avoid" and r.policy in c.against and r.policy not in named
                         and r.action != c.action)
        later = tuple((policy, "do", moment(at)) for policy, _, at in c.later)
        out.append(Position(c.action, group.label, by_stance["do"], against, by_stance["may"], later,
                            dict(c.satisfied_by)))
    return out


@dataclass(frozen=True, slots=True)
class Line:
    """One line of the first screen before wrapping: a mark, what, who; the
    action it is about and, for NOW and WAIT, until when it holds (what the
    web app's to-dos across applications sort by)."""

    mark: str
    text: str
    sources: str = ""
    action: str = ""
    due: datetime | None = None

    def plain(self) -> str:
        return f"{self.mark} {self.text}" + (f" — {self.sources}" if self.sources else "")


@dataclass(frozen=True, slots=True)
class FirstScreen:
    title: str
    as_of: str
    now: tuple[Line, ...]
    wait: tuple[Line, ...]
    next: tuple[Line, ...]
    always_do: tuple[Line, ...]
    always_avoid: tuple[Line, ...]
    disagreements: tuple[Line, ...]
    notes: tuple[str, ...] = field(default=())


def answer_sections(fs: FirstScreen) -> list[tuple[str, tuple[Line, ...]]]:
    """The sections of the answer in reading order, for the formats that show
    every line (HTML, Markdown): ``Now`` always (it says so when nothing is
    due), the others only when they have lines."""
    sections = [("Now", fs.now), ("Wait", fs.wait), ("Next (if nothing else happens)", fs.next),
                ("Always", fs.always_do + fs.always_avoid), ("Disagreements", fs.disagreements)]
    return [(title, lines) for title, lines in sections if lines or title == "Now"]


def values_text(params: Mapping[str, Any]) -> str:
    """Parameter values only, as words: ``email or phone``, ``everyone met, handwritten``."""
    parts = []
    for _, value in sorted(params.items()):
        values = value if isinstance(value, (list, tuple)) else (value,)
        parts.append(" or ".join(str(v).replace("_", " ") for v in values))
    return ", ".join(parts)


def _sources(entries: Iterable[tuple[str, str, Mapping[str, Any]]], label: str,
             unqualified: str = "any way") -> tuple[str, str]:
    """(what, who): the label with the parameters most sources give, and the
    sources, with those that give other parameters after a semicolon."""
    groups: dict[str, list[str]] = {}
    for policy, _, params in entries:
        names = groups.setdefault(values_text(params), [])
        if policy not in names:
            names.append(policy)
    if "" in groups:  # no parameters adds nothing to a source that gives some
        given = {p for key, names in groups.items() if key for p in names}
        groups[""] = [p for p in groups[""] if p not in given]
        if not groups[""]:
            del groups[""]
    ranked = sorted(groups.items(), key=lambda g: (-len(g[1]), g[0] == "", g[0]))
    if len(ranked) > 3:  # too many variants for one line: the disagreements list them
        everyone = sorted({p for _, names in ranked for p in names})
        return label, ", ".join(everyone) + " (details differ)"
    main, names = ranked[0]
    what = f"{label} ({main})" if main else label
    who = ", ".join(sorted(names))
    for values, others in ranked[1:]:
        who += f"; {', '.join(sorted(others))} {'say' if len(others) > 1 else 'says'} {values or unqualified}"
    return what, who


def _windows(plan: Plan) -> tuple[dict[tuple[str, str], datetime | None], dict[tuple[str, str], bool]]:
    """When each piece of advice applying now stops, and whether it is due now
    rather than standing: the clock moves it, or the log's latest event
    brought it (a rejection asks for a reply; "proofread" has always held)."""
    stops: dict[tuple[str, str], datetime | None] = {}
    due: dict[tuple[str, str], bool] = {}
    for item in plan.items:
        if item.applies_at_start:
            stops[(item.policy, item.rule)] = item.stop
            due[(item.policy, item.rule)] = item.timed or item.news
    return stops, due


def _lower(label: str) -> str:
    return label[:1].lower() + label[1:]


def _next_days(plan: Plan, now: datetime, days: int = 2) -> list[Line]:
    """The actions that start on the next ``days`` days with a change."""
    starts: dict[datetime, dict[str, list[PlanItem]]] = {}
    for item in plan.items:
        if not item.applies_at_start and item.stance in ("do", "may"):
            day = item.start.replace(hour=0, minute=0, second=0, microsecond=0)
            starts.setdefault(day, {}).setdefault(item.action, []).append(item)
    lines = []
    for day in sorted(starts)[:days]:
        for _, items in sorted(starts[day].items(), key=lambda a: (min(i.start for i in a[1]), a[0])):
            first = min(i.start for i in items)
            what, who = _sources(((i.policy, i.rule, i.params) for i in items), _lower(items[0].label))
            if all(i.stance == "may" for i in items):
                what = "you may " + what
            lines.append(Line("→", f"from {moment_text(first, now)}: {what}", who))
    return lines


def _conflict_line(c: Conflict, advised: Mapping[str, str], now: datetime) -> Line:
    labels = {**advised, **dict(zip(c.actions, c.labels))}  # a timing conflict's action may not be advised now
    def who(side: Iterable[Any]) -> str:
        return ", ".join(sorted({r.policy for r in side}))

    if c.kind == "opposed":
        sides = "; ".join(f"{side[0].stance}: {who(side)}" for side in c.sides)
        return Line("⚠", f"{labels.get(c.actions[0], c.actions[0])}", sides)
    if c.kind == "exclusive":
        a, b = (labels.get(x, x) for x in c.actions)
        return Line("⚠", f"{a} vs {_lower(b)}", " / ".join(who(side) for side in c.sides))
    if c.kind == "timing":
        by_window: dict[str, list[str]] = {}
        for side, (start, until) in zip(c.sides, c.windows):
            begins = moment(start)
            window = "now" if begins <= now else f"from {moment_text(begins, now)}"
            if until:
                window += " " + until_text(moment(until), now)
            by_window.setdefault(window, []).append(who(side))
        whens = "; ".join(f"{', '.join(names)} {window}" for window, names in by_window.items())
        return Line("⚠", f"{labels.get(c.actions[0], c.actions[0])}: when", whens)
    parts = []
    for side in c.sides:
        value = side[0].params.get(c.param or "")
        parts.append(f"{values_text({c.param or '': value})}: {who(side)}")
    text = f"{labels.get(c.actions[0], c.actions[0])}, {c.param}"
    if c.common:
        text += f" ({values_text({'': c.common})} suits all)"
    return Line("⚠", text, "; ".join(parts))


def _local_now(report: Report) -> datetime:
    """The report's moment in the log's zone (not a fixed offset: across a
    change of clocks, later moments keep their own offset)."""
    return moment(report.at).astimezone(ZoneInfo(report.timezone))


def deadline_text(stop: datetime, now: datetime) -> str:
    """``by today 17:00``; a day boundary is the end of the day before."""
    stop = stop.astimezone(now.tzinfo)
    if stop.hour == stop.minute == 0:
        return f"by the end of {day_text(stop - timedelta(hours=12), now)}"
    return f"by {moment_text(stop, now)}"


def until_text(stop: datetime, now: datetime) -> str:
    """``until today 17:00``; a day boundary is the end of the day before
    (``through Thu 19 Nov``)."""
    stop = stop.astimezone(now.tzinfo)
    if stop.hour == stop.minute == 0:
        return f"through {day_text(stop - timedelta(hours=12), now)}"
    return f"until {moment_text(stop, now)}"


def first_screen(report: Report, plan: Plan) -> FirstScreen:
    """Sort the report's advice into NOW, WAIT, NEXT and ALWAYS."""
    now = _local_now(report)
    stops, due_now = _windows(plan)
    far = datetime.max.replace(tzinfo=now.tzinfo)
    urgent: list[tuple[tuple[Any, ...], Line]] = []
    wait: list[tuple[datetime, Line]] = []
    always_do: list[Line] = []
    always_avoid: list[Line] = []
    pressing: dict[str, int] = {}  # action -> 0 (now) or 1 (wait): its disagreements first
    for pos in positions(report):
        doing = pos.do + pos.may
        if doing:
            what, who = _sources(doing, pos.label)
            suits = values_text(pos.satisfied_by) if pos.satisfied_by and all(pos.satisfied_by.values()) else ""
            if ";" in who and suits and not what.endswith(f"({suits})"):
                who += f" ({suits} suits all)"
            if not pos.do:
                what = "You may: " + _lower(what)
            ends = [s for p, r, _ in doing if (s := stops.get((p, r))) is not None]
            if any(due_now.get((p, r), False) for p, r, _ in doing):
                if ends:
                    what += f", {deadline_text(min(ends), now)}"
                due = min(ends, default=far)
                # by day of the deadline, then the more sources the sooner, then by hour
                last_day = due.date() if due == far else (due - timedelta(seconds=1)).date()
                key = (last_day, -len({p for p, _, _ in doing}), due, pos.label)
                urgent.append((key, Line("✓" if pos.do else "○", what, who, pos.action,
                                         min(ends) if ends else None)))
                pressing.setdefault(pos.action, 0)
            else:
                always_do.append(Line("✓" if pos.do else "○", what, who, pos.action))
        if pos.avoid:
            what, who = _sources(pos.avoid, pos.label, "in any form")
            ends = [s for p, r, _ in pos.avoid if (s := stops.get((p, r))) is not None]
            later_do = [t for _, stance, t in pos.later if stance in ("do", "may")]
            if ends or (later_do and not doing):
                until = min(ends) if ends else min(later_do)
                wait.append((until, Line("✗", f"{what}: not before {moment_text(until, now)}", who,
                                         pos.action, until)))
                pressing.setdefault(pos.action, 1)
            else:
                always_avoid.append(Line("✗", what, who, pos.action))
    labels = {g.action: g.label for g in report.advice}
    title = report.subject or report.log or "Your follow-up"
    return FirstScreen(
        title=title, as_of=f"as of {now.strftime('%a %d %b %Y %H:%M')} ({report.timezone})",
        now=tuple(line for _, line in sorted(urgent, key=lambda u: u[0])),
        wait=tuple(line for _, line in sorted(wait, key=lambda w: (w[0], w[1].text))),
        next=tuple(_next_days(plan, now)),
        always_do=tuple(always_do), always_avoid=tuple(always_avoid),
        disagreements=tuple(_conflict_line(c, labels, now) for c in sorted(
            report.conflicts, key=lambda c: min(pressing.get(a, 2) for a in c.actions))))


def _item_lines(line: Line, width: int) -> list[str]:
    return wrap(line.plain(), width, "  ", "  ")


def _folded(head: str, lines: tuple[Line, ...], shown: int, width: int) -> list[str]:
    """Standing advice in one paragraph: ``do: a (x) · b (y, z) · +2 more``."""
    if not lines:
        return []
    parts = [f"{_lower(line.text)} — {line.sources}" for line in lines[:shown]]
    if shown < len(lines):
        parts.append(f"{len(lines) - shown} more{'' if shown else ': rules explain --details'}")
    return wrap(head + " · ".join(parts), width, "  ", "    ")


# Shortened first (least urgent first), down to a fair share each, then further.
_CUT_ORDER = ("always_avoid", "always_do", "disagreements", "next", "wait", "now")
_SHARES = ({"always_avoid": 3, "always_do": 3, "disagreements": 2, "next": 2, "wait": 2, "now": 4},
           {"always_avoid": 1, "always_do": 1, "disagreements": 1, "next": 2, "wait": 1, "now": 3},
           {"now": 1})


def _render(fs: FirstScreen, width: int, shown: Mapping[str, int], fold: bool,
            day: str) -> list[tuple[str, list[str]]]:
    def block(name: str) -> list[str]:
        lines: tuple[Line, ...] = getattr(fs, name)
        out = [text for line in lines[:shown[name]] for text in _item_lines(line, width)]
        if shown[name] < len(lines):
            out.append(f"  … {len(lines) - shown[name]} more: rules explain --details")
        return out

    if fold:
        always = (_folded("do: ", fs.always_do, shown["always_do"], width)
                  + _folded("don't: ", fs.always_avoid, shown["always_avoid"], width))
    else:
        always = block("always_do") + block("always_avoid")
    sections = [(f"NOW ({day})", block("now") or ["  Nothing is due today."]),
                ("WAIT", block("wait")),
                ("NEXT (if nothing else happens)", block("next")),
                ("ALWAYS", always),
                ("DISAGREEMENTS", block("disagreements"))]
    return [(title, body) for title, body in sections if body]


def render_first_screen(report: Report, plan: Plan, *, width: int = DEFAULT_WIDTH,
                        max_lines: int = MAX_LINES, style: Any = None) -> str:
    """The first screen as text, every line at most ``width`` long, in at most
    ``max_lines`` lines: standing advice folds into paragraphs, then the
    least urgent lists are shortened, saying how many items are left out."""
    fs = first_screen(report, plan)
    bold = style or (lambda text: text)
    day = day_text(_local_now(report))
    head = wrap(f"{fs.title} — {fs.as_of}", width, "", "  ")
    if report.events_after:  # an event typed with a future time is never silently ignored
        head += wrap(f"{report.events_after} event(s) in the log after this moment were ignored "
                     "(a later --at includes them).", width, "", "  ")
    foot = wrap("More: --details (today's full trace) · --why RULE · rules plan (day by day)",
                width, "", "  ")
    shown = {name: len(getattr(fs, name)) for name in _CUT_ORDER}

    def size(sections: list[tuple[str, list[str]]]) -> int:
        return len(head) + len(foot) + 2 + sum(len(body) + 1 for _, body in sections)

    fold = False
    sections = _render(fs, width, shown, fold, day)
    if size(sections) > max_lines:
        fold = True
        sections = _render(fs, width, shown, fold, day)
    for floor in _SHARES:
        while size(sections) > max_lines:
            name = next((n for n in _CUT_ORDER if shown[n] > floor.get(n, 0)), None)
            if name is None:
                break
            shown[name] -= 1
            sections = _render(fs, width, shown, fold, day)
    out = [bold(head[0])] + head[1:] + [""]
    for title, body in sections:
        out += [bold(title)] + body
    out += [""] + foot
    return "\n".join(out) + "\n"
