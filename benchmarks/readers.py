"""The YAML readers side by side: libyaml with the hand-over to the
pure-Python reader (what the engine uses) against the pure-Python reader
alone, on the texts the engine reads — the bundled policies, the example
logs, and logs of 2,000 and 20,000 events. The ratio is what the hand-over
code (engine/input/yaml_reader.py's libyaml half) buys.

    python benchmarks/readers.py [--json] [--quick]
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # benchmark this working tree, not an installed copy
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _table import MEASURE_COLUMNS, Result, best_of, measure_row, seconds, script_main  # noqa: E402

from engine.input import yaml_reader  # noqa: E402
from engine.input.documents import parse_document  # noqa: E402

EVENT = ("  - {{type: interview, at: 2026-{m:02d}-{d:02d}T10:00, interviewers: [Jane Roe, Sam Poe], "
         "format: video}}\n")


def log_text(events: int) -> str:
    return "timezone: America/New_York\nevents:\n" + "".join(
        EVENT.format(m=1 + i % 12, d=1 + i % 28) for i in range(events))


def read_all(texts: list[str]) -> None:
    for text in texts:
        parse_document(text)


def with_reader(fast: bool):  # type: ignore[no-untyped-def]
    def read(texts: list[str]) -> None:
        saved = yaml_reader._USE_LIBYAML
        yaml_reader._USE_LIBYAML = fast
        try:
            read_all(texts)
        finally:
            yaml_reader._USE_LIBYAML = saved
    return read


def run(quick: bool) -> Result:
    cases = {
        "bundled policies": [p.read_text("utf-8") for p in sorted((ROOT / "policies").glob("*/*.yaml"))],
        "example logs": [p.read_text("utf-8") for p in sorted((ROOT / "examples").glob("*.yaml"))],
        "log, 2,000 events": [log_text(2_000)],
        "log, 20,000 events": [log_text(200 if quick else 20_000)],
    }
    rows = []
    for name, texts in cases.items():
        times = best_of({"libyaml": (with_reader(True), texts), "pure": (with_reader(False), texts)},
                        repeat=1 if quick else 3, budget=0.05 if quick else 0.5)
        rows.append(measure_row(f"read {name}", seconds(times["libyaml"]), "pure-Python reader",
                                times["pure"] / times["libyaml"], ">= 2"))
    return {"title": "YAML readers: libyaml hand-over vs pure-Python only", "columns": MEASURE_COLUMNS,
            "rows": rows, "notes": ["ratio: pure-Python time / libyaml time, measured side by side"]}


def main(argv: list[str] | None = None) -> int:
    return script_main(__doc__ or "", run, "a smoke test, not a measurement", argv)


if __name__ == "__main__":
    sys.exit(main())
