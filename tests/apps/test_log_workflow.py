"""``rules log`` as a new user types it: event types listed, list fields from
commas, relative times echoed as absolute ones, warnings, ``rm`` and
``edit``; and the log file's safety: links followed, read-only logs and
dangling links refused, JSON kept JSON, every refusal byte-identical."""

from __future__ import annotations

import json
import os
import re
from datetime import datetime
from pathlib import Path

import pytest

from engine.apps.logedit import add_event, edit_event, remove_event
from engine.cli import main
from engine.errors import UsageError
from engine.input.times import get_zone
from engine.model.eventlog import load_log
from engine.model.policies import default_vocabulary
from examples import ROOT

NY = get_zone("America/New_York")
NOW = datetime(2026, 11, 18, 9, 30, tzinfo=NY)  # a Wednesday


def _log(tmp_path: Path, name: str = "log.yaml") -> Path:
    log = tmp_path / name
    log.write_text((ROOT / "examples" / "waiting-past-date.yaml").read_text())
    return log


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# -- a new user's session ----------------------------------------------------

def test_the_issue_workflow_end_to_end(tmp_path, capsys):
    log = tmp_path / "acme.yaml"
    assert run(capsys, "log", "new", str(log), "--timezone", "America/New_York")[0] == 0
    code, out, err = run(capsys, "log", "add", str(log), "interview", "--at", "yesterday 14:00",
                         "interviewers=Maria Lopez, Tom Chen", "format=video")
    assert code == 0, err
    assert re.search(r"^added interview at \w{3} \d\d \w{3} 20\d\d 14:00 E[SD]T \(-0[45]:00\) to\s", out)
    assert run(capsys, "log", "add", str(log), "thank_you_sent", "--at", "yesterday 18:00",
               "to=Maria", "note=follow-up #2")[0] == 0
    assert run(capsys, "log", "add", str(log), "decision_expected", "--at", "yesterday 14:50",
               "by=next friday")[0] == 0
    events = load_log(log).events
    assert events[0].fields["interviewers"] == ("Maria Lopez", "Tom Chen")
    assert events[2].fields["to"] == ("Maria",) and events[2].note == "follow-up #2"
    assert events[1].fields["by"].weekday() == 4 and events[1].fields["by"] > events[1].at
    code, out, _ = run(capsys, "log", "list", str(log))
    assert "  1  " in out and "  3  " in out
    assert run(capsys, "log", "edit", str(log), "3", "channel=email", "personalized=true")[0] == 0
    assert load_log(log).events[2].fields["channel"] == "email"
    assert run(capsys, "log", "rm", str(log), "3")[0] == 0
    assert [e.type for e in load_log(log).events] == ["interview", "decision_expected"]
    assert run(capsys, "explain", str(log))[0] == 0


def test_types_listed_by_log_types_help_and_a_missing_type(tmp_path, capsys):
    types = sorted(default_vocabulary().event_types())
    code, out, _ = run(capsys, "log", "types")
    assert code == 0
    for name in types:
        assert f"\n{name}: " in "\n" + out
    assert "interviewers=name or list of names  (required)" in out
    assert "channel=email | handwritten | phone" in out
    code, out, _ = run(capsys, "log", "add", "--help")
    assert code == 0 and all(name in out for name in types)
    log = _log(tmp_path)
    before = log.read_bytes()
    code, _, err = run(capsys, "log", "add", str(log))
    assert code == 2 and "TYPE is missing" in err and all(name in err for name in types)
    assert log.read_bytes() == before


