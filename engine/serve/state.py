"""What one running service holds: its settings, the policies in force, the
decision log and the web app's store."""

from __future__ import annotations

from typing import Any, Mapping

from engine.model.policies import PolicySet
from engine.serve.decisions import DecisionLog, new_decision_id
from engine.serve.reloading import PolicyHolder, Watcher
from engine.serve.settings import Settings

__all__ = ["ServiceState"]


class ServiceState:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.holder = PolicyHolder(settings.policies_dir, settings.pins)
        self.watcher = Watcher(self.holder, settings.reload_seconds)
        self.decisions = (DecisionLog(settings.decision_log, log_inputs=settings.log_inputs)
                          if settings.decision_log else None)
        self.store: Any = None
        if settings.web_app:
            from engine.serve.store import Store
            self.store = Store(settings.database)

    def start(self) -> None:
        self.watcher.start()
        if self.decisions:
            self.decisions.start()

    def stop(self) -> None:
        self.watcher.stop()
        if self.decisions:
            self.decisions.close()

    def decide(self, endpoint: str, policies: PolicySet, at: str | None, body: bytes,
               report: Mapping[str, Any]) -> str:
        """Log one decision (if there is a decision log); its id."""
        decision = new_decision_id()
        if self.decisions:
            self.decisions.record(decision_id=decision, endpoint=endpoint, policies=policies, at=at,
                                  input_bytes=body, report=report)
        return decision
