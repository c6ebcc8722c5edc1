

def test_hours_since_counts_elapsed_hours_across_dst():
    # Python subtracts two datetimes of the same ZoneInfo by wall clock:
    # noon to noon across the spring change was 24 h instead of 23.
    from datetime import datetime

    from engine.model.eventlog import EventLog
    from engine.runtime.facts import FactContext
    from engine.language.builtins import hours_since
    from engine.model.policies import default_vocabulary
    from engine.input.times import get_zone

    log = EventLog.from_dict({"timezone": "America/New_York", "events": [
        {"type": "interview", "at": "2026-03-07T12:00", "interviewers": ["A"]}]})
    now = datetime(2026, 3, 8, 12, tzinfo=get_zone("America/New_York"))
    ctx = FactContext(default_vocabulary(), log, now)
    assert hours_since(ctx, ctx["interview"]) == 23.0
    assert hours_since(ctx, now.replace(hour=0)) == 11.0  # same ZoneInfo on both sides


def test_events_in_the_repeated_hour_are_ordered_by_instant():
    # 01:30-04:00 (EDT) happens before 01:10-05:00 (EST) on 2026-11-01; the log
    # sorted them by wall clock and counted the later one at 01:20 EDT.
    from engine.model.eventlog import EventLog
    from engine.runtime.facts import FactContext
    from engine.model.policies import default_vocabulary
    from engine.input.times import get_zone, parse_moment

    tz = get_zone("America/New_York")
    log = EventLog.from_dict({"timezone": "America/New_York", "events": [
        {"type": "interview", "at": "2026-10-30T10:00", "interviewers": ["A"]},
        {"type": "follow_up_sent", "at": "2026-11-01T01:10-05:00", "id": "est"},
        {"type": "follow_up_sent", "at": "2026-11-01T01:30-04:00", "id": "edt"}]})
    assert [e.id for e in log.events] == [None, "edt", "est"]
    ctx = FactContext(default_vocabulary(), log, parse_moment("2026-11-01T01:20-04:00", tz))
    assert ctx["contacts_since_interview"] == 0
    assert ctx["last_contact"] is None
    ctx = FactContext(default_vocabulary(), log, parse_moment("2026-11-01T01:20-05:00", tz))
    assert ctx["contacts_since_interview"] == 2
    assert ctx["last_contact"].isoformat() == "2026-11-01T01:10:00-05:00"


def test_jsonl_errors_name_the_line_once(tmp_path):
    # Errors in a JSON Lines file read "logs.jsonl:2:2:40" (the line twice).
    from engine.errors import LogError
    from engine.model.eventlog import iter_jsonl_logs

    path = tmp_path / "logs.jsonl"
    path.write_text('{"events": []}\n'
                    '{"events": [{"type": "interview", "at": "x", "interviewers": ["A"]}]}\n')
    results = list(iter_jsonl_logs(path))
    assert results[0][1].source == f"{path}:1"
    err = results[1][1]
    assert isinstance(err, LogError)
    assert str(err).startswith(f"{path}:2:41: RULES-E022 ")


def test_unknown_log_key_gets_a_did_you_mean(tmp_path):
    # The JSON Schema check ran first and reported "'timezon' was unexpected"
    # with the schema's description as the hint; the log's own check, with a
    # did-you-mean, never ran.
    import pytest

    from engine.errors import LogError
    from engine.model.eventlog import load_log

    path = tmp_path / "log.yaml"
    path.write_text("timezon: UTC\nevents: []\n")
    with pytest.raises(LogError) as info:
        load_log(path)
    assert str(info.value).startswith(f"{path}:1:1: RULES-E020 unknown key")
    assert "'timezon'" in str(info.value)
    assert info.value.hint == "did you mean 'timezone'?"


def test_json_is_read_as_json(tmp_path):
    # JSON was read by the YAML parser: a tab between tokens (valid JSON) was a
    # YAML error, 1e3 stayed a string and a \u surrogate pair stayed two halves.
    from engine.input.documents import load_document

    path = tmp_path / "data.json"
    path.write_text('{\n\t"a": 1e3,\n\t"b": "\\ud83d\\ude00"\n}\n')
    doc = load_document(path)
    assert doc.data == {"a": 1000.0, "b": "\U0001F600"}
    assert doc.positions.of(("b",)) == (3, 7)


