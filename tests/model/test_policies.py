"""Policy and action loading: positions of errors, versions, pins."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from engine.errors import InputError, PolicyError, UsageError
from engine.model.policies import load_policies, load_policy_file, _requires_ok

GOOD = """\
policy: demo
version: {version}
title: A demo policy
source: {{document: none.txt}}
requires: ">=1.0"
changes: [{{version: {version}, summary: test}}]
rules:
  - id: thank-soon
    summary: Thank them soon.
    when: {when}
    then: {{action: send_thank_you, stance: do, channel: email}}
    cite: {{section: Intro, quote: send a note}}
"""


def write(tmp: Path, text: str, version: str = "1.0.0", pid: str = "demo") -> Path:
    folder = tmp / pid
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{version}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_misspelled_fact_points_inside_when(tmp_path):
    path = write(tmp_path, GOOD.format(version="1.0.0", when="hours_since(interview) <= 24 and not thank_you_snt"))
    with pytest.raises(PolicyError) as info:
        load_policy_file(path)
    err = info.value
    line = path.read_text().splitlines()[err.line - 1]
    assert err.line == 10 and line[err.column - 1:].startswith("thank_you_snt")
    assert err.code == "RULES-E003"
    assert "thank_you_snt" in err.message and err.hint == "did you mean 'thank_you_sent'?"
    assert str(err).startswith(f"{path}:10:{err.column}: RULES-E003")


@pytest.mark.parametrize("style", ["quoted", "folded", "literal"])
def test_condition_positions_in_quoted_and_block_scalars(tmp_path, style):
    when = {"quoted": "'exists(interview) and contacts_since_deadlin == 0'",
            "folded": ">\n      exists(interview)\n      and contacts_since_deadlin == 0",
            "literal": "|\n      exists(interview)\n      and contacts_since_deadlin == 0"}[style]
    path = write(tmp_path, GOOD.format(version="1.0.0", when=when))
    with pytest.raises(PolicyError) as info:
        load_policy_file(path)
    err = info.value
    lines = path.read_text().splitlines()
    assert lines[err.line - 1][err.column - 1:].startswith("contacts_since_deadlin")


def test_unknown_action_and_param_value(tmp_path):
    text = GOOD.format(version="1.0.0", when="exists(interview)")
    path = write(tmp_path, text.replace("action: send_thank_you", "action: send_thankyou"))
    with pytest.raises(PolicyError) as info:
        load_policy_file(path)
    assert info.value.code == "RULES-E031" and "send_thank_you" in info.value.hint
    path = write(tmp_path, text.replace("channel: email", "channel: carrier_pigeon"))
    with pytest.raises(PolicyError) as info:
        load_policy_file(path)
    assert info.value.code == "RULES-E032" and info.value.line == 11


def test_schema_error_points_at_the_node(tmp_path):
    text = GOOD.format(version="1.0.0", when="exists(interview)").replace("    summary: Thank them soon.\n", "    sumary: Thank them soon.\n")
    path = write(tmp_path, text)
    with pytest.raises(PolicyError) as info:
        load_policy_file(path)
    assert info.value.code == "RULES-E030"
    assert (info.value.line, info.value.column) == (9, 5)
    assert info.value.hint == "did you mean 'summary'?"


def test_duplicate_rule_ids_and_duplicate_keys(tmp_path):
    text = GOOD.format(version="1.0.0", when="exists(interview)")
    rule = text[text.index("  - id:"):]
    path = write(tmp_path, text + rule)
    with pytest.raises(PolicyError) as info:
        load_policy_file(path)
    assert info.value.code == "RULES-E033"
    dup = text.replace("    when: exists(interview)\n", "    when: exists(interview)\n    when: exists(deadline)\n")
    path = write(tmp_path, dup)
    with pytest.raises(InputError) as info:
        load_policy_file(path)
    assert info.value.code == "RULES-E011" and info.value.line == 11


def test_version_must_match_file_and_changes(tmp_path):
    path = write(tmp_path, GOOD.format(version="1.0.0", when="exists(interview)"), version="1.0.1")
    with pytest.raises(PolicyError) as info:
        load_policy_file(path)
    assert info.value.code == "RULES-E034"


def test_requires_engine_version():
    assert _requires_ok(">=1.0")
    assert _requires_ok(">=1.0, <2")
    assert not _requires_ok(">=2.0")
    assert not _requires_ok("<1.0")
    assert _requires_ok("==1")


def test_highest_version_loads_by_default_and_pins_select(tmp_path):
    shutil.copy(Path("policies/actions.yaml"), tmp_path / "actions.yaml")
    shutil.copy(Path("policies/vocabulary.yaml"), tmp_path / "vocabulary.yaml")
    write(tmp_path, GOOD.format(version="1.0.0", when="exists(interview)"), "1.0.0")
    write(tmp_path, GOOD.format(version="1.10.0", when="not thank_you_sent"), "1.10.0")
    write(tmp_path, GOOD.format(version="1.9.0", when="exists(deadline)"), "1.9.0")
    assert load_policies(tmp_path).get("demo").version == "1.10.0"
    assert load_policies(tmp_path, select=["demo@1.9.0"]).get("demo").version == "1.9.0"
    with pytest.raises(UsageError):
        load_policies(tmp_path, select=["demo@3.0.0"])
    with pytest.raises(UsageError) as info:
        load_policies(tmp_path, select=["dmo"])
    assert "demo" in info.value.hint


def test_bundled_policies_all_load(policies):
    assert {p.id for p in policies} == {"careerbuilder", "hayes", "followup-guide", "cheatsheet", "halpin"}
    for p in policies:
        assert len(p.sha256) == 64 and p.rules


def test_actions_oppose_symmetrically(policies):
    acts = policies.actions
    for a in acts.actions.values():
        for b in a.opposes:
            assert a.id in acts[b].opposes


def test_disagreements_are_encoded(policies):
    """Real disagreements between the articles exist as rules on the same
    action with different stances or parameters."""
    def stances(action):
        return {(p.id, r.stance) for p in policies for r in p.rules if r.action == action}
    assert {s for _, s in stances("connect_on_social")} == {"may", "avoid"}  # LinkedIn is an option (1.1.0)
    channels = {str(r.params.get("channel")) for p in policies for r in p.rules if r.action == "send_thank_you"}
    assert len(channels) >= 3
    check_in = stances("check_in")
    assert {s for _, s in check_in} == {"do", "may", "avoid"}
    assert any(r.action == "move_on" for p in policies for r in p.rules)
    assert any(r.action == "keep_in_touch" and r.stance == "do" for p in policies for r in p.rules)


def test_policy_objects_are_immutable(policies):
    with pytest.raises((AttributeError, TypeError)):  # frozen dataclass
        policies.policies[0].rules[0].id = "x"  # type: ignore[misc]



def test_every_rule_from_1_1_0_has_a_grade(policies):
    assert {p.version for p in policies} == {"1.1.0"}
    assert {r.grade for p in policies for r in p.rules} == {"strong", "weak"}


def test_1_0_0_policies_load_pinned_and_have_no_grade():
    from engine.model.policies import load_policies

    old = load_policies(select=["hayes@1.0.0", "halpin@1.0.0"])
    assert [(p.id, p.version) for p in old] == [("halpin", "1.0.0"), ("hayes", "1.0.0")]
    assert {r.grade for p in old for r in p.rules} == {None}
    assert {r.stance for p in old for r in p.rules} <= {"do", "avoid"}


def test_a_grade_outside_strong_and_weak_is_a_located_error(tmp_path):
    from engine.errors import PolicyError
    from engine.model.policies import load_policy_file

    src = (Path(__file__).resolve().parents[2] / "policies" / "hayes" / "1.1.0.yaml").read_text("utf-8")
    bad = tmp_path / "hayes" / "1.1.0.yaml"
    bad.parent.mkdir()
    bad.write_text(src.replace("stance: do, grade: strong}", "stance: do, grade: strng}", 1), "utf-8")
    with pytest.raises(PolicyError) as info:
        load_policy_file(bad)
    assert info.value.line is not None and "strng" in str(info.value)
