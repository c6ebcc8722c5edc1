"""Policies that can be replaced while the service runs.

A reload (a policy file changed, or SIGHUP) loads and checks the whole new
set first — schema, grammar, types, actions — and only then swaps it in, in
one assignment: a request sees the old set or the new one, never a mix. A
broken edit keeps the old set serving; the error is logged and shown by
``GET /v1/sources`` until a later reload succeeds.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from engine.errors import RulesError
from engine.model.folders import policy_roots
from engine.model.policies import PolicySet, load_policies

__all__ = ["Generation", "PolicyHolder"]

log = logging.getLogger("rules.serve")


@dataclass(frozen=True)
class Generation:
    """One loaded set of policies, numbered from 1, with when it was loaded."""

    number: int
    policies: PolicySet
    loaded_at: str
    fingerprint: tuple[tuple[str, int, int], ...]


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class PolicyHolder:
    """The policies in force (:attr:`current`), reloaded on change.

    Sets with other pins (``?policy=hayes@1.0.0``) are loaded on demand and
    kept per generation (a few, least recently used first out)."""

    def __init__(self, policies_dir: Path | tuple[Path, ...] | None, pins: tuple[str, ...] = (),
                 keep_pinned: int = 16) -> None:
        self.policies_dir = policies_dir
        self.pins = pins
        self._lock = threading.Lock()
        self._pinned: OrderedDict[tuple[int, tuple[str, ...]], PolicySet] = OrderedDict()
        self._keep = keep_pinned
        self.last_error: dict[str, Any] | None = None
        self.current = Generation(1, self._load(pins), _now(), self.fingerprint())

    def _load(self, pins: tuple[str, ...]) -> PolicySet:
        return load_policies(self.policies_dir, select=pins)

    def fingerprint(self) -> tuple[tuple[str, int, int], ...]:
        """(file, modification time, size) of every file a load reads."""
        out = []
        for path in sorted(p for root in policy_roots(self.policies_dir) for p in root.rglob("*.yaml")):
            try:
                st = path.stat()
            except OSError:
                continue
            out.append((str(path), st.st_mtime_ns, st.st_size))
        return tuple(out)

    def policies(self, pins: tuple[str, ...] = ()) -> tuple[Generation, PolicySet]:
        """The current generation and the set for ``pins`` (default: the served set)."""
        gen = self.current  # one read: the set and its number belong together
        if not pins or tuple(pins) == self.pins:
            return gen, gen.policies
        key = (gen.number, tuple(pins))
        with self._lock:
            found = self._pinned.get(key)
            if found is not None:
                self._pinned.move_to_end(key)
                return gen, found
        loaded = self._load(tuple(pins))  # a UsageError for an unknown policy or version
        with self._lock:
            self._pinned[key] = loaded
            while len(self._pinned) > self._keep:
                self._pinned.popitem(last=False)
        return gen, loaded

    def reload(self, reason: str = "requested") -> bool:
        """Load, check and swap in the policies; False (old set kept) on error."""
        fingerprint = self.fingerprint()
        try:
            fresh = self._load(self.pins)
        except RulesError as err:
            self.last_error = {"at": _now(), "reason": reason, "code": err.code, "message": str(err)}
            log.error("policies not reloaded (%s), still serving generation %d:\n%s",
                      reason, self.current.number, err.render())
            with self._lock:  # do not look at the same broken files again
                self.current = Generation(self.current.number, self.current.policies,
                                          self.current.loaded_at, fingerprint)
            return False
        with self._lock:
            self.current = Generation(self.current.number + 1, fresh, _now(), fingerprint)
            self._pinned.clear()
        self.last_error = None
        log.info("policies reloaded (%s): generation %d, %s", reason, self.current.number,
                 ", ".join(p.ref for p in fresh.policies))
        return True

    def reload_if_changed(self) -> bool:
        if self.fingerprint() != self.current.fingerprint:
            return self.reload("files changed")
        return False


class Watcher:
    """A daemon thread that looks at the policy files every ``interval`` seconds."""

    def __init__(self, holder: PolicyHolder, interval: float) -> None:
        self.holder = holder
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rules-policy-watcher", daemon=True)

    def start(self) -> None:
        if self.interval > 0:
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.holder.reload_if_changed()
            except Exception:  # never let the watcher die: log and look again later
                log.exception("policy watcher")
                time.sleep(self.interval)
