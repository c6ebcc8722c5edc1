"""followup-rules: a traceable-advice rules engine with a YAML policy DSL.

    import engine
    policies = engine.load_policies()             # bundled, or a directory
    log = engine.load_log("acme.yaml")            # or engine.EventLog.from_dict(d)
    report = engine.evaluate(policies, log, at=datetime(2026, 11, 23, 9, tzinfo=...))
    report.to_dict()                               # validates against schemas/report.schema.json

Names are imported lazily so that ``import engine`` (and the ``rules`` command)
start fast; everything listed in ``__all__`` is the public API.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "1.0.0"

_EXPORTS = {
    "load_policies": "policies", "PolicySet": "policies", "Policy": "policies", "Rule": "policies",
    "load_log": "eventlog", "EventLog": "eventlog", "Event": "eventlog",
    "evaluate": "evaluation", "Report": "report",
    "load_vocabulary": "vocabulary", "Vocabulary": "vocabulary",
    "compile_condition": "conditions",
    "RulesError": "errors", "ConditionError": "errors", "ConditionSyntaxError": "errors",
    "ConditionTypeError": "errors", "InputError": "errors", "LogError": "errors",
    "PolicyError": "errors", "VocabularyError": "errors", "UsageError": "errors",
}

__all__ = sorted(_EXPORTS) + ["__version__"]

if TYPE_CHECKING:  # pragma: no cover - for type checkers and editors
    from .conditions import compile_condition
    from .errors import (ConditionError, ConditionSyntaxError, ConditionTypeError, InputError,
                         LogError, PolicyError, RulesError, UsageError, VocabularyError)
    from .evaluation import evaluate
    from .eventlog import Event, EventLog, load_log
    from .policies import Policy, PolicySet, Rule, load_policies
    from .report import Report
    from .vocabulary import Vocabulary, load_vocabulary


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'engine' has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__

