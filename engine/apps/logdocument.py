"""A log file opened for editing in its own format: YAML through a round-trip
library (ruamel.yaml) that keeps comments, key order and layout; JSON as
JSON (a JSON log stays JSON, indented as it was)."""

from __future__ import annotations

import io
import json
import re
from abc import ABC, abstractmethod
from typing import Any

from engine.apps.logvalues import as_written

__all__ = ["EditableLog", "open_editable"]


class EditableLog(ABC):
    """The events of a log file as a mutable list of mappings, and the file's
    new text once changed. Values given are plain (str, bool, int, list)."""

    is_json = False

    @abstractmethod
    def append(self, event: dict[str, Any], *, quick: bool = True) -> int:
        """Add ``event`` at the end of the events; returns its index (-1:
        appended as a new last line, to be checked by reading it back)."""

    @abstractmethod
    def remove(self, index: int) -> None:
        """Remove the event at ``index`` (its position in the file)."""

    @abstractmethod
    def update(self, index: int, changes: dict[str, Any], unset: tuple[str, ...] = ()) -> None:
        """Set ``changes`` and remove the fields ``unset`` of the event at ``index``."""

    @abstractmethod
    def text(self) -> str:
        """The whole file as it is to be written."""


class _JsonLog(EditableLog):
    is_json = True

    def __init__(self, original: str, data: dict[str, Any]) -> None:
        self.data = data
        self.events: list[Any] = data.setdefault("events", [])
        self.indent = _json_indent(original)
        self.ascii = original.isascii() and "\\u" in original
        self.newline = original.endswith("\n")

    def append(self, event: dict[str, Any], *, quick: bool = True) -> int:
        self.events.append(dict(event))
        return len(self.events) - 1

    def remove(self, index: int) -> None:
        del self.events[index]

    def update(self, index: int, changes: dict[str, Any], unset: tuple[str, ...] = ()) -> None:
        entry = self.events[index]
        for key in unset:
            entry.pop(key, None)
        entry.update(changes)

    def text(self) -> str:
        separators = (",", ": ") if self.indent is not None else (", ", ": ")
        body = json.dumps(self.data, indent=self.indent, ensure_ascii=self.ascii, separators=separators)
        return body + ("\n" if self.newline else "")


def _json_indent(text: str) -> int | None:
    """The indent of the file's first nested line (None: all on one line)."""
    match = re.search(r"\n( +)\S", text)
    return len(match.group(1)) if match else None


class _YamlLog(EditableLog):
    """A YAML log. Appending one event (the usual change) first tries adding
    its line at the end of the file, which is what the round-trip writer
    would do where the events are the file's last block; the caller reads
    the result back and, if it is not the old events plus the new one, asks
    again with ``quick=False`` for the round-trip edit."""

    def __init__(self, original: str) -> None:
        self.original = original
        self.appended: str | None = None
        self._data: Any = None

    def _load(self) -> Any:
        if self._data is None:
            from ruamel.yaml import YAML
            from ruamel.yaml.comments import CommentedSeq

            yaml = YAML(typ="rt")
            yaml.preserve_quotes = True
            yaml.width = 4096
            offset = _item_offset(self.original)
            # keep the file's own list style ("- x" or "  - x")
            yaml.indent(mapping=2, sequence=offset + 2, offset=offset)
            self.yaml = yaml
            self._data = yaml.load(self.original)
            if self._data.get("events") is None:
                self._data["events"] = CommentedSeq()
        return self._data

    def append(self, event: dict[str, Any], *, quick: bool = True) -> int:
        from ruamel.yaml.comments import CommentedMap, CommentedSeq

        entry = CommentedMap((k, as_written(v)) for k, v in event.items())
        entry.fa.set_flow_style()
        if quick and self._data is None:
            self.appended = _appended(self.original, entry)
            if self.appended is not None:
                return -1
        self.appended = None
        events = self._load()["events"]
        if isinstance(events, CommentedSeq) and events.fa.flow_style():
            events.fa.set_block_style()  # `events: []` grows into a block list
        events.append(entry)
        return len(events) - 1

    def remove(self, index: int) -> None:
        del self._load()["events"][index]

    def update(self, index: int, changes: dict[str, Any], unset: tuple[str, ...] = ()) -> None:
        entry = self._load()["events"][index]
        for key in unset:
            if key in entry:
                del entry[key]
        for key, value in changes.items():
            entry[key] = as_written(value)

    def text(self) -> str:
        if self.appended is not None:
            return self.appended
        buffer = io.StringIO()
        self.yaml.dump(self._load(), buffer)
        return _like(self.original, buffer.getvalue())


_ITEM = re.compile(r"^( *)- ", re.MULTILINE)
_EVENTS_BLOCK = re.compile(r"^events:[ \t]*(?:#.*)?$", re.MULTILINE)


def _item_offset(text: str) -> int:
    """Spaces before the dash of the events' items (0 for "- x", 2 for "  - x")."""
    start = _EVENTS_BLOCK.search(text)
    match = _ITEM.search(text, start.end() if start else 0)
    return len(match.group(1)) if match else 0


def _appended(original: str, entry: Any) -> str | None:
    """``original`` with ``entry`` as a new last line of a block list of
    events, or None where the file plainly does not end with one."""
    from ruamel.yaml import YAML

    start = _EVENTS_BLOCK.search(original)
    if start is None or _ITEM.search(original, start.end()) is None:
        return None
    yaml = YAML(typ="rt")
    yaml.width = 4096
    buffer = io.StringIO()
    yaml.dump([entry], buffer)
    line = buffer.getvalue()
    if line.count("\n") != 1:
        return None
    body = original if original.endswith("\n") else original + "\n"
    return body + " " * _item_offset(original) + line


def _like(original: str, text: str) -> str:
    """``text`` with the byte-order mark of ``original``, if it had one."""
    text = text.lstrip("\ufeff")
    return ("\ufeff" + text) if original.startswith("\ufeff") else text


def open_editable(text: str, *, json_file: bool) -> EditableLog:
    """``text`` of a log (already read and checked) opened for editing.
    A ``.json`` file, or any file whose text is JSON, is edited as JSON."""
    if json_file or text.lstrip("\ufeff \t\r\n").startswith("{"):
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        if isinstance(data, dict):
            return _JsonLog(text, data)
    return _YamlLog(text)
