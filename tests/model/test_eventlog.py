"""Event logs: YAML, JSON and JSON Lines; one precise error per bad log;
local times, dates, ordering, and the log as of a moment."""

from __future__ import annotations

import json
import pickle
import re
from datetime import datetime

import pytest

from engine.errors import InputError, LogError
from engine.model.eventlog import EventLog, iter_jsonl_logs, load_log
from engine.runtime.facts import FactContext
from engine.model.policies import default_vocabulary
from engine.input.times import get_zone, parse_moment

LOG = {
    "subject": "Acme Corp — Data Analyst",
    "timezone": "America/New_York",
    "events": [
        {"type": "interview", "at": "2026-11-16T10:00", "interviewers": ["Jane Roe", "Sam Poe"],
         "format": "in_person", "asked_next_steps": True, "id": "int", "note": "went well"},
        {"type": "decision_expected", "at": "2026-11-16T10:50", "by": "2026-11-20"},
        {"type": "thank_you_sent", "at": "2026-11-16T16:30", "to": ["Jane Roe", "Sam Poe"],
         "channel": "email", "personalized": True},
        {"type": "follow_up_sent", "at": "2026-11-23T09:00", "channel": "email"},
        {"type": "reply_received", "at": "2026-11-23T15:10", "tone": "positive",
         "check_in_after": "2026-11-30"},
    ],
}

LOG_YAML = """\
subject: Acme Corp — Data Analyst
timezone: America/New_York
events:
  - {type: interview, at: 2026-11-16T10:00, interviewers: [Jane Roe, Sam Poe], format: in_person, asked_next_steps: true, id: int, note: went well}
  - {type: decision_expected, at: 2026-11-16T10:50, by: 2026-11-20}
  - type: thank_you_sent
    at: 2026-11-16T16:30
    to: [Jane Roe, Sam Poe]
    channel: email
    personalized: true
  - {type: follow_up_sent, at: 2026-11-23T09:00, channel: email}
  - {type: reply_received, at: 2026-11-23T15:10, tone: positive, check_in_after: 2026-11-30}
"""


def _summary(log: EventLog) -> list[tuple]:
    return [(e.type, e.at.isoformat(), e.id, e.note,
             {k: v.isoformat() if isinstance(v, datetime) else v for k, v in e.fields.items()})
            for e in log.events]


def _facts(log: EventLog, at: str = "2026-11-25T12:00") -> dict:
    ctx = FactContext(default_vocabulary(), log, parse_moment(at, log.tz))
    return {name: ctx[name] for name in default_vocabulary().facts if name != "now"}


# -- formats --------------------------------------------------------------------

def test_yaml_json_and_from_dict_agree(tmp_path):
    (tmp_path / "log.yaml").write_text(LOG_YAML, encoding="utf-8")
    (tmp_path / "log.json").write_text(json.dumps(LOG, indent=2, ensure_ascii=False), encoding="utf-8")
    from_yaml = load_log(tmp_path / "log.yaml")
    from_json = load_log(tmp_path / "log.json")
    from_dict = EventLog.from_dict(LOG)
    assert _summary(from_yaml) == _summary(from_json) == _summary(from_dict)
    assert _facts(from_yaml) == _facts(from_json) == _facts(from_dict)
    assert from_yaml.subject == "Acme Corp — Data Analyst"
    assert from_yaml.timezone == "America/New_York"
    assert from_yaml.source == str(tmp_path / "log.yaml")


def test_events_remember_their_line(tmp_path):
    (tmp_path / "log.yaml").write_text(LOG_YAML, encoding="utf-8")
    log = load_log(tmp_path / "log.yaml")
    assert [e.line for e in log.events] == [4, 5, 6, 11, 12]
    assert log.events[0].label() == "interview int (line 4)"
    assert EventLog.from_dict(LOG).events[1].label() == "decision_expected (event 2)"


def test_json_lines(tmp_path):
    lines = [json.dumps(LOG), "", json.dumps({"events": []}),
             json.dumps({"timezone": "Europe/London", "events": [
                 {"type": "interview", "at": "2026-06-02T14:00", "interviewers": ["A"]}]})]
    path = tmp_path / "logs.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    results = iter_jsonl_logs(path)
    assert not isinstance(results, list)  # streamed, not read whole
    results = list(results)
    assert [n for n, _ in results] == [1, 3, 4]  # blank lines are skipped
    assert all(isinstance(log, EventLog) for _, log in results)
    assert _summary(results[0][1]) == _summary(EventLog.from_dict(LOG))
    assert results[0][1].source == f"{path}:1"
    assert len(results[1][1]) == 0 and results[1][1].timezone == "UTC"
    assert results[2][1].events[0].at.isoformat() == "2026-06-02T14:00:00+01:00"


