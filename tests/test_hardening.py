"""Hostile and broken input, case by case: YAML tags that would run code,
alias bombs, oversized and over-deep files, duplicate keys, lone surrogates,
and the bound on events per log. Each must be a clean ``RulesError`` with its
code and position (and, from the CLI, exit code 2 without a traceback),
never code execution, a hang or a memory blow-up.

The generated (hypothesis) counterparts are in test_fuzz.py.
"""

from __future__ import annotations

import inspect
import io
import json
import time
import tracemalloc
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
from hang_guard import time_limit  # noqa: F401  (autouse: a hang fails the test)

import engine
from engine.cli import main
from engine.errors import CODES, InputError, LogError, RulesError
from engine.model.eventlog import MAX_EVENTS, EventLog, iter_jsonl_logs, load_log
from engine.model.policies import MAX_POLICIES, MAX_RULES_PER_POLICY, load_policies, load_policy_file
from engine.input.documents import DEFAULT_INPUT_LIMITS, InputLimits, load_document, parse_document

ROOT = Path(__file__).resolve().parent.parent
HAYES = ROOT / "policies" / "hayes" / "1.0.0.yaml"
TIME_LIMIT = 60

LOG_HEAD = "timezone: America/New_York\nevents:\n"
INTERVIEW = "  - {type: interview, at: 2026-11-16T10:00, interviewers: [Jane Roe], format: video}\n"


def run_cli(*argv: str) -> tuple[int, str]:
    """``rules ARGV`` with real (strict UTF-8) streams: exit code and output."""
    out_bytes, err_bytes = io.BytesIO(), io.BytesIO()
    out = io.TextIOWrapper(out_bytes, encoding="utf-8")
    err = io.TextIOWrapper(err_bytes, encoding="utf-8", errors="backslashreplace")
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(argv))
        out.flush()
        err.flush()
    return code, out_bytes.getvalue().decode() + err_bytes.getvalue().decode()


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# -- tags: nothing is ever constructed from a tag ----------------------------------------

def _tagged_values(marker: Path) -> list[str]:
    touch = f"touch {marker}"
    return [
        f"!!python/object/apply:os.system [{touch!r}]",
        f"!!python/object/apply:subprocess.check_call [[touch, '{marker}']]",
        f"!!python/object/new:os.system [{touch!r}]",
        "!!python/object:os.system {}",
        "!!python/name:os.system",
        "!!python/module:os",
        "!!python/tuple [1, 2]",
        f"!<tag:yaml.org,2002:python/object/apply:os.system> [{touch!r}]",
        "!foo bar",
        "!foo {a: 1}",
        "!!binary aGVsbG8=",
        "!!set {a, b}",
        "!!omap [a: 1]",
        "!!timestamp 2026-11-16",
    ]


TAG_INDEXES = range(len(_tagged_values(Path("x"))))


@pytest.mark.parametrize("index", TAG_INDEXES)
def test_a_tag_in_a_log_is_refused_and_nothing_runs(tmp_path, index):
    marker = tmp_path / "pwned"
    value = _tagged_values(marker)[index]
    line = f"  - {{type: notes_written, at: 2026-11-16T12:00, note: {value} }}\n"
    path = write(tmp_path / "log.yaml", LOG_HEAD + INTERVIEW + line)
    with pytest.raises(InputError) as info:
        load_log(path)
    assert info.value.code == "RULES-E012"
    assert (info.value.line, info.value.column) == (4, line.index("!") + 1)
    assert "tag" in info.value.message
    assert not marker.exists()


@pytest.mark.parametrize("index", TAG_INDEXES)
def test_a_tag_in_a_policy_is_refused_and_nothing_runs(tmp_path, index):
    marker = tmp_path / "pwned"
    value = _tagged_values(marker)[index]
    text = HAYES.read_text("utf-8").replace("title: Follow up after the Job Interview", f"title: {value}", 1)
    path = write(tmp_path / "hayes" / "1.0.0.yaml", text)
    with pytest.raises(InputError) as info:
        load_policy_file(path)
    assert (info.value.code, info.value.line, info.value.column) == ("RULES-E012", 4, 8)
    assert not marker.exists()
    code, output = run_cli("check", str(tmp_path))
    assert code == 2 and "RULES-E012" in output and "Traceback" not in output
    assert not marker.exists()


