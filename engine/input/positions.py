"""Where values sit in an input file, and the bounds on reading one: the
vocabulary shared by the document reader and the two YAML readers."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Path_", "InputLimits", "DEFAULT_INPUT_LIMITS", "ScalarSource", "Positions", "SURROGATE",
           "TOO_MANY_VALUES_HINT", "source_line"]

Path_ = tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class InputLimits:
    """Bounds on one input file: its size in bytes, its values (counted
    after expanding aliases) and how deeply they nest."""

    max_bytes: int = 20_000_000
    max_nodes: int = 2_000_000
    max_depth: int = 200


DEFAULT_INPUT_LIMITS = InputLimits()

#: The hint for a file over ``max_nodes`` that uses no alias.
TOO_MANY_VALUES_HINT = "split the file, or raise the limit (InputLimits(max_nodes=…))"

# Where the readers start a new line besides "\n" (a mark's line counts them).
_OTHER_BREAKS = re.compile("\r\n?|[\x85\u2028\u2029]")


def source_line(text: str, line: int | None, *, json: bool = False) -> str | None:
    """Line ``line`` (1-based) of ``text`` as an error shows it: lines end
    where the YAML reader's marks count a line break (only at "\\n" for the
    line numbers of ``json``). None past the end. Finds the one line without
    splitting the whole text."""
    if line is None or line < 1:
        return None
    if not json and _OTHER_BREAKS.search(text):
        text = _OTHER_BREAKS.sub("\n", text)
    start = 0
    for _ in range(line - 1):
        start = text.find("\n", start) + 1
        if start == 0:
            return None
    if start == len(text) and line > 1:
        return None
    end = text.find("\n", start)
    return text[start:end if end != -1 else len(text)]


@dataclass(frozen=True, slots=True)
class ScalarSource:
    """Where a scalar value sits in the file: its first character's index,
    line and column (1-based), and its style (None plain, '"', "'", '|', '>')."""

    index: int
    line: int
    column: int
    style: str | None
    end_index: int


@dataclass
class Positions:
    """Path → (line, column) of values, and of mapping keys."""

    values: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    scalars: dict[Path_, ScalarSource] = field(default_factory=dict)

    def of(self, path: Path_, *, key: bool = False) -> tuple[int | None, int | None]:
        """The position of ``path`` (or of its key), or of its nearest parent."""
        table = self.keys if key else self.values
        probe = tuple(path)
        while probe:
            if probe in table:
                return table[probe]
            if probe in self.values:
                return self.values[probe]
            probe = probe[:-1]
        return self.values.get((), (1, 1))

    def line(self, path: Path_) -> int | None:
        """The line of ``path``: ``of(path)[0]``."""
        return self.of(path)[0]


SURROGATE = re.compile("[\ud800-\udfff]")
"""A lone surrogate: text that cannot be encoded, refused in every input."""
