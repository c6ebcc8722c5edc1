"""The author's other tools: `rules new`, `rules bump`, `rules lock`;
scenario files with shared logs and an unknown policy reported once;
`rules test --format json|junit|sarif`; `rules test --watch`; policy folders
given together (`--policies` repeated)."""

from __future__ import annotations

import json
import shutil
import threading
import time
from pathlib import Path
from xml.etree import ElementTree as ET

import jsonschema
import pytest

from engine.apps.scenarios import run_scenario_files
from engine.apps.watching import watch_and_run
from engine.cli import main
from engine.errors import PolicyError
from engine.model.policies import load_policies

from examples import ROOT

SARIF_SCHEMA = json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text())
HAYES_SCENARIOS = ROOT / "tests" / "scenarios" / "hayes.yaml"


# -- new, bump, lock ------------------------------------------------------------------

def test_new_makes_a_policy_that_checks_and_a_scenario_that_passes(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["new", "patient", "--title", "Be Patient: A Guide", "--document", "005_patient.txt"]) == 0
    policy = tmp_path / "policies" / "patient" / "1.0.0.yaml"
    assert policy.read_text().startswith("# yaml-language-server: $schema=")
    assert "title: \"Be Patient: A Guide\"" in policy.read_text()
    assert main(["check", "policies"]) == 0
    assert main(["test", "tests/scenarios", "--policies", "policies"]) == 0
    assert "2 passed, 0 failed" in capsys.readouterr().out
    assert main(["new", "patient", "--title", "x", "--document", "y.txt"]) == 2
    assert "rules bump patient" in capsys.readouterr().err
    assert main(["new", "Bad Id", "--title", "x", "--document", "y.txt"]) == 2
    assert main(["new", "other", "--title", "x", "--document", "../etc/passwd"]) == 2


def test_bump_copies_the_latest_sets_the_version_and_locks_the_old_one(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "policies" / "hayes").mkdir(parents=True)
    shutil.copy(ROOT / "policies" / "hayes" / "1.0.0.yaml", tmp_path / "policies" / "hayes" / "1.0.0.yaml")
    assert main(["bump", "hayes", "-m", "Wait two more days."]) == 0
    new = tmp_path / "policies" / "hayes" / "1.1.0.yaml"
    text = new.read_text()
    assert "version: 1.1.0" in text and "{version: 1.1.0, summary: Wait two more days.}" in text
    assert text.splitlines()[0] == (ROOT / "policies" / "hayes" / "1.0.0.yaml").read_text().splitlines()[0]
    assert "hayes@1.0.0: sha256:" in (tmp_path / "policies" / "versions.lock").read_text()
    policies = load_policies(tmp_path / "policies", cache=False)
    assert policies.get("hayes").version == "1.1.0"
    assert main(["check", "policies"]) == 0
    assert main(["bump", "hayes", "--patch"]) == 0
    assert (tmp_path / "policies" / "hayes" / "1.1.1.yaml").is_file()
    assert "hayes@1.1.0" in (tmp_path / "policies" / "versions.lock").read_text()
    assert main(["bump", "hayse"]) == 2
    assert "did you mean 'hayes'?" in capsys.readouterr().err


def test_lock_refuses_a_malformed_lock_file(tmp_path, capsys):
    root = tmp_path / "policies"
    (root / "hayes").mkdir(parents=True)
    shutil.copy(ROOT / "policies" / "hayes" / "1.0.0.yaml", root / "hayes" / "1.0.0.yaml")
    (root / "versions.lock").write_text("hayes@1.0.0 = abc\n")
    assert main(["check", str(root)]) == 2
    assert "versions.lock:1:1: RULES-E034 not a lock entry" in capsys.readouterr().out


# -- scenario files -------------------------------------------------------------------

def test_scenarios_can_share_a_log_file_and_a_top_level_log(tmp_path, capsys):
    shutil.copy(ROOT / "examples" / "waiting-past-date.yaml", tmp_path / "waiting.yaml")
    (tmp_path / "shared.yaml").write_text(
        "policy: hayes@1.0.0\n"
        "log: waiting.yaml\n"
        "scenarios:\n"
        "  - {name: early, at: 2026-11-17T09:00, expect: {check-in-after-stated-date: none}}\n"
        "  - {name: late, at: 2026-11-23T09:00, expect: {check-in-after-stated-date: do}}\n"
        "  - name: inline wins\n"
        "    at: 2026-11-23T09:00\n"
        "    log: {timezone: UTC, events: []}\n"
        "    expect: {check-in-after-stated-date: none}\n")
    assert main(["test", str(tmp_path / "shared.yaml")]) == 0
    assert "3 passed, 0 failed" in capsys.readouterr().out


def test_an_unknown_policy_is_reported_once_with_a_did_you_mean(tmp_path, capsys):
    text = HAYES_SCENARIOS.read_text().replace("policy: hayes", "policy: hayse")
    (tmp_path / "s.yaml").write_text(text)
    results, problems = run_scenario_files([tmp_path / "s.yaml"], load_policies())
    assert results == [] and len(problems) == 1
    line = text.splitlines().index("policy: hayse") + 1
    assert problems[0].hint == "did you mean 'hayes'?" and problems[0].line == line
    assert main(["test", str(tmp_path / "s.yaml")]) == 2
    out = capsys.readouterr().out
    assert out.count("no policy 'hayse' is loaded") == 1


