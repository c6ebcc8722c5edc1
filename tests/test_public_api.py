"""Regression: ``engine.evaluate`` is the function even after the submodule
``engine.evaluate`` has been imported (which makes the import system bind the
module as an attribute of the package and used to shadow the function)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CODE = """
import types
import engine
import engine.scenarios                     # imports engine.evaluate internally
from engine.evaluate import resolve_moment  # and so does an app importing a helper
assert not isinstance(engine.evaluate, types.ModuleType), engine.evaluate
assert engine.evaluate.__name__ == "evaluate" and callable(engine.evaluate)
from engine import evaluate
assert evaluate is engine.evaluate
assert type(sys.modules["engine.evaluate"]) is types.ModuleType
"""


def test_evaluate_is_not_shadowed_by_its_submodule():
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    subprocess.run([sys.executable, "-c", "import sys\n" + CODE], check=True, cwd=ROOT, env=env)
