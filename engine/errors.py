"""The engine's own exceptions: one small hierarchy, each error with a stable
code, a location (file, line, column) and a hint.

This module imports nothing from the engine so that every layer can use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Self

__all__ = [
    "RulesError",
    "ConditionError",
    "ConditionSyntaxError",
    "ConditionTypeError",
    "InputError",
    "LogError",
    "PolicyError",
    "VocabularyError",
    "UsageError",
    "CODES",
    "condition_error",
]

#: The error catalogue: every code the engine raises, with a short title.
#: docs/errors.md explains each; a test fails if a raised code is missing here.
CODES: dict[str, str] = {
    "RULES-E001": "condition syntax error",
    "RULES-E002": "condition too long or too deeply nested",
    "RULES-E003": "unknown name in a condition",
    "RULES-E004": "unknown function or wrong arguments",
    "RULES-E005": "type error in a condition",
    "RULES-E006": "chained comparison",
    "RULES-E007": "condition is not boolean",
    "RULES-E010": "YAML syntax error",
    "RULES-E011": "duplicate key in a YAML mapping",
    "RULES-E012": "unsafe or unknown YAML tag",
    "RULES-E013": "input over a size limit",
    "RULES-E014": "JSON syntax error",
    "RULES-E020": "event log does not match its schema",
    "RULES-E021": "unknown time zone",
    "RULES-E022": "bad timestamp or date",
    "RULES-E023": "unknown event type",
    "RULES-E024": "unknown or wrongly typed event field",
    "RULES-E030": "policy does not match its schema",
    "RULES-E031": "unknown action",
    "RULES-E032": "unknown action parameter or value",
    "RULES-E033": "duplicate id",
    "RULES-E034": "policy version problem",
    "RULES-E035": "policy requires another engine version",
    "RULES-E036": "citation not found in the source document",
    "RULES-E039": "cycle or self-reference in the action catalogue",
    "RULES-E040": "vocabulary error",
    "RULES-E041": "cycle between facts",
    "RULES-E050": "bad command-line usage",
    "RULES-E051": "file not found or unreadable",
    "RULES-E052": "bad scenario file",
    "RULES-E053": "scenario expectation not met",
    "RULES-E055": "file locked by another writer",
    "RULES-E056": "file may not be changed (read-only, a special file or a dangling link)",
    "RULES-E057": "the operating system refused a resource",
    "RULES-E058": "cannot write an output file",
    "RULES-E090": "internal error",
    "RULES-E060": "a batch worker process was lost",
    "RULES-E061": "Dask cluster unavailable or not installed",
    "RULES-E070": "request refused by the service",
    "RULES-E071": "missing or wrong bearer token",
    "RULES-E072": "request took too long",
    "RULES-E073": "form expired or forged (CSRF check)",
    "RULES-E074": "web app database problem",
}


@dataclass(frozen=True, slots=True)
class Location:
    """Where something is: a file (or '<condition>'), 1-based line and column."""

    file: str | None = None
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        parts = [self.file or "<input>"]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)


class RulesError(Exception):
    """Base of every error the engine raises on bad input.

    ``str(err)`` is the one-line ``file:line:col: CODE message``; ``render()``
    adds the source line with a caret and the hint.
    """

    default_code = "RULES-E050"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        file: str | None = None,
        line: int | None = None,
        column: int | None = None,
        hint: str | None = None,
        source_line: str | None = None,
        end_column: int | None = None,
        path: str | None = None,
    ) -> None:
        self.message = message
        #: where in data that came from no file (``events[1].type``): shown
        #: before the message when there is no line to point at
        self.path = path
        self.code = code or self.default_code
        self.file = file
        self.line = line
        self.column = column
        self.hint = hint
        self.source_line = source_line
        self.end_column = end_column
        super().__init__(str(self))

    @property
    def location(self) -> Location:
        return Location(self.file, self.line, self.column)

    def __str__(self) -> str:
        message = f"{self.path}: {self.message}" if self.path else self.message
        if self.file is None and self.line is None:
            return f"{self.code} {message}"
        return f"{self.location}: {self.code} {message}"

    def __reduce__(self) -> tuple[Any, ...]:  # keep keyword-only state across pickling
        return (_rebuild, (type(self), self.__dict__.copy()))

    def render(self) -> str:
        """The full message: headline, source line with a caret, hint."""
        lines = [str(self)]
        if self.source_line is not None and self.column is not None:
            src = self.source_line.rstrip("\n")
            lines.append("    " + src)
            width = 1
            if self.end_column and self.end_column > self.column:
                width = self.end_column - self.column
            lines.append("    " + " " * (self.column - 1) + "^" * width)
        if self.hint:
            lines.append(f"  hint: {self.hint}")
        return "\n".join(lines)

    def at(self, file: str | None = None, line: int | None = None,
           column: int | None = None, source_line: str | None = None) -> Self:
        """Return a copy of this error moved to another location."""
        clone = type(self).__new__(type(self))
        clone.__dict__.update(self.__dict__)
        if file is not None:
            clone.file = file
        if line is not None:
            clone.line = line
        if column is not None:
            if clone.end_column is not None and clone.column is not None:
                clone.end_column = column + (clone.end_column - clone.column)
            clone.column = column
        if source_line is not None:
            clone.source_line = source_line
        Exception.__init__(clone, str(clone))
        return clone


def _rebuild(cls: type[RulesError], state: dict[str, Any]) -> RulesError:
    err = cls.__new__(cls)
    err.__dict__.update(state)
    Exception.__init__(err, str(err))
    return err


class ConditionError(RulesError):
    """A problem in a condition's text. ``offset`` indexes the condition text."""

    default_code = "RULES-E001"

    def __init__(self, message: str, *, offset: int | None = None, length: int = 1,
                 **kw: Any) -> None:
        self.offset = offset
        self.length = length
        kw.setdefault("file", "<condition>")
        super().__init__(message, **kw)


def condition_error(cls: type[ConditionError], text: str, offset: int, message: str, *,
                    length: int = 1, hint: str | None = None,
                    code: str | None = None) -> ConditionError:
    """A ``cls`` error at ``offset`` of condition ``text``, with line, column
    and the source line for the caret."""
    offset = max(0, min(offset, len(text)))
    line = text.count("\n", 0, offset) + 1
    start = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", offset)
    column = offset - start + 1
    return cls(message, offset=offset, length=max(1, length), line=line, column=column,
               source_line=text[start: end if end != -1 else len(text)], hint=hint,
               code=code, end_column=column + max(1, length))


class ConditionSyntaxError(ConditionError):
    """The condition does not parse, or exceeds the length or depth bounds."""

    default_code = "RULES-E001"


class ConditionTypeError(ConditionError):
    """The condition parses but is wrong: unknown name, arity, types."""

    default_code = "RULES-E005"


class InputError(RulesError):
    """A file could not be read as YAML or JSON, or breaks an input limit."""

    default_code = "RULES-E010"


class LogError(RulesError):
    """An event log is invalid."""

    default_code = "RULES-E020"


class PolicyError(RulesError):
    """A policy or the action catalogue is invalid."""

    default_code = "RULES-E030"


class VocabularyError(RulesError):
    """The vocabulary (facts, event types) is invalid."""

    default_code = "RULES-E040"


class UsageError(RulesError):
    """Bad command-line usage or API arguments."""

    default_code = "RULES-E050"
