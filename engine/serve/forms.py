"""The web app's forms: the CSRF check, and an event's form — its fields
from the vocabulary (a choice for a field with values, a checkbox or
yes/no for a bool, comma-separated names for a list) turned back into the
event as a log file keeps it, with each error placed beside its field."""

from __future__ import annotations

import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Mapping

from starlette.requests import Request

from engine.errors import RulesError
from engine.model.vocabulary import FieldSpec, Vocabulary
from engine.serve.problems import ServiceError

__all__ = ["CSRF_COOKIE", "csrf_token", "check_csrf", "FieldView", "event_fields", "event_from_form",
           "field_of_error"]

CSRF_COOKIE = "rules_csrf"
_PATH = re.compile(r"^events\[(\d+)\](?:\.(\w+))?")


def csrf_token(request: Request) -> str:
    """The browser's CSRF token (from its cookie, or a new one to set)."""
    token = request.cookies.get(CSRF_COOKIE)
    if token and re.fullmatch(r"[A-Za-z0-9_-]{32,64}", token):
        return token
    cached = getattr(request.state, "new_csrf", None)
    if cached is None:
        cached = request.state.new_csrf = secrets.token_urlsafe(32)
    return str(cached)


def check_csrf(request: Request, form: Mapping[str, Any]) -> None:
    """A form post must carry the token of the browser's cookie, and come
    from this site (Origin, when the browser sends it)."""
    origin = request.headers.get("origin")
    if origin and origin != "null":
        host = request.headers.get("host", "")
        if re.sub(r"^[a-z]+://", "", origin) != host:
            raise _forged("the form was sent from another site")
    cookie = request.cookies.get(CSRF_COOKIE, "")
    sent = str(form.get("csrf", ""))
    if not cookie or not sent or not hmac.compare_digest(cookie, sent):
        raise _forged("the form's security token is missing or stale")


def _forged(message: str) -> ServiceError:
    return ServiceError(message, status=403, code="RULES-E073",
                        hint="go back, reload the page and send the form again")


@dataclass
class FieldView:
    """One input of an event form."""

    name: str
    label: str
    doc: str
    widget: str                    # select, checkbox, yesno, list, moment, text
    value: Any = ""
    choices: tuple[str, ...] = ()
    required: bool = False
    error: str | None = None


def _label(name: str) -> str:
    return name.replace("_", " ").capitalize()


def _widget(spec: FieldSpec) -> str:
    if spec.values:
        return "select"
    if spec.type.name == "bool":
        return "checkbox" if spec.default is False else "yesno"
    if spec.type.name == "list":
        return "list"
    if spec.type.name in ("date", "datetime"):
        return "moment"
    return "text"


def event_fields(vocabulary: Vocabulary, event_type: str, values: Mapping[str, Any] | None = None,
                 errors: Mapping[str, str] | None = None) -> list[FieldView]:
    """The inputs for an event of ``event_type`` (``values`` as the log keeps them)."""
    values = values or {}
    errors = errors or {}
    spec = vocabulary.event_type_specs[event_type]
    out = []
    for name, f in spec.fields.items():
        value = values.get(name, f.default if f.default is not None else "")
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        elif isinstance(value, bool) and _widget(f) == "yesno":
            value = "yes" if value else "no"
        out.append(FieldView(name, _label(name), f.doc, _widget(f), value, f.values or (),
                             f.required, errors.get(name)))
    return out


def event_from_form(vocabulary: Vocabulary, event_type: str, form: Mapping[str, Any]) -> dict[str, Any]:
    """The event as a log file keeps it, from the posted form (unchecked:
    the engine checks it with the whole log)."""
    spec = vocabulary.event_type_specs[event_type]
    event: dict[str, Any] = {"type": event_type, "at": str(form.get("at", "")).strip()}
    for name, f in spec.fields.items():
        raw = form.get(name)
        widget = _widget(f)
        if widget == "checkbox":
            event[name] = raw is not None
            continue
        text = str(raw or "").strip()
        if not text:
            continue
        if widget == "yesno":
            event[name] = text == "yes"
        elif widget == "list":
            event[name] = [part.strip() for part in re.split(r"[,\n]", text) if part.strip()]
        else:
            event[name] = text
    for name in ("id", "note"):
        text = str(form.get(name, "")).strip()
        if text:
            event[name] = text
    return event


def field_of_error(err: RulesError, index: int) -> str | None:
    """The form field an engine error about event ``index`` belongs to
    (``at``, a field name), or None for the form as a whole."""
    m = _PATH.match(err.path or "")
    if m and int(m.group(1)) == index:
        if m.group(2):
            return m.group(2)
        needs = re.search(r"needs '(\w+)'", err.message)  # a required field left out
        return needs.group(1) if needs else None
    return None


def now_local(tz: Any) -> str:
    """Now in ``tz``, as a ``datetime-local`` input's value."""
    return datetime.now(tz).strftime("%Y-%m-%dT%H:%M")
