"""Shared by the benchmark scripts: best-of-N timing with interleaved
contenders, and the plain-text table that ``run.py`` combines.

A benchmark script reports a :data:`Result` — a JSON-able dict::

    {"title": str,
     "columns": [{"key": str, "header": str, "kind": "text" | "rate" | "ratio",
                  "target": "<= 1.5" | ">= 50" | None}, ...],
     "rows": [{key: value, ...}, ...],      # None prints as "—"
     "notes": [str, ...]}

so that ``run.py`` can run each script in its own process (no state leaks
between peers, e.g. cel-python's global recursion limit) and print one table.
"""

from __future__ import annotations

import gc
import math
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


def cell(value: Any, column: Mapping[str, Any]) -> str:
    if value is None:
        return "—"
    kind = column.get("kind", "text")
    if kind == "rate":
        return _rate(value)
    if kind == "ratio":
        text = _ratio(value)
        target = column.get("target")
        if target:
            text += " ok" if _meets(value, target) else " MISS"
        return text
    return str(value)


def render(results: Sequence[Result]) -> str:
    """One table for every result (columns merged in order of appearance)."""
    columns: list[Mapping[str, Any]] = []
    seen: set[str] = set()
    for result in results:
        for col in result["columns"]:
            if col["key"] not in seen:
                seen.add(col["key"])
                columns.append(col)
    headers = [c["header"] + (f" ({c['target']})" if c.get("target") else "") for c in columns]
    body: list[list[str]] = []
    breaks: list[int] = []
    for result in results:
        if body:
            breaks.append(len(body))
        for row in result["rows"]:
            body.append([cell(row.get(c["key"]), c) for c in columns])
    widths = [max(len(h), *(len(r[i]) for r in body)) if body else len(h)
              for i, h in enumerate(headers)]

    def line(cells: Sequence[str]) -> str:
        # text left-aligned, figures right-aligned
        return "  ".join(c.ljust(w) if col.get("kind", "text") == "text" else c.rjust(w)
                         for c, w, col in zip(cells, widths, columns)).rstrip()

    rule = "  ".join("-" * w for w in widths)
    out = [line(headers), rule]
    for i, row in enumerate(body):
        if i in breaks:
            out.append(rule)
        out.append(line(row))
    for result in results:
        notes = result.get("notes") or []
        if notes:
            out.append("")
            out.append(f"{result['title']}:")
            out.extend(f"  {n}" for n in notes)
    return "\n".join(out)
