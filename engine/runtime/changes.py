"""When does the advice of a report next change, if nothing else happens?

A report's advice is the set of rules that fire. With the log fixed, that set
changes only when some rule's condition starts or stops being true, and each
condition can change only at its own change points
(:func:`engine.runtime.timing.change_points`). The first moment within the
horizon at which any distinct condition takes another truth value than it
has now is the report's ``next_change_at``.

Most conditions are settled for good by what the log says now, and are
dismissed without a search (:meth:`ChangeSearch.settled`): a part that does
not read the clock keeps its value (``outcome == "pending"``), a comparison
of a quantity that only grows with the clock (``days_since(x)``,
``hours_since(x)``, ``weeks_since(x)``, ``business_days_since(x)``, ``now``)
or only shrinks (``days_until(x)``) with a clock-free value keeps its value
once it has passed it (``days_since(interview) < 7`` false now is false for
ever), and ``and``/``or``/``not`` of settled parts are settled as Kleene
logic says. The others are searched together, moment by moment, up to the
first change, within a budget of evaluations.
"""

from __future__ import annotations

import heapq

from datetime import datetime, timedelta
from typing import Any, Iterable, Iterator, Mapping, Protocol

from engine.language.checker import Checked
from engine.language.compiler import CompiledExpr
from engine.language.nodes import Binary, BoolOp, Call, Name, Node, Unary, walk
from engine.model.vocabulary import Vocabulary
from engine.runtime.facts import FactContext
from engine.runtime.timing import change_points

__all__ = ["Budget", "ChangeSearch", "MAX_STEPS", "next_change_at"]

#: Functions whose value never decreases (``_RISING``) or never increases
#: (``_FALLING``) as the clock moves on, their arguments fixed.
_RISING = frozenset({"days_since", "hours_since", "weeks_since", "business_days_since"})
_FALLING = frozenset({"days_until"})
_MIRROR = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}
_UNSETTLED = object()
#: Condition evaluations one search may spend when no budget is given.
MAX_STEPS = 20_000


_SECOND = timedelta(seconds=1)


class Budget(Protocol):
    """What the search charges each evaluation to (the look-ahead budget of
    one report): ``charge`` raises when there is no more."""

    def charge(self, moment: datetime) -> None: ...

#: The windows searched one after the other (the last reaches any horizon).
_WINDOWS = (timedelta(days=1), timedelta(days=8), timedelta(days=36500))


class ChangeSearch:
    """The search for the next change of a set of conditions (one policy
    set's distinct conditions): what can be known of them statically (which
    parts read the clock, which run with it) is worked out once, as a plan
    per condition whose clock-free parts are compiled like conditions."""

    __slots__ = ("conditions", "plans", "guards", "moments")

    def __init__(self, conditions: Iterable[CompiledExpr], vocabulary: Vocabulary) -> None:
        self.conditions = tuple(conditions)
        planners = [_Planner(c, vocabulary) for c in self.conditions]
        self.plans = tuple(p.plan(c.node) for p, c in zip(planners, self.conditions))
        #: per condition, its clock-free conjuncts in one compiled function
        #: (or None): not true now, the condition never holds — the quick
        #: test that settles most conditions
        self.guards = tuple(p.guard() for p in planners)
        #: per condition that reads the clock only as ``now`` compared with
        #: fixed values, those values: its only change points
        self.moments = tuple(p.moments() for p in planners)

    def settled(self, index: int, ctx: FactContext) -> bool:
        """Whether condition ``index`` keeps, with the log as it is, the truth
        value it has in ``ctx`` whatever the clock says."""
        plan = self.plans[index]
        if plan is _CLOCK_FREE:
            return True
        guard = self.guards[index]
        if guard is not None and guard(ctx) is not True:
            return True
        return _final(plan, ctx) is not _UNSETTLED

    def _points(self, index: int, ctx: FactContext, low: datetime, high: datetime
                ) -> Iterable[datetime]:
        values = self.moments[index]
        if values is not None:
            return _at_values(values, ctx, low, high)
        return change_points(self.conditions[index], ctx, low, high)

    def next_change_at(self, holding: Iterable[bool], ctx: FactContext, horizon: timedelta,
                       budget: Budget | None = None) -> datetime | None:
        """The first moment in ``(ctx.now, ctx.now + horizon]`` at which one of
        the conditions (``holding``: whether each holds at ``ctx.now``, in
        order) holds or stops holding; None if none does within the horizon.

        The unsettled conditions are looked at together, moment by moment,
        in growing windows (most changes come within days, and the points of
        a short window are quicker to list than the horizon's). Every look
        is charged to ``budget`` (at most ``MAX_STEPS`` looks without one):
        when it runs out at a moment, that moment is returned — no condition
        changes before it, and what comes after is not known, so it is the
        earliest the advice may change (a daily job re-evaluates the log by
        then)."""
        start = ctx.now
        end = start + horizon
        open_ = [(i, h) for i, h in enumerate(holding) if not self.settled(i, ctx)]
        if not open_:
            return None
        steps = 0
        low = start
        for span in _WINDOWS:
            high = min(start + span, end)
            if high <= low:
                break
            # each condition's points come sorted: merged lazily, since the
            # search mostly stops at one of the first
            looks = heapq.merge(*(_looks(self._points(index, ctx, low, high), index, holds)
                                  for index, holds in open_))
            for moment, index, holds in looks:
                if budget is not None:
                    try:
                        budget.charge(moment)
                    except Exception:  # noqa: BLE001 - the budget's own "no more"
                        return moment
                else:
                    steps += 1
                    if steps > MAX_STEPS:
                        return moment
                if (self.conditions[index].fn(ctx.at(moment)) is True) != holds:
                    return moment
            low = high
        return None


