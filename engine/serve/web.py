"""The job seeker's web app at ``/``: applications (one event log each) in
SQLite, a home page with today's to-dos across them, an application page
with the brief advice, the timeline and forms to add, correct or remove
events, calendar export, YAML import/export. Server-rendered (Jinja2,
autoescaping on), no JavaScript needed, every form CSRF-protected."""

from __future__ import annotations

import hmac
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, TypeVar

import anyio
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from engine.errors import RulesError
from engine.serve.auth import SESSION_COOKIE, session_value
from engine.input.times import get_zone, zone_suggestion
from engine.serve.forms import (CSRF_COOKIE, check_csrf, csrf_token, event_fields, event_from_form,
                                field_of_error, now_local)
from engine.serve.problems import ServiceError
from engine.serve.requests import bounded
from engine.serve.state import ServiceState
from engine.serve.views import app_view, soon, todos

__all__ = ["web_routes", "error_page"]

T = TypeVar("T")
HERE = Path(__file__).resolve().parent

_ENV = Environment(loader=FileSystemLoader(str(HERE / "templates")),
                   autoescape=select_autoescape(default=True, default_for_string=True),
                   trim_blocks=True, lstrip_blocks=True)
_ENV.filters["soon"] = soon


def _state(request: Request) -> ServiceState:
    state: ServiceState = request.app.state.service
    return state


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    token = csrf_token(request)
    html = _ENV.get_template(template).render(request=request, csrf=token, **context)
    response = HTMLResponse(html, status_code=status)
    if request.cookies.get(CSRF_COOKIE) != token:
        response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="strict",
                            secure=request.url.scheme == "https")
    return response


def error_page(request: Request, status: int, code: str, message: str, hint: str | None) -> HTMLResponse:
    return render(request, "error.html", status, status_code=status, code=code, message=message,
                  hint=hint, title="Something went wrong")


async def _run(fn: Callable[[], T]) -> T:
    return await anyio.to_thread.run_sync(fn)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _app_id(request: Request) -> int:
    raw = request.path_params["app_id"]
    return int(raw)


async def _application(request: Request) -> Any:
    app = await _run(lambda: _state(request).store.application(_app_id(request)))
    if app is None:
        raise ServiceError("no such application", status=404, code="RULES-E070",
                           hint="it may have been removed; see the list on the home page")
    return app


async def _form(request: Request) -> Any:
    form = await request.form()
    check_csrf(request, form)
    return form


# -- pages ------------------------------------------------------------------------------

async def home(request: Request) -> Response:
    state = _state(request)
    apps = await _run(state.store.applications)
    _, policies = state.holder.policies()
    now = _now()
    views = await bounded(state.settings, lambda: [
        app_view(a, policies, now, state.settings.max_events) for a in apps])
    return render(request, "home.html", title="Your applications", views=views, todos=todos(views),
                  now=now)


async def new_application(request: Request) -> Response:
    return render(request, "new_application.html", title="New application", values={},
                  errors={}, zones=_zones())


async def create_application(request: Request) -> Response:
    form = await _form(request)
    subject = str(form.get("subject", "")).strip()
    zone = str(form.get("timezone", "")).strip() or "UTC"
    errors: dict[str, str] = {}
    if not subject:
        errors["subject"] = "Give the application a name, e.g. the company and the role."
    elif len(subject) > 200:
        errors["subject"] = "At most 200 characters."
    try:
        get_zone(zone)
    except ValueError as err:
        errors["timezone"] = f"{err}. {zone_suggestion(zone) or 'Use an IANA name such as Europe/Paris.'}"
    if errors:
        return render(request, "new_application.html", 422, title="New application",
                      values={"subject": subject, "timezone": zone}, errors=errors, zones=_zones())
    app_id = await _run(lambda: _state(request).store.create(subject, zone))
    return RedirectResponse(f"/applications/{app_id}", status_code=303)


