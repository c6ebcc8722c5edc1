"""Big input: load and evaluate event logs of 1,000, 10,000 and 100,000
events with the bundled policies, and print load time, evaluation time (fast
path and full explanation) and peak memory for each size.

    python benchmarks/big_input.py [--sizes 1000,10000,100000] [--json]

The log is synthetic but valid: every event type of the bundled vocabulary,
with valid fields, one event every 3 hours in America/New_York, written as
YAML to a temporary file so that loading includes parsing and validation.
Each size runs in a fresh interpreter; memory is that process's peak
resident set size (``ru_maxrss``) before loading the log, after loading it,
and after both evaluations. Times are wall-clock, without tracing overhead.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import engine  # noqa: E402

START = datetime(2020, 1, 6, 9, 0)
NAMES = ["Jane Roe", "Sam Poe", "Ada Moe"]


def big_events(n: int, start: datetime = START, step: timedelta = timedelta(hours=3)) -> list[dict]:
    """``n`` valid events of every type, in time order, as log data."""
    kinds = [
        lambda t: {"type": "interview", "interviewers": NAMES[: 1 + t.day % 3],
                   "format": ("in_person", "phone", "video")[t.day % 3], "asked_next_steps": t.day % 2 == 0},
        lambda t: {"type": "decision_expected", "by": (t + timedelta(days=4)).date().isoformat()},
        lambda t: {"type": "notes_written"},
        lambda t: {"type": "thank_you_sent", "to": NAMES[:2], "channel": "email", "personalized": True},
        lambda t: {"type": "references_notified"},
        lambda t: {"type": "profiles_reviewed"},
        lambda t: {"type": "follow_up_sent", "channel": ("email", "phone", "linkedin")[t.day % 3],
                   "kind": "check_in"},
        lambda t: {"type": "reply_received", "tone": ("positive", "neutral", "negative")[t.day % 3],
                   "check_in_after": (t + timedelta(days=7)).date().isoformat()},
        lambda t: {"type": "social_connection", "network": "linkedin"},
        lambda t: {"type": "proofread_by_other"},
        lambda t: {"type": "follow_up_sent", "channel": "email", "kind": "value_add"},
        lambda t: {"type": "position_on_hold"},
        lambda t: {"type": "interview", "interviewers": ["Sam Poe"], "format": "video"},
    ]
    events = []
    for i in range(n):
        t = start + i * step
        event = kinds[i % len(kinds)](t)
        event["at"] = t.isoformat(timespec="minutes")
        events.append(event)
    return events


def write_log(path: Path, events: list[dict], timezone: str = "America/New_York") -> None:
    """Write a log as YAML, one flow mapping per event (as people write them)."""
    lines = ["subject: Big input", f"timezone: {timezone}", "events:"]
    for e in events:
        items = []
        for k, v in e.items():
            if isinstance(v, list):
                v = "[" + ", ".join(v) + "]"
            elif isinstance(v, bool):
                v = "true" if v else "false"
            items.append(f"{k}: {v}")
        lines.append("  - {" + ", ".join(items) + "}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _rss_mb() -> float:
    """Peak resident memory of this process so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3


def measure_one(path: Path) -> dict:
    """Load and evaluate one log file in this (fresh) process."""
    policies = engine.load_policies()
    base = _rss_mb()
    started = time.perf_counter()
    log = engine.load_log(path, policies.vocabulary)
    load_s = time.perf_counter() - started
    after_load = _rss_mb()
    last = log.events[-1].at + timedelta(hours=1)
    started = time.perf_counter()
    fast = engine.evaluate(policies, log, last, explain=False)
    fast_s = time.perf_counter() - started
    started = time.perf_counter()
    full = engine.evaluate(policies, log, last, explain=True)
    full_s = time.perf_counter() - started
    text = full.to_json()
    assert fast.fired() == full.fired()
    return {"events": len(log), "file_mb": round(path.stat().st_size / 1e6, 2),
            "load_s": round(load_s, 2), "evaluate_fast_s": round(fast_s, 3),
            "evaluate_explain_s": round(full_s, 3), "report_kb": round(len(text) / 1e3),
            "rss_before_mb": round(base), "peak_rss_load_mb": round(after_load),
            "peak_rss_mb": round(_rss_mb()), "fired": len(full.fired())}


def run(sizes: list[int]) -> list[dict]:
    """Each size in a fresh interpreter, so that peak memory is its own."""
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            path = Path(tmp) / f"log-{n}.yaml"
            print(f"{n} events …", file=sys.stderr, flush=True)
            # written by another process: a child inherits its parent's peak RSS
            subprocess.run([sys.executable, __file__, "--write", str(n), str(path)], check=True)
            done = subprocess.run([sys.executable, __file__, "--one", str(path)],
                                  capture_output=True, text=True, check=True)
            rows.append(json.loads(done.stdout))
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000,10000,100000", help="comma-separated event counts")
    ap.add_argument("--json", action="store_true", help="print the rows as JSON")
    ap.add_argument("--one", metavar="LOG", help=argparse.SUPPRESS)
    ap.add_argument("--write", nargs=2, metavar=("N", "LOG"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.write:
        write_log(Path(args.write[1]), big_events(int(args.write[0])))
        return 0
    if args.one:
        print(json.dumps(measure_one(Path(args.one))))
        return 0
    rows = run([int(s) for s in args.sizes.split(",")])
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    head = (f"{'events':>8} {'file MB':>8} {'load s':>8} {'fast s':>8} {'explain s':>10} "
            f"{'report kB':>10} {'RSS before':>11} {'peak load':>10} {'peak all':>9}")
    print(head)
    for r in rows:
        print(f"{r['events']:>8} {r['file_mb']:>8} {r['load_s']:>8} {r['evaluate_fast_s']:>8} "
              f"{r['evaluate_explain_s']:>10} {r['report_kb']:>10} {r['rss_before_mb']:>11} "
              f"{r['peak_rss_load_mb']:>10} {r['peak_rss_mb']:>9}")
    print("(memory: peak resident set size of a fresh process, in MB: before loading the log "
          "(interpreter and policies), after loading it, after both evaluations)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
