"""The ``rules`` command. ``main(argv) -> int`` is testable without a
subprocess; ``entry_point`` is the console script.

Exit codes: 0 ok, 1 findings (a failed check or test), 2 bad usage or bad input.
Every engine error is printed as ``file:line:col: CODE message`` with the
source line, a caret and a hint, never as a traceback.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, Sequence

import click

from engine.base.version import __version__
from engine.errors import InputError, RulesError, UsageError

__all__ = ["main", "entry_point", "cli"]

FORMAT = click.Choice(["text", "json", "markdown", "html"])


def _color(stream: Any = None) -> bool:
    stream = stream or sys.stdout
    return bool(getattr(stream, "isatty", lambda: False)()) and not os.environ.get("NO_COLOR")


def _write(text: str, output: str | None) -> None:
    """Print, or write ``output`` atomically (never a half-written file)."""
    if output is None or output == "-":
        click.echo(text, nl=False, color=_color())
        return
    from engine.base.files import atomic_write_text
    atomic_write_text(Path(output), text)


def _load_set(policies_dir: str | None, pins: Sequence[str]):
    from engine.model.policies import load_policies
    return load_policies(policies_dir, select=pins)


def _moment(value: str | None, log, option: str = "--at") -> Any:
    from engine.input.times import parse_moment
    if value is None:
        return None
    try:
        return parse_moment(value, log.tz)
    except ValueError as err:
        raise UsageError(f"{option}: {err}",
                         hint=f"e.g. {option} 2026-11-23T09:00 (local time in the log's zone)") from None


policies_option = click.option("--policies", "policies_dir", metavar="DIR",
                               help="Folder of policies (default: the bundled ones).")
policy_option = click.option("--policy", "pins", multiple=True, metavar="ID[@VERSION]",
                             help="Use only this policy (repeatable); @VERSION pins a version.")


class _OutputClosed(Exception):
    """The reader of standard output stopped reading (``rules … | head``)."""


class _Rules(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError:  # before click's main(), which would exit with 1
            raise _OutputClosed from None


@click.group(cls=_Rules, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(version=__version__, prog_name="rules")
def cli() -> None:
    """Traceable advice on following up after a job interview: which expert
    recommends what, why, and where they say so."""


@cli.command()
@click.argument("log", type=click.Path(dir_okay=False))
@click.option("--at", "at", metavar="TIME", help="Moment of evaluation (default: now; no offset = the log's local time).")
@policies_option
@policy_option
@click.option("--format", "fmt", type=FORMAT, default="text", show_default=True)
@click.option("--why", "why", metavar="[POLICY:]RULE", help="Explain one rule: why it does or does not apply.")
@click.option("--horizon", type=click.IntRange(1, 3650), default=60, show_default=True,
              help="Days ahead to look for when a rule would next apply.")
@click.option("-o", "--output", metavar="FILE", help="Write to FILE instead of standard output.")
def explain(log: str, at: str | None, policies_dir: str | None, pins: tuple[str, ...], fmt: str,
            why: str | None, horizon: int, output: str | None) -> int:
    """Advice for LOG, grouped by action, each traced to its source."""
    from datetime import timedelta

    from engine.model.eventlog import load_log
    from engine.runtime.evaluation import evaluate
    from engine.render import render_report

    policies = _load_set(policies_dir, pins)
    event_log = load_log(log, policies.vocabulary)
    moment = _moment(at, event_log)
    if why:
        if fmt == "html":
            raise UsageError("--why prints text, markdown or json", hint="drop --format html")
        from engine.runtime.why import explain_rule, render_why
        result = explain_rule(policies, event_log, moment, why, horizon=timedelta(days=horizon))
        _write(render_why(result, fmt), output)
        return 0
    report = evaluate(policies, event_log, moment, horizon=timedelta(days=horizon))
    if fmt == "html":
        from engine.runtime.plan import build_plan
        from engine.render.html import render_html
        _write(render_html(build_plan(policies, event_log, moment, horizon), report), output)
        return 0
    _write(render_report(report, fmt, color=_color() and output is None), output)
    return 0


@cli.command()
@click.argument("log", type=click.Path(dir_okay=False))
@click.option("--from", "start", metavar="TIME", help="Start of the plan (default: now; no offset = the log's local time).")
@click.option("--days", type=click.IntRange(1, 3650), default=30, show_default=True, help="How many days ahead.")
@policies_option
@policy_option
@click.option("--format", "fmt", type=FORMAT, default="text", show_default=True)
@click.option("--ics", metavar="FILE", help="Also write the do-items as an iCalendar file.")
@click.option("-o", "--output", metavar="FILE", help="Write to FILE instead of standard output.")
def plan(log: str, start: str | None, days: int, policies_dir: str | None, pins: tuple[str, ...],
         fmt: str, ics: str | None, output: str | None) -> int:
    """When each source's advice starts and stops applying, day by day."""
    from engine.model.eventlog import load_log
    from engine.runtime.plan import build_plan

    policies = _load_set(policies_dir, pins)
    event_log = load_log(log, policies.vocabulary)
    the_plan = build_plan(policies, event_log, _moment(start, event_log, "--from"), days)
    if fmt == "json":
        import json
        text = json.dumps(the_plan.to_dict(), indent=2, ensure_ascii=False) + "\n"
    elif fmt == "html":
        from engine.render.html import render_html
        text = render_html(the_plan)
    else:
        from engine.render.plan_text import render_plan_text
        text = render_plan_text(the_plan, markdown=fmt == "markdown")
    if ics:
        from engine.base.files import atomic_write_bytes
        from engine.render.ics import render_ics
        atomic_write_bytes(Path(ics), render_ics(the_plan))
    _write(text, output)
    return 0


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--seeds", metavar="DIR", help="Folder of source articles for the citation check "
              "(default: $FOLLOWUP_SEEDS or a shared/seeds folder nearby).")