async def application(request: Request) -> Response:
    state = _state(request)
    app = await _application(request)
    _, policies = state.holder.policies()
    view = await bounded(state.settings, lambda: app_view(app, policies, _now(),
                                                          state.settings.max_events))
    now = _now().astimezone(get_zone(app.timezone))
    return render(request, "application.html", title=app.subject, view=view, app=app, now=now,
                  types=sorted(policies.vocabulary.event_type_specs),
                  docs={k: v.doc for k, v in policies.vocabulary.event_type_specs.items()})


async def event_form(request: Request) -> Response:
    state = _state(request)
    app = await _application(request)
    vocab = state.holder.policies()[1].vocabulary
    event_id = request.path_params.get("event_id")
    if event_id is None:
        etype = request.query_params.get("type", "")
        if etype not in vocab.event_type_specs:
            raise ServiceError(f"no event type '{etype}'", status=400, code="RULES-E070",
                               hint="choose one from the list on the application's page")
        values: dict[str, Any] = {"at": now_local(get_zone(app.timezone))}
    else:
        found = next((e for e in app.events if e.id == int(event_id)), None)
        if found is None:
            raise ServiceError("no such event", status=404, code="RULES-E070")
        values = dict(found.data)
        etype = values["type"]
        values["at"] = str(values.get("at", ""))[:16]
    return _event_page(request, app, vocab, etype, values, {}, None,
                       int(event_id) if event_id is not None else None)


def _event_page(request: Request, app: Any, vocab: Any, etype: str, values: dict[str, Any],
                errors: dict[str, str], general: str | None, event_id: int | None,
                status: int = 200) -> HTMLResponse:
    spec = vocab.event_type_specs[etype]
    return render(request, "event_form.html", status, app=app, etype=etype, doc=spec.doc,
                  title=("Correct" if event_id else "Add") + f" {etype.replace('_', ' ')}",
                  fields=event_fields(vocab, etype, values, errors), values=values, errors=errors,
                  general=general, event_id=event_id)


async def save_event(request: Request) -> Response:
    state = _state(request)
    form = await _form(request)
    app = await _application(request)
    vocab = state.holder.policies()[1].vocabulary
    etype = str(form.get("type", ""))
    if etype not in vocab.event_type_specs:
        raise ServiceError(f"no event type '{etype}'", status=400, code="RULES-E070")
    event = event_from_form(vocab, etype, form)
    raw_id = request.path_params.get("event_id")
    event_id = int(raw_id) if raw_id is not None else None
    data = app.log_data()
    ids = [e.id for e in app.events]
    if event_id is not None:
        if event_id not in ids:
            raise ServiceError("no such event", status=404, code="RULES-E070")
        index = ids.index(event_id)
        data["events"][index] = event
    else:
        index = len(data["events"])
        data["events"].append(event)
    try:  # the whole log as it would be, checked by the engine before anything is written
        from engine.model.eventlog import EventLog
        EventLog.from_dict(data, vocab, source=app.subject, max_events=state.settings.max_events)
    except RulesError as err:
        name = field_of_error(err, index)
        errors = {name: err.message + (f" — {err.hint}" if err.hint else "")} if name else {}
        general = None if name else err.message
        return _event_page(request, app, vocab, etype, event, errors, general, event_id, 422)
    store = state.store
    if event_id is None:
        await _run(lambda: store.add_event(app.id, event))
    else:
        await _run(lambda: store.replace_event(app.id, event_id, event))
    return RedirectResponse(f"/applications/{app.id}#timeline", status_code=303)


async def remove_event(request: Request) -> Response:
    await _form(request)
    app = await _application(request)
    event_id = int(request.path_params["event_id"])
    if not await _run(lambda: _state(request).store.remove_event(app.id, event_id)):
        raise ServiceError("no such event", status=404, code="RULES-E070")
    return RedirectResponse(f"/applications/{app.id}#timeline", status_code=303)


