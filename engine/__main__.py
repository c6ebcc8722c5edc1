"""``python -m engine`` runs the ``rules`` command."""

from .cli import entry_point

entry_point()
