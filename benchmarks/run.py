"""Run the benchmarks listed below, each in its own process, and print one
table (``make bench``).

A benchmark script takes ``--json`` (and ``--quick``) and prints one result
as described in ``_table.py``. Each runs in a fresh interpreter so that no
peer's global state (imports, recursion limit, caches) reaches another.

    python benchmarks/run.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _table import render  # noqa: E402

#: The benchmark scripts, in the order of the table.
SCRIPTS = ("conditions.py", "evaluation.py", "load.py", "readers.py", "startup.py", "batch.py", "growth.py",
           "log_add.py", "atlas.py", "authoring.py", "scale.py", "serve_load.py")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="a smoke test, not a measurement")
    args = ap.parse_args(argv)
    results = []
    started = time.perf_counter()
    for script in SCRIPTS:
        cmd = [sys.executable, str(HERE / script), "--json"] + (["--quick"] if args.quick else [])
        print(f"running {script} …", file=sys.stderr, flush=True)
        done = subprocess.run(cmd, capture_output=True, text=True, cwd=HERE.parent)
        if done.returncode != 0:
            sys.stderr.write(done.stderr)
            print(f"{script} failed (exit {done.returncode})", file=sys.stderr)
            return 1
        results.append(json.loads(done.stdout))
    print(render(results))
    print(f"\n({len(SCRIPTS)} benchmark script(s), {time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
