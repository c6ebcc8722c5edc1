"""When does a rule's condition change, if nothing else happens?

With the log fixed, a condition can change only when the clock crosses a
threshold of a time-dependent function: local midnight for the calendar-day
functions (``days_since``, ``business_days_since``, ``weeks_since``,
``days_until``, ``weekday(now)``), a local hour for ``local_hour(now)``, and
``t + k hours`` for ``hours_since(t)`` compared with a constant ``k``. These
moments are derived from the condition itself; evaluating the condition at
each, in order, gives exactly when it starts and stops holding.

The search is bounded: a :class:`SearchBudget` caps the evaluations one
report (or one plan) may spend looking ahead, shared by every rule it looks
at. A policy with a thousand rules on the hour over a ten-year horizon would
otherwise take minutes. When the budget runs out, the search stops where it
is and says so (:class:`SearchCutShort`): the report marks each rule whose
search was cut short, instead of claiming it never fires.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo
from functools import lru_cache
from typing import Any, Iterable, Iterator, Mapping

from engine.language.compiler import CompiledExpr, interpret
from engine.runtime.facts import FactContext
from engine.language.nodes import Binary, Call, Literal, Name, Node, Unary, walk
from engine.input.times import localize

__all__ = ["change_points", "depends_on_clock", "next_change", "intervals", "DEFAULT_HORIZON",
           "DEFAULT_SEARCH_BUDGET", "SearchBudget", "SearchCutShort"]

DEFAULT_HORIZON = timedelta(days=60)

#: Condition evaluations one report (or plan) may spend looking ahead.
DEFAULT_SEARCH_BUDGET = 400_000


class SearchCutShort(Exception):
    """The look-ahead ran out of budget; ``reached`` is the last moment it
    looked at (nothing is known after it)."""

    def __init__(self, reached: datetime) -> None:
        super().__init__(f"search cut short at {reached.isoformat()}")
        self.reached = reached


@dataclass
class SearchBudget:
    """The evaluations left for the look-ahead of one report or plan (a new
    one for each: it is used up as the searches run)."""

    steps: int = DEFAULT_SEARCH_BUDGET
    used: int = 0
    #: how many searches were cut short
    cut: int = 0

    def __post_init__(self) -> None:
        if isinstance(self.steps, bool) or not isinstance(self.steps, int) or self.steps < 0:
            raise ValueError(f"search budget must be a whole number >= 0, not {self.steps!r}")

    @property
    def exhausted(self) -> bool:
        return self.used >= self.steps

    def charge(self, moment: datetime) -> None:
        """One evaluation at ``moment``, or :class:`SearchCutShort`."""
        if self.used >= self.steps:
            self.cut += 1
            raise SearchCutShort(moment)
        self.used += 1
_DAY_FUNCTIONS = {"days_since", "business_days_since", "weeks_since", "days_until", "weekday"}
_SECOND = timedelta(seconds=1)


def _numbers(node: Node) -> set[float]:
    """Numeric constants of a condition (as written, also negated)."""
    found: set[float] = set()
    for n in walk(node):
        if isinstance(n, Literal) and isinstance(n.value, (int, float)) and not isinstance(n.value, bool):
            found.add(float(n.value))
        if isinstance(n, Unary) and n.op == "-" and isinstance(n.operand, Literal):
            v = n.operand.value
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                found.add(-float(v))
    return found


@dataclass(frozen=True, slots=True)
class _ClockUse:
    """How a condition reads the clock: found once per condition and
    vocabulary (:func:`_clock_use`), asked for at every look-ahead."""

    days: bool                     # day boundaries (days_since, weekday, …)
    hours: bool                    # every hour (local_hour, a fact defined over the clock)
    hour_args: tuple[Node, ...]    # the arguments of hours_since
    constants: frozenset[float]    # its numbers (hours_since(t) > k changes at t + k)
    compared: tuple[str, ...]      # names compared with <, ==, …: a datetime fact's value is a point
    now: bool                      # names `now`


def _analyse(node: Node, facts: Mapping[str, Any]) -> _ClockUse:
    days = hours = now = False
    hour_args: list[Node] = []
    compared: dict[str, None] = {}
    for n in walk(node):
        if isinstance(n, Call):
            if n.func in _DAY_FUNCTIONS:
                days = True
            elif n.func == "hours_since" and n.args:
                hour_args.append(n.args[0])
            elif n.func == "local_hour":
                hours = True
        elif isinstance(n, Name):
            now = now or n.name == "now"
            spec = facts.get(n.name)
            if spec is not None and spec.time_dependent:
                # a fact defined over the clock: be safe, look at every hour
                days = hours = True
        elif isinstance(n, Binary) and n.op in ("<", "<=", ">", ">=", "==", "!="):
            for side in (n.left, n.right):
                if isinstance(side, Name):
                    compared[side.name] = None
    return _ClockUse(days, hours, tuple(hour_args),
                     frozenset(_numbers(node)) if hour_args else frozenset(), tuple(compared), now)


# (id(condition), id(vocabulary)) -> (condition, vocabulary, use); the pair is
# kept to tell a reused id from the same object. Emptied when full.
_USES: dict[tuple[int, int], tuple[CompiledExpr, Any, _ClockUse]] = {}
_MAX_USES = 4096


def _clock_use(condition: CompiledExpr, ctx: FactContext) -> _ClockUse:
    vocabulary = ctx.vocabulary
    key = (id(condition), id(vocabulary))
    hit = _USES.get(key)
    if hit is not None and hit[0] is condition and hit[1] is vocabulary:
        return hit[2]
    use = _analyse(condition.node, vocabulary.facts)
    if len(_USES) >= _MAX_USES:
        _USES.clear()
    _USES[key] = (condition, vocabulary, use)
    return use


def depends_on_clock(condition: CompiledExpr, ctx: FactContext) -> bool:
    """Whether the passing of time alone can change the condition (it has a
    day, hour or ``now`` threshold): advice that is timed, not standing."""
    use = _clock_use(condition, ctx)
    return use.days or use.hours or bool(use.hour_args) or use.now


def change_points(condition: CompiledExpr, ctx: FactContext, start: datetime,
                  end: datetime) -> list[datetime]:
    """The moments in ``(start, end]`` at which ``condition`` may change value."""
    return list(_change_points(condition, ctx, start, end))


def _change_points(condition: CompiledExpr, ctx: FactContext, start: datetime,
                   end: datetime) -> Iterable[datetime]:
    """:func:`change_points`, made as they are asked for (a search cut short
    makes no more of them than it looked at)."""
    use = _clock_use(condition, ctx)
    tz = ctx.tz
    extra: list[datetime] = []
    for arg in use.hour_args:
        base = interpret(arg, ctx, condition.functions)
        if not isinstance(base, datetime):
            continue
        for k in use.constants:
            at = base + timedelta(hours=k)
            extra += (at, at + _SECOND)
    # Comparisons of `now` (or datetime facts) with other datetimes
    for name in use.compared:
        value = ctx[name]
        if isinstance(value, datetime):
            extra += (value, value + _SECOND)
    clock = _clock_points(start, start.fold, start.tzinfo, end, end.fold, end.tzinfo, tz,
                          use.days, use.hours)
    inside = sorted({p for p in extra if start < p <= end}, key=datetime.timestamp)
    if not inside:
        # Only the clock's own moments, the same for every condition that
        # uses them: worked out once (for this start, end and zone).
        return clock
    return _merged(clock, [p.astimezone(tz) for p in inside])


def _merged(clock: Iterable[datetime], extra: Iterable[datetime]) -> Iterator[datetime]:
    """Two runs of moments sorted by instant as one, as sorting their union
    would: ordered by instant (the clock's first on a tie), each moment
    once. Two moments are one if they are the same instant written the same
    way: a wall time in a DST gap and the real one after it are the same
    instant but two moments, as in :func:`_clock_set`."""
    instant: float | None = None
    seen: set[tuple[datetime, int]] = set()
    for moment in heapq.merge(clock, extra, key=datetime.timestamp):
        at = moment.timestamp()
        if at != instant:
            instant, seen = at, set()
        written = (moment.replace(tzinfo=None), moment.fold)
        if written not in seen:
            seen.add(written)
            yield moment


def _clock_set(start: datetime, end: datetime, tz: tzinfo, days: bool, hours: bool
               ) -> set[datetime]:
    """Every local midnight (``days``) and every hour (``hours``) from
    ``start`` to past ``end``."""
    points: set[datetime] = set()
    if days or hours:
        day = start.astimezone(tz).date()
        last = end.astimezone(tz).date()
        while day <= last:
            day += timedelta(days=1)
            points.add(localize(datetime.combine(day, time()), tz))
    if hours:
        moment = start.astimezone(tz).replace(minute=0, second=0, microsecond=0)
        while moment <= end:
            moment = (moment + timedelta(hours=1)).astimezone(tz)
            points.add(moment)
    return points


def _sorted_points(points: set[datetime], start: datetime, end: datetime, tz: tzinfo
                   ) -> list[datetime]:
    # Points derived from event times carry the event's UTC offset: show them
    # in the log's zone like every other moment.
    return [p.astimezone(tz) for p in sorted(p for p in points if start < p <= end)]


# The few latest (start, end, zone): every rule of an evaluation (or a plan)
# asks for the same. Keys carry fold and zone beside each datetime: ``==``
# alone equates the two readings of a repeated hour.
@lru_cache(maxsize=256)
def _clock_points(start: datetime, start_fold: int, start_zone: tzinfo | None, end: datetime,
                  end_fold: int, end_zone: tzinfo | None, tz: tzinfo, days: bool, hours: bool
                  ) -> tuple[datetime, ...]:
    return tuple(_sorted_points(_clock_set(start, end, tz, days, hours), start, end, tz))


def _holds(condition: CompiledExpr, ctx: FactContext, moment: datetime) -> bool:
    return condition.fn(ctx.at(moment)) is True


def next_change(condition: CompiledExpr, ctx: FactContext, *, want: bool = True,
                horizon: timedelta = DEFAULT_HORIZON, budget: SearchBudget | None = None
                ) -> datetime | None:
    """The first moment after ``ctx.now`` within ``horizon`` at which the
    condition is true (``want=True``) or stops being true (``want=False``).
    With a ``budget``, each evaluation is charged to it; :class:`SearchCutShort`
    when it runs out."""
    start = ctx.now
    for moment in _change_points(condition, ctx, start, start + horizon):
        if budget is not None:
            budget.charge(moment)
        if _holds(condition, ctx, moment) == want:
            return moment
    return None


def intervals(condition: CompiledExpr, ctx: FactContext, end: datetime,
              budget: SearchBudget | None = None) -> Iterator[tuple[datetime, datetime | None]]:
    """Periods in ``[ctx.now, end]`` during which the condition holds:
    ``(start, stop)``, with ``stop`` None if it still holds at ``end``.
    With a ``budget``, each evaluation is charged to it; when it runs out,
    an open period is yielded as still holding and :class:`SearchCutShort`
    follows."""
    start = ctx.now
    holding = condition.fn(ctx) is True
    opened = start if holding else None
    try:
        for moment in _change_points(condition, ctx, start, end):
            if budget is not None:
                budget.charge(moment)
            now_holds = _holds(condition, ctx, moment)
            if now_holds and opened is None:
                opened = moment
            elif not now_holds and opened is not None:
                yield opened, moment
                opened = None
    except SearchCutShort:
        if opened is not None:
            yield opened, None
        raise
    if opened is not None:
        yield opened, None
