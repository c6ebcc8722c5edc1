"""Disagreements (engine/runtime/conflicts.py, docs/disagreements.md): what
each kind means with the catalogue's relations, the properties of issue 14
over generated logs and moments, timing windows and the consensus."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import engine
from engine.runtime.conflicts import find_conflicts, overlaps, param_values, satisfying_values
from engine.runtime.report import Recommendation

from examples import ROOT


def rec(policy: str, action: str, stance: str = "do", rule: str = "", **params: Any) -> Recommendation:
    return Recommendation(policy, "1.0.0", rule or f"{policy}-{action}-{stance}", action, stance,  # type: ignore[arg-type]
                          params, "", "", "", "")


def kinds(recs, policies):
    return [(c.kind, c.actions, [[r.policy for r in side] for side in c.sides])
            for c in find_conflicts(recs, policies.actions)]


# -- one kind at a time -------------------------------------------------------------

def test_a_refinement_is_one_position_and_only_real_opposition_remains(policies):
    """Issue 14: followup-guide's LinkedIn-yes / Facebook-no was shown on both sides."""
    recs = [rec("followup-guide", "connect_on_social", network="linkedin"),
            rec("followup-guide", "connect_on_social", "avoid", network="facebook"),
            rec("halpin", "connect_on_social", "avoid")]
    [conflict] = find_conflicts(recs, policies.actions)
    assert conflict.kind == "opposed"
    assert [[(r.policy, r.stance) for r in side] for side in conflict.sides] == [
        [("followup-guide", "do"), ("followup-guide", "avoid")], [("halpin", "avoid")]]


def test_one_source_alone_never_disagrees_with_itself(policies):
    recs = [rec("followup-guide", "connect_on_social", network="linkedin"),
            rec("followup-guide", "connect_on_social", "avoid", network="facebook")]
    assert find_conflicts(recs, policies.actions) == []


def test_an_avoid_opposes_only_overlapping_parameters(policies):
    recs = [rec("a", "connect_on_social", network="linkedin"),
            rec("b", "connect_on_social", "avoid", network="facebook")]
    assert find_conflicts(recs, policies.actions) == []
    recs[1] = rec("b", "connect_on_social", "avoid", network=("facebook", "linkedin"))
    assert kinds(recs, policies) == [("opposed", ("connect_on_social",), [["a"], ["b"]])]


def test_may_and_avoid_disagree_may_and_do_do_not(policies):
    assert kinds([rec("a", "send_gift", "may"), rec("b", "send_gift", "avoid")], policies) == [
        ("opposed", ("send_gift",), [["a"], ["b"]])]
    assert kinds([rec("a", "send_gift", "may"), rec("b", "send_gift", "do")], policies) == []


def test_details_only_where_no_value_satisfies_everyone(policies):
    """Issue 14: "phone" against "email or phone" is no conflict; email against phone is."""
    ok = [rec("a", "check_in", channel="phone"), rec("b", "check_in", channel=("email", "phone"))]
    assert find_conflicts(ok, policies.actions) == []
    assert satisfying_values(policies.actions["check_in"], "channel",
                             {"a": ["phone"], "b": [("email", "phone")]}) == ("phone",)
    bad = [rec("a", "check_in", channel="phone"), rec("b", "check_in", channel="email")]
    [conflict] = find_conflicts(bad, policies.actions)
    assert (conflict.kind, conflict.param, conflict.common) == ("details", "channel", ())


def test_containment_everyone_met_includes_each_interviewer(policies):
    recs = [rec("careerbuilder", "send_thank_you", audience="each_interviewer"),
            rec("halpin", "send_thank_you", audience="everyone_met")]
    assert find_conflicts(recs, policies.actions) == []
    assert satisfying_values(policies.actions["send_thank_you"], "audience",
                             {"c": ["each_interviewer"], "h": ["everyone_met"]}) == ("everyone_met",)


