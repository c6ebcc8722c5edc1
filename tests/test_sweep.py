"""Sweep invariants (issue 15 point 4): the bundled examples and 30 generated
realistic logs, evaluated every 3 hours for 90 days (tests/sweep.py). Each
invariant is computed from the log's events here, independently of the
vocabulary's facts, and checked against every rule that fires.

- THANK_YOU_DAYS: no thank-you advice (or advice on the note's content) more
  than 3 calendar days after the latest interview, nor more than 3 days after
  a rejection (hayes's last email). Source: the latest any article allows is
  "the following morning" (002:20), "first thing the next day" (001:24),
  "within 24 hours" (004:9); careerbuilder's "Don't delay" (000:15) and
  cheatsheet's "always remember" (003:43) give no number, and 3 days is the
  outer end of "prompt" we read into them (docs/sources.md).
- After an offer, a withdrawal or another job, no advice to contact the
  employer; after a rejection, none to chase the decision.
- No source says "do" (or "may") contact the employer while it also says
  "avoid checking in".
- A rule whose article states a trigger fires only when the log shows it.
The same sweep over the 1.0.0 policies breaks the first and last invariants
(the defects issue 15 lists), so these checks can fail.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Callable

import pytest

import engine
from tests.sweep import Firing, sweep, sweep_logs

THANK_YOU_DAYS = 3
NOTE_ACTIONS = {"send_thank_you", "explain_fit", "restate_interest", "personalize_thank_you",
                "keep_message_concise", "offer_more_information", "include_contact_info",
                "address_interviewer_concerns"}
CONTACT_ACTIONS = {"check_in", "keep_in_touch", "ask_about_next_steps", "send_value_add",
                   "ask_for_feedback", "ask_for_future_consideration", "send_thank_you",
                   "respond_promptly", "use_preferred_medium", "demand_decision",
                   "address_interviewer_concerns"}
CHASE_ACTIONS = {"check_in", "ask_about_next_steps", "send_value_add", "respond_promptly",
                 "demand_decision", "use_preferred_medium"}
FINAL = {"offer", "withdrew", "accepted_other_offer"}


@pytest.fixture(scope="module")
def firings_1_1() -> list[Firing]:
    return list(sweep(engine.load_policies(), sweep_logs(30)))


@pytest.fixture(scope="module")
def firings_1_0() -> list[Firing]:
    refs = [f"{p}@1.0.0" for p in ("careerbuilder", "hayes", "followup-guide", "cheatsheet", "halpin")]
    return list(sweep(engine.load_policies(select=refs), sweep_logs(30)))


# -- what the log says, from its events (not from the vocabulary's facts) -------------

def _events(f: Firing, etype: str) -> list[Any]:
    return [e for e in f.facts["ctx"].events_of(etype)]


def _latest(f: Firing, etype: str) -> Any:
    events = _events(f, etype)
    return events[-1] if events else None


def _days(f: Firing, t: datetime) -> int:
    return (f.at.date() - t.astimezone(f.at.tzinfo).date()).days


def _decisive(f: Firing) -> Any:
    """The latest outcome event, unless an interview came after it."""
    found = [e for t in ("rejected", "offer", "withdrew", "accepted_other_offer", "position_on_hold")
             for e in _events(f, t)]
    if not found:
        return None
    latest = max(found, key=lambda e: e.at)
    interview = _latest(f, "interview")
    return None if interview is not None and interview.at > latest.at else latest


def _since_interview(f: Firing, etype: str) -> list[Any]:
    interview = _latest(f, "interview")
    return [] if interview is None else [e for e in _events(f, etype) if e.at >= interview.at]


def _violations(firings: list[Firing], bad: Callable[[Firing, str, Any], str | None]) -> list[str]:
    out = []
    for f in firings:
        for pid, rule in f.rules:
            why = bad(f, pid, rule)
            if why:
                out.append(f"{f.log} at {f.at:%Y-%m-%d %H:%M}: {pid}/{rule.id} {why}")
    return out


# -- the invariants -----------------------------------------------------------------

def late_thank_you(f: Firing, pid: str, rule: Any) -> str | None:
    if rule.action not in NOTE_ACTIONS or rule.stance == "avoid":
        return None
    interview = _latest(f, "interview")
    decided = _decisive(f)
    if decided is not None and decided.type == "rejected" and _days(f, decided.at) <= THANK_YOU_DAYS:
        return None
    if interview is not None and _days(f, interview.at) <= THANK_YOU_DAYS:
        return None
    return f"advises {rule.action} {_days(f, interview.at) if interview else '?'} days after the interview"


def contact_after_decision(f: Firing, pid: str, rule: Any) -> str | None:
    decided = _decisive(f)
    if decided is None or rule.stance == "avoid":
        return None
    if decided.type in FINAL and rule.action in CONTACT_ACTIONS:
        return f"advises {rule.action} after {decided.type}"
    if decided.type == "rejected" and rule.action in CHASE_ACTIONS:
        return f"chases the decision ({rule.action}) after a rejection"
    return None


def _says_wait(f: Firing, pid: str) -> bool:
    return any(p == pid and r.action == "check_in" and r.stance == "avoid" for p, r in f.rules)


def contact_while_waiting(f: Firing, pid: str, rule: Any) -> str | None:
    if rule.stance != "avoid" and rule.action in {"check_in", "keep_in_touch", "send_value_add",
                                                  "ask_about_next_steps"} and _says_wait(f, pid):
        return f"says {rule.stance} {rule.action} while the same source says avoid check_in"
    return None


def _date_passed(f: Firing, t: datetime | None) -> bool:
    return t is not None and _days(f, t) >= 1


TRIGGERS: dict[tuple[str, str], tuple[str, Callable[[Firing], bool]]] = {
    ("careerbuilder", "ask-when-to-follow-up"): (
        "a reply said they have not decided or await approval",
        lambda f: any(e.fields.get("status") for e in _since_interview(f, "reply_received"))),
    ("careerbuilder", "ask-insider-which-tactic"): (
        "you know someone at the company", lambda f: bool(_events(f, "company_contact"))),
    ("careerbuilder", "ask-to-be-considered-later"): (
        "rejected by a company you like that was positive about you",
        lambda f: (r := _latest(f, "rejected")) is not None and r.fields.get("you_like_company") is True
        and r.fields.get("positive_about_you") is True),
    ("careerbuilder", "keep-in-touch-after-rejection"): (
        "rejected by a company you like",
        lambda f: (r := _latest(f, "rejected")) is not None and r.fields.get("you_like_company") is True),
    **{("followup-guide", rule): (
        "a face-to-face interview, before it ended",
        lambda f: (i := _latest(f, "interview")) is not None and i.fields.get("format") == "in_person"
        and f.at <= i.at + timedelta(minutes=i.fields.get("duration_minutes") or 60))
       for rule in ("thank-everyone-when-leaving", "ask-next-steps-when-leaving", "collect-contact-details")},
    ("followup-guide", "use-their-medium"): (
        "a reply named a medium",
        lambda f: any(e.fields.get("preferred_channel") for e in _since_interview(f, "reply_received"))),
    ("hayes", "keep-lines-open-while-positive"): (
        "every reply of the round positive, or asked to keep them apprised",
        lambda f: bool(rs := _since_interview(f, "reply_received")) and (
            all(e.fields.get("tone") == "positive" for e in rs) or any(e.fields.get("keep_apprised") for e in rs))),
    **{("hayes", rule): (
        "two weeks after the interview, their latest reply positive",
        lambda f: _days(f, _latest(f, "interview").at) >= 14
        and _latest(f, "reply_received").fields.get("tone") == "positive")
       for rule in ("keep-in-touch-while-undecided", "vary-your-messages")},
    ("hayes", "follow-up-when-invited"): (
        "the date they invited a check-in after is over",
        lambda f: any(_date_passed(f, e.fields.get("check_in_after")) for e in _since_interview(f, "reply_received"))),
    ("cheatsheet", "follow-their-timeline"): (
        "the timeline they gave this round is over",
        lambda f: any(_date_passed(f, e.fields.get("check_in_after")) for e in _since_interview(f, "reply_received"))
        or any(_date_passed(f, e.fields.get("by")) for e in _since_interview(f, "decision_expected"))),
    **{("cheatsheet", rule): (
        "three follow-ups and three weeks without an answer",
        lambda f: _days(f, max([_latest(f, "interview").at] + [e.at for e in _since_interview(f, "reply_received")])) >= 21)
       for rule in ("stop-following-up-after-weeks-of-silence", "move-on-after-weeks-of-silence", "keep-hunting")},
    ("halpin", "tell-your-references"): (
        "an interview held or scheduled",
        lambda f: bool(_events(f, "interview")) or bool(_events(f, "interview_scheduled"))),
}


def missing_trigger(f: Firing, pid: str, rule: Any) -> str | None:
    entry = TRIGGERS.get((pid, rule.id))
    if entry is None or entry[1](f):
        return None
    return f"fires without its article's trigger: {entry[0]}"


INVARIANTS = [late_thank_you, contact_after_decision, contact_while_waiting, missing_trigger]


def test_the_sweep_covers_enough(firings_1_1):
    logs = {f.log for f in firings_1_1}
    assert len([name for name in logs if name.startswith("generated-")]) >= 30
    assert len(firings_1_1) >= len(logs) * 90 * 8
    fired = {(pid, r.id) for f in firings_1_1 for pid, r in f.rules}
    assert set(TRIGGERS) <= fired, f"triggers never exercised: {sorted(set(TRIGGERS) - fired)}"


@pytest.mark.parametrize("invariant", INVARIANTS, ids=[i.__name__ for i in INVARIANTS])
def test_invariant_holds_on_1_1_0(firings_1_1, invariant):
    found = _violations(firings_1_1, invariant)
    assert found == [], f"{len(found)} violations, e.g.\n" + "\n".join(found[:10])


@pytest.mark.parametrize("invariant", [late_thank_you, missing_trigger, contact_while_waiting],
                         ids=["late_thank_you", "missing_trigger", "contact_while_waiting"])
def test_the_same_sweep_finds_the_defects_of_1_0_0(firings_1_0, invariant):
    assert _violations(firings_1_0, invariant), "the 1.0.0 policies pass: this check cannot fail"
