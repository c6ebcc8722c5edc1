"""Project settings for the author's commands: ``[tool.rules]`` in the
nearest ``pyproject.toml`` (the current folder or one above it).

```toml
[tool.rules]
require-citations = true       # `rules check` fails when sources cannot be found
seeds = ["../shared/seeds"]    # folders of source articles (relative to the file)
policies = ["policies"]        # folders `rules check` and `rules test` use by default
scenarios = ["tests/scenarios"]
```
Command-line options win over settings.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from engine.errors import InputError

__all__ = ["Settings", "project_settings"]

_KEYS: dict[str, type] = {"require-citations": bool, "seeds": list, "policies": list, "scenarios": list}


@dataclass(frozen=True, slots=True)
class Settings:
    file: Path | None = None
    require_citations: bool = False
    seeds: tuple[Path, ...] = ()
    policies: tuple[Path, ...] = ()
    scenarios: tuple[Path, ...] = ()


def project_settings(start: Path | None = None) -> Settings:
    """The ``[tool.rules]`` table of the nearest ``pyproject.toml``."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return _read(candidate)
    return Settings()


def _read(path: Path) -> Settings:
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise InputError(f"cannot read the project settings: {err}", code="RULES-E051",
                         file=str(path)) from None
    table = data.get("tool", {}).get("rules")
    if table is None:
        return Settings()
    if not isinstance(table, dict):
        raise InputError("[tool.rules] must be a table", code="RULES-E050", file=str(path))
    for key, value in table.items():
        want = _KEYS.get(key)
        if want is None:
            from engine.base.suggestions import suggest
            raise InputError(f"unknown setting '{key}' in [tool.rules]", code="RULES-E050",
                             file=str(path), hint=suggest(key, _KEYS) or f"settings: {', '.join(_KEYS)}")
        if not isinstance(value, want) or (isinstance(value, list) and not all(isinstance(v, str) for v in value)):
            raise InputError(f"[tool.rules] {key} must be "
                             f"{'true or false' if want is bool else 'a list of folder names'}",
                             code="RULES-E050", file=str(path))
    base = path.parent

    def folders(key: str) -> tuple[Path, ...]:
        values: list[str] = table.get(key, [])
        return tuple(base / v for v in values)

    return Settings(path, bool(table.get("require-citations", False)), folders("seeds"),
                    folders("policies"), folders("scenarios"))
