"""``rules check`` (engine.apps.checking): every problem in every file in one
run, correct counts, better hints, citations with the nearest passage and no
file oracle, composable folders, released versions locked, machine output."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from xml.etree import ElementTree as ET

import jsonschema
import pytest

from engine.apps.checking import check_paths, run_check
from engine.apps.citations import nearest_passage
from engine.cli import main

from examples import ROOT

SALES = ROOT / "tests" / "data" / "sales"
SARIF_SCHEMA = json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text())


@pytest.fixture
def hayes(tmp_path: Path) -> Path:
    root = tmp_path / "policies"
    (root / "hayes").mkdir(parents=True)
    shutil.copy(ROOT / "policies" / "hayes" / "1.0.0.yaml", root / "hayes" / "1.0.0.yaml")
    return root


@pytest.fixture
def sales(tmp_path: Path) -> Path:
    root = tmp_path / "sales"
    shutil.copytree(SALES, root)
    return root


def edit(path: Path, *pairs: tuple[str, str]) -> None:
    text = path.read_text()
    for old, new in pairs:
        assert old in text, old
        text = text.replace(old, new, 1)
    path.write_text(text)


THREE_MISTAKES = (("contacts_since_deadline == 0", "contact_since_deadline == 0"),
                  ("action: check_in", "action: chek_in"),
                  ("stance: do", "stance: maybe"))


def test_a_file_with_three_errors_gives_three_problems_in_one_run(hayes, capsys):
    file = hayes / "hayes" / "1.0.0.yaml"
    edit(file, *THREE_MISTAKES)
    report = check_paths([hayes])
    assert sorted(p.code for p in report.problems) == ["RULES-E003", "RULES-E030", "RULES-E031"]
    lines = [p.line for p in report.problems]
    assert lines == sorted(lines) and all(p.column for p in report.problems)
    assert report.files == [report.problems[0].file] and report.policies == []
    assert main(["check", str(hayes)]) == 1
    out = capsys.readouterr().out
    assert "1 policy file checked, 0 loaded, 0 rules, 3 problems in 1 file" in out  # was "0 policy file(s)"


def test_counts_over_several_files(hayes, sales, capsys):
    edit(hayes / "hayes" / "1.0.0.yaml", THREE_MISTAKES[0])
    report = check_paths([hayes, sales])
    assert len(report.files) == 3 and len(report.policies) == 2 and len(report.problems) == 1
    assert report.files_with_problems == 1
    assert "3 policy files checked, 2 loaded" in report.summary()


def test_enum_literal_is_reported_by_check(hayes):
    edit(hayes / "hayes" / "1.0.0.yaml", ("days_since(deadline) >= 3", 'outcome == "pendng" and days_since(deadline) >= 3'))
    [problem] = check_paths([hayes]).problems
    assert problem.code == "RULES-E005" and "did you mean 'pending'?" in problem.hint
    assert problem.source_line[problem.column - 1:].startswith('"pendng"')


def test_unknown_action_lists_close_matches(hayes):
    edit(hayes / "hayes" / "1.0.0.yaml", ("action: check_in", "action: check"))
    [problem] = check_paths([hayes]).problems
    assert problem.code == "RULES-E031" and "'check_in'" in problem.hint
    assert "see policies/actions.yaml" not in problem.hint


def test_the_same_id_and_version_in_two_folders_names_both(hayes, tmp_path):
    other = tmp_path / "mine"
    shutil.copytree(hayes, other)
    report = check_paths([hayes, other])
    [problem] = report.problems
    assert problem.code == "RULES-E033" and "hayes@1.0.0 is defined twice" in problem.message
    assert "mine" in problem.file and "policies" in problem.hint


# -- citations --------------------------------------------------------------------

def test_a_wrong_quote_points_at_the_quote_and_the_nearest_passage(sales):
    edit(sales / "patience" / "1.0.0.yaml", ("a call in the first week reads as pressure",
                                             "a call during the first week reads as pressure"))
    report = run_check([sales], seeds=[sales / "sources"])
    [problem] = report.problems
    assert problem.code == "RULES-E036" and problem.file.endswith("patience/1.0.0.yaml")
    assert problem.line == 13 and problem.source_line[problem.column - 1:].startswith('"a call during')
    assert "nearest passage, line 4" in problem.hint and "reads as pressure" in problem.hint


def test_nearest_passage_reports_line_and_similarity():
    article = "Title\n\nIntro line.\nSend a short recap   two days after\nthe demo, always.\n"
    near = nearest_passage("send a brief recap two days after the demo", article)
    assert near is not None and near.line == 4 and 70 < near.similarity < 100
    assert "two days after the demo" in near.text


@pytest.mark.parametrize("document", ["/etc/passwd", "../../../../etc/passwd", "../sources/patience.txt",
                                      "/bin/ls", ".hidden", ""])
def test_a_document_outside_the_seeds_is_never_read(sales, document):
    """Issue 20 point 8: `source.document` was joined to the seeds folder and
    read, an oracle for any readable file; /bin/ls gave a traceback."""
    edit(sales / "patience" / "1.0.0.yaml", ("document: patience.txt", f'document: "{document}"'))
    report = run_check([sales], seeds=[sales / "sources"])
    problems = [p for p in report.problems if p.file.endswith("patience/1.0.0.yaml")]
    assert problems and all(p.code in ("RULES-E036", "RULES-E030") for p in problems)
    assert all("quote" not in p.message for p in problems)  # nothing said about the contents


def test_binary_and_special_files_in_the_seeds_are_errors(sales):
    (sales / "sources" / "patience.txt").write_bytes(b"\xff\xfe\x00binary")
    report = run_check([sales], seeds=[sales / "sources"])
    assert any("not UTF-8" in p.message for p in report.problems)


def test_several_seeds_folders(sales, tmp_path):
    second = tmp_path / "more"
    second.mkdir()
    (sales / "sources" / "patience.txt").rename(second / "patience.txt")
    assert run_check([sales], seeds=[sales / "sources"]).problems  # not found in one folder
    assert run_check([sales], seeds=[sales / "sources", second]).problems == []


def test_require_citations(sales, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FOLLOWUP_SEEDS", raising=False)
    monkeypatch.setattr("engine.apps.checking.find_seeds", lambda explicit=None: [])
    assert main(["check", str(sales)]) == 0
    assert "citations not checked" in capsys.readouterr().out
    assert main(["check", str(sales), "--require-citations"]) == 1
    assert "citations cannot be checked" in capsys.readouterr().out
    (tmp_path / "pyproject.toml").write_text("[tool.rules]\nrequire-citations = true\n")
    assert main(["check", str(sales)]) == 1


def test_a_bad_setting_is_a_usage_error(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[tool.rules]\nrequire-citation = true\n")
    assert main(["check"]) == 2
    assert "did you mean 'require-citations'?" in capsys.readouterr().err


# -- released versions --------------------------------------------------------------

def test_editing_a_released_version_fails_with_the_version_to_bump_to(hayes, capsys):
    assert main(["lock", "--policies", str(hayes)]) == 0
    assert "hayes@1.0.0" in (hayes / "versions.lock").read_text()
    assert main(["check", str(hayes)]) == 0
    file = hayes / "hayes" / "1.0.0.yaml"
    edit(file, ("days_since(deadline) >= 3", "days_since(deadline) >= 4"))
    capsys.readouterr()
    assert main(["check", str(hayes)]) == 1
    out = capsys.readouterr().out
    assert "hayes@1.0.0 is released and its content changed" in out
    assert "rules bump hayes` creates hayes/1.1.0.yaml" in out


def test_layout_and_comments_do_not_count_as_a_change(hayes):
    assert main(["lock", "--policies", str(hayes)]) == 0
    file = hayes / "hayes" / "1.0.0.yaml"
    file.write_text("# a new comment\n" + file.read_text().replace("\n\n", "\n"))
    assert run_check([hayes]).problems == []


def test_a_removed_released_version_is_an_error(hayes):
    assert main(["lock", "--policies", str(hayes)]) == 0
    shutil.copy(hayes / "hayes" / "1.0.0.yaml", hayes / "hayes" / "1.1.0.yaml")
    edit(hayes / "hayes" / "1.1.0.yaml", ("version: 1.0.0", "version: 1.1.0"),
         ("changes: [", "changes: [{version: 1.1.0, summary: x}, "))
    (hayes / "hayes" / "1.0.0.yaml").unlink()
    [problem] = run_check([hayes]).problems
    assert "released version hayes@1.0.0 is missing" in problem.message


# -- machine-readable output --------------------------------------------------------

def test_sarif_output_validates_against_the_sarif_schema(hayes, capsys):
    edit(hayes / "hayes" / "1.0.0.yaml", *THREE_MISTAKES)
    assert main(["check", str(hayes), "--format", "sarif"]) == 1
    sarif = json.loads(capsys.readouterr().out)
    jsonschema.validate(sarif, SARIF_SCHEMA)
    results = sarif["runs"][0]["results"]
    assert len(results) == 3
    region = results[0]["locations"][0]["physicalLocation"]["region"]
    assert region["startLine"] >= 1 and region["startColumn"] >= 1


def test_sarif_of_a_clean_run_validates(capsys):
    assert main(["check", "--format", "sarif"]) == 0
    jsonschema.validate(json.loads(capsys.readouterr().out), SARIF_SCHEMA)


def test_junit_output_parses_with_a_failure_per_broken_file(hayes, sales, capsys):
    edit(hayes / "hayes" / "1.0.0.yaml", *THREE_MISTAKES)
    assert main(["check", str(hayes), str(sales), "--seeds", str(sales / "sources"), "--format", "junit"]) == 1
    root = ET.fromstring(capsys.readouterr().out)
    cases = root.findall(".//testcase")
    assert len(cases) == 3
    failed = [c for c in cases if c.find("failure") is not None]
    assert len(failed) == 1 and "3 problem(s)" in failed[0].find("failure").get("message")


def test_json_output(hayes, capsys):
    edit(hayes / "hayes" / "1.0.0.yaml", THREE_MISTAKES[0])
    assert main(["check", str(hayes), "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["exit_code"] == 1 and data["problems"][0]["code"] == "RULES-E003"
    assert data["problems"][0]["hint"] == "did you mean 'contacts_since_deadline'?"
