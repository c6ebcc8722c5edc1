"""Reading a request: its body within the size bound, the event log in it
(YAML or JSON, by content type), the moment and pins in its query, and
running the engine within the time bound, off the event loop."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Callable, Mapping, TypeVar

import anyio
from starlette.requests import Request

from engine.errors import UsageError
from engine.input.times import get_zone, parse_moment
from engine.model.eventlog import EventLog, parse_log
from engine.model.vocabulary import Vocabulary
from engine.serve.problems import ServiceError
from engine.serve.settings import Settings

__all__ = ["read_body", "log_from_body", "moment_param", "pins_param", "int_param", "bounded",
           "next_change_headers", "BODY_NAME"]

T = TypeVar("T")

#: How a request body is named in error messages (``<body>:3:7``).
BODY_NAME = "<body>"

_JSON = ("application/json",)
_YAML = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml", "text/plain",
         "application/x-www-form-urlencoded", "")  # curl --data-binary sends the last but one


async def read_body(request: Request, limit: int) -> bytes:
    """The whole body, or a 413 as soon as it passes ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(limit: int) -> ServiceError:
    return ServiceError(f"request body over the limit of {limit} bytes", status=413,
                        code="RULES-E013", hint="send a smaller log, or start the service with a "
                                                "larger --max-body")


def body_kind(request: Request) -> str:
    """``json`` or ``yaml`` from the content type; a 415 for anything else."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype in _JSON or ctype.endswith("+json"):
        return "json"
    if ctype in _YAML:
        return "yaml"
    raise ServiceError(f"cannot read a body of type {ctype}", status=415, code="RULES-E070",
                       hint="send the event log as application/json or application/yaml")


def text_of(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as err:
        raise UsageError(f"the body is not UTF-8 text ({err.reason} at byte {err.start})",
                         code="RULES-E014") from None


def log_from_body(body: bytes, kind: str, vocabulary: Vocabulary, max_events: int) -> EventLog:
    if not body.strip():
        raise UsageError("the body is empty: send an event log", file=BODY_NAME,
                         hint="e.g. --data-binary @examples/waiting-past-date.yaml")
    return parse_log(text_of(body), BODY_NAME, vocabulary, max_events=max_events,
                     json_only=kind == "json")


def moment_param(value: str | None, log: EventLog, name: str = "at") -> datetime | None:
    if value is None or value == "":
        return None
    try:
        return parse_moment(value, log.tz)
    except ValueError as err:
        raise UsageError(f"{name}: {err}", hint=f"e.g. {name}=2026-11-23T09:00 (local time in the "
                                               "log's zone) or 2026-11-23T09:00-05:00") from None


def check_moment(value: str | None, name: str = "at") -> None:
    """A moment that is valid in some zone (checked before a batch starts)."""
    if value:
        try:
            parse_moment(value, get_zone("UTC"))
        except ValueError as err:
            raise UsageError(f"{name}: {err}", hint=f"e.g. {name}=2026-11-23T09:00") from None


def pins_param(request: Request) -> tuple[str, ...]:
    return tuple(p for p in request.query_params.getlist("policy") if p)


def int_param(request: Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise UsageError(f"{name}: '{raw}' is not a whole number",
                         hint=f"{name} is {low} to {high}") from None
    if not low <= value <= high:
        raise UsageError(f"{name}: {value} is not {low} to {high}")
    return value


async def bounded(settings: Settings, work: Callable[[], T]) -> T:
    """``work()`` in a worker thread, given up after ``settings.request_seconds``
    (the thread finishes on its own; the request gets a 503)."""
    try:
        with anyio.fail_after(settings.request_seconds):
            return await anyio.to_thread.run_sync(work, abandon_on_cancel=True)
    except TimeoutError:
        raise ServiceError(f"the evaluation took more than {settings.request_seconds:g} s",
                           status=503, code="RULES-E072",
                           hint="send a smaller log, or raise --request-seconds") from None


def next_change_headers(report: Mapping[str, Any], decision: str) -> dict[str, str]:
    """``X-Decision-Id``, and ``X-Next-Change-At`` when the advice would next
    change if nothing else happens (an app schedules its next look for then)."""
    headers = {"X-Decision-Id": decision}
    if report.get("next_change_at"):
        headers["X-Next-Change-At"] = str(report["next_change_at"])
    return headers
