"""``rules batch`` on JSON Lines: throughput (logs per second once running,
on 4N lines) with one worker process and with two (target: ≥ 1.7x), and
whether memory stays flat — the peak RSS of the batch process for N lines and
for 4N lines (target: ≤ 1.1x).

The input is a temporary file of logs from ``corpus.py``; every run is a
whole ``python -m engine batch … --at …`` process (the ``rules`` command),
its output thrown away. Runs of the contenders alternate; the best of each
is kept. Peak RSS is the process's own (``wait4``), including any worker
processes it waited for.

    python benchmarks/batch.py [--lines N] [--repeat 5] [--quick] [--json]
    python benchmarks/batch.py --million [--jobs 2]   # 1,000,000 lines through a pipe

``--million`` streams a million generated lines from a generator process
through a pipe into ``rules batch -`` and reports the time and the peak RSS
of the batch process (not run by ``make bench``: it takes a long while).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _table import MEASURE_COLUMNS, Result, measure_row, render, seconds  # noqa: E402
from corpus import AT_TEXT, write_jsonl  # noqa: E402

TARGET_JOBS = 1.7
TARGET_FLAT = 1.1


def batch_command(source: str, jobs: int) -> list[str]:
    return [sys.executable, "-m", "engine", "batch", source, "--at", AT_TEXT, "--jobs", str(jobs)]


def run_batch(source: str, jobs: int, stdin=None) -> tuple[float, float, int, float]:
    """(wall seconds, peak RSS in MB, output lines, CPU seconds) of one batch
    process (its CPU time includes the workers it waited for)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as installed: bytecode cached
    started = time.perf_counter()
    proc = subprocess.Popen(batch_command(source, jobs), cwd=ROOT, env=env, stdin=stdin,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    counted = [0]

    def count() -> None:
        assert proc.stdout is not None
        for chunk in iter(lambda: proc.stdout.read(1 << 16), b""):
            counted[0] += chunk.count(b"\n")

    reader = threading.Thread(target=count)
    reader.start()
    _, status, usage = os.wait4(proc.pid, 0)
    reader.join()
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"rules batch failed ({proc.returncode}): "
                           f"{proc.stderr.read().decode()[-2000:] if proc.stderr else ''}")
    return wall, usage.ru_maxrss / 1024, counted[0], usage.ru_utime + usage.ru_stime


_SPIN = "s = 0\nfor i in range(3_000_000):\n    s += i\n"


def spin(copies: int) -> float:
    """Wall seconds for ``copies`` processes each running the same CPU-bound loop."""
    started = time.perf_counter()
    procs = [subprocess.Popen([sys.executable, "-c", _SPIN]) for _ in range(copies)]
    for proc in procs:
        proc.wait()
    return time.perf_counter() - started


