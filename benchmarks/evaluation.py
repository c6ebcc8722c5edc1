"""How fast is a whole evaluation? Logs per second, on one core, of

* ``engine.evaluate(policies, log, at, explain=False)`` with every bundled
  policy, over a corpus of realistic logs (``corpus.py``; target ≥ 10,000/s);
* ``fired_rules`` alone (the facts and the conditions, no report);
* policy halpin@1.0.0 alone against a hand-written Python function that computes
  the same fired rules (ids and stances) straight from the ``EventLog`` — the
  limit. It is checked against the engine on every log of the corpus before
  anything is timed (target: engine ≤ 2x its time).

    python benchmarks/evaluation.py [--logs 10000] [--rounds 3] [--quick] [--json] [--profile]
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from bisect import bisect_right
from datetime import datetime
from operator import attrgetter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # benchmark this working tree, not an installed copy
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _table import (MEASURE_COLUMNS, Result, best_of_blocks, measure_row, per_second,  # noqa: E402
                    render, seconds)
from corpus import AT, generate  # noqa: E402

import engine  # noqa: E402
from engine.runtime.evaluation import fired_rules, report_json, resolve_moment  # noqa: E402
from engine.model.eventlog import EventLog, parse_jsonl_line  # noqa: E402
from engine.runtime.facts import FactContext  # noqa: E402

TARGET_RATE = 10_000  # logs/s, all bundled policies, explain=False
TARGET_HAND = 2.0     # engine time / hand-written time, policy halpin
BLOCK = 250           # logs per timed block


# -- the limit: policy halpin by hand ------------------------------------------------

_OUTCOMES = (("rejected", "rejected"), ("offer", "offer"), ("position_on_hold", "on_hold"))
_at = attrgetter("at")


def halpin_by_hand(log: EventLog, now: datetime) -> list[tuple[str, str]]:
    """The (rule id, stance) of every rule of policies/halpin/1.0.0.yaml that
    fires for ``log`` at ``now`` (aware), in the policy's order — written out
    by hand in one pass over the events, as a programmer would without an
    engine. Null-as-unknown is spelled out where a value can be missing."""
    interview = None            # the latest interview
    thanks = contacts = proofread = 0  # strictly after the latest interview
    last_thank = last_reply = None
    references = profiles = False
    decisive: dict[str, Any] = {}  # outcome event type -> its latest event
    events = log.events  # in time order: those up to now by bisection, not a test each
    for e in events[:bisect_right(events, now, key=_at)]:
        at = e.at
        t = e.type
        if t == "follow_up_sent":
            if interview is not None and at > interview.at:
                contacts += 1
        elif t == "reply_received":
            last_reply = e
        elif t == "thank_you_sent":
            last_thank = e
            if interview is not None and at > interview.at:
                thanks += 1
        elif t == "interview":
            interview = e
            thanks = contacts = proofread = 0
        elif t == "references_notified":
            references = True
        elif t == "profiles_reviewed":
            profiles = True
        elif t == "proofread_by_other":
            if interview is not None and at > interview.at:
                proofread += 1
        elif t in ("rejected", "offer", "position_on_hold"):
            decisive[t] = e
    latest = None
    for t, _ in _OUTCOMES:
        e = decisive.get(t)
        if e is not None and (latest is None or e.at >= latest.at):
            latest = e
    pending = latest is None or (interview is not None and interview.at > latest.at)
    fired: list[tuple[str, str]] = []
    if not pending:
        return fired
    if interview is None:
        if not profiles:
            fired.append(("review-social-profiles", "do"))
        return fired
    tz = log.tz
    today = now.astimezone(tz).date()
    first_day = (now - interview.at).total_seconds() <= 24 * 3600 and thanks == 0
    if first_day:
        fired += [("thank-by-email-within-24-hours", "do"), ("say-you-are-still-interested", "do"),
                  ("explain-why-you-fit", "do"), ("include-your-contact-information", "do")]
    if not references:
        fired.append(("tell-your-references", "do"))
    if not profiles:
        fired.append(("review-social-profiles", "do"))
    # not thank_you_sent or last("thank_you_sent").channel != "handwritten"
    # (an unknown channel leaves it unknown: not fired)
    if thanks == 0 or (last_thank.fields.get("channel") or "handwritten") != "handwritten":
        fired.append(("handwritten-note-to-everyone-you-met", "do"))
    if ((today - interview.at.astimezone(tz).date()).days >= 7 and contacts == 0
            and (last_reply is None or (today - last_reply.at.astimezone(tz).date()).days >= 7)):
        fired.append(("call-after-a-week", "do"))
    if contacts >= 1:
        fired.append(("dont-contact-more-than-once", "avoid"))
    fired += [("dont-ask-references-to-call", "avoid"), ("dont-friend-the-interviewer", "avoid"),
              ("dont-post-about-the-interview", "avoid")]
    if first_day and proofread == 0:
        fired.append(("have-it-proofread-by-someone", "do"))
    return fired


# -- the run -------------------------------------------------------------------------

def build_corpus(n: int, vocabulary) -> list[tuple[EventLog, datetime, str]]:
    """``n`` logs with the moment each is evaluated at (AT, local in its zone)
    and the log as a line of JSON Lines."""
    corpus = []
    for i, data in enumerate(generate(n, seed=1)):
        log = EventLog.from_dict(data, vocabulary, source=f"corpus:{i + 1}")
        corpus.append((log, resolve_moment(AT, log), json.dumps(data, ensure_ascii=False)))
    return corpus


def check_by_hand(halpin, corpus: list[tuple[EventLog, datetime, str]]) -> dict[str, int]:
    """Assert that the hand-written function agrees with the engine on every log."""
    vocabulary = halpin.vocabulary
    fired_somewhere: dict[str, int] = {}
    for i, (log, now, _) in enumerate(corpus):
        ours = [(r.id, r.stance) for _, r in fired_rules(halpin, FactContext(vocabulary, log, now))]
        hand = halpin_by_hand(log, now)
        assert hand == ours, f"log {i}: by hand {hand}, engine {ours}"
        for rule_id, _ in ours:
            fired_somewhere[rule_id] = fired_somewhere.get(rule_id, 0) + 1
    return fired_somewhere


def run(n: int = 10_000, rounds: int = 3) -> Result:
    started = time.perf_counter()
    policies = engine.load_policies()
    # The hand-written limit is halpin@1.0.0 (written out above); the rows with
    # every bundled policy time the versions loaded by default (1.1.0).
    halpin = engine.load_policies(select=["halpin@1.0.0"])
    # the same five sources at 1.0.0, for the cost of the 1.1.0 reading (issue 15)
    old = engine.load_policies(select=[f"{p.id}@1.0.0" for p in policies])
    vocabulary = policies.vocabulary
    corpus = build_corpus(n, vocabulary)
    events = sum(len(log) for log, _, _ in corpus)
    partial = sum(1 for log, now, _ in corpus if log.events and log.events[-1].at > now)
    coverage = check_by_hand(halpin, corpus)
    never = [r.id for r in halpin.policies[0].rules if r.id not in coverage]
    assert not never, f"halpin rules that fire on no corpus log: {never}"
    reports = [engine.evaluate(policies, log, now, explain=False) for log, now, _ in corpus]
    rules = sum(len(p.rules) for p in policies)
    fired_per_log = sum(len(r.fired()) for r in reports) / n
    del reports

    def evaluate_all(block) -> None:
        for log, now, _ in block:
            engine.evaluate(policies, log, now, explain=False)

    def fired_all(block) -> None:
        for log, now, _ in block:
            fired_rules(policies, FactContext(vocabulary, log, now))

    def evaluate_old(block) -> None:
        for log, now, _ in block:
            engine.evaluate(old, log, now, explain=False)

    def halpin_evaluate(block) -> None:
        for log, now, _ in block:
            engine.evaluate(halpin, log, now, explain=False)

    def halpin_fired(block) -> None:
        own = halpin.vocabulary  # as evaluate() does: the context of the set's own vocabulary
        for log, now, _ in block:
            fired_rules(halpin, FactContext(own, log, now))

    def halpin_hand(block) -> None:
        for log, now, _ in block:
            halpin_by_hand(log, now)

    def json_all(block) -> None:
        for log, now, _ in block:
            engine.evaluate(policies, log, now, explain=False).to_json(indent=None)

    def report_json_all(block) -> None:
        for log, now, _ in block:
            report_json(policies, log, now)

    def read_all(block) -> None:
        for _, _, line in block:
            parse_jsonl_line(line, "corpus", vocabulary)

    def first_pass() -> None:
        # what the evaluator learns about a policy set as it goes (advice and
        # conflicts per set of fired rules): each round starts without it
        for policy_set in (policies, halpin, old):
            cache = getattr(policy_set, "_cache", None)
            if cache is not None:
                cache.clear()

    blocks = [corpus[i:i + BLOCK] for i in range(0, n, BLOCK)]
    best = best_of_blocks({"evaluate": evaluate_all, "evaluate-1.0.0": evaluate_old, "fired": fired_all,
                           "h-evaluate": halpin_evaluate, "h-fired": halpin_fired,
                           "h-hand": halpin_hand, "json": json_all, "report_json": report_json_all,
                           "read": read_all}, blocks, rounds=rounds, before_round=first_pass)
    rate = {k: n / v for k, v in best.items()}
    hand = f"by hand: {per_second(rate['h-hand'], 'logs')}"
    rows = [
        measure_row(f"evaluate, {len(policies)} policies ({rules} rules), explain=False",
                    per_second(rate["evaluate"], "logs"), f"target: {TARGET_RATE:,} logs/s",
                    rate["evaluate"] / TARGET_RATE, ">= 1"),
        measure_row("  per log", seconds(best["evaluate"] / n), "evaluate"),
        measure_row(f"  the same with the 1.0.0 policies ({sum(len(p.rules) for p in old)} rules)",
                    per_second(rate["evaluate-1.0.0"], "logs"), "evaluate (1.1.0) over it",
                    best["evaluate"] / best["evaluate-1.0.0"]),
        measure_row(f"fired_rules alone ({rules} rules, facts included)",
                    per_second(rate["fired"], "logs"), "its share of evaluate's time",
                    best["fired"] / best["evaluate"]),
        measure_row("  report building (evaluate - fired_rules)",
                    seconds((best["evaluate"] - best["fired"]) / n), "per log"),
        measure_row("evaluate + report.to_json(indent=None)", per_second(rate["json"], "logs"),
                    "evaluate", best["json"] / best["evaluate"]),
        measure_row("report_json: the same JSON text", per_second(rate["report_json"], "logs"),
                    "evaluate + to_json", best["report_json"] / best["json"]),
        measure_row("reading a log from its JSON line (parse_jsonl_line)",
                    per_second(rate["read"], "logs"), "report_json",
                    best["read"] / best["report_json"]),
        measure_row("halpin alone: fired_rules (13 rules)", per_second(rate["h-fired"], "logs"),
                    hand, best["h-fired"] / best["h-hand"], f"<= {TARGET_HAND:g}"),
        measure_row("halpin alone: evaluate, explain=False", per_second(rate["h-evaluate"], "logs"),
                    hand, best["h-evaluate"] / best["h-hand"]),
    ]
    notes = [
        f"Python {platform.python_version()}, one process, one thread. Corpus: {n:,} logs "
        f"(seed 1), {events / n:.1f} events per log on average ({events:,} in all), "
        f"{partial:,} of them with events after the moment; {fired_per_log:.1f} rules fire "
        f"per log; evaluated at {AT.isoformat(timespec='minutes')} local time.",
        f"CPU time of this process; the corpus in blocks of {BLOCK} logs, each block the best "
        f"of {rounds} interleaved runs per contender, summed. The log objects are built first "
        f"(not timed, but in the row 'reading a log', which builds them from their JSON "
        f"lines); the moment is an aware datetime in the log's zone. Each round starts "
        f"with the policy sets' caches empty (a first pass).",
        f"The hand-written halpin agrees with the engine on all {n:,} logs "
        f"(each of its 13 rules fires on some: {min(coverage.values()):,} to "
        f"{max(coverage.values()):,} logs).",
        f"ratio: the engine's time over the reference's (lower is better), or logs/s over "
        f"the target (higher is better). {time.perf_counter() - started:.0f} s in all.",
    ]
    return {"title": "evaluation (benchmarks/evaluation.py)", "columns": MEASURE_COLUMNS,
            "rows": rows, "notes": notes}


def profile(n: int, top: int = 30) -> None:
    """cProfile of evaluate(explain=False) over the corpus, by own time."""
    import cProfile
    import pstats

    policies = engine.load_policies()
    corpus = build_corpus(n, policies.vocabulary)
    prof = cProfile.Profile()
    prof.enable()
    for log, now, _ in corpus:
        engine.evaluate(policies, log, now, explain=False)
    prof.disable()
    pstats.Stats(prof).sort_stats("tottime").print_stats(top)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--logs", type=int, default=10_000, help="corpus size")
    ap.add_argument("--rounds", type=int, default=3, help="timed passes per contender (best kept)")
    ap.add_argument("--quick", action="store_true", help="1,000 logs, one pass: a smoke test")
    ap.add_argument("--json", action="store_true", help="print the result as JSON (for run.py)")
    ap.add_argument("--profile", action="store_true", help="print a cProfile of evaluate instead")
    args = ap.parse_args(argv)
    n, rounds = (1_000, 1) if args.quick else (args.logs, args.rounds)
    if args.profile:
        profile(n)
        return 0
    result = run(n, rounds)
    print(json.dumps(result) if args.json else render([result]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
