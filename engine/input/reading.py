"""Opening input files without trusting what the path names.

A path given as a log or a policy may name anything: a FIFO (whose open
waits for a writer that never comes), a device such as ``/dev/zero`` (whose
size is 0 and whose content never ends), a folder. Every input is opened
non-blocking, checked on the open file to be a regular file (no swapping it
between check and read), and read at most one byte past the size limit, so a
wrong path is a clean ``RULES-E051`` or ``RULES-E013`` within a moment.

``open_stream`` is the same check for inputs that are read as a stream
(``rules batch``): there a pipe or a FIFO is welcome, a device or a folder
is not.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import IO, Any

from engine.errors import InputError

__all__ = ["read_input", "open_stream", "kind_of"]

_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) \
    | getattr(os, "O_NOCTTY", 0)

_CHUNK = 1 << 20


def kind_of(mode: int) -> str:
    """What a file of ``mode`` is, in words."""
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _open_error(err: OSError, name: str) -> InputError:
    if isinstance(err, FileNotFoundError):
        return InputError("no such file", code="RULES-E051", file=name,
                          hint="check the path (it is relative to the current folder)")
    if isinstance(err, IsADirectoryError):
        return InputError("is a directory, not a file", code="RULES-E051", file=name)
    if isinstance(err, PermissionError):
        return InputError(f"cannot read: {err.strerror}", code="RULES-E051", file=name,
                          hint="you may not read this file: check its permissions")
    return InputError(f"cannot read: {err.strerror or err}", code="RULES-E051", file=name)


def read_input(path: str | Path, name: str, max_bytes: int) -> bytes:
    """The bytes of the regular file ``path`` (shown as ``name``), at most
    ``max_bytes`` of them: anything else is an :class:`InputError`."""
    try:
        fd = os.open(path, _FLAGS)
    except OSError as err:
        raise _open_error(err, name) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            what = kind_of(st.st_mode)
            raise InputError(f"is {what}, not a regular file", code="RULES-E051", file=name,
                             hint="give the path of a file (to read a pipe, save it to a file first)")
        if st.st_size > max_bytes:
            raise InputError(f"file is {st.st_size} bytes, over the limit of {max_bytes}",
                             code="RULES-E013", file=name, hint="split the input or raise the limit")
        os.set_blocking(fd, True)
        chunks = []
        total = 0
        while total <= max_bytes:  # at most one byte past the limit: a file that grows is caught
            chunk = os.read(fd, min(_CHUNK, max_bytes + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > max_bytes:
            raise InputError(f"file is larger than {max_bytes} bytes", code="RULES-E013", file=name,
                             hint="split the input or raise the limit")
        return b"".join(chunks)
    except OSError as err:
        raise _open_error(err, name) from None
    finally:
        os.close(fd)


def open_stream(path: str, name: str | None = None, *, binary: bool = False) -> IO[Any]:
    """``path`` opened for reading UTF-8 text (or bytes) as a stream: a
    regular file, a pipe or a FIFO (waiting for its writer, as any reader of
    one does), never a device or a folder."""
    shown = name or path
    try:
        mode = os.stat(path).st_mode
        if not (stat.S_ISREG(mode) or stat.S_ISFIFO(mode)):
            raise InputError(f"is {kind_of(mode)}, not a file", code="RULES-E051", file=shown,
                             hint="give the path of a JSON Lines file (or - for standard input)")
        return open(path, "rb") if binary else open(path, encoding="utf-8")
    except OSError as err:
        raise _open_error(err, shown) from None