@pytest.mark.parametrize("value, stored", [
    ("Maria", ["Maria"]),
    ("Maria Lopez, Tom Chen", ["Maria Lopez", "Tom Chen"]),
    ("Maria Lopez,Tom Chen", ["Maria Lopez", "Tom Chen"]),
    ("[Jane Roe, Sam Poe]", ["Jane Roe", "Sam Poe"]),
    ('["Lopez, Maria", Tom]', ["Lopez, Maria", "Tom"]),
])
def test_list_fields_take_a_name_or_a_comma_separated_list(tmp_path, value, stored):
    """Regression: `interviewers=Maria` and `interviewers='Maria Lopez, Tom Chen'` were rejected."""
    log = _log(tmp_path)
    add_event(log, "interview", "2026-11-17T10:00", [f"interviewers={value}"], default_vocabulary(),
              now=NOW)
    assert list(load_log(log).events[-1].fields["interviewers"]) == stored


@pytest.mark.parametrize("argv, needle", [
    (["interview", "interviewers=Maria,,Tom"], "an empty name"),
    (["interview", "interviewers=[Maria, [x]]"], "expected names"),
    (["follow_up_sent", "channel=email", "channel=phone"], "given twice"),
    (["interview", "interviewers=A", "asked_next_steps=perhaps"], "expected true or false"),
    (["follow_up_sent", "channel=pigeon"], "not one of"),
    (["follow_up_sent", "--at", "someday maybe"], "cannot read"),
    (["follow_up_sent", "--at", "2026-02-30T10:00"], "not a valid ISO 8601"),
    (["follow_up_sent", "--at", "14:00 EST"], "names a time zone"),
    (["follow_up_sent", "at=2026-11-17T10:00"], "set by the command"),
    (["decision_expected", "by=whenever"], "cannot read"),
])
def test_each_rejected_input_leaves_the_file_byte_identical(tmp_path, capsys, argv, needle):
    log = _log(tmp_path)
    before = log.read_bytes()
    code, _, err = run(capsys, "log", "add", str(log), *argv)
    assert code == 2 and needle in err and "Traceback" not in err
    assert log.read_bytes() == before


@pytest.mark.parametrize("argv, needle", [
    (["rm", "99"], "there is no event 99"),
    (["rm", "nosuchid"], "no event has id"),
    (["edit", "1", "format=hologram"], "not one of"),
    (["edit", "1", "fromat=video"], "did you mean 'format'"),
    (["edit", "1"], "nothing to change"),
    (["edit", "1", "--unset", "interviewers"], "needs 'interviewers'"),
    (["edit", "1", "--unset", "note"], "no field 'note'"),
    (["edit", "1", "--at", "yesterday at noonish o'clock"], "cannot read"),
])
def test_rejected_rm_and_edit_leave_the_file_byte_identical(tmp_path, capsys, argv, needle):
    log = _log(tmp_path)
    before = log.read_bytes()
    code, _, err = run(capsys, "log", argv[0], str(log), *argv[1:])
    assert code == 2 and needle in err, err
    assert log.read_bytes() == before


def test_rm_and_edit_by_id_number_or_last_keep_comments(tmp_path):
    log = _log(tmp_path)
    vocabulary = default_vocabulary()
    add_event(log, "follow_up_sent", "2026-11-23T09:00", ["id=fu1", "channel=email"], vocabulary, now=NOW)
    text = log.read_text()
    comments = [line for line in text.splitlines() if line.startswith("#")]
    change = edit_event(log, "fu1", "2026-11-23T10:15", ["channel=phone"], [], vocabulary, now=NOW)
    assert change.before is not None and change.before["channel"] == "email"
    event = next(e for e in load_log(log).events if e.id == "fu1")
    assert event.fields["channel"] == "phone" and event.at.hour == 10
    remove_event(log, "#1", vocabulary)  # the interview: first in time order
    assert load_log(log).events[0].type == "decision_expected"
    remove_event(log, "last", vocabulary)
    assert all(e.id != "fu1" for e in load_log(log).events)
    new_text = log.read_text()
    assert [line for line in new_text.splitlines() if line.startswith("#")] == comments
    assert "{type: notes_written, at: 2026-11-16T12:30}" in new_text  # untouched lines as they were


