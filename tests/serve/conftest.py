"""Fixtures of the service's tests; helpers are in tests/serve_support.py."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

pytest.importorskip("starlette")  # the [serve] extra (make test installs it)

from serve_support import TestClient, make_client  # noqa: E402


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with make_client(tmp_path) as c:
        yield c
