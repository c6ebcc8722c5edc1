"""``rules serve``: the advice service for other apps (a JSON API, CDS-Hooks
cards, a decision log, policies reloaded on change) and the job seeker's web
app on SQLite, in one ASGI application (the ``[serve]`` extra).

It sits above ``engine.apps`` and below ``engine.cli``: it only uses the
engine's public layers, and the CLI only starts it. ``create_app(settings)``
builds the application; see docs/serve.md.
"""

from __future__ import annotations

__all__ = ["Settings", "create_app"]

from engine.serve.settings import Settings


def create_app(settings: Settings):  # type: ignore[no-untyped-def]
    """The ASGI application for ``settings`` (imports the ``[serve]`` extra)."""
    from engine.serve.app import build_app
    return build_app(settings)