@pytest.mark.parametrize("where", ["key", "root", "sequence item", "tag directive"])
def test_tags_anywhere_are_refused(tmp_path, where):
    marker = tmp_path / "pwned"
    text = {
        "key": f"? !!python/object/apply:os.system ['touch {marker}']\n: 1\n",
        "root": f"!!python/object/apply:os.system ['touch {marker}']\n",
        "sequence item": f"events: [!!python/object/apply:os.system ['touch {marker}']]\n",
        "tag directive": ("%TAG !py! tag:yaml.org,2002:python/object/apply:\n---\n"
                          f"events: !py!os.system ['touch {marker}']\n"),
    }[where]
    with pytest.raises(InputError) as info:
        load_log(write(tmp_path / "log.yaml", text))
    assert info.value.code == "RULES-E012"
    assert not marker.exists()


def test_a_tagged_log_from_the_cli_is_exit_2_without_traceback(tmp_path):
    marker = tmp_path / "pwned"
    path = write(tmp_path / "log.yaml", LOG_HEAD + f"  - !!python/object/apply:os.system ['touch {marker}']\n")
    code, output = run_cli("explain", str(path), "--at", "2026-11-20T09:00", "--policy", "hayes")
    assert code == 2
    assert "RULES-E012" in output and "Traceback" not in output
    assert not marker.exists()


def test_plain_standard_tags_are_still_plain_values():
    assert parse_document("a: !!str 12\nb: !!int '7'\nc: !!null ''\n").data == {"a": "12", "b": 7, "c": None}


# -- alias bombs --------------------------------------------------------------------------

def billion_laughs(levels: int = 9, width: int = 10) -> str:
    lines = ["a0: &a0 [" + ", ".join(['"lol"'] * width) + "]"]
    for i in range(1, levels + 1):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


BOMBS = {
    "sequences": billion_laughs(),
    "mappings": "a0: &a0 {x: lol, y: lol}\n" + "".join(
        f"a{i}: &a{i} {{x: *a{i - 1}, y: *a{i - 1}, z: *a{i - 1}}}\n" for i in range(1, 40)),
    "inside a log": LOG_HEAD + "  - &e {type: notes_written, at: 2026-11-16T12:00}\n" + "".join(
        f"  - &l{i} [" + ", ".join([f"*{'e' if i == 0 else f'l{i - 1}'}"] * 10) + "]\n" for i in range(9)),
    "merge keys": "a0: &a0 {x0: [lol, lol, lol, lol, lol, lol, lol, lol]}\n" + "".join(
        f"a{i}: &a{i} {{<<: *a{i - 1}, x{i}: [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]}}\n" for i in range(1, 30)),
}


