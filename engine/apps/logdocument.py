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
    def append(self, event: dict[str, Any]) -> int:
        """Add ``event`` at the end of the events; returns its index."""

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

    def append(self, event: dict[str, Any]) -> int:
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
    def __init__(self, original: str) -> None:
        from ruamel.yaml import YAML
        from ruamel.yaml.comments import CommentedSeq
        from ruamel.yaml.util import load_yaml_guess_indent

        yaml = YAML(typ="rt")
        yaml.preserve_quotes = True
        yaml.width = 4096
        _, indent, block_seq_indent = load_yaml_guess_indent(original)
        # keep the file's own list style ("- x" or "  - x")
        yaml.indent(mapping=2, sequence=indent or 2, offset=block_seq_indent or 0)
        self.yaml = yaml
        self.data = yaml.load(original)
        if self.data.get("events") is None:
            self.data["events"] = CommentedSeq()
        self.events = self.data["events"]

    def append(self, event: dict[str, Any]) -> int:
        from ruamel.yaml.comments import CommentedMap, CommentedSeq

        entry = CommentedMap((k, as_written(v)) for k, v in event.items())
        entry.fa.set_flow_style()
        if isinstance(self.events, CommentedSeq) and self.events.fa.flow_style():
            self.events.fa.set_block_style()  # `events: []` grows into a block list
        self.events.append(entry)
        return len(self.events) - 1

    def remove(self, index: int) -> None:
        del self.events[index]

    def update(self, index: int, changes: dict[str, Any], unset: tuple[str, ...] = ()) -> None:
        entry = self.events[index]
        for key in unset:
            if key in entry:
                del entry[key]
        for key, value in changes.items():
            entry[key] = as_written(value)

    def text(self) -> str:
        buffer = io.StringIO()
        self.yaml.dump(self.data, buffer)
        return buffer.getvalue()


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
