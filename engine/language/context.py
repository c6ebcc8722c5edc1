"""What a compiled condition and the built-in functions need from an
evaluation: the clock, the zone, fact values and the log's events.

The runtime's ``FactContext`` provides it; the language layer names only this
protocol, so it never depends on the runtime.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, tzinfo
from typing import Any, Protocol

__all__ = ["EventView", "EvaluationContext"]


class EventView(Protocol):
    """One event as conditions see it."""

    @property
    def type(self) -> str: ...
    @property
    def at(self) -> datetime: ...
    @property
    def fields(self) -> Mapping[str, Any]: ...


class EvaluationContext(Protocol):
    """Fact values (``ctx["deadline"]``) and events for one log at one moment."""

    @property
    def now(self) -> datetime: ...
    @property
    def tz(self) -> tzinfo: ...
    @property
    def recording(self) -> set[Any] | None: ...
    @property
    def memo(self) -> dict[str, Any]: ...
    @property
    def events_of(self) -> Callable[[str], Sequence[Any]]: ...
    def touch(self, event: Any) -> None: ...
    def __getitem__(self, name: str) -> Any: ...