@pytest.mark.parametrize("name", sorted(BOMBS))
def test_an_alias_bomb_is_refused_quickly_before_memory_grows(tmp_path, name):
    path = write(tmp_path / "bomb.yaml", BOMBS[name])
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(InputError) as info:
            load_log(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert info.value.code == "RULES-E013"
    assert info.value.message == f"more than {DEFAULT_INPUT_LIMITS.max_nodes} values (after expanding aliases)"
    assert info.value.line is not None and info.value.line <= BOMBS[name].count("\n")
    assert peak < 50_000_000, f"peak {peak / 1e6:.0f} MB"
    assert time.perf_counter() - started < 20  # before the fix: a minute and 640 MB


def test_the_alias_bomb_from_the_cli_is_exit_2(tmp_path):
    path = write(tmp_path / "bomb.yaml", billion_laughs())
    code, output = run_cli("explain", str(path), "--at", "2026-11-20T09:00", "--policy", "hayes")
    assert code == 2 and "RULES-E013" in output and "Traceback" not in output


def test_aliases_within_the_limit_still_expand():
    doc = parse_document("base: &b {x: 1}\nuse: [*b, *b]\nmerged: {<<: *b, y: 2}\n")
    assert doc.data == {"base": {"x": 1}, "use": [{"x": 1}, {"x": 1}], "merged": {"x": 1, "y": 2}}
    # exactly at the node limit: the mapping, 2 keys, 2 values, the sequence and 2 aliases of 1
    text = "a: &a x\nb: [*a, *a]\n"
    assert parse_document(text, limits=InputLimits(max_nodes=7)).data == {"a": "x", "b": ["x", "x"]}
    with pytest.raises(InputError) as info:
        parse_document(text, limits=InputLimits(max_nodes=6))
    assert (info.value.code, info.value.line, info.value.column) == ("RULES-E013", 2, 9)


@pytest.mark.parametrize("text", ["a: &a [*a]\n", "a: &a {b: *a}\n", "a: &a {<<: *a}\n",
                                  "a: &a [1, [2, [*a]]]\n"])
def test_an_alias_inside_its_own_value_is_refused(text):
    with pytest.raises(InputError) as info:
        parse_document(text, "self.yaml")
    assert info.value.code == "RULES-E013"
    assert info.value.message == "alias *a is used inside the value it names"


# -- size and depth -----------------------------------------------------------------------

def test_a_file_over_the_size_limit_is_refused_without_reading_it(tmp_path, monkeypatch):
    path = tmp_path / "big.yaml"
    with open(path, "wb") as handle:
        handle.write(LOG_HEAD.encode())
        handle.seek(DEFAULT_INPUT_LIMITS.max_bytes)
        handle.write(b"\n")  # a sparse file one byte over the limit
    read = []
    monkeypatch.setattr(Path, "read_text", lambda self, *a, **k: read.append(self) or "")
    with pytest.raises(InputError) as info:
        load_log(path)
    assert info.value.code == "RULES-E013"
    assert info.value.message == f"file is {DEFAULT_INPUT_LIMITS.max_bytes + 1} bytes, over the limit of 20000000"
    assert read == []
    monkeypatch.undo()
    code, output = run_cli("explain", str(path), "--at", "2026-11-20T09:00", "--policy", "hayes")
    assert code == 2 and "RULES-E013" in output and "Traceback" not in output


def test_the_size_limit_counts_utf8_bytes_and_is_configurable(tmp_path):
    small = InputLimits(max_bytes=100)
    text = "subject: " + "é" * 45 + "x\n"  # 101 bytes, 56 characters
    with pytest.raises(InputError) as info:
        parse_document(text, limits=small)
    assert (info.value.code, info.value.message) == ("RULES-E013", "file is larger than 100 bytes")
    with pytest.raises(InputError) as info:
        load_document(write(tmp_path / "x.yaml", text), limits=small)
    assert info.value.message == "file is 101 bytes, over the limit of 100"
    assert parse_document(text.replace("x", ""), limits=small).data == {"subject": "é" * 45}


def test_too_many_plain_values_are_refused(tmp_path):
    text = "[" + ", ".join(["1"] * 1000) + "]\n"
    with pytest.raises(InputError) as info:
        parse_document(text, limits=InputLimits(max_nodes=500))
    assert info.value.code == "RULES-E013"
    assert info.value.column == 2 + 3 * 499  # the 501st value: the list and 500 items fit
    assert len(parse_document(text, limits=InputLimits(max_nodes=1001)).data) == 1000


@pytest.mark.parametrize("text", ["[" * 100_000, "[" * 5_000 + "]" * 5_000,
                                  "a:\n" + "".join(" " * i + "- \n" for i in range(1, 400)),
                                  "{a: " * 3000 + "1" + "}" * 3000])
def test_deep_nesting_is_a_clean_error_not_a_recursion_error(text):
    with pytest.raises(InputError) as info:
        parse_document(text)
    assert info.value.code in ("RULES-E013", "RULES-E010")


def test_nesting_at_the_depth_limit_is_fine():
    data = parse_document("[" * 201 + "]" * 201).data
    depth = 0
    while data:
        data, depth = data[0], depth + 1
    assert depth == 200
    with pytest.raises(InputError) as info:
        parse_document("[" * 202 + "]" * 202)
    assert (info.value.message, info.value.column) == ("nested deeper than 200 levels", 202)


def test_deep_json_is_a_clean_error(tmp_path):
    for text in ("[" * 100_000 + "]" * 100_000, '{"a": ' * 300 + "1" + "}" * 300):
        with pytest.raises(InputError) as info:
            load_log(write(tmp_path / "deep.json", text))
        assert info.value.code == "RULES-E013"


# -- duplicate keys -----------------------------------------------------------------------

def test_a_duplicate_key_in_a_policy_names_the_second_one(tmp_path):
    lines = HAYES.read_text("utf-8").splitlines(keepends=True)
    when = next(i for i, line in enumerate(lines) if line.strip().startswith("when:"))
    lines.insert(when + 1, "    when: exists(interview)\n")
    path = write(tmp_path / "hayes" / "1.0.0.yaml", "".join(lines))
    with pytest.raises(InputError) as info:
        load_policy_file(path)
    err = info.value
    assert (err.code, err.line, err.column) == ("RULES-E011", when + 2, 5)
    assert err.message == f"duplicate key 'when' (first at line {when + 1})"
    assert err.render().splitlines()[1] == "        when: exists(interview)"
    code, output = run_cli("check", str(tmp_path))
    assert code == 2 and f"1.0.0.yaml:{when + 2}:5: RULES-E011" in output and "Traceback" not in output


def test_a_duplicate_top_level_key_in_a_policy(tmp_path):
    text = HAYES.read_text("utf-8") + "title: Another title\n"
    with pytest.raises(InputError) as info:
        load_policy_file(write(tmp_path / "hayes" / "1.0.0.yaml", text))
    assert (info.value.code, info.value.line, info.value.column) == ("RULES-E011", text.count("\n"), 1)


@pytest.mark.parametrize("suffix", ["yaml", "json"])
def test_a_duplicate_key_in_a_log_names_the_second_one(tmp_path, suffix):
    if suffix == "yaml":
        text = LOG_HEAD + INTERVIEW + "  - type: follow_up_sent\n    at: 2026-11-20T09:00\n    channel: email\n    at: 2026-11-21T09:00\n"
        where = (7, 5)
    else:
        text = ('{"timezone": "UTC", "events": [\n'
                '  {"type": "notes_written", "at": "2026-11-16T10:00", "at": "2026-11-17T10:00"}\n]}\n')
        where = (2, 55)
    with pytest.raises(InputError) as info:
        load_log(write(tmp_path / f"log.{suffix}", text))
    assert (info.value.code, info.value.line, info.value.column) == ("RULES-E011", *where)
    assert info.value.message.startswith("duplicate key 'at' (first at line")


def test_a_duplicate_events_key_in_a_log(tmp_path):
    text = LOG_HEAD + INTERVIEW + "events: []\n"
    with pytest.raises(InputError) as info:
        load_log(write(tmp_path / "log.yaml", text))
    assert (info.value.code, info.value.line, info.value.column) == ("RULES-E011", 4, 1)
    assert info.value.message == "duplicate key 'events' (first at line 2)"


# -- text that is not text ----------------------------------------------------------------

@pytest.mark.parametrize("data", [b"\xff\xfe\x00", b"events: [\x80]\n", b"\x00" * 10])
def test_binary_garbage_is_a_clean_error(tmp_path, data):
    path = tmp_path / "log.yaml"
    path.write_bytes(data)
    with pytest.raises(RulesError) as info:
        load_log(path)
    assert info.value.code in ("RULES-E010", "RULES-E051")


def test_lone_surrogate_escapes_are_refused_and_pairs_are_joined(tmp_path):
    bad = write(tmp_path / "bad.yaml", LOG_HEAD + '  - {type: notes_written, at: 2026-11-16T12:00, note: "x \\udc00"}\n')
    with pytest.raises(InputError) as info:
        load_log(bad)
    assert (info.value.code, info.value.line, info.value.column) == ("RULES-E010", 3, 55)
    code, output = run_cli("explain", str(bad), "--at", "2026-11-20T09:00", "--policy", "hayes")
    assert code == 2 and "Traceback" not in output
    good = write(tmp_path / "good.yaml", 'subject: "\\ud83d\\ude00 Acme"\n' + LOG_HEAD + INTERVIEW)
    assert load_log(good).subject == "\U0001F600 Acme"
    as_json = write(tmp_path / "good.json", json.dumps({"subject": "\U0001F600", "events": []}))
    assert load_log(as_json).subject == "\U0001F600"


# -- the bound on events per log ------------------------------------------------------------

def _events(n: int) -> str:
    return "".join(f"  - {{type: notes_written, at: 2026-11-16T{10 + i % 10}:00}}\n" for i in range(n))


def test_max_events_defaults_to_a_million_everywhere():
    assert MAX_EVENTS == 1_000_000
    for fn in (load_log, EventLog.from_dict, iter_jsonl_logs):
        assert inspect.signature(fn).parameters["max_events"].default == MAX_EVENTS
    assert (MAX_POLICIES, MAX_RULES_PER_POLICY) == (1_000, 10_000)
    assert CODES["RULES-E013"] == "input over a size limit"
    documented = (ROOT / "docs" / "errors.md").read_text("utf-8")
    row = next(line for line in documented.splitlines() if line.startswith("| RULES-E013 "))
    assert "1,000,000 events" in row and "`max_events=`" in row
    limits = (ROOT / "docs" / "embedding.md").read_text("utf-8").split("## Limits", 1)[1]
    for name in ("InputLimits", "MAX_EVENTS", "MAX_POLICIES", "MAX_RULES_PER_POLICY", "engine.language.parser.Limits"):
        assert name in limits, name


def test_a_log_over_max_events_points_at_the_first_event_over_the_limit(tmp_path):
    path = write(tmp_path / "log.yaml", LOG_HEAD + _events(6))
    assert len(load_log(path, max_events=6)) == 6
    with pytest.raises(LogError) as info:
        load_log(path, max_events=4)
    err = info.value
    assert (err.code, err.line, err.column) == ("RULES-E013", 7, 5)  # the fifth event
    assert err.message == "6 events; the limit is 4"
    assert err.hint == "split the log, or raise max_events"
    assert err.render().splitlines()[1] == "      - {type: notes_written, at: 2026-11-16T14:00}"


def test_max_events_is_checked_before_the_events(tmp_path):
    # events over the limit are not even validated: the bound comes first
    path = write(tmp_path / "log.yaml", LOG_HEAD + _events(3) + "  - {type: no_such_type}\n")
    with pytest.raises(LogError) as info:
        load_log(path, max_events=3)
    assert info.value.code == "RULES-E013"


def test_max_events_for_data_and_json_lines(tmp_path):
    row = {"events": [{"type": "notes_written", "at": "2026-11-16T12:30"}] * 3}
    with pytest.raises(LogError) as info:
        EventLog.from_dict(row, source="row 7", max_events=2)
    assert str(info.value) == "row 7: RULES-E013 events[2]: 3 events; the limit is 2"
    assert len(EventLog.from_dict(row, max_events=3)) == 3
    path = write(tmp_path / "logs.jsonl", json.dumps(row) + "\n" + json.dumps({"events": []}) + "\n")
    results = list(iter_jsonl_logs(path, max_events=2))
    assert [n for n, _ in results] == [1, 2]
    assert isinstance(results[0][1], LogError) and results[0][1].code == "RULES-E013"
    assert results[0][1].line == 1
    assert isinstance(results[1][1], EventLog)


def test_the_default_bound_is_enforced(tmp_path):
    # a list of a million and one (shared) events: refused by count, before any is read
    event = {"type": "notes_written", "at": "2026-11-16T12:30"}
    with pytest.raises(LogError) as info:
        EventLog.from_dict({"events": [event] * (MAX_EVENTS + 1)})
    assert info.value.message == "1000001 events; the limit is 1000000"


def test_the_policy_bounds_are_errors_not_crashes(tmp_path):
    root = tmp_path / "policies"
    write(root / "hayes" / "1.0.0.yaml", HAYES.read_text("utf-8"))
    with pytest.raises(InputError) as info:
        load_policies(root, max_policies=0)
    assert info.value.code == "RULES-E013"
    with pytest.raises(engine.PolicyError) as info:
        load_policies(root, max_rules=3)
    assert (info.value.code, info.value.message) == ("RULES-E013", "16 rules; the limit is 3")


@pytest.mark.parametrize("command", [
    ["explain", "{log}", "--at", "2026-11-20T09:00", "--policy", "hayes"],
    ["explain", "{log}", "--at", "2026-11-20T09:00", "--policy", "hayes", "--format", "html"],
    ["plan", "{log}", "--from", "2026-11-20T09:00", "--policy", "hayes"],
    ["log", "list", "{log}"],
    ["log", "add", "{log}", "follow_up_sent", "channel=email", "--at", "2026-11-20T09:00"],
])
@pytest.mark.parametrize("content", ["tag", "bomb", "self alias", "surrogate", "year 9999"])
def test_every_command_reading_a_log_refuses_hostile_content_cleanly(tmp_path, command, content):
    marker = tmp_path / "pwned"
    text = {
        "tag": LOG_HEAD + f"  - !!python/object/apply:os.system ['touch {marker}']\n",
        "bomb": billion_laughs(),
        "self alias": LOG_HEAD + "  - &e {type: notes_written, at: 2026-11-16T12:00, note: [*e]}\n",
        "surrogate": LOG_HEAD + INTERVIEW + '  - {type: notes_written, at: 2026-11-16T12:00, note: "\\ud800"}\n',
        "year 9999": LOG_HEAD + "  - {type: offer, at: 9999-12-31T23:59-12:00}\n",
    }[content]
    path = write(tmp_path / "log.yaml", text)
    code, output = run_cli(*[part.format(log=path) for part in command])
    assert code == 2, output
    assert "Traceback" not in output and "RULES-E0" in output
    assert path.read_text("utf-8") == text  # `log add` left the file as it was
    assert not marker.exists()
