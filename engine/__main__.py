"""``python -m engine`` runs the ``rules`` command."""

from engine.cli import entry_point

entry_point()
