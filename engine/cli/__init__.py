"""The ``rules`` command. ``main(argv) -> int`` is testable without a
subprocess; ``entry_point`` is the console script.

Exit codes: 0 ok, 1 findings (a failed check or test), 2 bad usage or bad input.
Every engine error is printed as ``file:line:col: CODE message`` with the
source line, a caret and a hint, never as a traceback. Each command group lives
in its own module and registers itself on the shared group.
"""

from __future__ import annotations

import os
import sys
from typing import Sequence

import click

from engine.cli import (  # noqa: F401  (they register the commands)
    advice, authoring, batch, conflicts, logbook, serve, versions)
from engine.cli.common import OutputClosed, cli
from engine.errors import RulesError

__all__ = ["main", "entry_point", "cli"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI with ``argv`` (default: ``sys.argv[1:]``); return the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        result = cli.main(args=args, prog_name="rules", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return 2
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return 130
    except RulesError as err:
        click.echo(err.render(), err=True)
        return 2
    except (OutputClosed, BrokenPipeError):
        # The reader of the output stopped reading (`rules batch … | head`):
        # not an error. Standard output goes to the null device, so that
        # flushing it at exit finds no closed pipe.
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            try:
                os.dup2(devnull, sys.stdout.fileno())
            finally:
                os.close(devnull)
        except (OSError, ValueError):
            pass
        return 0
    except OSError as err:  # e.g. an output folder that does not exist
        where = err.filename if err.filename is not None else "<output>"
        click.echo(f"{where}: RULES-E051 cannot write: {err.strerror or err}", err=True)
        return 2
    return int(result or 0)


def entry_point() -> None:
    sys.exit(main())
