"""How does evaluation time grow? Time per log of ``evaluate(explain=False)``

* as the events per log grow 10 → 100 → 1,000 → 10,000 (logs from
  ``corpus.py``, all bundled policies), and
* as the rules grow 60 → 600 → 6,000: copies of the bundled rules, each with
  a new id and a condition of its own (``(<when>) and <k> >= 0``: the same
  work, but no two rules share a condition), in 10 policies of a temporary
  policies folder, evaluated on 200 corpus logs.

Each row gives the step's ratio to the row before: linear growth is ~10x per
10x step (less while a fixed cost dominates); a ratio over 12 is flagged — it
grows faster than the input (31.6 would be halfway to quadratic).

    python benchmarks/growth.py [--quick] [--json]
"""

from __future__ import annotations

import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # benchmark this working tree, not an installed copy
sys.path.insert(0, str(Path(__file__).resolve().parent))

import random  # noqa: E402

import yaml  # noqa: E402
from _table import MEASURE_COLUMNS, Result, best_of_blocks, measure_row, seconds, script_main  # noqa: E402
from corpus import AT, generate, make_log  # noqa: E402

import engine  # noqa: E402
from engine.runtime.evaluation import _tables, resolve_moment  # noqa: E402
from engine.model.eventlog import EventLog  # noqa: E402
from engine.runtime.facts import FactContext  # noqa: E402
from engine.base.resources import policies_dir  # noqa: E402

LINEAR = "<= 12"  # per 10x step


def event_logs(n_events: int, count: int, vocabulary) -> list[tuple[EventLog, object]]:
    rnd = random.Random(n_events)
    logs = [EventLog.from_dict(make_log(rnd, n_events, n_events), vocabulary) for _ in range(count)]
    return [(log, resolve_moment(AT, log)) for log in logs]


def synthetic_policies(folder: Path, n_rules: int, n_policies: int = 10) -> None:
    """``n_rules`` copies of the bundled rules in ``n_policies`` policies."""
    bundled = []
    for file in sorted(policies_dir().glob("*/*.yaml")):
        bundled.extend(yaml.safe_load(file.read_text("utf-8"))["rules"])
    per_policy = n_rules // n_policies
    k = 0
    for p in range(n_policies):
        rules = []
        for _ in range(per_policy):
            rule = dict(bundled[k % len(bundled)])
            rule["id"] = f"{rule['id']}-{k}"
            rule["when"] = f"({rule['when']}) and {k} >= 0"
            rules.append(rule)
            k += 1
        doc = {"policy": f"copy-{p}", "version": "1.0.0", "title": f"Copies {p}",
               "source": {"document": "synthetic"}, "requires": ">=1.0",
               "changes": [{"version": "1.0.0", "summary": "Synthetic copies."}], "rules": rules}
        (folder / f"copy-{p}").mkdir()
        (folder / f"copy-{p}" / "1.0.0.yaml").write_text(
            yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), "utf-8")


def per_log(policies, logs, rounds: int, block: int) -> float:
    blocks = [logs[i:i + block] for i in range(0, len(logs), block)]

    def evaluate(chunk) -> None:
        for log, now in chunk:
            engine.evaluate(policies, log, now, explain=False)

    return best_of_blocks({"evaluate": evaluate}, blocks, rounds=rounds)["evaluate"] / len(logs)


def conditions_alone(policies, logs) -> float:
    """CPU seconds per log of the conditions alone: every fact (and shared
    call) already computed, so that what is left is the rules' own cost."""
    tables = _tables(policies)
    contexts = [FactContext(policies.vocabulary, log, now) for log, now in logs]
    for ctx in contexts:
        tables.fired(ctx)
    best = float("inf")
    for _ in range(3):
        started = time.process_time()
        for ctx in contexts:
            tables.fired(ctx)
        best = min(best, time.process_time() - started)
    return best / len(contexts)


