"""engine.language.parser: condition text → AST, and every failure as a ConditionSyntaxError
with a line, a column and words a policy author understands."""

from __future__ import annotations

import pytest

from engine.errors import ConditionSyntaxError
from engine.language.nodes import (Attribute, Binary, BoolOp, Call, Chain, Keyword, ListExpr, Literal,
                          Name, Span, Unary)
from engine.language.parser import DEFAULT_LIMITS, Limits, parse

a, b, c, x, y = (Name(n) for n in "abcxy")


def syntax_error(text: str, limits: Limits = DEFAULT_LIMITS) -> ConditionSyntaxError:
    with pytest.raises(ConditionSyntaxError) as info:
        parse(text, limits)
    return info.value


# -- literals ---------------------------------------------------------------------

@pytest.mark.parametrize("text, value", [
    ("0", 0), ("42", 42), ("007", 7), ("3.25", 3.25), ("0.5", 0.5),
    ("true", True), ("false", False), ("null", None),
    ('"hello"', "hello"), ("'hello'", "hello"), ('""', ""),
    (r'"say \"hi\""', 'say "hi"'), (r"'it\'s'", "it's"), (r'"a\\b"', "a\\b"),
    (r'"line\nnext\ttab"', "line\nnext\ttab"), ('"it\'s"', "it's"), ("'say \"hi\"'", 'say "hi"'),
    ('"—ünïcode ✓"', "—ünïcode ✓"),
])
def test_literals(text, value):
    node = parse(text)
    assert node == Literal(value)
    assert type(node.value) is type(value)
    assert node.span == Span(0, len(text))


def test_int_and_decimal_are_distinct_types():
    assert type(parse("1").value) is int
    assert type(parse("1.0").value) is float


@pytest.mark.parametrize("text, items", [
    ("[]", ()), ("[1]", (Literal(1),)), ("[1,]", (Literal(1),)),
    ('[1, "a", x]', (Literal(1), Literal("a"), Name("x"))),
    ("[[1], []]", (ListExpr((Literal(1),)), ListExpr(()))),
])
def test_lists(text, items):
    assert parse(text) == ListExpr(items)


def test_keywords_are_not_names_but_prefixes_are():
    for text in ("android", "notable", "inx", "true_value", "nullx", "order", "in_person", "_x1"):
        assert parse(text) == Name(text)


# -- names, calls, attributes -----------------------------------------------------

def test_call_positional_and_keyword_arguments():
    node = parse('count("follow_up_sent", after=deadline, before=now)')
    assert node == Call("count", (Literal("follow_up_sent"),),
                        (Keyword("after", Name("deadline")), Keyword("before", Name("now"))))
    assert parse("f()") == Call("f")
    assert parse("f(x,)") == Call("f", (x,))


def test_attribute_chain_and_attribute_of_call():
    assert parse("x.y.z") == Attribute(Attribute(x, "y"), "z")
    assert parse('last("interview").at') == Attribute(Call("last", (Literal("interview"),)), "at")


def test_spans_point_into_the_text():
    text = "days_since(deadline) >= 3"
    node = parse(text)
    assert isinstance(node, Binary)
    assert node.span == Span(0, len(text))
    call = node.left
    assert call.span == Span(0, 20) and text[call.span.start:call.span.end] == "days_since(deadline)"
    assert call.args[0].span == Span(11, 19)
    assert node.right.span == Span(24, 25)
    kw = parse("count('x', after=t1)").keywords[0]
    assert kw.span == Span(11, 19)


def test_span_is_not_part_of_equality():
    assert parse("x  and   y") == parse("x and y")
    assert parse("(x)") == parse("x")


# -- precedence (Python's) --------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("a or b and c", BoolOp("or", (a, BoolOp("and", (b, c))))),
    ("a and b or c", BoolOp("or", (BoolOp("and", (a, b)), c))),
    ("a and b and c", BoolOp("and", (a, b, c))),
    ("a or b or c", BoolOp("or", (a, b, c))),
    ("(a and b) and c", BoolOp("and", (BoolOp("and", (a, b)), c))),
    ("not a and b", BoolOp("and", (Unary("not", a), b))),
    ("not a == b", Unary("not", Binary("==", a, b))),
    ("not not a", Unary("not", Unary("not", a))),
    ("not a in b", Unary("not", Binary("in", a, b))),
    ("a not in b", Binary("not in", a, b)),
    ("a in b", Binary("in", a, b)),
    ("a == b + c", Binary("==", a, Binary("+", b, c))),
    ("a + b * c", Binary("+", a, Binary("*", b, c))),
    ("(a + b) * c", Binary("*", Binary("+", a, b), c)),
    ("a - b - c", Binary("-", Binary("-", a, b), c)),
    ("a - (b - c)", Binary("-", a, Binary("-", b, c))),
    ("a / b % c", Binary("%", Binary("/", a, b), c)),
    ("-a * b", Binary("*", Unary("-", a), b)),
    ("--a", Unary("-", Unary("-", a))),
    ("-a.b", Unary("-", Attribute(a, "b"))),
    ("1 - -1", Binary("-", Literal(1), Unary("-", Literal(1)))),
    ("a <= b", Binary("<=", a, b)), ("a >= b", Binary(">=", a, b)),
    ("a != b", Binary("!=", a, b)), ("a > b", Binary(">", a, b)),
])
def test_precedence(text, expected):
    assert parse(text) == expected


def test_chained_comparison_is_kept_for_the_checker():
    assert parse("a < b < c") == Chain(("<", "<"), (a, b, c))
    assert parse("a == b != c") == Chain(("==", "!="), (a, b, c))


def test_whitespace_and_newlines_are_insignificant():
    assert parse("a\n  and\r\n\tb") == BoolOp("and", (a, b))


