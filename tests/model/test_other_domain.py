"""The engine is not about job interviews: a sales follow-up domain
(tests/data/sales: its own vocabulary, actions and policies) runs on it
unchanged, through the same loading, evaluation, report and CLI."""

from __future__ import annotations

import json
import shutil
from datetime import datetime
from pathlib import Path

import pytest

from engine.errors import LogError, PolicyError
from engine.runtime.evaluation import evaluate
from engine.model.eventlog import EventLog, load_log
from engine.runtime.facts import FactContext
from engine.apps.checking import check_paths
from engine.model.policies import default_vocabulary, load_policies
from engine.input.times import get_zone

SALES = Path(__file__).resolve().parents[1] / "data" / "sales"
LOG = SALES / "logs" / "acme-deal.yaml"
CHICAGO = get_zone("America/Chicago")


@pytest.fixture(scope="module")
def sales():
    return load_policies(SALES)


@pytest.fixture(scope="module")
def deal(sales):
    return load_log(LOG, sales.vocabulary)


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=CHICAGO)


def _fired(report) -> set[tuple[str, str, str, str]]:
    return {(r.policy, r.rule, r.action, r.stance) for g in report.advice for r in g.recommendations}


def test_the_folder_brings_its_vocabulary_actions_and_policies(sales):
    assert (sales.vocabulary.name, sales.vocabulary.version) == ("sales", "1.0.0")
    assert [p.ref for p in sales] == ["patience@1.0.0", "playbook@1.0.0"]
    assert "send_recap" in sales.actions and "send_thank_you" not in sales.actions
    assert sales.actions.opposed("follow_up_call", "close_file")  # symmetric
    assert "quote_pending" in sales.vocabulary.facts and "interview" not in sales.vocabulary.facts
    assert default_vocabulary().name == "followup"  # the bundled one is untouched


def test_check_finds_nothing_wrong():
    report = check_paths([SALES])
    assert report.problems == []
    assert sorted(p.ref for p in report.policies) == ["patience@1.0.0", "playbook@1.0.0"]


def test_sales_facts(sales, deal):
    ctx = FactContext(sales.vocabulary, deal, _at("2026-05-12T10:00"))
    assert ctx["demo"].isoformat() == "2026-05-04T14:00:00-05:00"
    assert ctx["days_since_demo"] == 8
    assert ctx["demo_interest"] == "high"
    assert ctx["touches_since_demo"] == 1
    assert ctx["quote_amount"] == 12000
    assert ctx["quote_expires"].isoformat() == "2026-05-21T00:00:00-05:00"
    assert ctx["touches_since_quote"] == 0
    assert (ctx["quote_pending"], ctx["deal_closed"], ctx["deal_result"]) == (True, False, None)
    later = FactContext(sales.vocabulary, deal, _at("2026-06-01T09:00"))
    assert (later["quote_pending"], later["deal_closed"], later["deal_result"]) == (False, True, "won")
    before = FactContext(sales.vocabulary, deal, _at("2026-05-02T09:00"))
    assert (before["demo"], before["days_since_demo"]) == (None, None)
    assert before["quote_pending"] is False  # `exists(quote) and …`: false, not unknown


@pytest.mark.parametrize("at, fired, conflicts", [
    ("2026-05-05T10:00", set(), []),
    ("2026-05-06T10:00", {("playbook", "recap-after-demo", "send_recap", "do")}, []),
    ("2026-05-06T12:00", set(), []),  # the recap went out at 11:00
    ("2026-05-08T10:00", {("patience", "no-calls-first-week", "follow_up_call", "avoid")}, []),
    ("2026-05-12T10:00", {("playbook", "chase-quote", "follow_up_call", "do"),
                          ("patience", "no-calls-first-week", "follow_up_call", "avoid")},
     [("opposed", ("follow_up_call",))]),
    ("2026-05-20T09:00", {("playbook", "chase-quote", "follow_up_call", "do"),
                          ("playbook", "expiry-reminder", "remind_expiry", "do")}, []),
    ("2026-05-20T11:00", {("playbook", "expiry-reminder", "remind_expiry", "do")}, []),
    ("2026-05-22T09:00", set(), []),  # they answered
    ("2026-06-01T09:00", {("playbook", "close-when-decided", "close_file", "do")}, []),
])
def test_evaluation(sales, deal, at, fired, conflicts):
    report = evaluate(sales, deal, _at(at))
    assert _fired(report) == fired
    assert [(c.kind, c.actions) for c in report.conflicts] == conflicts
    assert report.timezone == "America/Chicago"
    assert set(report.situation) == set(sales.vocabulary.situation)


