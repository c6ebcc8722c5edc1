"""How long does the ``rules`` command take, start to finish? A whole cold
process of ``rules explain examples/waiting-past-date.yaml --at
2026-11-23T09:00`` (run as ``python -m engine …``, which is what the
``rules`` script runs) against a process that only imports its two heaviest
dependencies, ``python -c "import yaml, lark"`` (target: ≤ 2x), and a
process that does nothing (``python -c pass``), best of N alternating runs;
the same command with the policy cache off shows what a first run costs.
Then ``python -X importtime`` on the same command: the imports that cost
most, and the steps of the run measured inside one process.

    python benchmarks/startup.py [--repeat 15] [--quick] [--json]
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import platform
import shutil
import subprocess
import tempfile
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _table import MEASURE_COLUMNS, Result, measure_row, render, seconds  # noqa: E402

TARGET = 2.0
EXPLAIN = ["-m", "engine", "explain", "examples/waiting-past-date.yaml", "--at", "2026-11-23T09:00"]
COMMANDS = {
    "rules explain": EXPLAIN,
    "rules explain, cache off": EXPLAIN,  # run with RULES_NO_CACHE=1
    "rules explain --details": EXPLAIN + ["--details"],  # the full trace, no first screen (no plan)
    "import yaml, lark": ["-c", "import yaml, lark"],
    "python -c pass": ["-c", "pass"],
}

# The steps of `rules explain`, timed inside one fresh process.
STEPS = r"""
import sys, time, json
marks = [("start", time.perf_counter())]
from engine.cli import main
marks.append(("import the CLI (click)", time.perf_counter()))
from engine.model.policies import load_policies
from engine.model.eventlog import load_log
from engine.runtime.evaluation import evaluate
from engine.render import render_report
from engine.input.times import parse_moment
marks.append(("import the engine", time.perf_counter()))
policies = load_policies()
marks.append(("load the policies", time.perf_counter()))
log = load_log("examples/waiting-past-date.yaml", policies.vocabulary)
marks.append(("load the log", time.perf_counter()))
at = parse_moment("2026-11-23T09:00", log.tz)
report = evaluate(policies, log, at)
marks.append(("evaluate (explain)", time.perf_counter()))
from engine.runtime.plan import build_plan
plan = build_plan(policies, log, at, 21)
marks.append(("plan three weeks (windows for the first screen)", time.perf_counter()))
from engine.render.first_screen import render_first_screen
render_first_screen(report, plan)
marks.append(("render the first screen", time.perf_counter()))
render_report(report, "text", color=False)
marks.append(("render the full trace (--details)", time.perf_counter()))
print(json.dumps([(b[0], b[1] - a[1]) for a, b in zip(marks, marks[1:])]))
"""


# The policy cache (engine/model/cache.py) of these runs: a folder of their own,
# filled by the first run, as a user's is after their first command.
CACHE = tempfile.mkdtemp(prefix="rules-startup-cache-")
atexit.register(shutil.rmtree, CACHE, ignore_errors=True)


def _env(cache: bool = True) -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), NO_COLOR="1", RULES_CACHE_DIR=CACHE)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as installed: bytecode cached
    env.pop("RULES_NO_CACHE", None)
    if not cache:
        env["RULES_NO_CACHE"] = "1"
    return env


def timed(args: list[str], cache: bool = True) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, *args], cwd=ROOT, env=_env(cache), check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def import_times(top: int = 8) -> tuple[list[tuple[str, float]], list[tuple[str, float]]]:
    """The top-level imports of ``rules explain`` by cumulative time, and all
    modules by their own time (best of three runs, microseconds → seconds)."""
    best_cumulative: dict[str, float] = {}
    best_self: dict[str, float] = {}
    for _ in range(3):
        done = subprocess.run([sys.executable, "-X", "importtime", *EXPLAIN], cwd=ROOT,
                              env=_env(), capture_output=True, text=True, check=True)
        for line in done.stderr.splitlines():
            if not line.startswith("import time:") or "imported package" in line:
                continue
            own, cumulative, name = line[len("import time:"):].split("|")
            depth = (len(name) - len(name.lstrip())) // 2 - 0
            label = name.strip()
            if depth <= 1:  # imported by the run itself (not by another module)
                best_cumulative[label] = min(best_cumulative.get(label, 1e9), int(cumulative) / 1e6)
            best_self[label] = min(best_self.get(label, 1e9), int(own) / 1e6)
    by_cumulative = sorted(best_cumulative.items(), key=lambda kv: -kv[1])[:top]
    by_self = sorted(best_self.items(), key=lambda kv: -kv[1])[:top]
    return by_cumulative, by_self


def steps(repeat: int = 3) -> list[tuple[str, float]]:
    best: dict[str, float] = {}
    order: list[str] = []
    for _ in range(repeat):
        done = subprocess.run([sys.executable, "-c", STEPS], cwd=ROOT, env=_env(),
                              capture_output=True, text=True, check=True)
        for name, spent in json.loads(done.stdout):
            if name not in best:
                order.append(name)
            best[name] = min(best.get(name, 1e9), spent)
    return [(name, best[name]) for name in order]


def run(repeat: int = 15) -> Result:
    started = time.perf_counter()
    for name, args in COMMANDS.items():  # warm the bytecode, file and policy caches
        timed(args, cache="cache off" not in name)
    runs: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for _ in range(repeat):
        for name, args in COMMANDS.items():
            runs[name].append(timed(args, cache="cache off" not in name))
    best = {name: min(times) for name, times in runs.items()}
    explain, reference, floor = best["rules explain"], best["import yaml, lark"], best["python -c pass"]
    cumulative, own = import_times()
    inside = steps()
    rows = [
        measure_row("rules explain examples/waiting-past-date.yaml --at …, whole process",
                    seconds(explain), f"import yaml, lark: {seconds(reference)}",
                    explain / reference, f"<= {TARGET:g}"),
        measure_row("  the same with the policy cache off (RULES_NO_CACHE=1)",
                    seconds(best["rules explain, cache off"]), "rules explain",
                    best["rules explain, cache off"] / explain),
        measure_row("  the full trace instead of the first screen (--details)",
                    seconds(best["rules explain --details"]), "rules explain",
                    best["rules explain --details"] / explain),
        measure_row("  python -c pass", seconds(floor), "rules explain", floor / explain),
    ]
    for name, spent in inside:
        rows.append(measure_row(f"  step: {name}", seconds(spent), "rules explain",
                                spent / explain))
    for name, spent in cumulative:
        rows.append(measure_row(f"  import {name} (with what it imports)", seconds(spent),
                                "rules explain", spent / explain))
    notes = [
        f"Python {platform.python_version()}; wall time of whole processes, best of {repeat} "
        f"runs each, the commands alternating; bytecode caches warm; the policy cache "
        f"(engine/model/cache.py) filled by the first run, as after a user's first command. The load average "
        f"at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs.",
        "The steps are timed inside one fresh process doing what `rules explain` does "
        "(best of 3); the imports come from `python -X importtime` on the command (best "
        "of 3; those the run imports itself, with everything they import).",
        "Most own import time: " + ", ".join(f"{name} {seconds(s)}" for name, s in own) + ".",
        f"{time.perf_counter() - started:.0f} s in all.",
    ]
    return {"title": "startup (benchmarks/startup.py)", "columns": MEASURE_COLUMNS,
            "rows": rows, "notes": notes}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=15, help="runs per command (best kept)")
    ap.add_argument("--quick", action="store_true", help="3 runs each: a smoke test")
    ap.add_argument("--json", action="store_true", help="print the result as JSON (for run.py)")
    args = ap.parse_args(argv)
    result = run(3 if args.quick else args.repeat)
    print(json.dumps(result) if args.json else render([result]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
