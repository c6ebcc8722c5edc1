"""Who may use the service: with a bearer token set, every request needs
``Authorization: Bearer TOKEN``; in the browser, the session cookie that
``/login`` sets stands for it."""

from __future__ import annotations

import hmac

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from engine.serve.problems import ServiceError, error_body

__all__ = ["SESSION_COOKIE", "TokenGate", "is_api", "session_value"]

_API_PREFIXES = ("/v1/", "/cds-services", "/openapi.json", "/healthz")


def is_api(path: str) -> bool:
    """Paths answered in JSON (the rest is the web app's pages)."""
    return path.startswith(_API_PREFIXES)


#: The web app's cookie that stands for the bearer token once it was typed in.
SESSION_COOKIE = "rules_session"


def session_value(token: str) -> str:
    return hmac.new(token.encode(), b"rules-serve-session", "sha256").hexdigest()


class TokenGate:
    """Every request needs ``Authorization: Bearer TOKEN`` when a token is
    set; in the browser, the session cookie set by ``/login`` stands for it."""

    def __init__(self, app: ASGIApp, token: str | None) -> None:
        self.app = app
        self.token = token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.token is None or scope["path"] in ("/login", "/healthz") \
                or scope["path"].startswith("/static/"):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        given = request.headers.get("authorization", "")
        ok = given.startswith("Bearer ") and hmac.compare_digest(given[7:].strip().encode(),
                                                                 self.token.encode())
        cookie = request.cookies.get(SESSION_COOKIE, "")
        ok = ok or (bool(cookie) and hmac.compare_digest(cookie, session_value(self.token)))
        if ok:
            await self.app(scope, receive, send)
            return
        if is_api(scope["path"]):
            err = ServiceError("missing or wrong bearer token", status=401, code="RULES-E071",
                               hint="send Authorization: Bearer TOKEN (the token the service was "
                                    "started with)")
            response: Response = JSONResponse(error_body(err), status_code=401,
                                              headers={"WWW-Authenticate": 'Bearer realm="rules"'})
        else:
            response = RedirectResponse("/login", status_code=303)
        await response(scope, receive, send)