async def remove_application(request: Request) -> Response:
    await _form(request)
    app = await _application(request)
    await _run(lambda: _state(request).store.remove(app.id))
    return RedirectResponse("/", status_code=303)


# -- calendars, import and export ------------------------------------------------------------

async def export_log(request: Request) -> Response:
    from engine.serve.exchange import log_yaml
    app = await _application(request)
    return Response(log_yaml(app.log_data()), media_type="application/yaml", headers={
        "Content-Disposition": f'attachment; filename="application-{app.id}.yaml"'})


async def calendar(request: Request) -> Response:
    from engine.serve.exchange import calendar_of
    state = _state(request)
    _, policies = state.holder.policies()
    if "app_id" in request.path_params:
        apps = [await _application(request)]
        name = f"application-{apps[0].id}.ics"
    else:
        apps = await _run(state.store.applications)
        name = "applications.ics"
    data = await bounded(state.settings, lambda: calendar_of(apps, policies, _now(),
                                                             state.settings.max_events))
    return Response(data, media_type="text/calendar",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


async def import_page(request: Request) -> Response:
    return render(request, "import.html", title="Import a log", text="", error=None)


async def import_log(request: Request) -> Response:
    from engine.serve.exchange import read_import
    state = _state(request)
    form = await _form(request)
    upload = form.get("file")
    text = str(form.get("text", ""))
    if upload is not None and hasattr(upload, "read"):
        content = await upload.read()
        if content:
            text = content.decode("utf-8", "replace")
    if len(text.encode()) > state.settings.max_body_bytes:
        return render(request, "import.html", 413, title="Import a log", text="",
                      error=f"the log is over the limit of {state.settings.max_body_bytes} bytes")
    vocab = state.holder.policies()[1].vocabulary
    try:
        subject, zone, events = read_import(text, vocab, state.settings.max_events)
    except RulesError as err:
        return render(request, "import.html", 422, title="Import a log", text=text,
                      error=err.render())
    app_id = await _run(lambda: state.store.create(subject, zone, events))
    return RedirectResponse(f"/applications/{app_id}", status_code=303)


# -- signing in (only when the service has a token) ------------------------------------------

async def login_page(request: Request) -> Response:
    return render(request, "login.html", title="Sign in", error=None)


async def login(request: Request) -> Response:
    state = _state(request)
    form = await _form(request)
    token = state.settings.token
    given = str(form.get("token", ""))
    if token is None:
        return RedirectResponse("/", status_code=303)
    if not hmac.compare_digest(given.encode(), token.encode()):
        return render(request, "login.html", 401, title="Sign in", error="That is not the token.")
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(SESSION_COOKIE, session_value(token), httponly=True, samesite="strict",
                        secure=request.url.scheme == "https")
    return response


def _zones() -> list[str]:
    from zoneinfo import available_timezones
    return sorted(z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/")))


def web_routes() -> list[Any]:
    app = "/applications/{app_id:int}"
    event = app + "/events/{event_id:int}"
    return [
        Route("/", home, methods=["GET"]),
        Route("/applications/new", new_application, methods=["GET"]),
        Route("/applications", create_application, methods=["POST"]),
        Route(app, application, methods=["GET"]),
        Route(app + "/delete", remove_application, methods=["POST"]),
        Route(app + "/events/new", event_form, methods=["GET"]),
        Route(app + "/events", save_event, methods=["POST"]),
        Route(event + "/edit", event_form, methods=["GET"]),
        Route(event, save_event, methods=["POST"]),
        Route(event + "/delete", remove_event, methods=["POST"]),
        Route(app + "/log.yaml", export_log, methods=["GET"]),
        Route(app + "/calendar.ics", calendar, methods=["GET"]),
        Route("/calendar.ics", calendar, methods=["GET"]),
        Route("/import", import_page, methods=["GET"]),
        Route("/import", import_log, methods=["POST"]),
        Route("/login", login_page, methods=["GET"]),
        Route("/login", login, methods=["POST"]),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
