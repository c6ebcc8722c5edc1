"""Regression: ``engine.evaluate`` is the function even after the evaluation
submodule has been imported. (The submodule used to be called
``engine/evaluate.py``: importing it made the import system bind the module as
the package attribute ``evaluate``, shadowing the function. It is now
``engine/runtime/evaluation.py``, so the names cannot collide.)"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CODE = """
import sys
import types
import engine
import engine.apps.scenarios                     # imports engine.runtime.evaluation internally
from engine.runtime.evaluation import resolve_moment  # and so does an app importing a helper
assert not isinstance(engine.evaluate, types.ModuleType), engine.evaluate
assert engine.evaluate.__name__ == "evaluate" and callable(engine.evaluate)
from engine import evaluate
assert evaluate is engine.evaluate
assert type(sys.modules["engine.runtime.evaluation"]) is types.ModuleType
assert "engine.evaluate" not in sys.modules
"""


def test_evaluate_is_not_shadowed_by_its_submodule():
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    subprocess.run([sys.executable, "-c", "import sys\n" + CODE], check=True, cwd=ROOT, env=env)


PUBLIC = ["AdviceGroup", "Conflict", "ConditionError", "ConditionSyntaxError", "ConditionTypeError",
          "Event", "EventLog", "InputError", "LogError", "NotFiring", "Policy", "PolicyError",
          "PolicySet", "Recommendation", "Report", "Rule", "RulesError", "Stance", "UsageError",
          "Vocabulary", "VocabularyError", "__version__", "compile_condition", "conflict_atlas",
          "evaluate", "load_log", "load_policies", "load_vocabulary"]


def test_the_public_api_is_the_listed_names_and_each_one_resolves():
    import engine
    assert engine.__all__ == PUBLIC
    for name in PUBLIC:
        assert getattr(engine, name) is not None, name
    assert set(dir(engine)) >= set(PUBLIC)


def test_the_pre_move_names_still_import_from_engine():
    """Every name importable from ``engine`` before the subpackages still is."""
    import engine
    from engine.model.policies import PolicySet
    from engine.runtime.evaluation import evaluate
    assert engine.PolicySet is PolicySet and engine.evaluate is evaluate
