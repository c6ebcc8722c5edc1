"""engine.language.printer: the canonical text of an AST, with the fewest parentheses that
keep the tree, so that ``parse(to_text(node)) == node``."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from engine.language.nodes import (Attribute, Binary, BoolOp, Call, Chain, Keyword, ListExpr, Literal,
                          Name, Unary)
from engine.language.parser import parse
from engine.language.printer import literal_text, precedence, to_text

ROOT = Path(__file__).resolve().parents[2]
a, b, c = Name("a"), Name("b"), Name("c")


@pytest.mark.parametrize("text, canonical", [
    ("a   and\n b", "a and b"),
    ("(a or b) and c", "(a or b) and c"),
    ("a or (b and c)", "a or b and c"),
    ("(a and b) and c", "(a and b) and c"),  # a nested BoolOp is not flattened
    ("a and (b and c)", "a and (b and c)"),
    ("not (a and b)", "not (a and b)"),
    ("(not a) and b", "not a and b"),
    ("(not a) == b", "(not a) == b"),
    ("not (a == b)", "not a == b"),
    ("a - (b - c)", "a - (b - c)"),
    ("(a - b) - c", "a - b - c"),
    ("a * (b + c)", "a * (b + c)"),
    ("(a * b) + c", "a * b + c"),
    ("a / (b * c)", "a / (b * c)"),
    ("-(a + b)", "-(a + b)"),
    ("- - a", "--a"),
    ("-(a.b)", "-a.b"),
    ("(-a).b", "(-a).b"),
    ("(a + b).c", "(a + b).c"),
    ("(a == b) == c", "(a == b) == c"),
    ("a == (b == c)", "a == (b == c)"),
    ("(a in b) in c", "(a in b) in c"),
    ("a not  in b", "a not in b"),
    ("f( a , k = b , )", "f(a, k=b)"),
    ("f(b,k=a,  j=c)", "f(b, k=a, j=c)"),
    ("[ 1 , 2 , ]", "[1, 2]"),
    ("[(a or b)]", "[a or b]"),
    ("f((a or b))", "f(a or b)"),
    ("'it'", '"it"'),
    (r"'say \"hi\"'", r'"say \"hi\""'),
    ("'it\\'s'", '"it\'s"'),
    ("a < b < c", "a < b < c"),
    ("(a + b) < c < (d or e)", "a + b < c < (d or e)"),
])
def test_canonical_text(text, canonical):
    node = parse(text)
    assert to_text(node) == canonical
    assert parse(canonical) == node
    assert to_text(parse(canonical)) == canonical  # canonical is a fixed point


@pytest.mark.parametrize("value, text", [
    (None, "null"), (True, "true"), (False, "false"), (0, "0"), (42, "42"),
    (1.5, "1.5"), (1.0, "1.0"), (0.1, "0.1"), (123456.789, "123456.789"),
    (1e-07, "0.0000001"), (1.5e-10, "0.00000000015"),
    (1e16, "10000000000000000.0"), (1.2345e20, "123450000000000000000.0"),
    ("", '""'), ("plain", '"plain"'), ('q"uote', r'"q\"uote"'), ("back\\slash", r'"back\\slash"'),
    ("new\nline", r'"new\nline"'), ("t\tab", r'"t\tab"'), ("it's", '"it\'s"'),
    ((1, "a"), '[1, "a"]'), ((), "[]"),
])
def test_literal_text(value, text):
    assert literal_text(value) == text


@pytest.mark.parametrize("value", [
    0.1, 1e-07, 5e-324, 1e16, 1.7976931348623157e308, 2.5e-5, 123.456e10, 0.0,
])
def test_float_literals_round_trip(value):
    assert parse(literal_text(value)) == Literal(value)
    assert type(parse(literal_text(value)).value) is float


@pytest.mark.parametrize("value", [
    "", "\\", '"', "'", "\\\"", "\n", "\r\n", "\t", "\x00\x1f", "ünï ✓ 🙂", "\\n", "a\\'b",
])
def test_string_literals_round_trip(value):
    assert parse(literal_text(value)) == Literal(value)


def test_negative_literal_prints_with_a_minus():
    # Folding can make negative literals; they bind like unary minus.
    assert to_text(Binary("-", a, Literal(-1))) == "a - -1"
    assert to_text(Attribute(Literal(-1.5), "x")) == "(-1.5).x"
    assert precedence(Literal(-1)) == precedence(Unary("-", a))


def test_hand_built_trees():
    node = BoolOp("or", (BoolOp("and", (a, Unary("not", b))),
                         Binary(">", Call("f", (a,), (Keyword("k", Literal(1)),)), Literal(2))))
    assert to_text(node) == "a and not b or f(a, k=1) > 2"
    assert to_text(ListExpr((Literal(1), ListExpr(())))) == "[1, []]"
    assert to_text(Chain(("<", "<="), (a, b, c))) == "a < b <= c"
    assert to_text(Keyword("after", Name("deadline"))) == "after=deadline"


def test_not_a_node():
    with pytest.raises(TypeError):
        to_text("a")  # type: ignore[arg-type]


def _shipped_conditions() -> list[str]:
    texts = []
    for path in sorted((ROOT / "policies").glob("*/*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        texts += [rule["when"] for rule in data.get("rules", []) if "when" in rule]
    vocabulary = yaml.safe_load((ROOT / "policies" / "vocabulary.yaml").read_text(encoding="utf-8"))
    texts += [f["expr"] for f in (vocabulary.get("facts") or {}).values()
              if isinstance(f, dict) and "expr" in f]
    return sorted(set(texts))


SHIPPED = _shipped_conditions()


def test_the_shipped_conditions_were_found():
    assert len(SHIPPED) > 20


@pytest.mark.parametrize("text", SHIPPED)
def test_shipped_conditions_round_trip(text):
    node = parse(text)
    printed = to_text(node)
    assert parse(printed) == node
    assert to_text(parse(printed)) == printed
