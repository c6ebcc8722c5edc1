"""AST → canonical condition text, with the fewest parentheses that keep the
tree: ``parse(to_text(node)) == node`` for every parsed tree."""

from __future__ import annotations

from decimal import Decimal

from engine.language.nodes import (Attribute, Binary, BoolOp, Call, Chain, Keyword, ListExpr, Literal,
                    Name, Node, Unary)

__all__ = ["to_text", "literal_text", "precedence"]

_COMPARISON, _ATOM = 4, 9
_BINARY_PREC = {"==": 4, "!=": 4, "<": 4, "<=": 4, ">": 4, ">=": 4, "in": 4, "not in": 4,
                "+": 5, "-": 5, "*": 6, "/": 6, "%": 6}


def precedence(node: Node) -> int:
    """Binding strength: or 1, and 2, not 3, comparisons 4, + - 5, * / % 6,
    unary minus 7, postfix 8, atoms 9."""
    if isinstance(node, BoolOp):
        return 1 if node.op == "or" else 2
    if isinstance(node, Unary):
        return 3 if node.op == "not" else 7
    if isinstance(node, Chain):
        return _COMPARISON
    if isinstance(node, Binary):
        return _BINARY_PREC[node.op]
    if isinstance(node, (Attribute, Call)):
        return 8
    if isinstance(node, Literal) and isinstance(node.value, (int, float)) \
            and not isinstance(node.value, bool) and node.value < 0:
        return 7  # printed with a leading minus
    return _ATOM


def literal_text(value: object) -> str:
    """A literal value as the language writes it."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        escaped = (value.replace("\\", "\\\\").replace('"', '\\"')
                   .replace("\n", "\\n").replace("\t", "\\t"))
        return f'"{escaped}"'
    if isinstance(value, float):
        text = repr(value)
        if "n" in text:  # inf or nan: no literal spells them
            return format(value, "f")
        if "e" in text:  # the language has no exponent: write the shortest digits out
            text = format(Decimal(text), "f")
            if "." not in text:
                text += ".0"
        return text
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(literal_text(v) for v in value) + "]"
    return str(value)


def _wrap(node: Node, min_prec: int, clarify: bool = False) -> str:
    text = to_text(node, clarify=clarify)
    return f"({text})" if precedence(node) < min_prec else text


def _clarified(node: Node, min_prec: int, parent: Node) -> str:
    """An operand with the parentheses a reader expects even where
    precedence makes them redundant: ``(a and b) or c``, ``not (x in y)``."""
    text = to_text(node, clarify=True)
    needed = precedence(node) < min_prec
    if isinstance(parent, BoolOp) and parent.op == "or" and isinstance(node, BoolOp):
        needed = True
    if isinstance(parent, Unary) and precedence(node) == _COMPARISON:
        needed = True
    return f"({text})" if needed else text


def to_text(node: Node, *, clarify: bool = False) -> str:
    """The canonical text of ``node``: with the fewest parentheses, or with
    ``clarify`` also those around ``and`` inside ``or`` and around a
    comparison under ``not`` (how ``rules fmt`` writes conditions). Both
    parse back to the same tree."""
    if clarify and isinstance(node, Unary) and node.op == "not":
        return "not " + _clarified(node.operand, 3, node)
    if clarify and isinstance(node, BoolOp):
        own = precedence(node)
        return f" {node.op} ".join(_clarified(o, own + 1, node) for o in node.operands)
    if clarify and isinstance(node, (Binary, Chain, Attribute, Call, ListExpr, Keyword, Unary)):
        return _to_text_clarified(node)
    if isinstance(node, Literal):
        return literal_text(node.value)
    if isinstance(node, Name):
        return node.name
    if isinstance(node, ListExpr):
        return "[" + ", ".join(to_text(i) for i in node.items) + "]"
    if isinstance(node, Attribute):
        return f"{_wrap(node.obj, 8)}.{node.attr}"
    if isinstance(node, Keyword):
        return f"{node.name}={to_text(node.value)}"
    if isinstance(node, Call):
        args = [to_text(a) for a in node.args] + [to_text(k) for k in node.keywords]
        return f"{node.func}({', '.join(args)})"
    if isinstance(node, Unary):
        if node.op == "not":
            return "not " + _wrap(node.operand, 3)
        return "-" + _wrap(node.operand, 7)
    if isinstance(node, BoolOp):
        own = precedence(node)
        return f" {node.op} ".join(_wrap(o, own + 1) for o in node.operands)
    if isinstance(node, Chain):
        parts = [_wrap(node.operands[0], 5)]
        for op, operand in zip(node.ops, node.operands[1:]):
            parts += [op, _wrap(operand, 5)]
        return " ".join(parts)
    if isinstance(node, Binary):
        own = precedence(node)
        if own == _COMPARISON:
            return f"{_wrap(node.left, own + 1)} {node.op} {_wrap(node.right, own + 1)}"
        return f"{_wrap(node.left, own)} {node.op} {_wrap(node.right, own + 1)}"
    raise TypeError(f"not a condition node: {node!r}")


def _to_text_clarified(node: Node) -> str:
    """:func:`to_text` of a node whose operands may hold ``and``/``or``/``not``."""
    if isinstance(node, ListExpr):
        return "[" + ", ".join(to_text(i, clarify=True) for i in node.items) + "]"
    if isinstance(node, Attribute):
        return f"{_wrap(node.obj, 8, True)}.{node.attr}"
    if isinstance(node, Keyword):
        return f"{node.name}={to_text(node.value, clarify=True)}"
    if isinstance(node, Call):
        args = [to_text(a, clarify=True) for a in node.args] + [to_text(k, clarify=True) for k in node.keywords]
        return f"{node.func}({', '.join(args)})"
    if isinstance(node, Unary):
        return "-" + _wrap(node.operand, 7, True)
    if isinstance(node, Chain):
        parts = [_wrap(node.operands[0], 5, True)]
        for op, operand in zip(node.ops, node.operands[1:]):
            parts += [op, _wrap(operand, 5, True)]
        return " ".join(parts)
    if not isinstance(node, Binary):
        raise TypeError(f"not a condition node: {node!r}")
    own = precedence(node)
    if own == _COMPARISON:
        return f"{_wrap(node.left, own + 1, True)} {node.op} {_wrap(node.right, own + 1, True)}"
    return f"{_wrap(node.left, own, True)} {node.op} {_wrap(node.right, own + 1, True)}"
