"""Every fact of the bundled vocabulary and every built-in function, on the
scenarios of tests/data/facts_cases.yaml; provenance of facts."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from engine.language.checker import check
from engine.language.compiler import compile_checked
from engine.model.eventlog import EventLog
from engine.runtime.evaluation import resolve_moment
from engine.runtime.explanation import json_value
from engine.runtime.facts import FactContext
from engine.language.builtins import BUILTINS
from engine.language.nodes import Attribute, Call, walk
from engine.language.parser import parse
from engine.model.policies import default_vocabulary
from engine.input.documents import load_document
from engine.input.times import parse_moment

CASES_FILE = Path(__file__).resolve().parents[1] / "data" / "facts_cases.yaml"
CASES: list[dict[str, Any]] = load_document(CASES_FILE).data["cases"]

# Facts that are never null: counts over the whole log, the clock, a default.
NEVER_NULL = {"now", "unanswered_contacts", "outcome", "references_notified",
              "profiles_reviewed", "social_connected", "has_company_contact", "decided"}


def _context(case: dict[str, Any], provenance: bool = False) -> FactContext:
    log = EventLog.from_dict(case["log"], source=case["name"])
    moment = resolve_moment(parse_moment(case["at"], log.tz), log)
    return FactContext(default_vocabulary(), log, moment, provenance=provenance)


def _expression(text: str):
    vocab = default_vocabulary()
    return compile_checked(check(parse(text), vocab, text, expect=None), vocab.functions)


def _same(actual: Any, expected: Any) -> bool:
    if isinstance(actual, bool) or isinstance(expected, bool):
        return actual is expected  # True == 1 must not pass
    return json_value(actual) == expected


def _params(kind: str) -> list:
    return [pytest.param(case, name, expected, id=f"{case['name']}: {name}")
            for case in CASES for name, expected in (case.get(kind) or {}).items()]


@pytest.mark.parametrize("case, name, expected", _params("facts"))
def test_fact(case, name, expected):
    value = _context(case)[name]
    assert _same(value, expected), f"{name} = {json_value(value)!r}, expected {expected!r}"


@pytest.mark.parametrize("case, text, expected", _params("exprs"))
def test_expression(case, text, expected):
    value = _expression(text)(_context(case))
    assert _same(value, expected), f"{text} = {json_value(value)!r}, expected {expected!r}"


@pytest.mark.parametrize("case, text, expected", _params("exprs"))
def test_traced_expression_agrees(case, text, expected):
    """The tracing interpreter gives what the generated code gives."""
    value, _ = _expression(text).trace(_context(case))
    assert _same(value, expected)


def test_fact_types_match_their_declaration():
    kinds = {"int": (int,), "bool": (bool,), "string": (str,), "datetime": (datetime,),
             "number": (int, float), "list": (tuple,)}
    vocab = default_vocabulary()
    for case in CASES:
        ctx = _context(case)
        for name, spec in vocab.facts.items():
            value = ctx[name]
            if value is not None:
                assert isinstance(value, kinds[spec.type.name]), (case["name"], name, value)
                if spec.type.name == "int":
                    assert not isinstance(value, bool), (case["name"], name)


def test_every_fact_is_covered_known_and_unknown():
    vocab = default_vocabulary()
    known: set[str] = set()
    unknown: set[str] = set()
    for case in CASES:
        for name, expected in (case.get("facts") or {}).items():
            assert name in vocab.facts, f"{case['name']}: no fact '{name}'"
            (unknown if expected is None else known).add(name)
    assert set(vocab.facts) - known == set(), "facts never seen with a value"
    assert set(vocab.facts) - NEVER_NULL - unknown == set(), "facts never seen unknown"
    assert NEVER_NULL & unknown == set()


def test_every_builtin_is_covered_known_and_unknown():
    known: set[str] = set()
    unknown: set[str] = set()
    keywords: set[str] = set()
    for case in CASES:
        for text, expected in (case.get("exprs") or {}).items():
            node = parse(text)
            while isinstance(node, Attribute):  # last("reply_received").tone
                node = node.obj
            if isinstance(node, Call):
                (unknown if expected is None else known).add(node.func)
            for n in walk(node):
                if isinstance(n, Call) and n.func == "count":
                    keywords.update(k.name for k in n.keywords)
    assert set(BUILTINS) - known == set()
    assert set(BUILTINS) - {"exists"} - unknown == set()
    assert keywords == {"after", "before"}


def test_exists_is_never_null():
    for case in CASES:
        ctx = _context(case)
        for name in default_vocabulary().facts:
            assert _expression(f"exists({name})")(ctx) is (ctx[name] is not None)


def test_facts_are_computed_once():
    calls = []
    case = CASES[1]
    ctx = _context(case)
    spec = ctx.vocabulary.facts["interview"]
    original = spec.compute
    object.__setattr__(spec, "compute", lambda c: calls.append(1) or original(c))
    try:
        for _ in range(3):
            ctx["interview"]
            ctx["thank_you_sent"]  # reads interview
            ctx["interview_part_of_day"]  # reads interview (a fact function)
    finally:
        object.__setattr__(spec, "compute", original)
    assert calls == [1]


def test_unknown_fact_is_a_key_error():
    with pytest.raises(KeyError):
        _context(CASES[0])["no_such_fact"]


# -- provenance ---------------------------------------------------------------

PROVENANCE_LOG = {
    "timezone": "America/New_York",
    "events": [
        {"type": "interview", "at": "2026-11-16T10:00", "interviewers": ["Jane Roe", "Sam Poe"], "id": "int"},
        {"type": "decision_expected", "at": "2026-11-16T10:50", "by": "2026-11-20", "id": "date1"},
        {"type": "thank_you_sent", "at": "2026-11-16T16:30", "to": ["Jane Roe"], "id": "ty1"},
        {"type": "follow_up_sent", "at": "2026-11-18T09:00", "id": "early"},
        {"type": "decision_expected", "at": "2026-11-18T09:10", "by": "2026-11-21", "id": "date2"},
        {"type": "follow_up_sent", "at": "2026-11-23T09:00", "id": "f1"},
        {"type": "reply_received", "at": "2026-11-23T15:00", "tone": "neutral", "id": "r1"},
        {"type": "follow_up_sent", "at": "2026-11-25T09:00", "id": "f2"},
        {"type": "follow_up_sent", "at": "2026-12-01T09:00", "id": "later"},
    ],
}


def _provenance_context(**kw) -> FactContext:
    log = EventLog.from_dict(PROVENANCE_LOG)
    moment = resolve_moment(parse_moment("2026-11-26T12:00", log.tz), log)
    return FactContext(default_vocabulary(), log, moment, **kw)


def _ids(events) -> list[str]:
    return [e.id for e in events]


def test_provenance_of_contacts_since_deadline():
    ctx = _provenance_context(provenance=True)
    assert ctx["contacts_since_deadline"] == 2
    # the statement the deadline came from, and the follow-ups counted (not
    # the one before the date, nor the one after the moment)
    assert _ids(ctx.sources("contacts_since_deadline")) == ["date2", "f1", "f2"]
    assert _ids(ctx.sources("deadline")) == ["date2"]


@pytest.mark.parametrize("fact, ids", [
    ("interview", ["int"]),
    ("thank_you_sent", ["int", "ty1"]),
    ("interviewers_not_thanked", ["int", "ty1"]),
    ("contacts_since_interview", ["int", "early", "f1", "f2"]),
    ("last_contact", ["f2"]),
    ("unanswered_contacts", ["r1", "f2"]),
    ("last_reply_tone", ["r1"]),
    ("references_notified", []),
    ("now", []),
])
def test_provenance_names_the_events_used(fact, ids):
    ctx = _provenance_context(provenance=True)
    assert _ids(ctx.sources(fact)) == ids


def test_provenance_does_not_depend_on_reading_order():
    names = list(default_vocabulary().facts)
    assert all(e["id"] for e in PROVENANCE_LOG["events"])
    forward = _provenance_context(provenance=True)
    backward = _provenance_context(provenance=True)
    for name in names:
        forward[name]
    for name in reversed(names):
        backward[name]
    for name in names:
        assert _ids(forward.sources(name)) == _ids(backward.sources(name)), name


def test_provenance_is_off_by_default():
    ctx = _provenance_context()
    assert ctx.provenance is None
    with pytest.raises(ValueError, match="provenance is off"):
        ctx.sources("interview")


def test_provenance_does_not_change_values():
    plain = _provenance_context()
    traced = _provenance_context(provenance=True)
    for name in default_vocabulary().facts:
        assert json_value(plain[name]) == json_value(traced[name]), name


def test_later_context_keeps_clock_free_facts():
    ctx = _provenance_context()
    ctx["deadline"], ctx["now"]
    later = ctx.at(parse_moment("2026-11-30T12:00", ctx.tz))
    assert "deadline" in later and "now" not in later
    assert later["now"].isoformat() == "2026-11-30T12:00:00-05:00"
