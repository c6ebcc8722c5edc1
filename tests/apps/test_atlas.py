"""The disagreement atlas (engine/apps/atlas.py, ``rules conflicts``): every
witness replays through ``evaluate``; the real disagreements of the bundled
policies are found; the outputs; reachability warnings."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

import engine
from engine.apps.atlas import Atlas, conflict_atlas, situations
from engine.apps.atlas_views import render_atlas
from engine.cli import main

from examples import ROOT


@pytest.fixture(scope="module")
def atlas(policies) -> Atlas:
    return engine.conflict_atlas(policies)


@pytest.mark.slow  # the whole search: about half a minute
def test_every_witness_replays_through_evaluate(atlas, policies):
    assert atlas.witnesses
    for w in atlas.witnesses:
        log = engine.EventLog.from_dict(w.log, policies.vocabulary)
        report = engine.evaluate(policies, log, datetime.fromisoformat(w.at))
        found = False
        for c in report.conflicts:
            if c.kind != w.kind or c.actions != w.actions:
                continue
            sides = [{r.policy for r in side} for side in c.sides]
            a, b = w.policies
            if any(a in x and b in y or b in x and a in y
                   for i, x in enumerate(sides) for y in sides[i + 1:]):
                found = True
        assert found, w.to_dict()


@pytest.mark.slow  # the whole search: about half a minute
def test_the_real_disagreements_of_the_bundled_policies_are_found(atlas):
    """Issue 14's four real disagreements and the social one, on the 1.1.0 policies."""
    found = {(w.policies, w.kind, w.actions): w for w in atlas.witnesses}
    # halpin "do not friend" against followup-guide "use LinkedIn"
    social = found[(("followup-guide", "halpin"), "opposed", ("connect_on_social",))]
    assert social.rules == (("connect-on-linkedin", "no-facebook-friending"), ("dont-friend-the-interviewer",))
    # 1. the thank-you's moment: hayes "that afternoon" against followup-guide "the following morning"
    assert (("followup-guide", "hayes"), "timing", ("send_thank_you",)) in found
    # 2. after the employer's date: followup-guide and cheatsheet "follow instructions"
    #    (from the next day) against hayes "a few days after that date passes"
    assert (("followup-guide", "hayes"), "timing", ("check_in",)) in found
    assert (("cheatsheet", "hayes"), "timing", ("check_in",)) in found
    # 3. how many contacts: halpin "do not contact the interviewer multiple times"
    #    against hayes's check-ins and cheatsheet's "follow up a few times"
    assert (("halpin", "hayes"), "opposed", ("check_in",)) in found
    assert (("cheatsheet", "halpin"), "opposed", ("check_in",)) in found
    # 4. followup-guide "ask … when you should expect to hear back" against
    #    cheatsheet/Himmel "push for an exact timeline or decision"
    timeline = found[(("cheatsheet", "followup-guide"), "opposed", ("ask_for_timeline",))]
    assert timeline.rules == (("dont-push-for-a-timeline",), ("ask-when-to-expect-answer",))
    # no pair of sources is on the same side: witnesses name two different sources
    assert all(w.policies[0] < w.policies[1] for w in atlas.witnesses)


@pytest.mark.slow  # the whole search: about half a minute
def test_every_rule_of_the_bundled_policies_fires_in_some_searched_situation(atlas):
    """Vocabulary 1.1's events and fields are searched: interview rounds, a
    reply's preferred channel, three unanswered follow-ups and weeks of silence,
    a rejection that was positive about you (two flags of one event)."""
    assert atlas.never_fired == ()


@pytest.mark.slow  # the whole search: about half a minute
def test_witnesses_are_small_logs(atlas):
    assert max(len(w.log["events"]) for w in atlas.witnesses) <= 4


@pytest.mark.slow  # the whole search: about half a minute
def test_never_fired_and_shadowed_rules(atlas, policies):
    rules = {(p.id, r.id) for p in policies.policies for r in p.rules}
    assert set(atlas.never_fired) <= rules
    # followup-guide asks for a second reader exactly where it asks to spell-check: same advice
    assert ("followup-guide", "get-a-second-reader", "spell-check-everything") in atlas.shadowed


