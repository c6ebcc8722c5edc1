"""Fuzzing with hypothesis: whatever the input, the engine answers with a
``RulesError`` (or, from the CLI, exit code 0, 1 or 2 without a traceback),
never another exception, a hang or a crash.

- condition text (token soups and damaged real conditions) through the whole
  pipeline, parse + type check + compile + evaluate on a real context: only
  ``ConditionError`` at load, never an error at run time (``parse`` alone on
  arbitrary text is test_language_properties.py);
- arbitrary YAML-shaped data (recursive mappings, lists, scalars), mutations of
  a real policy and a real log (keys dropped or added, values of the wrong
  type, random text in ``when``) and raw text damage (characters that matter
  to YAML inserted, lines cut), loaded by ``load_policy_file`` / ``load_log``
  and run through ``rules check`` and ``rules explain``;
- arbitrary valid logs (every event type of the vocabulary with valid fields,
  several time zones, times around DST changes) at arbitrary moments:
  ``evaluate`` never raises and the report validates against its schema;
- invariants on generated logs: evaluation mutates nothing, 16 threads give
  the sequential reports, pickled policies and logs give the same reports, the
  same inputs give byte-identical JSON.

Examples are bounded so the whole file runs in well under a minute (set
FUZZ_SCALE=20 for a longer search); each test has a time limit (hang_guard)
so a hang fails instead of blocking.
"""

from __future__ import annotations

import atexit
import copy
import io
import json
import os
import pickle
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from contextlib import redirect_stderr, redirect_stdout
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from hang_guard import time_limit  # noqa: F401  (autouse: a hang fails the test)
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import engine
from engine.cli import main
from engine.errors import ConditionError, RulesError
from engine.model.eventlog import EventLog, load_log
from engine.runtime.evaluation import evaluate
from engine.runtime.facts import FactContext
from engine.model.policies import load_policies, load_policy_file
from engine.input.documents import load_document
from engine.input.times import get_zone

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
POLICY = ROOT / "policies" / "hayes" / "1.0.0.yaml"
LOG = ROOT / "examples" / "waiting-past-date.yaml"
SCHEMA = json.loads((ROOT / "schemas" / "report.schema.json").read_text("utf-8"))
REPORT_VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
TIME_LIMIT = 90


#: FUZZ_SCALE=20 multiplies every example count, for a longer search by hand.
SCALE = float(os.environ.get("FUZZ_SCALE", "1"))
if SCALE > 1:
    TIME_LIMIT = int(TIME_LIMIT * SCALE)


def fuzz(n: int):
    return settings(max_examples=max(1, int(n * SCALE)), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much])


@lru_cache(maxsize=None)
def bundled():
    return load_policies()


@lru_cache(maxsize=None)
def real_policy() -> dict:
    return load_document(POLICY).data


@lru_cache(maxsize=None)
def real_log() -> dict:
    return load_document(LOG).data  # as the engine reads it: times stay text


_SCRATCH = tempfile.TemporaryDirectory(prefix="fuzz-")
atexit.register(_SCRATCH.cleanup)


def scratch() -> Path:
    """An empty folder (the same one each time: examples run one by one)."""
    folder = Path(_SCRATCH.name) / "case"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    return folder


def run_cli(argv: list[str]) -> tuple[int, str]:
    """``rules ARGV`` with real streams: stdout strict UTF-8 (as on a UTF-8
    terminal), stderr with backslash escapes (as Python sets it up)."""
    out_bytes, err_bytes = io.BytesIO(), io.BytesIO()
    out = io.TextIOWrapper(out_bytes, encoding="utf-8")
    err = io.TextIOWrapper(err_bytes, encoding="utf-8", errors="backslashreplace")
    with redirect_stdout(out), redirect_stderr(err):
        code = main(argv)
        out.flush()
        err.flush()
    return code, out_bytes.getvalue().decode() + err_bytes.getvalue().decode()


def assert_clean_cli(argv: list[str]) -> int:
    code, output = run_cli(argv)
    assert code in (0, 1, 2), (code, output[-2000:])
    assert "Traceback" not in output, output[-2000:]
    return code


def only_rules_errors(fn, *args, **kwargs) -> Any:
    """Call ``fn``; a ``RulesError`` is the expected way to fail (returned)."""
    try:
        return fn(*args, **kwargs)
    except RulesError as err:
        assert err.code in engine.errors.CODES
        str(err), err.render()  # the message itself must not fail
        return err


