"""Shared by the service's tests (tests/serve/): an app on a temporary
database and decision log, driven in-process through Starlette's test
client."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("starlette")  # the [serve] extra (make test installs it)

import warnings  # noqa: E402

with warnings.catch_warnings():  # Starlette prefers the httpx2 fork; httpx works the same
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient  # noqa: E402

from engine.serve import Settings, create_app  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "waiting-past-date.yaml"
YAML = {"content-type": "application/yaml"}



def make_client(tmp_path: Path, **overrides: Any) -> TestClient:
    settings = Settings(**{"database": tmp_path / "app.db", "decision_log": tmp_path / "decisions.jsonl",
                           "reload_seconds": 0, **overrides})
    return TestClient(create_app(settings))


def example_log() -> dict[str, Any]:
    """The example as JSON data (dates as text, as a JSON client sends them)."""
    import yaml
    return json.loads(json.dumps(yaml.safe_load(EXAMPLE.read_text("utf-8")), default=str))


def decisions(tmp_path: Path) -> list[dict[str, Any]]:
    path = tmp_path / "decisions.jsonl"
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()] if path.exists() else []
