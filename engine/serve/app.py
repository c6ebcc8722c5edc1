"""The ASGI application: routes, the bearer-token check, errors as JSON
bodies (or pages, for the web app), and the background work (policy
watcher, decision log, SIGHUP) started and stopped with the server."""

from __future__ import annotations

import logging
import signal
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from engine.errors import RulesError
from engine.serve.api import api_routes
from engine.serve.auth import TokenGate, is_api
from engine.serve.cards import cards_routes
from engine.serve.openapi import openapi_document
from engine.serve.problems import ServiceError, error_body, status_of
from engine.serve.settings import Settings
from engine.serve.state import ServiceState

__all__ = ["build_app"]

log = logging.getLogger("rules.serve")

async def _rules_error(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, RulesError):  # (registered for RulesError only)
        return await _internal(request, exc)
    status = status_of(exc)
    headers = exc.headers if isinstance(exc, ServiceError) else None
    if not is_api(request.url.path):
        from engine.serve.web import error_page
        return error_page(request, status, exc.code, str(exc), exc.hint)
    return JSONResponse(error_body(exc), status_code=status, headers=headers)


async def _http_error(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, HTTPException):  # (registered for HTTPException only)
        return await _internal(request, exc)
    message = {404: "no such endpoint", 405: "method not allowed here"}.get(exc.status_code, exc.detail)
    if not is_api(request.url.path):
        from engine.serve.web import error_page
        return error_page(request, exc.status_code, "RULES-E070", message, None)
    body = error_body(ServiceError(f"{request.method} {request.url.path}: {message}",
                                   status=exc.status_code, code="RULES-E070",
                                   hint="see /openapi.json for the endpoints"))
    return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)


async def _internal(request: Request, exc: Exception) -> Response:
    log.exception("internal error on %s %s", request.method, request.url.path, exc_info=exc)
    return JSONResponse({"error": {"code": "internal", "message": "internal error; the server log "
                                   "has the details"}}, status_code=500)


async def _openapi(request: Request) -> Response:
    return JSONResponse(openapi_document())


async def _health(request: Request) -> Response:
    state: ServiceState = request.app.state.service
    return JSONResponse({"status": "ok", "generation": state.holder.current.number})


def build_app(settings: Settings) -> Any:
    settings.check()
    state = ServiceState(settings)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        state.start()
        import asyncio
        loop = asyncio.get_running_loop()
        hup = getattr(signal, "SIGHUP", None)
        installed = False
        if hup is not None:
            try:
                loop.add_signal_handler(hup, lambda: loop.run_in_executor(
                    None, state.holder.reload, "SIGHUP"))
                installed = True
            except (NotImplementedError, RuntimeError, ValueError):  # not the main thread
                pass
        try:
            yield
        finally:
            if installed and hup is not None:
                loop.remove_signal_handler(hup)
            state.stop()

    routes: list[Any] = [Route("/openapi.json", _openapi, methods=["GET"]),
                         Route("/healthz", _health, methods=["GET"]),
                         *api_routes(), *cards_routes()]
    if settings.web_app:
        from engine.serve.web import web_routes
        routes += web_routes()
    app = Starlette(routes=routes, lifespan=lifespan, exception_handlers={
        RulesError: _rules_error, HTTPException: _http_error, Exception: _internal})
    app.state.service = state
    app.add_middleware(TokenGate, token=settings.token)
    return app
