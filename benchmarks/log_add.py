"""How long does ``rules log add`` take as a log grows, and what does adding
the new event as a last line (checked by reading the file back) save over
the round-trip YAML edit (ruamel.yaml: parse and re-emit the whole file)?

Each call restores the log to its ``n`` events first, then adds one event
through ``engine.apps.logedit.add_event`` (lock, read, check, write, fsync,
rename). The round-trip contender is the same call with the last-line path
switched off. The two take turns (``best_of``).

    python benchmarks/log_add.py [--quick] [--json]
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # benchmark this working tree, not an installed copy
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _table import MEASURE_COLUMNS, Result, best_of, measure_row, seconds, script_main

from engine.apps import logdocument
from engine.apps.logedit import add_event
from engine.model.policies import default_vocabulary


def _text(n: int) -> str:
    lines = ["# a job seeker's log\n", "timezone: America/New_York\n", "events:\n"]
    lines += [f"  - {{type: notes_written, at: 2026-11-{1 + i % 28:02d}T{i % 24:02d}:00, "
              f"note: \"entry {i}\"}}\n" for i in range(n)]
    return "".join(lines)


def run(quick: bool = False) -> Result:
    vocabulary = default_vocabulary()
    folder = Path(tempfile.mkdtemp(prefix="bench-log-add-"))
    quick_append = logdocument._appended
    rows = []
    for n in ((10, 100) if quick else (10, 100, 800)):
        log = folder / f"log{n}.yaml"
        original = _text(n)

        def last_line(_: object, log: Path = log, original: str = original) -> None:
            log.write_text(original, "utf-8")
            add_event(log, "follow_up_sent", "2026-11-29T09:30", ["channel=email"], vocabulary)

        def round_trip(_: object, log: Path = log, original: str = original) -> None:
            logdocument._appended = lambda *args: None  # type: ignore[assignment]
            try:
                log.write_text(original, "utf-8")
                add_event(log, "follow_up_sent", "2026-11-29T09:30", ["channel=email"], vocabulary)
            finally:
                logdocument._appended = quick_append

        best = best_of({"last line": (last_line, None), "round trip": (round_trip, None)},
                       repeat=2 if quick else 5, budget=0.2 if quick else 1.0)
        rows.append(measure_row(f"log add, {n:,} events: new last line", seconds(best["last line"]),
                                f"round-trip edit {seconds(best['round trip'])}",
                                best["round trip"] / best["last line"], ">= 1"))
    return {"title": "log add (benchmarks/log_add.py)", "columns": MEASURE_COLUMNS, "rows": rows,
            "notes": [("ratio: round-trip edit time / last-line time, measured side by side in one run; "
                       "both read the log twice (before and after) and fsync the file.")]}


def main(argv: list[str] | None = None) -> int:
    return script_main(__doc__ or "", run, "a smoke test, not a measurement", argv)


if __name__ == "__main__":
    raise SystemExit(main())
