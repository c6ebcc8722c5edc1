"""``rules check``, ``rules test``, ``rules sources`` and ``rules fmt``: the
policy author's commands."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from engine.cli.common import cli, load_set, policies_option, policy_option, write
from engine.errors import RulesError, UsageError

MACHINE = click.Choice(["text", "json", "junit", "sarif"])


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--seeds", multiple=True, metavar="DIR",
              help="Folder of source articles for the citation check (repeatable; default: "
                   "[tool.rules] seeds, $FOLLOWUP_SEEDS or a shared/seeds folder nearby).")
@click.option("--require-citations", is_flag=True, default=None,
              help="Fail when the citations cannot be checked (no seeds folder); also "
                   "`require-citations = true` under [tool.rules] in pyproject.toml.")
@click.option("--reachability", is_flag=True, help="Also search generated situations (as "
              "`rules conflicts` does) and warn of rules that never fire or only ever fire with "
              "another rule of theirs giving the same advice.")
@click.option("--format", "fmt", type=MACHINE, default="text", show_default=True)
@click.option("-o", "--output", metavar="FILE", help="Write to FILE instead of standard output.")
def check(paths: tuple[str, ...], seeds: tuple[str, ...], require_citations: bool | None,
          reachability: bool, fmt: str, output: str | None) -> int:
    """Check policies: schema, grammar, types, actions, ids, citations, released versions.

    Every problem in every file is reported, each as file:line:col with a hint."""
    from engine.apps import machine_output as mo
    from engine.apps.checking import run_check
    from engine.apps.settings import project_settings

    settings = project_settings()
    report = run_check(list(paths) or list(settings.policies),
                       seeds=list(seeds) or list(settings.seeds),
                       require_citations=settings.require_citations if require_citations is None
                       else require_citations)
    if fmt == "text":
        text = "".join(err.render() + "\n" for err in report.problems)
        if reachability and not report.problems:
            from engine.apps.atlas import reachability_warnings
            from engine.base.resources import policies_dir

            chosen: list[str | Path] = [*paths] or [*settings.policies] or [policies_dir()]
            targets = [str(p) for p in chosen]
            text += "".join(w + "\n" for w in reachability_warnings(targets))
        text += report.summary() + "\n"
    else:
        text = {"json": mo.check_json, "junit": mo.check_junit, "sarif": mo.check_sarif}[fmt](report)
    write(text, output)
    return report.exit_code


def _test_paths(paths: tuple[str, ...]) -> list[Path]:
    from engine.apps.scenarios import scenario_files
    from engine.apps.settings import project_settings

    chosen: list[Any] = list(paths) or list(project_settings().scenarios) or ["tests/scenarios"]
    files = scenario_files(chosen)
    if not files:
        raise UsageError("no scenario files found", hint="pass scenario YAML files or folders")
    return files


def _run_tests(paths: tuple[str, ...], policies_dir: tuple[str, ...], pins: tuple[str, ...],
               fmt: str) -> tuple[str, int]:
    from engine.apps import machine_output as mo
    from engine.apps.scenarios import coverage, run_scenario_files
    from engine.apps.settings import project_settings

    files = _test_paths(paths)
    folders = list(policies_dir) or [str(p) for p in project_settings().policies]
    policies = load_set(folders, pins)
    skip: set[str] = set()
    if pins:  # scenarios of the policies not selected are not run (a typo still is a problem)
        from engine.model.folders import merged_policy_files, policy_roots
        skip = set(merged_policy_files(policy_roots(folders or None))) - {p.id for p in policies}
    left_out: list[Path] = []
    results, problems = run_scenario_files(files, policies, lambda ref: load_set(folders, (ref,)),
                                           skip=skip, skipped_files=left_out)
    failed = [r for r in results if not r.ok]
    code = 2 if problems else 1 if failed else 0  # an unreadable file is bad input
    cover = coverage(results, policies)
    if fmt == "json":
        return mo.test_json(results, cover, problems), code
    if fmt == "junit":
        return mo.test_junit(results, problems), code
    if fmt == "sarif":
        return mo.test_sarif(results, problems), code
    lines = [err.render() for err in problems]
    for r in failed:
        s = r.scenario
        lines.append(f"FAIL {s.file}:{s.line}: {s.ref} — {s.name} (at {s.at})")
        if r.error is not None:
            lines.append("  " + r.error.render().replace("\n", "\n  "))
        lines.extend(f"  {m.rule}: expected {m.expected}, got {m.got}" for m in r.mismatches)
    summary = f"{len(results) - len(failed)} passed, {len(failed)} failed"
    if problems:
        summary += f", {len(problems)} scenario file(s) not run"
    if left_out:
        summary += f"; {len(left_out)} file(s) of policies not selected skipped"
    lines += [summary, "coverage:"]
    for pid, (fired, never) in cover.items():
        total = len(fired) + len(never)
        line = f"  {pid:<22} {len(fired)}/{total} rules fired in some scenario"
        if never:
            line += "; never: " + ", ".join(never)
        lines.append(line)
    return "\n".join(lines) + "\n", code


@cli.command(name="test")
@click.argument("paths", nargs=-1, type=click.Path())
@policies_option
@policy_option
@click.option("--format", "fmt", type=MACHINE, default="text", show_default=True)
@click.option("-o", "--output", metavar="FILE", help="Write to FILE instead of standard output.")
@click.option("--watch", is_flag=True,
              help="Run again whenever a scenario, policy or log file changes (Ctrl-C stops).")
def test_cmd(paths: tuple[str, ...], policies_dir: tuple[str, ...], pins: tuple[str, ...], fmt: str,
             output: str | None, watch: bool) -> int:
    """Run scenario tests (YAML files or folders of them) and print rule coverage."""
    if not watch:
        text, code = _run_tests(paths, policies_dir, pins, fmt)
        write(text, output)
        return code
    from engine.apps.watching import watch_and_run

    def once() -> int:
        try:
            text, code = _run_tests(paths, policies_dir, pins, fmt)
        except RulesError as err:  # a half-edited file: say so, keep watching
            text, code = err.render() + "\n", 2
        write(text, output)
        return code

    from engine.model.policies import policy_roots
    watched = [*(_test_paths(paths)), *policy_roots(list(policies_dir) or None)]
    return watch_and_run(once, watched, echo=click.echo)


@cli.command()
@policies_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def sources(policies_dir: tuple[str, ...], fmt: str) -> int:
    """The loaded policies, their versions and rule counts."""
    import json

    from engine.model.folders import merged_policy_files, policy_roots
    from engine.model.policies import parse_version

    policies = load_set(policies_dir, ())
    available = merged_policy_files(policy_roots(list(policies_dir) or None))
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


@cli.command(name="fmt")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--check", "check_only", is_flag=True,
              help="Change nothing; exit 1 if a file is not in canonical form (for CI).")
@click.option("--diff", "show_diff", is_flag=True, help="Print what would change, as a unified diff.")
def fmt_cmd(paths: tuple[str, ...], check_only: bool, show_diff: bool) -> int:
    """Canonical layout of policy, action, vocabulary and scenario files
    (key order, quoting, conditions printed canonically; comments kept)."""
    import difflib

    from engine.apps.fmt import fmt_files, format_text
    from engine.base.resources import policies_dir

    targets = [Path(p) for p in paths] or [policies_dir(), *[p for p in [Path("tests/scenarios")]
                                                             if p.is_dir()]]
    named = {Path(p) for p in paths}
    changed = []
    for file in fmt_files(targets):
        text = file.read_text("utf-8")
        new, kind = format_text(text, str(file))
        if kind is None:
            if Path(file) in named:  # named on the command line (as pre-commit does): say so
                click.echo(f"skipped {file}: not a policy, action, vocabulary or scenario file")
            continue
        if new == text:
            continue
        changed.append(file)
        if show_diff:
            click.echo("".join(difflib.unified_diff(text.splitlines(True), new.splitlines(True),
                                                    str(file), f"{file} (formatted)")), nl=False)
        if not check_only:
            from engine.base.files import atomic_write_text
            atomic_write_text(file, new)
    for file in changed:
        click.echo(f"{'would reformat' if check_only else 'reformatted'} {file}")
    verb = "would be reformatted" if check_only else "reformatted"
    click.echo(f"{len(changed)} file(s) {verb}" if changed else "all files in canonical form")
    return 1 if changed and check_only else 0