def test_cumulative_channels_are_two_recommendations(policies):
    """Issue 14: halpin asks for an email and a handwritten note: not alternatives."""
    recs = [rec("halpin", "send_thank_you", channel="email"),
            rec("halpin", "send_thank_you", channel="handwritten"),
            rec("hayes", "send_thank_you", channel="email")]
    assert find_conflicts(recs, policies.actions) == []


def _sides(report, kind, action):
    c = next(c for c in report.conflicts if c.kind == kind and c.actions == (action,))
    return [[(r.policy, r.rule) for r in side] for side in c.sides]


def test_how_many_contacts_halpin_once_against_the_check_ins_after_the_date(policies):
    """Issue 14 on 1.1.0: halpin "do not contact the interviewer multiple times"
    (004:23) against cheatsheet's, followup-guide's and hayes's check-in once
    the date is past, after one follow-up sent before it."""
    log = engine.EventLog.from_dict({"timezone": "America/New_York", "events": [
        {"type": "interview", "at": "2026-11-16T10:00", "interviewers": ["Jane Roe"]},
        {"type": "decision_expected", "at": "2026-11-16T10:30", "by": "2026-11-20"},
        {"type": "follow_up_sent", "at": "2026-11-18T10:00", "channel": "email"}]}, policies.vocabulary)
    report = engine.evaluate(policies, log, datetime(2026, 11, 24, 10))
    assert _sides(report, "opposed", "check_in") == [
        [("cheatsheet", "follow-their-timeline"), ("followup-guide", "check-in-after-time-frame"),
         ("hayes", "check-in-after-stated-date")],
        [("halpin", "dont-contact-more-than-once")],
    ]


def test_asking_for_the_timeline_afterwards_against_himmel(policies):
    """Issue 14 on 1.1.0: followup-guide "ask ... when you should expect to hear
    back" (002:48, the day after, by email or phone) against cheatsheet/Himmel
    "push for an exact timeline or decision" (003:13)."""
    log = engine.EventLog.from_dict({"timezone": "America/New_York", "events": [
        {"type": "interview", "at": "2026-11-16T10:00", "interviewers": ["Jane Roe"]}]}, policies.vocabulary)
    assert not any(c.actions == ("ask_for_timeline",)
                   for c in engine.evaluate(policies, log, datetime(2026, 11, 16, 14)).conflicts)
    report = engine.evaluate(policies, log, datetime(2026, 11, 17, 10))
    assert _sides(report, "opposed", "ask_for_timeline") == [
        [("followup-guide", "ask-when-to-expect-answer")], [("cheatsheet", "dont-push-for-a-timeline")]]


def test_avoiding_a_general_action_opposes_its_kinds(policies):
    recs = [rec("hayes", "check_in"), rec("halpin", "contact_employer", "avoid")]
    assert kinds(recs, policies) == [("opposed", ("check_in", "contact_employer"), [["hayes"], ["halpin"]])]
    # but avoiding a specific kind says nothing against the general action
    assert find_conflicts([rec("a", "contact_employer"), rec("b", "check_in", "avoid")],
                          policies.actions) == []


def test_exclusive_is_inherited_along_kind_of(policies):
    recs = [rec("hayes", "send_value_add"), rec("sample", "move_on")]
    assert kinds(recs, policies) == [("exclusive", ("move_on", "send_value_add"), [["sample"], ["hayes"]])]
    # a source advising both stands on neither side
    recs.append(rec("sample", "send_value_add"))
    assert find_conflicts(recs, policies.actions) == []


def test_opposed_splits_where_a_source_would_stand_on_both_sides(policies):
    recs = [rec("fg", "connect_on_social", network="linkedin"),
            rec("fg", "connect_on_social", "avoid", network="facebook"),
            rec("x", "connect_on_social", network="facebook"),
            rec("halpin", "connect_on_social", "avoid")]
    found = [k for k in kinds(recs, policies) if k[0] == "opposed"]
    assert len(found) == 2  # one per avoiding source: fg's avoid against x, halpin's against both
    for _, _, sides in found:
        assert not set(sides[0]) & set(sides[1])


