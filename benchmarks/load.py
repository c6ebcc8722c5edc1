"""How long does loading the bundled policies take? ``load_policies()`` in a
warm process (everything imported), from the on-disk cache (the target row),
and in full with every cache emptied — the vocabulary
and the actions, the JSON Schemas and their validators, the condition parser —
so that each timed load reads, validates, parses, type-checks and compiles
everything: 5 policy files, the vocabulary and the action catalogue
(target < 50 ms). Where the time goes is measured by timing the steps the
loaders call: YAML reading, JSON Schema validation, condition parsing (the
first parse also builds the grammar's parser), type checking, compiling.

    python benchmarks/load.py [--repeat 30] [--quick] [--json]
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # benchmark this working tree, not an installed copy
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _table import MEASURE_COLUMNS, Result, measure_row, render, seconds  # noqa: E402

import engine  # noqa: E402
from engine.language import parser
from engine.model import actions, policies
from engine.base import resources
from engine.input import schemas as validation
from engine.model import vocabulary

TARGET = 0.050  # seconds


def clear_caches() -> None:
    """Everything a first load fills, emptied: as in a process that has
    imported the engine and loads the policies for the first time."""
    policies.default_vocabulary.cache_clear()
    actions.default_actions.cache_clear()
    validation._validator.cache_clear()
    resources.load_schema.cache_clear()
    parser._lark.cache_clear()


#: (step, module, attribute): the functions the loaders call, by step.
STEPS = (
    ("YAML reading (load_document)", (policies, "load_document"), (vocabulary, "load_document"),
     (actions, "load_document")),
    ("JSON Schema validation", (policies, "validate_document"), (vocabulary, "validate_document"),
     (actions, "validate_document")),
    ("conditions: parse (+ building the parser)", (parser, "parse")),
    ("conditions: type check", (policies, "check"), (vocabulary, "check")),
    ("conditions: compile", (policies, "compile_checked"), (vocabulary, "compile_checked")),
)


class Timed:
    """Replaces the step functions by wrappers that add up their time."""

    def __init__(self) -> None:
        self.spent = {step: 0.0 for step, *_ in STEPS}
        self.calls = {step: 0 for step, *_ in STEPS}
        self.saved: list[tuple[Any, str, Callable]] = []

    def __enter__(self) -> "Timed":
        for step, *targets in STEPS:
            for module, name in targets:
                original = getattr(module, name)
                self.saved.append((module, name, original))
                setattr(module, name, self._wrap(step, original))
        return self

    def _wrap(self, step: str, fn: Callable) -> Callable:
        spent, calls, clock = self.spent, self.calls, time.perf_counter

        def timed(*args, **kwargs):
            started = clock()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[step] += clock() - started
                calls[step] += 1
        return timed

    def __exit__(self, *exc) -> None:
        for module, name, original in reversed(self.saved):
            setattr(module, name, original)


def fresh_load() -> float:
    """A full load: nothing cached in the process, the on-disk cache off."""
    clear_caches()
    started = time.perf_counter()
    engine.load_policies(cache=False)
    return time.perf_counter() - started


def cached_load(folder: str) -> float:
    """A load as a new process does it once the on-disk cache holds the
    policies: nothing cached in the process, the on-disk entry read."""
    clear_caches()
    started = time.perf_counter()
    engine.load_policies(cache=folder)
    return time.perf_counter() - started


def warm_load() -> float:
    engine.load_policies(cache=False)  # caches filled
    started = time.perf_counter()
    engine.load_policies(cache=False)
    return time.perf_counter() - started


def run(repeat: int = 30) -> Result:
    started = time.perf_counter()
    loaded = engine.load_policies()
    rules = sum(len(p.rules) for p in loaded)
    facts = len(loaded.vocabulary.facts)
    folder = tempfile.mkdtemp(prefix="rules-load-cache-")
    engine.load_policies(cache=folder)  # fills the on-disk cache
    fresh, hits, warm = [], [], []
    for _ in range(repeat):  # interleaved: a burst of load hits all alike
        fresh.append(fresh_load())
        hits.append(cached_load(folder))
        warm.append(warm_load())
    shutil.rmtree(folder, ignore_errors=True)
    best_fresh, best_hit, best_warm = min(fresh), min(hits), min(warm)
    # the split, on loads of their own (the wrappers cost a little)
    splits = []
    for _ in range(max(3, repeat // 3)):
        clear_caches()
        with Timed() as timed:
            t0 = time.perf_counter()
            engine.load_policies(cache=False)
            total = time.perf_counter() - t0
        splits.append((total, dict(timed.spent), dict(timed.calls)))
    total, spent, calls = min(splits, key=lambda s: s[0])
    rows = [
        measure_row(f"load_policies(), on-disk cache: 5 policies, {rules} rules, {facts} facts",
                    seconds(best_hit), f"target: {TARGET * 1e3:.0f} ms", best_hit / TARGET, "<= 1"),
        measure_row("load_policies(cache=False): the full load", seconds(best_fresh),
                    "on-disk cache", best_fresh / best_hit),
    ]
    for step, *_ in STEPS:
        rows.append(measure_row(f"  {step}, {calls[step]} calls", seconds(spent[step]),
                                "share of the load", spent[step] / total))
    other = total - sum(spent.values())
    rows.append(measure_row("  the rest (actions, ids, citations, hashing…)", seconds(other),
                            "share of the load", other / total))
    rows.append(measure_row("load_policies(cache=False) again, in-process caches filled",
                            seconds(best_warm), "the full load", best_warm / best_fresh))
    notes = [
        f"Python {platform.python_version()}; best of {repeat} loads each, interleaved; wall "
        f"time in a process that has imported everything. Caches emptied before each load: "
        f"default_vocabulary, default_actions, the JSON Schema validators and schemas, and "
        f"the condition parser (Lark). The first row reads the on-disk cache (engine/model/cache.py: "
        f"the loaded, compiled policies kept by a hash of the files and the engine), as every "
        f"process after the first does; the split is that of the full load.",
        f"The split comes from the best of {len(splits)} separate loads with each step's "
        f"functions wrapped in a timer ({seconds(total)} in all on that load); the schema "
        f"row is every validate_document call (vocabulary, actions, 5 policies).",
        f"{time.perf_counter() - started:.0f} s in all.",
    ]
    return {"title": "load (benchmarks/load.py)", "columns": MEASURE_COLUMNS, "rows": rows,
            "notes": notes}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=30, help="loads per kind (best kept)")
    ap.add_argument("--quick", action="store_true", help="3 loads: a smoke test")
    ap.add_argument("--json", action="store_true", help="print the result as JSON (for run.py)")
    args = ap.parse_args(argv)
    result = run(3 if args.quick else args.repeat)
    print(json.dumps(result) if args.json else render([result]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
