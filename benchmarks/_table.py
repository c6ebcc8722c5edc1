"""Shared by the benchmark scripts: best-of-N timing with interleaved
contenders, and the plain-text table that ``run.py`` combines.

A benchmark script reports a :data:`Result` — a JSON-able dict::

    {"title": str,
     "columns": [{"key": str, "header": str, "kind": "text" | "value" | "rate" | "ratio",
                  "target": "<= 1.5" | ">= 50" | "row" | None}, ...],
     "rows": [{key: value, ...}, ...],      # None prints as "—"
     "notes": [str, ...]}

so that ``run.py`` can run each script in its own process (no state leaks
between peers, e.g. cel-python's global recursion limit) and print one table.
A ``value`` is a figure already formatted with its unit ("41.2 ms"), printed
right-aligned. A ratio column whose target is ``"row"`` takes each row's own
target from ``row[key + "_target"]`` (none: no verdict).

Scripts that measure one thing against one reference per row share
:data:`MEASURE_COLUMNS` (see :func:`measure_row`). The table has one block per
set of columns, each under its own header line, in the order of the results.
"""

from __future__ import annotations

import gc
import math
import time
import timeit
from typing import Any, Callable, Mapping, Sequence

Result = dict[str, Any]


def calibrate(fn: Callable[[Any], Any], arg: Any, budget: float) -> int:
    """Loop count so that one timed loop of ``fn(arg)`` takes about ``budget`` s."""
    timer = timeit.Timer("fn(arg)", globals={"fn": fn, "arg": arg})
    number = 1
    while True:
        elapsed = timer.timeit(number)
        if elapsed >= budget / 5 or number >= 10_000_000:
            return max(1, int(number * budget / max(elapsed, 1e-9)))
        number *= 10


def best_of(contenders: Mapping[str, tuple[Callable[[Any], Any], Any]], *,
            repeat: int, budget: float) -> dict[str, float]:
    """Seconds per call of each ``fn(arg)``: the best of ``repeat`` loops.

    The contenders take turns — one loop each, in a rotating order — so a
    burst of load on a shared machine hits them all alike instead of one
    contender's whole series; the minimum is the least-disturbed loop.
    """
    names = list(contenders)
    timers = {n: timeit.Timer("fn(arg)", globals={"fn": fn, "arg": arg})
              for n, (fn, arg) in contenders.items()}
    numbers = {n: calibrate(*contenders[n], budget) for n in names}
    best = {n: math.inf for n in names}
    gc_was_on = gc.isenabled()
    gc.disable()  # as timeit does; nothing here allocates cycles
    try:
        for r in range(repeat):
            order = names[r % len(names):] + names[:r % len(names)]
            for n in order:
                best[n] = min(best[n], timers[n].timeit(numbers[n]) / numbers[n])
    finally:
        if gc_was_on:
            gc.enable()
    return best


# -- formatting -------------------------------------------------------------------

def _rate(v: float) -> str:
    if v >= 1e6:
        return f"{v / 1e6:.2f} M"
    if v >= 1e3:
        return f"{v / 1e3:.1f} k"
    return f"{v:.0f}"


def _ratio(v: float) -> str:
    return f"{v:.2f}x" if v < 10 else f"{v:,.0f}x"


def _meets(value: float, target: str) -> bool:
    op, _, bound = target.partition(" ")
    return value <= float(bound) if op == "<=" else value >= float(bound)


def cell(value: Any, column: Mapping[str, Any], row: Mapping[str, Any] | None = None) -> str:
    if value is None:
        return "—"
    kind = column.get("kind", "text")
    if kind == "rate":
        return _rate(value)
    if kind == "ratio":
        text = _ratio(value)
        target = column.get("target")
        if target == "row":
            target = (row or {}).get(column["key"] + "_target")
        if target:
            text += " ok" if _meets(value, target) else " MISS"
        return text
    return str(value)


#: Columns of a script that reports, per row, one figure against one reference.
MEASURE_COLUMNS = [
    {"key": "measure", "header": "measure", "kind": "text"},
    {"key": "figure", "header": "figure", "kind": "value"},
    {"key": "reference", "header": "reference", "kind": "text"},
    {"key": "ratio", "header": "ratio", "kind": "ratio", "target": "row"},
    {"key": "ratio_target", "header": "target", "kind": "text"},
]


def measure_row(measure: str, figure: str, reference: str | None = None,
                ratio: float | None = None, target: str | None = None, **extra: Any) -> dict[str, Any]:
    """A row of :data:`MEASURE_COLUMNS`; ``target`` such as ``"<= 2"`` judges ``ratio``."""
    return {"measure": measure, "figure": figure, "reference": reference, "ratio": ratio,
            "ratio_target": target, **extra}


