"""Text for a terminal: the width to write to and lines wrapped to it with
hanging indents, so that no line is longer than the width."""

from __future__ import annotations

import os
import shutil
import textwrap
from typing import IO, Mapping

__all__ = ["DEFAULT_WIDTH", "MIN_WIDTH", "terminal_width", "wrap"]

DEFAULT_WIDTH = 80
MIN_WIDTH = 40   # below this, hanging indents leave no room for words


def terminal_width(stream: IO[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    """``COLUMNS`` if set, else the terminal's width when ``stream`` is one,
    else 80 (a pipe, a file, a test)."""
    env = os.environ if env is None else env
    columns = env.get("COLUMNS", "").strip()
    if columns.isdigit() and int(columns) > 0:
        return max(MIN_WIDTH, int(columns))
    isatty = getattr(stream, "isatty", None)
    if stream is not None and isatty is not None and isatty():
        size = shutil.get_terminal_size((DEFAULT_WIDTH, 24))
        return max(MIN_WIDTH, size.columns)
    return DEFAULT_WIDTH


def wrap(text: str, width: int, indent: str = "", hang: str = "  ") -> list[str]:
    """``text`` in lines of at most ``width`` characters: the first starts with
    ``indent``, the others with ``indent + hang``."""
    width = max(width, len(indent) + len(hang) + 12)
    return textwrap.wrap(text, width=width, initial_indent=indent, subsequent_indent=indent + hang,
                         break_long_words=True, break_on_hyphens=False) or [indent.rstrip()]
