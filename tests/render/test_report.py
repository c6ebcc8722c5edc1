"""Reports: golden output on the examples, the JSON schema, determinism,
thread safety, pickling, and that evaluation never mutates its inputs."""

from __future__ import annotations

import copy
import json
import os
import pickle
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import jsonschema
import pytest

from engine.model.eventlog import EventLog, load_log
from engine.runtime.evaluation import evaluate
from engine.render import render_report
from engine.render.first_screen import FIRST_SCREEN_DAYS, render_first_screen
from engine.render.plan_text import render_plan_text
from engine.runtime.plan import build_plan

from examples import EXAMPLES, ROOT, moment_of

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
SCHEMA = json.loads((ROOT / "schemas" / "report.schema.json").read_text())
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"


def report_for(path: Path, policies):
    log = load_log(path.relative_to(ROOT), policies.vocabulary)
    return evaluate(policies, log, datetime.fromisoformat(moment_of(path)))


@pytest.fixture(autouse=True)
def at_root(monkeypatch):
    monkeypatch.chdir(ROOT)


def rendered_as(example: Path, fmt: str, policies) -> str:
    if fmt == "first-screen":
        log = load_log(example.relative_to(ROOT), policies.vocabulary)
        at = datetime.fromisoformat(moment_of(example))
        return render_first_screen(evaluate(policies, log, at), build_plan(policies, log, at, FIRST_SCREEN_DAYS))
    if fmt == "markdown-answer":  # rules explain --format markdown: the answer, then the evidence
        log = load_log(example.relative_to(ROOT), policies.vocabulary)
        at = datetime.fromisoformat(moment_of(example))
        return render_report(evaluate(policies, log, at), "markdown",
                             plan=build_plan(policies, log, at, FIRST_SCREEN_DAYS))
    if fmt == "plan":
        log = load_log(example.relative_to(ROOT), policies.vocabulary)
        return render_plan_text(build_plan(policies, log, datetime.fromisoformat(moment_of(example)), 30))
    return render_report(report_for(example, policies), fmt)


@pytest.mark.parametrize("fmt,ext", [("first-screen", "txt"), ("text", "details.txt"), ("markdown", "md"),
                                     ("markdown-answer", "answer.md"),
                                     ("json", "json"), ("plan", "plan.txt")])
@pytest.mark.parametrize("example", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_golden(example, fmt, ext, policies):
    rendered = rendered_as(example, fmt, policies)
    golden = GOLDEN / f"{example.stem}.{ext}"
    if UPDATE:
        golden.write_text(rendered, encoding="utf-8")
    assert golden.exists(), f"{golden} is missing; write it with UPDATE_GOLDEN=1 and review it"
    assert rendered == golden.read_text(encoding="utf-8"), \
        f"{golden} differs; if the change is intended, rerun with UPDATE_GOLDEN=1 and review the diff"


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_json_matches_schema(example, policies):
    jsonschema.validate(report_for(example, policies).to_dict(), SCHEMA)


def test_report_has_spec_shape(policies):
    d = report_for(ROOT / "examples" / "waiting-past-date.yaml", policies).to_dict()
    assert d["at"] == "2026-11-23T09:00:00-05:00" and d["timezone"] == "America/New_York"
    assert {p["policy"] for p in d["policies"]} == {"careerbuilder", "hayes", "followup-guide", "cheatsheet", "halpin"}
    check_in = next(a for a in d["advice"] if a["action"] == "check_in")
    rec = next(r for r in check_in["recommendations"] if r["rule"] == "check-in-after-stated-date")
    assert rec["policy"] == "hayes" and rec["stance"] == "may" and rec["grade"] == "weak"
    assert "days_since(round_deadline) = 3" in rec["trace"]
    assert rec["facts"]["round_deadline"]["from"] == ["decision_expected (line 8)"]
    # phone satisfies every source's channel for check_in: not a conflict (issue 14)
    assert [(c["kind"], c["actions"]) for c in d["conflicts"]] == [("opposed", ["connect_on_social"])]
    agreed = next(c for c in d["consensus"] if c["action"] == "check_in")
    # 1.1.0: hayes and followup-guide permit a check-in ("may"), cheatsheet and halpin advise it
    assert agreed["for"] == ["cheatsheet", "halpin"] and agreed["optional"] == ["followup-guide", "hayes"]
    assert agreed["satisfied_by"] == {"channel": ["phone"], "recipient": ["interviewer"]}
    assert agreed["silent"] == ["careerbuilder"]


def test_not_firing_lists_other_sources_with_next_moment(policies):
    log = load_log(ROOT / "examples" / "just-interviewed.yaml")
    report = evaluate(policies, log, datetime(2026, 11, 16, 14, 0))
    check_in = next(g for g in report.advice if g.action == "check_in")
    hayes = next(n for n in check_in.not_firing if n.rule == "check-in-after-stated-date")
    assert hayes.status == "false"
    assert "days_since(round_deadline) >= 3" in hayes.because
    # deadline Fri 20 Nov + 3 calendar days = Mon 23 Nov, local midnight
    assert hayes.next_fires_at == "2026-11-23T00:00:00-05:00"
    invited = next(n for n in check_in.not_firing if n.rule == "follow-up-when-invited")
    assert invited.status == "unknown" and "round_check_in_after unknown" in invited.because


def test_deterministic_across_processes():
    """Same inputs, byte-identical JSON, even with different hash seeds."""
    outputs = set()
    for seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=seed, PYTHONPATH=str(ROOT))
        out = subprocess.run([sys.executable, "-m", "engine", "explain", "examples/weeks-of-silence.yaml",
                              "--at", "2026-11-23T09:00", "--format", "json"],
                             cwd=ROOT, env=env, capture_output=True, check=True)
        outputs.add(out.stdout)
    assert len(outputs) == 1


