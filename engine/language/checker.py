"""The pass after parsing: resolve names and functions against a scope (the
vocabulary), infer static types, reject what cannot be right, fold constants.

Every problem is a :class:`ConditionTypeError` (or syntax error for chained
comparisons) pointing at the offending span, with a did-you-mean where a name
is unknown. Nothing here runs at evaluation time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, Mapping, Protocol

from engine.base.suggestions import suggest
from engine.errors import ConditionError, ConditionSyntaxError, ConditionTypeError, condition_error
from engine.language.builtins import FunctionSpec
from engine.language.nodes import (Attribute, Binary, BoolOp, Call, Chain, Keyword, ListExpr, Literal,
                    Name, Node, Unary)
from engine.language.printer import to_text
from engine.language.semantics import binary, kleene_and, kleene_not, kleene_or, negate
from engine.language.types import (ANY, BOOL, DATETIME, INT, NULL, NUMBER, STRING, Type, assignable,
                    enum_of, equatable, event_of, list_of, orderable, type_of_value, unify)

__all__ = ["Scope", "Checked", "check", "EVENT_BUILTIN_FIELDS"]

#: Fields every event has, whatever its type.
EVENT_BUILTIN_FIELDS: Mapping[str, Type] = {"at": DATETIME, "type": STRING,
                                            "id": STRING, "note": STRING}


class Scope(Protocol):
    """What the checker needs to know about the world (the vocabulary)."""

    def fact_type(self, name: str) -> Type | None: ...
    def fact_names(self) -> Iterable[str]: ...
    def function(self, name: str) -> FunctionSpec | None: ...
    def function_names(self) -> Iterable[str]: ...
    def event_fields(self, event_type: str) -> Mapping[str, Type] | None: ...
    def event_types(self) -> Iterable[str]: ...


@dataclass(frozen=True, slots=True)
class Checked:
    """A checked (and folded) expression: its tree, type and dependencies."""

    node: Node
    type: Type
    facts: frozenset[str]
    functions: frozenset[str]


def check(node: Node, scope: Scope, text: str | None = None, *,
          expect: Type | None = BOOL) -> Checked:
    """Type-check ``node`` (parsed from ``text``) in ``scope``.

    With ``expect=BOOL`` (the default) the expression must be a condition.
    """
    checker = _Checker(scope, text if text is not None else to_text(node))
    folded, typ = checker.visit(node)
    if expect is not None and not assignable(typ, expect):
        raise checker.error(node, f"a condition must be {expect}, but this is {typ}",
                            "compare it, e.g. `x > 0`, or test it with exists(x)", "RULES-E007")
    return Checked(folded, typ, frozenset(checker.facts), frozenset(checker.functions))


class _Checker:
    def __init__(self, scope: Scope, text: str) -> None:
        self.scope = scope
        self.text = text
        self.facts: set[str] = set()
        self.functions: set[str] = set()

    def error(self, node: Node, message: str, hint: str | None = None,
              code: str = "RULES-E005",
              cls: type[ConditionError] = ConditionTypeError) -> ConditionError:
        span = node.span
        return condition_error(cls, self.text, span.start, message,
                               length=max(1, span.end - span.start), hint=hint, code=code)

    # -- dispatch -----------------------------------------------------------
    def visit(self, node: Node) -> tuple[Node, Type]:
        method: Callable[[Node], tuple[Node, Type]] = getattr(self, "visit_" + type(node).__name__)
        return method(node)

    def visit_Literal(self, node: Literal) -> tuple[Node, Type]:
        return node, type_of_value(node.value)

    def visit_ListExpr(self, node: ListExpr) -> tuple[Node, Type]:
        items, item_type = [], NULL
        for item in node.items:
            folded, t = self.visit(item)
            joined = unify(item_type, t)
            if joined is None:
                raise self.error(item, f"a list cannot mix {item_type} and {t}")
            item_type = joined
            items.append(folded)
        return ListExpr(tuple(items), node.span), list_of(ANY if item_type == NULL else item_type)

    def visit_Name(self, node: Name) -> tuple[Node, Type]:
        t = self.scope.fact_type(node.name)
        if t is None:
            if self.scope.function(node.name) is not None:
                raise self.error(node, f"'{node.name}' is a function, not a fact",
                                 f"call it: {node.name}(…)", "RULES-E003")
            raise self.error(node, f"unknown fact '{node.name}'",
                             suggest(node.name, self.scope.fact_names()) or
                             "see docs/vocabulary.md for the facts you can use", "RULES-E003")
        self.facts.add(node.name)
        return node, t

    def visit_Attribute(self, node: Attribute) -> tuple[Node, Type]:
        obj, t = self.visit(node.obj)
        if t.name not in ("event", "any"):
            raise self.error(node, f"'.{node.attr}' needs an event, but this is {t}",
                             'events come from last("type") or first("type")')
        if node.attr == "type" and t.event is not None:  # last("x").type is "x"
            return Attribute(obj, node.attr, node.span), enum_of((t.event,))
        if node.attr in EVENT_BUILTIN_FIELDS:
            return Attribute(obj, node.attr, node.span), EVENT_BUILTIN_FIELDS[node.attr]
        if t.name == "any" or t.event is None:
            return Attribute(obj, node.attr, node.span), ANY
        fields = self.scope.event_fields(t.event) or {}
        if node.attr not in fields:
            known = [*fields, *EVENT_BUILTIN_FIELDS]
            raise self.error(node, f"'{t.event}' events have no field '{node.attr}'",
                             suggest(node.attr, known) or f"fields: {', '.join(sorted(known))}",
                             "RULES-E003")
        return Attribute(obj, node.attr, node.span), fields[node.attr]

    def visit_Call(self, node: Call) -> tuple[Node, Type]:
        spec = self.scope.function(node.func)
        if spec is None:
            hint = suggest(node.func, self.scope.function_names())
            if hint is None and self.scope.fact_type(node.func) is not None:
                hint = f"'{node.func}' is a fact: drop the parentheses"
            raise self.error(node, f"unknown function '{node.func}'", hint, "RULES-E004")
        self.functions.add(node.func)
        positional = [p for p in spec.params if not p.keyword_only]
        if spec.variadic:
            if not node.args:
                raise self.error(node, f"{node.func}() needs at least one argument",
                                 spec.signature(), "RULES-E004")
            bound = [(positional[0], a) for a in node.args]
        else:
            if len(node.args) > len(positional):
                raise self.error(node, f"{node.func}() takes {_plural(len(positional), 'argument')}, "
                                 f"got {len(node.args)}", spec.signature(), "RULES-E004")
            bound = list(zip(positional, node.args))
        names = {p.name: p for p in spec.params}
        given = {p.name for p, _ in bound}
        for kw in node.keywords:
            param = names.get(kw.name)
            if param is None:
                raise self.error(kw, f"{node.func}() has no argument '{kw.name}'",
                                 suggest(kw.name, names) or spec.signature(), "RULES-E004")
            if kw.name in given:
                raise self.error(kw, f"{node.func}() got '{kw.name}' twice", spec.signature(),
                                 "RULES-E004")
            given.add(kw.name)
            bound.append((param, kw.value))
        missing = [p.name for p in spec.params if p.required and p.name not in given]
        if missing:
            raise self.error(node, f"{node.func}() is missing argument '{missing[0]}'",
                             spec.signature(), "RULES-E004")
        arg_types: list[Type] = []
        folded_args: list[Node] = []
        folded_kws: list[Keyword] = []
        for param, arg in bound:
            folded, t = self.visit(arg)
            if not assignable(t, param.type):
                raise self.error(arg, f"{node.func}() expects {param.type} for '{param.name}', got {t}",
                                 spec.signature())
            arg_types.append(t)
            if param.keyword_only or any(k.value is arg for k in node.keywords):
                folded_kws.append(Keyword(param.name, folded, arg.span))
            else:
                folded_args.append(folded)
        if spec.accepts is not None:
            problem = spec.accepts(arg_types)
            if problem:
                raise self.error(node, f"{node.func}() {problem}", spec.signature())
        returns: Type | None
        if spec.event_type_arg:
            returns = self._event_type_arg(node, spec)
        elif isinstance(spec.returns, Type):
            returns = spec.returns
        else:
            returns = spec.returns(arg_types)
        if returns is None:
            raise self.error(node, f"{node.func}() arguments have no common type: "
                             + ", ".join(map(str, arg_types)), spec.signature())
        return Call(node.func, tuple(folded_args), tuple(folded_kws), node.span), returns

    def _event_type_arg(self, node: Call, spec: FunctionSpec) -> Type:
        arg = node.args[0] if node.args else None
        if not isinstance(arg, Literal) or not isinstance(arg.value, str):
            raise self.error(arg or node, f"{node.func}() needs an event type name in quotes",
                             f'e.g. {node.func}("interview")', "RULES-E004")
        if self.scope.event_fields(arg.value) is None:
            raise self.error(arg, f"unknown event type '{arg.value}'",
                             suggest(arg.value, self.scope.event_types()) or
                             "see docs/vocabulary.md for the event types", "RULES-E003")
        return spec.returns if isinstance(spec.returns, Type) else event_of(arg.value)

    def visit_Keyword(self, node: Keyword) -> tuple[Node, Type]:  # only inside calls
        raise self.error(node, "a keyword argument outside a call")

    def visit_Unary(self, node: Unary) -> tuple[Node, Type]:
        operand, t = self.visit(node.operand)
        if node.op == "not":
            if not assignable(t, BOOL):
                raise self.error(node.operand, f"'not' needs a boolean, got {t}",
                                 "use `not exists(x)` to test for an unknown value")
            result: Node = Unary("not", operand, node.span)
            if isinstance(operand, Literal):
                result = Literal(kleene_not(operand.value), node.span)
            return result, BOOL
        if not (assignable(t, NUMBER)):
            raise self.error(node.operand, f"'-' needs a number, got {t}")
        if isinstance(operand, Literal) and not isinstance(operand.value, bool):
            return Literal(negate(operand.value), node.span), t
        return Unary("-", operand, node.span), t

    def visit_BoolOp(self, node: BoolOp) -> tuple[Node, Type]:
        operands = []
        for operand in node.operands:
            folded, t = self.visit(operand)
            if not assignable(t, BOOL):
                raise self.error(operand, f"'{node.op}' needs booleans on both sides, got {t}",
                                 "compare it, e.g. `x > 0`, or use exists(x)")
            operands.append(folded)
        if all(isinstance(o, Literal) for o in operands):
            fn = kleene_and if node.op == "and" else kleene_or
            return Literal(fn(o.value for o in operands), node.span), BOOL  # type: ignore[union-attr]
        return BoolOp(node.op, tuple(operands), node.span), BOOL

    def visit_Chain(self, node: Chain) -> tuple[Node, Type]:
        a, op1, b, op2, c = (to_text(node.operands[0]), node.ops[0], to_text(node.operands[1]),
                             node.ops[1], to_text(node.operands[2]))
        raise self.error(node, "chained comparisons are not allowed",
                         f"write `{a} {op1} {b} and {b} {op2} {c}`", "RULES-E006",
                         ConditionSyntaxError)

    def visit_Binary(self, node: Binary) -> tuple[Node, Type]:
        left, lt = self.visit(node.left)
        right, rt = self.visit(node.right)
        op = node.op
        for side, t in ((node.left, lt), (node.right, rt)):
            if t == NULL and op in ("==", "!=", "<", "<=", ">", ">="):
                raise self.error(side, "comparing with null is always unknown",
                                 "use exists(x) or not exists(x)")
        if op in ("==", "!="):
            if not equatable(lt, rt):
                raise self.error(node, f"'{op}' compares {lt} with {rt}: never equal",
                                 "compare values of the same type")
            self._check_enum_literal(node.left, lt, right)
            self._check_enum_literal(node.right, rt, left)
            result_type = BOOL
        elif op in ("<", "<=", ">", ">="):
            if not orderable(lt, rt):
                raise self.error(node, f"'{op}' cannot order {lt} and {rt}",
                                 "compare numbers, strings, or dates and times")
            for side, t in ((node.left, lt), (node.right, rt)):
                if t.values is not None:  # alphabetical order means nothing for "pending", "offer"
                    raise self.error(node, f"'{op}' orders {to_text(side)} alphabetically, but its "
                                     "values have no order",
                                     f"compare with '==' or 'in': {to_text(side)} in "
                                     "[" + ", ".join(f'"{v}"' for v in t.values[:2]) + "]",
                                     "RULES-E005")
            result_type = BOOL
        elif op in ("in", "not in"):
            if rt.name == "string" and assignable(lt, STRING):
                pass
            elif rt.name == "list" and (rt.item is None or equatable(lt, rt.item)):
                pass
            elif rt.name == "string":
                raise self.error(node, f"'{op}' on a string looks for a string, got {lt}",
                                 "compare it with '==', or look in a list: x in [1, 2]")
            elif rt.name != "any":
                raise self.error(node, f"'{op}' needs a list (or a string) on its right, got {rt}"
                                 if rt.name != "list" else f"'{op}' looks for {lt} in {rt}")
            if isinstance(right, ListExpr):
                for item in right.items:
                    self._check_enum_literal(node.left, lt, item)
            elif rt.item is not None:
                self._check_enum_literal(node.right, rt.item, left)
            result_type = BOOL
        else:
            result_type = self._arith_type(node, op, lt, rt)
        if isinstance(left, Literal) and isinstance(right, Literal):
            try:
                value = binary(op, left.value, right.value)
            except (TypeError, ValueError, OverflowError):
                raise self.error(node, f"cannot compute {to_text(node)}") from None
            return Literal(value, node.span), result_type
        return Binary(op, left, right, node.span), result_type

    def _check_enum_literal(self, side: Node, t: Type, other: Node) -> None:
        """``other`` compared with ``side`` of enum type ``t``: a string literal
        outside the enum's values can never match (a silently dead rule)."""
        if t.values is None or not isinstance(other, Literal) or not isinstance(other.value, str):
            return
        value = other.value
        if value in t.values:
            return
        shown = ", ".join(f'"{v}"' for v in t.values)
        raise self.error(other, f'"{value}" is not a value of {to_text(side)} (one of {shown})',
                         _value_hint(value, t.values), "RULES-E005")

    def _arith_type(self, node: Binary, op: str, lt: Type, rt: Type) -> Type:
        if op == "+" and lt.name == "string" and rt.name == "string":
            return STRING
        if not (assignable(lt, NUMBER) and assignable(rt, NUMBER)) or BOOL in (lt, rt):
            raise self.error(node, f"'{op}' needs numbers, got {lt} and {rt}")
        if op == "/":
            return NUMBER
        return INT if lt == INT and rt == INT else NUMBER


def _value_hint(value: str, values: tuple[str, ...]) -> str:
    """Did-you-mean for a literal outside an enum, naming look-alike letters
    (a Cyrillic 'е' in "pеnding") and a difference of case."""
    import unicodedata

    parts: list[str] = []
    lowered = [v for v in values if v.casefold() == value.casefold()]
    if lowered:
        parts.append(f"did you mean '{lowered[0]}'? Values are written exactly as listed.")
    else:
        close = suggest(value, values)
        if close:
            parts.append(close)
    if all(v.isascii() for v in values):
        odd = [c for c in dict.fromkeys(value) if not c.isascii()]
        if odd:
            parts.append("It contains " + ", ".join(
                f"'{c}' (U+{ord(c):04X} {unicodedata.name(c, 'unnamed character')})" for c in odd[:3])
                + ", not a plain ASCII letter.")
    return " ".join(parts) or "use one of the values listed"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
