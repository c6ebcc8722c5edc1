"""Worker processes for ``rules batch``: a function applied to a stream of
items in ``jobs`` forked processes, its results (bytes) yielded in input
order, with a bounded number of items in flight (flat memory).

Why not ``multiprocessing.Pool``: measured on ``rules batch`` (2 workers,
8,000 logs, ~12 KB of JSON each), the Pool's parent spent ~100 µs of CPU per
log — a sixth of what a worker spends evaluating it — on its three threads
handing every result to the next through the GIL, on reading each result
64 KB at a time and on copying what is left to send after each write. On a
two-core machine that time is taken from the workers. Here the parent is one
thread around a selector: it writes items to each worker as its pipe takes
them (never blocking, so a worker busy writing a result never waits for a
parent busy writing an item) and reads results as they come, in large reads.

Each worker keeps ``window`` items queued so that it never waits for the
parent between two items. Workers are forked, so ``work`` (a closure holding
the loaded policies, say) is not pickled; where ``fork`` is not available
the caller uses ``multiprocessing.Pool`` instead (:func:`can_fork`).
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import selectors
import signal
import struct
from collections import deque
from typing import Any, Callable, Iterable, Iterator

__all__ = ["ordered_map", "can_fork"]

_HEADER = struct.Struct("!BQ")  # status (0 result, 1 error), length of what follows
_STOP = b""                     # an empty item: the worker's last
_READ_SIZE = 1 << 20


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def _widen(fd: int) -> None:
    """Let the pipe hold up to ``_READ_SIZE`` bytes (Linux; elsewhere, or if
    refused, it keeps its size): an item or a result then passes in one write
    and one read, not one per 64 KB, each waking the other side."""
    try:
        import fcntl
        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, _READ_SIZE)  # type: ignore[attr-defined]
    except (ImportError, AttributeError, OSError):
        pass


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _read_exactly(fd: int, size: int) -> bytes | None:
    """``size`` bytes from ``fd``, or None at end of file."""
    parts = []
    while size:
        part = os.read(fd, min(size, _READ_SIZE))
        if not part:
            return None
        parts.append(part)
        size -= len(part)
    return b"".join(parts)


def _serve(work: Callable[[Any], bytes], inbox: int, outbox: int, others: list[int]) -> None:
    """A worker: items in, results out, until the stop item or the parent's end."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    for fd in others:
        os.close(fd)
    while True:
        header = _read_exactly(inbox, _HEADER.size)
        if header is None:
            return
        _, size = _HEADER.unpack(header)
        data = _read_exactly(inbox, size) if size else _STOP
        if not data:
            return
        try:
            status, result = 0, work(pickle.loads(data))
        except BaseException as err:  # handed to the parent, which raises it
            try:
                status, result = 1, pickle.dumps(err)
            except Exception:
                status, result = 1, pickle.dumps(RuntimeError(f"{type(err).__name__}: {err}"))
        try:
            _write_all(outbox, _HEADER.pack(status, len(result)) + result)
        except BrokenPipeError:  # the parent stopped early (its reader gone): so do we
            return


