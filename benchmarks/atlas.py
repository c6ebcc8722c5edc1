"""How long does the disagreement atlas (``rules conflicts``) take? The
search over the default number of generated logs on the bundled policies,
against the one-minute budget of issue 14, and the cost of one searched log
against one ``evaluate(explain=True)`` of the same log (the search evaluates
each log at every moment its advice can change, so it costs a few dozen
evaluations; side by side in this run). Wall time and the process's CPU
time are both given: on a shared machine the first includes waiting.

    python benchmarks/atlas.py [--quick] [--json]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # benchmark this working tree, not an installed copy
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _table import MEASURE_COLUMNS, Result, measure_row, seconds, script_main  # noqa: E402

import engine  # noqa: E402
from engine.apps.atlas import DEFAULT_MAX_LOGS, conflict_atlas, situations  # noqa: E402

BUDGET = 60.0  # seconds: issue 14's "the atlas runs in under a minute"


def run(quick: bool) -> Result:
    policies = engine.load_policies()
    logs = 20 if quick else DEFAULT_MAX_LOGS
    started, cpu = time.perf_counter(), time.process_time()
    atlas = conflict_atlas(policies, max_logs=logs)
    whole, whole_cpu = time.perf_counter() - started, time.process_time() - cpu
    sample = [engine.EventLog.from_dict(d, policies.vocabulary) for _, d in zip(range(20), situations(policies))]
    started = time.perf_counter()
    for log in sample:
        engine.evaluate(policies, log, max(e.at for e in log.events))
    one_eval = (time.perf_counter() - started) / len(sample)
    per_log = whole / atlas.logs
    rows = [measure_row(f"atlas, {atlas.logs} logs, {atlas.moments} moments", seconds(whole),
                        f"budget {BUDGET:.0f} s", whole / BUDGET, "<= 1"),
            measure_row("  the same, CPU time of the process", seconds(whole_cpu),
                        f"budget {BUDGET:.0f} s", whole_cpu / BUDGET, "<= 1"),
            measure_row("one searched log", seconds(per_log), "evaluate(explain=True) of one log",
                        per_log / one_eval, None)]
    return {"title": "Disagreement atlas (rules conflicts)", "columns": MEASURE_COLUMNS, "rows": rows,
            "notes": [f"{len(atlas.witnesses)} witnesses found; {len(atlas.never_fired)} rules never "
                      f"fired, {len(atlas.shadowed)} shadowed"]}


def main(argv: list[str] | None = None) -> int:
    return script_main(__doc__ or "", run, "20 logs: a smoke test", argv)


if __name__ == "__main__":
    sys.exit(main())