def _at_values(values: tuple[Any, ...], ctx: FactContext, low: datetime, high: datetime
               ) -> list[datetime]:
    """The moments in ``(low, high]`` at which a comparison of ``now`` with
    one of ``values`` may change: the value, and a second after it."""
    points: set[datetime] = set()
    for value in values:
        moment = value(ctx)
        if isinstance(moment, datetime):
            points.update((moment, moment + _SECOND))
    return [p.astimezone(ctx.tz) for p in sorted(p for p in points if low < p <= high)]


def _looks(points: Iterable[datetime], index: int, holds: bool
           ) -> Iterator[tuple[datetime, int, bool]]:
    for moment in points:
        yield moment, index, holds


def next_change_at(conditions: Iterable[tuple[CompiledExpr, bool]], ctx: FactContext,
                   horizon: timedelta, budget: Budget | None = None) -> datetime | None:
    """:meth:`ChangeSearch.next_change_at` for conditions given with whether
    each holds now (a search built for this call only)."""
    pairs = list(conditions)
    search = ChangeSearch((c for c, _ in pairs), ctx.vocabulary)
    return search.next_change_at((h for _, h in pairs), ctx, horizon, budget)


# A plan is one of:
#   _CLOCK_FREE                      (a whole condition that never reads the clock)
#   ("value", fn)                    a clock-free part: its value is final
#   ("and" | "or", (plan, …))        clock-free operands first
#   ("not", plan)
#   ("compare", op, moving, fixed, direction)   moving rises (+1) or falls (-1)
#   None                             nothing known
_CLOCK_FREE = ("clock-free",)
Plan = Any


