"""The condition language's abstract syntax tree: frozen, slotted dataclasses.

Every node carries its source ``span`` (offsets into the condition text) and its
``depth``; neither takes part in equality, so ``parse(print(node)) == node``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator, Union

__all__ = [
    "Span", "Node", "Literal", "ListExpr", "Name", "Attribute", "Call",
    "Keyword", "Unary", "Binary", "BoolOp", "Chain", "children", "walk",
    "COMPARISON_OPS", "ARITHMETIC_OPS",
]

COMPARISON_OPS = ("==", "!=", "<", "<=", ">", ">=", "in", "not in")
ARITHMETIC_OPS = ("+", "-", "*", "/", "%")


@dataclass(frozen=True, slots=True)
class Span:
    """Half-open range of character offsets ``[start, end)`` in the condition."""

    start: int
    end: int


_NOSPAN = Span(0, 0)


def _meta() -> Any:
    return field(default=_NOSPAN, compare=False, repr=False)


def _depth(*kids: "Node") -> int:
    return 1 + max((k.depth for k in kids), default=0)


@dataclass(frozen=True, slots=True)
class Literal:
    """A constant: int, float, str, bool or None."""

    value: int | float | str | bool | None
    span: Span = _meta()

    @property
    def depth(self) -> int:
        return 1


@dataclass(frozen=True, slots=True)
class ListExpr:
    items: tuple["Node", ...]
    span: Span = _meta()
    depth: int = field(default=0, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "depth", _depth(*self.items))


@dataclass(frozen=True, slots=True)
class Name:
    """A fact (or ``now``)."""

    name: str
    span: Span = _meta()

    @property
    def depth(self) -> int:
        return 1


@dataclass(frozen=True, slots=True)
class Attribute:
    """``obj.attr``: a field of an event."""

    obj: "Node"
    attr: str
    span: Span = _meta()
    depth: int = field(default=0, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "depth", _depth(self.obj))


@dataclass(frozen=True, slots=True)
class Keyword:
    """``name=value`` inside a call."""

    name: str
    value: "Node"
    span: Span = _meta()
    depth: int = field(default=0, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "depth", _depth(self.value))


@dataclass(frozen=True, slots=True)
class Call:
    """``func(args..., kw=value...)``; ``name_span`` locates the function name."""

    func: str
    args: tuple["Node", ...] = ()
    keywords: tuple[Keyword, ...] = ()
    span: Span = _meta()
    depth: int = field(default=0, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "depth", _depth(*self.args, *self.keywords))


@dataclass(frozen=True, slots=True)
class Unary:
    """``not x`` or ``-x``."""

    op: str
    operand: "Node"
    span: Span = _meta()
    depth: int = field(default=0, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "depth", _depth(self.operand))


@dataclass(frozen=True, slots=True)
class Binary:
    """A comparison (incl. ``in``/``not in``) or an arithmetic operation."""

    op: str
    left: "Node"
    right: "Node"
    span: Span = _meta()
    depth: int = field(default=0, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "depth", _depth(self.left, self.right))


@dataclass(frozen=True, slots=True)
class BoolOp:
    """``a and b and c`` / ``a or b``: n-ary, evaluated left to right."""

    op: str
    operands: tuple["Node", ...]
    span: Span = _meta()
    depth: int = field(default=0, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "depth", _depth(*self.operands))


@dataclass(frozen=True, slots=True)
class Chain:
    """``a < b < c`` as written. The checker rejects it; it exists so that the
    error can name the whole chain instead of an unexpected token."""

    ops: tuple[str, ...]
    operands: tuple["Node", ...]
    span: Span = _meta()
    depth: int = field(default=0, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "depth", _depth(*self.operands))


Node = Union[Literal, ListExpr, Name, Attribute, Call, Keyword, Unary, Binary,
             BoolOp, Chain]


def children(node: Node) -> tuple[Node, ...]:
    """The direct sub-expressions of ``node``, in source order."""
    if isinstance(node, (BoolOp, Chain)):
        return node.operands
    if isinstance(node, Binary):
        return (node.left, node.right)
    if isinstance(node, Unary):
        return (node.operand,)
    if isinstance(node, Call):
        return (*node.args, *node.keywords)
    if isinstance(node, Keyword):
        return (node.value,)
    if isinstance(node, Attribute):
        return (node.obj,)
    if isinstance(node, ListExpr):
        return node.items
    return ()


def walk(node: Node) -> Iterator[Node]:
    """Every node of the tree, pre-order, without recursion."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(children(current)))
