"""A small, fixed vocabulary for testing the condition language on its own.

It implements the checker's ``Scope`` protocol (facts with types, the built-in
functions, event types with fields) and provides a fact context that the
library functions accept (``now``, ``tz``, ``events_of``, ``touch``,
``recording``, ``memo``), so the parser → checker → compiler pipeline can be tested
without loading the real vocabulary or an event log.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable, Mapping

from engine.language.checker import Checked, check
from engine.language.compiler import CompiledExpr, compile_checked
from engine.language.builtins import BUILTINS, FunctionSpec
from engine.language.parser import parse
from engine.language.types import (BOOL, DATETIME, INT, NUMBER, STRING, Type, list_of)

__all__ = ["FACT_TYPES", "EVENT_FIELDS", "LanguageScope", "SCOPE", "Event", "Facts",
           "NOW", "TZ", "checked", "compiled", "facts", "evaluate"]

TZ = timezone(timedelta(hours=-5), "EST")
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=TZ)

#: Fact name → type. Names are chosen to look like the real vocabulary so that
#: did-you-mean hints can be tested, plus plain ``i*``/``n*``/``b*``/``s*``/``t*``
#: facts of each type for generated expressions.
FACT_TYPES: Mapping[str, Type] = {
    "now": DATETIME,
    "interview": DATETIME,
    "deadline": DATETIME,
    "last_contact": DATETIME,
    "check_in_invited_after": DATETIME,
    "interviewers": INT,
    "contacts_since_interview": INT,
    "contacts_since_deadline": INT,
    "unanswered_contacts": INT,
    "score": NUMBER,
    "thank_you_sent": BOOL,
    "asked_next_steps": BOOL,
    "outcome": STRING,
    "last_reply_tone": STRING,
    "tags": list_of(STRING),
    "i1": INT, "i2": INT, "i3": INT,
    "n1": NUMBER, "n2": NUMBER,
    "b1": BOOL, "b2": BOOL, "b3": BOOL,
    "s1": STRING, "s2": STRING,
    "t1": DATETIME, "t2": DATETIME,
}

#: Event type → field → type (``at``, ``type``, ``id`` and ``note`` are built in).
EVENT_FIELDS: Mapping[str, Mapping[str, Type]] = {
    "interview": {"interviewers": list_of(STRING), "format": STRING,
                  "asked_next_steps": BOOL},
    "decision_expected": {"by": DATETIME},
    "follow_up_sent": {"channel": STRING, "kind": STRING},
    "reply_received": {"tone": STRING, "check_in_after": DATETIME, "will_contact": BOOL},
    "offer": {},
}


class LanguageScope:
    """The checker's Scope over :data:`FACT_TYPES`, :data:`EVENT_FIELDS` and
    the built-in function library."""

    def __init__(self, fact_types: Mapping[str, Type] = FACT_TYPES,
                 event_fields: Mapping[str, Mapping[str, Type]] = EVENT_FIELDS,
                 functions: Mapping[str, FunctionSpec] = BUILTINS) -> None:
        self.fact_types = dict(fact_types)
        self.fields = {k: dict(v) for k, v in event_fields.items()}
        self.functions = dict(functions)

    def fact_type(self, name: str) -> Type | None:
        return self.fact_types.get(name)

    def fact_names(self) -> Iterable[str]:
        return self.fact_types.keys()

    def function(self, name: str) -> FunctionSpec | None:
        return self.functions.get(name)

    def function_names(self) -> Iterable[str]:
        return self.functions.keys()

    def event_fields(self, event_type: str) -> Mapping[str, Type] | None:
        return self.fields.get(event_type)

    def event_types(self) -> Iterable[str]:
        return self.fields.keys()


SCOPE = LanguageScope()


@dataclass(frozen=True)
class Event:
    """A minimal event: what ``last``/``first``/``count`` and ``.field`` need."""

    type: str
    at: datetime
    fields: Mapping[str, Any] = field(default_factory=dict)
    id: str | None = None
    note: str | None = None

    def __hash__(self) -> int:
        return hash((self.type, self.at, self.id))

    def field(self, name: str) -> Any:
        if name in ("at", "type", "id", "note"):
            return getattr(self, name)
        return self.fields.get(name)


class Facts(dict):
    """Fact values plus the evaluation context the library functions read."""

    def __init__(self, values: Mapping[str, Any] = (), *, now: datetime = NOW,
                 events: Iterable[Event] = ()) -> None:
        super().__init__(values)
        self.now = now
        self.tz = now.tzinfo
        self.events = sorted(events, key=lambda e: e.at)
        self.recording: set[Event] | None = None
        self.memo: dict[str, Any] = {}  # what the compiled code may keep per evaluation
        self.touched: list[Event] = []
        self.memo: dict[str, Any] = {}  # shared results of context-reading calls
        self.setdefault("now", now)

    def events_of(self, event_type: str) -> tuple[Event, ...]:
        return tuple(e for e in self.events if e.type == event_type and e.at <= self.now)

    def touch(self, event: Event) -> None:
        self.touched.append(event)


def facts(**values: Any) -> Facts:
    """A fact context with every fact of :data:`FACT_TYPES` (but ``now``) null
    unless given."""
    return Facts({**{name: None for name in FACT_TYPES if name != "now"}, **values})


def checked(text: str, scope: Any = SCOPE, expect: Type | None = BOOL) -> Checked:
    return check(parse(text), scope, text, expect=expect)


def compiled(text: str, scope: Any = SCOPE, expect: Type | None = BOOL) -> CompiledExpr:
    return compile_checked(checked(text, scope, expect), scope.functions)


def evaluate(text: str, ctx: Mapping[str, Any] | None = None, **values: Any) -> Any:
    """Compile ``text`` and run it on both paths; they must agree."""
    expr = compiled(text, expect=None)
    ctx = ctx if ctx is not None else facts(**values)
    fast = expr(ctx)
    traced, _ = expr.trace(ctx)
    assert fast == traced and type(fast) is type(traced), (text, fast, traced)
    return fast


