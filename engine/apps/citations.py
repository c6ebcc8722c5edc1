"""Checking citations against the source articles: every ``cite.quote`` must
appear verbatim in its document and every ``cite.section`` must be one of its
headings (a line of it, or the start of one), after folding whitespace and
typographic quotes."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Iterable

from engine.errors import PolicyError
from engine.model.policies import Policy

__all__ = ["fold", "find_seeds", "check_citations"]

_QUOTES = str.maketrans({"‘": "'", "’": "'", "‚": "'", "‛": "'", "“": '"', "”": '"',
                         "„": '"', "‟": '"', "′": "'", "″": '"', "\u00a0": " "})


def fold(text: str) -> str:
    """Straight quotes, single spaces, no surrounding blanks."""
    return re.sub(r"\s+", " ", text.translate(_QUOTES)).strip()


def find_seeds(explicit: str | Path | None = None) -> Path | None:
    """The folder of source articles: ``explicit``, ``$FOLLOWUP_SEEDS``, or a
    ``shared/seeds`` folder beside or above the current directory."""
    candidates: list[Path] = []
    if explicit:
        candidates.append(Path(explicit))
    if os.environ.get("FOLLOWUP_SEEDS"):
        candidates.append(Path(os.environ["FOLLOWUP_SEEDS"]))
    here = Path.cwd().resolve()
    for base in (here, *here.parents):
        candidates.append(base / "shared" / "seeds")
        candidates.append(base.parent / "shared" / "seeds")
    for c in candidates:
        if c.is_dir():
            return c
    return None


def check_citations(policies: Iterable[Policy], seeds: Path) -> list[PolicyError]:
    """One error per citation that the article does not contain."""
    errors: list[PolicyError] = []
    cache: dict[str, tuple[str, list[str]]] = {}
    for policy in policies:
        name = policy.source.get("document", "")
        path = seeds / name
        if name not in cache:
            if not path.is_file():
                errors.append(PolicyError(f"source document '{name}' not found in {seeds}",
                                          code="RULES-E036", file=policy.file))
                continue
            text = path.read_text("utf-8")
            cache[name] = (fold(text), [fold(line) for line in text.splitlines() if line.strip()])
        body, lines = cache[name]
        for rule in policy.rules:
            quote = fold(rule.quote)
            if quote not in body:
                errors.append(PolicyError(f"rule '{rule.id}': quote not found in {name}: \"{rule.quote}\"",
                                          code="RULES-E036", file=policy.file, line=rule.line,
                                          hint="copy a short phrase exactly from the article"))
            section = fold(rule.section)
            if not any(line.startswith(section) for line in lines):
                errors.append(PolicyError(f"rule '{rule.id}': section \"{rule.section}\" is not a heading of {name}",
                                          code="RULES-E036", file=policy.file, line=rule.line,
                                          hint="use a heading line of the article, copied exactly"))
    return errors
