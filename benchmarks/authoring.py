"""What do the author's tools cost? Side by side in one process:

- ``rules check`` collecting every problem (``check_paths``) against the
  loader that stops at the first (``load_policies``, cache off), on the
  bundled policies: the price of going on past errors (target <= 1.5x);
- ``rules fmt`` on every bundled policy, action, vocabulary and scenario
  file, against reading the same files with the engine's YAML reader;
- ``rules diff`` replay: evaluations per second of one policy at one moment
  (two per replayed moment), against ``engine.evaluate`` of the same policy
  with tracing on (what ``explain`` pays).

    python benchmarks/authoring.py [--repeat 5] [--quick] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # benchmark this working tree, not an installed copy
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _table import MEASURE_COLUMNS, best_of, measure_row, render, seconds  # noqa: E402

import engine  # noqa: E402
from engine.apps.checking import check_paths  # noqa: E402
from engine.apps.diff import fired_advice, generated_logs, moments  # noqa: E402
from engine.apps.fmt import format_text  # noqa: E402
from engine.base.resources import policies_dir  # noqa: E402
from engine.input.documents import load_document  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    repeat, budget = (1, 0.05) if args.quick else (args.repeat, 0.5)
    folder = policies_dir()
    rows = []

    t = best_of({"check": (lambda p: check_paths([p]), folder),
                 "load": (lambda p: engine.load_policies(p, cache=False), folder)},
                repeat=repeat, budget=budget)
    rows.append(measure_row("rules check (every problem)", seconds(t["check"]),
                            "load_policies, first error", t["check"] / t["load"], "<= 1.5"))

    files = sorted(folder.rglob("*.yaml")) + sorted((ROOT / "tests" / "scenarios").glob("*.yaml"))
    texts = [(f, f.read_text("utf-8")) for f in files]
    t = best_of({"fmt": (lambda ts: [format_text(x) for _, x in ts], texts),
                 "read": (lambda ts: [load_document(f) for f, _ in ts], texts)},
                repeat=repeat, budget=budget)
    rows.append(measure_row(f"rules fmt ({len(files)} files)", seconds(t["fmt"]),
                            "reading them (load_document)", t["fmt"] / t["read"]))

    policies = engine.load_policies(select=["hayes"])
    entry = generated_logs(1, policies.vocabulary)[0]
    at = moments(entry, 7)[10]
    t = best_of({"replay": (lambda a: fired_advice(policies, entry.log, a), at),
                 "explain": (lambda a: engine.evaluate(policies, entry.log, a), at)},
                repeat=repeat, budget=budget)
    rows.append(measure_row("rules diff: one replayed evaluation", seconds(t["replay"]),
                            "evaluate with tracing", t["replay"] / t["explain"], "<= 1"))

    result = {"title": "author's tools", "columns": MEASURE_COLUMNS, "rows": rows,
              "notes": ["check collects every problem; the loader raises the first"]}
    print(json.dumps(result) if args.json else render([result]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
