"""Condition text → AST. This module owns the Lark settings and turns every
Lark error into a :class:`ConditionSyntaxError` in human words.

The AST is built by Lark's LALR parser calling the callbacks below at each
reduction (no parse tree, no recursion), so even pathological input cannot
raise ``RecursionError``; the length and depth bounds are checked here too.
"""

from __future__ import annotations

import math
from typing import Any, cast
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources

from lark import Lark, Token, Transformer
from lark.exceptions import (UnexpectedCharacters, UnexpectedEOF, UnexpectedInput,
                             UnexpectedToken, VisitError)

from engine.errors import ConditionSyntaxError, condition_error
from engine.language.nodes import (Attribute, BoolOp, Binary, Call, Chain, Keyword, ListExpr,
                    Literal, Name, Node, Span, Unary)

__all__ = ["parse", "Limits", "DEFAULT_LIMITS"]


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds on a condition: characters and nesting depth."""

    max_length: int = 10_000
    max_depth: int = 100


DEFAULT_LIMITS = Limits()


def _cover(*items: Any) -> Span:
    """The span from the first to the last of ``items`` (tokens or nodes)."""
    starts, ends = [], []
    for item in items:
        if item is None or isinstance(item, (str, list)) and not isinstance(item, Token):
            continue
        if isinstance(item, Token):
            starts.append(item.start_pos or 0)
            ends.append(item.end_pos or 0)
        else:
            starts.append(item.span.start)
            ends.append(item.span.end)
    return Span(min(starts), max(ends))


def _tok_span(tok: Token) -> Span:
    return Span(tok.start_pos or 0, tok.end_pos or 0)


_ESCAPES = {"n": "\n", "t": "\t", "\\": "\\", '"': '"', "'": "'"}


def _unquote(text: str) -> str:
    body = text[1:-1]
    if "\\" not in body:
        return body
    out, i = [], 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            out.append(_ESCAPES.get(body[i + 1], body[i + 1]))
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


class _Refused(Exception):
    """Text the grammar accepts but the language does not (a number Python
    cannot hold, a positional argument after a keyword one): raised by a
    callback, turned into a :class:`ConditionSyntaxError` by :func:`parse`."""

    def __init__(self, span: Span, message: str, hint: str) -> None:
        super().__init__(message)
        self.span = span
        self.message = message
        self.hint = hint


class _Build(Transformer[Token, Node]):
    """Reduction callbacks: Lark children → AST nodes (no semantic checks)."""

    def or_expr(self, kids: list[Any]) -> Any:
        return BoolOp("or", tuple(kids), _cover(*kids))

    def and_expr(self, kids: list[Any]) -> Any:
        return BoolOp("and", tuple(kids), _cover(*kids))

    def not_(self, kids: list[Any]) -> Any:
        return Unary("not", kids[1], _cover(*kids))

    def neg(self, kids: list[Any]) -> Any:
        return Unary("-", kids[1], _cover(*kids))

    def comparison(self, kids: list[Any]) -> Any:
        operands, ops = kids[0::2], tuple(kids[1::2])
        if len(ops) == 1:
            return Binary(ops[0], operands[0], operands[1], _cover(*operands))
        return Chain(ops, tuple(operands), _cover(*operands))

    def comp_op(self, kids: list[Any]) -> Any:
        return str(kids[0])

    def not_in(self, kids: list[Any]) -> Any:
        return "not in"

    add_op = mul_op = comp_op

    def sum(self, kids: list[Any]) -> Any:
        node = kids[0]
        for op, right in zip(kids[1::2], kids[2::2]):
            node = Binary(op, node, right, Span(node.span.start, right.span.end))
        return node

    product = sum

    def attribute(self, kids: list[Any]) -> Any:
        return Attribute(kids[0], str(kids[1]), _cover(*kids))

    def call(self, kids: list[Any]) -> Any:
        name, arguments, rpar = kids[0], kids[2] or [], kids[3]
        args = tuple(a for a in arguments if not isinstance(a, Keyword))
        kws = tuple(a for a in arguments if isinstance(a, Keyword))
        if kws and arguments.index(kws[0]) < len(args):
            late = next(a for a in arguments[arguments.index(kws[0]):] if not isinstance(a, Keyword))
            raise _Refused(late.span, "a positional argument cannot follow a keyword argument",
                           f"put it before {kws[0].name}=…, or name it")
        return Call(str(name), args, kws, _cover(name, rpar))

    def arguments(self, kids: list[Any]) -> Any:
        return [k for k in kids if k is not None]

    def keyword(self, kids: list[Any]) -> Any:
        return Keyword(str(kids[0]), kids[1], _cover(*kids))

    def int_(self, kids: list[Any]) -> Any:
        try:  # Python refuses to convert integers of more than ~4300 digits
            value = int(kids[0])
        except ValueError:
            raise _Refused(_tok_span(kids[0]), f"number too large ({len(kids[0])} digits)",
                           "use a smaller number") from None
        return Literal(value, _tok_span(kids[0]))

    def decimal(self, kids: list[Any]) -> Any:
        value = float(kids[0])
        if not math.isfinite(value):  # would print as `inf`, which is a name
            raise _Refused(_tok_span(kids[0]), "number too large", "use a smaller number")
        return Literal(value, _tok_span(kids[0]))

    def string(self, kids: list[Any]) -> Any:
        return Literal(_unquote(str(kids[0])), _tok_span(kids[0]))

    def true(self, kids: list[Any]) -> Any:
        return Literal(True, _tok_span(kids[0]))

    def false(self, kids: list[Any]) -> Any:
        return Literal(False, _tok_span(kids[0]))

    def null(self, kids: list[Any]) -> Any:
        return Literal(None, _tok_span(kids[0]))

    def name(self, kids: list[Any]) -> Any:
        return Name(str(kids[0]), _tok_span(kids[0]))

    def paren(self, kids: list[Any]) -> Any:
        # The node written in parentheses spans them too, so that a parent's
        # span (and an error's caret) never ends inside an open bracket.
        return replace(kids[1], span=_cover(*kids))

    def list_(self, kids: list[Any]) -> Any:
        return ListExpr(tuple(k for k in kids[1:-1] if k is not None), _cover(kids[0], kids[-1]))


@lru_cache(maxsize=1)
def _lark() -> Lark:
    # A read-only, reentrant parser: Lark's LALR parser keeps no per-parse
    # state on the object, so one instance serves every thread.
    grammar = resources.files("engine.language").joinpath("grammar.lark").read_text("utf-8")
    return Lark(grammar, parser="lalr", lexer="basic",
                maybe_placeholders=True, transformer=_Build(), start="start")


# Human words for Lark's terminal names.
_WORDS = {
    "_OR": "'or'", "_AND": "'and'", "NOT": "'not'", "IN": "'in'",
    "EQ": "'=='", "NE": "'!='", "LE": "'<='", "GE": "'>='", "LT": "'<'", "GT": "'>'",
    "PLUS": "'+'", "MINUS": "'-'", "STAR": "'*'", "SLASH": "'/'", "PERCENT": "'%'",
    "LPAR": "'('", "RPAR": "')'", "LSQB": "'['", "RSQB": "']'", "COMMA": "','",
    "DOT": "'.'", "EQUAL": "'='", "$END": "the end of the condition",
}
_VALUE_STARTS = {"NAME", "INT", "DECIMAL", "STRING", "TRUE", "FALSE", "NULL",
                 "LPAR", "LSQB", "MINUS", "NOT"}
_OPERATORS = {"_OR", "_AND", "IN", "EQ", "NE", "LE", "GE", "LT", "GT", "PLUS",
              "MINUS", "STAR", "SLASH", "PERCENT", "NOT", "DOT"}


def _describe_expected(expected: set[str]) -> str:
    parts: list[str] = []
    if expected == {"NAME"}:
        return "a name"
    if expected & _VALUE_STARTS and "NAME" in expected:
        parts.append("a value (a fact, a number, a string, a call or '(')")
        expected = expected - _VALUE_STARTS
    if expected & _OPERATORS and len(expected & _OPERATORS) > 3:
        parts.append("an operator such as 'and', 'or', '==' or '+'")
        expected = expected - _OPERATORS
    closers = [_WORDS[t] for t in ("RPAR", "RSQB", "COMMA") if t in expected]
    parts.extend(closers)
    if "$END" in expected:
        parts.append("the end of the condition")
    if not parts:
        return "something else"
    if len(parts) == 1:
        return parts[0]
    return ", ".join(parts[:-1]) + " or " + parts[-1]


def _token_words(tok: Token) -> str:
    if tok.type == "$END":
        return "the end of the condition"
    return f"'{tok}'"


def syntax_error(text: str, offset: int, message: str, *, hint: str | None = None,
                 length: int = 1, code: str = "RULES-E001") -> ConditionSyntaxError:
    """A :class:`ConditionSyntaxError` at ``offset`` of ``text``."""
    err = condition_error(ConditionSyntaxError, text, offset, message, length=length,
                          hint=hint, code=code)
    return cast(ConditionSyntaxError, err)


def _previous_token(text: str, offset: int) -> str | None:
    """The text of the token just before ``offset`` (for 'after X' messages)."""
    before = text[:offset].rstrip()
    if not before:
        return None
    end = len(before)
    i = end
    if before[-1].isalnum() or before[-1] == "_":
        while i > 0 and (before[i - 1].isalnum() or before[i - 1] == "_"):
            i -= 1
    else:
        while i > 0 and before[i - 1] in "=!<>+-*/%.,([])" and end - i < 2:
            i -= 1
            if before[i] in "([]),.":
                break
    return before[i:end]


#: Operators written the wrong way round, as the character after a stray '=' shows.
_REVERSED = {"<": "<=", ">": ">=", "!": "!="}


def _equal_sign_hint(text: str, offset: int) -> str:
    """The hint for a stray '=': ``=<`` → ``<=``, ``=>`` → ``>=``, ``=!`` → ``!=``."""
    after = text[offset + 1: offset + 2]
    if after in _REVERSED:
        return f"write '{_REVERSED[after]}': the '=' comes second"
    return "use '==' to compare"


def _convert(text: str, err: UnexpectedInput) -> ConditionSyntaxError:
    if isinstance(err, UnexpectedCharacters):
        offset = err.pos_in_stream or 0
        ch = text[offset]
        if ch in "\"'":
            return syntax_error(text, offset, "unterminated string",
                                hint=f"close the string with {ch}")
        hint = None
        if ch == "=":
            hint = _equal_sign_hint(text, offset)
        elif ch == "&":
            hint = "use 'and'"
        elif ch == "|":
            hint = "use 'or'"
        elif ch == "!":
            hint = "use 'not' or '!='"
        return syntax_error(text, offset, f"unexpected character {ch!r}", hint=hint)
    if isinstance(err, (UnexpectedToken, UnexpectedEOF)):
        tok = err.token
        offset = tok.start_pos if tok.type != "$END" and tok.start_pos is not None else len(text.rstrip())
        expected = set(err.expected) if err.expected else set()
        prev = _previous_token(text, offset)
        what = _describe_expected(expected)
        message = f"expected {what}"
        if prev is not None:
            message += f" after '{prev}'"
        message += f", found {_token_words(tok)}"
        hint = None
        if tok.type == "EQUAL":
            hint = _equal_sign_hint(text, offset)
        elif tok.type in ("_AND", "_OR") and prev in ("and", "or", "not"):
            hint = f"'{prev}' needs a value on its right"
        elif tok.type == "$END" and "RPAR" in expected:
            hint = "a '(' is not closed"
        length = max(1, len(str(tok))) if tok.type != "$END" else 1
        return syntax_error(text, offset, message, hint=hint, length=length)
    return syntax_error(text, 0, str(err).splitlines()[0])


def _check_bounds(text: str, limits: Limits) -> None:
    """Reject over-long text and over-deep brackets before Lark sees them."""
    if len(text) > limits.max_length:
        raise syntax_error(text, limits.max_length,
                           f"condition is {len(text)} characters long; the limit is {limits.max_length}",
                           hint="split the rule, or define a fact in the vocabulary",
                           code="RULES-E002")
    depth = 0
    quote = None
    escaped = False
    for i, ch in enumerate(text):
        if quote:  # brackets inside a string are text, and \" does not end it
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == quote:
                quote = None
            continue
        if ch in "\"'":
            quote = ch
        elif ch in "([":
            depth += 1
            if depth > limits.max_depth:
                raise syntax_error(text, i, f"brackets nested deeper than {limits.max_depth}",
                                   hint="simplify the condition", code="RULES-E002")
        elif ch in ")]":
            depth -= 1


def _check_depth(text: str, node: Node, limits: Limits) -> None:
    if node.depth <= limits.max_depth:
        return
    # Walk down the deepest path (iteratively) to point at the excess.
    from engine.language.nodes import children
    current = node
    while current.depth > limits.max_depth:
        kids = children(current)
        current = max(kids, key=lambda k: k.depth)
    raise syntax_error(text, current.span.start,
                       f"condition nested deeper than {limits.max_depth}",
                       hint="simplify the condition", code="RULES-E002")


def parse(text: str, limits: Limits = DEFAULT_LIMITS) -> Node:
    """Parse condition ``text`` into an AST.

    Raises :class:`ConditionSyntaxError` (and nothing else) for any text.
    """
    if not isinstance(text, str):
        raise ConditionSyntaxError(f"a condition must be a string, not {type(text).__name__}")
    _check_bounds(text, limits)
    if not text.strip():
        raise syntax_error(text, 0, "empty condition", hint="write an expression such as `thank_you_sent`")
    try:
        node = _lark().parse(text)
    except UnexpectedInput as err:
        raise _convert(text, err) from None
    except _Refused as err:
        raise syntax_error(text, err.span.start, err.message, hint=err.hint,
                           length=max(1, err.span.end - err.span.start)) from None
    except VisitError as err:  # a callback failed: a bug, but never a traceback for users
        raise syntax_error(text, 0, f"cannot parse condition: {err.orig_exc}") from None
    except RecursionError:
        raise syntax_error(text, 0, "condition nested too deeply", code="RULES-E002") from None
    # The reduction callbacks build AST nodes, so the result is a Node.
    result: Node = node  # type: ignore[assignment]
    _check_depth(text, result, limits)
    return result
