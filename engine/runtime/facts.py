"""Per-evaluation state: the fact context.

A :class:`FactContext` is a dict of fact values that computes a missing fact
on first access (``__missing__``) and keeps it, so every fact is computed at
most once per evaluation and only if some condition reads it. It is also the
``ctx`` that library functions receive (moment, zone, events as of the moment).
With provenance on, it records which events each fact was computed from.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any, Callable

from engine.language.compiler import NoMemo
from engine.model.eventlog import Event, EventLog, LogView
from engine.model.vocabulary import Vocabulary

__all__ = ["FactContext"]


_NOTHING_CARRIED: tuple[int, dict[str, Any]] = (-1, {})  # (read only)


class FactContext(dict[str, Any]):
    """Fact name → value for one log at one moment (lazy, memoised)."""

    __slots__ = ("vocabulary", "view", "now", "tz", "recording", "provenance", "memo",
                 "events_of", "_facts", "_later", "_carried")

    #: How many later contexts one context keeps (see :meth:`at`): the
    #: hourly moments of the default 60-day horizon, and then some.
    MAX_LATER = 2048

    def __init__(self, vocabulary: Vocabulary, log: EventLog | LogView, now: datetime, *,
                 provenance: bool = False) -> None:
        # (no dict.__init__: a new dict is empty already)
        self.vocabulary = vocabulary
        self.view = view = LogView(log, now) if isinstance(log, EventLog) else log
        self.now = now
        self.tz: tzinfo = view.log.tz
        self.recording: set[Event] | None = None
        self.provenance: dict[str, frozenset[Event]] | None = {} if provenance else None
        # results of context-reading calls such as days_since(deadline), shared
        # by every rule of this evaluation (filled by the compiled conditions);
        # with provenance on, every call must run to record what it reads
        self.memo: dict[str, Any] = NoMemo() if provenance else {}
        #: ``events_of(type)``: the events of that type up to the moment, in
        #: time order (the view's own lookup, called directly)
        self.events_of: Callable[[str], tuple[Event, ...]] = view.events_of
        self._facts = vocabulary.facts
        self._later: dict[tuple[Any, ...], FactContext] | None = None  # see at()
        self._carried: tuple[int, dict[str, Any]] = _NOTHING_CARRIED

    def at(self, now: datetime) -> "FactContext":
        """A context for the same log as known now, with the clock at ``now``
        (how a rule would look later if nothing else happened). Facts that do
        not depend on the clock are carried over, not recomputed.

        The search for when a rule next applies asks this for the same moments
        rule after rule (every hour of the horizon, often), so the contexts
        are kept, one per moment (the first :attr:`MAX_LATER` asked for),
        with the facts and calls they have computed: a later context is for
        reading only."""
        # The same wall time, fold and zone: the same moment, represented
        # alike (== alone equates the two readings of a repeated hour).
        key = (now, now.fold, now.tzinfo)
        later_contexts = self._later
        if later_contexts is None:
            later_contexts = self._later = {}
        else:
            later = later_contexts.get(key)
            if later is not None:
                return later
        later = FactContext(self.vocabulary, self.view, now)
        dict.update(later, self._clock_free())
        if len(later_contexts) < self.MAX_LATER:
            later_contexts[key] = later
        return later

    def _clock_free(self) -> dict[str, Any]:
        """The facts computed so far that do not depend on the clock (worked
        out again only when more facts have been computed)."""
        size, carried = self._carried
        if size != len(self):
            facts = self._facts
            carried = {name: value for name, value in self.items()
                       if (spec := facts.get(name)) is not None and not spec.time_dependent}
            self._carried = (len(self), carried)
        return carried

    def touch(self, event: Event) -> None:
        if self.recording is not None:
            self.recording.add(event)

    def __missing__(self, name: str) -> Any:
        spec = self._facts.get(name)
        if spec is None:
            raise KeyError(name)
        if self.provenance is None:
            value = self[name] = spec.compute(self)
            return value
        outer = self.recording
        self.recording = set()
        try:
            value = spec.compute(self)
            used = self.recording
        finally:
            self.recording = outer
        # Facts it read that were already computed were cache hits, not
        # recorded: add their sources through the declared dependencies.
        for dep in spec.uses:
            used.update(self.provenance.get(dep, ()))
        self.provenance[name] = frozenset(used)
        if outer is not None:
            outer.update(used)
        self[name] = value
        return value

    def sources(self, name: str) -> tuple[Event, ...]:
        """The events fact ``name`` was computed from (provenance must be on)."""
        if self.provenance is None:
            raise ValueError("provenance is off for this context")
        self[name]  # noqa: B018 - computes it if needed
        return tuple(sorted(self.provenance.get(name, ()), key=lambda e: (e.at, e.index)))

    def __reduce__(self) -> tuple[Any, ...]:
        raise TypeError("a FactContext is per-evaluation state; pickle the log and policies instead")
