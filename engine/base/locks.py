"""An advisory lock per file, so that two programs editing one file
(``rules log add`` run twice at once) never lose each other's change.

A writer replaces a file by renaming a new copy over it (see
:mod:`engine.base.files`), so a lock on the file itself would be lost with
the old inode. The lock is therefore taken on a *sidecar* file beside it,
``.NAME.lock``, which is created once and never removed: removing it while
another process waits on it would let a third process lock a new file of the
same name and the two would both go ahead. The lock is ``fcntl.flock``:
released by the kernel when the holder exits, even when it is killed, so a
crash never leaves a stale lock. The holder's process id is written into the
sidecar only to name it in the message a waiting process gives up with.
"""

from __future__ import annotations

import errno
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from engine.errors import UsageError

__all__ = ["DEFAULT_WAIT", "lock_path", "locked"]

#: Seconds a writer waits for another one before giving up (exit 2).
DEFAULT_WAIT = 30.0


def lock_path(path: Path) -> Path:
    """The sidecar lock file of ``path`` (``dir/.NAME.lock``)."""
    return path.parent / f".{path.name}.lock"


@contextmanager
def locked(path: Path, *, wait: float | None = None) -> Iterator[Path]:
    """Hold the exclusive lock of ``path`` for the block.

    Waits up to ``wait`` seconds (``RULES_LOCK_WAIT`` in the environment, else
    :data:`DEFAULT_WAIT`) for another holder, then raises a ``UsageError``
    (RULES-E055) naming it. Where the system has no ``fcntl`` (Windows) the
    block runs unlocked."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not on the supported systems
        yield path
        return
    if wait is None:
        wait = _wait_from_environment()
    sidecar = lock_path(path)
    try:
        fd = os.open(sidecar, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o644)
    except OSError as err:
        raise UsageError(f"cannot lock {path}: {err.strerror or err} ({sidecar})", code="RULES-E055",
                         hint="the folder of the file must be writable to change the file") from None
    try:
        deadline = time.monotonic() + wait
        delay = 0.005
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as err:
                if err.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                    raise UsageError(f"cannot lock {path}: {err.strerror or err}", code="RULES-E055") from None
                if time.monotonic() >= deadline:
                    holder = _holder(fd)
                    raise UsageError(
                        f"{path} is being changed by another program"
                        + (f" (process {holder})" if holder else "")
                        + f"; gave up after {wait:g} s", code="RULES-E055",
                        hint="try again when it has finished (RULES_LOCK_WAIT sets how long to wait)"
                    ) from None
                time.sleep(delay)
                delay = min(delay * 2, 0.1)
        _note_holder(fd)
        yield path
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _wait_from_environment() -> float:
    raw = os.environ.get("RULES_LOCK_WAIT")
    if raw is None:
        return DEFAULT_WAIT
    try:
        value = float(raw)
    except ValueError:
        raise UsageError(f"RULES_LOCK_WAIT={raw!r} is not a number of seconds", code="RULES-E050",
                         hint="e.g. RULES_LOCK_WAIT=60") from None
    if not value >= 0:  # also refuses NaN
        raise UsageError(f"RULES_LOCK_WAIT={raw!r} must be 0 or more seconds", code="RULES-E050")
    return value


def _note_holder(fd: int) -> None:
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    except OSError:
        pass  # the name of the holder is a courtesy, not part of the lock


def _holder(fd: int) -> str | None:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return None
    return text if text.isdigit() else None
