"""Properties of the condition language, checked with hypothesis:

(a) printing then parsing gives the same tree back;
(b) compiled evaluation agrees with a small reference interpreter written here
    (not engine.language.semantics) on well-typed trees and facts that include nulls;
(c) no text makes ``parse`` raise anything but ConditionSyntaxError;
(d) and/or/not follow Kleene's truth tables on the compiled and traced paths.
"""

from __future__ import annotations

import itertools
import re
from datetime import timedelta
from functools import lru_cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from language_scope import NOW, SCOPE, TZ, Event, Facts, compiled

from engine.language.checker import check
from engine.language.compiler import compile_checked
from engine.errors import ConditionSyntaxError
from engine.language.nodes import (ARITHMETIC_OPS, COMPARISON_OPS, Attribute, Binary, BoolOp, Call,
                          Chain, Keyword, ListExpr, Literal, Name, Node, Unary)
from engine.language.parser import parse
from engine.language.printer import to_text

SETTINGS = settings(max_examples=250, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])

KEYWORDS = {"and", "or", "not", "in", "true", "false", "null"}

# -- (a) round trip ------------------------------------------------------------------

names = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,7}", fullmatch=True).filter(
    lambda s: s not in KEYWORDS)
plain_floats = st.floats(min_value=0, max_value=1e12, allow_nan=False,
                         allow_infinity=False).filter(
    lambda f: re.fullmatch(r"[0-9]+\.[0-9]+", repr(f)) is not None)
literals = st.one_of(
    st.integers(min_value=0, max_value=10**30),
    plain_floats,
    st.text(max_size=12),
    st.sampled_from([True, False, None]),
).map(Literal)


def _compound(children: st.SearchStrategy[Node]) -> st.SearchStrategy[Node]:
    keywords = st.lists(st.builds(Keyword, names, children), max_size=2).map(tuple)
    return st.one_of(
        st.lists(children, max_size=3).map(lambda xs: ListExpr(tuple(xs))),
        st.builds(Attribute, children, names),
        st.builds(Call, names, st.lists(children, max_size=3).map(tuple), keywords),
        st.builds(Unary, st.sampled_from(["not", "-"]), children),
        st.builds(Binary, st.sampled_from(COMPARISON_OPS + ARITHMETIC_OPS), children, children),
        st.builds(BoolOp, st.sampled_from(["and", "or"]),
                  st.lists(children, min_size=2, max_size=4).map(tuple)),
        st.lists(children, min_size=3, max_size=4).flatmap(
            lambda xs: st.lists(st.sampled_from(COMPARISON_OPS), min_size=len(xs) - 1,
                                max_size=len(xs) - 1).map(lambda ops: Chain(tuple(ops), tuple(xs)))),
    )


asts = st.recursive(st.one_of(literals, names.map(Name)), _compound, max_leaves=30)


@SETTINGS
@given(asts)
def test_print_then_parse_gives_the_tree_back(node):
    text = to_text(node)
    again = parse(text)
    assert again == node
    assert repr(again) == repr(node)  # also tells 1 from 1.0 from true
    assert to_text(again) == text


@SETTINGS
@given(asts)
def test_clarified_text_parses_to_the_same_tree(node):
    """`rules fmt` prints conditions with the parentheses a reader expects
    (`(a and b) or c`, `not (x in y)`): the same tree, idempotent."""
    text = to_text(node, clarify=True)
    again = parse(text)
    assert again == node
    assert to_text(again, clarify=True) == text


@SETTINGS
@given(st.text())
def test_any_string_literal_round_trips(value):
    assert repr(parse(to_text(Literal(value)))) == repr(Literal(value))


@SETTINGS
@given(st.floats(min_value=0, allow_nan=False, allow_infinity=False))
def test_any_finite_float_round_trips(value):
    node = parse(to_text(Literal(value)))
    assert repr(node) == repr(Literal(value))


# -- (b) compiled evaluation vs a reference interpreter ------------------------------

def _kleene_and(values):
    values = list(values)
    if any(v is False for v in values):
        return False
    return None if any(v is None for v in values) else True


def _kleene_or(values):
    values = list(values)
    if any(v is True for v in values):
        return True
    return None if any(v is None for v in values) else False