def test_numbers_follow_time_order_not_file_order(tmp_path):
    log = tmp_path / "log.yaml"
    log.write_text("timezone: UTC\nevents:\n"
                   "  - {type: notes_written, at: 2026-11-18T10:00, id: later}\n"
                   "  - {type: notes_written, at: 2026-11-17T10:00, id: earlier}\n")
    remove_event(log, "1", default_vocabulary())
    assert [e.id for e in load_log(log).events] == ["later"]


def test_a_duplicated_id_must_be_named_by_number(tmp_path, capsys):
    log = tmp_path / "log.yaml"
    log.write_text("timezone: UTC\nevents:\n"
                   "  - {type: notes_written, at: 2026-11-18T10:00, id: x}\n"
                   "  - {type: notes_written, at: 2026-11-17T10:00, id: x}\n")
    before = log.read_bytes()
    code, _, err = run(capsys, "log", "rm", str(log), "x")
    assert code == 2 and "2 events have id 'x'" in err and log.read_bytes() == before


# -- warnings, not errors ----------------------------------------------------

def test_a_future_time_is_recorded_with_a_warning(tmp_path, capsys):
    """Regression: an event typed in the future was accepted and then silently ignored."""
    log = _log(tmp_path)
    code, out, err = run(capsys, "log", "add", str(log), "follow_up_sent", "--at", "2999-01-01T09:00")
    assert code == 0 and "is in the future" in err and "ignores this event" in err
    code, out, _ = run(capsys, "explain", str(log), "--at", "2026-11-23T09:00")
    assert code == 0 and "1 event(s) in the log after this moment were ignored" in out


def test_a_log_without_timezone_warns(tmp_path, capsys):
    log = tmp_path / "log.yaml"
    log.write_text("events: []\n")
    code, _, err = run(capsys, "log", "add", str(log), "notes_written", "--at", "2026-11-17T10:00")
    assert code == 0 and "has no timezone" in err and "UTC" in err
    code, _, err = run(capsys, "log", "list", str(log))
    assert code == 0 and "has no timezone" in err


def test_a_zone_abbreviation_warns_and_suggests_a_place(tmp_path, capsys):
    """Regression: EST was accepted silently; CST was told "did you mean 'UCT'?"."""
    code, _, err = run(capsys, "log", "new", str(tmp_path / "a.yaml"), "--timezone", "EST")
    assert code == 0 and "no daylight saving time" in err and "America/New_York" in err
    code, _, err = run(capsys, "log", "new", str(tmp_path / "b.yaml"), "--timezone", "CST")
    assert code == 2 and "America/Chicago" in err and "UCT" not in err
    assert not (tmp_path / "b.yaml").exists()
    log = tmp_path / "c.yaml"
    log.write_text("timezone: CST\nevents: []\n")
    code, _, err = run(capsys, "explain", str(log))
    assert code == 2 and "America/Chicago" in err and "UCT" not in err


# -- the file: links, permissions, formats -------------------------------------

def test_a_symlinked_log_updates_its_target_and_stays_a_link(tmp_path, capsys):
    """Regression: the link was replaced by a file and the real log left unchanged."""
    real = _log(tmp_path, "real.yaml")
    link = tmp_path / "link.yaml"
    link.symlink_to(real.name)
    assert run(capsys, "log", "add", str(link), "follow_up_sent", "--at", "2026-11-23T09:00")[0] == 0
    assert link.is_symlink() and os.readlink(link) == real.name
    assert load_log(real).events[-1].type == "follow_up_sent"
    assert not list(tmp_path.glob(".link.yaml*"))  # the lock is the target's


def test_a_read_only_log_is_refused(tmp_path, capsys):
    """Regression: a 0444 log was rewritten (as root, too)."""
    log = _log(tmp_path)
    log.chmod(0o444)
    before = log.read_bytes()
    for argv in (["add", str(log), "notes_written"], ["rm", str(log), "1"],
                 ["edit", str(log), "1", "format=phone"]):
        code, _, err = run(capsys, "log", *argv)
        assert code == 2 and "RULES-E056" in err and "read-only" in err
    assert log.read_bytes() == before and (log.stat().st_mode & 0o777) == 0o444


