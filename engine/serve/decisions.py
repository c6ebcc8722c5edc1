"""The decision log: one JSON line per piece of advice given, written by a
background thread so that no request waits for the disk.

Each record holds a decision id (also sent as the ``X-Decision-Id`` header),
the time, the endpoint, the policies with their content digests, the moment
evaluated, a SHA-256 of the input, and a summary of the advice — which
sources say do, avoid or may for each action, and the disagreements. The
input itself only with ``--log-inputs`` (it is personal data).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import queue
import threading
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Mapping

from engine.model.policies import PolicySet

__all__ = ["DecisionLog", "advice_summary", "new_decision_id"]

log = logging.getLogger("rules.serve")

_STOP = object()


def new_decision_id() -> str:
    return str(uuid.uuid4())


def advice_summary(report: Mapping[str, Any]) -> dict[str, Any]:
    """``{"advice": {action: {stance: [policy, …]}}, "conflicts": ["kind:action", …]}``."""
    advice: dict[str, dict[str, list[str]]] = {}
    for group in report.get("advice", ()):
        stances: dict[str, list[str]] = {}
        for rec in group["recommendations"]:
            names = stances.setdefault(rec["stance"], [])
            if rec["policy"] not in names:
                names.append(rec["policy"])
        advice[group["action"]] = stances
    conflicts = [f"{c['kind']}:{'+'.join(c['actions'])}" for c in report.get("conflicts", ())]
    return {"advice": advice, "conflicts": conflicts}


class DecisionLog:
    """Appends records to a JSON Lines file from its own thread."""

    def __init__(self, path: Path, *, log_inputs: bool = False) -> None:
        self.path = path
        self.log_inputs = log_inputs
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="rules-decision-log", daemon=True)
        self.written = 0
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8"):  # fail at start, not at the first request
            pass

    def start(self) -> None:
        self._thread.start()

    def record(self, *, decision_id: str, endpoint: str, policies: PolicySet, at: str | None,
               input_bytes: bytes, report: Mapping[str, Any], input_text: str | None = None) -> None:
        """Queue one decision (returns at once)."""
        entry: dict[str, Any] = {
            "decision_id": decision_id,
            "time": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
            "endpoint": endpoint,
            "policies": [{"policy": p.id, "version": p.version, "sha256": p.sha256}
                         for p in policies.policies],
            "at": at,
            "input_sha256": hashlib.sha256(input_bytes).hexdigest(),
            **advice_summary(report),
        }
        if self.log_inputs:
            entry["input"] = input_text if input_text is not None else input_bytes.decode("utf-8", "replace")
        self._queue.put(entry)

    def close(self) -> None:
        """Write what is queued and stop the thread."""
        if self._thread.is_alive():
            self._queue.put(_STOP)
            self._thread.join(timeout=10)

    def _run(self) -> None:
        # One write(2) per batch on an O_APPEND descriptor: whole lines, never
        # interleaved with another worker process writing the same file.
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            while True:
                batch = [self._queue.get()]
                while True:  # write whatever else is waiting in the same go
                    try:
                        batch.append(self._queue.get_nowait())
                    except queue.Empty:
                        break
                data = "".join(json.dumps(b, ensure_ascii=False, separators=(",", ":")) + "\n"
                               for b in batch if b is not _STOP).encode("utf-8")
                try:
                    view = memoryview(data)
                    while view:
                        view = view[os.write(fd, view):]
                    self.written += sum(b is not _STOP for b in batch)
                except OSError as err:
                    log.error("decision log %s: %s (%d records lost)", self.path, err, len(batch))
                if any(b is _STOP for b in batch):
                    return
        finally:
            os.close(fd)
