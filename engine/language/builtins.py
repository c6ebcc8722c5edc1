"""The built-in function library: each function's signature, doc and
implementation. The checker reads the signatures; the compiler binds the
implementations once, at compile time.

Implementations take the evaluation context first (``ctx``: the moment ``now``,
the time zone ``tz`` and the event log as of the moment), then the arguments.
A null argument gives a null result unless the function says otherwise
(``exists``), which is the null-is-unknown rule of the language.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timezone
from operator import attrgetter
from typing import Any, Callable, Mapping

from engine.language.context import EvaluationContext
from engine.language.types import ANY, BOOL, DATETIME, INT, NUMBER, STRING, Type, enum_of, unify

__all__ = ["Param", "FunctionSpec", "BUILTINS", "WEEKDAYS"]

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    type: Type
    required: bool = True
    keyword_only: bool = False


@dataclass(frozen=True, slots=True)
class FunctionSpec:
    """A function of the language.

    ``returns`` is a type, or a callable from the argument types to one.
    ``event_type_arg``: the first argument is the literal name of an event type.
    ``variadic``: any number (≥1) of arguments of the first parameter's type.
    ``time_dependent``: the result changes as the clock moves (used to find
    when a rule will next fire). ``may_be_null``: may give null even for
    non-null arguments.
    """

    name: str
    doc: str
    params: tuple[Param, ...]
    returns: Type | Callable[[list[Type]], Type | None]
    impl: Callable[..., Any] = field(compare=False)
    variadic: bool = False
    event_type_arg: bool = False
    time_dependent: bool = False
    may_be_null: bool = False
    shared: bool = False  # reads the context: computed once per evaluation, shared by all rules
    example: str = ""
    #: Optional static check of the argument types: returns a message (what
    #: is wrong) or None. Lets ``any`` parameters still reject, at load time,
    #: values the implementation cannot handle.
    accepts: Callable[[list[Type]], str | None] | None = field(default=None, compare=False)
    #: Optional Python for a call, from its positional arguments' code
    #: (``{0}``, ``{1}``…), for a pure function cheaper written out than
    #: called: generated code uses it in place of calling ``impl``.
    inline: str | None = None

    def signature(self) -> str:
        parts = []
        for p in self.params:
            text = f"{p.name}: {p.type}"
            if p.keyword_only:
                text = f"{p.name}=…: {p.type}"
            parts.append(text)
        if self.variadic:
            parts.append("…")
        ret = self.returns if isinstance(self.returns, Type) else "same as arguments"
        return f"{self.name}({', '.join(parts)}) -> {ret}"


def _local_date(ctx: EvaluationContext, t: datetime) -> date:
    return t.astimezone(ctx.tz).date()


def days_since(ctx: EvaluationContext, t: Any) -> Any:
    if t is None:
        return None
    return (ctx.now.astimezone(ctx.tz).date() - _local_date(ctx, t)).days


def hours_since(ctx: EvaluationContext, t: Any) -> Any:
    if t is None:
        return None
    # Elapsed time: in UTC, since two datetimes with the same ZoneInfo
    # subtract by wall clock (an hour off across a DST change).
    return (ctx.now.astimezone(timezone.utc) - t.astimezone(timezone.utc)).total_seconds() / 3600.0


def _business_days_between(a: date, b: date) -> int:
    """Weekdays d with a < d <= b (negative when b < a)."""
    if b < a:
        return -_business_days_between(b, a)
    days = (b - a).days
    weeks, rest = divmod(days, 7)
    count = weeks * 5
    start = a.weekday()
    for i in range(1, rest + 1):
        if (start + i) % 7 < 5:
            count += 1
    return count


def business_days_since(ctx: EvaluationContext, t: Any) -> Any:
    if t is None:
        return None
    return _business_days_between(_local_date(ctx, t), ctx.now.astimezone(ctx.tz).date())


def weeks_since(ctx: EvaluationContext, t: Any) -> Any:
    d = days_since(ctx, t)
    return None if d is None else d // 7


def days_until(ctx: EvaluationContext, t: Any) -> Any:
    d = days_since(ctx, t)
    return None if d is None else -d


def exists(ctx: EvaluationContext, x: Any) -> Any:
    return x is not None


_UNBOUNDED = object()


def count(ctx: EvaluationContext, event_type: Any, after: Any = _UNBOUNDED, before: Any = _UNBOUNDED) -> Any:
    # A bound that was written but is null (``after=deadline`` with no
    # deadline) makes the count unknown; a bound not written is no bound.
    if event_type is None or after is None or before is None:
        return None
    events = ctx.events_of(event_type)
    # ``events_of`` gives the events in time order: find the bounds by
    # bisection. A scan would cost O(events) per call, and ``next_change``
    # calls count at every probe moment of the horizon (hours × events).
    lo = 0 if after is _UNBOUNDED else bisect_right(events, after, key=_event_time)
    hi = len(events) if before is _UNBOUNDED else bisect_left(events, before, key=_event_time)
    if hi <= lo:
        return 0
    if ctx.recording is not None:
        ctx.recording.update(events[lo:hi])
    return hi - lo


_event_time = attrgetter("at")  # an event's time (the bisection key), in C


def last(ctx: EvaluationContext, event_type: Any) -> Any:
    events = ctx.events_of(event_type)
    if not events:
        return None
    ctx.touch(events[-1])
    return events[-1]


def first(ctx: EvaluationContext, event_type: Any) -> Any:
    events = ctx.events_of(event_type)
    if not events:
        return None
    ctx.touch(events[0])
    return events[0]


def length(ctx: EvaluationContext, x: Any) -> Any:
    return None if x is None else len(x)


def minimum(ctx: EvaluationContext, *xs: Any) -> Any:
    if any(x is None for x in xs):
        return None
    return min(xs)


def maximum(ctx: EvaluationContext, *xs: Any) -> Any:
    if any(x is None for x in xs):
        return None
    return max(xs)


def local_hour(ctx: EvaluationContext, t: Any) -> Any:
    return None if t is None else t.astimezone(ctx.tz).hour


def weekday(ctx: EvaluationContext, t: Any) -> Any:
    return None if t is None else WEEKDAYS[t.astimezone(ctx.tz).weekday()]


def _same_as_args(types: list[Type]) -> Type | None:
    result: Type | None = types[0] if types else ANY
    for t in types[1:]:
        result = unify(result, t) if result else None
    return result


def _sized(types: list[Type]) -> str | None:
    t = types[0] if types else ANY
    if t.name in ("list", "string", "any", "null"):
        return None
    return f"needs a list or a string, got {t}"


def _ordered(types: list[Type]) -> str | None:
    for t in types:
        if t.name not in ("int", "number", "string", "date", "datetime", "any", "null"):
            return f"compares numbers, strings, or dates and times, got {t}"
    return None


def _event_result(types: list[Type]) -> Type | None:
    # Replaced by the checker with event[<the literal type name>].
    return ANY


_T = Param("t", DATETIME)
_TYPE = Param("type", STRING)

BUILTINS: Mapping[str, FunctionSpec] = {f.name: f for f in (
    FunctionSpec("days_since", "Calendar days from the local date of t to today's local date.",
                 (_T,), INT, days_since, time_dependent=True, example="days_since(deadline) >= 3"),
    FunctionSpec("hours_since", "Hours elapsed since t (a decimal number).",
                 (_T,), NUMBER, hours_since, time_dependent=True, example="hours_since(interview) <= 24"),
    FunctionSpec("business_days_since", "Weekdays (Mon–Fri) after t's local date up to today.",
                 (_T,), INT, business_days_since, time_dependent=True,
                 example="business_days_since(interview) >= 5"),
    FunctionSpec("weeks_since", "Whole weeks since t: days_since(t) // 7.",
                 (_T,), INT, weeks_since, time_dependent=True, example="weeks_since(last_contact) >= 2"),
    FunctionSpec("days_until", "Calendar days from today's local date to t's local date.",
                 (_T,), INT, days_until, time_dependent=True, example="days_until(deadline) <= 1"),
    FunctionSpec("exists", "True when x is known (not null); never null itself.",
                 (Param("x", ANY),), BOOL, exists, example="exists(deadline)", inline="({0} is not None)"),
    FunctionSpec("count", "Number of events of a type, optionally strictly after and/or before a time.",
                 (_TYPE, Param("after", DATETIME, False, True), Param("before", DATETIME, False, True)),
                 INT, count, event_type_arg=True,
                 example='count("follow_up_sent", after=deadline) == 0'),
    FunctionSpec("last", "The latest event of a type as of now, or null.",
                 (_TYPE,), _event_result, last, event_type_arg=True, may_be_null=True,
                 example='last("reply_received").tone == "positive"'),
    FunctionSpec("first", "The earliest event of a type, or null.",
                 (_TYPE,), _event_result, first, event_type_arg=True, may_be_null=True,
                 example='days_since(first("interview").at) > 30'),
    FunctionSpec("len", "Length of a list or a string.",
                 (Param("x", ANY),), INT, length, accepts=_sized,
                 example='len(last("interview").interviewers) > 1'),
    FunctionSpec("min", "The smallest of its arguments.",
                 (Param("x", ANY),), _same_as_args, minimum, variadic=True, accepts=_ordered,
                 example="min(unanswered_contacts, 3) == 3"),
    FunctionSpec("max", "The largest of its arguments.",
                 (Param("x", ANY),), _same_as_args, maximum, variadic=True, accepts=_ordered,
                 example="days_since(max(interview, last_contact)) >= 7"),
    FunctionSpec("local_hour", "Hour of the day (0–23) of t in the log's time zone.",
                 (_T,), INT, local_hour, example="local_hour(interview) < 12"),
    FunctionSpec("weekday", 'Day of the week of t in the log\'s time zone: "monday" … "sunday".',
                 (_T,), enum_of(WEEKDAYS), weekday, example='weekday(now) in ["saturday", "sunday"]'),
)}

# Functions that read the evaluation context (the clock, the zone, the log):
# their results are shared by every rule of one evaluation (see compiler).
BUILTINS = {name: replace(spec, shared=True) if name in {
    "days_since", "hours_since", "business_days_since", "weeks_since", "days_until",
    "count", "last", "first", "local_hour", "weekday"} else spec
    for name, spec in BUILTINS.items()}
