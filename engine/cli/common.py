"""What every ``rules`` command shares: the command group, the common
options, loading the policy set, reading ``--at``, writing output."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

import click

from engine.base.version import __version__
from engine.errors import UsageError

if TYPE_CHECKING:
    from engine.model.eventlog import EventLog
    from engine.model.policies import PolicySet

__all__ = ["FORMAT", "OutputClosed", "cli", "color", "load_set", "note_cut_short", "policies_option",
           "read_moment", "policy_option", "search_budget_option", "write"]

FORMAT = click.Choice(["text", "json", "markdown", "html"])


def color(stream: Any = None) -> bool:
    stream = stream or sys.stdout
    return bool(getattr(stream, "isatty", lambda: False)()) and not os.environ.get("NO_COLOR")


def write(text: str, output: str | None, fmt: str = "text") -> None:
    """Print, or write ``output`` atomically (never a half-written file).
    Text and Markdown have every control and bidirectional character from
    user data escaped (see :mod:`engine.base.terminal`)."""
    to_terminal = output is None or output == "-"
    if fmt in ("text", "markdown"):
        from engine.base.terminal import printable
        text = printable(text, keep_styles=to_terminal and color())
    if output is None or output == "-":
        click.echo(text, nl=False, color=color())
        return
    from engine.base.files import atomic_write_text
    atomic_write_text(Path(output), text)


def load_set(policies_dir: str | Sequence[str] | None, pins: Sequence[str]) -> PolicySet:
    """The policy set of ``--policies`` (one folder, several, or none: the
    bundled ones) and ``--policy`` pins."""
    from engine.model.policies import load_policies
    if isinstance(policies_dir, str):
        policies_dir = [policies_dir]
    return load_policies(list(policies_dir or ()) or None, select=pins)


def read_moment(value: str | None, log: EventLog, option: str = "--at") -> Any:
    from engine.input.times import parse_moment
    if value is None:
        return None
    try:
        return parse_moment(value, log.tz)
    except ValueError as err:
        raise UsageError(f"{option}: {err}",
                         hint=f"e.g. {option} 2026-11-23T09:00 (local time in the log's zone)") from None


policies_option = click.option("--policies", "policies_dir", metavar="DIR", multiple=True,
                               help="Folder of policies (default: the bundled ones); repeat it to "
                                    "add folders, ':bundled' names the bundled one.")
policy_option = click.option("--policy", "pins", multiple=True, metavar="ID[@VERSION]",
                             help="Use only this policy (repeatable); @VERSION pins a version.")


# (engine.runtime.timing.DEFAULT_SEARCH_BUDGET, which a test compares: importing
# it here would load the evaluation layer for every command's start)
search_budget_option = click.option(
    "--search-budget", "search_budget", type=click.IntRange(0), metavar="N", default=400_000,
    show_default=True, help="Most condition evaluations spent looking ahead (when rules would next "
                            "apply or stop); past it the search stops and says so.")


def note_cut_short(count: int, budget: int) -> None:
    """Tell the user (on standard error) that the look-ahead stopped early."""
    if count:
        click.echo(f"note: the look-ahead stopped after {budget} condition evaluations (its budget): "
                   f"for {count} rule(s) it is not known when they would next apply or stop; "
                   "raise --search-budget or lower --horizon/--days to see further", err=True)


class OutputClosed(Exception):
    """The reader of standard output stopped reading (``rules … | head``)."""


class _Rules(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError:  # before click's main(), which would exit with 1
            raise OutputClosed from None


@click.group(cls=_Rules, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(version=__version__, prog_name="rules")
def cli() -> None:
    """Traceable advice on following up after a job interview: which expert
    recommends what, why, and where they say so."""
