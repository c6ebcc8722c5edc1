"""The action catalogue (engine/model/actions.py): parameter relations,
kind_of, and the errors a broken catalogue gives (position, hint)."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.errors import PolicyError
from engine.model.actions import default_actions, load_actions

BASE = """actions:
  - id: contact
    label: Contact them
    doc: Any contact.
  - id: check_in
    label: Check in
    doc: Ask for news.
    kind_of: contact
    params:
      audience:
        doc: Who.
        values: [one, all]
        relation: containment
        contains: {all: [one]}
  - id: move_on
    label: Move on
    doc: Stop.
    opposes: [contact]
"""


def load(tmp_path: Path, text: str):
    path = tmp_path / "actions.yaml"
    path.write_text(text, "utf-8")
    return load_actions(path)


def error(tmp_path: Path, text: str) -> PolicyError:
    with pytest.raises(PolicyError) as caught:
        load(tmp_path, text)
    return caught.value


def test_relations_and_lineage(tmp_path):
    catalogue = load(tmp_path, BASE)
    assert catalogue.lineage("check_in") == ("check_in", "contact")
    assert catalogue.is_kind_of("check_in", "contact") and not catalogue.is_kind_of("contact", "check_in")
    assert catalogue.opposed("check_in", "move_on") and catalogue.opposed("move_on", "check_in")
    spec = catalogue["check_in"]
    assert spec.relation("audience") == "containment"
    assert spec.satisfies("audience", "all", "one") and not spec.satisfies("audience", "one", "all")


def test_bundled_catalogue_declares_the_issue_14_relations():
    catalogue = default_actions()
    for kind in ("check_in", "keep_in_touch", "send_value_add", "ask_for_timeline"):
        assert catalogue.is_kind_of(kind, "contact_employer"), kind
        assert catalogue.opposed(kind, "move_on"), kind
    assert catalogue["send_thank_you"].relation("channel") == "cumulative"
    assert catalogue["send_thank_you"].satisfies("audience", "everyone_met", "each_interviewer")
    assert catalogue["check_in"].relation("channel") == "alternatives"


def test_unknown_kind_of_has_a_position_and_a_suggestion(tmp_path):
    err = error(tmp_path, BASE.replace("kind_of: contact", "kind_of: contatc"))
    assert err.code == "RULES-E031" and "unknown action 'contatc'" in err.message
    assert err.line == 8 and "contact" in (err.hint or "")


def test_kind_of_cycle_is_an_error(tmp_path):
    text = BASE.replace("    doc: Any contact.\n", "    doc: Any contact.\n    kind_of: check_in\n")
    err = error(tmp_path, text)
    assert err.code == "RULES-E039" and "cycle" in err.message
    assert err.line is not None


def test_kind_of_itself_is_a_cycle(tmp_path):
    err = error(tmp_path, BASE.replace("kind_of: contact", "kind_of: check_in"))
    assert err.code == "RULES-E039" and "check_in → check_in" in err.message


def test_containment_cycle_is_an_error(tmp_path):
    err = error(tmp_path, BASE.replace("contains: {all: [one]}", "contains: {all: [one], one: [all]}"))
    assert err.code == "RULES-E039" and "contains itself" in err.message


def test_contains_names_declared_values(tmp_path):
    err = error(tmp_path, BASE.replace("contains: {all: [one]}", "contains: {all: [onne]}"))
    assert err.code == "RULES-E032" and "'onne' is not a value of check_in.audience" in err.message
    assert "one" in (err.hint or "") and err.line == 14


def test_contains_needs_containment(tmp_path):
    err = error(tmp_path, BASE.replace("relation: containment", "relation: alternatives"))
    assert err.code == "RULES-E030" and "relation: containment" in err.message


def test_unknown_relation_is_a_schema_error(tmp_path):
    err = error(tmp_path, BASE.replace("relation: containment", "relation: nested"))
    assert err.code == "RULES-E030" and err.line == 13


def test_an_action_cannot_oppose_itself(tmp_path):
    err = error(tmp_path, BASE.replace("opposes: [contact]", "opposes: [move_on]"))
    assert err.code == "RULES-E039"


def test_rules_check_reports_a_catalogue_cycle_with_its_position(tmp_path, capsys):
    import shutil

    from engine.cli import main

    root = Path(__file__).resolve().parents[2]
    shutil.copytree(root / "docs" / "tutorial" / "policies", tmp_path / "p")
    text = (root / "policies" / "actions.yaml").read_text("utf-8")
    text = text.replace("    label: Contact the employer\n",
                        "    label: Contact the employer\n    kind_of: check_in\n")
    (tmp_path / "p" / "actions.yaml").write_text(text, "utf-8")
    code = main(["check", str(tmp_path / "p")])
    out = capsys.readouterr().out
    assert code == 1
    assert "actions.yaml:" in out and "RULES-E039 'kind_of' goes round in a cycle" in out
