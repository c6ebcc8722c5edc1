"""How many disagreements does the engine report, of which kinds, and how
many of them are spurious? A sweep over the bundled examples and generated
realistic logs (``corpus.py``), each evaluated every 3 hours for 60 days from
its first event (``--step``, ``--days``), counting conflicts by kind, plus
the two spurious shapes of issue 14: a policy on two sides of one conflict,
and a "details" conflict some value satisfies (``common`` not empty).
``timing`` conflicts need the planner (``evaluate(explain=True)``): they are
counted once a day, at noon (``--timing-step``).

Run it on two trees to compare (it uses only ``evaluate`` and the report):

    python benchmarks/conflict_sweep.py [--logs 30] [--json]
    PYTHONPATH=/path/to/old/tree python benchmarks/conflict_sweep.py --tree /path/to/old/tree
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent


def sweep(tree: Path, n_logs: int, step_hours: int, days: int, timing_hours: int) -> dict[str, int]:
    sys.path.insert(0, str(tree))
    sys.path.insert(1, str(HERE))
    import engine
    from corpus import generate

    policies = engine.load_policies(tree / "policies")
    logs = [engine.load_log(p, policies.vocabulary) for p in sorted((tree / "examples").glob("*.yaml"))]
    logs += [engine.EventLog.from_dict(d, policies.vocabulary) for d in generate(n_logs, seed=14,
                                                                                   min_events=4, max_events=14)]
    counts: Counter[str] = Counter()
    for log in logs:
        start = min(e.at for e in log.events)
        for k in range(days * 24 // step_hours):
            at = start + timedelta(hours=k * step_hours)
            explain = timing_hours and k * step_hours % timing_hours == 0
            report = engine.evaluate(policies, log, at, explain=bool(explain))
            counts["moments"] += 1
            for c in report.conflicts:
                if c.kind == "timing" and not explain:
                    continue
                counts[c.kind] += 1
                sides = [{r.policy for r in side} for side in c.sides]
                if any(a & b for i, a in enumerate(sides) for b in sides[i + 1:]):
                    counts["policy on two sides"] += 1
                if c.kind == "details" and c.common:
                    counts["details some value satisfies"] += 1
    counts["logs"] = len(logs)
    return dict(sorted(counts.items()))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tree", default=str(HERE.parent), help="the source tree to sweep")
    ap.add_argument("--logs", type=int, default=30)
    ap.add_argument("--step", type=int, default=3, help="hours between moments")
    ap.add_argument("--days", type=int, default=60)
    ap.add_argument("--timing-step", type=int, default=24, help="hours between timing counts (0: none)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    started = datetime.now()
    counts = sweep(Path(args.tree), args.logs, args.step, args.days, args.timing_step)
    if args.json:
        print(json.dumps(counts))
    else:
        for k, v in counts.items():
            print(f"{k:<32}{v:>8}")
        print(f"({(datetime.now() - started).total_seconds():.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
