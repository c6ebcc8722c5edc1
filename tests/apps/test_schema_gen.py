"""The JSON Schemas editors use (issue 17 point 7): generated from the
vocabulary, the action catalogue and the policies; every bundled file passes
them, and deliberate mistakes (`thankyou_sent`, `chanel`, an unknown action or
rule) are caught, as yaml-language-server would show them."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import jsonschema
import pytest
from referencing import Registry, Resource

from engine.apps.schema_gen import generate
from engine.input.documents import load_document
from engine.input.schemas import structural
from engine.model.policies import load_policies

from examples import ROOT

SCHEMAS = ROOT / "schemas"


def _registry() -> Registry:
    resources = []
    for path in [*SCHEMAS.glob("*.json"), *SCHEMAS.glob("generated/*.json")]:
        schema = json.loads(path.read_text("utf-8"))
        resources.append((schema["$id"], Resource.from_contents(schema)))
    return Registry().with_resources(resources)


REGISTRY = _registry()


def validator(name: str) -> jsonschema.Draft202012Validator:
    schema = json.loads((SCHEMAS / name).read_text("utf-8"))
    return jsonschema.Draft202012Validator(schema, registry=REGISTRY)


def messages(name: str, data) -> list[str]:
    return [e.message for e in validator(name).iter_errors(data)]


def test_generated_schemas_are_up_to_date():
    for name, schema in generate(load_policies(cache=False)).items():
        on_disk = json.loads((SCHEMAS / "generated" / name).read_text("utf-8"))
        assert on_disk == schema, f"run `python -m engine.apps.schema_gen` ({name})"


def test_every_schema_is_a_valid_schema():
    for path in [*SCHEMAS.glob("*.json"), *SCHEMAS.glob("generated/*.json")]:
        jsonschema.Draft202012Validator.check_schema(json.loads(path.read_text("utf-8")))


POLICY_FILES = sorted((ROOT / "policies").glob("*/*.yaml"))
LOGS = sorted((ROOT / "examples").glob("*.yaml"))
SCENARIOS = sorted((ROOT / "tests" / "scenarios").glob("*.yaml"))


@pytest.mark.parametrize("path", POLICY_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_bundled_policies_pass(path):
    assert messages("policy.schema.json", load_document(path).data) == []


@pytest.mark.parametrize("path", LOGS, ids=lambda p: p.name)
def test_example_logs_pass(path):
    assert messages("event-log.schema.json", load_document(path).data) == []


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_scenario_files_pass(path):
    assert messages("scenarios.schema.json", load_document(path).data) == []


def test_every_bundled_file_names_a_schema_that_exists():
    for path in [*POLICY_FILES, *LOGS, *SCENARIOS]:
        first = path.read_text("utf-8").splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema="), path
        target = (path.parent / first.split("=", 1)[1]).resolve()
        assert target.is_file(), (path, target)


LOG = {"timezone": "UTC", "events": [{"type": "interview", "at": "2026-11-16T10:00",
                                      "interviewers": ["Jane Roe"]}]}


@pytest.mark.parametrize("event, words", [
    ({"type": "thankyou_sent", "at": "2026-11-16T16:00"}, "is not one of"),
    ({"type": "thank_you_sent", "at": "2026-11-16T16:00", "chanel": "email"}, "'chanel' was unexpected"),
    ({"type": "thank_you_sent", "at": "2026-11-16T16:00", "channel": "fax"}, "'fax' is not one of"),
    ({"type": "interview", "at": "2026-11-16T10:00"}, "'interviewers' is a required property"),
    ({"type": "interview", "at": "2026-11-16T10:00", "interviewers": []}, "should be non-empty"),
    ({"type": "social_connection", "at": "2026-11-16T10:00", "network": "myspace"}, "is not one of"),
])
def test_log_mistakes_are_caught(event, words):
    data = copy.deepcopy(LOG)
    data["events"].append(event)
    found = messages("event-log.schema.json", data)
    assert any(words in m for m in found), found


def test_thank_you_to_takes_a_name_or_a_list():
    for to in ("Jane Roe", ["Jane Roe", "Sam Poe"]):
        data = copy.deepcopy(LOG)
        data["events"].append({"type": "thank_you_sent", "at": "2026-11-16T16:00", "to": to})
        assert messages("event-log.schema.json", data) == []


HAYES = load_document(ROOT / "policies" / "hayes" / "1.0.0.yaml").data


@pytest.mark.parametrize("then, words", [
    ({"action": "chek_in", "stance": "do"}, "'chek_in' is not one of"),
    ({"action": "check_in", "stance": "do", "chanel": "email"}, "'chanel' was unexpected"),
    ({"action": "check_in", "stance": "do", "channel": "fax"}, "is not valid under any of the given schemas"),
    ({"action": "ask_about_next_steps", "stance": "do", "channel": "email"}, "'channel' was unexpected"),
])
def test_policy_mistakes_are_caught(then, words):
    data = copy.deepcopy(HAYES)
    data["rules"][0]["then"] = then
    found = messages("policy.schema.json", data)
    assert any(words in m for m in found), found


def test_the_when_field_lists_the_facts():
    schema = json.loads((SCHEMAS / "generated" / "policy.schema.json").read_text("utf-8"))
    doc = schema["properties"]["rules"]["items"]["properties"]["when"]["description"]
    assert "contacts_since_deadline" in doc and "days_since" in doc


def test_scenario_mistakes_are_caught():
    data = load_document(SCENARIOS[0]).data
    wrong_rule = copy.deepcopy(data)
    wrong_rule["scenarios"][0]["expect"]["no-such-rule"] = "do"
    assert any("no-such-rule" in m for m in messages("scenarios.schema.json", wrong_rule))
    wrong_policy = copy.deepcopy(data)
    wrong_policy["policy"] = "patiant"
    assert any("'patiant' is not one of" in m for m in messages("scenarios.schema.json", wrong_policy))
    wrong_stance = copy.deepcopy(data)
    wrong_stance["scenarios"][0]["expect"] = {next(iter(data["scenarios"][0]["expect"])): "yes"}
    assert messages("scenarios.schema.json", wrong_stance)


def test_the_engine_validates_without_the_generated_part():
    schema = json.loads((SCHEMAS / "policy.schema.json").read_text("utf-8"))
    assert "allOf" in schema and "allOf" not in structural(schema)
    # a folder with its own actions loads although the bundled catalogue does not know them
    sales = load_policies(ROOT / "tests" / "data" / "sales", cache=False)
    assert {r.action for p in sales for r in p.rules} - {"check_in", "send_thank_you"}


def test_log_new_writes_a_schema_line_that_works(tmp_path, monkeypatch):
    from engine.cli import main

    project = tmp_path / "project"
    (project / "schemas").mkdir(parents=True)
    (project / "schemas" / "event-log.schema.json").write_text("{}")
    (project / "logs").mkdir()
    assert main(["log", "new", str(project / "logs" / "acme.yaml"), "--timezone", "UTC"]) == 0
    first = (project / "logs" / "acme.yaml").read_text().splitlines()[0]
    assert first == "# yaml-language-server: $schema=../schemas/event-log.schema.json"
    elsewhere = tmp_path / "elsewhere.yaml"
    assert main(["log", "new", str(elsewhere), "--timezone", "UTC"]) == 0
    named = Path(elsewhere.read_text().splitlines()[0].split("=", 1)[1])
    assert named.is_absolute() and named.is_file() and named.name == "event-log.schema.json"
