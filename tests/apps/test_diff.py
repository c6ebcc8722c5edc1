"""``rules diff`` (engine.apps.diff): rule by rule, clause by clause, and the
effect of a change replayed over logs at a grid of moments — checked against
evaluating both versions directly."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import engine

from engine.apps.diff import (clauses, diff_policies, fired_advice, generated_logs, load_side, moments,
                              replay_logs, rule_changes)
from engine.apps.diff_render import days_text, render_diff
from engine.cli import main
from engine.model.policies import PolicySet, load_policies, load_policy_file

from examples import ROOT

HAYES = ROOT / "policies" / "hayes" / "1.0.0.yaml"


@pytest.fixture
def versions(tmp_path: Path) -> Path:
    """hayes 1.0.0 and a 1.1.0 with one rule changed, one removed, one added."""
    root = tmp_path / "policies"
    (root / "hayes").mkdir(parents=True)
    shutil.copy(HAYES, root / "hayes" / "1.0.0.yaml")
    text = HAYES.read_text("utf-8")
    text = text.replace("version: 1.0.0", "version: 1.1.0", 1)
    text = text.replace("changes: [", "changes: [{version: 1.1.0, summary: Wait longer.}, ", 1)
    text = text.replace("days_since(deadline) >= 3", "days_since(deadline) >= 5 and interviewers >= 1", 1)
    start = text.index("  - id: respond-promptly")
    end = text.index("  - id:", start + 5)
    text = text[:start] + text[end:]
    text += ("\n  - id: write-notes-same-day\n"
             "    summary: Write down what was said on the day of the interview.\n"
             "    when: exists(interview) and days_since(interview) == 0 and not notes_written\n"
             "    then: {action: write_interview_notes, stance: do}\n"
             "    cite: {section: \"x\", quote: \"y\"}\n")
    (root / "hayes" / "1.1.0.yaml").write_text(text, "utf-8")
    return root


def test_rule_by_rule(versions):
    old = load_policy_file(versions / "hayes" / "1.0.0.yaml")
    new = load_policy_file(versions / "hayes" / "1.1.0.yaml")
    changes = {c.rule: c for c in rule_changes(old, new)}
    assert changes["write-notes-same-day"].kind == "added"
    assert changes["respond-promptly"].kind == "removed"
    changed = changes["check-in-after-stated-date"]
    assert changed.kind == "changed" and set(changed.fields) == {"when"}
    assert changed.clauses_removed == ("days_since(deadline) >= 3",)
    assert changed.clauses_added == ("days_since(deadline) >= 5", "interviewers >= 1")
    assert len(changes) == 3


def test_clauses_are_printed_canonically():
    assert clauses("(a  >= 1) and not   b") == ["a >= 1", "not b"]
    assert clauses("a or b") == ["a or b"]


def test_the_replay_agrees_with_evaluating_both_versions_directly(versions):
    old, new, base = load_side("hayes@1.0.0", "hayes@1.1.0", [str(versions)])
    logs = replay_logs([ROOT / "tests" / "scenarios" / "hayes.yaml"], [ROOT / "examples"], 40,
                       base.vocabulary)
    result = diff_policies(old, new, base, logs, days=10)
    recorded = {(d.rule, d.kind, log, at) for d in result.effects for log, ats in d.where.items()
                for at in ats}
    expected = set()
    one = PolicySet((old,), base.vocabulary, base.actions)
    two = PolicySet((new,), base.vocabulary, base.actions)
    count = 0
    for entry in logs:
        for at in moments(entry, 10):
            count += 1
            before = {r.rule: (r.action, r.stance, dict(r.params)) for r in
                      engine.evaluate(one, entry.log, at).recommendations()}
            after = {r.rule: (r.action, r.stance, dict(r.params)) for r in
                     engine.evaluate(two, entry.log, at).recommendations()}
            for rule in set(before) | set(after):
                a, b = before.get(rule), after.get(rule)
                if a != b:
                    kind = "appears" if a is None else "disappears" if b is None else "changes"
                    expected.add((rule, kind, entry.name, at.isoformat(timespec="minutes")))
    assert result.moments == count and result.logs == len(logs)
    assert recorded == expected
    kinds = {(d.rule, d.kind) for d in result.effects}
    assert ("write-notes-same-day", "appears") in kinds
    assert ("respond-promptly", "disappears") in kinds
    assert ("check-in-after-stated-date", "disappears") in kinds  # days 3 and 4 after the date


def test_the_generated_corpus_is_valid_and_reproducible():
    vocab = load_policies().vocabulary
    a, b = generated_logs(30, vocab, seed=3), generated_logs(30, vocab, seed=3)
    assert len(a) == 30 and [len(x.log) for x in a] == [len(x.log) for x in b]
    assert all(x.log.events[0].type == "interview" for x in a)


def test_fired_advice_matches_the_report(versions):
    policies = load_policies(versions, select=["hayes@1.0.0"])
    entry = generated_logs(1, policies.vocabulary)[0]
    at = moments(entry, 1)[0]
    advice = fired_advice(policies, entry.log, at)
    assert set(advice) == {rule for (_, rule) in engine.evaluate(policies, entry.log, at).fired()}


def test_days_are_shown_as_runs():
    assert days_text(["2026-11-18T09:00", "2026-11-19T09:00", "2026-11-19T18:00", "2026-11-21T09:00"]) \
        == "2026-11-18 – 2026-11-19, 2026-11-21"


def test_cli_text_markdown_json(versions, capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    argv = ["diff", "hayes@1.0.0", "hayes@1.1.0", "--policies", str(versions), "--corpus", "10", "--days", "5"]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert text.startswith("hayes 1.0.0 → 1.1.0")
    assert "Rules: 1 added, 1 removed, 1 changed" in text
    assert "      + interviewers >= 1" in text and "Effect over" in text
    assert max(len(line) for line in text.splitlines() if not line.startswith(("    when", "      "))) <= 100
    assert main(argv + ["--format", "markdown"]) == 0
    md = capsys.readouterr().out
    assert md.startswith("### hayes 1.0.0 → 1.1.0") and "| `write-notes-same-day` | added |" in md
    assert main(argv + ["--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["policy"] == "hayes" and {r["kind"] for r in data["rules"]} == {"added", "removed", "changed"}
    assert data["replay"]["moments"] > 0 and data["effects"]


def test_two_files_and_mistakes(versions, capsys):
    assert main(["diff", str(versions / "hayes" / "1.0.0.yaml"), str(versions / "hayes" / "1.1.0.yaml"),
                 "--corpus", "0", "--scenarios", str(ROOT / "tests" / "scenarios" / "hayes.yaml")]) == 0
    assert "Rules: 1 added" in capsys.readouterr().out
    assert main(["diff", "hayes@1.0.0", "halpin@1.0.0"]) == 2
    assert "two policies" in capsys.readouterr().err
    assert main(["diff", "hayes", "hayes@1.0.0"]) == 2
    assert main(["diff", "hayes@1.0.0", "hayes@9.9.9"]) == 2
    assert "has no version 9.9.9" in capsys.readouterr().err


def test_identical_versions_have_no_effect(capsys):
    assert main(["diff", "hayes@1.0.0", str(HAYES), "--corpus", "5", "--days", "2"]) == 0
    out = capsys.readouterr().out
    assert "Rules: 0 added, 0 removed, 0 changed" in out and "no advice appears" in out


def test_render_is_deterministic(versions):
    old, new, base = load_side("hayes@1.0.0", "hayes@1.1.0", [str(versions)])
    logs = generated_logs(5, base.vocabulary)
    a = render_diff(diff_policies(old, new, base, logs, days=3), "json")
    b = render_diff(diff_policies(old, new, base, logs, days=3), "json")
    assert a == b


def test_every_policy_with_two_versions_diffs(capsys, monkeypatch):
    """Each bundled policy whose versions differ (and the tutorial's sample)
    diffs its last two versions: the changed rules, then their effect."""
    from engine.model.folders import policy_files
    from engine.model.policies import parse_version

    monkeypatch.chdir(ROOT)
    seen = 0
    for folder in (ROOT / "policies", ROOT / "docs" / "tutorial" / "policies"):
        for pid, versions in sorted(policy_files(folder).items()):
            if len(versions) < 2:
                continue
            old, new = sorted(versions, key=parse_version)[-2:]
            argv = ["diff", f"{pid}@{old}", f"{pid}@{new}", "--policies", str(folder), "--corpus", "20",
                    "--days", "7"]
            assert main(argv) == 0
            out = capsys.readouterr().out
            assert out.startswith(f"{pid} {old} → {new}") and "\nRules: " in out and "\nEffect over " in out
            seen += 1
    assert seen >= 1


def test_sources_md_summaries_match_the_rule_diffs():
    """docs/sources.md gives, per bundled policy, the rules `rules diff`
    finds added, removed and changed between 1.0.0 and 1.1.0."""
    import re

    text = (ROOT / "docs" / "sources.md").read_text("utf-8")
    rows = dict(re.findall(r"^\| (\S+) \| (\d+ / \d+ / \d+) \|", text, re.M))
    for pid in ("careerbuilder", "hayes", "followup-guide", "cheatsheet", "halpin"):
        old = load_policies(select=[f"{pid}@1.0.0"]).get(pid)
        new = load_policies(select=[f"{pid}@1.1.0"]).get(pid)
        kinds = [c.kind for c in rule_changes(old, new)]
        assert rows[pid] == f"{kinds.count('added')} / {kinds.count('removed')} / {kinds.count('changed')}"
