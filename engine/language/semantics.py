"""What the operators of the language mean, with null as unknown (Kleene logic).

One definition shared by constant folding (checker), the tracing interpreter
and the generated code (compiler), so the three cannot disagree.
"""

from __future__ import annotations

import operator
from typing import Any, Callable, Iterable

__all__ = ["kleene_and", "kleene_or", "kleene_not", "binary", "negate", "BINARY_OPS"]


def kleene_and(values: Iterable[Any]) -> bool | None:
    """False if any is false, else null if any is null, else true."""
    unknown = False
    for v in values:
        if v is False:
            return False
        if v is None:
            unknown = True
    return None if unknown else True


def kleene_or(values: Iterable[Any]) -> bool | None:
    """True if any is true, else null if any is null, else false."""
    unknown = False
    for v in values:
        if v is True:
            return True
        if v is None:
            unknown = True
    return None if unknown else False


def kleene_not(value: Any) -> bool | None:
    return None if value is None else not value


def negate(value: Any) -> Any:
    return None if value is None else -value


def _div(a: Any, b: Any) -> Any:
    return None if b == 0 else a / b


def _mod(a: Any, b: Any) -> Any:
    return None if b == 0 else a % b


def _in(a: Any, b: Any) -> bool:
    return a in b


def _not_in(a: Any, b: Any) -> bool:
    return a not in b


BINARY_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le,
    ">": operator.gt, ">=": operator.ge, "in": _in, "not in": _not_in,
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": _div, "%": _mod,
}


def binary(op: str, a: Any, b: Any) -> Any:
    """``a op b``; null if either side is null (or on division by zero)."""
    if a is None or b is None:
        return None
    return BINARY_OPS[op](a, b)
