"""The reference evaluator of the condition language: a tree walk over the
checked AST, with Kleene (three-valued) semantics, that can record every
sub-expression's value for an explanation. The compiled fast paths
(``engine.language.compiler``) are proved equal to it by property tests."""

from __future__ import annotations

from typing import Any, Mapping

from engine.language.builtins import FunctionSpec
from engine.language.nodes import Attribute, Binary, BoolOp, Call, ListExpr, Literal, Name, Node, Unary
from engine.language.semantics import binary, kleene_and, kleene_not, kleene_or, negate

__all__ = ["interpret", "get_field", "NoMemo", "NO_MEMO", "MISSING", "Trace"]

Trace = list[tuple[Node, Any]]
"""``(node, value)`` pairs, children before parents."""


MISSING = object()
"""The memo's marker for a call not yet made (generated code compares with it)."""


class NoMemo(dict[str, Any]):
    """A memo that remembers nothing: for contexts that offer none (a plain
    mapping of facts) or must run every call (provenance)."""

    def get(self, key: Any, default: Any = None) -> Any:
        return default

    def __setitem__(self, key: Any, value: Any) -> None:
        pass


NO_MEMO = NoMemo()


def get_field(obj: Any, name: str) -> Any:
    """``obj.name`` in the language: a field of an event, null on null."""
    if obj is None:
        return None
    return obj.field(name)


def interpret(node: Node, facts: Mapping[str, Any], functions: Mapping[str, FunctionSpec],
              trace: Trace | None = None) -> Any:
    """Evaluate ``node`` by walking the tree; record ``(node, value)`` pairs
    (children before parents) into ``trace`` when given. Every operand of
    ``and``/``or`` is evaluated so the trace shows every fact's value."""
    value = _interpret(node, facts, functions, trace)
    return value


def _interpret(node: Node, facts: Mapping[str, Any], functions: Mapping[str, FunctionSpec],
               trace: Trace | None) -> Any:
    ev = _interpret
    if isinstance(node, Literal):
        return node.value  # literals are not recorded: their value is their text
    if isinstance(node, Name):
        value = facts[node.name]
    elif isinstance(node, ListExpr):
        value = tuple(ev(i, facts, functions, trace) for i in node.items)
    elif isinstance(node, Attribute):
        value = get_field(ev(node.obj, facts, functions, trace), node.attr)
    elif isinstance(node, Call):
        impl = functions[node.func].impl
        args = [ev(a, facts, functions, trace) for a in node.args]
        kwargs = {k.name: ev(k.value, facts, functions, trace) for k in node.keywords}
        value = impl(facts, *args, **kwargs)
    elif isinstance(node, Unary):
        operand = ev(node.operand, facts, functions, trace)
        value = kleene_not(operand) if node.op == "not" else negate(operand)
    elif isinstance(node, BoolOp):
        values = [ev(o, facts, functions, trace) for o in node.operands]
        value = kleene_and(values) if node.op == "and" else kleene_or(values)
    elif isinstance(node, Binary):
        value = binary(node.op, ev(node.left, facts, functions, trace),
                       ev(node.right, facts, functions, trace))
    else:
        raise TypeError(f"cannot evaluate {type(node).__name__}")
    if trace is not None:
        trace.append((node, value))
    return value
