"""``cli.main`` never lets an exception out (issue 20, point 12 and the
internal-error rule): an unexpected one is ``RULES-E090`` with a request for
a bug report (a traceback only with ``RULES_DEBUG=1``), an operating-system
error is ``RULES-E051`` (a file named) or ``RULES-E057``, a stream that
cannot encode a character, or an argument that is not UTF-8, gives no
traceback either."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest

from engine.cli import main
from engine.cli.common import cli

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "waiting-past-date.yaml"
AT = "2026-11-23T09:00"


@pytest.fixture
def failing_command():
    """A command that raises what the test puts in ``failing_command.error``."""
    box: dict[str, BaseException] = {}

    @cli.command("explode-for-test", hidden=True)
    def explode() -> None:
        raise box["error"]

    yield box
    cli.commands.pop("explode-for-test", None)


def test_an_unexpected_exception_is_e090_without_traceback(failing_command, capsys, monkeypatch):
    monkeypatch.delenv("RULES_DEBUG", raising=False)
    failing_command["error"] = ZeroDivisionError("division by zero")
    assert main(["explode-for-test"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("RULES-E090 internal error: ZeroDivisionError: division by zero")
    assert "This is a bug in followup-rules. Please report it" in err
    assert "Traceback" not in err


def test_rules_debug_shows_the_traceback(failing_command, capsys, monkeypatch):
    monkeypatch.setenv("RULES_DEBUG", "1")
    failing_command["error"] = KeyError("k")
    assert main(["explode-for-test"]) == 2
    err = capsys.readouterr().err
    assert "RULES-E090" in err and "Traceback (most recent call last)" in err and "explode" in err


def test_an_os_error_without_a_file_is_e057(failing_command, capsys):
    failing_command["error"] = BlockingIOError(errno.EAGAIN, "Resource temporarily unavailable")
    assert main(["explode-for-test"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("RULES-E057 the operating system refused: Resource temporarily unavailable")
    assert "cannot write" not in err


def test_an_os_error_with_a_file_names_it_and_says_read(failing_command, capsys):
    failing_command["error"] = PermissionError(errno.EACCES, "Permission denied", "/some/policies")
    assert main(["explode-for-test"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("/some/policies: RULES-E051 cannot read: Permission denied")


def test_memory_error_is_e057(failing_command, capsys):
    failing_command["error"] = MemoryError()
    assert main(["explode-for-test"]) == 2
    assert "RULES-E057 out of memory" in capsys.readouterr().err


def test_a_folder_as_log_gets_a_code(tmp_path, capsys):
    assert main(["explain", str(tmp_path), "--at", AT]) == 2
    err = capsys.readouterr().err
    assert "RULES-E051" in err and "is a directory" in err


def test_a_parser_error_gets_a_code(capsys):
    assert main(["explain", str(EXAMPLE), "--format", "pdf"]) == 2
    assert "Error: RULES-E050 Invalid value for '--format'" in capsys.readouterr().err


def run(*argv: str | bytes, **env: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "engine", *argv], capture_output=True, timeout=60,
                          cwd=ROOT, env={**os.environ, "RULES_NO_CACHE": "1", **env})


@pytest.mark.parametrize("argv", [
    ["explain", str(EXAMPLE), "--at", AT],
    ["explain", str(EXAMPLE), "--at", AT, "--format", "markdown"],
    ["plan", str(EXAMPLE), "--from", AT],
    ["sources"],
    ["log", "list", str(EXAMPLE)],
    ["log", "types"],
    ["explain", str(EXAMPLE), "--at", "2026-13-01"],
])
def test_a_latin1_terminal_gets_no_traceback(argv):
    proc = run(*argv, PYTHONIOENCODING="latin-1")
    assert b"Traceback" not in proc.stderr and b"UnicodeEncodeError" not in proc.stderr, proc.stderr
    assert proc.returncode in (0, 2)


def test_an_argument_that_is_not_utf8_is_e050(tmp_path):
    proc = run("log", "new", os.fsencode(str(tmp_path / "new.yaml")), "--subject", b"a\x85b")
    assert proc.returncode == 2 and b"RULES-E050" in proc.stderr and b"not valid UTF-8" in proc.stderr
    assert b"Traceback" not in proc.stderr
    assert not (tmp_path / "new.yaml").exists()


def test_click_exceptions_still_exit_2_and_abort_130(capsys):
    assert main(["no-such-command"]) == 2
    assert "RULES-E050" in capsys.readouterr().err
    assert isinstance(click.exceptions.Abort(), Exception)