def test_new_does_not_replace_a_dangling_symlink(tmp_path, capsys):
    """Regression: `log new` replaced a dangling link with a file."""
    link = tmp_path / "log.yaml"
    link.symlink_to(tmp_path / "elsewhere" / "missing.yaml")
    for extra in ([], ["--force"]):
        code, _, err = run(capsys, "log", "new", str(link), "--timezone", "UTC", *extra)
        assert code == 2 and "does not exist" in err and "RULES-E056" in err
        assert link.is_symlink() and os.readlink(link) == str(tmp_path / "elsewhere" / "missing.yaml")
    code, _, err = run(capsys, "log", "add", str(link), "notes_written")
    assert code == 2 and "does not exist" in err


def test_new_with_force_through_a_link_writes_the_target(tmp_path, capsys):
    real = tmp_path / "real.yaml"
    real.write_text("old")
    link = tmp_path / "link.yaml"
    link.symlink_to(real)
    assert run(capsys, "log", "new", str(link), "--timezone", "UTC", "--force")[0] == 0
    assert link.is_symlink() and "timezone: UTC" in real.read_text()


def test_a_hard_linked_log_is_refused_rather_than_split(tmp_path, capsys):
    log = _log(tmp_path)
    other = tmp_path / "other.yaml"
    os.link(log, other)
    before = log.read_bytes()
    code, _, err = run(capsys, "log", "add", str(log), "notes_written")
    assert code == 2 and "hard links" in err
    assert log.read_bytes() == before and os.stat(log).st_ino == os.stat(other).st_ino


def test_a_special_file_is_not_replaced(tmp_path, capsys):
    fifo = tmp_path / "log.yaml"
    os.mkfifo(fifo)
    code, _, err = run(capsys, "log", "add", str(fifo), "notes_written")
    assert code == 2 and "not a regular file" in err
    assert fifo.is_fifo()


@pytest.mark.parametrize("layout", ["indented", "one line"])
def test_a_json_log_stays_json(tmp_path, capsys, layout):
    """Regression: `log add` wrote a YAML flow mapping into a JSON file."""
    data = {"subject": "Acme", "timezone": "America/New_York",
            "events": [{"type": "interview", "at": "2026-11-16T10:00", "interviewers": ["Jane Roe"]}]}
    log = tmp_path / "log.json"
    log.write_text(json.dumps(data, indent=2 if layout == "indented" else None) + "\n")
    assert run(capsys, "log", "add", str(log), "thank_you_sent", "--at", "2026-11-16T16:00",
               "to=Jane Roe", "note=a \"quoted\" #note")[0] == 0
    assert run(capsys, "log", "edit", str(log), "2", "channel=email")[0] == 0
    written = json.loads(log.read_text())
    assert written["events"][1] == {"type": "thank_you_sent", "at": "2026-11-16T16:00",
                                    "to": ["Jane Roe"], "note": "a \"quoted\" #note", "channel": "email"}
    assert (log.read_text().count("\n") > 3) == (layout == "indented")
    assert run(capsys, "log", "rm", str(log), "1")[0] == 0
    assert [e["type"] for e in json.loads(log.read_text())["events"]] == ["thank_you_sent"]
    assert run(capsys, "explain", str(log), "--at", "2026-11-17T09:00")[0] == 0


def test_rm_keeps_comments_and_a_refused_rm_writes_nothing(tmp_path):
    log = tmp_path / "log.yaml"
    log.write_text("# my log\ntimezone: UTC  # zone\nevents:\n"
                   "  # the interview\n"
                   "  - {type: interview, at: 2026-11-16T10:00, interviewers: [A]}\n"
                   "  - {type: notes_written, at: 2026-11-16T12:00}  # notes\n")
    remove_event(log, "2", default_vocabulary())
    text = log.read_text()
    assert "# my log" in text and "# zone" in text and "# the interview" in text
    assert "notes_written" not in text
    with pytest.raises(UsageError):
        remove_event(log, "2", default_vocabulary())
    assert log.read_text() == text


