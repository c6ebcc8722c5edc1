"""The JSON API under ``/v1``: sources, explain, plan (JSON or iCalendar)
and batch (JSON Lines in and out, streamed)."""

from __future__ import annotations

import json
from functools import partial
from datetime import timedelta
from typing import Any, AsyncIterator

from starlette.requests import Request
from starlette.requests import ClientDisconnect
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.routing import Route

from engine.errors import RulesError
from engine.model.folders import merged_policy_files, policy_roots
from engine.serve.problems import ServiceError, error_body
from engine.serve.requests import (body_kind, bounded, check_moment, int_param, log_from_body,
                                   moment_param, next_change_headers, pins_param, read_body)
from engine.serve.state import ServiceState

__all__ = ["api_routes", "JSON_TYPE"]

JSON_TYPE = "application/json"
NDJSON_TYPE = "application/x-ndjson"


def _state(request: Request) -> ServiceState:
    state: ServiceState = request.app.state.service
    return state


async def sources(request: Request) -> Response:
    state = _state(request)
    gen, policies = state.holder.policies(pins_param(request))
    available = merged_policy_files(policy_roots(state.holder.policies_dir))
    body = {
        "generation": gen.number, "loaded_at": gen.loaded_at,
        "policies": [{"policy": p.id, "version": p.version, "title": p.title, "sha256": p.sha256,
                      "rules": len(p.rules), "author": p.source.get("author"),
                      "versions": sorted(available.get(p.id, {}))} for p in policies.policies],
        "last_reload_error": state.holder.last_error,
    }
    return JSONResponse(body)


async def explain(request: Request) -> Response:
    state = _state(request)
    body = await read_body(request, state.settings.max_body_bytes)
    kind = body_kind(request)
    pins = pins_param(request)
    at = request.query_params.get("at")
    horizon = int_param(request, "horizon", 60, 1, 3650)

    def work() -> tuple[Any, dict[str, Any]]:
        from engine.runtime.evaluation import evaluate
        _, policies = state.holder.policies(pins)
        log = log_from_body(body, kind, policies.vocabulary, state.settings.max_events)
        report = evaluate(policies, log, moment_param(at, log), horizon=timedelta(days=horizon))
        return policies, report.to_dict()

    policies, report = await bounded(state.settings, work)
    decision = state.decide("/v1/explain", policies, report.get("at"), body, report)
    text = json.dumps(report, ensure_ascii=False, separators=(",", ":"))
    return Response(text, media_type=JSON_TYPE, headers=next_change_headers(report, decision))


async def plan(request: Request) -> Response:
    state = _state(request)
    body = await read_body(request, state.settings.max_body_bytes)
    kind = body_kind(request)
    pins = pins_param(request)
    start = request.query_params.get("from") or request.query_params.get("at")
    days = int_param(request, "days", 30, 1, 3650)
    fmt = request.query_params.get("format") or (
        "ics" if "text/calendar" in request.headers.get("accept", "") else "json")
    if fmt not in ("json", "ics"):
        raise ServiceError(f"format: '{fmt}' is not json or ics", status=400, code="RULES-E050")

    def work() -> bytes:
        from engine.runtime.plan import build_plan
        _, policies = state.holder.policies(pins)
        log = log_from_body(body, kind, policies.vocabulary, state.settings.max_events)
        the_plan = build_plan(policies, log, moment_param(start, log, "from"), days)
        if fmt == "ics":
            from engine.render.ics import render_ics
            return render_ics(the_plan)
        return json.dumps(the_plan.to_dict(), ensure_ascii=False, separators=(",", ":")).encode()

    data = await bounded(state.settings, work)
    if fmt == "ics":
        return Response(data, media_type="text/calendar",
                        headers={"Content-Disposition": 'attachment; filename="plan.ics"'})
    return Response(data, media_type=JSON_TYPE)


async def batch(request: Request) -> Response:
    state = _state(request)
    settings = state.settings
    pins = pins_param(request)
    at = request.query_params.get("at")
    check_moment(at)
    explain_all = request.query_params.get("explain", "false").lower() in ("1", "true", "yes")
    _, policies = state.holder.policies(pins)  # fails now (400), not in the middle of the stream

    async def records() -> AsyncIterator[bytes]:
        from engine.apps.batch import evaluate_line
        count = 0
        async for number, line in _lines(request, settings.max_body_bytes):
            if isinstance(line, RulesError):
                yield _record({"line": number, **error_body(line)})
                continue
            if not line.strip():
                continue
            count += 1
            if count > settings.max_batch_lines:
                yield _record({"line": number, **error_body(ServiceError(
                    f"more than {settings.max_batch_lines} logs in one batch; the rest is not read",
                    status=413, code="RULES-E070", hint="split the batch"))})
                return
            try:
                text = await bounded(settings, partial(evaluate_line, policies, number, line, at,
                                                       "<body>", explain_all))
            except ServiceError as err:
                yield _record({"line": number, **error_body(err)})
                continue
            result = json.loads(text)
            if "error" not in result:
                state.decide("/v1/batch", policies, result.get("at"), line.encode("utf-8"), result)
            yield (text + "\n").encode("utf-8")

    return _LinesResponse(records())


class _LinesResponse(Response):
    """A streamed response whose body is made while the request's body is
    still being read. (Starlette's StreamingResponse listens for the client
    going away by reading the request, which would take the lines meant for
    the batch.) A client that goes away ends the stream."""

    media_type = NDJSON_TYPE

    def __init__(self, chunks: AsyncIterator[bytes]) -> None:
        super().__init__(media_type=NDJSON_TYPE)
        self.raw_headers = [(k, v) for k, v in self.raw_headers if k != b"content-length"]
        self.chunks = chunks

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status_code,
                    "headers": self.raw_headers})
        try:
            async for chunk in self.chunks:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        except (ClientDisconnect, OSError):
            return
        await send({"type": "http.response.body", "body": b"", "more_body": False})


def _record(value: dict[str, Any]) -> bytes:
    return (json.dumps(value, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


async def _lines(request: Request, limit: int) -> AsyncIterator[tuple[int, str | RulesError]]:
    """Numbered lines of the body as they arrive; a line over ``limit``
    bytes (or not UTF-8) is an error for that line, and is skipped."""
    pending = b""
    number = 0
    skipping = False  # inside a line already reported as too long
    async for chunk in request.stream():
        pending += chunk
        while (cut := pending.find(b"\n")) >= 0:
            raw, pending = pending[:cut], pending[cut + 1:]
            if skipping:  # the rest of the over-long line
                skipping = False
                continue
            number += 1
            yield number, _decoded(raw, limit)
        if skipping:
            pending = b""
        elif len(pending) > limit:
            number += 1
            yield number, _line_too_long(limit)
            skipping, pending = True, b""
    if pending and not skipping:
        yield number + 1, _decoded(pending, limit)


def _decoded(raw: bytes, limit: int) -> str | RulesError:
    if len(raw) > limit:
        return _line_too_long(limit)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        return ServiceError(f"the line is not UTF-8 text ({err.reason} at byte {err.start})",
                            status=400, code="RULES-E014")


def _line_too_long(limit: int) -> RulesError:
    return ServiceError(f"line over the limit of {limit} bytes", status=413, code="RULES-E013",
                        hint="one log per line, each under --max-body")


def api_routes() -> list[Route]:
    return [
        Route("/v1/sources", sources, methods=["GET"]),
        Route("/v1/explain", explain, methods=["POST"]),
        Route("/v1/plan", plan, methods=["POST"]),
        Route("/v1/batch", batch, methods=["POST"]),
    ]
