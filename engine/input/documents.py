"""Reading YAML and JSON safely, keeping every value's position.

``load_document`` returns the data as plain Python values plus a
:class:`Positions` map from a path (``("rules", 3, "when")``) to the line and
column of that value in the file, so every later error can point at its node.

Safety: only plain YAML (no tags that construct objects: a ``!!python/…`` or
any unknown tag is refused), duplicate keys are an error, aliases count toward
a node limit (so an alias "billion laughs" is refused before memory grows),
and files over a size limit are refused. Timestamps stay strings: the event
log layer parses them with its own rules and time zone.

The YAML itself is read by ``engine.input.yaml_reader`` (libyaml where it reads
a text as the pure-Python reader would, that reader otherwise) into values
by ``engine.input.yaml_values``; this module owns the documents, their positions,
the limits, JSON, and reading files.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.errors import InputError
from engine.input.positions import (DEFAULT_INPUT_LIMITS, TOO_MANY_VALUES_HINT, InputLimits, Path_, Positions,
                                    ScalarSource, source_line)
from engine.input.reading import read_input
from engine.input.yaml_reader import read_yaml

__all__ = ["Document", "Positions", "load_document", "parse_document", "InputLimits",
           "DEFAULT_INPUT_LIMITS", "offset_to_position", "source_line", "TOO_MANY_VALUES_HINT"]

class _OneLinePositions:
    """The positions of a one-line JSON document (a line of JSON Lines),
    worked out only when something asks for them — an error to report.

    They come from the same parse as any JSON document's (the YAML parser
    run over the text; see :func:`parse_document`), which is slow: a valid
    line never needs it, as every value of it is on line 1. If that parse
    finds a problem, asking for a position raises the error it would have
    raised up front."""

    def __init__(self, text: str, file: str, limits: InputLimits) -> None:
        self._source: tuple[str, str, InputLimits] | None = (text, file, limits)
        self._positions = Positions()

    def _parsed(self) -> Positions:
        if self._source is not None:
            text, file, limits = self._source
            self._positions = parse_document(text, file, json_only=True, limits=limits,
                                             _lazy_positions=False).positions
            self._source = None
        return self._positions

    @property
    def values(self) -> dict[Path_, tuple[int, int]]:
        return self._parsed().values

    @property
    def keys(self) -> dict[Path_, tuple[int, int]]:
        return self._parsed().keys

    @property
    def scalars(self) -> dict[Path_, ScalarSource]:
        return self._parsed().scalars

    def of(self, path: Path_, *, key: bool = False) -> tuple[int | None, int | None]:
        return self._parsed().of(path, key=key)

    def line(self, path: Path_) -> int | None:
        return 1


@dataclass
class Document:
    """A parsed file: its data, the positions of its values, its text."""

    data: Any
    positions: Positions
    file: str
    text: str

    def where(self, path: Path_, *, key: bool = False) -> dict[str, Any]:
        """Keyword arguments (file, line, column, source_line) for an error."""
        line, column = self.positions.of(path, key=key)
        where = {"file": self.file, "line": line, "column": column,
                 "source_line": source_line(self.text, line)}
        if line is None and path:  # data from no file: say where in the data
            where["path"] = "".join(f"[{step}]" if isinstance(step, int) else
                                    f".{step}" if i else str(step) for i, step in enumerate(path))
        return where

    def locate_in_scalar(self, path: Path_, offset: int) -> dict[str, Any]:
        """Position of character ``offset`` inside the string value at ``path``."""
        src = self.positions.scalars.get(tuple(path))
        value = _get(self.data, path)
        if src is None or not isinstance(value, str):
            return self.where(path)
        index = _map_offset(self.text, src, value, offset)
        line, column = offset_to_position(self.text, index)
        return {"file": self.file, "line": line, "column": column,
                "source_line": source_line(self.text, line, json=True)}


def _get(data: Any, path: Path_) -> Any:
    for step in path:
        try:
            data = data[step]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def offset_to_position(text: str, index: int) -> tuple[int, int]:
    """1-based line and column of ``index`` in ``text``."""
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return line, column


def _map_offset(text: str, src: ScalarSource, value: str, offset: int) -> int:
    """Index in ``text`` of ``value[offset]``, by walking the raw scalar and the
    value side by side (handles quotes, escapes, folded and block styles)."""
    i = src.index
    if src.style in ('"', "'"):
        i += 1
    elif src.style in ("|", ">"):
        i = text.find("\n", i) + 1  # content starts on the next line
    end = max(src.end_index, i)
    for k, ch in enumerate(value):
        # skip raw characters that do not appear in the value
        while i < end and text[i] != ch:
            if ch == " " and text[i] == "\n":
                break
            i += 1
        if k == offset:
            return min(i, len(text))
        if i < end and ch == " " and text[i] == "\n":
            i += 1
            while i < end and text[i] in " \t":
                i += 1
            continue
        i += 1
    return min(i, len(text))


# Characters that the YAML reader refuses, skips (a BOM) or takes for line
# breaks, and a tab.
_NOT_YAML_IN_JSON = re.compile(
    "[^\n\r\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


class _KeyProblem(Exception):
    pass


def _plain_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """``object_pairs_hook`` of ``json.loads``: a dict, unless a key repeats
    or is long (see :func:`_one_line_json`)."""
    result = dict(pairs)
    if len(result) != len(pairs) or (pairs and max(map(len, result)) > 80):
        raise _KeyProblem
    return result


def _encodable(text: str) -> bool:
    """No lone surrogate in ``text`` (the encoder checks in C what a regular
    expression would look for far more slowly)."""
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _one_line_json(text: str, limits: InputLimits) -> Any:
    """The data of ``text`` if it is one line of JSON whose positions can wait
    (see :class:`_OneLinePositions`): the YAML parse for positions would find
    nothing wrong with it — no repeated key, no (escaped) surrogate, nothing
    over a limit — and every value of it is on line 1. Else ``_NO_DATA``."""
    end = len(text) - 1 if text.endswith("\n") else len(text)
    if "\n" in text[:end] or "\r" in text or len(text) > limits.max_nodes \
            or _SURROGATE_ESCAPE.search(text) or not _encodable(text):
        return _NO_DATA
    # The YAML parser takes a key for one only within 1024 characters of its
    # ':'. A key of at most 80 characters is at most 482 in JSON (with
    # six-character \u escapes), and at most 63 blanks can stand before its ':'.
    # (The regular expression is slow on a long line: a substring test first
    # where there is no tab.)
    if len(text) > 480 and (" " * 64 in text if "\t" not in text else _LONG_BLANKS.search(text)):
        return _NO_DATA
    try:
        data = json.loads(text, object_pairs_hook=_plain_keys)
    except (ValueError, RecursionError, _KeyProblem):  # the full parse says what is wrong
        return _NO_DATA
    if text.count("[") + text.count("{") > limits.max_depth:  # maybe nested deeper than allowed
        stack = [(data, 0)]
        while stack:
            value, depth = stack.pop()
            if depth > limits.max_depth:
                return _NO_DATA
            if isinstance(value, dict):
                stack.extend((v, depth + 1) for v in value.values())
            elif isinstance(value, list):
                stack.extend((v, depth + 1) for v in value)
    return data


_LONG_BLANKS = re.compile("[ \t]{64}")


_NO_DATA = object()


def parse_document(text: str, file: str = "<input>", *, json_only: bool = False,
                   limits: InputLimits = DEFAULT_INPUT_LIMITS,
                   _lazy_positions: bool = True) -> Document:
    """Parse YAML (or JSON, a subset here) ``text`` with positions."""
    if len(text.encode("utf-8", "surrogatepass")) > limits.max_bytes:
        raise InputError(f"file is larger than {limits.max_bytes} bytes", code="RULES-E013",
                         file=file, hint="split the input or raise the limit")
    parsed: Any = None
    if json_only and _lazy_positions:
        # A line of JSON Lines: its values now, its positions when needed.
        data = _one_line_json(text, limits)
        if data is not _NO_DATA:
            return Document(data, _OneLinePositions(text, file, limits), file, text)  # type: ignore[arg-type]
    if json_only:
        try:
            parsed = json.loads(text)
        except json.JSONDecodeError as err:
            raise InputError(f"invalid JSON: {err.msg}", code="RULES-E014", file=file,
                             line=err.lineno, column=err.colno,
                             source_line=source_line(text, err.lineno, json=True)) from None
        except RecursionError:
            raise InputError("JSON nested too deeply", code="RULES-E013", file=file) from None
    # JSON is read twice: by ``json`` for its values (numbers such as 1e3,
    # surrogate pairs in \u escapes) and by the YAML parser for positions and
    # duplicate keys. A tab outside a string (a string cannot hold a raw tab)
    # is plain JSON whitespace but not YAML, so it becomes a space: same columns.
    # So do the characters a JSON string may hold raw but YAML refuses (DEL,
    # C1 controls) or reads as line breaks (NEL, U+2028, U+2029): the values
    # come from ``json``, and positions stay the same.
    yaml_text = _NOT_YAML_IN_JSON.sub(" ", text) if json_only else text

    data, positions = read_yaml(yaml_text, text, file, limits)
    if json_only:
        data = parsed
    return Document(data, positions, file, text)


def load_document(path: str | Path, *, display: str | None = None,
                  limits: InputLimits = DEFAULT_INPUT_LIMITS) -> Document:
    """Read and parse a YAML or JSON file (JSON when it ends in ``.json``):
    a regular file of at most ``limits.max_bytes`` bytes (see
    :func:`engine.input.reading.read_input`)."""
    p = Path(path)
    name = display or str(path)
    raw = read_input(p, name, limits.max_bytes)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise InputError(f"not UTF-8 text ({err.reason} at byte {err.start})", code="RULES-E051",
                         file=name) from None
    if "\r" in text:  # universal newlines, as a file opened as text reads
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return parse_document(text, name, json_only=p.suffix.lower() == ".json", limits=limits)
