"""Enum-typed string facts and fields (issue 17 point 1, issue 20 point 9):
the vocabulary declares the values of ``outcome``, ``last_reply_tone``,
``format``…; a literal outside them is a type error with a did-you-mean
instead of a silently dead rule."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from engine.errors import ConditionTypeError
from engine.language.builtins import WEEKDAYS
from engine.language.checker import check
from engine.language.parser import parse
from engine.language.types import STRING, enum_of, unify
from engine.model.policies import default_vocabulary

VOCAB = default_vocabulary(False)


def type_error(text: str) -> ConditionTypeError:
    with pytest.raises(ConditionTypeError) as info:
        check(parse(text), VOCAB, text)
    return info.value


@pytest.mark.parametrize("text, bad, hint", [
    ('outcome == "pendng"', '"pendng"', "did you mean 'pending'?"),
    ('outcome == "p\u0435nding"', '"p\u0435nding"', "U+0435 CYRILLIC SMALL LETTER IE"),
    ('weekday(now) == "Monday"', '"Monday"', "did you mean 'monday'?"),
    ('last("interview").format == "vidéo"', '"vidéo"', "did you mean 'video'?"),
    ('last_reply_tone != "posative"', '"posative"', "did you mean 'positive'?"),
    ('outcome in ["offer", "rejectd"]', '"rejectd"', "did you mean 'rejected'?"),
    ('"onhold" == outcome', '"onhold"', "did you mean 'on_hold'?"),
    ('interview_part_of_day == "night"', '"night"', "use one of the values"),
    ('last("follow_up_sent").kind == "checkin"', '"checkin"', "did you mean 'check_in'?"),
    ('last("interview").type == "interveiw"', '"interveiw"', "did you mean 'interview'?"),
    ('first("offer").type in ["offer", "rejection"]', '"rejection"', "use one of the values"),
])
def test_literal_outside_an_enum_is_a_type_error(text, bad, hint):
    err = type_error(text)
    assert err.code == "RULES-E005"
    assert text[err.offset:err.offset + err.length] == bad  # the caret is on the literal
    assert "is not a value of" in err.message
    assert hint in (err.hint or "")


@pytest.mark.parametrize("text, side", [
    ('outcome < "pending"', "outcome"),
    ('weekday(now) >= "monday"', "weekday(now)"),
    ('"phone" <= last("interview").format', 'last("interview").format'),
    ('outcome > last_reply_tone', "outcome"),
])
def test_ordering_an_enum_is_a_type_error(text, side):
    """Alphabetical order of "offer", "pending", "rejected" means nothing: a
    rule written with '<' on an enum fires on a meaningless subset."""
    err = type_error(text)
    assert err.code == "RULES-E005"
    assert f"orders {side} alphabetically" in err.message
    assert f"{side} in [" in (err.hint or "")


@pytest.mark.parametrize("text", [
    'outcome == "pending"', 'last("interview").type == "interview"', 'last("interview").note < "m"', 'outcome in ["offer", "rejected"]', 'weekday(now) in ["saturday", "sunday"]',
    'last("interview").format != "video"', 'last_reply_tone == "negative"',
    'outcome == last_reply_tone',  # two enums: equatable strings, no literal to check
    'last("interview").note == "anything"',  # free text stays free
])
def test_values_of_the_enum_pass(text):
    check(parse(text), VOCAB, text)


def test_enum_types_come_from_the_vocabulary():
    from engine.model.fact_functions import _OUTCOMES  # what the outcome function returns

    assert set(VOCAB.fact_type("outcome").values) == {"pending", *_OUTCOMES.values()}
    assert VOCAB.fact_type("last_reply_tone").values == ("positive", "neutral", "negative")  # via its expr
    assert VOCAB.event_fields("interview")["format"].values == ("in_person", "phone", "video")
    assert str(VOCAB.fact_type("outcome")) == "string"


def test_enums_unify_to_the_union_and_with_plain_strings_to_string():
    assert unify(enum_of(["a"]), enum_of(["b"])) == enum_of(["a", "b"])
    assert unify(enum_of(["a"]), STRING) == STRING


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters='"\\\n\r'),
               max_size=12))
def test_a_literal_passes_exactly_when_it_is_a_value(value):
    text = f'weekday(now) == "{value}"'
    try:
        check(parse(text), VOCAB, text)
    except ConditionTypeError as err:
        assert value not in WEEKDAYS and "is not a value of" in err.message
    else:
        assert value in WEEKDAYS