# -- the properties of issue 14, over generated logs and moments -------------------------

_T0 = datetime(2026, 11, 16, 10, 0)
_EVENT = st.one_of(
    st.builds(lambda by: {"type": "decision_expected", "by": (_T0 + timedelta(days=by)).date().isoformat()},
              st.integers(1, 15)),
    st.builds(lambda ch, to: {"type": "thank_you_sent", "channel": ch, "to": to},
              st.sampled_from(["email", "handwritten", "phone"]), st.sampled_from(["Jane Roe", ["Jane Roe", "Sam Poe"]])),
    st.builds(lambda ch, kind, to: {"type": "follow_up_sent", "channel": ch, "kind": kind,
                                    **({"recipient": to} if to else {})},
              st.sampled_from(["email", "phone", "linkedin", "voicemail", "in_person"]),
              st.sampled_from(["check_in", "value_add", "timeline_question", "keep_in_touch",
                               "feedback_request", "future_roles", "answer"]),
              st.sampled_from([None, "recruiter", "hiring_manager", "hr", "interviewer"])),
    # vocabulary 1.1: what a reply said, and who sent it
    st.builds(lambda tone, after, extra: {"type": "reply_received", "tone": tone, **extra,
                                          **({"check_in_after": (_T0 + timedelta(days=after)).date().isoformat()}
                                             if after else {})},
              st.sampled_from(["positive", "neutral", "negative"]), st.integers(0, 20),
              st.fixed_dictionaries({}, optional={
                  "will_contact": st.booleans(), "keep_apprised": st.booleans(),
                  "status": st.sampled_from(["still_deciding", "awaiting_approval"]),
                  "preferred_channel": st.sampled_from(["email", "phone", "linkedin"]),
                  "sender": st.sampled_from(["recruiter", "hiring_manager", "hr", "interviewer"])})),
    st.builds(lambda pos, like: {"type": "rejected", "positive_about_you": pos, "you_like_company": like},
              st.booleans(), st.booleans()),
    st.sampled_from([{"type": t} for t in ("rejected", "offer", "position_on_hold", "references_notified",
                                           "profiles_reviewed", "notes_written", "withdrew",
                                           "accepted_other_offer", "thanked_in_person", "proofread_by_other")]),
    st.builds(lambda net: {"type": "social_connection", "network": net},
              st.sampled_from(["linkedin", "facebook", "other"])),
    # vocabulary 1.1: a later round, held or scheduled
    st.builds(lambda minutes: {"type": "interview", "interviewers": ["Ann Lee"], "round": 2,
                               "duration_minutes": minutes}, st.integers(20, 240)),
    st.builds(lambda days: {"type": "interview_scheduled", "round": 2,
                            "starts": (_T0 + timedelta(days=days, hours=4)).isoformat()}, st.integers(2, 40)),
    st.just({"type": "company_contact", "name": "Kim Park"}),
)


@st.composite
def logs_and_moments(draw):
    interview = {"type": "interview", "at": _T0.isoformat(), "interviewers": ["Jane Roe", "Sam Poe"],
                 "format": draw(st.sampled_from(["in_person", "phone", "video"])),
                 "asked_next_steps": draw(st.booleans())}
    events = [interview]
    for event in draw(st.lists(_EVENT, max_size=5)):
        at = _T0 + timedelta(hours=draw(st.integers(1, 30 * 24)))
        events.append({**event, "at": at.isoformat()})
    moment = _T0 + timedelta(hours=draw(st.integers(0, 45 * 24)))
    return {"timezone": "America/New_York", "events": events}, moment


