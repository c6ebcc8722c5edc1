"""``rules test --watch``: run once, then again whenever a watched file
changes, until interrupted. File events come from watchfiles (inotify and
its equivalents, with debouncing), not from polling here."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterable

__all__ = ["watch_and_run"]

#: Only these files trigger a run (editors write swap and backup files too).
SUFFIXES = (".yaml", ".yml", ".json", ".lock")


def _relevant(_change: object, path: str) -> bool:
    return path.endswith(SUFFIXES)


def watch_and_run(run: Callable[[], int], paths: Iterable[Path], *,
                  echo: Callable[[str], None] = print, stop_event: object | None = None,
                  debounce_ms: int = 200) -> int:
    """Call ``run`` now and after each batch of changes under ``paths``;
    return the last exit code when interrupted (or ``stop_event`` is set)."""
    try:
        from watchfiles import watch
    except ImportError:
        from engine.errors import UsageError
        raise UsageError("--watch needs the watchfiles package",
                         hint="pip install 'followup-rules[author]'") from None
    folders = sorted({str(p if p.is_dir() else p.parent) for p in map(Path, paths) if p.exists()})
    code = run()
    echo(f"watching {', '.join(folders)} (Ctrl-C stops)")
    try:
        for changes in watch(*folders, watch_filter=_relevant, debounce=debounce_ms,
                             stop_event=stop_event, raise_interrupt=False):  # type: ignore[arg-type]
            names = sorted({Path(p).name for _, p in changes})
            echo(f"changed: {', '.join(names)}")
            code = run()
    except KeyboardInterrupt:
        pass
    return code
