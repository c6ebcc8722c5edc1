"""Loading a vocabulary: facts over other facts, cycles, and precise errors."""

from __future__ import annotations

import pickle
import re
import textwrap

import pytest

from engine.errors import VocabularyError
from engine.model.eventlog import EventLog
from engine.model.fact_functions import FactFunction
from engine.runtime.facts import FactContext
from engine.model.policies import default_vocabulary
from engine.input.times import parse_moment
from engine.model.vocabulary import load_vocabulary

HEADER = """\
vocabulary: tiny
version: 1.0.0
event_types:
  ping: {doc: A ping., fields: {size: {type: int, doc: How big., default: 1}}}
facts:
"""


def _write(tmp_path, facts: str, name: str = "vocabulary.yaml"):
    path = tmp_path / name
    path.write_text(HEADER + textwrap.indent(textwrap.dedent(facts), "  "), encoding="utf-8")
    return path


def _line_of(path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def test_a_small_vocabulary_works(tmp_path):
    path = _write(tmp_path, """\
        pings: {type: int, expr: 'count("ping")', doc: Pings so far.}
        last_size: {type: int, expr: 'last("ping").size', doc: Size of the latest ping.}
        busy: {type: bool, expr: 'pings >= 2 and last_size > 1', doc: Busy.}
        """)
    vocab = load_vocabulary(path)
    assert vocab.name == "tiny" and vocab.version == "1.0.0" and vocab.source == str(path)
    assert set(vocab.facts) == {"pings", "last_size", "busy"}
    assert vocab.facts["busy"].uses == {"pings", "last_size"}
    log = EventLog.from_dict({"events": [{"type": "ping", "at": "2026-01-01T10:00"},
                                         {"type": "ping", "at": "2026-01-02T10:00", "size": 3}]},
                             vocab)
    ctx = FactContext(vocab, log, parse_moment("2026-01-03", log.tz))
    assert (ctx["pings"], ctx["last_size"], ctx["busy"]) == (2, 3, True)
    assert pickle.loads(pickle.dumps(vocab)).facts.keys() == vocab.facts.keys()


@pytest.mark.parametrize("facts, cycle, first", [
    ("""\
     a: {type: int, expr: 'b + 1', doc: A.}
     b: {type: int, expr: 'c + 1', doc: B.}
     c: {type: int, expr: 'a + 1', doc: C.}
     """, "a → b → c → a", "a:"),
    ("""\
     ok: {type: int, expr: 'count("ping")', doc: Fine.}
     me: {type: int, expr: 'me + ok', doc: Itself.}
     """, "me → me", "me:"),
    ("""\
     start: {type: int, expr: 'loop1', doc: Leads into the loop.}
     loop1: {type: int, expr: 'loop2 * 2', doc: One.}
     loop2: {type: int, expr: 'max(loop1, 3)', doc: Two.}
     """, "loop1 → loop2 → loop1", "loop1:"),
])
def test_a_cycle_between_facts_is_an_error_naming_it(tmp_path, facts, cycle, first):
    path = _write(tmp_path, facts)
    with pytest.raises(VocabularyError) as info:
        load_vocabulary(path)
    err = info.value
    assert err.code == "RULES-E041"
    line = _line_of(path, first)
    assert str(err) == f"{path}:{line}:3: RULES-E041 cycle between facts: {cycle}"
    assert "itself" in err.hint


def test_a_cycle_through_a_fact_function(tmp_path):
    path = _write(tmp_path, """\
        doubled: {type: int, function: double, doc: Twice base.}
        base: {type: int, expr: 'doubled - count("ping")', doc: Uses doubled.}
        """)
    double = FactFunction(lambda ctx: 2 * ctx["base"], uses=("base",))
    with pytest.raises(VocabularyError, match="cycle between facts: doubled → base → doubled") as info:
        load_vocabulary(path, fact_functions={"double": double})
    assert info.value.code == "RULES-E041"


def test_an_embedding_app_brings_its_own_fact_function(tmp_path):
    path = _write(tmp_path, """\
        pings: {type: int, expr: 'count("ping")', doc: Pings.}
        doubled: {type: int, function: double, doc: Twice the pings.}
        """)
    double = FactFunction(lambda ctx: 2 * ctx["pings"], uses=("pings",))
    vocab = load_vocabulary(path, fact_functions={"double": double})
    log = EventLog.from_dict({"events": [{"type": "ping", "at": "2026-01-01T10:00"}]}, vocab)
    assert FactContext(vocab, log, parse_moment("2026-01-02", log.tz))["doubled"] == 2


@pytest.mark.parametrize("facts, marker, code, words", [
    ("x: {type: int, expr: 'count(\"pong\")', doc: X.}\n", '"pong"', "RULES-E003",
     "unknown event type 'pong'"),
    ("x: {type: int, expr: 'pigns + 1', doc: X.}\npings: {type: int, expr: 'count(\"ping\")', doc: P.}\n",
     "pigns", "RULES-E003", "unknown fact 'pigns'"),
    ("x: {type: bool, expr: 'count(\"ping\")', doc: X.}\n", "count", "RULES-E040",
     "fact 'x' is declared bool but its definition is int"),
    ("x: {type: int, function: no_such, doc: X.}\n", "no_such", "RULES-E040",
     "no fact function 'no_such'"),
    ("x: {type: int, expr: 'last(\"ping\").sise', doc: X.}\n", 'last("ping").sise', "RULES-E003",
     "no field 'sise'"),
    ("days_since: {type: int, expr: '1', doc: Clash.}\n", "days_since", "RULES-E040",
     "fact 'days_since' has the name of a function"),
    ("x: {type: integer, expr: '1', doc: X.}\n", "integer", "RULES-E040", "integer"),
])
def test_vocabulary_errors_point_into_the_file(tmp_path, facts, marker, code, words):
    path = _write(tmp_path, facts)
    with pytest.raises(VocabularyError) as info:
        load_vocabulary(path)
    err = info.value
    text = path.read_text()
    index = text.index(marker)
    line = text.count("\n", 0, index) + 1
    assert err.code == code
    assert words in err.message
    assert (err.file, err.line) == (str(path), line)
    assert re.match(rf"{re.escape(str(path))}:{line}:\d+: {code} ", str(err))
    if code == "RULES-E003":  # inside the expression: the exact column
        assert err.column == index - text.rfind("\n", 0, index)


def test_unknown_situation_fact(tmp_path):
    path = _write(tmp_path, "pings: {type: int, expr: 'count(\"ping\")', doc: P.}\n")
    path.write_text(path.read_text() + "situation: [pigns]\n")
    with pytest.raises(VocabularyError, match="situation names unknown fact 'pigns'") as info:
        load_vocabulary(path)
    assert info.value.hint == "did you mean 'pings'?"


def test_schema_errors(tmp_path):
    path = tmp_path / "vocabulary.yaml"
    path.write_text(HEADER + "  x: {type: int, doc: Neither expr nor function.}\n")
    with pytest.raises(VocabularyError) as info:
        load_vocabulary(path)
    assert info.value.code == "RULES-E040" and info.value.line == 6


def test_time_dependence_is_derived():
    facts = default_vocabulary().facts
    assert facts["now"].time_dependent
    assert not facts["interview"].time_dependent
    assert not facts["contacts_since_deadline"].time_dependent
    assert not facts["interview_part_of_day"].time_dependent


def test_the_bundled_vocabulary_is_acyclic_and_documented():
    vocab = default_vocabulary()
    for name, spec in vocab.facts.items():
        assert spec.doc and spec.doc[0].isupper() or spec.doc[0] == '"', name
        assert (spec.expr is None) != (spec.function is None), name
        assert spec.uses <= set(vocab.facts), name
    assert set(vocab.situation) <= set(vocab.facts)