@pytest.mark.slow  # 100 explained evaluations
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(logs_and_moments())
def test_issue_14_properties_hold_over_generated_logs(policies, case):
    data, moment = case
    log = engine.EventLog.from_dict(data, policies.vocabulary)
    report = engine.evaluate(policies, log, moment)
    catalogue = policies.actions
    for c in report.conflicts:
        sides = [{r.policy for r in side} for side in c.sides]
        for i, a in enumerate(sides):  # no policy on two sides
            for b in sides[i + 1:]:
                assert not a & b, c.to_dict()
        if c.kind == "details":  # no satisfying value
            spec = catalogue[c.actions[0]]
            positions = {}
            for side in c.sides:
                for r in side:
                    positions.setdefault(r.policy, []).append(r.params[c.param])
            assert satisfying_values(spec, c.param, positions) == (), c.to_dict()
            assert spec.relation(c.param) != "cumulative"
        if c.kind == "opposed":  # overlapping parameters between a do/may and an avoid
            assert any(d.stance in ("do", "may") and a.stance == "avoid" and a.policy != d.policy
                       and catalogue.is_kind_of(d.action, a.action)
                       and overlaps(catalogue, d.action, d.params, a.params)
                       for d in c.sides[0] for a in c.sides[1]), c.to_dict()
        if c.kind == "timing":
            assert len(c.windows) == len(c.sides) and len({w[0] for w in c.windows}) > 1
            assert all(r.stance in ("do", "may") for side in c.sides for r in side)


# -- timing and consensus on the examples ----------------------------------------------

def test_timing_each_side_carries_its_window(policies):
    """A morning interview: most sources say thank now, followup-guide from the next day."""
    log = engine.load_log(ROOT / "examples" / "dst-change.yaml", policies.vocabulary)
    report = engine.evaluate(policies, log, datetime(2026, 10, 31, 11, 0))
    timing = next(c for c in report.conflicts if c.kind == "timing" and c.actions == ("send_thank_you",))
    windows = dict(zip((side[0].policy for side in timing.sides), timing.windows))
    assert windows["hayes"][0] == "2026-10-31T11:00:00-04:00"
    assert windows["followup-guide"][0] == "2026-11-01T00:00:00-04:00"
    d = timing.to_dict()
    # hayes 1.1.0 ends its window (001 line 24: "that afternoon", at the latest within days)
    assert d["windows"][0] == {"from": "2026-10-31T11:00:00-04:00", "until": "2026-11-04T00:00:00-05:00"}


def test_no_timing_conflict_on_the_fast_path(policies):
    log = engine.load_log(ROOT / "examples" / "dst-change.yaml", policies.vocabulary)
    report = engine.evaluate(policies, log, datetime(2026, 10, 31, 11, 0), explain=False)
    assert all(c.kind != "timing" for c in report.conflicts)


def test_consensus_lists_every_source_once(policies):
    log = engine.load_log(ROOT / "examples" / "dst-change.yaml", policies.vocabulary)
    report = engine.evaluate(policies, log, datetime(2026, 10, 31, 11, 0))
    every = {p.policy for p in report.policies}
    for c in report.consensus:
        named = [*c.pro, *c.optional, *c.against, *{p for p, _, _ in c.later}, *c.silent]
        assert sorted(named) == sorted(every), c
    check_in = next(c for c in report.consensus if c.action == "check_in")
    # halpin 1.1.0: "safe to call after ... at least a week" (004 line 23) means not earlier
    assert check_in.against == ("cheatsheet", "halpin")
    assert {p for p, _, _ in check_in.later} == {"followup-guide", "hayes"}
    thanks = next(c for c in report.consensus if c.action == "send_thank_you")
    assert thanks.satisfied_by == {"audience": ("everyone_met",)}
    assert "channel" not in thanks.satisfied_by  # cumulative: no single value needed


def test_param_values():
    assert param_values("email") == {"email"} and param_values(("a", "b")) == {"a", "b"}
