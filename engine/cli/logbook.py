"""``rules log``: start a job seeker's event log, record, correct and remove
events, list them, and list the event types."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import click

from engine.cli.common import cli, load_set, policies_option

_TIME_HELP = ("When it happened: ISO 8601 (2026-11-16T14:00, with an offset to be exact) or "
              "words: 'yesterday 14:00', today, 'friday 9:30', '2 hours ago'. No offset = the "
              "log's local time. Default: now.")


@cli.group()
def log() -> None:
    """Start an event log and record events without editing YAML."""


def _width() -> int:
    """The terminal's width (``COLUMNS``; 80 off a terminal)."""
    import shutil
    return max(40, shutil.get_terminal_size((80, 24)).columns)


def _say(text: str, *, indent: int = 2, err: bool = False) -> None:
    """Print ``text`` wrapped to the terminal, continuation lines indented
    ``indent`` more than the first (file names and words are never split;
    a NUL stands for a space that must not break a line)."""
    import textwrap
    first = text[: len(text) - len(text.lstrip(" "))]
    lines = textwrap.wrap(text.strip(" "), width=_width(), initial_indent=first,
                          subsequent_indent=first + " " * indent, break_long_words=False,
                          break_on_hyphens=False) or [""]
    from engine.base.terminal import printable  # control characters from the log shown, not obeyed
    click.echo(printable("\n".join(lines).replace("\0", " ")), err=err)


def _warn(warnings: Any) -> None:
    for warning in warnings:
        _say(f"warning: {warning}", err=True)


