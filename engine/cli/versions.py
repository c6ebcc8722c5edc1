"""``rules new``, ``rules bump``, ``rules lock`` and ``rules diff``: policies
and their versions."""

from __future__ import annotations

from pathlib import Path

import click

from engine.cli.common import cli, write
from engine.errors import UsageError


def _folder(policies_dir: str | None) -> Path:
    """The folder these commands write to: ``--policies``, or ./policies."""
    return Path(policies_dir) if policies_dir else Path("policies")


folder_option = click.option("--policies", "policies_dir", metavar="DIR",
                             help="The policies folder to write to (default: ./policies).")


@cli.command()
@click.argument("policy")
@folder_option
@click.option("--title", required=True, help="The article's title.")
@click.option("--document", required=True, metavar="FILE", help="The article's file name in the seeds folder.")
@click.option("--author", default="TODO", show_default=True, help="The article's author.")
@click.option("--scenarios", metavar="DIR", default="tests/scenarios", show_default=True,
              help="Where to write the policy's scenario file ('' for none).")
def new(policy: str, policies_dir: str | None, title: str, document: str, author: str,
        scenarios: str) -> int:
    """Start a new policy: POLICY/1.0.0.yaml with a first rule, and a scenario file."""
    from engine.apps.scaffold import new_policy

    written = new_policy(_folder(policies_dir), policy, title=title, document=document, author=author,
                         scenarios=Path(scenarios) if scenarios else None)
    for path in written:
        click.echo(f"wrote {path}")
    click.echo(f"next: write the rules, then `rules check {written[0].parent.parent}` and "
               f"`rules test {written[-1]}`")
    return 0


@cli.command()
@click.argument("policy")
@folder_option
@click.option("--major", "part", flag_value="major", help="A new major version (x+1.0.0).")
@click.option("--minor", "part", flag_value="minor", default=True, help="A new minor version (the default).")
@click.option("--patch", "part", flag_value="patch", help="A new patch version.")
@click.option("-m", "--summary", help="The `changes` entry of the new version.")
def bump(policy: str, policies_dir: str | None, part: str, summary: str | None) -> int:
    """Make the next version of POLICY from its latest; lock the latest as released."""
    from engine.apps.scaffold import bump_policy

    target, start = bump_policy(_folder(policies_dir), policy, part, summary)
    click.echo(f"wrote {target} (from {start}, now locked as released)")
    if summary is None:
        click.echo("next: fill in its `changes` entry, then edit its rules")
    return 0


@cli.command()
@folder_option
@click.argument("refs", nargs=-1, metavar="[ID@VERSION]...")
def lock(policies_dir: str | None, refs: tuple[str, ...]) -> int:
    """Record released versions in versions.lock (default: every version not yet locked)."""
    from engine.apps.releases import LOCK_NAME, lock_versions

    root = _folder(policies_dir)
    if not root.is_dir():
        raise UsageError(f"no policies folder {root}", hint="pass --policies DIR")
    added = lock_versions(root, list(refs) or None)
    click.echo(f"locked {', '.join(added)} in {root / LOCK_NAME}" if added else "nothing new to lock")
    return 0


@cli.command()
@click.argument("old")
@click.argument("new")
@click.option("--policies", "policies_dir", multiple=True, metavar="DIR",
              help="Folder(s) where ID@VERSION are looked up (default: the bundled ones).")
@click.option("--scenarios", multiple=True, metavar="PATH",
              help="Scenario files or folders whose logs the change is replayed on "
                   "(default: tests/scenarios if present).")
@click.option("--logs", multiple=True, metavar="PATH", help="More logs to replay on (files or folders).")
@click.option("--days", type=click.IntRange(1, 365), default=30, show_default=True,
              help="How many days after each log's last event are replayed.")
@click.option("--corpus", type=click.IntRange(0, 10_000), default=200, show_default=True,
              help="How many generated logs are replayed as well.")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "json"]), default="text",
              show_default=True)
@click.option("-o", "--output", metavar="FILE", help="Write to FILE instead of standard output.")
def diff(old: str, new: str, policies_dir: tuple[str, ...], scenarios: tuple[str, ...],
         logs: tuple[str, ...], days: int, corpus: int, fmt: str, output: str | None) -> int:
    """What changed between two versions of a policy (two files, or ID@A ID@B),
    rule by rule, and its effect on advice replayed over logs and days."""
    from engine.apps.diff import diff_policies, load_side, replay_logs
    from engine.apps.diff_render import render_diff

    folders = list(policies_dir) or None
    before, after, policies = load_side(old, new, folders)
    chosen = list(scenarios) or (["tests/scenarios"] if Path("tests/scenarios").is_dir() else [])
    corpus_logs = replay_logs(chosen, list(logs), corpus, policies.vocabulary)
    result = diff_policies(before, after, policies, corpus_logs, days=days)
    write(render_diff(result, fmt), output)
    return 0
