"""Shared fixtures: the bundled policies (loaded once per session; they are
immutable) and paths."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
SEEDS = ROOT.parent / "shared" / "seeds"


@pytest.fixture(scope="session")
def policies():
    from engine.policies import load_policies
    return load_policies()


@pytest.fixture(scope="session")
def vocabulary(policies):
    return policies.vocabulary