@pytest.mark.parametrize("start", ["", "\ufeff"])
def test_crlf_line_endings_and_a_byte_order_mark_are_kept(tmp_path, start):
    log = tmp_path / "log.yaml"
    log.write_bytes((start + "# mine\r\ntimezone: UTC\r\nevents:\r\n"
                     "  - {type: notes_written, at: 2026-11-16T12:00}\r\n").encode())
    vocabulary = default_vocabulary()
    add_event(log, "notes_written", "2026-11-16T13:00", ["note=quick"], vocabulary)    # a new last line
    edit_event(log, "1", None, ["note=edited"], [], vocabulary)                        # a round-trip edit
    data = log.read_bytes()
    assert data.startswith(start.encode() + b"# mine\r\n")
    assert data.count(b"\n") == data.count(b"\r\n") == 5
    assert [e.note for e in load_log(log).events] == ["edited", "quick"]


def test_an_iso_time_does_not_load_the_date_library(tmp_path):
    """The relative-time reader (dateparser) is imported only for words."""
    import subprocess
    import sys
    log = _log(tmp_path)
    script = ("import sys; from engine.cli import main; "
              f"code = main(['log', 'add', {str(log)!r}, 'notes_written', '--at', '2026-11-17T10:00']); "
              "print(code, 'dateparser' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)), timeout=120)
    assert done.stdout.split()[-2:] == ["0", "False"], done.stderr


def test_new_in_a_missing_folder_says_so(tmp_path, capsys):
    code, _, err = run(capsys, "log", "new", str(tmp_path / "no" / "log.yaml"), "--timezone", "UTC")
    assert code == 2 and "RULES-E051" in err and "does not exist" in err
    assert not (tmp_path / "no").exists()


@pytest.mark.parametrize("text", [
    "timezone: UTC\nevents:\n  - {type: notes_written, at: 2026-11-16T12:00}\nsubject: after the events\n",
    "events:\n- {type: notes_written, at: 2026-11-16T12:00}\ntimezone: UTC  # last\n",
    "timezone: UTC\nevents:\n  - type: notes_written\n    at: 2026-11-16T12:00\n",
    "timezone: UTC\nevents: [{type: notes_written, at: 2026-11-16T12:00}]\n",
    "timezone: UTC\nevents:\n  - {type: notes_written, at: 2026-11-16T12:00}\n# the end",
])
def test_an_event_is_added_right_whatever_the_layout(tmp_path, text):
    """Where a new last line would not be the last event, the round-trip edit is used."""
    log = tmp_path / "log.yaml"
    log.write_text(text)
    add_event(log, "follow_up_sent", "2026-11-17T09:00", ["channel=email"], default_vocabulary())
    events = load_log(log).events
    assert [e.type for e in events] == ["notes_written", "follow_up_sent"]
    assert load_log(log).subject == ("after the events" if "subject" in text else None)


@pytest.mark.parametrize("width", [60, 80, 120])
def test_log_output_fits_the_terminal_width(tmp_path, capsys, monkeypatch, width):
    monkeypatch.setenv("COLUMNS", str(width))
    log = _log(tmp_path)
    outputs = []
    for argv in (["add", str(log), "notes_written", "--at", "2026-11-01T01:30", "note=a long note " * 4],
                 ["list", str(log)], ["types"], ["edit", str(log), "2", "format=video"]):
        code, out, err = run(capsys, "log", *argv)
        assert code == 0, err
        outputs.append(out + err)
    for line in "".join(outputs).splitlines():
        assert len(line) <= width or str(tmp_path) in line, line
