"""engine.language.compiler: the generated fast path and the tracing interpreter give the
same (Kleene, null-aware) values; user text never becomes code; conditions too
deep for Python's own parser still run."""

from __future__ import annotations

import ast
import pickle
import threading
from datetime import timedelta

import pytest
from language_scope import NOW, SCOPE, Event, Facts, checked, compiled, evaluate, facts

from engine.language.checker import check
from engine.language.compiler import CompiledExpr, _Generator, compile_checked, get_field, interpret
from engine.language.nodes import Binary, BoolOp, Call, Literal, Name, walk
from engine.language.parser import Limits, parse

DAY = timedelta(days=1)


def both(text: str, ctx) -> tuple:
    """(fast value, traced value) of ``text`` in ``ctx``."""
    expr = compiled(text, expect=None)
    return expr(ctx), expr.trace(ctx)[0]


# -- values -------------------------------------------------------------------

@pytest.mark.parametrize("text, values, expected", [
    ("days_since(deadline) >= 3 and contacts_since_deadline == 0",
     {"deadline": NOW - 4 * DAY, "contacts_since_deadline": 0}, True),
    ("days_since(deadline) >= 3 and contacts_since_deadline == 0",
     {"deadline": NOW - 2 * DAY, "contacts_since_deadline": 0}, False),
    ("days_since(deadline) >= 3 and contacts_since_deadline == 0",
     {"deadline": None, "contacts_since_deadline": 0}, None),
    ("days_since(deadline) >= 3 and contacts_since_deadline == 0",
     {"deadline": None, "contacts_since_deadline": 2}, False),
    ("i1 + i2 * 2 == 7", {"i1": 1, "i2": 3}, True),
    ("i1 - i2 - 1", {"i1": 5, "i2": 3}, 1),
    ("i1 / i2", {"i1": 7, "i2": 2}, 3.5),
    ("i1 / i2", {"i1": 7, "i2": 0}, None),
    ("i1 % i2", {"i1": 7, "i2": 0}, None),
    ("n1 % i2", {"n1": -7.5, "i2": 2}, 0.5),
    ("-i1", {"i1": 4}, -4),
    ("-i1", {"i1": None}, None),
    ("s1 + s2", {"s1": "ab", "s2": "cd"}, "abcd"),
    ("s1 in s2", {"s1": "b", "s2": "abc"}, True),
    ("s1 in tags", {"s1": "b", "tags": ("a", "b")}, True),
    ("s1 not in tags", {"s1": "b", "tags": ("a", "b")}, False),
    ("s1 in tags", {"s1": None, "tags": ("a",)}, None),
    ("s1 in tags", {"s1": "a", "tags": None}, None),
    ("i1 in [i2, 3]", {"i1": 3, "i2": None}, True),
    ("tags == [s1, \"x\"]", {"tags": ("a", "x"), "s1": "a"}, True),
    ("min(i1, i2, 5)", {"i1": 7, "i2": 6}, 5),
    ("max(i1, n1)", {"i1": 7, "n1": None}, None),
    ("exists(deadline)", {"deadline": None}, False),
    ("exists(deadline)", {"deadline": NOW}, True),
    ("not exists(deadline) or days_since(deadline) > 1", {"deadline": None}, True),
    ("t1 < t2", {"t1": NOW - DAY, "t2": NOW}, True),
    ("max(t1, t2) == t2", {"t1": NOW - DAY, "t2": NOW}, True),
    ("weekday(now)", {}, "monday"),
    ("local_hour(now)", {}, 9),
    ("days_until(t1)", {"t1": NOW + 3 * DAY}, 3),
    ("weeks_since(t1)", {"t1": NOW - 15 * DAY}, 2),
    ("hours_since(t1)", {"t1": NOW - timedelta(hours=5)}, 5.0),
    ("len(tags)", {"tags": ("a", "b")}, 2),
    ("len(tags) > 1", {"tags": None}, None),
    ("1 / 0 > 1 or b1", {"b1": True}, True),
    ("1 < 2", {}, True),
])
def test_values(text, values, expected):
    result = evaluate(text, **values)
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize("values", [
    {"b1": True, "b2": True}, {"b1": True, "b2": None}, {"b1": None, "b2": None},
    {"b1": False, "b2": None}, {"b1": None, "b2": False},
])
def test_and_or_not_follow_kleene_logic(values):
    b1, b2 = values["b1"], values["b2"]

    def k_and(x, y):
        return False if False in (x, y) else None if None in (x, y) else True

    def k_or(x, y):
        return True if True in (x, y) else None if None in (x, y) else False

    assert evaluate("b1 and b2", **values) is k_and(b1, b2)
    assert evaluate("b1 or b2", **values) is k_or(b1, b2)
    assert evaluate("not b1", **values) is (None if b1 is None else not b1)
    assert evaluate("not (b1 and b2)", **values) is (None if k_and(b1, b2) is None
                                                     else not k_and(b1, b2))


