"""Shared fixtures: the bundled policies (loaded once per session; they are
immutable) and paths."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
SEEDS = ROOT.parent / "shared" / "seeds"

# The on-disk cache of loaded policies (engine/model/cache.py) lives in a folder of
# this test run's own, inherited by the commands the tests start: no test
# reads what an earlier run or the user's own commands left behind.
_CACHE = tempfile.mkdtemp(prefix="rules-test-cache-")
os.environ["RULES_CACHE_DIR"] = _CACHE
os.environ.pop("RULES_NO_CACHE", None)
atexit.register(shutil.rmtree, _CACHE, ignore_errors=True)


@pytest.fixture(scope="session")
def policies():
    from engine.model.policies import load_policies
    return load_policies()


@pytest.fixture(scope="session")
def vocabulary(policies):
    return policies.vocabulary