def test_why_a_rule_does_not_fire_yet_and_when_it_will(sales, deal):
    report = evaluate(sales, deal, _at("2026-05-08T10:00"))
    (group,) = report.advice
    assert group.action == "follow_up_call" and group.label == "Call about the quote"
    (waiting,) = group.not_firing
    assert (waiting.policy, waiting.rule, waiting.status) == ("playbook", "chase-quote", "false")
    assert "business_days_since(quote)" in waiting.because
    # Thu quote → Fri, Mon, Tue: the third business day starts Tuesday at midnight
    assert waiting.next_fires_at == "2026-05-12T00:00:00-05:00"


def test_report_is_valid_json(sales, deal):
    import jsonschema

    from engine.base.resources import load_schema

    report = evaluate(sales, deal, _at("2026-05-12T10:00")).to_dict()
    jsonschema.validate(report, load_schema("report.schema.json"))
    assert report["situation"]["quote_amount"] == 12000
    recs = {r["rule"]: r for g in report["advice"] for r in g["recommendations"]}
    assert recs["chase-quote"]["facts"]["quote"]["value"] == "2026-05-07T16:00:00-05:00"
    assert json.loads(json.dumps(report)) == report


def test_logs_are_checked_against_the_domain(sales):
    with pytest.raises(LogError, match="unknown event type 'interview'"):
        EventLog.from_dict({"events": [{"type": "interview", "at": "2026-05-01T09:00",
                                        "interviewers": ["A"]}]}, sales.vocabulary)
    with pytest.raises(LogError, match="unknown event type 'lead_created'"):
        load_log(LOG)  # the bundled job-search vocabulary does not know sales events
    with pytest.raises(LogError) as info:
        EventLog.from_dict({"events": [{"type": "quote_sent", "at": "2026-05-01T09:00",
                                        "amount": "a lot"}]}, sales.vocabulary)
    assert "quote_sent.amount: expected a number" in str(info.value)
    with pytest.raises(LogError) as info:
        EventLog.from_dict({"events": [{"type": "demo_givn", "at": "2026-05-01T09:00"}]},
                           sales.vocabulary)
    assert info.value.hint == "did you mean 'demo_given'?"


def test_a_rule_from_the_other_domain_is_a_load_error(tmp_path):
    folder = tmp_path / "sales"
    shutil.copytree(SALES, folder)
    policy = folder / "playbook" / "1.0.0.yaml"
    text = policy.read_text().replace("when: deal_closed", "when: days_since(interview) > 3")
    policy.write_text(text)
    with pytest.raises(PolicyError) as info:
        load_policies(folder)
    err = info.value
    assert err.code == "RULES-E003" and "unknown fact 'interview'" in err.message
    line = next(i for i, l in enumerate(text.splitlines(), 1) if "days_since(interview)" in l)
    assert (err.line, err.column) == (line, text.splitlines()[line - 1].index("interview") + 1)


def test_cli_explain_and_check(capsys):
    from engine.cli import main

    assert main(["explain", str(LOG), "--policies", str(SALES), "--at", "2026-05-12T10:00",
                 "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["at"] == "2026-05-12T10:00:00-05:00"
    assert [c["kind"] for c in report["conflicts"]] == ["opposed"]
    # citations are checked against the domain's own source documents
    assert main(["check", str(SALES), "--seeds", str(SALES / "sources")]) == 0
    assert "citations checked against" in capsys.readouterr().out
