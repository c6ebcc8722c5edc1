"""engine.language.checker: names, functions and types are resolved when a condition
loads; every mistake is an error with a stable code, a span and a hint;
constant sub-expressions are folded."""

from __future__ import annotations

import pytest
from language_scope import SCOPE, LanguageScope, checked

from engine.base.suggestions import suggest
from engine.language.checker import EVENT_BUILTIN_FIELDS, check
from engine.errors import CODES, ConditionError, ConditionSyntaxError, ConditionTypeError
from engine.language.nodes import Binary, BoolOp, Call, Keyword, ListExpr, Literal, Name, Span, Unary
from engine.language.parser import parse
from engine.language.builtins import WEEKDAYS
from engine.language.types import ANY, BOOL, DATETIME, INT, NUMBER, STRING, enum_of, event_of, list_of


def error(text: str, expect=BOOL) -> ConditionError:
    with pytest.raises(ConditionError) as info:
        checked(text, expect=expect)
    err = info.value
    assert err.code in CODES
    return err


def where(err: ConditionError, text: str) -> str:
    """The text the error's span covers."""
    assert err.offset is not None
    return text[err.offset:err.offset + err.length]


# -- types of well-formed expressions -----------------------------------------------

@pytest.mark.parametrize("text, typ", [
    ("1", INT), ("1.5", NUMBER), ('"a"', STRING), ("true", BOOL), ("null", None),
    ("i1 + i2", INT), ("i1 * n1", NUMBER), ("i1 / i2", NUMBER), ("i1 % i2", INT),
    ("-i1", INT), ("-n1", NUMBER), ("s1 + s2", STRING),
    ("i1 < n1", BOOL), ("t1 <= now", BOOL), ("s1 > s2", BOOL), ("s1 in tags", BOOL),
    ("s1 in s2", BOOL), ("not b1", BOOL), ("b1 and b2 or b3", BOOL),
    ("days_since(deadline)", INT), ("hours_since(interview)", NUMBER),
    ("min(i1, i2)", INT), ("max(i1, n1)", NUMBER), ("max(t1, t2)", DATETIME),
    ('last("interview")', event_of("interview")), ('first("offer")', event_of("offer")),
    ('last("interview").at', DATETIME), ('last("interview").note', STRING),
    ('last("interview").interviewers', list_of(STRING)),
    ('last("reply_received").will_contact', BOOL),
    ('count("follow_up_sent", after=deadline, before=now)', INT),
    ("[1, 2]", list_of(INT)), ("[1, 2.5]", list_of(NUMBER)), ("[]", list_of(ANY)),
    ('weekday(now)', enum_of(WEEKDAYS)), ("exists(deadline)", BOOL), ("len(tags)", INT),
])
def test_inferred_types(text, typ):
    result = checked(text, expect=None)
    if typ is None:
        assert result.type.name == "null"
    else:
        assert result.type == typ


def test_facts_and_functions_used_are_reported():
    result = checked('days_since(deadline) >= 3 and count("offer", after=interview) == 0')
    assert result.facts == {"deadline", "interview"}
    assert result.functions == {"days_since", "count"}


def test_event_builtin_fields_exist_on_every_event_type():
    for event_type in SCOPE.event_types():
        for name, typ in EVENT_BUILTIN_FIELDS.items():
            found = checked(f'last("{event_type}").{name}', expect=None).type
            if name == "type":  # last("x").type can only be "x"
                assert found == enum_of((event_type,)) and str(found) == "string"
            else:
                assert found == typ


def test_keyword_for_a_positional_parameter():
    result = checked("days_since(t=deadline) > 1")
    assert result.node.left == Call("days_since", (), (Keyword("t", Name("deadline")),))


def test_check_without_text_uses_the_printed_form_for_positions():
    with pytest.raises(ConditionTypeError) as info:
        check(parse("thank_you_sent and zzz"), SCOPE)
    assert info.value.source_line == "thank_you_sent and zzz"
    assert info.value.column == 20


# -- unknown names --------------------------------------------------------------

def test_unknown_fact_suggests_the_closest_name():
    text = "days_since(deadline) >= 3 and contact_since_deadline == 0"
    err = error(text)
    assert isinstance(err, ConditionTypeError)
    assert err.code == "RULES-E003"
    assert err.message == "unknown fact 'contact_since_deadline'"
    assert err.hint == "did you mean 'contacts_since_deadline'?"
    assert where(err, text) == "contact_since_deadline"
    assert (err.line, err.column) == (1, 31)


def test_unknown_fact_without_a_close_match_points_to_the_docs():
    err = error("zzzzzz")
    assert err.code == "RULES-E003"
    assert "docs/vocabulary.md" in err.hint


def test_function_used_as_a_fact():
    err = error("days_since > 1")
    assert err.code == "RULES-E003"
    assert "is a function, not a fact" in err.message
    assert err.hint == "call it: days_since(…)"