_ARITH = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
          "/": lambda a, b: a / b, "%": lambda a, b: a % b}
_COMPARE = {"==": lambda a, b: a == b, "!=": lambda a, b: a != b, "<": lambda a, b: a < b,
            "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b,
            "in": lambda a, b: a in b, "not in": lambda a, b: a not in b}


def _visible(events, event_type: str) -> list:
    return [e for e in sorted(events, key=lambda e: e.at) if e.type == event_type and e.at <= NOW]


def reference(node: Node, facts: dict, events=()):
    """What the spec says a condition means: null is unknown, a comparison or
    arithmetic with null is null, division or remainder by zero is null, and/or/not
    follow Kleene's logic; events after now are not seen."""
    ev = lambda n: reference(n, facts, events)  # noqa: E731
    if isinstance(node, Literal):
        return node.value
    if isinstance(node, Name):
        return facts[node.name]
    if isinstance(node, ListExpr):
        return tuple(ev(i) for i in node.items)
    if isinstance(node, Unary):
        value = ev(node.operand)
        if value is None:
            return None
        return (not value) if node.op == "not" else -value
    if isinstance(node, BoolOp):
        values = [ev(o) for o in node.operands]
        return _kleene_and(values) if node.op == "and" else _kleene_or(values)
    if isinstance(node, Binary):
        left, right = ev(node.left), ev(node.right)
        if left is None or right is None:
            return None
        if node.op in _COMPARE:
            return _COMPARE[node.op](left, right)
        if node.op in ("/", "%") and right == 0:
            return None
        return _ARITH[node.op](left, right)
    if isinstance(node, Attribute):
        event = ev(node.obj)
        if event is None:
            return None
        return {"at": event.at, "type": event.type}.get(node.attr, event.fields.get(node.attr))
    if isinstance(node, Call) and node.func in ("last", "first"):
        seen = _visible(events, node.args[0].value)
        return (seen[-1] if node.func == "last" else seen[0]) if seen else None
    if isinstance(node, Call) and node.func == "count":
        bounds = {k.name: ev(k.value) for k in node.keywords}
        if any(v is None for v in bounds.values()):
            return None
        after, before = bounds.get("after"), bounds.get("before")
        return sum(1 for e in _visible(events, node.args[0].value)
                   if (after is None or e.at > after) and (before is None or e.at < before))
    if isinstance(node, Call):
        args = [ev(a) for a in node.args]
        if node.func == "exists":
            return args[0] is not None
        if any(a is None for a in args):
            return None
        if node.func == "min":
            return min(args)
        if node.func == "max":
            return max(args)
        if node.func == "len":
            return len(args[0])
        if node.func == "days_since":
            return (NOW.astimezone(TZ).date() - args[0].astimezone(TZ).date()).days
    raise AssertionError(f"the reference does not know {node!r}")


# Generators of well-typed trees, by static type.
_FACTS = {"bool": ["b1", "b2", "b3"], "int": ["i1", "i2", "i3"], "number": ["n1", "n2"],
          "string": ["s1", "s2"], "datetime": ["t1", "t2", "now"], "list": ["tags"]}
_small_text = st.text(alphabet="ab\"'\\\n ", max_size=4)
_leaf_literals = {
    "bool": st.sampled_from([True, False]).map(Literal),
    "int": st.integers(min_value=0, max_value=20).map(Literal),
    "number": st.sampled_from([0.0, 0.5, 1.5, 2.25, 10.0]).map(Literal),
    "string": _small_text.map(Literal),
    "datetime": st.nothing(),
    "list": st.lists(_small_text.map(Literal), max_size=3).map(lambda xs: ListExpr(tuple(xs))),
}


def _leaves(t: str) -> st.SearchStrategy[Node]:
    return st.one_of(st.sampled_from(_FACTS[t]).map(Name), _leaf_literals[t])


_event_types = st.sampled_from(["interview", "follow_up_sent", "reply_received"])


def _last(event_type: str) -> Call:
    return Call("last", (Literal(event_type),))


def _first(event_type: str) -> Call:
    return Call("first", (Literal(event_type),))