def _field_text(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _fields_text(event: dict[str, Any]) -> str:
    return "; ".join(f"{k}={_field_text(v)}" for k, v in event.items() if k not in ("type", "at"))


def _types_list() -> str:
    from engine.model.policies import default_vocabulary
    return ", ".join(sorted(default_vocabulary().event_types()))


class _WithTypes(click.Command):
    """A command whose help ends with the event types (of the bundled vocabulary)."""

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        super().format_epilog(ctx, formatter)
        formatter.write_paragraph()
        formatter.write_text("Event types (rules log types describes their fields): " + _types_list())


@log.command(name="new")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--timezone", required=True, metavar="ZONE", help="IANA time zone, e.g. America/New_York.")
@click.option("--subject", metavar="TEXT", help="What the application is, e.g. 'Acme — Analyst'.")
@click.option("--force", is_flag=True, help="Replace an existing file.")
def log_new(file: str, timezone: str, subject: str | None, force: bool) -> int:
    """Create an empty event log FILE."""
    from engine.apps.logedit import new_log
    warnings = new_log(Path(file), timezone, subject, force=force)
    _say(f"created {file} ({timezone})")
    _warn(warnings)
    return 0


@log.command(name="add", cls=_WithTypes)
@click.argument("file", type=click.Path(dir_okay=False))
@click.argument("event_type", metavar="TYPE", required=False)
@click.argument("fields", nargs=-1, metavar="[FIELD=VALUE]...")
@click.option("--at", "at", metavar="TIME", help=_TIME_HELP)
@policies_option
def log_add(file: str, event_type: str | None, fields: tuple[str, ...], at: str | None,
            policies_dir: str | None) -> int:
    """Append an event of TYPE to FILE and echo the time recorded.

    A text value is kept exactly as typed; a list field takes one name or
    several separated by commas.

    Example: rules log add my.yaml interview --at 'yesterday 14:00'
    interviewers='Maria Lopez, Tom Chen' format=video
    """
    from engine.apps.logedit import add_event
    policies = load_set(policies_dir, ())
    change = add_event(Path(file), event_type, at, fields, policies.vocabulary)
    _say(f"added {change.event['type']} at {change.shown_at} to {file}")
    _warn(change.warnings)
    return 0


@log.command(name="rm")
@click.argument("file", type=click.Path(dir_okay=False))
@click.argument("event", metavar="EVENT")
@policies_option
def log_rm(file: str, event: str, policies_dir: str | None) -> int:
    """Remove EVENT from FILE: its id, its number in 'rules log list', or last."""
    from engine.apps.logedit import remove_event
    policies = load_set(policies_dir, ())
    change = remove_event(Path(file), event, policies.vocabulary)
    _report(change, "removed {type} at {at}", f"from {file}")
    return 0


@log.command(name="edit")
@click.argument("file", type=click.Path(dir_okay=False))
@click.argument("event", metavar="EVENT")
@click.argument("fields", nargs=-1, metavar="[FIELD=VALUE]...")
@click.option("--at", "at", metavar="TIME", help="A new time for it (as for 'log add --at').")
@click.option("--unset", multiple=True, metavar="FIELD", help="Remove this field (repeatable).")
@policies_option
def log_edit(file: str, event: str, fields: tuple[str, ...], at: str | None, unset: tuple[str, ...],
             policies_dir: str | None) -> int:
    """Correct EVENT in FILE (its id, its number in 'rules log list', or last):
    set fields, move it with --at, remove fields with --unset.

    Example: rules log edit my.yaml 2 channel=phone --at 'yesterday 16:00'
    """
    from engine.apps.logedit import edit_event
    policies = load_set(policies_dir, ())
    change = edit_event(Path(file), event, at, fields, unset, policies.vocabulary)
    _report(change, "changed {type}: now at {at}", f"in {file}")
    return 0


def _report(change: Any, what: str, where: str) -> None:
    """Say what ``rm`` or ``edit`` did to which event (with its fields), then any warnings."""
    details = _fields_text(change.event)
    _say(what.format(type=change.event["type"], at=change.shown_at)
         + (f" ({details})" if details else "") + f" {where}")
    _warn(change.warnings)


@log.command(name="list")
@click.argument("file", type=click.Path(dir_okay=False))
@policies_option
def log_list(file: str, policies_dir: str | None) -> int:
    """List the events of FILE in time order, numbered as rm and edit take them."""
    from engine.apps.logedit import log_warnings
    from engine.apps.logtimes import is_ambiguous
    from engine.input.documents import load_document
    from engine.model.eventlog import load_log
    from engine.runtime.explanation import format_value
    policies = load_set(policies_dir, ())
    event_log = load_log(file, policies.vocabulary)
    now = datetime.now(event_log.tz)
    _say(f"{event_log.subject or file} ({event_log.timezone}): {len(event_log)} event(s)")
    width = len(str(len(event_log)))
    for number, e in enumerate(event_log.events, 1):
        # one field never breaks across lines ("Sam Poe" stays whole)
        fields = ", ".join(f"{k}={format_value(v, event_log.tz)}".replace(" ", "\0")
                           for k, v in e.fields.items() if v is not None)
        extra = "".join(f"  {k}={v}" for k, v in (("id", e.id), ("note", e.note)) if v)
        future = "  (in the future)" if e.at > now else ""
        local = e.at.astimezone(event_log.tz)
        when = local.strftime("%a %d %b %Y %H:%M")
        if is_ambiguous(local.replace(tzinfo=None), event_log.tz):  # which 01:30 of the two
            when += f" {local.tzname()}"
        _say(f"  {number:>{width}}  {when}  {e.type:<20} {fields}{extra}{future}".rstrip(),
             indent=width + 2)
    _warn(log_warnings(load_document(file).data, file))
    return 0


@log.command(name="types")
@policies_option
def log_types(policies_dir: str | None) -> int:
    """List the event types and their fields, as 'log add' takes them."""
    policies = load_set(policies_dir, ())
    vocabulary = policies.vocabulary
    for name in sorted(vocabulary.event_types()):
        spec = vocabulary.event_type_specs[name]
        _say(f"{name}: {spec.doc}")
        for f in spec.fields.values():
            kind = "name or list of names" if f.type.name == "list" else \
                "date or date and time" if f.type.name in ("date", "datetime") else f.type.name
            if f.values:
                kind = " | ".join(f.values)
            extra = "required" if f.required else (f"default {_field_text(f.default)}"
                                                    if f.default is not None else "optional")
            _say(f"  {f.name}={kind}  ({extra}) {f.doc}", indent=4)
    click.echo("Every event may also have id=TEXT and note=TEXT.")
    return 0
