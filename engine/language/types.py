"""Static types of the condition language and the rules that relate them."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Type", "BOOL", "INT", "NUMBER", "STRING", "DATE", "DATETIME", "NULL",
           "ANY", "EVENT", "list_of", "event_of", "enum_of", "parse_type", "assignable",
           "orderable", "equatable", "unify", "type_of_value"]


@dataclass(frozen=True, slots=True)
class Type:
    """A type: a base name, plus the item type of a list or the event type.

    A string type may carry the set of ``values`` it can take (an enum: the
    vocabulary declares them for ``outcome``, ``format``, …); comparing it with
    a literal outside the set is a type error. It prints as ``string``.
    """

    name: str
    item: "Type | None" = None
    event: str | None = None
    values: tuple[str, ...] | None = None

    def __str__(self) -> str:
        if self.name == "list" and self.item is not None:
            return f"list[{self.item}]"
        if self.name == "event" and self.event is not None:
            return f"event[{self.event}]"
        return self.name


BOOL = Type("bool")
INT = Type("int")
NUMBER = Type("number")
STRING = Type("string")
DATE = Type("date")
DATETIME = Type("datetime")
NULL = Type("null")
ANY = Type("any")
EVENT = Type("event")
_BASES = {t.name: t for t in (BOOL, INT, NUMBER, STRING, DATE, DATETIME, NULL, ANY, EVENT)}


def list_of(item: Type) -> Type:
    return Type("list", item=item)


def event_of(event_type: str | None) -> Type:
    return Type("event", event=event_type)


def enum_of(values: "tuple[str, ...] | list[str] | frozenset[str]") -> Type:
    """A string type that takes only ``values`` (in their declared order)."""
    return Type("string", values=tuple(dict.fromkeys(values)))


def parse_type(text: str) -> Type:
    """``"int"``, ``"list[string]"``, ``"event[interview]"`` → :class:`Type`."""
    text = text.strip()
    if text.startswith("list[") and text.endswith("]"):
        return list_of(parse_type(text[5:-1]))
    if text.startswith("list"):
        return list_of(ANY) if text == "list" else _fail(text)
    if text.startswith("event[") and text.endswith("]"):
        return event_of(text[6:-1].strip())
    if text in _BASES:
        return _BASES[text]
    return _fail(text)


def _fail(text: str) -> Type:
    raise ValueError(f"unknown type {text!r}; known: {', '.join(sorted(_BASES))}, list[T], event[TYPE]")


def _numeric(t: Type) -> bool:
    return t.name in ("int", "number")


def _temporal(t: Type) -> bool:
    return t.name in ("date", "datetime")


def assignable(src: Type, dst: Type) -> bool:
    """Can a value of type ``src`` be used where ``dst`` is expected?"""
    if src == dst or dst.name == "any" or src.name in ("any", "null"):
        return True
    if src.name == dst.name == "string":
        return True  # an enum is a string; which literal fits is checked where it is compared
    if src.name == "int" and dst.name == "number":
        return True
    if _temporal(src) and _temporal(dst):
        return True
    if src.name == "list" and dst.name == "list":
        return dst.item is None or src.item is None or assignable(src.item, dst.item)
    if src.name == "event" and dst.name == "event":
        return dst.event is None or src.event is None or src.event == dst.event
    return False


def equatable(a: Type, b: Type) -> bool:
    """May ``a == b`` be anything but always false?"""
    return assignable(a, b) or assignable(b, a) or (_numeric(a) and _numeric(b))


def orderable(a: Type, b: Type) -> bool:
    """May ``a < b`` be compared?"""
    if "any" in (a.name, b.name):
        return True
    return ((_numeric(a) and _numeric(b)) or (_temporal(a) and _temporal(b))
            or (a.name == b.name == "string"))


def unify(a: Type, b: Type) -> Type | None:
    """The narrowest type both ``a`` and ``b`` fit, or ``None``."""
    if a == b:
        return a
    if a.name == "null":
        return b
    if b.name == "null":
        return a
    if "any" in (a.name, b.name):
        return ANY
    if _numeric(a) and _numeric(b):
        return NUMBER
    if _temporal(a) and _temporal(b):
        return DATETIME
    if a.name == b.name == "string":
        both = a.values is not None and b.values is not None
        return enum_of((a.values or ()) + (b.values or ())) if both else STRING
    if a.name == b.name == "list":
        item = unify(a.item or ANY, b.item or ANY)
        return list_of(item) if item else list_of(ANY)
    if a.name == b.name == "event":
        return event_of(a.event if a.event == b.event else None)
    return None


def type_of_value(value: object) -> Type:
    """The type of a Python value produced by a literal (used by folding)."""
    if value is None:
        return NULL
    if isinstance(value, bool):
        return BOOL
    if isinstance(value, int):
        return INT
    if isinstance(value, float):
        return NUMBER
    if isinstance(value, str):
        return STRING
    if isinstance(value, (list, tuple)):
        item: Type = NULL
        for v in value:
            item = unify(item, type_of_value(v)) or ANY
        return list_of(ANY if item == NULL else item)
    return ANY
