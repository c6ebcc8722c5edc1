"""followup-rules: a traceable-advice rules engine with a YAML policy DSL.

    import engine
    policies = engine.load_policies()             # bundled, or a directory
    log = engine.load_log("acme.yaml")            # or engine.EventLog.from_dict(d)
    report = engine.evaluate(policies, log, at=datetime(2026, 11, 23, 9, tzinfo=...))
    report.to_dict()                               # validates against schemas/report.schema.json

The package is laid out along the pipeline (see docs/architecture.md):
``base`` → ``language`` and ``input`` → ``model`` → ``runtime`` → ``render``
→ ``apps`` → ``cli``. Names are imported lazily so that ``import engine`` (and
the ``rules`` command) start fast; ``__all__`` is the public API.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from engine.base.version import __version__ as __version__

__all__ = [
    "AdviceGroup", "Conflict", "ConditionError", "ConditionSyntaxError", "ConditionTypeError",
    "Event", "EventLog", "InputError", "LogError", "NotFiring", "Policy", "PolicyError",
    "PolicySet", "Recommendation", "Report", "Rule", "RulesError", "Stance", "UsageError",
    "Vocabulary", "VocabularyError", "__version__", "compile_condition", "conflict_atlas", "evaluate",
    "load_log", "load_policies", "load_vocabulary",
]

# Where each public name lives (imported on first use).
_EXPORTS = {
    "load_policies": "model.policies", "PolicySet": "model.policies", "Policy": "model.policies",
    "Rule": "model.policies",
    "load_log": "model.eventlog", "EventLog": "model.eventlog", "Event": "model.eventlog",
    "load_vocabulary": "model.vocabulary", "Vocabulary": "model.vocabulary",
    "compile_condition": "model.conditions",
    "conflict_atlas": "apps.atlas",
    "evaluate": "runtime.evaluation",
    "Report": "runtime.report", "AdviceGroup": "runtime.report", "Conflict": "runtime.report",
    "Recommendation": "runtime.report", "NotFiring": "runtime.report", "Stance": "runtime.report",
    "RulesError": "errors", "ConditionError": "errors", "ConditionSyntaxError": "errors",
    "ConditionTypeError": "errors", "InputError": "errors", "LogError": "errors",
    "PolicyError": "errors", "VocabularyError": "errors", "UsageError": "errors",
}

if TYPE_CHECKING:  # pragma: no cover - for type checkers and editors
    from engine.errors import ConditionError as ConditionError
    from engine.errors import ConditionSyntaxError as ConditionSyntaxError
    from engine.errors import ConditionTypeError as ConditionTypeError
    from engine.errors import InputError as InputError
    from engine.errors import LogError as LogError
    from engine.errors import PolicyError as PolicyError
    from engine.errors import RulesError as RulesError
    from engine.errors import UsageError as UsageError
    from engine.errors import VocabularyError as VocabularyError
    from engine.apps.atlas import conflict_atlas as conflict_atlas
    from engine.model.conditions import compile_condition as compile_condition
    from engine.model.eventlog import Event as Event
    from engine.model.eventlog import EventLog as EventLog
    from engine.model.eventlog import load_log as load_log
    from engine.model.policies import Policy as Policy
    from engine.model.policies import PolicySet as PolicySet
    from engine.model.policies import Rule as Rule
    from engine.model.policies import load_policies as load_policies
    from engine.model.vocabulary import Vocabulary as Vocabulary
    from engine.model.vocabulary import load_vocabulary as load_vocabulary
    from engine.runtime.evaluation import evaluate as evaluate
    from engine.runtime.report import AdviceGroup as AdviceGroup
    from engine.runtime.report import Conflict as Conflict
    from engine.runtime.report import NotFiring as NotFiring
    from engine.runtime.report import Recommendation as Recommendation
    from engine.runtime.report import Report as Report
    from engine.runtime.report import Stance as Stance


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'engine' has no attribute {name!r}")
    value = getattr(import_module(f"engine.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
