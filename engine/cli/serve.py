"""``rules serve``: the advice service and the job seeker's web app (the
``[serve]`` extra: Starlette on uvicorn, Jinja2 templates)."""

from __future__ import annotations

import os
from pathlib import Path

import click

from engine.cli.common import cli, policies_option, policy_option
from engine.errors import UsageError

#: The environment variable holding the bearer token (not an option: it
#: would show in the process list).
TOKEN_ENV = "RULES_SERVE_TOKEN"  # noqa: S105 - the variable's name, not a secret


def _need_extra() -> None:
    missing = []
    for module in ("starlette", "uvicorn", "jinja2", "python_multipart"):
        try:
            __import__(module)
        except ImportError:
            missing.append(module)
    if missing:
        raise UsageError(f"rules serve needs the [serve] extra (missing: {', '.join(missing)})",
                         hint="pip install 'followup-rules[serve]'")


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; any other than 127.0.0.1 needs a token.")
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True)
@policies_option
@policy_option
@click.option("--database", type=click.Path(dir_okay=False), default="followup.db", show_default=True,
              help="The web app's SQLite file (created if missing).")
@click.option("--decision-log", type=click.Path(dir_okay=False), metavar="FILE",
              help="Append one JSON line per decision to FILE.")
@click.option("--log-inputs", is_flag=True, help="Also put each request's input in the decision log.")
@click.option("--token-file", type=click.Path(dir_okay=False, exists=True), metavar="FILE",
              help=f"Read the bearer token from FILE (or set {TOKEN_ENV}).")
@click.option("--max-body", type=click.IntRange(1), default=1_000_000, show_default=True,
              help="Largest request body (a batch: largest line), in bytes.")
@click.option("--max-events", type=click.IntRange(1), default=10_000, show_default=True,
              help="Most events in one log.")
@click.option("--max-batch-lines", type=click.IntRange(1), default=10_000, show_default=True,
              help="Most logs in one batch request.")
@click.option("--request-seconds", type=click.FloatRange(0.01), default=10.0, show_default=True,
              help="Longest one evaluation may take.")
@click.option("--reload-seconds", type=click.FloatRange(0), default=1.0, show_default=True,
              help="How often to look for changed policy files (0: only on SIGHUP).")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="uvicorn worker processes.")
@click.option("--no-web", is_flag=True, help="Serve only the API, not the web app.")
def serve(host: str, port: int, policies_dir: tuple[str, ...], pins: tuple[str, ...], database: str,
          decision_log: str | None, log_inputs: bool, token_file: str | None, max_body: int,
          max_events: int, max_batch_lines: int, request_seconds: float, reload_seconds: float,
          workers: int, no_web: bool) -> int:
    """The HTTP API, CDS-Hooks cards and the job seeker's web app (docs/serve.md)."""
    _need_extra()
    from engine.serve.launch import run
    from engine.serve.settings import Settings

    token = os.environ.get(TOKEN_ENV) or None
    if token_file:
        token = Path(token_file).read_text("utf-8").strip() or None
    settings = Settings(
        host=host, port=port, policies_dir=tuple(Path(p) for p in policies_dir) or None, pins=pins,
        database=Path(database), decision_log=Path(decision_log) if decision_log else None,
        log_inputs=log_inputs, token=token, max_body_bytes=max_body, max_events=max_events,
        max_batch_lines=max_batch_lines, request_seconds=request_seconds,
        reload_seconds=reload_seconds, web_app=not no_web).check()
    run(settings, workers=workers)
    return 0