def test_json_lines_errors_are_values_with_their_line(tmp_path):
    good = json.dumps(LOG)
    bad_type = '{"events": [{"type": "interveiw", "at": "2026-11-16T10:00"}]}'
    bad_json = '{"events": ['
    path = tmp_path / "logs.jsonl"
    path.write_text("\n".join([good, bad_type, bad_json, good]) + "\n", encoding="utf-8")
    results = list(iter_jsonl_logs(path))
    assert [type(r).__name__ for _, r in results] == ["EventLog", "LogError", "InputError", "EventLog"]
    err = results[1][1]
    col = bad_type.index('"interveiw"') + 1
    assert str(err) == f"{path}:2:{col}: RULES-E023 unknown event type 'interveiw'"
    assert err.hint == "did you mean 'interview'?"
    assert str(results[2][1]).startswith(f"{path}:3:")
    assert "RULES-E014 invalid JSON" in str(results[2][1])


# -- one error per problem, at its place ----------------------------------------

def _position(text: str, marker: str) -> tuple[int, int]:
    index = text.index(marker)
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


# (name, YAML log, JSON log, marker of the reported place, code, words in the
#  message, the did-you-mean the hint starts with, or None where no name is involved)
BAD_LOGS = [
    ("unknown timezone",
     "timezone: America/New_Yrok\nevents: []\n",
     '{"timezone": "America/New_Yrok",\n "events": []}\n',
     "America/New_Yrok", "RULES-E021", "unknown time zone 'America/New_Yrok'",
     "did you mean 'America/New_York'?"),
    ("bad timestamp",
     "events:\n  - type: follow_up_sent\n    at: 2026-11-31T09:00\n",
     '{"events": [\n  {"type": "follow_up_sent",\n   "at": "2026-11-31T09:00"}]}\n',
     "2026-11-31T09:00", "RULES-E022", "'2026-11-31T09:00' is not an ISO 8601 date and time", None),
    ("bad date in a date field",
     "events:\n  - {type: decision_expected, at: 2026-11-16T10:00, by: 2026-02-30}\n",
     '{"events": [{"type": "decision_expected", "at": "2026-11-16T10:00",\n  "by": "2026-02-30"}]}\n',
     "2026-02-30", "RULES-E022", "decision_expected.by: '2026-02-30' is not a valid date", None),
    ("unknown event type",
     "events:\n  - {type: interview, at: 2026-11-16T10:00, interviewers: [A]}\n"
     "  - {type: folow_up_sent, at: 2026-11-17T10:00}\n",
     '{"events": [\n  {"type": "interview", "at": "2026-11-16T10:00", "interviewers": ["A"]},\n'
     '  {"type": "folow_up_sent", "at": "2026-11-17T10:00"}]}\n',
     "folow_up_sent", "RULES-E023", "unknown event type 'folow_up_sent'",
     "did you mean 'follow_up_sent'?"),
    ("unknown field",
     "events:\n  - {type: interview, at: 2026-11-16T10:00, interviewers: [A], fromat: video}\n",
     '{"events": [{"type": "interview", "at": "2026-11-16T10:00",\n'
     '             "interviewers": ["A"], "fromat": "video"}]}\n',
     "fromat", "RULES-E024", "interview events have no field 'fromat'", "did you mean 'format'?"),
    ("wrong field type",
     "events:\n  - {type: interview, at: 2026-11-16T10:00, interviewers: [A], asked_next_steps: 'yes'}\n",
     '{"events": [{"type": "interview", "at": "2026-11-16T10:00", "interviewers": ["A"],\n'
     '  "asked_next_steps": "yes"}]}\n',
     "yes", "RULES-E024", "interview.asked_next_steps: expected true or false, got 'yes'", None),
    ("wrong list type",
     "events:\n  - {type: interview, at: 2026-11-16T10:00, interviewers: 3}\n",
     '{"events": [{"type": "interview", "at": "2026-11-16T10:00", "interviewers": 3}]}\n',
     "3}", "RULES-E024", "interview.interviewers: expected a list of names, got 3", None),
    ("value not allowed",
     "events:\n  - {type: social_connection, at: 2026-11-16T10:00, network: linkdin}\n",
     '{"events": [{"type": "social_connection", "at": "2026-11-16T10:00", "network": "linkdin"}]}\n',
     "linkdin", "RULES-E024", "social_connection.network: 'linkdin' is not one of linkedin, facebook, other",
     "did you mean 'linkedin'?"),
    # vocabulary 1.1: the new types and fields are checked like the old ones
    ("1.1: misspelt new event type",
     "events:\n  - {type: interview_sheduled, at: 2026-11-16T10:00, starts: 2026-11-20T10:00}\n",
     '{"events": [{"type": "interview_sheduled", "at": "2026-11-16T10:00", "starts": "2026-11-20T10:00"}]}\n',
     "interview_sheduled", "RULES-E023", "unknown event type 'interview_sheduled'",
     "did you mean 'interview_scheduled'?"),
    ("1.1: recipient role not allowed",
     "events:\n  - {type: follow_up_sent, at: 2026-11-16T10:00, recipient: recruter}\n",
     '{"events": [{"type": "follow_up_sent", "at": "2026-11-16T10:00", "recipient": "recruter"}]}\n',
     "recruter", "RULES-E024", "follow_up_sent.recipient: 'recruter' is not one of", "did you mean 'recruiter'?"),
    ("1.1: reply status misspelt",
     "events:\n  - {type: reply_received, at: 2026-11-16T10:00, status: still_decidng}\n",
     '{"events": [{"type": "reply_received", "at": "2026-11-16T10:00", "status": "still_decidng"}]}\n',
     "still_decidng", "RULES-E024", "reply_received.status: 'still_decidng' is not one of",
     "did you mean 'still_deciding'?"),
    ("1.1: duration below its minimum",
     "events:\n  - {type: interview, at: 2026-11-16T10:00, interviewers: [A], duration_minutes: 0}\n",
     '{"events": [{"type": "interview", "at": "2026-11-16T10:00", "interviewers": ["A"],\n'
     '  "duration_minutes": 0}]}\n',
     "0}", "RULES-E024", "interview.duration_minutes: must be at least 1, got 0", None),
    ("1.1: misspelt field of a rejection",
     "events:\n  - {type: rejected, at: 2026-11-16T10:00, positive_about_me: true}\n",
     '{"events": [{"type": "rejected", "at": "2026-11-16T10:00", "positive_about_me": true}]}\n',
     "positive_about_me", "RULES-E024", "rejected events have no field 'positive_about_me'",
     "did you mean 'positive_about_you'?"),
    ("unknown key of the log",
     "timezone: UTC\nevnts: []\n",
     '{"timezone": "UTC", "evnts": []}\n',
     "evnts", "RULES-E020", "'evnts'", "did you mean 'events'?"),
]