def check(paths: tuple[str, ...], seeds: str | None) -> int:
    """Check policies: schema, grammar, types, actions, ids, citations."""
    from engine.apps.citations import check_citations, find_seeds
    from engine.model.policies import check_paths
    from engine.base.resources import policies_dir

    targets = list(paths) or [str(policies_dir())]
    loaded, errors = check_paths(targets)
    seeds_dir = find_seeds(seeds)
    cited = False
    if seeds_dir is not None and loaded:
        errors.extend(check_citations(loaded, seeds_dir))
        cited = True
    for err in errors:
        click.echo(err.render(), err=False)
    rules = sum(len(p.rules) for p in loaded)
    note = (f"citations checked against {seeds_dir}" if cited else
            "citations not checked (no policy loaded)" if not loaded else
            "citations not checked (no seeds folder found; see --seeds)")
    click.echo(f"{len(loaded)} policy file(s), {rules} rules, {len(errors)} problem(s); {note}")
    if any(isinstance(e, InputError) for e in errors):
        return 2
    return 1 if errors else 0


@cli.command(name="test")
@click.argument("paths", nargs=-1, type=click.Path())
@policies_option
@policy_option
def test_cmd(paths: tuple[str, ...], policies_dir: str | None, pins: tuple[str, ...]) -> int:
    """Run scenario tests (YAML) and print rule coverage."""
    from engine.apps.scenarios import coverage, run_scenarios

    files: list[Path] = []
    for raw in paths or ("tests/scenarios",):
        p = Path(raw)
        if p.is_dir():
            files.extend(sorted(p.glob("*.yaml")))
        elif p.is_file():
            files.append(p)
        else:
            raise InputError("no such scenario file or folder", code="RULES-E051", file=str(p))
    if not files:
        raise UsageError("no scenario files found", hint="pass scenario YAML files or folders")
    policies = _load_set(policies_dir, pins)
    results = run_scenarios(files, policies)
    failed = [r for r in results if not r.ok]
    for r in failed:
        s = r.scenario
        click.echo(f"FAIL {s.file}:{s.line}: {s.policy} — {s.name} (at {s.at})")
        if r.error is not None:
            click.echo("  " + r.error.render().replace("\n", "\n  "))
        for m in r.mismatches:
            click.echo(f"  {m.rule}: expected {m.expected}, got {m.got}")
    click.echo(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    click.echo("coverage:")
    for pid, (fired, never) in coverage(results, policies).items():
        total = len(fired) + len(never)
        line = f"  {pid:<16} {len(fired)}/{total} rules fired in some scenario"
        if never:
            line += "; never: " + ", ".join(never)
        click.echo(line)
    return 1 if failed else 0


@cli.command()
@policies_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def sources(policies_dir: str | None, fmt: str) -> int:
    """The loaded policies, their versions and rule counts."""
    import json

    from engine.model.policies import parse_version, policy_files
    from engine.base.resources import policies_dir as bundled

    policies = _load_set(policies_dir, ())
    root = Path(policies_dir) if policies_dir else bundled()
    available = policy_files(root)
    rows = []
    for p in policies.policies:
        versions = sorted(available.get(p.id, {}), key=parse_version)
        rows.append({"policy": p.id, "version": p.version, "versions": versions,
                     "rules": len(p.rules), "author": p.source.get("author"), "title": p.title,
                     "document": p.source.get("document"), "sha256": p.sha256})
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0
    click.echo(f"{'policy':<16}{'loaded':<9}{'versions':<18}{'rules':>5}  title (author)")
    for r in rows:
        author = f" ({r['author']})" if r["author"] else ""
        click.echo(f"{r['policy']:<16}{r['version']:<9}{', '.join(r['versions']):<18}{r['rules']:>5}  "
                   f"{r['title']}{author}")
    click.echo(f"{len(rows)} policies, {sum(r['rules'] for r in rows)} rules; vocabulary "
               f"{policies.vocabulary.name}@{policies.vocabulary.version}")
    return 0


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
    from engine.input.times import parse_moment
    from engine.input.times import get_zone

    if at is not None:
        try:
            parse_moment(at, get_zone("UTC"))
        except ValueError as err:
            raise UsageError(f"--at: {err}", hint="e.g. --at 2026-11-23T09:00 (local time in each "
                             "log's zone) or 2026-11-23T09:00-05:00") from None
    policies = _load_set(policies_dir, pins)
    try:
        source = click.open_file(logs, "r", encoding="utf-8")
    except OSError as err:
        raise InputError(f"cannot read: {err.strerror}", code="RULES-E051", file=logs) from None
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
    policies = _load_set(policies_dir, ())
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
    policies = _load_set(policies_dir, ())
    event_log = load_log(file, policies.vocabulary)
    click.echo(f"{event_log.subject or file} ({event_log.timezone}): {len(event_log)} event(s)")
    for e in event_log.events:
        fields = ", ".join(f"{k}={format_value(v, event_log.tz)}" for k, v in e.fields.items() if v is not None)
        click.echo(f"  {e.at.strftime('%a %d %b %Y %H:%M')}  {e.type:<20} {fields}")
    return 0


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
    except (_OutputClosed, BrokenPipeError):
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
