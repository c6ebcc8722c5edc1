"""Did-you-mean hints for unknown names, shared by every layer that reports one."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = ["suggest"]


def suggest(name: str, candidates: Iterable[str]) -> str | None:
    """A did-you-mean hint for an unknown ``name``, or None."""
    match = difflib.get_close_matches(name, sorted(set(candidates)), n=1, cutoff=0.6)
    return f"did you mean '{match[0]}'?" if match else None