def test_next_change_of_hours_since_across_dst():
    # "24 hours after" was found by adding 24 wall-clock hours to a ZoneInfo
    # time: an hour early across the spring change, where the condition is
    # still false, so the moment it turns true was missed.
    from datetime import datetime, timedelta

    from engine.language.checker import check
    from engine.language.compiler import compile_checked
    from engine.model.eventlog import EventLog
    from engine.runtime.facts import FactContext
    from engine.language.parser import parse
    from engine.model.policies import default_vocabulary
    from engine.input.times import get_zone
    from engine.runtime.timing import next_change

    vocab = default_vocabulary()
    text = "hours_since(interview) >= 24"
    condition = compile_checked(check(parse(text), vocab, text), vocab.functions)
    log = EventLog.from_dict({"timezone": "America/New_York", "events": [
        {"type": "interview", "at": "2026-03-07T12:00", "interviewers": ["A"]}]})
    ctx = FactContext(vocab, log, datetime(2026, 3, 7, 13, tzinfo=get_zone("America/New_York")))
    moment = next_change(condition, ctx, want=True, horizon=timedelta(days=3))
    assert moment is not None and moment.isoformat() == "2026-03-08T13:00:00-04:00"


def test_required_event_field_cannot_be_null():
    # `interviewers: null` passed as if the required field were given.
    import pytest

    from engine.errors import LogError
    from engine.model.eventlog import EventLog

    with pytest.raises(LogError, match=r"interview\.interviewers: .*needs a value"):
        EventLog.from_dict({"events": [
            {"type": "interview", "at": "2026-11-16T10:00", "interviewers": None}]})


def test_huge_integer_literal_is_a_syntax_error():
    """Bug: an integer literal of more than 4300 digits made parse() raise
    Python's ValueError (int string conversion limit), not a ConditionSyntaxError."""
    import pytest

    from engine.errors import ConditionSyntaxError
    from engine.language.parser import parse

    with pytest.raises(ConditionSyntaxError) as info:
        parse("x == " + "1" * 5000)
    assert info.value.code == "RULES-E001"
    assert info.value.column == 6
    assert "number too large" in info.value.message


def test_decimal_beyond_float_range_is_a_syntax_error():
    """Bug: a decimal literal beyond the float range parsed to inf, which
    printed as `inf` and parsed back as a fact named inf."""
    import pytest

    from engine.errors import ConditionSyntaxError
    from engine.language.parser import parse

    with pytest.raises(ConditionSyntaxError) as info:
        parse("x > " + "9" * 400 + ".5")
    assert info.value.column == 5
    assert "number too large" in info.value.message


def test_small_and_large_floats_print_without_losing_digits():
    """Bug: the printer wrote floats whose repr has an exponent with
    format(value, "f"): 0.0000001 printed as 0.000000, so
    parse(to_text(node)) != node for a parsed tree."""
    from engine.language.nodes import Literal
    from engine.language.parser import parse
    from engine.language.printer import to_text

    for text in ("0.0000001", "0.00000000015", "10000000000000000.0"):
        node = parse(text)
        assert to_text(node) == text
        assert repr(parse(to_text(node))) == repr(node)
    assert repr(parse(to_text(Literal(1e16)))) == repr(Literal(1e16))  # stays a float


def test_escaped_quote_does_not_end_a_string_for_the_depth_bound():
    """Bug: the bracket-depth bound ended a string at an escaped quote (\\"),
    so brackets inside the rest of the string counted and a legal condition
    was refused as 'brackets nested deeper than 100'."""
    from engine.language.nodes import Binary, Literal, Name
    from engine.language.parser import parse

    text = 'x == "\\"' + "(" * 150 + '"'
    assert parse(text) == Binary("==", Name("x"), Literal('"' + "(" * 150))