def test_a_missing_shared_log_is_an_error_at_its_line(tmp_path):
    (tmp_path / "s.yaml").write_text("policy: hayes\nscenarios:\n  - {name: a, at: 2026-11-17T09:00, "
                                     "log: nowhere.yaml, expect: {}}\n")
    results, _ = run_scenario_files([tmp_path / "s.yaml"], load_policies())
    assert results[0].error is not None and "no log file 'nowhere.yaml'" in results[0].error.message
    assert results[0].error.line == 3


def test_scenario_folders_are_repeatable(tmp_path, capsys):
    other = tmp_path / "more"
    other.mkdir()
    shutil.copy(HAYES_SCENARIOS, other / "hayes-again.yaml")
    assert main(["test", str(ROOT / "tests" / "scenarios"), str(other)]) == 0
    out = capsys.readouterr().out
    single = main(["test", str(ROOT / "tests" / "scenarios")])
    assert single == 0
    n_all = int(out.split(" passed")[0].split()[-1])
    n_one = int(capsys.readouterr().out.split(" passed")[0].split()[-1])
    assert n_all > n_one


# -- machine-readable test output -------------------------------------------------------

@pytest.fixture
def failing(tmp_path: Path) -> Path:
    text = HAYES_SCENARIOS.read_text().replace("always-send-thank-you: do", "always-send-thank-you: avoid", 1)
    (tmp_path / "hayes.yaml").write_text(text)
    return tmp_path / "hayes.yaml"


def test_junit(failing, capsys):
    assert main(["test", str(failing), "--format", "junit"]) == 1
    root = ET.fromstring(capsys.readouterr().out)
    cases = root.findall(".//testcase")
    failures = [c for c in cases if c.find("failure") is not None]
    assert len(cases) > 5 and len(failures) == 1
    assert "always-send-thank-you: expected avoid, got do" in failures[0].find("failure").get("message")


def test_sarif(failing, capsys):
    assert main(["test", str(failing), "--format", "sarif"]) == 1
    sarif = json.loads(capsys.readouterr().out)
    jsonschema.validate(sarif, SARIF_SCHEMA)
    [result] = sarif["runs"][0]["results"]
    assert result["ruleId"] == "RULES-E053"
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] > 1


def test_json(failing, capsys):
    assert main(["test", str(failing), "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["failed"] == 1 and data["coverage"]["hayes@1.1.0"]["fired"]
    [bad] = [s for s in data["scenarios"] if not s["ok"]]
    assert bad["mismatches"] == [{"rule": "always-send-thank-you", "expected": "avoid", "got": "do"}]


# -- watch ------------------------------------------------------------------------------

def test_watch_runs_again_when_a_file_changes(tmp_path):
    watched = tmp_path / "scenarios"
    watched.mkdir()
    target = watched / "a.yaml"
    target.write_text("x: 1\n")
    runs: list[float] = []
    stop = threading.Event()

    def run() -> int:
        runs.append(time.monotonic())
        if len(runs) >= 2:
            stop.set()
        return 0

    thread = threading.Thread(target=watch_and_run, args=(run, [watched]),
                              kwargs={"echo": lambda s: None, "stop_event": stop, "debounce_ms": 50})
    thread.start()
    deadline = time.monotonic() + 20
    while len(runs) < 2 and time.monotonic() < deadline:
        time.sleep(0.3)
        target.write_text(f"x: {time.monotonic()}\n")
        (watched / "ignored.swp").write_text("editor noise")
    stop.set()
    thread.join(10)
    assert len(runs) >= 2 and not thread.is_alive()


# -- policy folders given together -------------------------------------------------------

def test_repeated_policies_adds_folders(tmp_path, capsys):
    mine = tmp_path / "mine"
    (mine / "patient").mkdir(parents=True)
    text = (ROOT / "policies" / "hayes" / "1.0.0.yaml").read_text().replace("policy: hayes", "policy: patient")
    (mine / "patient" / "1.0.0.yaml").write_text(text)
    assert main(["sources", "--policies", ":bundled", "--policies", str(mine)]) == 0
    out = capsys.readouterr().out
    assert "patient" in out and "hayes" in out and "6 policies" in out
    assert main(["explain", str(ROOT / "examples" / "waiting-past-date.yaml"), "--at", "2026-11-23T09:00",
                 "--policies", ":bundled", "--policies", str(mine), "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert {p["policy"] for p in report["policies"]} >= {"patient", "hayes"}


def test_the_same_version_in_two_folders_names_both_files(tmp_path, capsys):
    mine = tmp_path / "mine"
    shutil.copytree(ROOT / "policies" / "hayes", mine / "hayes")
    with pytest.raises(PolicyError) as info:
        load_policies([ROOT / "policies", mine], cache=False)
    assert "hayes@1.0.0 is defined twice" in info.value.message
    assert "hayes/1.0.0.yaml" in info.value.file and "also in" in info.value.hint
    assert main(["sources", "--policies", ":bundled", "--policies", str(mine)]) == 2
    assert "RULES-E033" in capsys.readouterr().err


def test_pinned_policies_skip_the_other_policies_scenario_files(capsys):
    assert main(["test", str(ROOT / "tests" / "scenarios"), "--policy", "hayes"]) == 0
    out = capsys.readouterr().out
    assert "8 file(s) of policies not selected skipped" in out and "no policy" not in out
    assert main(["test", str(HAYES_SCENARIOS), "--policy", "halpin"]) == 0
