"""The CLI with vocabulary 1.1 and the 1.1.0 policies: the new event types go
through `rules log add` and `rules explain`, versions can be pinned, grades and
permissions are shown with the quote."""

from __future__ import annotations

import json

import pytest

from engine.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_log_add_takes_the_new_event_types(tmp_path, capsys):
    log = tmp_path / "log.yaml"
    assert run(capsys, "log", "new", str(log), "--timezone", "America/New_York")[0] == 0
    for args in (["interview_scheduled", "--at", "2026-11-10T09:00", "starts=2026-11-16T10:00", "round=2"],
                 ["interview", "--at", "2026-11-16T10:00", "interviewers=[Jane Roe]", "format=in_person",
                  "duration_minutes=45", "round=2"],
                 ["thanked_in_person", "--at", "2026-11-16T10:45"],
                 ["reply_received", "--at", "2026-11-18T09:00", "status=still_deciding", "keep_apprised=true"],
                 ["follow_up_sent", "--at", "2026-11-19T09:00", "recipient=recruiter", "kind=feedback_request"],
                 ["withdrew", "--at", "2026-11-20T09:00"]):
        code, out, err = run(capsys, "log", "add", str(log), *args)
        assert code == 0, err
    code, out, err = run(capsys, "explain", str(log), "--at", "2026-11-21T09:00", "--format", "json")
    assert code == 0, err
    report = json.loads(out)
    assert report["situation"]["outcome"] == "withdrawn"
    assert report["situation"]["interview_round"] == 2


def test_log_add_rejects_a_misspelt_recipient(tmp_path, capsys):
    log = tmp_path / "log.yaml"
    assert run(capsys, "log", "new", str(log), "--timezone", "UTC")[0] == 0
    code, out, err = run(capsys, "log", "add", str(log), "follow_up_sent", "--at", "2026-11-19T09:00",
                         "recipient=recruter")
    assert code == 2, err
    assert "recruiter" in err and "Traceback" not in err


@pytest.mark.parametrize("pin, version", [("hayes", "1.1.0"), ("hayes@1.0.0", "1.0.0")])
def test_the_highest_version_loads_unless_pinned(capsys, pin, version):
    code, out, err = run(capsys, "explain", "examples/waiting-past-date.yaml", "--at", "2026-11-23T09:00",
                         "--policy", pin, "--format", "json")
    assert code == 0, err
    assert [(p["policy"], p["version"]) for p in json.loads(out)["policies"]] == [("hayes", version)]


def test_grade_and_may_are_shown_with_the_quote(capsys):
    code, out, err = run(capsys, "explain", "examples/waiting-past-date.yaml", "--at", "2026-11-23T09:00",
                         "--details")
    assert code == 0, err
    assert "○ hayes@1.1.0 · check-in-after-stated-date" in out
    assert "“it’s acceptable to check in a few days after that date passes” [weak]" in out.replace("\n        ", " ")
    code, out, err = run(capsys, "explain", "examples/waiting-past-date.yaml", "--at", "2026-11-23T09:00",
                         "--format", "json")
    recs = [r for g in json.loads(out)["advice"] for r in g["recommendations"]]
    assert {r["grade"] for r in recs} == {"strong", "weak"}
    assert {r["stance"] for r in recs} == {"do", "avoid", "may"}