def test_threads_share_one_policy_set(policies):
    logs = [(load_log(p), datetime.fromisoformat(moment_of(p))) for p in EXAMPLES]
    expected = [evaluate(policies, log, at).to_json() for log, at in logs]
    with ThreadPoolExecutor(max_workers=8) as pool:
        for _ in range(3):
            got = list(pool.map(lambda item: evaluate(policies, item[0], item[1]).to_json(), logs * 4))
            assert got == expected * 4


def test_pickle_round_trip(policies):
    clone = pickle.loads(pickle.dumps(policies))
    log = load_log(ROOT / "examples" / "rejected.yaml")
    log2 = pickle.loads(pickle.dumps(log))
    at = datetime(2026, 11, 23, 12)
    assert evaluate(clone, log2, at).to_json() == evaluate(policies, log, at).to_json()


def test_evaluate_does_not_mutate_inputs(policies):
    log = load_log(ROOT / "examples" / "waiting-past-date.yaml")
    before_events = [(e.type, e.at, dict(e.fields)) for e in log.events]
    before_rules = copy.deepcopy([(p.id, [(r.id, r.when, dict(r.params)) for r in p.rules]) for p in policies])
    evaluate(policies, log, datetime(2026, 11, 23, 9))
    assert [(e.type, e.at, dict(e.fields)) for e in log.events] == before_events
    assert [(p.id, [(r.id, r.when, dict(r.params)) for r in p.rules]) for p in policies] == before_rules


def test_from_dict_matches_file(policies):
    import yaml
    path = ROOT / "examples" / "rejected.yaml"
    data = yaml.safe_load(path.read_text())
    for e in data["events"]:  # safe_load turns timestamps into objects; the API accepts ISO text
        for k, v in list(e.items()):
            if hasattr(v, "isoformat"):
                e[k] = v.isoformat()
    at = datetime(2026, 11, 23, 12)
    a = evaluate(policies, EventLog.from_dict(data, policies.vocabulary), at).to_dict()
    b = evaluate(policies, load_log(path), at).to_dict()
    assert [g["action"] for g in a["advice"]] == [g["action"] for g in b["advice"]]


def test_naive_moment_is_local_time(policies):
    log = load_log(ROOT / "examples" / "invited-check-in.yaml")
    report = evaluate(policies, log, datetime(2026, 12, 8, 9, 0))
    assert report.at == "2026-12-08T09:00:00+00:00" and report.timezone == "Europe/London"