def test_spans_include_the_parentheses_of_an_operand():
    """Bug: a parenthesised operand did not span its parentheses, so the span of
    `not (a and b)` (and the caret of an error on it) stopped before the `)`."""
    import pytest
    from language_scope import checked

    from engine.errors import ConditionTypeError
    from engine.language.nodes import Span
    from engine.language.parser import parse

    assert parse("not (a and b)").span == Span(0, 13)
    with pytest.raises(ConditionTypeError) as info:
        checked("b1 + (i1 * 2) == 1")
    assert info.value.render().splitlines()[2] == "    " + "^" * len("b1 + (i1 * 2)")


def test_in_on_a_string_names_the_left_side():
    """Bug: `1 in "abc"` said "'in' needs a list (or a string) on its right, got
    string": a string was there; the left side was the problem."""
    import pytest
    from language_scope import checked

    from engine.errors import ConditionTypeError

    with pytest.raises(ConditionTypeError) as info:
        checked("i1 in s1")
    assert info.value.message == "'in' on a string looks for a string, got int"


def test_plan_compares_parameter_alternatives_as_sets(policies):
    """Bug: `rules plan` flagged `channel: [handwritten, email]` and
    `[email, handwritten]` as disagreeing; explain compared them as sets."""
    from engine.runtime.plan import PlanItem, _disagree
    from datetime import datetime, timezone
    t = datetime(2026, 11, 16, tzinfo=timezone.utc)
    a = PlanItem("a", "1", "r1", "send_thank_you", "", "do", {"channel": ("handwritten", "email")}, "", "", "", t, None, True)
    b = PlanItem("b", "1", "r2", "send_thank_you", "", "do", {"channel": ("email", "handwritten")}, "", "", "", t, None, True)
    assert not _disagree(a, b, policies)


def test_log_add_quotes_text_that_yaml_1_1_would_misread(tmp_path):
    """Bug: `rules log add … note='yes'` was written as a bare `yes`, read back
    (YAML 1.1) as true and refused."""
    from engine.cli import main
    from engine.model.eventlog import load_log
    log = tmp_path / "log.yaml"
    assert main(["log", "new", str(log), "--timezone", "UTC"]) == 0
    assert main(["log", "add", str(log), "notes_written", "--at", "2026-11-16T10:00", "note=yes"]) == 0
    assert load_log(log).events[0].note == "yes"
    # text is stored as typed (the shell has removed its own quotes already)
    assert main(["log", "add", str(log), "notes_written", "--at", "2026-11-16T11:00", 'note="no"']) == 0
    assert load_log(log).events[1].note == '"no"'


def test_writing_into_a_missing_folder_is_a_clean_error(tmp_path, capsys):
    """Bug: `-o missing/dir/file` gave a Python traceback and exit code 1."""
    import os
    from engine.cli import main
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    code = main(["explain", os.path.join(root, "examples", "rejected.yaml"), "--at", "2026-11-23T12:00",
                 "-o", str(tmp_path / "no" / "such" / "out.txt")])
    err = capsys.readouterr().err
    assert code == 2 and "RULES-E058" in err and "Traceback" not in err
    assert f"{tmp_path / 'no' / 'such' / 'out.txt'}: RULES-E058 cannot write" in err  # (names the file)


def test_batch_dash_output_is_stdout_and_records_match_the_schema(tmp_path, capsys, monkeypatch):
    """Bug: `rules batch -o -` created a file named '-', and the `line` key of
    batch records was not allowed by the report schema."""
    import json
    import os
    import jsonschema
    from engine.cli import main
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    monkeypatch.chdir(tmp_path)  # (os.chdir would leave later tests in tmp_path)
    assert main(["batch", os.path.join(root, "examples", "batch.jsonl"), "--at", "2026-11-23T09:00", "-o", "-"]) == 0
    assert not (tmp_path / "-").exists()
    schema = json.load(open(os.path.join(root, "schemas", "report.schema.json")))
    for line in capsys.readouterr().out.splitlines():
        record = json.loads(line)
        if "error" not in record:
            jsonschema.validate(record, schema)