def test_depth():
    assert parse("x").depth == 1
    assert parse("not not x").depth == 3
    assert parse("(((x)))").depth == 1  # parentheses are not nodes
    assert parse("[[x]]").depth == 3


# -- errors -----------------------------------------------------------------------

def test_missing_operand_reports_line_column_and_expectation():
    err = syntax_error("days_since(deadline) >= and x")
    assert err.code == "RULES-E001"
    assert (err.line, err.column) == (1, 25)
    assert err.offset == 24 and err.length == 3
    assert "expected a value" in err.message
    assert "after '>='" in err.message
    assert "found 'and'" in err.message
    assert str(err).startswith("<condition>:1:25: RULES-E001 ")


def test_render_shows_the_source_line_and_a_caret():
    err = syntax_error("days_since(deadline) >= and x")
    lines = err.render().splitlines()
    assert lines[1] == "    days_since(deadline) >= and x"
    assert lines[2] == "    " + " " * 24 + "^^^"


def test_error_on_a_later_line():
    err = syntax_error("thank_you_sent\n  and\n  x ==")
    assert (err.line, err.column) == (3, 7)
    assert err.source_line == "  x =="
    assert "the end of the condition" in err.message


def test_two_and_in_a_row_hints_that_and_needs_a_value():
    err = syntax_error("a and and b")
    assert err.column == 7
    assert err.hint == "'and' needs a value on its right"


@pytest.mark.parametrize("text, column, hint", [
    ("a = b", 3, "use '==' to compare"),
    ("a && b", 3, "use 'and'"),
    ("a || b", 3, "use 'or'"),
    ("!a", 1, "use 'not' or '!='"),
    ("a =< b", 3, "write '<=': the '=' comes second"),  # issue 17: was "use '==' to compare"
    ("a => b", 3, "write '>=': the '=' comes second"),
    ("a =! b", 3, "write '!=': the '=' comes second"),
])
def test_other_languages_operators_get_a_hint(text, column, hint):
    err = syntax_error(text)
    assert err.column == column
    assert err.hint == hint


def test_unclosed_parenthesis():
    err = syntax_error("(a and b")
    assert err.hint == "a '(' is not closed"
    assert "')'" in err.message and "the end of the condition" in err.message


def test_unexpected_closing_parenthesis():
    err = syntax_error("a and b)")
    assert err.column == 8
    assert "found ')'" in err.message


@pytest.mark.parametrize("text", ['x == "abc', "x == 'abc", 'x == "a\nb"'])
def test_unterminated_string(text):
    err = syntax_error(text)
    assert err.message == "unterminated string"
    assert err.column == 6


def test_unexpected_character():
    err = syntax_error("x == 3 # comment")
    assert err.message == "unexpected character '#'"
    assert err.column == 8


def test_attribute_needs_a_name():
    err = syntax_error("x.1")
    assert "expected a name" in err.message


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_empty_condition(text):
    assert syntax_error(text).message == "empty condition"


@pytest.mark.parametrize("value", [None, 3, b"x", ["x"]])
def test_non_string_input_is_a_syntax_error(value):
    with pytest.raises(ConditionSyntaxError):
        parse(value)  # type: ignore[arg-type]


def test_exponent_notation_is_not_a_number():
    err = syntax_error("x > 1e5")
    assert err.column == 6 and "found 'e5'" in err.message


# -- bounds -----------------------------------------------------------------------

def test_ten_thousand_nested_parentheses():
    text = "(" * 10_000 + "x" + ")" * 10_000
    err = syntax_error(text)
    assert err.code == "RULES-E002"
    # With the length limit lifted, the bracket-depth bound catches it.
    err = syntax_error(text, Limits(max_length=10**6))
    assert err.code == "RULES-E002"
    assert "nested deeper than 100" in err.message
    assert err.column == 101


def test_one_megabyte_condition():
    text = "thank_you_sent and " * (1_000_000 // 19) + "x"
    assert len(text) > 999_000
    err = syntax_error(text)
    assert err.code == "RULES-E002"
    assert f"{len(text)} characters long" in err.message
    assert err.hint


def test_one_megabyte_of_nesting_with_length_limit_lifted():
    text = "[" * 500_000 + "]" * 500_000
    err = syntax_error(text, Limits(max_length=2_000_000))
    assert err.code == "RULES-E002"


@pytest.mark.parametrize("text", [
    "not " * 150 + "x",
    "-" * 150 + "x",
    "x" + ".a" * 150,
    "f(" * 101 + ")" * 101,
])
def test_deep_nesting_without_brackets_is_bounded(text):
    err = syntax_error(text)
    assert err.code == "RULES-E002"
    assert "nested deeper than 100" in err.message


def test_limits_are_configurable():
    assert parse("not " * 99 + "x").depth == 100
    assert syntax_error("not " * 100 + "x").code == "RULES-E002"
    assert syntax_error("not not x", Limits(max_depth=2)).code == "RULES-E002"
    assert syntax_error("x and y", Limits(max_length=5)).code == "RULES-E002"
    assert parse("(" * 100 + "x" + ")" * 100) == x
    assert syntax_error("(" * 101 + "x" + ")" * 101, Limits(max_length=10**6)).code == "RULES-E002"


def test_brackets_inside_strings_do_not_count():
    assert parse('x == "' + "(" * 200 + '"') == Binary("==", x, Literal("(" * 200))
    assert parse("x == '" + "[" * 200 + "'") == Binary("==", x, Literal("[" * 200))


def test_a_parenthesised_node_spans_its_parentheses():
    assert parse("(x)").span == Span(0, 3)
    node = parse("not (a and b)")
    assert node.span == Span(0, 13)
    assert node.operand.span == Span(4, 13)