def working_set(policies, logs) -> tuple[float, float]:
    """Seconds per call of the first ``BUNDLED`` conditions (one copy of each
    bundled rule) called over and over as many times as there are rules, and
    of every rule's own condition once each: the same work (the copies come
    in the same cycle), only the amount of code touched differs."""
    tables = _tables(policies)
    contexts = [FactContext(policies.vocabulary, log, now) for log, now in logs]
    for ctx in contexts:
        tables.fired(ctx)
    distinct = list(tables.conditions)
    bundled = sum(len(p.rules) for p in engine.load_policies())
    same = [distinct[i % bundled] for i in range(len(distinct))]
    best = {}
    for name, conditions in (("same", same), ("distinct", distinct)) * 3:
        started = time.process_time()
        for ctx in contexts:
            for condition in conditions:
                condition(ctx)
        spent = (time.process_time() - started) / (len(contexts) * len(conditions))
        best[name] = min(best.get(name, spent), spent)
    return best["same"], best["distinct"]


def run(quick: bool = False) -> Result:
    started = time.perf_counter()
    rounds = 1 if quick else 3
    bundled = engine.load_policies()
    rows = []
    event_sizes = (10, 100, 1_000) if quick else (10, 100, 1_000, 10_000)
    counts = {10: 400, 100: 200, 1_000: 40, 10_000: 6}
    previous = None
    for n in event_sizes:
        logs = event_logs(n, counts[n] // (4 if quick else 1), bundled.vocabulary)
        t = per_log(bundled, logs, rounds, block=max(1, len(logs) // 4))
        rows.append(measure_row(f"events per log: {n:,} ({len(logs)} logs)", seconds(t),
                                "per log; ratio to the row above",
                                t / previous if previous else None, LINEAR if previous else None))
        previous = t
    sample = [(log, resolve_moment(AT, log))
              for log in (EventLog.from_dict(d, bundled.vocabulary)
                          for d in generate(50 if quick else 200, seed=4))]
    previous = None
    loads = {}
    per_rule: dict[int, float] = {}
    for n in ((60, 600) if quick else (60, 600, 6_000)):
        with tempfile.TemporaryDirectory() as tmp:
            synthetic_policies(Path(tmp), n)
            t0 = time.perf_counter()
            policies = engine.load_policies(tmp)
            loads[n] = time.perf_counter() - t0
        assert sum(len(p.rules) for p in policies) == n
        t = per_log(policies, sample, rounds, block=50)
        rows.append(measure_row(f"rules: {n:,} (10 policies, {len(sample)} logs)", seconds(t),
                                "per log; ratio to the row above",
                                t / previous if previous else None, LINEAR if previous else None))
        previous = t
        per_rule[n] = conditions_alone(policies, sample) / n
        last_set = policies
    sizes = list(per_rule)
    rows.append(measure_row("  one condition, on a context with every fact computed",
                            " → ".join(seconds(per_rule[n]) for n in sizes),
                            f"per rule at {' → '.join(f'{n:,}' for n in sizes)} rules",
                            per_rule[sizes[-1]] / per_rule[sizes[0]]))
    same, distinct = working_set(last_set, sample[:20])
    rows.append(measure_row(f"  {sizes[-1]:,} calls: of {sum(len(p.rules) for p in bundled)} "
                            f"conditions over and over → of {sizes[-1]:,} distinct ones",
                            f"{seconds(same)} → {seconds(distinct)}", "per call, same work",
                            distinct / same))
    notes = [
        f"Python {platform.python_version()}; CPU time, best of {rounds} rounds per block of "
        f"logs; evaluate(policies, log, at, explain=False) at {AT.isoformat(timespec='minutes')} "
        f"local time. Each round starts where the last ended (the policy set's caches warm).",
        "Loading the synthetic policies (not timed above): " + ", ".join(
            f"{n:,} rules {seconds(s)}" for n, s in loads.items()) + ".",
        "evaluate() runs all the conditions of a policy set as one generated function "
        "(engine/language/compiler.py compile_rule_set). The last two rows call each compiled "
        "condition on its own instead: their time per rule grows with the number of rules "
        "with no algorithmic term (each condition runs once per log) — calling one copy of "
        "each bundled condition over and over, as many calls in all, is cheaper than calling "
        "every copy once, as thousands of distinct functions, each with its own code and "
        "constants, no longer fit the CPU's caches.",
        f"{time.perf_counter() - started:.0f} s in all.",
    ]
    return {"title": "growth (benchmarks/growth.py)", "columns": MEASURE_COLUMNS, "rows": rows,
            "notes": notes}


def main(argv: list[str] | None = None) -> int:
    return script_main(__doc__ or "", run, "smaller sizes, one round: a smoke test", argv)


if __name__ == "__main__":
    sys.exit(main())
