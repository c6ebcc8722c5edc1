"""The service's OpenAPI 3.1 description (``GET /openapi.json``), built
from the engine's own JSON Schemas: the event log a request carries and the
report it gets back are described by the same files the engine validates
with (each keeps its ``$id``, so its internal ``$ref``s resolve)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from engine.base.resources import load_schema
from engine.base.version import __version__

__all__ = ["openapi_document"]

_ERROR = {"type": "object", "required": ["error"], "properties": {"error": {
    "type": "object", "required": ["code", "message"], "properties": {
        "code": {"type": "string", "description": "The engine's error code (docs/errors.md)."},
        "message": {"type": "string"},
        "path": {"type": "string", "description": "Where in the data (events[1].type)."},
        "line": {"type": "integer", "description": "Line in the request body."},
        "column": {"type": "integer"},
        "hint": {"type": "string"}}}}}

_LOG_BODY = {"required": True, "content": {
    "application/json": {"schema": {"$ref": "#/components/schemas/EventLog"}},
    "application/yaml": {"schema": {"$ref": "#/components/schemas/EventLog"}}}}


def _param(name: str, doc: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": doc,
            "schema": schema or {"type": "string"}}


_AT = _param("at", "Moment of evaluation, ISO 8601 (default now; no offset = the log's local time).")
_POLICY = _param("policy", "Use only this policy (repeatable); @VERSION pins a version.",
                 {"type": "array", "items": {"type": "string"}})


def _errors(*codes: int) -> dict[str, Any]:
    words = {400: "Bad input or parameters", 401: "Missing or wrong bearer token",
             413: "Over a size bound", 415: "Unsupported body type",
             422: "A valid document that is not a valid event log", 503: "Took too long"}
    return {str(c): {"description": words[c], "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/Error"}}}} for c in codes}


@lru_cache(maxsize=1)
def openapi_document() -> dict[str, Any]:
    common = _errors(400, 401, 413, 415, 422, 503)
    return {
        "openapi": "3.1.0",
        "info": {"title": "followup-rules", "version": __version__,
                 "description": "Traceable advice on following up after a job interview: which "
                                "source recommends what, why, and where it says so (docs/serve.md)."},
        "components": {
            "schemas": {"EventLog": load_schema("event-log.schema.json"),
                        "Report": load_schema("report.schema.json"), "Error": _ERROR},
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "Required when the service listens on "
                                                          "another address than 127.0.0.1."}}},
        "security": [{}, {"bearer": []}],
        "paths": {
            "/v1/sources": {"get": {
                "summary": "The policies in force: versions, content hashes, reload state.",
                "parameters": [_POLICY],
                "responses": {"200": {"description": "The sources.", "content": {
                    "application/json": {"schema": {"type": "object"}}}}, **_errors(400, 401)}}},
            "/v1/explain": {"post": {
                "summary": "The report for an event log: advice by action, sources, disagreements.",
                "parameters": [_AT, _POLICY, _param("horizon", "Days ahead for 'next fires at'.",
                                                    {"type": "integer", "minimum": 1, "maximum": 3650})],
                "requestBody": _LOG_BODY,
                "responses": {"200": {"description": "The report; header X-Decision-Id.",
                                      "content": {"application/json": {
                                          "schema": {"$ref": "#/components/schemas/Report"}}}},
                              **common}}},
            "/v1/plan": {"post": {
                "summary": "When each source's advice starts and stops, as JSON or iCalendar.",
                "parameters": [_param("from", "Start of the plan (default now)."), _POLICY,
                               _param("days", "Days ahead.", {"type": "integer", "minimum": 1,
                                                              "maximum": 3650}),
                               _param("format", "json or ics (or Accept: text/calendar).",
                                      {"enum": ["json", "ics"]})],
                "requestBody": _LOG_BODY,
                "responses": {"200": {"description": "The plan.", "content": {
                    "application/json": {"schema": {"type": "object"}},
                    "text/calendar": {"schema": {"type": "string"}}}}, **common}}},
            "/v1/batch": {"post": {
                "summary": "JSON Lines in (one log a line), JSON Lines out (one report or error "
                           "a line, with its line number), streamed.",
                "parameters": [_AT, _POLICY, _param("explain", "Full reports (default: the fast "
                                                               "path).", {"type": "boolean"})],
                "requestBody": {"required": True, "content": {
                    "application/x-ndjson": {"schema": {"type": "string"}}}},
                "responses": {"200": {"description": "One JSON object per input line.",
                                      "content": {"application/x-ndjson": {
                                          "schema": {"type": "string"}}}}, **_errors(400, 401)}}},
            "/cds-services": {"get": {
                "summary": "CDS-Hooks discovery.",
                "responses": {"200": {"description": "The services.", "content": {
                    "application/json": {"schema": {"type": "object"}}}}}}},
            "/cds-services/followup-advice": {"post": {
                "summary": "CDS-Hooks cards: one per recommendation, disagreements first.",
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["hook", "hookInstance", "context"],
                    "properties": {"hook": {"type": "string"}, "hookInstance": {"type": "string"},
                                   "context": {"type": "object", "required": ["log"], "properties": {
                                       "log": {"$ref": "#/components/schemas/EventLog"},
                                       "at": {"type": "string"},
                                       "policies": {"type": "array", "items": {"type": "string"}}}}}}}}},
                "responses": {"200": {"description": "The cards.", "content": {
                    "application/json": {"schema": {"type": "object"}}}}, **common}}},
        },
    }
