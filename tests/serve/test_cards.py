"""CDS-Hooks: discovery, then cards — one per recommendation, the
disagreements first as their own warning cards, each with its source."""

from __future__ import annotations

import pytest

from serve_support import EXAMPLE, example_log

HOOK = "/cds-services/followup-advice"


def call(client, context, **extra):
    return client.post(HOOK, json={"hook": "followup-advice", "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
                                   "context": context, **extra})


def test_discovery_lists_the_service(client):
    [service] = client.get("/cds-services").json()["services"]
    assert service["id"] == "followup-advice" and service["hook"] and service["description"]


def test_cards_have_summary_detail_indicator_and_source(client):
    r = call(client, {"log": example_log(), "at": "2026-11-23T09:00"})
    assert r.status_code == 200 and r.headers["x-decision-id"]
    cards = r.json()["cards"]
    assert cards and all(len(c["summary"]) <= 140 and c["detail"] and c["uuid"] for c in cards)
    assert all(c["indicator"] in ("info", "warning", "critical") for c in cards)
    disagreements = [c for c in cards if c["summary"].startswith("Sources disagree")]
    assert disagreements and cards[: len(disagreements)] == disagreements  # first
    assert all(c["indicator"] == "warning" for c in disagreements)
    advice = [c for c in cards if c not in disagreements]
    for card in advice:
        source = card["source"]
        assert {"label", "policy", "version", "section", "quote"} <= set(source)
        assert source["quote"] in card["detail"]
    avoid = [c for c in advice if c["summary"].startswith("Avoid")]
    assert avoid and all(c["indicator"] == "warning" for c in avoid)
    again = call(client, {"log": example_log(), "at": "2026-11-23T09:00"}).json()["cards"]
    assert [c["uuid"] for c in again] == [c["uuid"] for c in cards]  # stable ids


def test_a_long_summary_is_cut_to_140_characters():
    from engine.serve.cards import cards_for
    report = {"conflicts": [], "advice": [{"action": "check_in", "label": "Check in " * 30,
                                           "recommendations": [{
        "policy": "hayes", "version": "1.0.0", "rule": "r", "stance": "do", "params": {},
        "summary": "s", "cite": {"section": "S", "quote": "q"}, "when": "true"}]}]}
    [card] = cards_for(report, {"hayes": "Hayes"})
    assert len(card["summary"]) <= 140 and card["summary"].endswith("…")


def test_pins_in_the_context(client):
    cards = call(client, {"log": example_log(), "at": "2026-11-23T09:00",
                          "policies": ["hayes"]}).json()["cards"]
    assert {c["source"]["policy"] for c in cards if "policy" in c["source"]} == {"hayes"}


@pytest.mark.parametrize("body, status, code, path", [
    ({"hook": "x"}, 400, "RULES-E050", "context"),
    ({"hook": "x", "context": {}}, 400, "RULES-E050", "context.log"),
    ({"hook": "x", "context": {"log": {"events": [{"type": "intervew", "at": "2026-11-16T10:00"}]}}},
     422, "RULES-E023", "context.log.events[0].type"),
    ({"hook": "x", "context": {"log": {"events": []}, "at": 5}}, 400, "RULES-E050", "context.at"),
    ({"hook": "x", "context": {"log": {"events": []}, "policies": "hayes"}}, 400, "RULES-E050",
     "context.policies"),
])
def test_bad_calls_are_json_errors_with_the_path(client, body, status, code, path):
    r = client.post(HOOK, json=body)
    assert r.status_code == status, r.text
    assert r.json()["error"]["code"] == code and r.json()["error"]["path"] == path


def test_invalid_json_is_400(client):
    r = client.post(HOOK, content=b"{", headers={"content-type": "application/json"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "RULES-E014"


def test_the_answer_says_when_to_ask_again(client):
    import yaml
    import json
    log = json.loads(json.dumps(yaml.safe_load((EXAMPLE.parent / "just-interviewed.yaml").read_text()), default=str))
    r = call(client, {"log": log, "at": "2026-11-16T11:00"})
    when = r.json()["extension"]["next_change_at"]
    assert when and r.headers["x-next-change-at"] == when


def test_a_card_says_where_every_source_stands(client):
    cards = call(client, {"log": example_log(), "at": "2026-11-23T09:00"}).json()["cards"]
    check_in = [c for c in cards if c["source"].get("topic", {}).get("code") == "check_in"]
    assert check_in and all("**Where the sources stand**" in c["detail"] for c in check_in)
    assert all("Suits every source that advises it: channel phone" in c["detail"] for c in check_in)