def _block(results: Sequence[Result]) -> list[str]:
    """One block of the table: results that share their columns."""
    columns = list(results[0]["columns"])
    headers = [c["header"] + (f" ({c['target']})" if c.get("target") not in (None, "row") else "")
               for c in columns]
    body: list[list[str]] = []
    breaks: dict[int, str] = {}  # row index -> title of the result starting there
    for result in results:
        if body or len(results) > 1:
            breaks[len(body)] = result["title"] if len(results) > 1 else ""
        for row in result["rows"]:
            body.append([cell(row.get(c["key"]), c, row) for c in columns])
    widths = [max(len(h), *(len(r[i]) for r in body)) if body else len(h)
              for i, h in enumerate(headers)]

    def line(cells: Sequence[str]) -> str:
        # text left-aligned, figures right-aligned
        return "  ".join(c.ljust(w) if col.get("kind", "text") == "text" else c.rjust(w)
                         for c, w, col in zip(cells, widths, columns)).rstrip()

    rule = "  ".join("-" * w for w in widths)
    out = [line(headers)]
    if 0 not in breaks:
        out.append(rule)
    for i, row in enumerate(body):
        if i in breaks:
            title = breaks[i]
            out.append(f"-- {title} " + "-" * max(3, len(rule) - len(title) - 4) if title else rule)
        out.append(line(row))
    return out


def render(results: Sequence[Result]) -> str:
    """One table for every result: consecutive results with the same columns
    share a block under one header line; blocks follow each other."""
    blocks: list[list[Result]] = []
    for result in results:
        keys = [c["key"] for c in result["columns"]]
        if blocks and [c["key"] for c in blocks[-1][0]["columns"]] == keys:
            blocks[-1].append(result)
        else:
            blocks.append([result])
    out: list[str] = []
    for block in blocks:
        if out:
            out.append("")
        out.extend(_block(block))
    for result in results:
        notes = result.get("notes") or []
        if notes:
            out.append("")
            out.append(f"{result['title']}:")
            out.extend(f"  {n}" for n in notes)
    return "\n".join(out)


def best_of_blocks(contenders: Mapping[str, Callable[[Any], Any]], blocks: Sequence[Any], *,
                   rounds: int, clock: Callable[[], float] = time.process_time,
                   before_round: Callable[[], Any] | None = None) -> dict[str, float]:
    """Seconds that each ``fn(block)`` takes over all ``blocks``: for each
    block the best of ``rounds`` runs, summed over the blocks.

    The contenders take turns on each block, in a rotating order, and the
    clock is this process's CPU time: on a shared machine a burst of load
    then costs one block of one round, not a whole pass, and time spent
    waiting for a core is not counted. ``before_round()`` runs (untimed)
    before each round, e.g. to empty caches so that each round is a first pass.
    """
    names = list(contenders)
    best = {n: [math.inf] * len(blocks) for n in names}
    gc_was_on = gc.isenabled()
    turn = 0
    try:
        for _ in range(rounds):
            if before_round is not None:
                before_round()
            for b, block in enumerate(blocks):
                gc.collect()
                gc.disable()
                for n in names[turn % len(names):] + names[:turn % len(names)]:
                    started = clock()
                    contenders[n](block)
                    best[n][b] = min(best[n][b], clock() - started)
                turn += 1
                if gc_was_on:
                    gc.enable()
    finally:
        if gc_was_on:
            gc.enable()
    return {n: sum(times) for n, times in best.items()}


def seconds(s: float) -> str:
    """A duration with a sensible unit."""
    if s >= 1:
        return f"{s:.2f} s"
    if s >= 1e-3:
        return f"{s * 1e3:.1f} ms"
    return f"{s * 1e6:.1f} µs"


def per_second(rate: float, unit: str) -> str:
    return f"{_rate(rate)} {unit}/s"


def script_main(doc: str, run: Callable[[bool], Result], quick_help: str = "a smoke test, not a measurement",
                argv: list[str] | None = None) -> int:
    """The command line every benchmark script shares: ``--quick`` and
    ``--json`` (how ``run.py`` reads the result)."""
    import argparse
    import json

    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help=quick_help)
    ap.add_argument("--json", action="store_true", help="print the result as JSON (for run.py)")
    args = ap.parse_args(argv)
    result = run(args.quick)
    print(json.dumps(result) if args.json else render([result]))
    return 0

