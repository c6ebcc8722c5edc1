"""The two YAML readers of engine/input/yaml_reader.py give the same documents.

``parse_document`` reads with libyaml (PyYAML's C parser) when PyYAML has
it, and hands every text that libyaml does not read cleanly — an error to
report, or one of the few things libyaml reads differently — to the
pure-Python reference reader, which reports errors exactly as before. These
tests read the same texts both ways (``yaml_reader._USE_LIBYAML`` on and off) and
compare data, positions (of values, of keys, of scalars) and errors (code,
line, column, message): the bundled files, examples and test data, a set of
bad inputs, the known differences between the parsers, and generated text.
"""

from __future__ import annotations

import gc
import json
import tracemalloc
from pathlib import Path

import pytest
import yaml
from hang_guard import time_limit  # noqa: F401  (autouse: a hang fails the test)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.input import yaml_reader
from engine.input import yaml_values
from engine.errors import InputError
from engine.input.documents import DEFAULT_INPUT_LIMITS, InputLimits, parse_document

ROOT = Path(__file__).resolve().parents[2]
TIME_LIMIT = 120

pytestmark = pytest.mark.skipif(not getattr(yaml, "__with_libyaml__", False),
                                reason="PyYAML without libyaml: only the reference reader runs")


def read(text: str, libyaml: bool, **kwargs) -> tuple:
    """What ``parse_document`` makes of ``text`` with one reader or the other:
    the data (as its repr: NaN, 1 and True compare apart) and positions, or the
    error's code, line, column and message."""
    saved = yaml_reader._USE_LIBYAML
    yaml_reader._USE_LIBYAML = libyaml
    try:
        doc = parse_document(text, "t.yaml", _lazy_positions=False, **kwargs)
    except InputError as err:
        return ("error", err.code, err.line, err.column, err.message, err.source_line)
    finally:
        yaml_reader._USE_LIBYAML = saved
    positions = doc.positions
    return ("ok", repr(doc.data), dict(positions.values), dict(positions.keys), dict(positions.scalars))


def assert_same(text: str, **kwargs) -> tuple:
    fast, reference = read(text, True, **kwargs), read(text, False, **kwargs)
    assert fast == reference, repr(text)
    return fast


@pytest.fixture
def fast_only(monkeypatch):
    """Fail if the reference reader is asked to read: libyaml must read it."""
    def refuse(*args, **kwargs):
        raise AssertionError("handed over to the reference reader")
    monkeypatch.setattr(yaml_reader, "_read_reference", refuse)


def data_files() -> list[Path]:
    found = [*sorted((ROOT / "policies").glob("*/1.0.0.yaml")), ROOT / "policies" / "vocabulary.yaml",
             ROOT / "policies" / "actions.yaml"]
    for folder in (ROOT / "examples", ROOT / "tests" / "data"):
        found += sorted(p for p in folder.rglob("*") if p.suffix in (".yaml", ".yml", ".json", ".jsonl"))
    return found