@lru_cache(maxsize=None)
def typed(t: str, depth: int) -> st.SearchStrategy[Node]:
    """Trees of static type ``t`` (bool, int, number, string, datetime, list)."""
    if depth == 0:
        return _leaves(t)
    sub = lambda u: typed(u, depth - 1)  # noqa: E731
    numeric = st.one_of(sub("int"), sub("number"))
    options: list[st.SearchStrategy[Node]] = [_leaves(t)]
    if t == "bool":
        maybe_null = st.one_of(sub("bool"), st.just(Literal(None)))
        options += [
            st.builds(Unary, st.just("not"), maybe_null),
            st.builds(BoolOp, st.sampled_from(["and", "or"]),
                      st.lists(maybe_null, min_size=2, max_size=3).map(tuple)),
            st.builds(Binary, st.sampled_from(COMPARISON_OPS[:6]), numeric, numeric),
            st.builds(Binary, st.sampled_from(COMPARISON_OPS[:6]), sub("string"), sub("string")),
            st.builds(Binary, st.sampled_from(COMPARISON_OPS[:6]), sub("datetime"), sub("datetime")),
            st.builds(Binary, st.sampled_from(["==", "!="]), sub("bool"), sub("bool")),
            st.builds(Binary, st.sampled_from(["in", "not in"]), sub("string"),
                      st.one_of(sub("string"), sub("list"))),
            st.builds(lambda x: Call("exists", (x,)),
                      st.one_of(sub("int"), sub("string"), sub("datetime"), sub("bool"))),
            st.just(Attribute(_last("reply_received"), "will_contact")),
            # an event's .type is an enum of one value: compared, never ordered
            st.builds(lambda t, op: Binary(op, Attribute(_last(t), "type"), Literal(t)),
                      _event_types, st.sampled_from(["==", "!="])),
        ]
    elif t == "int":
        options += [
            st.builds(Unary, st.just("-"), sub("int")),
            st.builds(Binary, st.sampled_from(["+", "-", "*", "%"]), sub("int"), sub("int")),
            st.builds(lambda x: Call("days_since", (x,)), sub("datetime")),
            st.builds(lambda x: Call("len", (x,)), st.one_of(sub("string"), sub("list"))),
            st.builds(lambda f, xs: Call(f, tuple(xs)), st.sampled_from(["min", "max"]),
                      st.lists(sub("int"), min_size=1, max_size=3)),
            st.builds(lambda t, kws: Call("count", (Literal(t),), tuple(kws)), _event_types,
                      st.lists(st.builds(Keyword, st.sampled_from(["after", "before"]),
                                         sub("datetime")),
                               max_size=2, unique_by=lambda k: k.name)),
            st.just(Call("len", (Attribute(_last("interview"), "interviewers"),))),
        ]
    elif t == "number":
        options += [
            st.builds(Unary, st.just("-"), sub("number")),
            st.builds(Binary, st.sampled_from(ARITHMETIC_OPS), numeric, sub("number")),
            st.builds(Binary, st.just("/"), sub("int"), sub("int")),
            st.builds(lambda f, xs: Call(f, tuple(xs)), st.sampled_from(["min", "max"]),
                      st.lists(numeric, min_size=1, max_size=3)),
        ]
    elif t == "string":
        options += [st.builds(Binary, st.just("+"), sub("string"), sub("string")),
                    st.sampled_from([Attribute(_last("reply_received"), "tone"),
                                     Attribute(_first("interview"), "format")])]
    elif t == "datetime":
        options += [st.builds(lambda f, xs: Call(f, tuple(xs)), st.sampled_from(["min", "max"]),
                              st.lists(sub("datetime"), min_size=1, max_size=2)),
                    st.builds(lambda f, t: Attribute(Call(f, (Literal(t),)), "at"),
                              st.sampled_from(["last", "first"]), _event_types)]
    return st.one_of(*options)


def _maybe(values: st.SearchStrategy) -> st.SearchStrategy:
    return st.one_of(st.none(), values, values)


_moments = st.integers(min_value=-40 * 24, max_value=10 * 24).map(
    lambda h: NOW + timedelta(hours=h))