def run(lines: int = 2_000, repeat: int = 5) -> Result:
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        small, large = Path(tmp) / "n.jsonl", Path(tmp) / "4n.jsonl"
        with open(small, "w", encoding="utf-8") as out:
            write_jsonl(lines, out, seed=2)
        with open(large, "w", encoding="utf-8") as out:
            write_jsonl(4 * lines, out, seed=2)
        best: dict[str, float] = {}
        rss: dict[str, float] = {}
        cpu: dict[str, float] = {}
        loads = []
        for _ in range(repeat):
            # what two processes can do here and now, next to the batch runs
            best["spin1"] = min(best.get("spin1", float("inf")), spin(1))
            best["spin2"] = min(best.get("spin2", float("inf")), spin(2))
            for name, source, jobs in (("j1", small, 1), ("j2", small, 2), ("j1-4n", large, 1),
                                       ("j2-4n", large, 2)):
                loads.append(os.getloadavg()[0])
                wall, peak, out_lines, used = run_batch(str(source), jobs)
                expected = lines * (4 if name.endswith("-4n") else 1)
                assert out_lines == expected, f"{name}: {out_lines} lines out, {expected} in"
                best[name] = min(best.get(name, float("inf")), wall)
                rss[name] = min(rss.get(name, float("inf")), peak)
                cpu[name] = min(cpu.get(name, float("inf")), used)
        size = small.stat().st_size / lines
    # the fixed cost of a run: the process with one line, best of three
    with tempfile.TemporaryDirectory() as tmp:
        one = Path(tmp) / "1.jsonl"
        with open(one, "w", encoding="utf-8") as out:
            write_jsonl(1, out, seed=2)
        fixed = min(run_batch(str(one), 1)[0] for _ in range(3))
        fixed2 = min(run_batch(str(one), 2)[0] for _ in range(3))
    busy = sum(loads) / len(loads)
    rate1, rate2 = lines / best["j1"], lines / best["j2"]
    # throughput: logs per second once running (the fixed cost of a run —
    # start-up, loading the policies, starting the workers — taken off)
    many = 4 * lines
    flow1, flow2 = many / (best["j1-4n"] - fixed), many / (best["j2-4n"] - fixed2)
    ceiling = 2 * best["spin1"] / best["spin2"]
    rows = [
        measure_row(f"rules batch --jobs 1, {many:,} logs: throughput", f"{flow1:,.0f} logs/s",
                    f"{seconds(best['j1-4n'])} per run, {seconds(fixed)} of it fixed"),
        measure_row(f"rules batch --jobs 2, {many:,} logs: throughput", f"{flow2:,.0f} logs/s",
                    f"--jobs 1: {flow1:,.0f} logs/s", flow2 / flow1, f">= {TARGET_JOBS:g}"),
        measure_row("  the machine: 2 CPU-bound processes at once vs 1", f"{ceiling:.2f}x work/s",
                    "--jobs 2's speedup against it", flow2 / flow1 / ceiling),
        measure_row(f"  whole processes, {lines:,} logs: --jobs 2 vs --jobs 1",
                    f"{rate2:,.0f} vs {rate1:,.0f} logs/s", "fixed cost included",
                    best["j1"] / best["j2"]),
        measure_row(f"  per log, after the fixed cost ({seconds(fixed)} a run)",
                    seconds((best["j1"] - fixed) / lines), "--jobs 1"),
        measure_row("  CPU time, --jobs 2 (all processes)", seconds(cpu["j2"]),
                    f"--jobs 1: {seconds(cpu['j1'])}", cpu["j2"] / cpu["j1"]),
        measure_row(f"peak RSS, {lines:,} lines (--jobs 1)", f"{rss['j1']:.1f} MB", None),
        measure_row(f"peak RSS, {4 * lines:,} lines (--jobs 1)", f"{rss['j1-4n']:.1f} MB",
                    f"{lines:,} lines: {rss['j1']:.1f} MB", rss["j1-4n"] / rss["j1"],
                    f"<= {TARGET_FLAT:g}"),
        measure_row(f"peak RSS, {lines:,} lines (--jobs 2, largest process)",
                    f"{rss['j2']:.1f} MB", f"--jobs 1: {rss['j1']:.1f} MB", rss["j2"] / rss["j1"]),
    ]
    notes = [
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs (shared). Input: corpus.py "
        f"logs, {size:,.0f} bytes a line on average, evaluated at {AT_TEXT} local time, "
        f"explain off (the batch default).",
        f"Whole processes (`python -m engine batch FILE --at … --jobs J`), wall time, best of "
        f"{repeat} alternating runs. Throughput is logs per second once running: the run's "
        f"time less its fixed cost (start-up, loading the policies, starting the workers), "
        f"which is that of a one-line run with the same --jobs. Peak RSS from wait4 (the "
        f"largest of the process and the workers it waited for).",
        f"The machine's load average during the runs: {busy:.1f} on {os.cpu_count()} CPUs. "
        f"What a second process can add here and now is measured next to the runs: the work "
        f"per second of two copies of a CPU-bound loop over one copy's (2.00x on two idle "
        f"cores); --jobs 2 cannot beat it. CPU time --jobs 2 / --jobs 1 is the cost of the "
        f"workers (forking, passing lines and results, a second core's caches).",
        f"{time.perf_counter() - started:.0f} s in all.",
    ]
    return {"title": "batch (benchmarks/batch.py)", "columns": MEASURE_COLUMNS, "rows": rows,
            "notes": notes}


def million(n: int = 1_000_000, jobs: int = 2) -> None:
    """Stream ``n`` generated lines through a pipe into ``rules batch -``."""
    gen = subprocess.Popen([sys.executable, str(HERE / "corpus.py"), str(n), "--seed", "3"],
                           stdout=subprocess.PIPE)
    started = time.perf_counter()
    wall, peak, out_lines, used = run_batch("-", jobs, stdin=gen.stdout)
    assert gen.stdout is not None
    gen.stdout.close()
    gen.wait()
    print(f"{out_lines:,} lines out of {n:,} in, --jobs {jobs}: {wall:.0f} s wall "
          f"({out_lines / wall:,.0f} logs/s, generator included), {used:.0f} s CPU, peak RSS "
          f"of the batch process {peak:.1f} MB ({time.perf_counter() - started:.0f} s in all)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=2_000, help="N (the memory check also runs 4N)")
    ap.add_argument("--repeat", type=int, default=5, help="runs per contender (best kept)")
    ap.add_argument("--quick", action="store_true", help="200 lines, one run: a smoke test")
    ap.add_argument("--json", action="store_true", help="print the result as JSON (for run.py)")
    ap.add_argument("--million", action="store_true",
                    help="stream 1,000,000 generated lines through a pipe instead")
    ap.add_argument("--jobs", type=int, default=2, help="worker processes for --million")
    args = ap.parse_args(argv)
    if args.million:
        million(jobs=args.jobs)
        return 0
    lines, repeat = (200, 1) if args.quick else (args.lines, args.repeat)
    result = run(lines, repeat)
    print(json.dumps(result) if args.json else render([result]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