@pytest.mark.parametrize("fmt", ["yaml", "json"])
@pytest.mark.parametrize("name, yaml_text, json_text, marker, code, words, hint",
                         BAD_LOGS, ids=[b[0] for b in BAD_LOGS])
def test_bad_log_gives_one_located_error(tmp_path, fmt, name, yaml_text, json_text, marker,
                                         code, words, hint):
    text = yaml_text if fmt == "yaml" else json_text
    json.loads(json_text)  # the JSON variant is valid JSON
    path = tmp_path / f"log.{fmt}"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(LogError) as info:
        load_log(path)
    err = info.value
    line, col = _position(text, marker)
    if text[text.index(marker) - 1] in "'\"":
        col -= 1  # a quoted value (or key) starts at its opening quote
    message = str(err)
    assert "\n" not in message
    assert message.startswith(f"{path}:{line}:{col}: {code} "), message
    assert words in message
    if hint is None:
        assert "did you mean" not in (err.hint or "")
    else:
        assert err.hint.startswith(hint)
    assert (err.file, err.line, err.column) == (str(path), line, col)
    rendered = err.render()
    assert rendered.splitlines()[0] == message
    assert rendered.splitlines()[1].strip() == text.splitlines()[line - 1].strip()


@pytest.mark.parametrize("data, words", [
    ([], "an event log must be a mapping"),
    ({"events": {}}, "'events' must be a list"),
    ({"events": [3]}, "an event must be a mapping"),
    ({"events": [{"at": "2026-11-16T10:00"}]}, "event has no 'type'"),
    ({"events": [{"type": "notes_written"}]}, "notes_written event has no 'at' time"),
    ({"events": [{"type": "interview", "at": "2026-11-16T10:00"}]}, "interview event needs 'interviewers'"),
    ({"events": [{"type": "interview", "at": "2026-11-16T10:00", "interviewers": []}]},
     "needs at least 1 item"),
    ({"events": [{"type": "notes_written", "at": "2026-11-16T10:00", "id": 5}]}, "'id' must be text"),
    ({"events": [{"type": "notes_written", "at": 12}]}, "expected a date and time, got int 12"),
    ({"subject": ["x"], "events": []}, "'subject' must be text"),
    ({"timezone": "../../etc/passwd", "events": []}, "unknown time zone"),
])
def test_bad_data_is_a_log_error(data, words):
    with pytest.raises(LogError, match=re.escape(words)) as info:
        EventLog.from_dict(data, source="app")
    assert str(info.value).startswith("app: RULES-E02")