def test_comparison_and_arithmetic_with_null_are_null():
    for op in ("==", "!=", "<", "<=", ">", ">="):
        assert evaluate(f"i1 {op} 3", i1=None) is None
        assert evaluate(f"3 {op} i1", i1=None) is None
    for op in ("+", "-", "*", "/", "%"):
        assert evaluate(f"i1 {op} 3", i1=None) is None
        assert evaluate(f"3 {op} i1", i1=None) is None


def test_null_literal_in_arguments():
    assert evaluate("exists(null)") is False
    assert evaluate("days_since(null) > 1") is None
    assert evaluate("min(i1, null) == 1", i1=1) is None


# -- events -------------------------------------------------------------------

EVENTS = [
    Event("interview", NOW - 10 * DAY, {"interviewers": ("Jane Roe", "Sam Poe"), "format": "video"}),
    Event("interview", NOW - 7 * DAY, {"interviewers": ("Ann Lee",), "format": "phone"}),
    Event("follow_up_sent", NOW - 5 * DAY, {"channel": "email"}),
    Event("follow_up_sent", NOW - 2 * DAY, {"channel": "phone"}),
    Event("reply_received", NOW - DAY, {"tone": "positive"}, id="r1"),
    Event("offer", NOW + DAY),  # in the future: not visible yet
]


def ctx_with_events(**values) -> Facts:
    ctx = facts(**values)
    ctx.events = EVENTS
    return ctx


@pytest.mark.parametrize("text, expected", [
    ('last("interview").format', "phone"),
    ('first("interview").format', "video"),
    ('len(first("interview").interviewers)', 2),
    ('"Ann Lee" in last("interview").interviewers', True),
    ('last("reply_received").tone == "positive"', True),
    ('last("reply_received").id', "r1"),
    ('last("reply_received").note', None),
    ('last("reply_received").check_in_after', None),
    ('last("reply_received").check_in_after > now', None),
    ('last("offer")', None),
    ('last("offer").at > now', None),
    ('exists(last("offer"))', False),
    ('last("interview").type', "interview"),
    ('count("follow_up_sent")', 2),
    ('count("follow_up_sent", after=t1)', 1),
    ('count("follow_up_sent", before=t1)', 1),
    ('count("follow_up_sent", after=deadline)', None),
    ('count("offer")', 0),
    ('days_since(last("follow_up_sent").at) == 2', True),
])
def test_event_queries(text, expected):
    ctx = ctx_with_events(t1=NOW - 3 * DAY)
    result = evaluate(text, ctx)
    assert result == expected
    assert type(result) is type(expected)


def test_get_field():
    assert get_field(None, "at") is None
    assert get_field(EVENTS[0], "format") == "video"


# -- the fast path ---------------------------------------------------------------

def source(text: str) -> str:
    expr = compiled(text, expect=None)
    return _Generator(expr.functions).function(expr.node)


@pytest.mark.parametrize("text, values", [
    ("i1 / i2 > 1 or b1", {"i1": 1, "i2": 0, "b1": False}),
    ("i1 % i2 == 0 and b1", {"i1": 1, "i2": 0, "b1": True}),
    ('last("offer").at > now or b1', {"b1": False}),
    ('count("offer", after=last("offer").at) == 0 and b1', {"b1": True}),
    ("min(i1, null) > 0 or b1", {"i1": 1, "b1": False}),
])
def test_null_arising_inside_while_every_fact_is_known(text, values):
    # Every fact is known, so a plain-Python path would be tempting; the value
    # is still unknown because null arises inside the expression.
    ctx = facts(**values)
    expr = compiled(text)
    assert all(ctx[name] is not None for name in expr.checked.facts)
    assert expr(ctx) is None
    assert expr.trace(ctx)[0] is None


def test_the_compiled_function_is_generated_code():
    expr = compiled("days_since(deadline) >= 3 and contacts_since_deadline == 0")
    assert expr.generated is True
    assert expr.fn.__code__.co_filename == "<condition>"
    assert set(expr.functions) == {"days_since"}


