"""Start-up of the ``rules`` command: what a fresh process imports (the CLI
imports each command's modules only when that command runs), and the
shortcuts of the "when would it next apply" search — later contexts shared
per moment, the clock's moments worked out once — which must change nothing.

No timings here: benchmarks/startup.py measures; these tests pin behaviour.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from datetime import datetime, time, timedelta

from engine.language.compiler import interpret
from engine.model.eventlog import EventLog
from engine.runtime.facts import FactContext
from engine.language.nodes import Binary, Name, walk
from engine.model.policies import default_vocabulary
from engine.input.times import get_zone, localize, parse_moment
from engine.runtime.timing import _SECOND, _analyse, _numbers, change_points, next_change

from examples import ROOT

EXPLAIN = ["explain", "examples/waiting-past-date.yaml", "--at", "2026-11-23T09:00"]

# Runs the CLI's main in a fresh interpreter and reports the modules loaded.
SCRIPT = """
import io, json, sys
from contextlib import redirect_stdout
from engine.cli import main
argv = json.loads(sys.argv[1])
out = io.StringIO()
with redirect_stdout(out):
    code = main(argv) if argv else 0
print(json.dumps({"code": code, "out": out.getvalue(), "modules": sorted(sys.modules)}))
"""

# Modules only other commands (or other formats) need.
OTHER_COMMANDS = ["icalendar", "ruamel", "selenium", "multiprocessing",
                  "engine.render.html", "engine.render.ics", "engine.render.markdown",
                  "engine.render.plan_text", "engine.apps.logedit", "engine.apps.batch", "engine.apps.scenarios",
                  "engine.apps.citations", "engine.runtime.why", "engine.render.why_text"]


def _run(argv: list[str], cache_dir) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT), RULES_CACHE_DIR=str(cache_dir), NO_COLOR="1")
    env.pop("RULES_NO_CACHE", None)
    done = subprocess.run([sys.executable, "-c", SCRIPT, json.dumps(argv)], cwd=ROOT, env=env,
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def _loaded(modules: list[str], names: list[str]) -> list[str]:
    return [m for m in modules if any(m == n or m.startswith(n + ".") for n in names)]


def test_importing_the_cli_loads_no_command(tmp_path):
    result = _run([], tmp_path)  # what `rules --help` and `rules --version` pay for
    assert _loaded(result["modules"], ["yaml", "lark", "jsonschema", "engine.model.policies",
                                       "engine.model.eventlog", "engine.runtime.evaluation",
                                       "engine.render"] + OTHER_COMMANDS) == []


def test_explain_loads_only_what_it_uses(tmp_path):
    first = _run(EXPLAIN, tmp_path)
    again = _run(EXPLAIN, tmp_path)  # the policies now come from the on-disk cache
    for result in (first, again):
        assert result["code"] == 0 and "\nNOW (" in result["out"]
        assert _loaded(result["modules"], OTHER_COMMANDS) == []
    assert again["out"] == first["out"]
    # a cached load parses and validates nothing, and the log is plainly valid
    assert _loaded(again["modules"], ["lark", "jsonschema"]) == []


# --- the "when would it next apply" search -----------------------------------

VOCAB = default_vocabulary()
NEW_YORK = get_zone("America/New_York")


def _log(zone: str = "America/New_York", *events: dict) -> EventLog:
    return EventLog.from_dict({"timezone": zone, "events": list(events)}, VOCAB)


def test_later_contexts_are_kept_per_moment_and_tell_a_repeated_hour_apart():
    log = _log("America/New_York", {"type": "interview", "at": "2026-10-30T10:00",
                                    "interviewers": ["Jane Roe"]})
    ctx = FactContext(VOCAB, log, parse_moment("2026-10-31T09:00", log.tz))
    first = datetime(2026, 11, 1, 1, 30, tzinfo=NEW_YORK)        # 01:30 EDT
    second = first.replace(fold=1)                               # 01:30 EST, an hour later
    assert first == second  # Python's own == cannot tell them apart (same zone)
    early, late = ctx.at(first), ctx.at(second)
    assert early is ctx.at(first) and late is ctx.at(second) and early is not late
    assert early["now"].utcoffset() == timedelta(hours=-4)
    assert late["now"].utcoffset() == timedelta(hours=-5)
    assert early.at(first) is not early  # a later context is a context like any other


def _reference_change_points(condition, ctx, start, end):
    """``change_points`` as written before the clock's moments and each
    condition's use of the clock were kept: everything worked out afresh on
    every call."""
    node = condition.node
    use = _analyse(node, ctx.vocabulary.facts)
    days, hours, hour_args = use.days, use.hours, use.hour_args
    tz = ctx.tz
    points = set()
    if days or hours:
        day = start.astimezone(tz).date()
        last = end.astimezone(tz).date()
        while day <= last:
            day += timedelta(days=1)
            points.add(localize(datetime.combine(day, time()), tz))
    if hours:
        moment = start.astimezone(tz).replace(minute=0, second=0, microsecond=0)
        while moment <= end:
            moment = (moment + timedelta(hours=1)).astimezone(tz)
            points.add(moment)
    if hour_args:
        constants = _numbers(node)
        for arg in hour_args:
            base = interpret(arg, ctx, condition.functions)
            if isinstance(base, datetime):
                for k in constants:
                    at = base + timedelta(hours=k)
                    points.update((at, at + _SECOND))
    for n in walk(node):
        if isinstance(n, Binary) and n.op in ("<", "<=", ">", ">=", "==", "!="):
            for side in (n.left, n.right):
                if isinstance(side, Name):
                    value = ctx[side.name]
                    if isinstance(value, datetime):
                        points.update((value, value + _SECOND))
    return [p.astimezone(tz) for p in sorted(p for p in points if start < p <= end)]


def _reference_next_change(condition, ctx, want, horizon):
    for moment in _reference_change_points(condition, ctx, ctx.now, ctx.now + horizon):
        fresh = FactContext(VOCAB, ctx.view, moment)  # nothing shared, nothing carried
        if (condition.fn(fresh) is True) == want:
            return moment
    return None


def _random_log(rng: random.Random, zone: str, around: datetime) -> EventLog:
    events = []
    for minutes in sorted(rng.sample(range(-20 * 1440, 2 * 1440), rng.randint(1, 8))):
        at = (around + timedelta(minutes=minutes)).isoformat(timespec="minutes")
        kind = rng.choice(["interview", "thank_you_sent", "follow_up_sent", "reply_received",
                           "decision_expected", "notes_written"])
        event = {"type": kind, "at": at}
        if kind == "interview":
            event["interviewers"] = rng.sample(["Jane Roe", "Sam Poe", "Ann Lee"], rng.randint(1, 3))
        elif kind == "thank_you_sent" and rng.random() < 0.7:
            event["to"] = ["Jane Roe"]
        elif kind == "decision_expected":
            event["by"] = (around + timedelta(days=rng.randint(-5, 10))).date().isoformat()
        elif kind == "reply_received" and rng.random() < 0.5:
            event["check_in_after"] = (around + timedelta(days=rng.randint(0, 9))).isoformat()
        events.append(event)
    return _log(zone, *events)


def _exactly(moments):
    """Moments as text with their fold: ``==`` equates the two readings of a
    repeated hour."""
    if moments is None or isinstance(moments, datetime):
        moments = [moments]
    return [None if m is None else (m.isoformat(), m.fold, str(m.tzinfo)) for m in moments]


def test_next_change_is_what_a_search_from_scratch_finds(policies):
    """Every rule, on logs around both DST changes of zones with 60- and
    30-minute shifts: the same moments, the same first moment it applies (or
    stops applying) as a search sharing and keeping nothing."""
    rng = random.Random(20261101)
    rules = [r for p in policies.policies for r in p.rules]
    changes = [datetime(2026, 3, 8, 1), datetime(2026, 11, 1, 1), datetime(2026, 3, 29, 0),
               datetime(2026, 10, 25, 0), datetime(2026, 4, 5, 1), datetime(2026, 10, 4, 1)]
    zones = ["America/New_York", "Europe/London", "Australia/Lord_Howe", "Asia/Kolkata"]
    for i in range(12):
        around = changes[i % len(changes)] + timedelta(minutes=rng.randint(-3 * 1440, 1440))
        log = _random_log(rng, zones[i % len(zones)], around)
        ctx = FactContext(VOCAB, log, parse_moment(around.isoformat(), log.tz))
        horizon = timedelta(days=rng.choice([1, 3, 10]))
        for rule in rules:
            end = ctx.now + horizon
            assert _exactly(change_points(rule.condition, ctx, ctx.now, end)) == \
                _exactly(_reference_change_points(rule.condition, ctx, ctx.now, end))
            want = rule.condition.fn(ctx) is not True
            assert _exactly(next_change(rule.condition, ctx, want=want, horizon=horizon)) == \
                _exactly(_reference_next_change(rule.condition, ctx, want, horizon)), rule.id