# -- strategies: conditions ---------------------------------------------------------------

VOCAB_NAMES = ["interview", "deadline", "outcome", "now", "thank_you_sent", "interviewers",
               "unanswered_contacts", "last_reply", "check_in_invited_after", "contacts_since_deadline",
               "interview_part_of_day", "last_reply_tone", "nosuchfact", "intervew"]
FUNCTIONS = ["days_since", "hours_since", "business_days_since", "weeks_since", "days_until",
             "exists", "count", "last", "first", "len", "min", "max", "local_hour", "weekday", "nosuchfn"]
TOKENS = (VOCAB_NAMES + FUNCTIONS + [
    "and", "or", "not", "in", "not in", "true", "false", "null", "==", "!=", "<", "<=", ">", ">=",
    "+", "-", "*", "/", "%", "(", ")", "[", "]", ",", ".", "=", "after=", "before=", ".at",
    ".interviewers", ".tone", ".by", ".nosuchfield", '"interview"', '"follow_up_sent"', '"reply_received"',
    '"nosuchtype"', '"pending"', "'x'", '"', "'", "\\", "0", "1", "3", "2.5", "-1",
    "99999999999999999999", "9" * 400 + ".5", "1e3", "#", "\n", "\t", "\u00e9", "\U0001F600", "\x00",
])

token_soup = st.lists(st.sampled_from(TOKENS), max_size=25).map(" ".join)
REAL_WHENS = sorted({r["when"] for r in yaml.safe_load(POLICY.read_text("utf-8"))["rules"]})


@st.composite
def damaged_when(draw) -> str:
    text = draw(st.sampled_from(REAL_WHENS))
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.integers(0, len(text)))
        cut = draw(st.integers(0, 6))
        insert = draw(st.one_of(st.sampled_from(TOKENS), st.text(max_size=3)))
        text = text[:i] + insert + text[i + cut:]
    return text


conditions = st.one_of(token_soup, damaged_when(), st.sampled_from(REAL_WHENS), st.text(max_size=60))


@lru_cache(maxsize=None)
def sample_context() -> FactContext:
    log = load_log(LOG)
    return FactContext(bundled().vocabulary, log, datetime(2026, 11, 23, 9, tzinfo=log.tz), provenance=True)


@fuzz(400)
@given(conditions)
def test_conditions_compile_or_give_a_condition_error_and_never_fail_at_run_time(text):
    try:
        condition = engine.compile_condition(text, bundled().vocabulary)
    except ConditionError as err:
        assert err.code in engine.errors.CODES
        err.render()
        return
    ctx = sample_context()
    value, trace = condition.trace(ctx)
    assert value in (True, False, None)
    assert condition(ctx) is value
    # at other moments too: the clock-reading functions on every fact
    assert condition(ctx.at(ctx.now + timedelta(days=40, hours=7))) in (True, False, None)


# -- strategies: YAML-shaped data ---------------------------------------------------------

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=20),
    st.sampled_from(["2026-11-16T10:00", "2026-11-16", "2026-02-30", "25:00", "America/New_York",
                     "Mars/Olympus", "interview", "email", "do", "avoid", "1.0.0", "hayes", ">=1.0",
                     "exists(interview)", "", " ", "~", "yes", "0x1F", "1_000", ".inf", "-.nan"]),
)
KEYS = ["policy", "version", "title", "source", "requires", "changes", "rules", "id", "summary",
        "when", "then", "action", "stance", "cite", "section", "quote", "attributed_to",
        "subject", "timezone", "events", "type", "at", "by", "to", "channel", "interviewers", "format",
        "tone", "check_in_after", "note", "network", "kind"]
keys = st.one_of(st.sampled_from(KEYS), st.text(max_size=8), st.integers(-3, 3), st.booleans())


def _containers(children: st.SearchStrategy) -> st.SearchStrategy:
    return st.one_of(st.lists(children, max_size=4), st.dictionaries(keys, children, max_size=5))


yaml_data = st.recursive(scalars, _containers, max_leaves=25)


