"""docs/vocabulary.md, generated from a vocabulary: its event types (fields,
types, allowed values, defaults), its facts (type, doc, definition) and the
built-in functions (signature, doc, example).

``python -m engine.apps.vocabulary_docs`` rewrites docs/vocabulary.md from the
bundled vocabulary; ``--check`` only says whether it is up to date (a test
runs the same comparison, so the page cannot drift from the YAML).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Iterable, Sequence

from engine.model.vocabulary import EventTypeSpec, FieldSpec, Vocabulary

__all__ = ["render", "main", "DEFAULT_OUTPUT"]

DEFAULT_OUTPUT = Path("docs") / "vocabulary.md"


def _cell(text: str) -> str:
    """Text for a Markdown table cell: one line, pipes escaped."""
    return " ".join(str(text).split()).replace("|", "\\|")


def _code(text: str) -> str:
    """Inline code, with a fence long enough for backticks inside."""
    fence = "``" if "`" in text else "`"
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _value(value: Any) -> str:
    """A field value as it is written in a log (YAML/JSON)."""
    return _code(value if isinstance(value, str) else json.dumps(value))


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return lines


def _field_type(spec: FieldSpec) -> str:
    text = str(spec.type)
    if spec.type.name == "list":
        extras = []
        if spec.min_items:
            extras.append(f"at least {spec.min_items}")
        if spec.single_to_list:
            extras.append("a single name is accepted")
        if extras:
            text += f" ({', '.join(extras)})"
    elif spec.type.name == "datetime":
        text += " (or a date: 00:00 local)"
    return text


def _event_type(spec: EventTypeSpec) -> list[str]:
    lines = [f"### `{spec.name}`", "", spec.doc, ""]
    if not spec.fields:
        return lines + ["No fields of its own.", ""]
    rows = [(_code(f.name), _field_type(f),
             ", ".join(_code(v) for v in f.values) if f.values else "",
             "required" if f.required else ("" if f.default is None else _value(f.default)),
             f.doc)
            for f in spec.fields.values()]
    return lines + _table(("field", "type", "values", "default", "doc"), rows) + [""]


def render(vocabulary: Vocabulary) -> str:
    """The Markdown reference of ``vocabulary``: deterministic, so that the
    committed page can be compared with a fresh rendering."""
    v = vocabulary
    source = v.source or "the vocabulary file"
    out = [
        f"# Vocabulary reference: {v.name} {v.version}",
        "",
        f"<!-- Generated from {source} by `python -m engine.apps.vocabulary_docs`. Do not edit by hand. -->",
        "",
        "What an event log may contain, the facts that conditions may use, and the "
        "built-in functions of the condition language. Facts are computed lazily, "
        "once per evaluation, from the events at or before the moment of evaluation; "
        "a fact is null (unknown) when the log cannot tell.",
        "",
        f"- [Event types](#event-types) ({len(v.event_type_specs)})",
        f"- [Facts](#facts) ({len(v.facts)})",
        f"- [Functions](#functions) ({len(v.functions)})",
        "",
        "## Event types",
        "",
        "Every event has `type` and `at` (ISO 8601; without an offset it is local "
        "time in the log's `timezone`) and may carry `id` and `note` (text). "
        "Any other field must be one of its type's fields below; an absent field "
        "takes its default, or is null.",
        "",
    ]
    for spec in v.event_type_specs.values():
        out += _event_type(spec)
    out += ["## Facts", "",
            "A fact is defined by an expression in the condition language over the "
            "events, or by a function of the fact library (`engine/model/fact_functions.py`) where "
            "the language is not enough. A fact that changes with the clock can change "
            "value while the log stays the same.", ""]
    if v.situation:
        out += ["Shown at the top of every report (the situation at a glance): "
                + ", ".join(_code(n) for n in v.situation) + ".", ""]
    rows = []
    for f in v.facts.values():
        if f.expr is not None:
            definition = _code(f.expr)
        else:
            definition = f"fact library: {_code(str(f.function))}"
        rows.append((_code(f.name), str(f.type), f.doc, definition,
                     "yes" if f.time_dependent else ""))
    out += _table(("fact", "type", "doc", "definition", "changes with the clock"), rows) + [""]
    out += ["## Functions", "",
            "Built into the condition language. A null argument gives a null result, "
            "except for `exists`. Times are read in the log's time zone.", ""]
    for fn in v.functions.values():
        out += [f"### `{fn.name}`", "", _code(fn.signature()), "", fn.doc, ""]
        if fn.example:
            out += [f"Example: {_code(fn.example)}", ""]
    return "\n".join(out).rstrip("\n") + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Write (or with ``--check``, compare) the vocabulary reference."""
    parser = argparse.ArgumentParser(prog="python -m engine.apps.vocabulary_docs",
                                     description="Generate docs/vocabulary.md from the vocabulary.")
    parser.add_argument("output", nargs="?", default=str(DEFAULT_OUTPUT),
                        help=f"the Markdown file to write (default: {DEFAULT_OUTPUT})")
    parser.add_argument("--vocabulary", metavar="FILE",
                        help="a vocabulary file (default: the bundled one)")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if the file is missing or out of date")
    args = parser.parse_args(argv)

    from engine.errors import RulesError
    from engine.model.vocabulary import load_vocabulary

    try:
        text = render(load_vocabulary(args.vocabulary))
    except RulesError as err:
        print(err.render(), file=sys.stderr)
        return 2
    target = Path(args.output)
    current = target.read_text("utf-8") if target.is_file() else None
    if args.check:
        if current != text:
            print(f"{target} is out of date: run python -m engine.apps.vocabulary_docs", file=sys.stderr)
            return 1
        return 0
    if current != text:
        from engine.base.files import atomic_write_text
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(target, text)
        print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
