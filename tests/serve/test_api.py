"""The JSON API through the test client: every endpoint, every class of
error (each a JSON body with the engine's code, never a 500)."""

from __future__ import annotations

import json
import time

import pytest
from jsonschema import Draft202012Validator

from engine.base.resources import load_schema
from engine.runtime.evaluation import evaluate
from engine.model.eventlog import load_log
from engine.model.policies import load_policies

from serve_support import EXAMPLE, YAML, decisions, example_log, make_client

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
AT = "2026-11-23T09:00"


def test_sources_lists_policies_with_versions_and_hashes(client):
    body = client.get("/v1/sources").json()
    assert body["generation"] == 1 and body["last_reload_error"] is None
    ids = [p["policy"] for p in body["policies"]]
    assert ids == ["careerbuilder", "cheatsheet", "followup-guide", "halpin", "hayes"]
    assert all(len(p["sha256"]) == 64 and p["version"] in p["versions"] for p in body["policies"])
    pinned = client.get("/v1/sources?policy=hayes@1.0.0").json()
    assert [p["policy"] for p in pinned["policies"]] == ["hayes"]


def test_explain_yaml_body_gives_the_report_the_engine_gives(client):
    r = client.post(f"/v1/explain?at={AT}", content=EXAMPLE.read_bytes(), headers=YAML)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    report = r.json()
    Draft202012Validator(load_schema("report.schema.json")).validate(report)
    policies = load_policies()
    expected = evaluate(policies, load_log(EXAMPLE, policies.vocabulary),
                        __import__("engine.input.times", fromlist=["x"]).parse_moment(
                            AT, load_log(EXAMPLE).tz)).to_dict()
    expected["log"] = report["log"]  # the body has no file name
    assert report == expected
    assert r.headers["x-decision-id"]


def test_explain_json_body_and_pins(client):
    r = client.post(f"/v1/explain?at={AT}&policy=hayes&policy=halpin@1.0.0", json=example_log())
    assert r.status_code == 200
    assert [p["policy"] for p in r.json()["policies"]] == ["halpin", "hayes"]


def test_plan_as_json_and_as_a_calendar(client):
    body = EXAMPLE.read_bytes()
    plan = client.post("/v1/plan?from=2026-11-16T11:00&days=14", content=body, headers=YAML)
    assert plan.status_code == 200 and plan.json()["items"]
    ics = client.post("/v1/plan?from=2026-11-16T11:00", content=body,
                      headers={**YAML, "accept": "text/calendar"})
    assert ics.headers["content-type"].startswith("text/calendar")
    from icalendar import Calendar
    events = [c for c in Calendar.from_ical(ics.content).walk("VEVENT")]
    assert events and all(str(e["summary"]) for e in events)


