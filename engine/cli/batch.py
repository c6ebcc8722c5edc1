"""``rules batch``: one JSON report per line of a JSON Lines file."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from engine.cli.common import cli, load_set, policies_option, policy_option
from engine.errors import UsageError


@cli.command()
@click.argument("logs", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--at", "at", metavar="TIME", help="Moment of evaluation for every log (default: now).")
@click.option("--jobs", type=click.IntRange(1, 256), default=1, show_default=True, help="Worker processes.")
@click.option("--explain/--no-explain", default=False, show_default=True,
              help="Full reports (values, sources, rules not firing) instead of the fast path.")
@policies_option
@policy_option
@click.option("-o", "--output", metavar="FILE", help="Write to FILE instead of standard output.")
def batch(logs: str, at: str | None, jobs: int, explain: bool, policies_dir: str | None,
          pins: tuple[str, ...], output: str | None) -> int:
    """One JSON report per line of LOGS.jsonl (a log object per line), streamed."""
    from engine.apps.batch import run_batch
    from engine.input.times import get_zone, parse_moment

    if at is not None:
        try:
            parse_moment(at, get_zone("UTC"))
        except ValueError as err:
            raise UsageError(f"--at: {err}", hint="e.g. --at 2026-11-23T09:00 (local time in each "
                             "log's zone) or 2026-11-23T09:00-05:00") from None
    policies = load_set(policies_dir, pins)
    from engine.input.reading import open_stream
    # a file, a pipe or "-" (standard input, kept open); never a device (/dev/zero) or a folder
    source = click.open_file("-", "r", encoding="utf-8") if logs == "-" else open_stream(logs)
    with source as lines:
        # JSON Lines are UTF-8 whatever the locale: written as bytes
        if output and output != "-":
            from engine.base.files import atomic_writer
            with atomic_writer(Path(output), binary=True) as out:  # all or nothing, like every other output
                run_batch(policies, lines, out, at=at, jobs=jobs, source=logs, explain=explain)
        else:
            sys.stdout.flush()
            out = getattr(sys.stdout, "buffer", sys.stdout)
            run_batch(policies, lines, out, at=at, jobs=jobs, source=logs, explain=explain)
            out.flush()
    return 0
