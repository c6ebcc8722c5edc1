"""Writing files so that a crash or an error never leaves a half-written one:
write a temporary file beside the target, fsync, then rename over it.

A target that exists and is not a regular file — a device such as
``/dev/null`` or ``/dev/stdout``, a named pipe (FIFO), a socket — is not a
file a rename could replace without destroying it: it is opened and written
in place, as a shell's ``>`` would (opening a FIFO waits for its reader).
What such a target receives cannot be taken back, so an error in the middle
leaves what was written so far there; a regular file is all or nothing.

Every failure of the operating system while writing (a full disk, a
read-only folder, a missing one) is an engine error ``RULES-E058`` that
names the file.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Iterator

from engine.errors import RulesError

__all__ = ["atomic_write_text", "atomic_write_bytes", "atomic_writer", "write_error"]


def _pause_for_tests() -> None:
    # Lets a test kill the process between writing the new content and the
    # rename, to prove the old file survives. Unset in normal use.
    delay = os.environ.get("FOLLOWUP_RULES_PAUSE_BEFORE_RENAME")
    if delay:
        import time
        time.sleep(float(delay))


_HINTS = {
    errno.ENOSPC: "the disk is full: free some space and run the command again",
    errno.EDQUOT: "your disk quota is used up: free some space and run the command again",
    errno.EACCES: "you may not write there: choose another path",
    errno.EPERM: "you may not write there: choose another path",
    errno.EROFS: "the file system is read-only: choose another path",
    errno.ENOENT: "the folder does not exist: create it first",
    errno.ENOTDIR: "a part of the path is not a folder",
    errno.EISDIR: "give a file name, not a folder",
}


def write_error(path: Path | str, err: OSError) -> RulesError:
    """The engine error for ``err``, raised while writing ``path``."""
    reason = err.strerror or str(err)
    return RulesError(f"cannot write: {reason}", code="RULES-E058", file=str(path),
                      hint=_HINTS.get(err.errno or 0, "check the path and the free space"))


def _target_mode(path: Path) -> int | None:
    """The mode of what ``path`` names (following links), or None if nothing."""
    try:
        return os.stat(path).st_mode
    except FileNotFoundError:
        return None
    except OSError as err:
        if err.errno == errno.ENOTDIR:
            raise write_error(path, err) from None
        return None  # (a dangling link, a loop: the write itself will say)


@contextmanager
def atomic_writer(path: Path, *, binary: bool = False, encoding: str = "utf-8") -> Iterator[IO[Any]]:
    """A stream whose content replaces ``path`` only if the block ends
    without an error; the old file is intact until the final rename. A
    device or a FIFO is written in place (see the module's doc)."""
    path = Path(path)
    mode = _target_mode(path)
    if mode is not None and stat.S_ISDIR(mode):
        raise write_error(path, IsADirectoryError(errno.EISDIR, "is a directory"))
    if mode is not None and not stat.S_ISREG(mode):
        with _in_place(path, binary=binary, encoding=encoding) as handle:
            yield handle
        return
    directory = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as err:
        raise write_error(path, err) from None
    try:
        handle = os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding=encoding, newline="")
        with _closed_quietly(handle):
            try:
                yield handle
                handle.flush()
                os.fsync(handle.fileno())
            except OSError as err:
                if err.filename is not None or isinstance(err, BrokenPipeError):
                    raise  # the block's own error, about another file
                raise write_error(path, err) from None
        _pause_for_tests()
        try:
            # keep an existing file's mode; a new file gets the usual rw-r--r--
            os.chmod(tmp, mode & 0o777 if mode is not None else 0o644)
            os.replace(tmp, path)
        except OSError as err:
            raise write_error(path, err) from None
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


@contextmanager
def _in_place(path: Path, *, binary: bool, encoding: str) -> Iterator[IO[Any]]:
    """``path`` (a device, a FIFO, a socket) opened for writing, never created,
    replaced or truncated."""
    try:
        fd = os.open(path, os.O_WRONLY | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as err:
        raise write_error(path, err) from None
    handle = os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding=encoding, newline="")
    with _closed_quietly(handle):
        try:
            yield handle
            handle.flush()
        except OSError as err:
            if err.filename is not None or isinstance(err, BrokenPipeError):
                raise  # (a reader that went away: the CLI stops quietly)
            raise write_error(path, err) from None


@contextmanager
def _closed_quietly(handle: IO[Any]) -> Iterator[None]:
    """Close ``handle`` at the end; after a failed write, closing would try
    to flush the same buffer again and its error would replace the one that
    says what went wrong, so it is dropped then."""
    try:
        yield
    except BaseException:
        try:
            handle.close()
        except OSError:
            pass
        raise
    handle.close()


def atomic_write_bytes(path: Path, data: bytes) -> None:
    with atomic_writer(path, binary=True) as handle:
        handle.write(data)


def atomic_write_text(path: Path, text: str, encoding: str = "utf-8") -> None:
    with atomic_writer(path, encoding=encoding) as handle:
        handle.write(text)