@pytest.mark.parametrize("path", data_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_bundled_file_reads_the_same_both_ways(path):
    text = path.read_text("utf-8")
    if path.suffix == ".jsonl":
        for line in text.splitlines():
            assert_same(line, json_only=True)
        return
    result = assert_same(text, json_only=path.suffix == ".json")
    assert result[0] == "ok"


@pytest.mark.parametrize("path", [p for p in data_files() if p.suffix in (".yaml", ".json")],
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_libyaml_reads_every_bundled_file_itself(path, fast_only):
    parse_document(path.read_text("utf-8"), str(path), json_only=path.suffix == ".json")


def billion_laughs() -> str:
    return 'a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n' + "".join(
        f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]\n" for i in range(1, 10))


BAD = {
    "unknown tag": "a: 1\nb: !!python/object:os.system {}\n",
    "tag on a key": "? !!python/name:os.system\n: 1\n",
    "local tag": "events: [!foo bar]\n",
    "duplicate key": "a: 1\nb:\n  c: 2\n  c: 3\n",
    "duplicate key in braces": "a: {x: 1, y: 2, x: 3}\n",
    "alias bomb": billion_laughs(),
    "alias in its own value": "a: &a [*a]\n",
    "alias in its own mapping": "a: &a {b: [1, *a]}\n",
    "merge of itself": "a: &a {<<: *a}\n",
    "deep brackets": "[" * 202 + "]" * 202,
    "deeper than libyaml goes": "[" * 1500 + "]" * 1500,
    "unclosed deep brackets": "[" * 100_000,
    "deep blocks": "a:\n" + "".join(" " * i + "- \n" for i in range(1, 400)),
    "deep braces": "{a: " * 3000 + "1" + "}" * 3000,
    "deep through an alias": "a: &a " + "[" * 150 + "]" * 150 + "\nb: " + "[" * 60 + "*a" + "]" * 60 + "\n",
    "lone surrogate": 'subject: "bad \\ud800 x"\n',
    "lone low surrogate in a key": '"\\udc00": 1\n',
    "merge of a scalar": "<<: x\n",
    "merge of a list with a scalar": "a: &a {x: 1}\nb: {<<: [*a, 3]}\n",
    "tab indentation": "a:\n\t- b\n",
    "tab after a value": "a: b\t\nc: d\n",
    "tab between items": "x: [a,\tb]\n",
    "tab in a plain scalar": "x: a\tb\n",
    "bad int": "a: !!int 12x\n",
    "bad bool": "a: !!bool maybe\n",
    "empty int": "a: !!int ''\n",
    "empty float": "a: !!float ''\n",
    "sequence tag on a scalar": "a: !!seq x\n",
    "key that is a list": "? [a, b]\n: 1\n",
    "unclosed bracket": "events: [\n",
    "bad indentation": "a:\n  b: 1\n c: 2\n",
    "two documents": "a: 1\n---\nb: 2\n",
    "control character": "a: b\x07c\n",
    "DEL": "a: \x7f\n",
    "question mark in brackets": "a: [what?]\n",
    "comment glued to a block scalar": "a: >#c\n  x\n",
    "undefined alias": "a: *nope\n",
    "timestamp tag": "a: !!timestamp 2026-11-16\n",
    "tag before a comma": "a: [!!str, b]\n",
    "tag before a comma in braces": "{a: !!str, b: 1}\n",
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_inputs_give_the_same_error_both_ways(name):
    result = assert_same(BAD[name])
    assert result[0] == "error", result
    assert result[1] in ("RULES-E010", "RULES-E011", "RULES-E012", "RULES-E013")
    if "unacceptable character" not in result[4]:  # a reader error has no line (as before)
        assert result[2] is not None and result[3] is not None


def test_error_codes_and_positions_of_some_bad_inputs():
    expect = {
        "unknown tag": ("RULES-E012", 2, 4),
        "duplicate key": ("RULES-E011", 4, 3),
        "alias bomb": ("RULES-E013", 7),
        "alias in its own value": ("RULES-E013", 1, 8),
        "deep brackets": ("RULES-E013", 1, 202),
        "deeper than libyaml goes": ("RULES-E013", 1, 202),
        "lone surrogate": ("RULES-E010", 1, 10),
        "merge of a list with a scalar": ("RULES-E010", 2, 14),
        "tab indentation": ("RULES-E010", 2, 1),
        "tab after a value": ("RULES-E010", 1, 5),
        "bad bool": ("RULES-E010", 1, 4),
        "empty int": ("RULES-E010", 1, 4),
    }
    for name, want in expect.items():
        got = read(BAD[name], True)
        assert got[1:1 + len(want)] == want, name


@pytest.mark.parametrize("name", ["unknown tag", "tag on a key", "duplicate key", "duplicate key in braces",
                                  "deep through an alias", "merge of a scalar", "merge of a list with a scalar",
                                  "bad int", "bad bool", "key that is a list"])
def test_the_builder_places_errors_alike_on_either_composer(name):
    """Without the hand-over: ``Builder`` on libyaml's nodes reports the
    error where it reports it on the reference composer's nodes."""
    text = BAD[name]

    def build(node, libyaml):
        with pytest.raises(InputError) as info:
            yaml_values.Builder("t.yaml", text, DEFAULT_INPUT_LIMITS, libyaml=libyaml).build(node, ())
        return info.value.code, info.value.line, info.value.column, info.value.message

    assert build(yaml_reader._CLoader(text, 10_000).get_single_node(), True) == \
        build(yaml_reader._Loader(text).get_single_node(), False)


ALIKE = {
    "scalars of every style": "a: 'it''s'\nb: >\n  folded\n  text\n\nc: |-\n  lit\n  eral\nd: \"q\\tx\\u00e9\"\n",
    "numbers and words": "- [1, -2, 0x1F, 0o17, 017, 1_000, 1:20, 1.5, .inf, -.Inf, .nan, 1e3]\n"
                         "- [true, False, yes, no, on, off, ~, null, '', 2026-11-16, 2026-11-16T10:00]\n",
    "explicit tags": "a: !!str 12\nb: !!int '7'\nc: !!null ''\nd: !!float '1'\ne: !!bool 'yes'\n"
                     "f: !<tag:yaml.org,2002:str> x\n",
    "tag directive": "%TAG !m! tag:yaml.org,2002:\n---\na: !m!str 3\n",
    "non-specific tag": "a: ! 12\nb: ! '7'\nc: !\n",
    "aliases and merges": "base: &b {x: 1, y: [a, b]}\nuse: [*b, *b]\nmerged: {<<: *b, z: 2}\n"
                          "block:\n  <<: [*b]\n  w: 3\n",
    "a key named <key>": '"<key>": 1\nb: {"<key>": {c: 2}, 3: x}\n',
    "empty values": "a:\nb: {x: , y}\nc: [? , d: ]\n? e\n",
    "empty value at the end, no line break": "a: 1\n? b",
    "byte order mark": "\ufeffa: 1\nb: 'x'\nc: [d, e]\n",
    "byte order mark inside": "a: b\ufeffc\nd: e\n",
    "CRLF": "a: 1\r\nb: [x, y]\r\nc: |\r\n  z\r\n",
    "other line breaks": "a: x\x85b: y\u2028c: z\u2029d: w\n",
    "astral characters": "😀: ☃ 😀\nb: ['😀', \"\\U0001F600\"]\n",
    "surrogate pair escape": 'a: "\\ud83d\\ude00"\n',
    "tabs in quotes": 'a: "x\ty"\nb: \'\tz\'\nc: "m\n\tn"\n',
    "tab in a comment": "a: 1 # x\ty\n",
    "tab in a block scalar": "a: |\n  x\ty\n",
    "question marks": "a: what?\nb: [\"what?\"]\n? c\n: d\n",
    "JSON style": '{"a":1, "b": ["x", {"c": null}], "d": "\\/"}',
    "explicit document": "%YAML 1.1\n---\na: 1\n...\n",
    "empty document": "",
    "comment only": "# nothing\n",
    "long key": "k" * 1000 + ": 1\n",
    "exclamation marks": 'a: "Great! Thanks"\nb: Wow ! Thanks\nc: [x!, "!"]\n',
}


@pytest.mark.parametrize("name", sorted(ALIKE))
def test_tricky_texts_read_the_same_both_ways(name):
    assert assert_same(ALIKE[name])[0] == "ok"


@pytest.mark.parametrize("text", ['{"a": "\\ud83d\\ude00", "b": [1, 2e3, -0.5]}',
                                  '{"a": 1, "a": 2}', '{"a":\t"x\x7f\x85\u2028"}', "[1, 2", '"\\ud800"'])
def test_json_reads_the_same_both_ways(text):
    assert_same(text, json_only=True)


def test_limits_read_the_same_both_ways():
    for text, max_nodes in (("[" + ", ".join(["1"] * 1000) + "]\n", 500),
                            ("[" + ", ".join(["1"] * 1000) + "]\n", 1001),
                            ("a: &a x\nb: [*a, *a]\n", 6), ("a: &a x\nb: [*a, *a]\n", 7),
                            ("a: {<<: {x: 1}, y: 2}\n", 5), ("a: {<<: {x: 1}, y: 2}\n", 6),
                            ("a: !!merge {x: 1}\n", 3)):
        assert_same(text, limits=InputLimits(max_nodes=max_nodes))


def test_the_alias_bomb_is_refused_before_memory_grows_on_the_libyaml_path():
    tracemalloc.start()
    try:
        result = read(billion_laughs(), True)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result[1:3] == ("RULES-E013", 7)
    assert peak < 5_000_000


def test_libyaml_stops_composing_at_the_node_limit():
    """libyaml composes a whole document before anything is checked: it is
    stopped past the node limit (tagged nodes included), so a long flat
    list costs no more memory than the reference reader spends on it; the
    value over the limit is placed without the reference reader."""
    limits = InputLimits(max_nodes=1000)
    for text in ("[" + "1," * 300_000 + "1]\n", "[" + "!!str a," * 100_000 + "a]\n"):
        tracemalloc.start()
        try:
            with pytest.raises(InputError) as info:
                yaml_reader._read_fast(text, text, "t.yaml", limits)
            assert info.value.code == "RULES-E013"
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert peak < 5_000_000, peak
        assert read(text, True, limits=limits)[:4] == read(text, False, limits=limits)[:4]
        assert read(text, True, limits=limits)[1] == "RULES-E013"


def test_the_garbage_collector_is_left_as_it_was():
    assert gc.isenabled()
    parse_document("a: [1, 2]\n")
    assert gc.isenabled()
    with pytest.raises(InputError):
        parse_document("a: [1, 2\n")
    assert gc.isenabled()
    gc.disable()
    try:
        parse_document("a: [1, 2]\n")
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_large_log_reads_the_same_both_ways(fast_only):
    lines = ["subject: Big", "timezone: America/New_York", "events:"]
    for i in range(2000):
        lines.append(f"  - {{type: interview, at: 2026-01-{1 + i % 28:02d}T10:00, interviewers: [A{i}, 'B'],"
                     f" asked_next_steps: {'true' if i % 2 else 'false'}, note: \"n\\u00e9 {i}\"}}")
    text = "\n".join(lines) + "\n"
    fast = read(text, True)  # the reference reader is refused here: called directly below
    builder = yaml_values.Builder("t.yaml", text, DEFAULT_INPUT_LIMITS)
    data = builder.build(yaml_reader._Loader(text).get_single_node(), ())
    reference = builder.positions
    assert fast == ("ok", repr(data), reference.values, reference.keys, reference.scalars)
    assert len(reference.scalars) > 10_000


# -- generated text ------------------------------------------------------------------------

PIECES = ["a", "b", "key", "é", "😀", ": ", ":", "- ", "-", "[", "]", "{", "}", ", ", ",", "'", '"', "\t", "\n",
          "\n  ", "\n    ", " ", "&a ", "*a", "!!str ", "!!int ", "!!python/name:os.system ", "! ", "!x ", "<<",
          "? ", "?", "|", ">", "|-", "#", " # c", "!!str,", "&b,", '"\\u00e9"', '"\\ud800"', "\ufeff", "\r\n", "\x85", "\u2028",
          "1", "0x1F", "1.5", ".nan", "true", "~", "2020-01-01", "---", "...", "%", "@", "\\", "\x7f"]

SCALARS = st.one_of(st.integers(-10**6, 10**12), st.floats(allow_nan=False), st.booleans(), st.none(),
                    st.text(st.sampled_from(list("ab é😀?:-#&*!|>'\"\\\t\n,[]{}<=%@`~01") + ["\u2028", "\x85"]),
                            max_size=6))
DATA = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4),
    st.dictionaries(st.one_of(st.text(st.sampled_from(list("abé?:- #'\"")), max_size=4), st.integers(0, 9)),
                    inner, max_size=4)), max_leaves=12)


