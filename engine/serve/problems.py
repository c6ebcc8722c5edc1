"""Errors as HTTP responses: every problem is a JSON body with the engine's
code, message and where (``path`` in the data, or ``line``/``column`` in the
body), and a status — 400 for input that does not parse or bad parameters,
413 for input over a bound, 422 for input that parses but is not a valid log,
never a 500 with a traceback."""

from __future__ import annotations

from typing import Any

from engine.errors import InputError, RulesError, UsageError

__all__ = ["ServiceError", "status_of", "error_body"]

#: Codes of input that did not parse at all (YAML, JSON, tags, duplicate keys).
_UNPARSED = frozenset({"RULES-E010", "RULES-E011", "RULES-E012", "RULES-E014"})


class ServiceError(RulesError):
    """A problem with a request itself (size, time, token, route) rather than
    with the log it carries; ``status`` is its HTTP status."""

    default_code = "RULES-E070"

    def __init__(self, message: str, *, status: int, code: str, hint: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message, code=code, hint=hint)
        self.status = status
        self.headers = headers or {}


def status_of(err: RulesError) -> int:
    if isinstance(err, ServiceError):
        return err.status
    if err.code == "RULES-E013":
        return 413
    if err.code in _UNPARSED or isinstance(err, UsageError):
        return 400
    if isinstance(err, InputError):
        return 400
    return 422


def error_body(err: RulesError, prefix: str = "") -> dict[str, Any]:
    """``{"error": {...}}`` for ``err``; ``prefix`` is where the log sits in
    the request (``context.log`` in a CDS-Hooks call)."""
    detail: dict[str, Any] = {"code": err.code, "message": err.message}
    path = err.path
    if prefix and path:
        path = f"{prefix}.{path}"
    elif prefix and err.line is None:
        path = prefix
    if path:
        detail["path"] = path
    if err.line is not None:
        detail["line"] = err.line
        if err.column is not None:
            detail["column"] = err.column
    if err.hint:
        detail["hint"] = err.hint
    return {"error": detail}
