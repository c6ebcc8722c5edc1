"""Checking citations against the source articles: every ``cite.quote`` must
appear verbatim in its document and every ``cite.section`` must be one of its
headings (a line of it, or the start of one), after folding whitespace and
typographic quotes.

A quote that is not there is reported with the nearest passage of the article
(its line and similarity), found with rapidfuzz's partial-ratio alignment.
``source.document`` is a bare file name looked up inside the seeds folders:
a path (``/etc/passwd``, ``../x``), a file that is not a regular file, an
over-large or non-UTF-8 file is an error that says nothing of its contents,
so ``rules check`` can never serve as an oracle for files elsewhere.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from engine.errors import PolicyError
from engine.model.policies import Policy

__all__ = ["fold", "find_seeds", "check_citations", "nearest_passage", "Passage", "MAX_ARTICLE_BYTES"]

_QUOTES = str.maketrans({"‘": "'", "’": "'", "‚": "'", "‛": "'", "“": '"', "”": '"',
                         "„": '"', "‟": '"', "′": "'", "″": '"', "\u00a0": " "})

#: An article larger than this is not a source article (and is not read).
MAX_ARTICLE_BYTES = 2_000_000

#: ``locate(policy, rule index, key)`` → ``file/line/column`` of a rule's
#: ``cite.<key>`` (or ``source.document`` with index -1), for messages.
Locate = Callable[[Policy, int, str], dict[str, Any]]


def fold(text: str) -> str:
    """Straight quotes, single spaces, no surrounding blanks."""
    return re.sub(r"\s+", " ", text.translate(_QUOTES)).strip()


def find_seeds(explicit: str | Path | Sequence[str | Path] | None = None) -> list[Path]:
    """The folders of source articles: every ``explicit`` one (which must
    exist), else ``$FOLLOWUP_SEEDS`` or the first ``shared/seeds`` folder
    beside or above the current directory; empty if there is none."""
    if isinstance(explicit, (str, Path)):
        explicit = [explicit]
    if explicit:
        return [Path(p) for p in explicit]
    candidates: list[Path] = []
    if os.environ.get("FOLLOWUP_SEEDS"):
        candidates.append(Path(os.environ["FOLLOWUP_SEEDS"]))
    here = Path.cwd().resolve()
    for base in (here, *here.parents):
        candidates.append(base / "shared" / "seeds")
        candidates.append(base.parent / "shared" / "seeds")
    return next(([c] for c in candidates if c.is_dir()), [])


@dataclass(frozen=True, slots=True)
class Passage:
    """The part of an article closest to a quote: where it starts, how
    similar it is (0–100), and its text."""

    line: int
    similarity: float
    text: str


class _Article:
    """An article's folded text, with a way back from a folded offset to its line."""

    def __init__(self, text: str) -> None:
        from bisect import bisect_right

        folded = text.translate(_QUOTES)
        newlines = [m.start() for m in re.finditer("\n", folded)]
        words = list(re.finditer(r"\S+", folded))
        self.body = " ".join(m.group() for m in words)
        # where each word starts in the body, and the line it is on
        self._starts: list[int] = []
        self._lines: list[int] = []
        at = 0
        for m in words:
            self._starts.append(at)
            self._lines.append(bisect_right(newlines, m.start()) + 1)
            at += len(m.group()) + 1
        self.headings = [fold(ln) for ln in text.splitlines() if ln.strip()]

    def line_at(self, offset: int) -> int:
        """The line of the article where the body's character ``offset`` is."""
        from bisect import bisect_right
        i = bisect_right(self._starts, offset) - 1
        return self._lines[max(0, i)] if self._lines else 1


def nearest_passage(quote: str, article: str) -> Passage | None:
    """The passage of ``article`` most like ``quote`` (both folded)."""
    return _nearest(fold(quote), _Article(article))


