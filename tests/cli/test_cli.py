"""The ``rules`` command through ``main(argv)`` (and once as an installed
console script in a subprocess): outputs, exit codes, no tracebacks."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from engine.cli import main

from examples import ROOT

WAITING = ["explain", "examples/waiting-past-date.yaml", "--at", "2026-11-23T09:00"]


@pytest.fixture(autouse=True)
def at_root(monkeypatch):
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("NO_COLOR", raising=False)


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_explain_text_is_traceable(capsys):
    code, out, err = run(capsys, *WAITING, "--details")
    assert code == 0 and err == ""
    assert out.index("SITUATION") < out.index("DISAGREEMENTS") < out.index("WHAT TO DO") < out.index("WHAT TO AVOID")
    assert "hayes@1.1.0 · check-in-after-stated-date" in out
    assert "days_since(round_deadline) = 3" in out
    assert "[from decision_expected (line 8)]" in out
    assert "“it’s acceptable to check in a few days after that date passes”" in out
    assert "\x1b[" not in out  # no colour off a terminal


def test_explain_json_validates(capsys):
    code, out, _ = run(capsys, *WAITING, "--format", "json")
    assert code == 0
    schema = json.loads((ROOT / "schemas" / "report.schema.json").read_text())
    jsonschema.validate(json.loads(out), schema)


def test_explain_markdown_and_output_file(capsys, tmp_path):
    target = tmp_path / "advice.md"
    code, out, _ = run(capsys, *WAITING, "--format", "markdown", "-o", str(target))
    assert code == 0 and out == ""
    assert target.read_text().startswith("# Acme Corp")


def test_explain_markdown_gives_the_answer_before_the_evidence(capsys):
    code, out, _ = run(capsys, *WAITING, "--format", "markdown")
    assert code == 0
    headings = [line for line in out.splitlines() if line.startswith("#")]
    assert headings[:4] == ["# Acme Corp — Data Analyst", "## Your answer", "### Now (Mon 23 Nov 2026)",
                            "### Always"]
    assert headings.index("## Your answer") < headings.index("## Situation")
    assert "- ✓ Check in with the employer (email or phone) — cheatsheet, followup-guide" in out
    code, details, _ = run(capsys, *WAITING, "--format", "markdown", "--details")
    assert code == 0 and "## Your answer" not in details and "## Situation" in details
    assert details.split("## Situation", 1)[1] == out.split("## Situation", 1)[1]


def test_pinning_a_policy_version(capsys):
    code, out, _ = run(capsys, *WAITING, "--policy", "hayes@1.0.0", "--format", "json")
    assert code == 0
    assert [p["policy"] for p in json.loads(out)["policies"]] == ["hayes"]
    code, _, err = run(capsys, *WAITING, "--policy", "hayes@9.9.9")
    assert code == 2 and "has no version 9.9.9" in err and "Traceback" not in err


def test_why_explains_one_rule(capsys):
    code, out, _ = run(capsys, "explain", "examples/just-interviewed.yaml", "--at", "2026-11-16T14:00",
                       "--why", "hayes:check-in-after-stated-date")
    assert code == 0
    assert "does not apply now" in out and "next applies: Mon 23 Nov 2026 (2026-11-23T00:00:00-05:00)" in out
    code, _, err = run(capsys, *WAITING, "--why", "call-after-a-wek")
    assert code == 2 and "did you mean 'call-after-a-week'?" in err


@pytest.mark.parametrize("content,needle", [
    ("timezone: Mars/Olympus\nevents: []\n", "unknown time zone"),
    ("events:\n  - {type: interview, at: yesterday, interviewers: [A]}\n", "not an ISO 8601"),
    ("events:\n  - {type: intervew, at: 2026-11-16T10:00}\n", "did you mean 'interview'?"),
    ("events: [\n", "invalid YAML"),
])
def test_bad_log_exits_2_with_position(capsys, tmp_path, content, needle):
    log = tmp_path / "log.yaml"
    log.write_text(content)
    code, out, err = run(capsys, "explain", str(log), "--at", "2026-11-20T09:00")
    assert code == 2 and out == ""
    assert err.startswith(f"{log}:") and needle in err
    assert "Traceback" not in err


def test_bad_at_is_a_usage_error(capsys):
    code, _, err = run(capsys, "explain", "examples/rejected.yaml", "--at", "tomorrow")
    assert code == 2 and "--at" in err


def test_check_bundled_policies_passes(capsys):
    code, out, _ = run(capsys, "check")
    assert code == 0 and "no problems" in out


def _copy_policies(tmp_path: Path) -> Path:
    target = tmp_path / "policies"
    shutil.copytree(ROOT / "policies", target)
    return target


def test_check_misspelled_fact_exits_1_with_position(capsys, tmp_path):
    root = _copy_policies(tmp_path)
    path = root / "hayes" / "1.0.0.yaml"
    text = path.read_text()
    path.write_text(text.replace("contacts_since_deadline == 0", "contact_since_deadline == 0", 1))
    code, out, _ = run(capsys, "check", str(root))
    assert code == 1
    line = next(l for l in out.splitlines() if "RULES-E003" in l)
    file, lineno, col, _ = line.split(":", 3)
    assert file.endswith("hayes/1.0.0.yaml")
    src = path.read_text().splitlines()[int(lineno) - 1]
    assert src[int(col) - 1:].startswith("contact_since_deadline")
    assert "did you mean 'contacts_since_deadline'?" in out


def test_check_malformed_yaml_exits_2(capsys, tmp_path):
    root = _copy_policies(tmp_path)
    (root / "hayes" / "1.0.0.yaml").write_text("policy: hayes\nrules: [\n")
    code, out, _ = run(capsys, "check", str(root))
    assert code == 2 and "invalid YAML" in out and "Traceback" not in out


def test_test_command_passes_and_prints_coverage(capsys):
    code, out, _ = run(capsys, "test")
    assert code == 0
    assert "0 failed" in out and "coverage:" in out and "hayes" in out


def test_test_command_broken_expectation_exits_1(capsys, tmp_path):
    scen = tmp_path / "s.yaml"
    scen.write_text("""policy: hayes