def test_bad_yaml_and_json_are_input_errors(tmp_path):
    (tmp_path / "a.yaml").write_text("events: [\n", encoding="utf-8")
    (tmp_path / "b.json").write_text('{"events": []', encoding="utf-8")
    (tmp_path / "c.yaml").write_text("events: []\nevents: []\n", encoding="utf-8")
    for name, code in (("a.yaml", "RULES-E010"), ("b.json", "RULES-E014"), ("c.yaml", "RULES-E011")):
        with pytest.raises(InputError) as info:
            load_log(tmp_path / name)
        assert re.match(rf"{re.escape(str(tmp_path / name))}:\d+:\d+: {code} ", str(info.value))
    with pytest.raises(InputError, match="no such file"):
        load_log(tmp_path / "missing.yaml")


# -- times ------------------------------------------------------------------------

def _log(events, timezone="America/New_York") -> EventLog:
    return EventLog.from_dict({"timezone": timezone, "events": events})


def test_timestamps_without_offset_are_local():
    log = _log([{"type": "notes_written", "at": "2026-11-16T10:00"},
                {"type": "notes_written", "at": "2026-07-16T10:00"},
                {"type": "notes_written", "at": "2026-07-17 10:00"}])
    assert [e.at.isoformat() for e in log.events] == [
        "2026-07-16T10:00:00-04:00", "2026-07-17T10:00:00-04:00", "2026-11-16T10:00:00-05:00"]


def test_timestamps_with_offset_keep_their_instant_shown_locally():
    log = _log([{"type": "notes_written", "at": "2026-11-16T15:00Z", "id": "z"},
                {"type": "notes_written", "at": "2026-11-16T20:30+05:30", "id": "ist"}])
    assert [(e.id, e.at.isoformat()) for e in log.events] == [
        ("z", "2026-11-16T10:00:00-05:00"), ("ist", "2026-11-16T10:00:00-05:00")]


def test_default_timezone_is_utc():
    log = EventLog.from_dict({"events": [{"type": "notes_written", "at": "2026-11-16T10:00"}]})
    assert log.timezone == "UTC"
    assert log.events[0].at.isoformat() == "2026-11-16T10:00:00+00:00"


def test_date_only_fields_are_local_midnight():
    log = _log([{"type": "decision_expected", "at": "2026-11-16T10:00", "by": "2026-11-20"},
                {"type": "reply_received", "at": "2026-11-17T10:00", "check_in_after": "2026-06-01"},
                {"type": "decision_expected", "at": "2026-11-18T10:00", "by": "2026-11-21T17:30"},
                {"type": "decision_expected", "at": "2026-11-19T10:00", "by": "2026-11-22T12:00Z"}])
    values = [e.fields.get("by") or e.fields.get("check_in_after") for e in log.events]
    assert [v.isoformat() for v in values] == [
        "2026-11-20T00:00:00-05:00", "2026-06-01T00:00:00-04:00",
        "2026-11-21T17:30:00-05:00", "2026-11-22T07:00:00-05:00"]


def test_local_time_in_the_spring_gap_moves_forward_and_the_repeated_hour_takes_the_first():
    log = _log([{"type": "notes_written", "at": "2026-03-08T02:30", "id": "gap"},
                {"type": "notes_written", "at": "2026-11-01T01:30", "id": "twice"}])
    assert [(e.id, e.at.isoformat()) for e in log.events] == [
        ("gap", "2026-03-08T03:30:00-04:00"), ("twice", "2026-11-01T01:30:00-04:00")]