def test_situations_come_from_the_vocabulary(policies):
    logs = list(situations(policies))
    types = {e["type"] for log in logs for e in log["events"]}
    assert types == set(policies.vocabulary.event_type_specs)
    events = [e for log in logs for e in log["events"]]
    # every value of every enum field, both values of every flag
    for name, spec in policies.vocabulary.event_type_specs.items():
        for f in spec.fields.values():
            seen = {str(e[f.name]) for e in events if e["type"] == name and f.name in e}
            if f.values:
                assert seen >= {str(v) for v in f.values}, (name, f.name)
            elif str(f.type) == "bool":
                assert seen >= {"True"} if f.default is False else seen >= {"True", "False"}, (name, f.name)
    # several flags of one event together (a rejection positive about you, of a company you like)
    assert any(e["type"] == "rejected" and e.get("positive_about_you") is True and e.get("you_like_company") is True
               for e in events)
    # an event repeated as often as a condition counts ("follow_ups_since_news >= 3")
    assert any(sum(e["type"] == "follow_up_sent" for e in log["events"]) == 3 for log in logs)
    for data in logs[:50]:
        engine.EventLog.from_dict(data, policies.vocabulary)  # every generated log is valid


def test_the_atlas_is_deterministic(policies):
    a = conflict_atlas(policies, max_logs=15).to_dict()
    b = conflict_atlas(policies, max_logs=15).to_dict()
    assert a == b and a["searched"]["logs"] == 15


@pytest.mark.slow  # the whole search: about half a minute
def test_json_text_and_html(atlas):
    data = json.loads(render_atlas(atlas, "json"))
    assert data["policies"] == list(atlas.policies)
    assert len(data["pairs"]) == 10 and sum(p["count"] for p in data["pairs"]) == len(atlas.witnesses)
    text = render_atlas(atlas, "text")
    assert max(map(len, text.splitlines())) <= 80
    assert "followup-guide × halpin" in text
    html = render_atlas(atlas, "html")
    assert html.startswith("<!DOCTYPE html>") and "http://" not in html and "https://" not in html
    assert html.count("<details>") == 2 * len(atlas.witnesses)  # each witness in both cells


def test_rules_conflicts_command(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    out = tmp_path / "atlas.json"
    assert main(["conflicts", "--max-logs", "12", "--format", "json", "-o", str(out)]) == 0
    data = json.loads(out.read_text("utf-8"))
    assert data["searched"]["logs"] == 12
    assert main(["conflicts", "--max-logs", "0"]) == 2
    assert main(["conflicts", "--policy", "nobody"]) == 2
    assert "no policy 'nobody'" in capsys.readouterr().err


def test_rules_check_reachability_warns_of_unreachable_and_shadowed_rules(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    folder = tmp_path / "policies" / "sample"
    folder.mkdir(parents=True)
    text = (ROOT / "docs" / "tutorial" / "policies" / "sample" / "1.1.0.yaml").read_text("utf-8")
    text = text.replace("$schema=../../../../schemas", f"$schema={ROOT}/schemas")
    text += """
  - id: thank-you-on-the-day
    summary: The same advice under a narrower condition.
    when: days_since(interview) == 0 and not thank_you_sent and interviewers >= 1
    then: {action: send_thank_you, stance: do, channel: email}
    cite: {section: "The same day", quote: "Send a short thank-you email on the day of the interview"}

  - id: after-a-thousand-interviewers
    summary: Never true in practice.
    when: interviewers > 1000
    then: {action: send_gift, stance: avoid}
    cite: {section: "The same day", quote: "Send a short thank-you email on the day of the interview"}
"""
    (folder / "1.1.0.yaml").write_text(text, "utf-8")
    code = main(["check", str(tmp_path / "policies"), "--seeds", "docs/tutorial/seeds", "--reachability"])
    out = capsys.readouterr().out
    assert code == 0, out  # warnings do not fail the check
    assert "1.1.0.yaml:" in out
    assert "warning: rule 'after-a-thousand-interviewers' fires in none of the" in out
    assert "warning: rule 'thank-you-on-the-day' only ever fires together with 'thank-you-same-day'" in out