@st.composite
def yaml_texts(draw) -> str:
    data = draw(DATA)
    text = yaml.dump(data if isinstance(data, (dict, list)) else {"k": data}, sort_keys=False,
                     default_flow_style=draw(st.sampled_from([None, True, False])),
                     width=draw(st.sampled_from([10, 80, 1000])), allow_unicode=draw(st.booleans()),
                     indent=draw(st.sampled_from([2, 4])),
                     default_style=draw(st.sampled_from([None, None, '"', "'", "|"])))
    for _ in range(draw(st.integers(0, 2))):  # a little damage
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.sampled_from(PIECES)) + text[at:]
    if draw(st.booleans()):
        text = text.rstrip("\n")
    return text


FUZZ = settings(max_examples=300, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@FUZZ
@given(yaml_texts())
def test_generated_yaml_reads_the_same_both_ways(text):
    assert_same(text)


@FUZZ
@given(st.lists(st.sampled_from(PIECES), max_size=25).map("".join))
def test_token_soup_reads_the_same_both_ways(text):
    assert_same(text)


@FUZZ
@given(DATA)
def test_generated_json_reads_the_same_both_ways(data):
    assert_same(json.dumps(data, ensure_ascii=False), json_only=True)


def test_json_lines_checks_agree_with_the_full_parse_on_blanks_and_surrogates():
    """The quick checks of a JSON Lines line (a substring test for 64 blanks
    where the line has no tab; the encoder for lone surrogates) decide as the
    regular expressions they stand in for: a line they let through parses
    the same lazily and in full, a line they stop goes the full way."""
    from engine.input.documents import _NO_DATA, DEFAULT_INPUT_LIMITS, _one_line_json, parse_document

    long = "x" * 500
    cases = ['{"k": "%s", "b":%s1}' % (long, " " * 70),        # 70 blanks: full way
             '{"k": "%s", "b":%s1}' % (long, " \t" * 40),       # blanks and tabs: full way
             '{"k": "%s", "b": 1}' % long,                       # quick way
             '{"k": "é", "b": 1}', '{"k": "é\ud800"}']
    expected = [True, True, False, False, True]
    for text, full_way in zip(cases, expected):
        assert (_one_line_json(text, DEFAULT_INPUT_LIMITS) is _NO_DATA) == full_way, text[:40]
    assert parse_document(cases[2], "l", json_only=True).data == {"k": long, "b": 1}
