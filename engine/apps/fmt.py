"""``rules fmt``: the canonical layout of policy, action, vocabulary and
scenario files.

ruamel.yaml reads and writes the file round-trip, so comments, flow or block
style and the schema line stay; what changes is the order of keys (the order
of the documentation: ``id, summary, when, then, cite`` …, unknown keys
last in their own order), indentation, quoting, and every condition, printed
canonically by the language's printer. A file that does not parse, or a
condition that does not, is left as it is (``rules check`` reports it).
Formatting is idempotent and keeps the meaning: the file loads to the same
rules (a property test holds it to that).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable

from engine.errors import InputError

__all__ = ["FileKind", "kind_of", "format_text", "format_file", "FmtResult", "canonical_condition"]

#: Key order per kind of mapping; keys not listed follow in their own order.
ORDER: dict[str, tuple[str, ...]] = {
    "policy": ("policy", "version", "title", "source", "requires", "changes", "rules"),
    "source": ("author", "published", "document", "url"),
    "change": ("version", "summary"),
    "rule": ("id", "summary", "when", "then", "cite", "attributed_to"),
    "then": ("action", "stance"),
    "cite": ("section", "quote"),
    "scenarios": ("policy", "log", "scenarios"),
    "scenario": ("name", "at", "log", "expect"),
    "log": ("subject", "timezone", "events"),
    "event": ("type", "at", "id"),
    "actions": ("actions",),
    "action": ("id", "label", "doc", "params", "kind_of", "opposes"),
    "param": ("doc", "values"),
    "vocabulary": ("vocabulary", "version", "situation", "event_types", "facts"),
    "event_type": ("doc", "fields"),
    "field": ("type", "values", "required", "min_items", "minimum", "maximum", "single_to_list", "default", "doc"),
    "fact": ("type", "values", "expr", "function", "doc"),
}

FileKind = str  # "policy", "scenarios", "actions" or "vocabulary"


def kind_of(data: Any) -> FileKind | None:
    """Which kind of file ``data`` is, from its top-level keys."""
    if not isinstance(data, dict):
        return None
    if "rules" in data and "policy" in data:
        return "policy"
    if "scenarios" in data:
        return "scenarios"
    if "actions" in data:
        return "actions"
    if "facts" in data or "event_types" in data:
        return "vocabulary"
    return None


def canonical_condition(text: str) -> str:
    """``text`` printed canonically, or unchanged if it does not parse."""
    from engine.errors import RulesError
    from engine.language.parser import parse
    from engine.language.printer import to_text

    try:
        return to_text(parse(text), clarify=True)
    except RulesError:
        return text


def _order(mapping: Any, kind: str) -> None:
    if not hasattr(mapping, "move_to_end"):
        return
    wanted = ORDER[kind]
    keys = list(mapping.keys())
    ordered = [k for k in wanted if k in mapping] + [k for k in keys if k not in wanted]
    if ordered != keys:
        for key in ordered:
            mapping.move_to_end(key)


def _each(items: Any, fn: Callable[[Any], None]) -> None:
    if isinstance(items, list):
        for item in items:
            if isinstance(item, dict):
                fn(item)


def _log(log: Any) -> None:
    if isinstance(log, dict):
        _order(log, "log")
        _each(log.get("events"), lambda e: _order(e, "event"))


def _set_condition(mapping: Any, key: str) -> None:
    value = mapping.get(key)
    if isinstance(value, str):
        canonical = canonical_condition(value)
        if canonical != str(value):
            mapping[key] = canonical


def _policy(data: Any) -> None:
    _order(data, "policy")
    if isinstance(data.get("source"), dict):
        _order(data["source"], "source")
    _each(data.get("changes"), lambda c: _order(c, "change"))

    def rule(r: Any) -> None:
        _order(r, "rule")
        _set_condition(r, "when")
        if isinstance(r.get("then"), dict):
            _order(r["then"], "then")
        if isinstance(r.get("cite"), dict):
            _order(r["cite"], "cite")
    _each(data.get("rules"), rule)


def _scenarios(data: Any) -> None:
    _order(data, "scenarios")
    _log(data.get("log"))

    def scenario(s: Any) -> None:
        _order(s, "scenario")
        _log(s.get("log"))
    _each(data.get("scenarios"), scenario)


def _actions(data: Any) -> None:
    _order(data, "actions")

    def action(a: Any) -> None:
        _order(a, "action")
        params = a.get("params")
        if isinstance(params, dict):
            for p in params.values():
                if isinstance(p, dict):
                    _order(p, "param")
    _each(data.get("actions"), action)


def _vocabulary(data: Any) -> None:
    _order(data, "vocabulary")
    for spec in (data.get("event_types") or {}).values():
        if isinstance(spec, dict):
            _order(spec, "event_type")
            for f in (spec.get("fields") or {}).values():
                if isinstance(f, dict):
                    _order(f, "field")
    for fact in (data.get("facts") or {}).values():
        if isinstance(fact, dict):
            _order(fact, "fact")
            _set_condition(fact, "expr")


#: Characters that end a plain scalar inside a flow mapping or sequence for
#: PyYAML (the engine's reader), wherever they stand.
_FLOW_SPECIAL = frozenset(",?[]{}")

#: Free text that is always double-quoted (the house style of the bundled files).
_ALWAYS_QUOTED = {"requires", "section", "quote"}


def _restyle(value: str) -> bool:
    """Plain, single- or double-quoted text gets the canonical style; block
    scalars (``|``, ``>``) keep theirs."""
    from ruamel.yaml.scalarstring import (DoubleQuotedScalarString, PlainScalarString, ScalarString,
                                          SingleQuotedScalarString)
    return not isinstance(value, ScalarString) or isinstance(
        value, (SingleQuotedScalarString, DoubleQuotedScalarString, PlainScalarString))


def _quoted(text: str) -> Any:
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString, SingleQuotedScalarString
    if '"' in text and "'" not in text and "\n" not in text:
        return SingleQuotedScalarString(text)
    return DoubleQuotedScalarString(text)


class _Quoting:
    """Canonical quoting: plain where YAML allows it in that place (block or
    flow), else double quotes — single quotes for text that holds a double
    quote and no single one, which reads better than escapes."""

    def __init__(self, yaml: Any) -> None:
        from ruamel.yaml.emitter import Emitter
        self.emitter = Emitter(io.StringIO())
        # Without a dumper the emitter is its own serializer; analyze_scalar
        # asks it for the YAML version (none given: 1.2).
        self.emitter.use_version = None  # type: ignore[attr-defined]
        self.emitter.allow_unicode = True  # "Don’t" is plain text, not a special character
        self.resolver = yaml.resolver

    def plain_ok(self, text: str, in_flow: bool) -> bool:
        from ruamel.yaml.nodes import ScalarNode
        if not text or text != text.strip() or "\n" in text:
            return False
        if in_flow and any(c in text for c in _FLOW_SPECIAL):
            return False  # ruamel's emitter would write a flow "…again?" plain
        analysis = self.emitter.analyze_scalar(text)
        if not bool(analysis.allow_flow_plain if in_flow else analysis.allow_block_plain):
            return False
        tag: str = self.resolver.resolve(ScalarNode, text, (True, False))
        return tag == "tag:yaml.org,2002:str"

    def apply(self, node: Any, in_flow: bool = False) -> None:
        from ruamel.yaml.scalarstring import PlainScalarString, ScalarString
        flow = in_flow or bool(getattr(getattr(node, "fa", None), "flow_style", lambda: False)())
        if isinstance(node, dict):
            items = list(node.items())
            for key, value in items:
                if isinstance(value, str) and _restyle(value):
                    if key in _ALWAYS_QUOTED or not self.plain_ok(str(value), flow):
                        node[key] = _quoted(str(value))
                    elif isinstance(value, ScalarString):
                        node[key] = PlainScalarString(str(value))  # a plain str would keep the old style
                elif isinstance(value, (dict, list)):
                    self.apply(value, flow)
        elif isinstance(node, list):
            for i, value in enumerate(node):
                if isinstance(value, str) and _restyle(value):
                    if not self.plain_ok(str(value), flow):
                        node[i] = _quoted(str(value))
                    elif isinstance(value, ScalarString):
                        node[i] = PlainScalarString(str(value))
                elif isinstance(value, (dict, list)):
                    self.apply(value, flow)


_FORMAT = {"policy": _policy, "scenarios": _scenarios, "actions": _actions, "vocabulary": _vocabulary}


def _yaml() -> Any:
    from ruamel.yaml import YAML

    yaml = YAML()  # round-trip: comments, flow style and key order are kept
    yaml.width = 4096  # never fold a long condition or summary
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.preserve_quotes = True  # then made canonical by _Quoting
    return yaml


def format_text(text: str, name: str = "<input>") -> tuple[str, FileKind | None]:
    """The canonical form of ``text``, and the kind of file it is (None: not
    a file fmt knows; it comes back unchanged)."""
    from ruamel.yaml.error import YAMLError

    yaml = _yaml()
    try:
        data = yaml.load(text)
    except YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        raise InputError(f"invalid YAML: {getattr(err, 'problem', None) or err}", code="RULES-E010",
                         file=name, line=mark.line + 1 if mark else None,
                         column=mark.column + 1 if mark else None) from None
    kind = kind_of(data)
    if kind is None:
        return text, None
    _FORMAT[kind](data)
    _Quoting(yaml).apply(data)
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue(), kind


@dataclass(frozen=True, slots=True)
class FmtResult:
    path: Path
    kind: FileKind | None
    changed: bool


def format_file(path: Path, *, write: bool = True) -> FmtResult:
    """Format one file (in place unless ``write`` is false)."""
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(f"cannot read: {err}", code="RULES-E051", file=str(path)) from None
    new, kind = format_text(text, str(path))
    changed = new != text
    if changed and write:
        from engine.base.files import atomic_write_text
        atomic_write_text(path, new)
    return FmtResult(path, kind, changed)


def fmt_files(paths: Iterable[Path]) -> list[Path]:
    """The YAML files under ``paths`` that fmt formats (folders searched)."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out.extend(sorted(f for f in p.rglob("*.yaml") if not any(
                part.startswith(".") for part in f.relative_to(p).parts)))
        elif p.is_file():
            out.append(p)
        else:
            raise InputError("no such file or folder", code="RULES-E051", file=str(p))
    return list(dict.fromkeys(out))