USER_TEXT = [
    "'); import os; os.system('echo hacked') #",
    '"; __import__("os").system("echo hacked") #',
    "\\' + __import__('os').getcwd() + \\'",
    "line\nbreak\ttab",
    "{0.__class__}",
    "x" * 300,
    "1000",
    "3.5",
]


def _all_consts(code) -> list:
    out = []
    for const in code.co_consts:
        if hasattr(const, "co_consts"):
            out += _all_consts(const)
        else:
            out.append(const)
    return out


@pytest.mark.parametrize("user", USER_TEXT)
def test_generated_code_never_contains_user_strings(user):
    text = "s1 == " + _quote(user) + " or " + _quote(user) + " in tags"
    node = checked(text).node
    assert any(isinstance(n, Literal) and n.value == user for n in walk(node))
    code = source(text)
    assert user not in code
    assert repr(user) not in code
    _assert_only_identifier_strings(code)
    expr = compiled(text)
    assert user not in _all_consts(expr.fn.__code__)
    assert expr(facts(s1=user, tags=())) is True
    assert expr(facts(s1="other", tags=(user,))) is True
    assert expr(facts(s1=None, tags=("a",))) is None


def _assert_only_identifier_strings(code: str) -> None:
    """The only string constants in generated code are fact and field names."""
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            assert node.value.isidentifier(), node.value


@pytest.mark.parametrize("text", [
    'count("follow_up_sent", after=deadline) == 0 and days_since(deadline) > 3',
    'last("reply_received").tone == "positive" and weekday(now) in ["saturday", "sunday"]',
    r's1 + "x" == s2 or "a\\b" in tags',
])
def test_generated_code_holds_no_string_but_names(text):
    _assert_only_identifier_strings(source(text))


def test_generated_code_never_contains_folded_strings():
    code = source('s1 == "abc" + "def"')
    assert "abcdef" not in code


def test_large_numbers_are_constants_too():
    code = source("i1 == 123456789 and n1 == 2.5 and i2 == 7")
    assert "123456789" not in code and "2.5" not in code
    assert "7" in code  # small integers are inlined: they are not user strings


def _quote(value: str) -> str:
    escaped = (value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
               .replace("\t", "\\t"))
    return f'"{escaped}"'


# -- tracing ------------------------------------------------------------------

def test_trace_records_every_sub_expression_children_first():
    text = "days_since(deadline) >= 3 and contacts_since_deadline == 0"
    expr = compiled(text)
    ctx = facts(deadline=NOW - 4 * DAY, contacts_since_deadline=0)
    value, trace = expr.trace(ctx)
    assert value is True
    shown = [(type(node).__name__, value) for node, value in trace]
    assert shown == [
        ("Name", NOW - 4 * DAY),
        ("Call", 4),
        ("Binary", True),
        ("Name", 0),
        ("Binary", True),
        ("BoolOp", True),
    ]
    assert trace[-1][0] is expr.node
    assert trace[0][0] == Name("deadline")
    assert trace[1][0] == Call("days_since", (Name("deadline"),))


def test_trace_says_which_fact_was_unknown():
    expr = compiled("days_since(deadline) >= 3 and thank_you_sent")
    value, trace = expr.trace(facts(deadline=None, thank_you_sent=True))
    assert value is None
    assert (Name("deadline"), None) in trace
    assert (Name("thank_you_sent"), True) in trace
    assert [v for n, v in trace if isinstance(n, Binary)] == [None]


def test_trace_evaluates_every_operand_even_after_a_decision():
    expr = compiled("b1 or i1 > 2")
    value, trace = expr.trace(facts(b1=True, i1=5))
    assert value is True
    assert (Binary(">", Name("i1"), Literal(2)), True) in trace


def test_trace_does_not_record_literals():
    _, trace = compiled("i1 > 2").trace(facts(i1=3))
    assert not any(isinstance(n, Literal) for n, _ in trace)


def test_interpret_without_trace():
    result = checked("i1 + 1 == 2")
    assert interpret(result.node, facts(i1=1), SCOPE.functions) is True


# -- depth --------------------------------------------------------------------

