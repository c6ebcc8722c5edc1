"""Starting the service on uvicorn, with one or several worker processes.

Workers are separate processes started by uvicorn: each builds the app
from the settings, which travel in an environment variable (as JSON)."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

from engine.serve.settings import Settings

__all__ = ["run", "app_from_environment", "SETTINGS_ENV"]

SETTINGS_ENV = "RULES_SERVE_SETTINGS"
_PATHS = ("policies_dir", "database", "decision_log")


def _encode(settings: Settings) -> str:
    data = asdict(settings)
    data["token"] = None  # the token stays in RULES_SERVE_TOKEN, not in a second variable
    def encoded(key: str, value: Any) -> Any:
        if key not in _PATHS or value is None:
            return value
        return [str(v) for v in value] if isinstance(value, tuple) else str(value)
    return json.dumps({k: encoded(k, v) for k, v in data.items()})


def _decode(text: str) -> Settings:
    data: dict[str, Any] = json.loads(text)
    known = {f.name for f in fields(Settings)}
    for key in _PATHS:
        value = data.get(key)
        if value is not None:
            data[key] = tuple(Path(v) for v in value) if isinstance(value, list) else Path(value)
    data["pins"] = tuple(data.get("pins") or ())
    data["token"] = os.environ.get("RULES_SERVE_TOKEN") or None
    return Settings(**{k: v for k, v in data.items() if k in known})


def configure_logging() -> None:
    """The service's own messages (reloads, decision-log trouble) on
    standard error, in uvicorn's style."""
    import logging
    logger = logging.getLogger("rules.serve")
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s:     %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False


def app_from_environment() -> Any:
    """The app for a uvicorn worker (``--workers N``)."""
    configure_logging()
    from engine.serve.app import build_app
    return build_app(_decode(os.environ[SETTINGS_ENV]))


def run(settings: Settings, *, workers: int = 1) -> None:
    import uvicorn

    configure_logging()
    common: dict[str, Any] = dict(host=settings.host, port=settings.port, backlog=2048,
                                  proxy_headers=True, forwarded_allow_ips="127.0.0.1",
                                  log_level="info", timeout_graceful_shutdown=10)
    if workers == 1:
        from engine.serve.app import build_app
        uvicorn.run(build_app(settings), **common)
        return
    if settings.token:
        os.environ["RULES_SERVE_TOKEN"] = settings.token
    os.environ[SETTINGS_ENV] = _encode(settings)
    uvicorn.run("engine.serve.launch:app_from_environment", factory=True, workers=workers, **common)
