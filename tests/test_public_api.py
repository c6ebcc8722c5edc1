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
