"""``rules log``: create, add to and list a job seeker's event log."""

from __future__ import annotations

from pathlib import Path

import click

from engine.cli.common import cli, load_set, policies_option


@cli.group()
def log() -> None:
    """Start an event log and record events without editing YAML."""


@log.command(name="new")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--timezone", required=True, metavar="ZONE", help="IANA time zone, e.g. America/New_York.")
@click.option("--subject", metavar="TEXT", help="What the application is, e.g. 'Acme — Analyst'.")
@click.option("--force", is_flag=True, help="Replace an existing file.")
def log_new(file: str, timezone: str, subject: str | None, force: bool) -> int:
    """Create an empty event log FILE."""
    from engine.apps.logedit import new_log
    new_log(Path(file), timezone, subject, force=force)
    click.echo(f"created {file} ({timezone})")
    return 0


@log.command(name="add")
@click.argument("file", type=click.Path(dir_okay=False))
@click.argument("event_type", metavar="TYPE")
@click.argument("fields", nargs=-1, metavar="[FIELD=VALUE]...")
@click.option("--at", "at", metavar="TIME", help="When it happened (default: now; no offset = the log's local time).")
@policies_option
def log_add(file: str, event_type: str, fields: tuple[str, ...], at: str | None,
            policies_dir: str | None) -> int:
    """Append an event of TYPE to FILE.

    Example: rules log add my.yaml follow_up_sent channel=email
    """
    from engine.apps.logedit import add_event, parse_assignments
    policies = load_set(policies_dir, ())
    event = add_event(Path(file), event_type, at, parse_assignments(fields), policies.vocabulary)
    click.echo(f"added {event['type']} at {event['at']} to {file}")
    return 0


@log.command(name="list")
@click.argument("file", type=click.Path(dir_okay=False))
@policies_option
def log_list(file: str, policies_dir: str | None) -> int:
    """List the events of FILE in time order."""
    from engine.model.eventlog import load_log
    from engine.runtime.explanation import format_value
    policies = load_set(policies_dir, ())
    event_log = load_log(file, policies.vocabulary)
    from engine.base.terminal import printable
    click.echo(printable(f"{event_log.subject or file} ({event_log.timezone}): {len(event_log)} event(s)"))
    for e in event_log.events:
        fields = ", ".join(f"{k}={format_value(v, event_log.tz)}" for k, v in e.fields.items() if v is not None)
        click.echo(printable(f"  {e.at.strftime('%a %d %b %Y %H:%M')}  {e.type:<20} {fields}"))
    return 0
