"""``FIELD=VALUE`` arguments of ``rules log add|edit``, read by the field's
type in the vocabulary, and written into YAML so that they read back
exactly as given.

A text value is taken verbatim: ``note=follow-up #2`` is that text, with its
``#``, spaces, ``&``, ``*``, quotes and all (it is never parsed as YAML, which
would drop a comment, fold lines or read an anchor). A list field takes one
name, a comma-separated list (``interviewers=Maria Lopez, Tom Chen``) or a
YAML flow list (``[Lopez, Maria; Tom]``). Booleans are ``true``/``false``
(also yes/no, y/n, on/off, 1/0); dates and times take what ``--at`` takes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import Any

from engine.apps.logtimes import read_time
from engine.base.suggestions import suggest
from engine.errors import RulesError, UsageError
from engine.input.documents import parse_document
from engine.model.vocabulary import EventTypeSpec, FieldSpec

__all__ = ["COMMON_FIELDS", "as_written", "field_value", "parse_assignments"]

#: Fields every event may carry (text), besides its type's own.
COMMON_FIELDS = ("id", "note")

_SURROGATE = re.compile("[\ud800-\udfff]")
_TRUE = {"true", "yes", "y", "on", "1"}
_FALSE = {"false", "no", "n", "off", "0"}


def parse_assignments(pairs: Sequence[str], spec: EventTypeSpec | None, *, tz: tzinfo,
                      zone_name: str, now: datetime) -> tuple[dict[str, Any], list[str]]:
    """``field=value`` pairs as ``{field: value to store}`` and the warnings
    met on the way. A field given twice, an unknown field or a value of the
    wrong type is a ``UsageError``."""
    out: dict[str, Any] = {}
    warnings: list[str] = []
    for pair in pairs:
        name, sep, raw = pair.partition("=")
        if not sep or not name or name != name.strip():
            raise UsageError(f"{pair!r} is not FIELD=VALUE",
                             hint="e.g. channel=email, to='Jane Roe, Sam Poe' or note='called twice'")
        if name in ("type", "at"):
            raise UsageError(f"'{name}' is set by the command, not as a field",
                             hint="the type is the argument after FILE; the time is --at")
        if _SURROGATE.search(pair):
            raise UsageError(f"{name}: the value is not valid UTF-8 text",
                             hint="the terminal sent bytes in another encoding; set it to UTF-8")
        if name in out:
            raise UsageError(f"field '{name}' is given twice",
                             hint="give each field once (a list field takes 'A, B')")
        fspec = spec.fields.get(name) if spec is not None else None
        if spec is not None and fspec is None and name not in COMMON_FIELDS:
            known = [*spec.fields, *COMMON_FIELDS]
            raise UsageError(f"{spec.name} events have no field '{name}'", code="RULES-E024",
                             hint=suggest(name, known) or "fields: " + ", ".join(known))
        value, notes = field_value(name, raw, fspec, tz=tz, zone_name=zone_name, now=now)
        out[name] = value
        warnings.extend(notes)
    return out, warnings


def field_value(name: str, raw: str, spec: FieldSpec | None, *, tz: tzinfo, zone_name: str,
                now: datetime) -> tuple[Any, list[str]]:
    """The value to store for ``name=raw`` (text when ``spec`` is None)."""
    kind = spec.type.name if spec is not None else "string"
    if kind == "list":
        return _list(name, raw), []
    if kind == "bool":
        word = raw.strip().lower()
        if word in _TRUE:
            return True, []
        if word in _FALSE:
            return False, []
        raise UsageError(f"{name}: expected true or false, got {raw!r}", code="RULES-E024",
                         hint=f"e.g. {name}=true")
    if kind in ("int", "number"):
        return _number(name, raw, kind), []
    if kind in ("datetime", "date"):
        recorded = read_time(raw, tz, zone_name, now, prefer="future", what=name, dates=True)
        return recorded.text, list(recorded.warnings)
    if spec is not None and spec.values is not None and raw not in spec.values:
        folded = raw.strip().lower().replace(" ", "_").replace("-", "_")
        if folded in spec.values:  # "In person" is in_person
            return folded, []
        raise UsageError(f"{name}: {raw!r} is not one of {', '.join(spec.values)}", code="RULES-E024",
                         hint=suggest(raw, spec.values) or f"e.g. {name}={spec.values[0]}")
    return raw, []


def _list(name: str, raw: str) -> list[str]:
    text = raw.strip()
    if text.startswith("[") and text.endswith("]"):
        try:
            data = parse_document(text, "<value>").data
        except RulesError as err:
            raise UsageError(f"{name}: {raw!r} is not a list: {err.message}", code="RULES-E024",
                             hint=f"e.g. {name}='Jane Roe, Sam Poe'") from None
        if not isinstance(data, list) or not all(isinstance(item, str) for item in data):
            raise UsageError(f"{name}: expected names, got {raw!r}", code="RULES-E024",
                             hint=f"e.g. {name}='Jane Roe, Sam Poe'")
        return list(data)
    items = [item.strip() for item in text.split(",")]
    if text and any(not item for item in items):
        raise UsageError(f"{name}: an empty name in {raw!r}", code="RULES-E024",
                         hint=f"separate names with commas, e.g. {name}='Jane Roe, Sam Poe'")
    return [item for item in items if item]


_INT = re.compile(r"[+-]?[0-9]+")


def _number(name: str, raw: str, kind: str) -> int | float:
    text = raw.strip()
    if _INT.fullmatch(text) and len(text) <= 18:
        return int(text)
    if kind == "number":
        import math
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if math.isfinite(value):
            return value
    raise UsageError(f"{name}: expected {'an integer' if kind == 'int' else 'a number'}, got {raw!r}",
                     code="RULES-E024", hint=f"e.g. {name}=2")


_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9_]*(?:[ .'-][A-Za-z0-9_]+)*"
                    r"|[0-9]{4}-[0-9]{2}-[0-9]{2}(?:T[0-9]{2}:[0-9]{2}(?::[0-9]{2})?(?:[+-][0-9]{2}:[0-9]{2})?)?")
#: words a YAML 1.1 reader takes for something other than text
_SPECIAL = {"true", "false", "yes", "no", "y", "n", "on", "off", "null"}


def as_written(value: Any) -> Any:
    """``value`` ready for the round-trip YAML writer: text is written plain
    only when it is a simple phrase that every YAML reader takes as that text;
    anything else is double-quoted (with escapes), so it reads back identical."""
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    if isinstance(value, str):
        if _PLAIN.fullmatch(value) and value.lower() not in _SPECIAL and len(value) < 200:
            return value
        return DoubleQuotedScalarString(value)
    if isinstance(value, (list, tuple)):
        from ruamel.yaml.comments import CommentedSeq
        seq = CommentedSeq(as_written(v) for v in value)
        seq.fa.set_flow_style()
        return seq
    return value