def test_unknown_function():
    text = "day_since(deadline) >= 3"
    err = error(text)
    assert isinstance(err, ConditionTypeError)
    assert err.code == "RULES-E004"
    assert err.message == "unknown function 'day_since'"
    assert err.hint == "did you mean 'days_since'?"
    assert where(err, text) == "day_since(deadline)"


def test_fact_called_as_a_function():
    err = error("deadline() > now")
    assert err.code == "RULES-E004"
    assert err.hint == "'deadline' is a fact: drop the parentheses"


def test_unknown_event_type():
    text = 'count("interviw") > 1'
    err = error(text)
    assert err.code == "RULES-E003"
    assert err.hint == "did you mean 'interview'?"
    assert where(err, text) == '"interviw"'


def test_event_type_must_be_a_literal():
    text = "last(s1) == null"
    err = error(text)
    assert err.code == "RULES-E004"
    assert where(err, text) == "s1"


def test_unknown_event_field():
    text = 'last("interview").fromat == "video"'
    err = error(text)
    assert err.code == "RULES-E003"
    assert err.message == "'interview' events have no field 'fromat'"
    assert err.hint == "did you mean 'format'?"
    assert where(err, text) == 'last("interview").fromat'


def test_attribute_of_a_non_event():
    err = error("interviewers.count == 1")
    assert err.code == "RULES-E005"
    assert "needs an event" in err.message


# -- calls ------------------------------------------------------------------------

def test_too_many_arguments():
    text = "days_since(deadline, now) > 1"
    err = error(text)
    assert isinstance(err, ConditionTypeError)
    assert err.code == "RULES-E004"
    assert err.message == "days_since() takes 1 argument, got 2"
    assert err.hint == "days_since(t: datetime) -> int"
    assert where(err, text) == "days_since(deadline, now)"


def test_missing_argument():
    text = "days_since() > 1"
    err = error(text)
    assert err.code == "RULES-E004"
    assert err.message == "days_since() is missing argument 't'"
    assert where(err, text) == "days_since()"


def test_variadic_needs_an_argument():
    assert error("max() == 1").code == "RULES-E004"


def test_unknown_keyword():
    text = 'count("follow_up_sent", afte=deadline) == 0'
    err = error(text)
    assert isinstance(err, ConditionTypeError)
    assert err.code == "RULES-E004"
    assert err.message == "count() has no argument 'afte'"
    assert err.hint == "did you mean 'after'?"
    assert where(err, text) == "afte=deadline"
    assert err.column == 25


def test_keyword_given_twice():
    text = 'count("offer", after=deadline, after=now) == 0'
    err = error(text)
    assert err.code == "RULES-E004"
    assert where(err, text) == "after=now"


@pytest.mark.parametrize("text, span, got", [
    ("days_since(3) > 1", "3", "int"),
    ('days_since("yesterday") > 1', '"yesterday"', "string"),
    ("days_since(thank_you_sent) > 1", "thank_you_sent", "bool"),
    ('count("offer", after=1) == 0', "1", "int"),
    ("count(interview) > 1", "interview", "datetime"),
])
def test_wrong_argument_type(text, span, got):
    err = error(text)
    assert isinstance(err, ConditionTypeError)
    assert err.code == "RULES-E005"
    assert f"got {got}" in err.message
    assert where(err, text) == span
    assert err.hint and "->" in err.hint  # the signature


def test_variadic_arguments_without_common_type():
    err = error("min(i1, s1) == 1")
    assert err.code == "RULES-E005"
    assert "no common type" in err.message


# -- operators ------------------------------------------------------------------

def test_non_boolean_condition():
    text = "days_since(deadline)"
    err = error(text)
    assert isinstance(err, ConditionTypeError)
    assert err.code == "RULES-E007"
    assert err.message == "a condition must be bool, but this is int"
    assert where(err, text) == text


@pytest.mark.parametrize("text", ["s1", "interview", "tags", 'last("offer")', "1 + 2"])
def test_other_non_boolean_conditions(text):
    assert error(text).code == "RULES-E007"


def test_null_condition_is_allowed():
    # `null` is unknown; a rule with it never fires, but it is not a type error.
    assert checked("null").node == Literal(None)


def test_chained_comparison():
    text = "thank_you_sent and 1 < interviewers < 4"
    err = error(text)
    assert isinstance(err, ConditionSyntaxError)
    assert err.code == "RULES-E006"
    assert err.message == "chained comparisons are not allowed"
    assert err.hint == "write `1 < interviewers and interviewers < 4`"
    assert where(err, text) == "1 < interviewers < 4"


def test_chained_comparison_is_reported_before_unknown_names():
    assert error("a < b < c").code == "RULES-E006"


