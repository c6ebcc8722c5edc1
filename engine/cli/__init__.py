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
from engine.errors import RulesError, UsageError

__all__ = ["main", "entry_point", "cli", "internal_error", "system_error"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI with ``argv`` (default: ``sys.argv[1:]``); return the exit code.

    Nothing leaves as a traceback: an engine error is printed with its
    location and hint; an operating-system error that no command turned into
    one gets ``RULES-E051`` (a file named) or ``RULES-E057``; anything else is
    a bug, reported as ``RULES-E090`` with a request for a bug report (and the
    traceback only when ``RULES_DEBUG=1``)."""
    args = list(sys.argv[1:] if argv is None else argv)
    _tolerant_streams()
    try:
        _check_arguments(args)
        result = cli.main(args=args, prog_name="rules", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        _with_code(exc).show()
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
    except OSError as err:
        click.echo(system_error(err).render(), err=True)
        return 2
    except MemoryError:
        click.echo(RulesError("out of memory", code="RULES-E057",
                              hint="the input may be too large for this machine").render(), err=True)
        return 2
    except Exception as err:  # noqa: BLE001 - a bug: reported as one, never as a traceback
        click.echo(internal_error(err), err=True)
        return 2
    return int(result or 0)


def _with_code(exc: click.ClickException) -> click.ClickException:
    """A usage error of the command-line parser, its message led by a code
    like every other error: ``RULES-E051`` for a path that is not what the
    argument needs (a folder given as LOG), ``RULES-E050`` for the rest."""
    param_type = getattr(getattr(exc, "param", None), "type", None)
    code = "RULES-E051" if isinstance(param_type, click.Path) else "RULES-E050"
    message = exc.format_message()
    if not message.startswith("RULES-E"):
        exc.format_message = lambda: f"{code} {message}"  # type: ignore[method-assign]
    return exc


def system_error(err: OSError) -> RulesError:
    """An operating-system error no command turned into an engine error: a
    file it could not read (named), or a resource the system refused
    (processes, memory, open files)."""
    reason = err.strerror or str(err)
    if err.filename is not None:
        return RulesError(f"cannot read: {reason}", code="RULES-E051", file=os.fsdecode(err.filename),
                          hint="check that the path exists and that you may read it")
    return RulesError(f"the operating system refused: {reason}", code="RULES-E057",
                      hint="a limit on processes, memory or open files was reached; "
                           "try again with fewer --jobs or when the machine is less busy")


def internal_error(err: BaseException) -> str:
    """The message for an unexpected exception: what it was, a request for
    a bug report, and the traceback only with ``RULES_DEBUG=1``."""
    lines = [f"RULES-E090 internal error: {type(err).__name__}: {err}",
             "  This is a bug in followup-rules. Please report it with the command you ran",
             "  (run it again with RULES_DEBUG=1 to include the traceback)."]
    if os.environ.get("RULES_DEBUG", "").strip() not in ("", "0"):
        import traceback
        lines.append("".join(traceback.format_exception(err)).rstrip("\n"))
    return "\n".join(lines)


def _check_arguments(args: list[str]) -> None:
    """Every argument must be text: bytes that are not UTF-8 (``$'a\\x85b'``)
    arrive as lone surrogates that no file or output could hold."""
    for index, arg in enumerate(args, 1):
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError as err:
            shown = arg.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
            raise UsageError(f"argument {index} ({shown!r}) is not valid UTF-8 text "
                             f"(byte {err.start + 1})",
                             hint="pass the text in UTF-8, the encoding the engine reads and writes") from None


def _tolerant_streams() -> None:
    """Standard output and error that cannot fail on a character their
    encoding lacks (``PYTHONIOENCODING=latin-1``, an ASCII locale): such a
    character is written as a backslash escape instead."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None and getattr(stream, "errors", None) == "strict":
            try:
                reconfigure(errors="backslashreplace")
            except (ValueError, OSError):  # a closed or detached stream
                pass


def entry_point() -> None:
    sys.exit(main())
