"""JSON Schema validation of a parsed document, reported at the offending node."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from engine.errors import RulesError
from engine.base.resources import load_schema
from engine.input.documents import Document

__all__ = ["validate_document"]


@lru_cache(maxsize=None)
def _validator(name: str) -> Any:
    import jsonschema  # imported here: only loading files needs it

    schema = load_schema(name)
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
    validator = _validator(schema)
    errors = list(validator.iter_errors(doc.data))
    best = jsonschema.exceptions.best_match(errors)
    if best is None:
        return
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
    raise error(_describe(best), code=code, hint=hint, **doc.where(path, key=on_key))