fact_values = st.fixed_dictionaries({
    **{name: _maybe(st.booleans()) for name in _FACTS["bool"]},
    **{name: _maybe(st.integers(min_value=-50, max_value=50)) for name in _FACTS["int"]},
    **{name: _maybe(st.floats(min_value=-1e3, max_value=1e3, allow_nan=False))
       for name in _FACTS["number"]},
    **{name: _maybe(_small_text) for name in _FACTS["string"]},
    "t1": _maybe(_moments), "t2": _maybe(_moments),
    "tags": _maybe(st.lists(_small_text, max_size=3).map(tuple)),
})


_event = st.one_of(
    st.builds(lambda fields: ("interview", fields), st.fixed_dictionaries({}, optional={
        "interviewers": st.lists(_small_text, min_size=1, max_size=3).map(tuple),
        "format": st.sampled_from(["video", "phone"])})),
    st.builds(lambda fields: ("follow_up_sent", fields), st.fixed_dictionaries({}, optional={
        "channel": st.sampled_from(["email", "phone"])})),
    st.builds(lambda fields: ("reply_received", fields), st.fixed_dictionaries({}, optional={
        "tone": st.sampled_from(["positive", "neutral"]), "will_contact": st.booleans()})),
)
# Distinct moments (hours from now; some in the future, which must not count).
event_lists = st.lists(st.integers(min_value=-40 * 24, max_value=5 * 24), max_size=6,
                       unique=True).flatmap(
    lambda hours: st.lists(_event, min_size=len(hours), max_size=len(hours)).map(
        lambda kinds: [Event(kind, NOW + timedelta(hours=h), fields)
                       for h, (kind, fields) in zip(hours, kinds)]))


def _same(a, b) -> bool:
    return a == b and type(a) is type(b)


@SETTINGS
@given(st.sampled_from(["bool", "int", "number", "string", "datetime"]).flatmap(
    lambda t: typed(t, 3)), st.lists(st.tuples(fact_values, event_lists), min_size=1, max_size=4))
def test_compiled_evaluation_matches_the_reference(node, fact_sets):
    text = to_text(node)
    parsed = parse(text)
    assert parsed == node
    expr = compile_checked(check(parsed, SCOPE, text, expect=None), SCOPE.functions)
    for values, events in fact_sets:
        ctx = Facts(values, events=events)
        expected = reference(node, dict(ctx), events)
        fast = expr(ctx)
        traced, _ = expr.trace(ctx)
        assert _same(fast, expected), (text, values, events, fast, expected)
        assert _same(traced, expected), (text, values, events, traced, expected)


@SETTINGS
@given(typed("bool", 3), st.lists(fact_values, min_size=1, max_size=4))
def test_conditions_are_true_false_or_null(node, fact_sets):
    expr = compiled(to_text(node))
    for values in fact_sets:
        assert expr(Facts(values)) in (True, False, None)


@SETTINGS
@given(st.lists(typed("bool", 3), min_size=1, max_size=6),
       st.lists(st.tuples(fact_values, event_lists), min_size=1, max_size=3))
def test_a_rule_set_compiled_as_one_function_fires_what_the_reference_says(nodes, fact_sets):
    """``compile_rule_set`` (every condition of a policy set in one generated
    function, facts and shared calls read once): the rules it gives are those
    whose condition the reference evaluates to true, for conditions sharing
    facts and calls, nulls included."""
    from engine.language.compiler import compile_rule_set

    exprs = [compile_checked(check(parse(to_text(n)), SCOPE, to_text(n), expect=None), SCOPE.functions)
             for n in nodes]
    indices = [(2 * i, 2 * i + 1) for i in range(len(nodes))]  # two rules per condition
    fired = compile_rule_set(exprs, indices)
    assert fired is not None
    for values, events in fact_sets:
        ctx = Facts(values, events=events)
        expected = sorted(i for n, rules in zip(nodes, indices)
                          if reference(n, dict(ctx), events) is True for i in rules)
        assert fired(Facts(values, events=events)) == expected, ([to_text(n) for n in nodes], values)


# -- (c) parse raises nothing but ConditionSyntaxError --------------------------------

