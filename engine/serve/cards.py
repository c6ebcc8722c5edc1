"""Advice as CDS-Hooks cards: a discovery endpoint and one service.

``POST /cds-services/followup-advice`` takes the usual CDS-Hooks request
(``hookInstance``, ``hook``, ``context``) with the event log in
``context.log`` (and optionally the moment in ``context.at`` and pins in
``context.policies``), and answers ``{"cards": [...]}``: one card per
recommendation (``summary`` at most 140 characters, ``detail`` in Markdown,
``indicator``, ``source`` with the policy, version, section and quote),
and each disagreement between sources as its own ``warning`` card, first.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any, Mapping

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from engine.errors import RulesError, UsageError
from engine.model.eventlog import EventLog
from engine.render.common import params_text
from engine.serve.problems import error_body, status_of
from engine.serve.requests import bounded, moment_param, next_change_headers, read_body, text_of

__all__ = ["cards_routes", "cards_for", "SERVICE_ID", "MAX_SUMMARY"]

SERVICE_ID = "followup-advice"
MAX_SUMMARY = 140  # characters, as CDS Hooks requires

_DISCOVERY = {"services": [{
    "hook": SERVICE_ID,
    "id": SERVICE_ID,
    "title": "Follow-up advice after a job interview",
    "description": "Which sources recommend what now, traced to the article and sentence, with "
                   "their disagreements. context.log: an event log (docs/serve.md); context.at: "
                   "the moment (ISO 8601, default now); context.policies: pins such as hayes@1.0.0.",
    "prefetch": {},
}]}


def _short(text: str, limit: int = MAX_SUMMARY) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _uuid(*parts: str) -> str:
    """A stable card id: the same advice for the same hook call gets the same id."""
    return str(uuid.UUID(hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]))


def cards_for(report: Mapping[str, Any], titles: Mapping[str, str], instance: str = "") -> list[dict[str, Any]]:
    """The cards for a report (as ``Report.to_dict()`` gives it)."""
    labels = {g["action"]: g["label"] for g in report["advice"]}
    cards: list[dict[str, Any]] = []
    for c in report["conflicts"]:
        action_labels = [labels.get(a, a) for a in c["actions"]]
        what = {"opposed": "some say do, others avoid", "exclusive": "advised together but exclusive",
                "details": f"they differ on {c.get('param', 'details')}",
                "timing": "they differ on when"}.get(c["kind"], c["kind"])
        lines = [f"**Sources disagree** ({c['kind']}) on *{' / '.join(action_labels)}*:", ""]
        for side in c["sides"]:
            refs = ", ".join(f"{s['policy']}@{s['version']} ({s['rule']}, {s['stance']}"
                             + (f"; {params_text(s['params'])}" if s.get("params") else "") + ")"
                             for s in side)
            lines.append(f"- {refs}")
        if c.get("common"):
            lines += ["", f"Every side accepts: {' or '.join(c['common'])}."]
        policies = sorted({s["policy"] for side in c["sides"] for s in side})
        cards.append({
            "uuid": _uuid(instance, "conflict", c["kind"], *c["actions"], *policies),
            "summary": _short(f"Sources disagree: {' / '.join(action_labels)} — {what}"),
            "detail": "\n".join(lines),
            "indicator": "warning",
            "source": {"label": "Disagreement between " + ", ".join(policies),
                       "policies": policies, "kind": c["kind"]},
        })
    stands = {c["action"]: c for c in report.get("consensus", ())}
    for group in report["advice"]:
        where = _standing(stands.get(group["action"]))
        for rec in group["recommendations"]:
            verb = {"do": "Do", "avoid": "Avoid", "may": "Optional"}[rec["stance"]]
            params = f" ({params_text(rec['params'])})" if rec.get("params") else ""
            detail = [rec["summary"], "",
                      f"> “{rec['cite']['quote']}”", "",
                      f"— {titles.get(rec['policy'], rec['policy'])}, section “{rec['cite']['section']}”"
                      + (f", {rec['attributed_to']}" if rec.get("attributed_to") else ""), "",
                      f"Rule `{rec['rule']}` of {rec['policy']}@{rec['version']}: `{rec['when']}`", *where]
            cards.append({
                "uuid": _uuid(instance, rec["policy"], rec["rule"]),
                "summary": _short(f"{verb}: {group['label']}{params} — {rec['policy']}"),
                "detail": "\n".join(detail),
                "indicator": "warning" if rec["stance"] == "avoid" else "info",
                "source": {"label": f"{titles.get(rec['policy'], rec['policy'])} ({rec['policy']}@{rec['version']})",
                           "policy": rec["policy"], "version": rec["version"], "rule": rec["rule"],
                           "section": rec["cite"]["section"], "quote": rec["cite"]["quote"],
                           "topic": {"system": "urn:followup-rules:action", "code": group["action"],
                                     "display": group["label"]}},
            })
    return cards


def _standing(consensus: Mapping[str, Any] | None) -> list[str]:
    """Markdown lines: where every source stands on the action, and the
    parameter values that suit all who advise it (the report's consensus)."""
    if not consensus:
        return []
    parts = [f"{word}: {', '.join(consensus[key])}" for key, word in
             (("for", "for"), ("optional", "optional"), ("against", "against"), ("silent", "silent"))
             if consensus.get(key)]
    if consensus.get("later"):
        parts.append("later: " + ", ".join(str(entry[0]) if isinstance(entry, (list, tuple)) else str(entry)
                                           for entry in consensus["later"]))
    lines = ["", "**Where the sources stand** — " + "; ".join(parts)]
    suits = consensus.get("satisfied_by") or {}
    if suits:
        lines.append("Suits every source that advises it: " + "; ".join(
            f"{name} {' or '.join(values)}" for name, values in sorted(suits.items())))
    return lines


async def discovery(request: Request) -> Response:
    return JSONResponse(_DISCOVERY)


async def advice_service(request: Request) -> Response:
    state = request.app.state.service
    settings = state.settings
    body = await read_body(request, settings.max_body_bytes)
    try:
        call = json.loads(text_of(body)) if body.strip() else None
    except json.JSONDecodeError as err:
        raise UsageError(f"invalid JSON: {err.msg}", code="RULES-E014", file="<body>",
                         line=err.lineno, column=err.colno) from None
    if not isinstance(call, dict) or not isinstance(call.get("context"), dict):
        raise UsageError("a CDS-Hooks request is an object with 'hookInstance', 'hook' and 'context'",
                         path="context", hint="the event log goes in context.log")
    context = call["context"]
    pins = context.get("policies") or []
    if not isinstance(pins, list) or not all(isinstance(p, str) for p in pins):
        raise UsageError("context.policies must be a list of policy ids", path="context.policies")
    at = context.get("at")
    if at is not None and not isinstance(at, str):
        raise UsageError("context.at must be an ISO 8601 string", path="context.at")
    instance = str(call.get("hookInstance", ""))

    def work() -> tuple[Any, dict[str, Any]]:
        from engine.runtime.evaluation import evaluate
        _, policies = state.holder.policies(tuple(pins))
        if not isinstance(context.get("log"), dict):
            raise UsageError("context.log must be an event log object", path="context.log",
                             hint="{\"timezone\": …, \"events\": [...]}")
        try:
            log = EventLog.from_dict(context["log"], policies.vocabulary, source="context.log",
                                     max_events=settings.max_events)
        except RulesError as err:
            raise _Located(err) from None
        return policies, evaluate(policies, log, moment_param(at, log, "context.at")).to_dict()

    try:
        policies, report = await bounded(settings, work)
    except _Located as wrapped:
        return JSONResponse(error_body(wrapped.err, "context.log"), status_code=status_of(wrapped.err))
    decision = state.decide(f"/cds-services/{SERVICE_ID}", policies, report.get("at"), body, report)
    titles = {p.id: p.title for p in policies.policies}
    # CDS Hooks leaves room for extensions: when to ask again if nothing happens
    answer = {"cards": cards_for(report, titles, instance),
              "extension": {"next_change_at": report.get("next_change_at")}}
    return JSONResponse(answer, headers=next_change_headers(report, decision))


class _Located(Exception):
    """An error inside ``context.log``: its path is relative to the log."""

    def __init__(self, err: RulesError) -> None:
        super().__init__(str(err))
        self.err = err


def cards_routes() -> list[Route]:
    return [Route("/cds-services", discovery, methods=["GET"]),
            Route(f"/cds-services/{SERVICE_ID}", advice_service, methods=["POST"])]