def test_a_log_whose_timezone_is_a_list_is_a_log_error():
    """Bug: `timezone: []` (or a mapping) in a log raised TypeError "unhashable
    type: 'list'" from get_zone's cache, before its own type check could say
    RULES-E021; `rules explain` printed a traceback."""
    import pytest

    from engine.errors import LogError
    from engine.model.eventlog import EventLog

    for zone in ([], {"a": 1}, ["UTC"]):
        with pytest.raises(LogError) as info:
            EventLog.from_dict({"timezone": zone, "events": []}, source="row")
        assert info.value.code == "RULES-E021"


def test_json_strings_may_hold_characters_that_yaml_refuses(tmp_path):
    """Bug: a valid JSON log whose strings held a raw DEL, a C1 control or
    U+2028 was refused with "RULES-E010 invalid YAML: unacceptable character",
    because JSON is also read by the YAML parser (for positions and duplicate
    keys), which refuses those characters or takes them for line breaks."""
    import json

    import pytest

    from engine.errors import InputError
    from engine.model.eventlog import load_log

    for ch in ("\x7f", "\x85", "\x9f", "\u2028", "\u2029", "\ufeff", "\ufffe"):
        path = tmp_path / "log.json"
        path.write_text(json.dumps({"subject": f"a{ch}b", "events": []}, ensure_ascii=False), "utf-8")
        assert load_log(path).subject == f"a{ch}b"
        path.write_text('{"events": [],\n "subject": "a' + ch + 'b", "subject": "c"}', "utf-8")
        with pytest.raises(InputError) as info:  # positions after it are still right
            load_log(path)
        assert (info.value.code, info.value.line, info.value.column) == ("RULES-E011", 2, 20)