_TOKENS = ["and", "or", "not", "in", "not in", "true", "false", "null", "x", "f", "_a1",
           "(", ")", "[", "]", ",", ".", "=", "==", "!=", "<", "<=", ">", ">=", "+", "-",
           "*", "/", "%", "!", "&", "|", "0", "12", "3.5", "1.", ".5", "1e5", '"', "'",
           '"a b"', "'c'", r'"\"', "\\", "\n", " ", "\t", "é", "\x00", "🙂", "9" * 400]
token_soup = st.lists(st.sampled_from(_TOKENS), max_size=40).map("".join)
spaced_soup = st.lists(st.sampled_from(_TOKENS), max_size=40).map(" ".join)


def _parse_or_syntax_error(text: str) -> None:
    try:
        node = parse(text)
    except ConditionSyntaxError as err:
        assert err.line is None or err.line >= 1
        assert err.column is None or err.column >= 1
        err.render()
        return
    # What parses, prints and parses back the same.
    assert parse(to_text(node)) == node


@SETTINGS
@given(st.one_of(st.text(max_size=300), token_soup, spaced_soup))
def test_parse_raises_only_condition_syntax_errors(text):
    _parse_or_syntax_error(text)


@SETTINGS
@given(asts, st.data())
def test_damaged_conditions_raise_only_condition_syntax_errors(node, data):
    text = to_text(node)
    if text:
        i = data.draw(st.integers(min_value=0, max_value=len(text) - 1))
        cut = data.draw(st.integers(min_value=0, max_value=3))
        insert = data.draw(st.sampled_from(["", "(", ")", '"', "'", "\\", "=", " and ", ","]))
        text = text[:i] + insert + text[i + cut:]
    _parse_or_syntax_error(text)


# -- (d) Kleene truth tables -----------------------------------------------------------

VALUES = (True, None, False)
_RANK = {False: 0, None: 1, True: 2}  # and = min, or = max, in this order


def _table_and(*xs):
    return min(xs, key=_RANK.__getitem__)


def _table_or(*xs):
    return max(xs, key=_RANK.__getitem__)


def _literal(v) -> str:
    return {True: "true", False: "false", None: "null"}[v]


# Operand forms: a fact (nullable, plain path), a comparison (nullable compound),
# and the value as a literal (folded by the checker).
_FORMS = {
    "fact": (lambda i: f"b{i}", lambda i, v: {f"b{i}": v}),
    "comparison": (lambda i: f"i{i} > 0", lambda i, v: {f"i{i}": None if v is None else (1 if v else -1)}),
}


def _run(text: str, values: dict):
    expr = compiled(text)
    ctx = Facts(values)
    return expr(ctx), expr.trace(ctx)[0]


@pytest.mark.parametrize("form", sorted(_FORMS))
@pytest.mark.parametrize("op, table", [("and", _table_and), ("or", _table_or)])
@pytest.mark.parametrize("arity", [2, 3])
def test_kleene_truth_tables(form, op, table, arity):
    operand, fact = _FORMS[form]
    text = f" {op} ".join(operand(i + 1) for i in range(arity))
    combos = list(itertools.product(VALUES, repeat=arity))
    assert len(combos) == 3 ** arity  # 9 or 27
    for combo in combos:
        values: dict = {}
        for i, v in enumerate(combo):
            values.update(fact(i + 1, v))
        expected = table(*combo)
        assert _run(text, values) == (expected, expected), (text, combo)
        literal_text = f" {op} ".join(_literal(v) for v in combo)
        assert _run(literal_text, {}) == (expected, expected), literal_text


@pytest.mark.parametrize("form", sorted(_FORMS))
def test_kleene_not(form):
    operand, fact = _FORMS[form]
    for v in VALUES:
        expected = None if v is None else not v
        assert _run(f"not ({operand(1)})", fact(1, v)) == (expected, expected)
        assert _run(f"not {_literal(v)}", {}) == (expected, expected)


def test_kleene_mixed_with_never_null_operands():
    # exists(...) is never null: the compiler takes another code path for it.
    for b, d in itertools.product(VALUES, (None, NOW)):
        known = d is not None
        values = {"b1": b, "deadline": d}
        assert _run("b1 and exists(deadline)", values)[0] is _table_and(b, known)
        assert _run("exists(deadline) or b1", values)[0] is _table_or(known, b)
        assert _run("not exists(deadline) and not b1", values)[0] is _table_and(
            not known, None if b is None else not b)