def paths(data: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path into ``data`` (mapping keys and list indexes)."""
    found = [prefix]
    if isinstance(data, dict):
        for k, v in data.items():
            found.extend(paths(v, prefix + (k,)))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            found.extend(paths(v, prefix + (i,)))
    return found


def _parent(data: Any, path: tuple) -> Any:
    for step in path[:-1]:
        data = data[step]
    return data


@st.composite
def mutated(draw, original: dict) -> Any:
    """``original`` with one to four changes: a key dropped or added, a
    value replaced by one of another type, a list item dropped or repeated,
    text in ``when``/``at`` replaced."""
    data = copy.deepcopy(original)
    for _ in range(draw(st.integers(1, 4))):
        where = draw(st.sampled_from(paths(data)))
        op = draw(st.sampled_from(["drop", "replace", "add", "repeat", "when", "time"]))
        if not where:
            if op == "replace":
                data = draw(yaml_data)
            continue
        parent, last = _parent(data, where), where[-1]
        if op == "drop":
            del parent[last]
        elif op == "replace":
            parent[last] = draw(yaml_data)
        elif op == "add" and isinstance(parent[last], dict):
            parent[last][draw(keys)] = draw(yaml_data)
        elif op == "repeat" and isinstance(parent, list):
            parent.insert(last, copy.deepcopy(parent[last]))
        elif op == "when" and isinstance(parent, dict):
            parent["when" if "summary" in parent else last] = draw(conditions)
        elif op == "time" and isinstance(parent, dict):
            parent[draw(st.sampled_from(["at", "by", "check_in_after", "timezone"]))] = draw(st.one_of(
                st.text(max_size=25), st.sampled_from([
                    "2026-11-16T10:00+25:00", "2026-13-01", "2026-11-16T24:00", "0000-01-01",
                    "9999-12-31T23:59:59-23:59", "2026-03-08T02:30", "2026-W47", "now", "Europe/../etc/passwd",
                    "/etc/localtime", "UTC", "Etc/GMT+14", "2026-11-16 10:00", "20261116T1000"])))
    return data


def dump(data: Any, suffix: str) -> str:
    if suffix == "json":
        return json.dumps(data, ensure_ascii=False, allow_nan=True)
    # Not allow_unicode: PyYAML then writes U+0085 (NEL) inside single quotes,
    # where YAML folds it to a space; escaped in double quotes it survives.
    return yaml.safe_dump(data, allow_unicode=False, sort_keys=False)


@st.composite
def damaged_text(draw, original: str) -> str:
    """Raw damage: characters that matter to YAML inserted, runs cut, a line
    repeated, escapes (including lone surrogates) written into strings."""
    text = original
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(text)))
        op = draw(st.sampled_from(["insert", "cut", "line"]))
        if op == "insert":
            text = text[:i] + draw(st.one_of(
                st.sampled_from([":", "- ", "[", "]", "{", "}", "&a ", "*a", "!", "!!str ", "|", ">", "'", '"',
                                 "#", "%", "@", "`", "? ", "\t", "\n", "\n  ", "---\n", "...\n", "\\ud800",
                                 '"\\udc00"', '"\\U0010FFFF"', "\ufeff", "\r", "\x85", "<<: "]),
                st.text(max_size=4))) + text[i:]
        elif op == "cut":
            text = text[:i] + text[i + draw(st.integers(1, 40)):]
        else:
            lines = text.splitlines(keepends=True)
            if lines:
                k = draw(st.integers(0, len(lines) - 1))
                lines.insert(k, lines[k])
                text = "".join(lines)
    return text


# -- loaders ------------------------------------------------------------------------------

def _load_policy_text(text: str, suffix: str = "yaml") -> Any:
    folder = scratch() / "hayes"
    folder.mkdir()
    path = folder / f"1.0.0.{suffix}"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    return only_rules_errors(load_policy_file, path)


def _load_log_text(text: str, suffix: str = "yaml") -> Any:
    path = scratch() / f"log.{suffix}"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    return only_rules_errors(load_log, path)


@fuzz(150)
@given(yaml_data, st.sampled_from(["yaml", "json"]))
def test_arbitrary_data_as_a_policy_or_a_log_gives_only_rules_errors(data, suffix):
    text = dump(data, suffix)
    result = _load_policy_text(text)
    assert isinstance(result, RulesError)  # random data is never a valid policy
    _load_log_text(text, suffix)


@fuzz(80)
@given(mutated(real_policy()))
def test_a_mutated_policy_gives_only_rules_errors(data):
    _load_policy_text(dump(data, "yaml"))


@fuzz(150)
@given(mutated(real_log()), st.sampled_from(["yaml", "json"]))
def test_a_mutated_log_gives_only_rules_errors(data, suffix):
    log = _load_log_text(dump(data, suffix), suffix)
    if isinstance(log, EventLog):  # still valid: it must evaluate
        evaluate(bundled(), log, datetime(2026, 11, 23, 9)).to_json()


@fuzz(80)
@given(damaged_text(POLICY.read_text("utf-8")))
def test_damaged_policy_text_gives_only_rules_errors(text):
    _load_policy_text(text)


@fuzz(150)
@given(damaged_text(LOG.read_text("utf-8")))
def test_damaged_log_text_gives_only_rules_errors(text):
    _load_log_text(text, "yaml")


@fuzz(60)
@given(damaged_text(json.dumps(load_document(LOG).data, indent=1, ensure_ascii=False)))
def test_damaged_json_log_text_gives_only_rules_errors(text):
    _load_log_text(text, "json")


VOCABULARY = ROOT / "policies" / "vocabulary.yaml"
ACTIONS = ROOT / "policies" / "actions.yaml"


@fuzz(40)
@given(st.one_of(mutated(load_document(VOCABULARY).data).map(lambda d: dump(d, "yaml")),
                 damaged_text(VOCABULARY.read_text("utf-8"))))
def test_a_broken_vocabulary_gives_only_rules_errors(text):
    path = scratch() / "vocabulary.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    vocabulary = only_rules_errors(engine.load_vocabulary, path)
    if not isinstance(vocabulary, RulesError):  # still valid: policies may be checked against it
        only_rules_errors(load_policy_file, POLICY, vocabulary)


@fuzz(40)
@given(st.one_of(mutated(load_document(ACTIONS).data).map(lambda d: dump(d, "yaml")),
                 damaged_text(ACTIONS.read_text("utf-8"))))
def test_a_broken_action_catalogue_gives_only_rules_errors(text):
    from engine.model.actions import load_actions

    path = scratch() / "actions.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    actions = only_rules_errors(load_actions, path)
    if not isinstance(actions, RulesError):
        only_rules_errors(load_policy_file, POLICY, None, actions)


# -- the CLI ------------------------------------------------------------------------------

@fuzz(30)
@given(st.one_of(mutated(real_policy()).map(lambda d: dump(d, "yaml")),
                 damaged_text(POLICY.read_text("utf-8")), yaml_data.map(lambda d: dump(d, "yaml"))))
def test_rules_check_on_a_broken_policy_exits_cleanly(text):
    root = scratch()
    (root / "hayes").mkdir()
    (root / "hayes" / "1.0.0.yaml").write_text(text, encoding="utf-8", errors="surrogatepass")
    assert_clean_cli(["check", str(root)])


MOMENTS = st.one_of(st.sampled_from(["2026-11-23T09:00", "2026-11-16", "2026-11-23T09:00-05:00",
                                     "2026-03-08T02:30", "2026-13-01", "yesterday", "", "2026-11-23T09:00+24:00",
                                     "9999-12-31T23:59", "0001-01-01T00:00"]),
                    st.text(max_size=20))


@fuzz(30)
@given(st.one_of(mutated(real_log()).map(lambda d: dump(d, "yaml")), damaged_text(LOG.read_text("utf-8"))),
       MOMENTS, st.sampled_from(["text", "json", "markdown", "html"]))
def test_rules_explain_on_a_broken_log_exits_cleanly(text, at, fmt):
    path = scratch() / "log.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    assert_clean_cli(["explain", str(path), "--at", at, "--policy", "hayes", "--format", fmt])


# -- strategies: valid logs ---------------------------------------------------------------

ZONES = ["UTC", "America/New_York", "Europe/London", "Asia/Kolkata", "Australia/Lord_Howe",
         "Pacific/Chatham", "America/Sao_Paulo", "Pacific/Kiritimati", "America/St_Johns"]
NAMES = ["Jane Roe", "Sam Poe", "  jane   roe ", "Ada", "Zoë Ünal"]
# around the 2026 DST changes of the zones above, and ordinary days
BASE_DAYS = [datetime(2026, 3, 8), datetime(2026, 3, 29), datetime(2026, 4, 5), datetime(2026, 10, 4),
             datetime(2026, 10, 25), datetime(2026, 11, 1), datetime(2026, 11, 16), datetime(2026, 12, 31)]


@st.composite
def moments(draw) -> datetime:
    base = draw(st.sampled_from(BASE_DAYS))
    return base + timedelta(minutes=draw(st.integers(-3 * 24 * 60, 20 * 24 * 60)))


@st.composite
def time_text(draw, date_ok: bool = False) -> str:
    moment = draw(moments())
    form = draw(st.sampled_from(["local", "offset", "seconds", "date"] if date_ok else ["local", "offset", "seconds"]))
    if form == "date":
        return moment.date().isoformat()
    if form == "offset":
        hours = draw(st.integers(-12, 14))
        return moment.isoformat(timespec="minutes") + f"{'+' if hours >= 0 else '-'}{abs(hours):02d}:00"
    return moment.isoformat(timespec="seconds" if form == "seconds" else "minutes")


def _field_value(spec) -> st.SearchStrategy:
    kind = spec.type.name
    if kind == "list":
        names = st.lists(st.sampled_from(NAMES), min_size=max(1, spec.min_items), max_size=3)
        return st.one_of(names, st.sampled_from(NAMES)) if spec.single_to_list else names
    if kind == "bool":
        return st.booleans()
    if kind == "int":  # e.g. interview.round, duration_minutes (vocabulary 1.1)
        return st.integers(min_value=spec.minimum if spec.minimum is not None else -1000, max_value=1000)
    if kind in ("datetime", "date"):
        return time_text(date_ok=True)
    if spec.values is not None:
        return st.sampled_from(list(spec.values))
    return st.text(max_size=10)


@st.composite
def valid_event(draw) -> dict:
    vocabulary = bundled().vocabulary
    etype = draw(st.sampled_from(sorted(vocabulary.event_type_specs)))
    event: dict[str, Any] = {"type": etype, "at": draw(time_text())}
    for name, spec in vocabulary.event_type_specs[etype].fields.items():
        if spec.required or draw(st.booleans()):
            event[name] = draw(_field_value(spec))
    if draw(st.integers(0, 5)) == 0:
        event["id"] = draw(st.text(max_size=6))
    if draw(st.integers(0, 5)) == 0:
        event["note"] = draw(st.text(max_size=12))
    return event


@st.composite
def valid_log_data(draw, max_events: int = 14) -> dict:
    data: dict[str, Any] = {"events": draw(st.lists(valid_event(), max_size=max_events))}
    zone = draw(st.sampled_from(ZONES + [None]))
    if zone is not None:
        data["timezone"] = zone
    if draw(st.booleans()):
        data["subject"] = draw(st.text(max_size=20))
    return data


@st.composite
def log_and_moment(draw) -> tuple[dict, datetime]:
    data = draw(valid_log_data())
    zone = get_zone(data.get("timezone", "UTC"))
    moment = draw(moments())
    if draw(st.booleans()):
        return data, moment  # naive: local time in the log's zone
    return data, moment.replace(tzinfo=zone)


def check_report(report) -> dict:
    data = report.to_dict()
    errors = sorted(REPORT_VALIDATOR.iter_errors(data), key=str)
    assert not errors, errors[0]
    assert json.loads(report.to_json(indent=None)) == data
    return data


@fuzz(40)
@given(log_and_moment(), st.sampled_from([timedelta(days=60), timedelta(days=1), timedelta(days=400)]))
def test_valid_logs_always_evaluate_to_a_valid_report(case, horizon):
    data, moment = case
    log = EventLog.from_dict(data, bundled().vocabulary)
    full = evaluate(bundled(), log, moment, horizon=horizon)
    check_report(full)
    fast = evaluate(bundled(), log, moment, explain=False)
    check_report(fast)
    assert fast.fired() == full.fired()


@fuzz(25)
@given(log_and_moment())
def test_valid_logs_load_the_same_from_yaml_json_and_data(case):
    data, moment = case
    folder = scratch()
    (folder / "log.yaml").write_text(dump(data, "yaml"), encoding="utf-8")
    (folder / "log.json").write_text(dump(data, "json"), encoding="utf-8")
    reports = [evaluate(bundled(), log, moment, explain=False).to_dict()
               for log in (EventLog.from_dict(data), load_log(folder / "log.yaml"), load_log(folder / "log.json"))]
    for r in reports:
        del r["log"]
    assert reports[0] == reports[1] == reports[2]


# -- invariants on generated logs -----------------------------------------------------------

def _snapshot(log: EventLog, policies) -> tuple:
    events = [(e.type, e.at, dict(e.fields), e.id, e.note, e.index, e.line) for e in log.events]
    rules = [(p.id, p.version, p.sha256, [(r.id, r.when, dict(r.params), r.action, r.stance) for r in p.rules])
             for p in policies]
    return copy.deepcopy(events), copy.deepcopy(rules), log.timezone, log.subject


@fuzz(25)
@given(log_and_moment())
def test_evaluation_never_mutates_its_inputs(case):
    data, moment = case
    original = copy.deepcopy(data)
    log = EventLog.from_dict(data)
    before = _snapshot(log, bundled())
    evaluate(bundled(), log, moment)
    evaluate(bundled(), log, moment, explain=False)
    assert _snapshot(log, bundled()) == before
    assert data == original


@fuzz(4)
@given(st.lists(log_and_moment(), min_size=16, max_size=16))
def test_sixteen_threads_give_the_sequential_reports(cases):
    logs = [(EventLog.from_dict(data), moment) for data, moment in cases]
    sequential = [evaluate(bundled(), log, at).to_json() for log, at in logs]
    with ThreadPoolExecutor(max_workers=16) as pool:
        threaded = list(pool.map(lambda item: evaluate(bundled(), item[0], item[1]).to_json(), logs))
    assert threaded == sequential


@fuzz(15)
@given(log_and_moment())
def test_pickled_policies_and_logs_give_the_same_reports(case):
    data, moment = case
    log = EventLog.from_dict(data)
    policies = pickle.loads(pickle.dumps(bundled()))
    clone = pickle.loads(pickle.dumps(log))
    assert evaluate(policies, clone, moment).to_json() == evaluate(bundled(), log, moment).to_json()


@fuzz(15)
@given(log_and_moment())
def test_the_same_inputs_give_byte_identical_json(case):
    data, moment = case
    log = EventLog.from_dict(data)
    first = evaluate(bundled(), log, moment).to_json()
    assert evaluate(bundled(), log, moment).to_json() == first
    assert evaluate(bundled(), EventLog.from_dict(copy.deepcopy(data)), moment).to_json() == first
    # events need not be sorted: with distinct instants, their order changes no advice
    assume(len({e.at for e in log.events}) == len(log.events))
    shuffled = EventLog.from_dict(dict(data, events=list(reversed(data["events"]))))
    assert evaluate(bundled(), shuffled, moment).fired() == evaluate(bundled(), log, moment).fired()


@fuzz(300)
@given(st.lists(st.integers(0, 40), max_size=30), st.one_of(st.none(), st.integers(-2, 42)),
       st.one_of(st.none(), st.integers(-2, 42)), st.booleans())
def test_count_by_bisection_matches_a_scan(hours, after, before, recording):
    from datetime import timezone

    from engine.model.eventlog import Event
    from engine.language.builtins import _UNBOUNDED, count

    start = datetime(2026, 3, 8, tzinfo=timezone.utc)
    events = tuple(Event("x", start + timedelta(hours=h), index=i) for i, h in enumerate(sorted(hours)))
    lo = _UNBOUNDED if after is None else start + timedelta(hours=after)
    hi = _UNBOUNDED if before is None else start + timedelta(hours=before)

    class Ctx:
        def __init__(self):
            self.recording = set() if recording else None

        def events_of(self, event_type):
            return events

    ctx = Ctx()
    expected = [e for e in events if (lo is _UNBOUNDED or e.at > lo) and (hi is _UNBOUNDED or e.at < hi)]
    assert count(ctx, "x", lo, hi) == len(expected)
    if recording:
        assert ctx.recording == set(expected)


@fuzz(40)
@given(st.one_of(mutated(real_policy()).map(lambda d: dump(d, "yaml")),
                 damaged_text(POLICY.read_text("utf-8"))))
def test_check_collects_exactly_when_the_loader_refuses(text):
    """`rules check` goes on past errors (engine.apps.checking): on any broken
    policy it never crashes, and it finds no problem exactly when the loader
    (which stops at the first) accepts the file."""
    from engine.model.actions import default_actions
    from engine.model.policies import check_policy_file, default_vocabulary

    root = scratch()
    (root / "hayes").mkdir()
    path = root / "hayes" / "1.0.0.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    policy, problems = check_policy_file(path, default_vocabulary(), default_actions())
    assert all(isinstance(p, RulesError) for p in problems)
    try:
        load_policy_file(path)
    except RulesError:
        assert problems and policy is None
    else:
        assert problems == [] and policy is not None
