"""``rules check``, ``rules test`` and ``rules sources``: the policy author's commands."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from engine.cli.common import cli, load_set, policies_option, policy_option
from engine.errors import InputError, UsageError


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--seeds", metavar="DIR", help="Folder of source articles for the citation check "
              "(default: $FOLLOWUP_SEEDS or a shared/seeds folder nearby).")
@click.option("--reachability", is_flag=True, help="Also search generated situations (as "
              "`rules conflicts` does) and warn of rules that never fire or only ever fire with "
              "another rule of theirs giving the same advice.")
def check(paths: tuple[str, ...], seeds: str | None, reachability: bool) -> int:
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
    if reachability and not errors:
        from engine.apps.atlas import reachability_warnings

        for warning in reachability_warnings(targets):
            click.echo(warning)
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
            files.extend(sorted(p.rglob("*.yaml")))
        elif p.is_file():
            files.append(p)
        else:
            raise InputError("no such scenario file or folder", code="RULES-E051", file=str(p))
    if not files:
        raise UsageError("no scenario files found", hint="pass scenario YAML files or folders")
    policies = load_set(policies_dir, pins)
    results = run_scenarios(files, policies, lambda ref: load_set(policies_dir, (ref,)))
    failed = [r for r in results if not r.ok]
    for r in failed:
        s = r.scenario
        click.echo(f"FAIL {s.file}:{s.line}: {s.ref} — {s.name} (at {s.at})")
        if r.error is not None:
            click.echo("  " + r.error.render().replace("\n", "\n  "))
        for m in r.mismatches:
            click.echo(f"  {m.rule}: expected {m.expected}, got {m.got}")
    click.echo(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    click.echo("coverage:")
    for pid, (fired, never) in coverage(results, policies).items():
        total = len(fired) + len(never)
        line = f"  {pid:<22} {len(fired)}/{total} rules fired in some scenario"
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

    policies = load_set(policies_dir, ())
    root = Path(policies_dir) if policies_dir else bundled()
    available = policy_files(root)
    rows: list[dict[str, Any]] = []
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