def _deep_cases(depth: int) -> list[tuple[str, dict, object]]:
    """(condition, facts, expected value) for conditions about ``depth`` deep."""
    n = depth - 1
    half = n // 2
    andor = " and ".join(["(b1 or (b2"] * half) + ")" * (2 * half)
    return [
        ("not " * n + "b1", {"b1": True}, n % 2 == 0),
        ("not " * n + "b1", {"b1": None}, None),
        ("-" * (n - 1) + "i1 > 0", {"i1": 3}, (n - 1) % 2 == 0),
        ("-" * (n - 1) + "i1 > 0", {"i1": None}, None),
        ("i1" + " + 1" * (n - 1) + " == " + str(n + 1), {"i1": 2}, True),
        ("i1" + " - i2" * (n - 1) + " < 0", {"i1": 1, "i2": None}, None),
        (andor, {"b1": False, "b2": True}, True),
        (andor, {"b1": None, "b2": True}, True),
        (andor, {"b1": False, "b2": None}, None),
        (andor, {"b1": False, "b2": False}, False),
        ("i1" + " / i2" * (n - 1) + " > 0", {"i1": 1, "i2": 1}, True),
        ("i1" + " / i2" * (n - 1) + " > 0", {"i1": 1, "i2": 0}, None),
    ]


@pytest.mark.parametrize("text, values, expected", _deep_cases(95))
def test_deep_legal_conditions_evaluate_correctly(text, values, expected):
    node = parse(text)
    assert 90 <= node.depth <= 100
    expr = compile_checked(check(node, SCOPE, text), SCOPE.functions)
    ctx = facts(**values)
    assert expr(ctx) is expected
    assert expr.trace(ctx)[0] is expected


@pytest.mark.parametrize("text, values, expected", _deep_cases(150))
def test_too_deep_for_python_falls_back_to_the_interpreter(text, values, expected):
    node = parse(text, Limits(max_depth=200))
    assert node.depth > 140
    expr = compile_checked(check(node, SCOPE, text), SCOPE.functions)
    ctx = facts(**values)
    assert expr(ctx) is expected
    assert expr.trace(ctx)[0] is expected


def test_fallback_when_python_refuses_the_code():
    # 230 nested `not`s need more than Python's 200 nested parentheses in any
    # generated form; the interpreter runs them instead, with the same values.
    shallow = compile_checked(checked("not " * 96 + "b1"), SCOPE.functions)
    assert shallow.generated is True
    text = "not " * 230 + "b1"
    deep = compile_checked(check(parse(text, Limits(max_depth=300)), SCOPE, text),
                           SCOPE.functions)
    assert deep.generated is False
    for b1 in (True, False, None):
        assert deep(facts(b1=b1)) is shallow(facts(b1=b1)) is b1
        assert deep.trace(facts(b1=b1))[0] is b1


def test_the_deep_and_or_cases_take_the_fallback():
    text, _, _ = _deep_cases(150)[6]
    expr = compile_checked(check(parse(text, Limits(max_depth=200)), SCOPE, text),
                           SCOPE.functions)
    assert expr.generated is False


# -- sharing ------------------------------------------------------------------

def test_compiled_expression_pickles():
    expr = compiled("days_since(deadline) >= 3 and count(\"follow_up_sent\", after=deadline) == 0")
    clone = pickle.loads(pickle.dumps(expr))
    assert isinstance(clone, CompiledExpr)
    assert clone.node == expr.node
    ctx = ctx_with_events(deadline=NOW - 4 * DAY)
    assert clone(ctx) is expr(ctx) is False


def test_compiled_expression_is_shared_across_threads():
    expr = compiled("i1 * 2 > i2 and exists(s1)")
    errors: list[str] = []

    def work(k: int) -> None:
        for i in range(300):
            ctx = facts(i1=i, i2=k, s1=None if i % 3 else "x")
            expected = (i * 2 > k) and (i % 3 == 0)
            if expr(ctx) is not expected or expr.trace(ctx)[0] is not expected:
                errors.append(f"{k}/{i}")

    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_last_touches_the_event_it_returns():
    ctx = ctx_with_events()
    assert evaluate('last("reply_received").tone == "positive"', ctx) is True
    assert ctx.touched and all(e is EVENTS[4] for e in ctx.touched)


def test_folded_condition_compiles_to_a_constant():
    expr = compiled("2 * 3 == 6 or b1")
    assert isinstance(expr.node, BoolOp) and expr.node.operands[0] == Literal(True)
    assert expr(facts(b1=None)) is True
    assert compiled("1 < 2")(facts()) is True
    assert compiled("1 / 0 > 2")(facts()) is None
