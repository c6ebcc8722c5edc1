"""From a traced evaluation to words: the values behind a condition, and why a
condition is false or unknown. Pure functions over (node, value) traces."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any, Iterable

from engine.runtime.facts import FactContext
from engine.language.nodes import Attribute, Binary, BoolOp, Call, Name, Node, walk
from engine.language.printer import to_text

__all__ = ["format_value", "json_value", "trace_lines", "why_not", "fact_sources"]


def format_value(value: Any, tz: tzinfo | None = None) -> str:
    """A value as a person reads it."""
    if value is None:
        return "unknown"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, datetime):
        local = value.astimezone(tz) if tz else value
        if (local.hour, local.minute, local.second, local.microsecond) == (0, 0, 0, 0):
            return local.strftime("%a %d %b %Y")  # a date given without a time (by: 2026-11-20)
        return local.strftime("%a %d %b %Y %H:%M")
    if isinstance(value, float):
        return f"{value:.1f}"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(format_value(v, tz) for v in value) + "]"
    if hasattr(value, "label"):
        return str(value.label())
    return str(value)


_PLAIN = frozenset((str, int, float, bool, type(None)))


def iso_seconds(moment: datetime) -> str:
    """``moment.isoformat(timespec="seconds")``, quicker for whole seconds
    (the keyword alone costs more than the formatting)."""
    return moment.isoformat() if not moment.microsecond else moment.isoformat(timespec="seconds")


def json_value(value: Any) -> Any:
    """A value as JSON: datetimes in ISO 8601 with offset, tuples as lists."""
    if type(value) in _PLAIN:  # most values: nothing to convert, no hasattr below
        return value
    if isinstance(value, datetime):
        return iso_seconds(value)
    if isinstance(value, (list, tuple)):
        return [json_value(v) for v in value]
    if hasattr(value, "label"):
        return value.label()
    return value


def _shown(node: Node) -> bool:
    return isinstance(node, (Name, Call, Attribute)) or (
        isinstance(node, Binary) and node.op in ("+", "-", "*", "/", "%"))


def fact_sources(ctx: FactContext, name: str) -> list[str]:
    """Labels of the events a fact was computed from."""
    if ctx.provenance is None:
        return []
    return [e.label() for e in ctx.sources(name)]


def trace_lines(trace: Iterable[tuple[Node, Any]], ctx: FactContext) -> list[str]:
    """``expr = value`` for every fact, call and field in the trace, once each,
    with the events each fact came from."""
    lines: list[str] = []
    seen: set[str] = set()
    for node, value in trace:
        if not _shown(node):
            continue
        text = to_text(node)
        if text in seen:
            continue
        seen.add(text)
        line = f"{text} = {format_value(value, ctx.tz)}"
        if isinstance(node, Name):
            sources = fact_sources(ctx, node.name)
            if sources:
                line += f"  [from {', '.join(sources)}]"
            elif ctx.provenance is not None and node.name != "now":
                line += "  [no matching events]"
        lines.append(line)
    return lines


def why_not(node: Node, trace: list[tuple[Node, Any]], ctx: FactContext) -> tuple[str, str]:
    """(``"false"`` or ``"unknown"``, the part that is false or unknown, with
    the values inside it)."""
    values = {id(n): v for n, v in trace}
    top = values.get(id(node))
    status = "unknown" if top is None else "false"
    parts: list[Node]
    if isinstance(node, BoolOp) and node.op == "and":
        want = None if status == "unknown" else False
        parts = [o for o in node.operands if values.get(id(o), o) is want or
                 (want is None and values.get(id(o)) is None)]
    else:
        parts = [node]
    reasons = []
    for part in parts:
        inner = [n for n in walk(part) if isinstance(n, (Name, Call, Attribute)) and id(n) in values]
        shown: list[str] = []
        for n in inner:
            text = f"{to_text(n)} = {format_value(values[id(n)], ctx.tz)}"
            if text not in shown and to_text(n) != to_text(part):
                shown.append(text)
        unknown = [to_text(n) for n in inner if values[id(n)] is None and isinstance(n, Name)]
        state = "unknown" if values.get(id(part)) is None else "false"
        reason = f"`{to_text(part)}` is {state}"
        if state == "unknown" and unknown:
            reason += f" ({', '.join(dict.fromkeys(unknown))} unknown)"
        elif shown:
            reason += f" ({'; '.join(shown)})"
        reasons.append(reason)
    return status, "; ".join(reasons)

