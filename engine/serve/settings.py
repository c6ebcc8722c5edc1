"""What one ``rules serve`` process is set to: where it listens, which
policies it serves, where it keeps its data, and its bounds."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from engine.errors import UsageError
from engine.model.folders import policy_roots

__all__ = ["Settings", "LOCAL_HOSTS"]

#: Addresses that only this machine can reach: no token needed there.
LOCAL_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})


@dataclass(frozen=True)
class Settings:
    """One service's settings (``rules serve`` options; see docs/serve.md)."""

    host: str = "127.0.0.1"
    port: int = 8080
    policies_dir: Path | tuple[Path, ...] | None = None  # None: the bundled policies; several: merged
    pins: tuple[str, ...] = ()                # default selection (``--policy``)
    database: Path = Path("followup.db")      # the web app's SQLite file
    decision_log: Path | None = None          # JSON Lines; None: no decision log
    log_inputs: bool = False                  # put each request's input in the decision log
    token: str | None = None                  # bearer token (required off 127.0.0.1)
    max_body_bytes: int = 1_000_000           # one request body (a batch: one line)
    max_events: int = 10_000                  # events in one log
    max_batch_lines: int = 10_000             # lines in one batch request
    request_seconds: float = 10.0             # wall-clock time for one evaluation
    reload_seconds: float = 1.0               # how often policy files are looked at; 0: never
    web_app: bool = True                      # serve the job seeker's web app at /

    def check(self) -> "Settings":
        """Refuse settings that would be unsafe or cannot work."""
        if self.host not in LOCAL_HOSTS and not self.token:
            raise UsageError(f"listening on {self.host} needs a bearer token",
                             hint="set RULES_SERVE_TOKEN (or --token-file FILE), or listen on 127.0.0.1 "
                                  "behind a reverse proxy")
        if self.token is not None and len(self.token) < 16:
            raise UsageError("the bearer token is shorter than 16 characters",
                             hint="e.g. python -c 'import secrets; print(secrets.token_urlsafe(32))'")
        for name in ("max_body_bytes", "max_events", "max_batch_lines"):
            if getattr(self, name) < 1:
                raise UsageError(f"{name.replace('_', '-')} must be at least 1")
        if self.request_seconds <= 0:
            raise UsageError("the request time limit must be above 0 seconds")
        for folder in policy_roots(self.policies_dir):
            if not folder.is_dir():
                raise UsageError(f"no such policies folder: {folder}")
        return self