def test_batch_streams_one_record_per_line_with_errors_in_place(client):
    lines = (EXAMPLE.parent / "batch.jsonl").read_text("utf-8").splitlines()
    body = "\n".join([lines[0], "{not json", "", lines[1]]) + "\n"
    r = client.post(f"/v1/batch?at={AT}", content=body.encode(),
                    headers={"content-type": "application/x-ndjson"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/x-ndjson")
    records = [json.loads(x) for x in r.text.splitlines()]
    assert [rec["line"] for rec in records] == [1, 2, 4]
    assert "advice" in records[0] and records[1]["error"]["code"] == "RULES-E014"


def test_batch_bounds_each_line_and_the_number_of_lines(tmp_path):
    line = (EXAMPLE.parent / "batch.jsonl").read_text("utf-8").splitlines()[0]
    with make_client(tmp_path, max_body_bytes=len(line) + 10, max_batch_lines=2) as c:
        body = "\n".join([line, "x" * (len(line) + 100), line, line]) + "\n"
        records = [json.loads(x) for x in c.post(f"/v1/batch?at={AT}", content=body.encode()).text.splitlines()]
    assert records[0]["line"] == 1 and "advice" in records[0]
    assert records[1] == {"line": 2, "error": records[1]["error"]} and records[1]["error"]["code"] == "RULES-E013"
    assert records[2]["line"] == 3 and "advice" in records[2]
    assert records[3]["error"]["code"] == "RULES-E070" and len(records) == 4


@pytest.mark.parametrize("request_args, status, code", [
    (dict(url="/v1/explain", content=b"events: [{type: intervew, at: 2026-11-16T10:00}]", headers=YAML),
     422, "RULES-E023"),
    (dict(url="/v1/explain", content=b"events: [\n  - {type: interview", headers=YAML), 400, "RULES-E010"),
    (dict(url="/v1/explain", content=b'{"events": [}', headers={"content-type": "application/json"}),
     400, "RULES-E014"),
    (dict(url="/v1/explain", content=b"\xff\xfe", headers=YAML), 400, "RULES-E014"),
    (dict(url="/v1/explain", content=b"", headers=YAML), 400, "RULES-E050"),
    (dict(url="/v1/explain?at=yesterday", content=EXAMPLE.read_bytes(), headers=YAML), 400, "RULES-E050"),
    (dict(url="/v1/explain?policy=hayse", content=EXAMPLE.read_bytes(), headers=YAML), 400, "RULES-E050"),
    (dict(url="/v1/explain?horizon=0", content=EXAMPLE.read_bytes(), headers=YAML), 400, "RULES-E050"),
    (dict(url="/v1/explain", content=b"a", headers={"content-type": "image/png"}), 415, "RULES-E070"),
    (dict(url="/v1/explain", content=b"timezone: Mars/Olympus\nevents: []", headers=YAML), 422, "RULES-E021"),
    (dict(url="/v1/plan?format=pdf", content=EXAMPLE.read_bytes(), headers=YAML), 400, "RULES-E050"),
    (dict(url="/v1/batch?at=soon", content=b"{}"), 400, "RULES-E050"),
])
def test_errors_are_json_with_code_and_place(client, request_args, status, code):
    r = client.post(**request_args)
    assert r.status_code == status, r.text
    error = r.json()["error"]
    assert error["code"] == code and error["message"]
    if code == "RULES-E023":
        assert (error["line"], error["column"]) == (1, 17) and "interview" in error["hint"]


def test_body_over_the_limit_is_413(tmp_path):
    with make_client(tmp_path, max_body_bytes=100) as c:
        r = c.post("/v1/explain", content=EXAMPLE.read_bytes(), headers=YAML)
    assert r.status_code == 413 and r.json()["error"]["code"] == "RULES-E013"


def test_too_many_events_is_413(tmp_path):
    with make_client(tmp_path, max_events=2) as c:
        r = c.post("/v1/explain", content=EXAMPLE.read_bytes(), headers=YAML)
    assert r.status_code == 413 and r.json()["error"]["code"] == "RULES-E013"


def test_an_evaluation_over_the_time_limit_is_503_and_the_service_goes_on(tmp_path, monkeypatch):
    import engine.runtime.evaluation as evaluation
    real = evaluation.evaluate

    def slow(*args, **kwargs):
        time.sleep(3)
        return real(*args, **kwargs)

    with make_client(tmp_path, request_seconds=1.0) as c:
        monkeypatch.setattr(evaluation, "evaluate", slow)
        r = c.post("/v1/explain", content=EXAMPLE.read_bytes(), headers=YAML)
        assert r.status_code == 503 and r.json()["error"]["code"] == "RULES-E072"
        monkeypatch.setattr(evaluation, "evaluate", real)
        assert c.post("/v1/explain", content=EXAMPLE.read_bytes(), headers=YAML).status_code == 200


def test_unknown_routes_and_methods_are_json_errors(client):
    r = client.get("/v1/nowhere")
    assert r.status_code == 404 and r.json()["error"]["code"] == "RULES-E070"
    r = client.get("/v1/explain")
    assert r.status_code == 405 and r.json()["error"]["code"] == "RULES-E070"


def test_openapi_describes_every_endpoint_with_the_engine_schemas(client):
    doc = client.get("/openapi.json").json()
    assert doc["openapi"].startswith("3.1")
    assert {"/v1/sources", "/v1/explain", "/v1/plan", "/v1/batch", "/cds-services",
            "/cds-services/followup-advice"} <= set(doc["paths"])
    assert doc["components"]["schemas"]["Report"] == load_schema("report.schema.json")


def test_a_token_is_required_when_one_is_set(tmp_path):
    token = "s3cret-token-for-tests-only"
    with make_client(tmp_path, token=token) as c:
        r = c.get("/v1/sources")
        assert r.status_code == 401 and r.json()["error"]["code"] == "RULES-E071"
        assert r.headers["www-authenticate"].startswith("Bearer")
        assert c.get("/v1/sources", headers={"authorization": "Bearer wrong"}).status_code == 401
        assert c.get("/v1/sources", headers={"authorization": f"Bearer {token}"}).status_code == 200
        assert c.get("/healthz").status_code == 200
        page = c.get("/", follow_redirects=False)
        assert page.status_code == 303 and page.headers["location"] == "/login"


def test_listening_elsewhere_than_localhost_needs_a_token(tmp_path):
    from engine.errors import UsageError
    from engine.serve import Settings, create_app
    with pytest.raises(UsageError, match="needs a bearer token"):
        create_app(Settings(host="0.0.0.0", database=tmp_path / "x.db"))
    with pytest.raises(UsageError, match="shorter than 16"):
        create_app(Settings(host="0.0.0.0", token="short", database=tmp_path / "x.db"))


def test_decision_log_records_each_decision_without_the_input(tmp_path):
    with make_client(tmp_path) as c:
        r = c.post(f"/v1/explain?at={AT}", content=EXAMPLE.read_bytes(), headers=YAML)
    [entry] = decisions(tmp_path)  # written by the time the app stops
    assert entry["decision_id"] == r.headers["x-decision-id"] and entry["endpoint"] == "/v1/explain"
    assert entry["at"] == "2026-11-23T09:00:00-05:00" and "input" not in entry
    import hashlib
    assert entry["input_sha256"] == hashlib.sha256(EXAMPLE.read_bytes()).hexdigest()
    assert {p["policy"] for p in entry["policies"]} >= {"hayes"} and all(len(p["sha256"]) == 64
                                                                        for p in entry["policies"])
    assert entry["advice"]["check_in"]["do"] and "opposed:connect_on_social" in entry["conflicts"]


def test_decision_log_keeps_inputs_only_when_asked(tmp_path):
    with make_client(tmp_path, log_inputs=True) as c:
        c.post(f"/v1/explain?at={AT}", content=EXAMPLE.read_bytes(), headers=YAML)
        lines = (EXAMPLE.parent / "batch.jsonl").read_bytes()
        c.post(f"/v1/batch?at={AT}", content=lines)
    entries = decisions(tmp_path)
    assert entries[0]["input"] == EXAMPLE.read_text("utf-8")
    assert len(entries) == 1 + len(lines.splitlines())
    assert {e["endpoint"] for e in entries} == {"/v1/explain", "/v1/batch"}


def test_a_failed_request_is_not_a_decision(tmp_path):
    with make_client(tmp_path) as c:
        c.post("/v1/explain", content=b"events: [{type: nope, at: 2026-11-16T10:00}]", headers=YAML)
    assert decisions(tmp_path) == []


def test_next_change_at_is_in_the_report_and_a_header(client):
    log = (EXAMPLE.parent / "just-interviewed.yaml").read_bytes()
    r = client.post("/v1/explain?at=2026-11-16T11:00", content=log, headers=YAML)
    when = r.json()["next_change_at"]
    assert when and r.headers["x-next-change-at"] == when
    # the moment it names is when the advice changes: evaluated there, it differs
    later = client.post(f"/v1/explain?at={when}", content=log, headers=YAML).json()
    fired = lambda rep: {(x["policy"], x["rule"]) for g in rep["advice"] for x in g["recommendations"]}  # noqa: E731
    assert fired(later) != fired(r.json())