class _Worker:
    """The parent's side of one worker: its pipes, what is waiting to be
    written to it, what it has been given (item numbers, in order) and what
    has been read of its current result."""

    def __init__(self, process: Any, to_worker: int, from_worker: int) -> None:
        self.process = process
        self.to_worker, self.from_worker = to_worker, from_worker
        self.outgoing = bytearray()
        self.given: deque[int] = deque()
        self.incoming = bytearray()

    def give(self, number: int, item: Any) -> None:
        data = pickle.dumps(item, protocol=pickle.HIGHEST_PROTOCOL)
        self.outgoing += _HEADER.pack(0, len(data))
        self.outgoing += data
        self.given.append(number)

    def flush(self) -> None:
        """Write what the pipe takes now."""
        try:
            written = os.write(self.to_worker, self.outgoing)
        except BlockingIOError:
            return
        except BrokenPipeError:
            raise self.ended() from None
        del self.outgoing[:written]

    def ended(self) -> RuntimeError:
        self.process.join(timeout=1)
        return RuntimeError(f"a batch worker process ended unexpectedly "
                            f"(exit code {self.process.exitcode})")

    def receive(self) -> list[tuple[int, bytes]]:
        """Read what is there; return the results now complete."""
        data = os.read(self.from_worker, _READ_SIZE)
        if not data:
            raise self.ended()
        self.incoming += data
        done = []
        while len(self.incoming) >= _HEADER.size:
            status, size = _HEADER.unpack_from(self.incoming)
            end = _HEADER.size + size
            if len(self.incoming) < end:
                break
            result = bytes(self.incoming[_HEADER.size:end])
            del self.incoming[:end]
            if status:
                raise pickle.loads(result)
            done.append((self.given.popleft(), result))
        return done


def ordered_map(work: Callable[[Any], bytes], items: Iterable[Any], jobs: int, *,
                window: int = 2) -> Iterator[bytes]:
    """``map(work, items)`` in ``jobs`` forked worker processes, in order;
    at most ``jobs * window`` items are in flight. An exception raised by
    ``work`` is raised here; the workers end with the iterator."""
    ctx = multiprocessing.get_context("fork")
    workers: list[_Worker] = []
    try:
        for _ in range(jobs):
            down, up = os.pipe(), os.pipe()  # (read end, write end) each
            _widen(down[1])
            _widen(up[1])
            # the worker closes the parent's ends, its own and its elders'
            others = [down[1], up[0], *(fd for w in workers for fd in (w.to_worker, w.from_worker))]
            process = ctx.Process(target=_serve, args=(work, down[0], up[1], others), daemon=True)
            try:
                process.start()
            except BaseException:
                os.close(down[1])
                os.close(up[0])
                raise
            finally:  # the worker's ends are its own now
                os.close(down[0])
                os.close(up[1])
            os.set_blocking(down[1], False)
            workers.append(_Worker(process, down[1], up[0]))
        yield from _dispatch(workers, iter(items), window)
    finally:
        for w in workers:
            if not w.outgoing:  # (not in the middle of an item)
                try:  # the stop item, if the pipe takes it now; else the end of the pipe stops it
                    os.write(w.to_worker, _HEADER.pack(0, 0))
                except OSError:
                    pass
            os.close(w.to_worker)
            os.close(w.from_worker)
        for w in workers:
            w.process.join(timeout=5)
            if w.process.is_alive():
                w.process.kill()
                w.process.join()


def _dispatch(workers: list[_Worker], items: Iterator[Any], window: int) -> Iterator[bytes]:
    selector = selectors.DefaultSelector()
    for w in workers:
        selector.register(w.from_worker, selectors.EVENT_READ, w)
    writing: set[int] = set()
    ready: dict[int, bytes] = {}
    given = emitted = 0
    more = True
    try:
        while True:
            if more:  # top every worker up to `window` items, in turn
                for w in workers:
                    while more and len(w.given) < window:
                        item = next(items, _END)
                        if item is _END:
                            more = False
                        else:
                            w.give(given, item)
                            given += 1
                    if w.outgoing and w.to_worker not in writing:
                        w.flush()
                        if w.outgoing:
                            selector.register(w.to_worker, selectors.EVENT_WRITE, w)
                            writing.add(w.to_worker)
            if emitted == given and not more:
                return
            for key, events in selector.select():
                w = key.data
                if events & selectors.EVENT_WRITE:
                    w.flush()
                    if not w.outgoing:
                        selector.unregister(w.to_worker)
                        writing.discard(w.to_worker)
                else:
                    for number, result in w.receive():
                        ready[number] = result
            while emitted in ready:
                yield ready.pop(emitted)
                emitted += 1
    finally:
        selector.close()


_END = object()
