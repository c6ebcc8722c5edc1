"""JSON Schema validation of a parsed document, reported at the offending node."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from engine.errors import RulesError
from engine.base.resources import load_schema
from engine.input.documents import Document

__all__ = ["MARK", "schema_problems", "structural", "validate_document"]

#: Marks the parts of a bundled schema generated from the vocabulary and the
#: action catalogue (engine.apps.schema_gen): for editors only.
MARK = "x-generated"


def structural(schema: Any) -> Any:
    """``schema`` without its generated parts: what the engine validates with,
    so that a folder with its own vocabulary or actions is not judged by the
    bundled ones (the loaders check those names themselves, with hints)."""
    if isinstance(schema, dict):
        out = {}
        for key, value in schema.items():
            if key == "allOf" and isinstance(value, list):
                kept = [structural(v) for v in value if not (isinstance(v, dict) and MARK in v)]
                if kept:
                    out[key] = kept
                continue
            out[key] = structural(value)
        return out
    if isinstance(schema, list):
        return [structural(v) for v in schema]
    return schema


@lru_cache(maxsize=None)
def _validator(name: str) -> Any:
    import jsonschema  # imported here: only loading files needs it

    schema = structural(load_schema(name))
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema, format_checker=None)


def _describe(err: Any) -> str:
    path = "/".join(str(p) for p in err.absolute_path)
    where = f" at '{path}'" if path else ""
    if err.validator == "additionalProperties":
        return f"unknown key{where}: {err.message.split('(')[-1].rstrip(')')}"
    if err.validator == "required":
        return f"missing key{where}: {err.message}"
    if err.validator == "enum":
        return f"{err.instance!r} is not allowed{where}; expected one of {', '.join(map(str, err.validator_value))}"
    return f"{err.message}{where}"


def _non_text_key(data: Any) -> tuple[Any, ...] | None:
    """The path of the first mapping key (in document order) that is not
    text: YAML allows ``3: x`` or ``true: x``, JSON Schema only knows text
    keys, and later code expects them. None if every key is text."""
    stack: list[tuple[tuple[Any, ...], Any, bool]] = [((), data, True)]
    while stack:
        where, value, key_ok = stack.pop()
        if not key_ok:
            return where
        if isinstance(value, dict):
            stack.extend((where + (k,), v, isinstance(k, str)) for k, v in reversed(value.items()))
        elif isinstance(value, list):
            stack.extend((where + (i,), v, True) for i, v in reversed(list(enumerate(value))))
    return None


def validate_document(doc: Document, schema: str, error: type[RulesError], code: str) -> None:
    """Raise ``error`` (with ``code``) at the first schema violation in ``doc``."""
    import jsonschema

    bad_key = _non_text_key(doc.data)
    if bad_key is not None:
        raise error(f"key {bad_key[-1]!r} is not text", code=code, hint="quote it: keys are names",
                    **doc.where(bad_key, key=True))
    errors = list(_validator(schema).iter_errors(doc.data))
    best = jsonschema.exceptions.best_match(errors)
    if best is not None:
        raise _as_error(best, errors, doc, error, code)[1]


def schema_problems(doc: Document, schema: str, error: type[RulesError],
                    code: str) -> list[tuple[tuple[Any, ...], RulesError]]:
    """Every schema violation in ``doc`` (not only the first), each as
    ``(path in the data of the part that is wrong, error)``, in document
    order. The path is where the validator found the violation (a rule, a
    key); the error may point inside it (the misspelt key itself)."""
    import jsonschema

    bad_key = _non_text_key(doc.data)
    if bad_key is not None:
        return [(bad_key, error(f"key {bad_key[-1]!r} is not text", code=code,
                                hint="quote it: keys are names", **doc.where(bad_key, key=True)))]
    errors = list(_validator(schema).iter_errors(doc.data))
    out: dict[tuple[Any, ...], tuple[tuple[Any, ...], RulesError]] = {}
    for err in errors:
        if err.validator == "required" and any(
                o.validator == "additionalProperties" and o.absolute_path == err.absolute_path
                for o in errors):
            continue  # reported as the misspelt key beside it (at the same path)
        chosen = jsonschema.exceptions.best_match(err.context) if err.context else err
        path, problem = _as_error(chosen or err, errors, doc, error, code)
        out.setdefault((path, problem.message), (tuple(err.absolute_path), problem))
    return sorted(out.values(), key=lambda item: (item[1].line or 0, item[1].column or 0))


def _as_error(best: Any, errors: list[Any], doc: Document, error: type[RulesError],
              code: str) -> tuple[tuple[Any, ...], RulesError]:
    if best.validator == "required":
        # A missing key next to an unknown one is usually a misspelling:
        # point at the misspelt key instead.
        for other in errors:
            if other.validator == "additionalProperties" and other.absolute_path == best.absolute_path:
                best = other
                break
    path = tuple(best.absolute_path)
    on_key = False
    hint = best.schema.get("description") if isinstance(best.schema, dict) else None
    if best.validator == "additionalProperties" and isinstance(best.instance, dict):
        allowed = list(best.schema.get("properties", {}))
        extra = [k for k in best.instance if k not in allowed]
        if extra:
            path, on_key = path + (extra[0],), True
            from engine.base.suggestions import suggest
            hint = suggest(str(extra[0]), allowed) or (f"allowed keys: {', '.join(allowed)}" if allowed else hint)
    return path, error(_describe(best), code=code, hint=hint, **doc.where(path, key=on_key))