def test_defaults_and_single_names():
    log = _log([{"type": "interview", "at": "2026-11-16T10:00", "interviewers": ["A"]},
                {"type": "thank_you_sent", "at": "2026-11-16T12:00", "to": "A"},
                {"type": "follow_up_sent", "at": "2026-11-17T12:00"}])
    interview, thanks, follow_up = log.events
    assert dict(interview.fields) == {"interviewers": ("A",), "format": None,
                                      "asked_next_steps": False, "collected_contacts": False,
                                      "round": None, "duration_minutes": None}
    assert thanks.fields["to"] == ("A",)
    assert dict(follow_up.fields) == {"channel": None, "kind": "check_in", "recipient": None}
    assert follow_up.field("at") is follow_up.at and follow_up.field("type") == "follow_up_sent"


# -- order and moment --------------------------------------------------------------

def test_events_are_sorted_by_time_and_stably():
    log = _log([{"type": "follow_up_sent", "at": "2026-11-20T09:00", "id": "c"},
                {"type": "notes_written", "at": "2026-11-16T12:00", "id": "a1"},
                {"type": "references_notified", "at": "2026-11-16T12:00", "id": "a2"},
                {"type": "notes_written", "at": "2026-11-16T17:00Z", "id": "a3"},  # 12:00 local
                {"type": "interview", "at": "2026-11-16T10:00", "interviewers": ["A"], "id": "first"}])
    assert [e.id for e in log.events] == ["first", "a1", "a2", "a3", "c"]
    assert [e.index for e in log.events] == [4, 1, 2, 3, 0]  # input positions kept
    view = log.as_of(parse_moment("2026-11-30", log.tz))
    assert [e.id for e in view.events_of("notes_written")] == ["a1", "a3"]


def test_events_after_the_moment_are_ignored():
    log = EventLog.from_dict(LOG)
    tz = log.tz
    view = log.as_of(parse_moment("2026-11-16T16:30", tz))  # exactly the thank-you: known
    assert [e.type for e in view.events] == ["interview", "decision_expected", "thank_you_sent"]
    assert view.events_of("follow_up_sent") == ()
    assert view.events_of("no_such_type") == ()
    assert log.as_of(parse_moment("2026-11-16T09:59", tz)).events == ()
    assert len(log.as_of(parse_moment("2030-01-01", tz)).events) == 5
    # the same moment written in another zone is the same cut
    same = log.as_of(datetime.fromisoformat("2026-11-16T21:30:00+00:00"))
    assert [e.type for e in same.events] == [e.type for e in view.events]


def test_replaying_at_a_past_moment_equals_the_truncated_log():
    full = EventLog.from_dict(LOG)
    cut = EventLog.from_dict({**LOG, "events": LOG["events"][:3]})
    assert _facts(full, "2026-11-20T12:00") == _facts(cut, "2026-11-20T12:00")


def test_a_log_pickles():
    log = EventLog.from_dict(LOG)
    again = pickle.loads(pickle.dumps(log))
    assert _summary(again) == _summary(log)
    assert again.tz is get_zone("America/New_York")


def test_an_app_may_pass_python_datetimes():
    from datetime import date
    from zoneinfo import ZoneInfo

    log = EventLog.from_dict({"timezone": "Europe/London", "events": [
        {"type": "interview", "at": datetime(2026, 7, 1, 9, 0), "interviewers": ["A"]},
        {"type": "decision_expected", "at": datetime(2026, 7, 1, 9, 0, tzinfo=ZoneInfo("America/New_York")),
         "by": date(2026, 7, 10)}]})
    assert [e.at.isoformat() for e in log.events] == ["2026-07-01T09:00:00+01:00",
                                                       "2026-07-01T14:00:00+01:00"]
    assert log.events[1].fields["by"].isoformat() == "2026-07-10T00:00:00+01:00"


def test_scheduled_interview_needs_its_start(tmp_path):
    path = tmp_path / "log.yaml"
    path.write_text("events:\n  - {type: interview_scheduled, at: 2026-11-16T10:00}\n")
    with pytest.raises(LogError) as info:
        load_log(path)
    assert str(info.value).startswith(f"{path}:2:5: RULES-E024 interview_scheduled event needs 'starts'")


def test_vocabulary_1_0_logs_stay_valid_and_new_fields_default():
    log = _log([{"type": "interview", "at": "2026-11-16T10:00", "interviewers": ["A"]},
                {"type": "reply_received", "at": "2026-11-17T10:00", "tone": "positive"},
                {"type": "rejected", "at": "2026-11-18T10:00"}])
    _, reply, rejected = log.events
    assert reply.fields["keep_apprised"] is False and reply.fields["status"] is None
    assert dict(rejected.fields) == {"positive_about_you": None, "you_like_company": None}
