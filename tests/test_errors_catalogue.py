"""The error catalogue: every code the engine can raise is in errors.CODES and
documented in docs/errors.md, and every catalogued code is used."""

from __future__ import annotations

import re
from pathlib import Path

from engine.errors import CODES, RulesError

ROOT = Path(__file__).resolve().parent.parent
CODE = re.compile(r"RULES-E\d{3}")


def raised_codes() -> set[str]:
    found: set[str] = set()
    for path in (ROOT / "engine").rglob("*.py"):
        if path.name == "errors.py":
            continue
        found.update(CODE.findall(path.read_text("utf-8")))
    for cls in RulesError.__subclasses__():
        found.add(cls.default_code)
    return found


def test_every_raised_code_is_catalogued():
    missing = raised_codes() - set(CODES)
    assert not missing, f"codes raised but not in errors.CODES: {sorted(missing)}"


def test_every_code_is_documented():
    documented = set(CODE.findall((ROOT / "docs" / "errors.md").read_text("utf-8")))
    assert set(CODES) <= documented, f"undocumented: {sorted(set(CODES) - documented)}"
    assert documented <= set(CODES), f"documented but unknown: {sorted(documented - set(CODES))}"


def test_no_dead_codes():
    assert set(CODES) <= raised_codes(), f"never raised: {sorted(set(CODES) - raised_codes())}"