@pytest.mark.parametrize("text, span, words", [
    ("not i1", "i1", "'not' needs a boolean, got int"),
    ("b1 and i1", "i1", "'and' needs booleans on both sides, got int"),
    ("s1 or b1", "s1", "'or' needs booleans on both sides, got string"),
    ("-s1 == s2", "s1", "'-' needs a number, got string"),
    ("b1 + 1 == 2", "b1 + 1", "'+' needs numbers, got bool and int"),
    ("s1 * 2 == s2", "s1 * 2", "'*' needs numbers, got string and int"),
    ("s1 == 1", "s1 == 1", "'==' compares string with int: never equal"),
    ("b1 != 0", "b1 != 0", "'!=' compares bool with int: never equal"),
    ("s1 < i1", "s1 < i1", "'<' cannot order string and int"),
    ("b1 < b2", "b1 < b2", "'<' cannot order bool and bool"),
    ("t1 > 3", "t1 > 3", "'>' cannot order datetime and int"),
    ("i1 in tags", "i1 in tags", "'in' looks for int in list[string]"),
    ("s1 in i1", "s1 in i1", "'in' needs a list (or a string) on its right, got int"),
    ("i1 in s1", "i1 in s1", "'in' on a string looks for a string, got int"),
    ('[1, "a"] == tags', '"a"', "a list cannot mix int and string"),
    ("i1 == null", "null", "comparing with null is always unknown"),
    ("null < i1", "null", "comparing with null is always unknown"),
])
def test_type_errors(text, span, words):
    err = error(text, expect=None)
    assert isinstance(err, ConditionTypeError)
    assert err.code == "RULES-E005"
    assert err.message == words
    assert where(err, text) == span


def test_errors_are_located_on_the_right_line():
    text = "thank_you_sent\n  and days_since(3) > 1"
    err = error(text)
    assert (err.line, err.column) == (2, 18)
    assert err.source_line == "  and days_since(3) > 1"


# -- constant folding -----------------------------------------------------------

@pytest.mark.parametrize("text, value", [
    ("1 + 2 * 3", 7), ("(1 + 2) * 3", 9), ("7 - 2 - 1", 4), ("7 / 2", 3.5), ("7 % 3", 1), ("-(-3)", 3),
    ("1 + 2.5", 3.5), ('"ab" + "cd"', "abcd"),
    ("1 / 0", None), ("7 % 0", None), ("-(1 / 0)", None),
    ("2 * 3 == 6", True), ("1 < 2", True), ("1.0 == 1", True), ('"a" in "cat"', True),
    ('"b" not in "cat"', True), ('"b" < "a"', False),
    ("not true", False), ("not null", None), ("not (1 > 2)", True),
    ("true and null", None), ("false and null", False), ("null and false", False),
    ("null or true", True), ("null or false", None), ("true or false", True),
    ("1 / 0 > 1", None),
])
def test_constant_folding(text, value):
    result = checked(text, expect=None)
    assert result.node == Literal(value)
    assert type(result.node.value) is type(value)
    assert result.node.span == Span(0, len(text))


def test_folding_keeps_the_static_type():
    assert checked("1 / 0", expect=None).type == NUMBER
    assert checked("7 % 3", expect=None).type == INT
    assert checked("1 / 0 > 1", expect=None).type == BOOL


def test_folding_inside_a_larger_expression():
    result = checked("i1 > 2 * 30 and b1 or 1 > 2")
    assert result.node == BoolOp("or", (
        BoolOp("and", (Binary(">", Name("i1"), Literal(60)), Name("b1"))), Literal(False)))


def test_folding_does_not_touch_calls_or_facts():
    result = checked("len([1, 2]) == 1 + 1")
    assert result.node == Binary("==", Call("len", (ListExpr((Literal(1), Literal(2))),)),
                                 Literal(2))
    assert checked("not not b1").node == Unary("not", Unary("not", Name("b1")))


def test_folding_in_call_arguments_and_keywords():
    result = checked('count("offer", after=max(t1, t2)) > 1 + 1')
    assert result.node.right == Literal(2)
    assert result.node.left.keywords == (Keyword("after", Call("max", (Name("t1"), Name("t2")))),)


# -- scope and suggestions ---------------------------------------------------------

def test_suggest():
    assert suggest("deadlin", ["deadline", "interview"]) == "did you mean 'deadline'?"
    assert suggest("xyz", ["deadline", "interview"]) is None


def test_a_custom_scope():
    scope = LanguageScope(fact_types={"temperature": NUMBER}, event_fields={})
    assert check(parse("temperature > 20.5"), scope).type == BOOL
    with pytest.raises(ConditionTypeError):
        check(parse("thank_you_sent"), scope)
    with pytest.raises(ConditionTypeError):
        check(parse('last("interview") == null'), scope)