def _nearest(quote: str, article: _Article) -> Passage | None:
    try:
        from rapidfuzz import fuzz  # the `author` extra; only a failed quote needs it
    except ImportError:
        return None

    if not quote or not article.body:
        return None
    found = fuzz.partial_ratio_alignment(quote, article.body)
    if found is None:
        return None
    start, end = found.dest_start, found.dest_end
    # Widen to whole words so the passage reads as a phrase.
    while start > 0 and article.body[start - 1] != " ":
        start -= 1
    while end < len(article.body) and article.body[end] != " ":
        end += 1
    text = article.body[start:end].strip(" ,;:\"'")
    return Passage(article.line_at(start), round(found.score, 1), text)


def _no_fuzzy() -> bool:
    import importlib.util
    return importlib.util.find_spec("rapidfuzz") is None


def _read_article(name: str, seeds: Sequence[Path]) -> tuple[str | None, str]:
    """``(text or None, problem)``: the article ``name`` from the first seeds
    folder that has it. Only a bare file name inside a seeds folder is read."""
    if not name or name in (".", "..") or "/" in name or "\\" in name or "\0" in name \
            or name.startswith("."):
        return None, (f"source document '{name}' is not a file name: give the article's file "
                      "name only, found in the seeds folder")
    for folder in seeds:
        path = folder / name
        try:
            info = os.stat(path)
        except OSError:
            continue
        if not stat.S_ISREG(info.st_mode):
            return None, f"source document '{name}' is not a regular file"
        if info.st_size > MAX_ARTICLE_BYTES:
            return None, f"source document '{name}' is over {MAX_ARTICLE_BYTES:,} bytes: not an article"
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
            with os.fdopen(fd, "rb") as f:
                data = f.read(MAX_ARTICLE_BYTES + 1)
            return data.decode("utf-8"), ""
        except UnicodeDecodeError:
            return None, f"source document '{name}' is not UTF-8 text"
        except OSError as err:
            return None, f"source document '{name}' cannot be read: {err.strerror}"
    shown = ", ".join(str(s) for s in seeds)
    return None, f"source document '{name}' not found in {shown}"


def check_citations(policies: Iterable[Policy], seeds: Path | Sequence[Path],
                    locate: Locate | None = None) -> list[PolicyError]:
    """One error per citation that its article does not contain (with the
    nearest passage), per heading that is not one, per missing document."""
    folders = [seeds] if isinstance(seeds, Path) else list(seeds)
    errors: list[PolicyError] = []
    articles: dict[str, _Article | str] = {}

    def where(policy: Policy, index: int, key: str) -> dict[str, Any]:
        if locate is not None:
            return locate(policy, index, key)
        line = policy.rules[index].line if index >= 0 else None
        return {"file": policy.file, "line": line}

    for policy in policies:
        name = policy.source.get("document", "")
        if name not in articles:
            text, problem = _read_article(name, folders)
            articles[name] = _Article(text) if text is not None else problem
        article = articles[name]
        if isinstance(article, str):
            errors.append(PolicyError(article, code="RULES-E036", **where(policy, -1, "document"),
                                      hint="the article must be a file in a --seeds folder"))
            continue
        for i, rule in enumerate(policy.rules):
            quote = fold(rule.quote)
            if quote not in article.body:
                near = _nearest(quote, article)
                hint = "copy a short phrase exactly from the article"
                if near is None and _no_fuzzy():
                    hint += " (install followup-rules[author] to see the nearest passage)"
                if near is not None:
                    hint = (f"nearest passage, line {near.line} ({near.similarity:g}% similar): "
                            f"\"{near.text}\"")
                errors.append(PolicyError(f"rule '{rule.id}': quote not found in {name}: \"{rule.quote}\"",
                                          code="RULES-E036", hint=hint, **where(policy, i, "quote")))
            section = fold(rule.section)
            if not any(line.startswith(section) for line in article.headings):
                errors.append(PolicyError(f"rule '{rule.id}': section \"{rule.section}\" is not a heading of {name}",
                                          code="RULES-E036", **where(policy, i, "section"),
                                          hint="use a heading line of the article, copied exactly"))
    return errors
