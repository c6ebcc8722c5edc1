"""Writing files so that a crash or an error never leaves a half-written one:
write a temporary file beside the target, fsync, then rename over it."""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Iterator

__all__ = ["atomic_write_text", "atomic_write_bytes", "atomic_writer"]


def _pause_for_tests() -> None:
    # Lets a test kill the process between writing the new content and the
    # rename, to prove the old file survives. Unset in normal use.
    delay = os.environ.get("FOLLOWUP_RULES_PAUSE_BEFORE_RENAME")
    if delay:
        import time
        time.sleep(float(delay))


@contextmanager
def atomic_writer(path: Path, *, binary: bool = False, encoding: str = "utf-8") -> Iterator[IO[Any]]:
    """A stream whose content replaces ``path`` only if the block ends
    without an error; the old file is intact until the final rename."""
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with (os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding=encoding, newline="")) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        _pause_for_tests()
        # keep an existing file's mode; a new file gets the usual rw-r--r--
        os.chmod(tmp, path.stat().st_mode & 0o777 if path.exists() else 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    try:  # make the rename itself durable
        dir_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError:
        pass


def atomic_write_bytes(path: Path, data: bytes) -> None:
    with atomic_writer(path, binary=True) as handle:
        handle.write(data)


def atomic_write_text(path: Path, text: str, encoding: str = "utf-8") -> None:
    with atomic_writer(path, encoding=encoding) as handle:
        handle.write(text)