scenarios:
  - name: broken on purpose
    at: 2026-11-16T11:30
    log:
      timezone: America/New_York
      events:
        - {type: interview, at: 2026-11-16T10:00, interviewers: [Jane Roe], format: in_person}
    expect:
      always-send-thank-you: none
""")
    code, out, _ = run(capsys, "test", str(scen))
    assert code == 1
    assert "always-send-thank-you: expected none, got do" in out and "1 failed" in out


def test_sources_lists_policies(capsys):
    code, out, _ = run(capsys, "sources")
    assert code == 0
    for pid in ("careerbuilder", "hayes", "followup-guide", "cheatsheet", "halpin"):
        assert pid in out


def test_usage_errors_exit_2(capsys):
    assert run(capsys, "explain")[0] == 2
    assert run(capsys, "no-such-command")[0] == 2
    assert run(capsys, "explain", "examples/rejected.yaml", "--format", "pdf")[0] == 2
    code, _, err = run(capsys, "explain", "missing.yaml")
    assert code == 2 and "no such file" in err


def _console_script() -> str | None:
    candidate = Path(sys.executable).parent / "rules"
    return str(candidate) if candidate.exists() else shutil.which("rules")


@pytest.mark.skipif(_console_script() is None, reason="the console script is not installed")
def test_installed_console_script(tmp_path):
    env = dict(os.environ, NO_COLOR="1")
    proc = subprocess.run([_console_script(), "explain", str(ROOT / "examples" / "rejected.yaml"),
                           "--at", "2026-11-23T12:00"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "\nNOW (" in proc.stdout and "\x1b[" not in proc.stdout
    proc = subprocess.run([_console_script(), "explain", "nope.yaml"], cwd=tmp_path, env=env,
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
