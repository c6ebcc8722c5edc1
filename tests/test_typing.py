"""The package's type annotations hold under ``mypy --strict``, and so does an
app that embeds the engine as docs/embedding.md shows (the API ships
``py.typed``, so embedding apps type-check against it)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from test_docs import blocks

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow


def mypy(*args: str, cache: Path) -> subprocess.CompletedProcess[str]:
    pytest.importorskip("mypy", reason="mypy is in the test extra: pip install -e '.[test]'")
    return subprocess.run([sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(cache), *args],
                          cwd=ROOT, capture_output=True, text=True)


def test_mypy_strict_finds_no_error_in_the_engine(tmp_path):
    done = mypy("engine", cache=tmp_path / "cache")
    assert done.returncode == 0, done.stdout + done.stderr


def test_an_app_written_as_the_embedding_guide_shows_passes_mypy_strict(tmp_path):
    code = "\n\n".join(b.text for b in blocks(ROOT / "docs" / "embedding.md") if b.lang == "python")
    app = tmp_path / "app.py"
    app.write_text(code, encoding="utf-8")
    done = mypy(str(app), cache=tmp_path / "cache")
    assert done.returncode == 0, done.stdout + done.stderr


def test_strict_mypy_sees_a_wrong_use_of_the_api(tmp_path):
    """The check above can fail: a misuse of the public API is reported."""
    app = tmp_path / "app.py"
    app.write_text("import engine\n\nreport = engine.evaluate(engine.load_policies(), 'not a log')\n"
                   "count: str = len(report.advice)\n", encoding="utf-8")
    done = mypy(str(app), cache=tmp_path / "cache")
    assert done.returncode == 1 and "arg-type" in done.stdout and "assignment" in done.stdout, done.stdout