class _Planner:
    def __init__(self, condition: CompiledExpr, vocabulary: Vocabulary) -> None:
        self.condition = condition
        self.functions = condition.functions
        self.facts = vocabulary.facts
        self.free: dict[int, bool] = {}
        for node in walk(condition.node):
            self.free[id(node)] = not any(_reads_clock(n, self.facts, self.functions)
                                          for n in walk(node))

    def compiled(self, node: Node) -> Any:
        names = {n.func for n in walk(node) if isinstance(n, Call)}
        facts = {n.name for n in walk(node) if isinstance(n, Name)}
        checked = Checked(node, self.condition.checked.type, frozenset(facts), frozenset(names))
        return CompiledExpr(checked, self.functions).fn

    def guard(self) -> Any:
        """The clock-free conjuncts of an ``and`` condition, compiled together."""
        node = self.condition.node
        if self.free[id(node)] or not (isinstance(node, BoolOp) and node.op == "and"):
            return None
        parts = tuple(n for n in node.operands if self.free[id(n)])
        if not parts:
            return None
        if len(parts) == 1:
            return self.compiled(parts[0])
        return self.compiled(BoolOp("and", parts))

    def moments(self) -> tuple[Any, ...] | None:
        """Where the clock enters the condition only as ``now`` compared with
        clock-free values (``now < check_in_invited_after``): those values,
        compiled — the condition can change only at them (or a second
        after). None for any other use of the clock."""
        node = self.condition.node
        compared: list[Node] = []
        direct: set[int] = set()
        for n in walk(node):
            if isinstance(n, Binary) and n.op in _MIRROR:
                for side, other in ((n.left, n.right), (n.right, n.left)):
                    if isinstance(side, Name) and side.name == "now" and self.free[id(other)]:
                        direct.add(id(side))
                        compared.append(other)
        for n in walk(node):
            if _reads_clock(n, self.facts, self.functions) and id(n) not in direct:
                return None
        return tuple(self.compiled(n) for n in compared) if compared else None

    def plan(self, node: Node, top: bool = True) -> Plan:
        if self.free[id(node)]:
            return _CLOCK_FREE if top else ("value", self.compiled(node))
        if isinstance(node, BoolOp):
            parts = [self.plan(n, False) for n in node.operands]
            parts.sort(key=lambda p: 0 if p and p[0] == "value" else 1)  # (stable)
            if all(p is None for p in parts):
                return None
            return (node.op, tuple(parts))
        if isinstance(node, Unary) and node.op == "not":
            inner = self.plan(node.operand, False)
            return None if inner is None else ("not", inner)
        if isinstance(node, Binary) and node.op in _MIRROR:
            op, moving, fixed = node.op, node.left, node.right
            direction = _monotone(moving, self.free)
            if not direction:
                op, moving, fixed = _MIRROR[op], node.right, node.left
                direction = _monotone(moving, self.free)
            if direction and self.free[id(fixed)]:
                return ("compare", op, self.compiled(moving), self.compiled(fixed), direction)
        return None


def _final(plan: Plan, ctx: FactContext) -> Any:
    """The value a part keeps for ever from ``ctx.now`` on, or ``_UNSETTLED``."""
    if plan is None:
        return _UNSETTLED
    kind = plan[0]
    if kind == "value":
        return plan[1](ctx)
    if kind == "and" or kind == "or":
        stop = kind == "or"  # the value that decides: true for or, false for and
        unsettled = unknown = False
        for part in plan[1]:
            value = _final(part, ctx)
            if value is stop:
                return stop
            if value is _UNSETTLED:
                unsettled = True
            elif value is None:
                unknown = True
        return _UNSETTLED if unsettled else None if unknown else not stop
    if kind == "not":
        value = _final(plan[1], ctx)
        return value if value is _UNSETTLED or value is None else not value
    return _final_comparison(plan, ctx)


def _final_comparison(plan: Plan, ctx: FactContext) -> Any:
    _, op, moving, fixed, direction = plan
    value, bound = moving(ctx), fixed(ctx)
    if value is None or bound is None:
        # unknown for ever: the bound is fixed, and the moving side is
        # unknown only when its (fixed) arguments are
        return None
    if not _comparable(value, bound):
        return _UNSETTLED
    if direction < 0:  # a falling value: as its mirror image
        op = _MIRROR[op]
        value, bound = bound, value
    # a rising value past the bound stays past it
    if op in ("<", "<=", "==") and value > bound:
        return False
    if op == "!=" and value > bound:
        return True
    if op in (">", ">=") and (value > bound if op == ">" else value >= bound):
        return True
    return _UNSETTLED


def _comparable(a: Any, b: Any) -> bool:
    """Whether ``a`` and ``b`` compare as the language compares them: two
    numbers, or two datetimes (anything else is left to the search)."""
    if isinstance(a, datetime) and isinstance(b, datetime):
        return True
    return type(a) in (int, float) and type(b) in (int, float)


def _reads_clock(node: Node, facts: Mapping[str, Any], functions: Mapping[str, Any]) -> bool:
    if isinstance(node, Name):
        spec = facts.get(node.name)
        return spec is not None and spec.time_dependent
    if isinstance(node, Call):
        spec = functions.get(node.func)
        return spec is None or spec.time_dependent
    return False


def _monotone(node: Node, free: dict[int, bool]) -> int:
    """+1 if ``node`` only grows as the clock moves on (the log fixed), -1 if
    it only shrinks, 0 if neither is known."""
    if isinstance(node, Name) and node.name == "now":
        return 1
    if isinstance(node, Call) and not node.keywords and all(free[id(a)] for a in node.args):
        if node.func in _RISING:
            return 1
        if node.func in _FALLING:
            return -1
    return 0
