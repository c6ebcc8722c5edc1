"""``rules conflicts``: the static disagreement atlas of the policies in force."""

from __future__ import annotations

import click

from engine.cli.common import cli, load_set, policies_option, policy_option, write


@cli.command()
@policies_option
@policy_option
@click.option("--format", "fmt", type=click.Choice(["text", "json", "html"]), default="text",
              show_default=True)
@click.option("--max-logs", type=click.IntRange(1, 100_000), default=None, metavar="N",
              help="How many generated event logs to search (default: 400).")
@click.option("-o", "--output", metavar="FILE", help="Write to FILE instead of standard output.")
def conflicts(policies_dir: str | None, pins: tuple[str, ...], fmt: str, max_logs: int | None,
              output: str | None) -> int:
    """For each pair of sources and action: can they disagree? With a witness
    log and moment for each disagreement found."""
    from engine.apps.atlas import DEFAULT_MAX_LOGS, conflict_atlas
    from engine.apps.atlas_views import render_atlas

    policies = load_set(policies_dir, pins)
    atlas = conflict_atlas(policies, max_logs=max_logs or DEFAULT_MAX_LOGS)
    write(render_atlas(atlas, fmt), output)
    return 0