def test_count_with_a_bound_bisects_instead_of_scanning_every_event():
    """Bug: count(type, after=..., before=...) scanned every event of the type
    on each call, and "when would it next fire" calls it at every probe moment
    of the horizon (up to 1,440 hours): hours x events, 16,000 follow-ups took
    7.5 s to explain and 100,000 over a minute. The events of a type are in
    time order, so the bounds are found by bisection."""
    from datetime import datetime, timedelta, timezone

    from engine.model.eventlog import Event
    from engine.language.builtins import count

    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    events = [Event("follow_up_sent", start + timedelta(hours=i // 2), index=i) for i in range(100_000)]

    class Probe(tuple):
        reads = 0

        def __getitem__(self, i):
            Probe.reads += 1
            return tuple.__getitem__(self, i)

        def __iter__(self):
            Probe.reads += len(self)
            return tuple.__iter__(self)

    class Ctx:
        recording = None

        def events_of(self, event_type):
            return Probe(events)

    t = start + timedelta(hours=1000)
    assert count(Ctx(), "follow_up_sent", after=t) == 100_000 - 2002
    assert count(Ctx(), "follow_up_sent", before=t) == 2000
    assert count(Ctx(), "follow_up_sent", after=t, before=t + timedelta(hours=3)) == 4
    assert count(Ctx(), "follow_up_sent", after=t, before=t) == 0
    assert count(Ctx(), "follow_up_sent", after=None) is None
    assert Probe.reads < 200, Probe.reads


def test_a_merge_key_of_a_scalar_is_a_yaml_error():
    """Bug: a YAML merge key whose value is not a mapping (`<<: x`, or a
    policy whose first line was damaged into `<<: # comment`) let PyYAML's
    ConstructorError escape from the loader: a traceback instead of RULES-E010."""
    import pytest

    from engine.errors import InputError
    from engine.input.documents import parse_document

    for text, where in (("<<: x\n", (1, 5)), ("a: &a {x: 1}\nb: {<<: [*a, 3]}\n", (2, 14))):
        with pytest.raises(InputError) as info:
            parse_document(text)
        assert (info.value.code, info.value.line, info.value.column) == ("RULES-E010", *where)
        assert info.value.message.startswith("bad merge key: expected a mapping")


def test_moments_at_the_ends_of_the_calendar_are_errors_not_overflows(tmp_path):
    """Bug: a moment near datetime's limits (`at: 9999-12-31T23:00-23:00` in a
    log, `--at 9999-12-31T23:59` or `--at 0001-01-01T00:00`, an API `at` of
    year 9999) raised OverflowError "date value out of range" while converting
    zones, looking ahead over the horizon or drawing the HTML timeline.
    Moments must now fall in years 1000 to 8999: RULES-E022 in a log,
    RULES-E050 for --at and the API."""
    from datetime import datetime

    import pytest

    from engine.cli import main
    from engine.errors import LogError, UsageError
    from engine.model.eventlog import EventLog
    from engine.runtime.evaluation import evaluate
    from engine.model.policies import load_policies

    for at in ("9999-12-31T23:00-23:00", "0001-01-01T00:00", "9999-12-31", "0999-12-31T23:59"):
        with pytest.raises(LogError) as info:
            EventLog.from_dict({"timezone": "Pacific/Kiritimati", "events": [{"type": "offer", "at": at}]})
        assert info.value.code == "RULES-E022" and "years 1000 to 8999" in info.value.message
    log = tmp_path / "log.yaml"
    log.write_text("events:\n  - {type: interview, at: 2026-11-16T10:00, interviewers: [A]}\n", "utf-8")
    for at in ("9999-12-31T23:59", "0001-01-01T00:00"):
        for fmt in ("text", "html"):
            assert main(["explain", str(log), "--at", at, "--policy", "hayes", "--format", fmt]) == 2
    policies = load_policies(select=["hayes"])
    one = EventLog.from_dict({"events": [{"type": "offer", "at": "2026-11-16T10:00"}]})
    with pytest.raises(UsageError):
        evaluate(policies, one, datetime(9999, 12, 31, 12))
    assert evaluate(policies, one, datetime(8999, 12, 31, 12)).at.startswith("8999-12-31")


def test_an_out_of_range_horizon_is_a_usage_error():
    """Bug: evaluate(horizon=timedelta(days=10**7)) raised OverflowError while
    looking ahead (and a horizon of a million days would probe hour by hour for
    ages); horizon="60" raised AttributeError. The horizon must be a timedelta
    of 0 to 3650 days, as `rules explain --horizon` allows."""
    from datetime import datetime, timedelta

    import pytest

    from engine.errors import UsageError
    from engine.model.eventlog import EventLog
    from engine.runtime.evaluation import evaluate
    from engine.model.policies import load_policies

    policies = load_policies(select=["hayes"])
    log = EventLog.from_dict({"events": [{"type": "interview", "at": "2026-11-16T10:00", "interviewers": ["A"]}]})
    for horizon in (timedelta(days=10**7), timedelta(days=3651), timedelta(days=-1), "60", 60):
        with pytest.raises(UsageError):
            evaluate(policies, log, datetime(2026, 11, 20), horizon=horizon)
    assert evaluate(policies, log, datetime(2026, 11, 20), horizon=timedelta(days=3650)).horizon_days == 3650


def test_a_key_that_is_not_text_is_a_schema_error_not_a_crash(tmp_path):
    """Bug: a policy whose `then:` held a key that YAML reads as a number
    (`then: {action: send_thank_you, stance: do, 3: email}`) passed the JSON
    Schema (which only knows text keys) and crashed the did-you-mean hint with
    TypeError: `rules check` printed a traceback. Any key that is not text is
    now refused at its position before the schema is checked."""
    import pytest

    from engine.cli import main
    from engine.errors import PolicyError
    from engine.model.policies import load_policy_file

    from pathlib import Path

    source = (Path(__file__).resolve().parent.parent / "policies" / "hayes" / "1.0.0.yaml").read_text("utf-8")
    old = "    then: {action: send_thank_you, stance: do}\n"
    line = source[: source.index(old)].count("\n") + 1
    folder = tmp_path / "hayes"
    folder.mkdir()
    for key in ("3", "true", "~", "1.5"):
        (folder / "1.0.0.yaml").write_text(
            source.replace(old, f"    then: {{action: send_thank_you, stance: do, {key}: email}}\n", 1), "utf-8")
        with pytest.raises(PolicyError) as info:
            load_policy_file(folder / "1.0.0.yaml")
        assert (info.value.code, info.value.line, info.value.column) == ("RULES-E030", line, 48)
        assert info.value.message.endswith("is not text")
        assert main(["check", str(tmp_path)]) == 1


def test_an_alias_bomb_is_refused_before_memory_grows():
    """Bug: the alias limit was counted while building Python values, after
    PyYAML had composed the document: a 300-byte "billion laughs" took about a
    minute and 640 MB before RULES-E013. Aliases are now counted at their
    expanded size while composing, and the bomb is refused at once."""
    import tracemalloc

    import pytest

    from engine.errors import InputError
    from engine.input.documents import parse_document

    text = 'a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n' + "".join(
        f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]\n" for i in range(1, 10))
    tracemalloc.start()
    try:
        with pytest.raises(InputError) as info:
            parse_document(text, "bomb.yaml")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert (info.value.code, info.value.line) == ("RULES-E013", 7)
    assert peak < 5_000_000


def test_a_lone_surrogate_escape_is_a_yaml_error_not_a_traceback(tmp_path):
    """Bug: a YAML escape for half of a UTF-16 surrogate pair (`"\\ud800"`)
    loaded as a lone surrogate, and `rules explain` then died with
    UnicodeEncodeError while printing the report. Lone halves are now
    RULES-E010 at the value; escaped pairs are joined into one character."""
    import pytest

    from engine.cli import main
    from engine.errors import InputError
    from engine.input.documents import parse_document

    with pytest.raises(InputError) as info:
        parse_document('subject: "bad \\ud800 x"\n')
    assert (info.value.code, info.value.line, info.value.column) == ("RULES-E010", 1, 10)
    assert parse_document('subject: "\\ud83d\\ude00"\n').data == {"subject": "\U0001F600"}
    log = tmp_path / "log.yaml"
    log.write_text('subject: "\\udc00"\nevents: []\n', "utf-8")
    assert main(["explain", str(log), "--at", "2026-11-20T09:00", "--policy", "hayes"]) == 2


def test_a_positional_argument_after_a_keyword_one_is_a_syntax_error():
    """Bug: `count(after=x, "follow_up_sent")` was accepted and silently
    reordered (the AST keeps positional and keyword arguments apart), though
    no reader would expect it and Python refuses it. It is now RULES-E001 at
    the misplaced argument."""
    import pytest

    from engine.errors import ConditionSyntaxError
    from engine.language.parser import parse

    text = 'count(after=last("interview").at, "follow_up_sent") >= 1'
    with pytest.raises(ConditionSyntaxError) as info:
        parse(text)
    assert info.value.code == "RULES-E001"
    assert info.value.offset == text.index('"follow_up_sent"')
    assert "positional argument cannot follow a keyword argument" in info.value.message
    parse('count("follow_up_sent", after=last("interview").at) >= 1')


def test_values_pyyaml_cannot_make_are_input_errors_not_tracebacks():
    """Bug: an explicit tag on a value that cannot be of that type raised
    KeyError (`!!bool maybe`, `!!bool ''`) or IndexError (`!!int ''`,
    `!!float ''`) out of PyYAML's constructors, and an escape past U+10FFFF
    (`"\\U00110000"`, `"\\UFFFFFFFF"`) ValueError or OverflowError out of its
    scanner: `rules explain` and `rules check` printed a traceback. They are
    now RULES-E010 at the value, on the libyaml reader and on the pure-Python
    one alike."""
    import pytest

    from engine.input import yaml_reader
    from engine.errors import InputError
    from engine.input.documents import parse_document

    cases = {"a: !!bool maybe\n": (1, 4), "a: !!bool ''\n": (1, 4), "a: !!int ''\n": (1, 4),
             "a: !!float ''\n": (1, 4), "a: [!!int '']\n": (1, 5), "? !!bool x\n: 1\n": (1, 3),
             'a: "\\U00110000"\n': (1, 7), 'a: 1\nb: "x \\UFFFFFFFF"\n': (2, 9)}
    saved = yaml_reader._USE_LIBYAML
    try:
        for libyaml in (True, False):
            yaml_reader._USE_LIBYAML = libyaml
            for text, where in cases.items():
                with pytest.raises(InputError) as info:
                    parse_document(text)
                assert (info.value.code, info.value.line, info.value.column) == ("RULES-E010", *where), text
                assert info.value.message.startswith(("bad value: ", "invalid YAML: bad escape")), text
    finally:
        yaml_reader._USE_LIBYAML = saved


def test_check_on_a_folder_without_policies_says_so(tmp_path, capsys):
    """Bug: `rules check` on a folder holding no policy files reported "0
    policy file(s), 0 problem(s)" and exited 0, as if all were well — a typo
    in the path passed a CI check. It is now RULES-E051 with a hint, exit 2."""
    from engine.cli import main

    assert main(["check", str(tmp_path)]) == 2
    out = capsys.readouterr().out
    assert "RULES-E051 no policy files in this folder" in out
    assert "citations not checked (no policy loaded)" in out


def test_an_error_in_data_from_no_file_says_which_event():
    """Bug: EventLog.from_dict errors had no position at all ("<log>: RULES-E024
    interview event needs 'interviewers'"): with twenty events, which one? An
    error in data without a file now carries its path in the data."""
    import pytest

    from engine.errors import LogError
    from engine.model.eventlog import EventLog

    events = [{"type": "rejected", "at": "2026-11-20T09:00"}, {"type": "interview", "at": "2026-11-16T10:00"}]
    with pytest.raises(LogError) as info:
        EventLog.from_dict({"events": events}, source="db:7")
    assert info.value.path == "events[1]"
    assert str(info.value).startswith("db:7: RULES-E024 events[1]: interview event needs 'interviewers'")
    with pytest.raises(LogError) as info:
        EventLog.from_dict({"events": [{"type": "rejected", "at": "2026-11-20T09:00", "note": 3}]})
    assert info.value.path == "events[0].note"


def test_a_source_document_outside_the_seeds_is_not_an_oracle(tmp_path):
    """Bug (issue 20 point 8): `source: {document: "/etc/passwd"}` (or
    `../../../../etc/passwd`) made `rules check --seeds` say whether a quote
    occurs in any readable file; `document: /bin/ls` gave a traceback. The
    document is now a bare file name looked up in the seeds folders only."""
    from pathlib import Path

    from engine.apps.checking import run_check

    root = Path(__file__).resolve().parent.parent
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for document in ("/etc/passwd", "../../../../etc/passwd", "/bin/ls"):
        folder = tmp_path / "policies" / "hayes"
        folder.mkdir(parents=True, exist_ok=True)
        text = (root / "policies" / "hayes" / "1.0.0.yaml").read_text("utf-8")
        (folder / "1.0.0.yaml").write_text(
            text.replace("document: 001_befd34d774598ad1.txt", f'document: "{document}"'), "utf-8")
        report = run_check([tmp_path / "policies"], seeds=[seeds])
        assert [p.code for p in report.problems] == ["RULES-E036"], document
        assert "is not a file name" in report.problems[0].message


def test_literals_compared_with_enum_facts_are_checked():
    """Bug (issue 20 point 9): `outcome == "pеnding"` (Cyrillic е),
    `outcome == "pendng"`, `weekday(now) == "Monday"` and
    `last("interview").format == "vidéo"` passed `rules check`: the rules were
    silently dead. String facts and fields with declared values are enums."""
    import pytest

    import engine

    for text in ('outcome == "p\u0435nding"', 'outcome == "pendng"', 'weekday(now) == "Monday"',
                 'last("interview").format == "vidéo"'):
        with pytest.raises(engine.ConditionError) as info:
            engine.compile_condition(text)
        assert info.value.code == "RULES-E005" and "did you mean" in (info.value.hint or ""), text
