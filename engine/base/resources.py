"""Where the bundled data lives: the policies, the vocabulary and the JSON
Schemas travel inside the wheel (``engine/_data``); in a source checkout they
are the top-level ``policies/`` and ``schemas/`` folders."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

__all__ = ["data_dir", "policies_dir", "schemas_dir", "load_schema", "schema_reference"]


def data_dir(kind: str) -> Path:
    """The bundled ``policies`` or ``schemas`` folder."""
    package = Path(__file__).resolve().parent.parent      # engine/
    packaged = package / "_data" / kind
    if packaged.is_dir():
        return packaged
    return package.parent / kind


def policies_dir() -> Path:
    return data_dir("policies")


def schemas_dir() -> Path:
    return data_dir("schemas")


@lru_cache(maxsize=None)
def load_schema(name: str) -> dict[str, Any]:
    """A bundled JSON Schema by file name, e.g. ``"policy.schema.json"``."""
    schema: dict[str, Any] = json.loads((schemas_dir() / name).read_text("utf-8"))
    return schema


def schema_reference(target: Path, name: str) -> str:
    """What a new file's ``# yaml-language-server: $schema=`` line names:
    the project's own ``schemas/<name>`` as a path relative to ``target`` when
    ``target`` is inside a folder that has one (a checkout, a policy
    project), else the installed schema's absolute path."""
    import os

    folder = Path(target).resolve().parent
    for base in (folder, *folder.parents):
        candidate = base / "schemas" / name
        if candidate.is_file():
            return Path(os.path.relpath(candidate, folder)).as_posix()
    return (schemas_dir() / name).as_posix()
