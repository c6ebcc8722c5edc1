"""(Kept only for benchmarks/scale.py: the hand-written pool that engine/apps/workers.py replaced.)

Worker processes for ``rules batch``: a function applied to a stream of
items in ``jobs`` forked processes, its results (bytes) yielded in input
order, with a bounded number of items in flight (flat memory).

Why not ``multiprocessing.Pool``: measured on ``rules batch`` (2 workers,
8,000 logs, ~12 KB of JSON each), the Pool's parent spent ~100 µs of CPU per
log — a sixth of what a worker spends evaluating it — on its three threads
handing every result to the next through the GIL, on reading each result
64 KB at a time and on copying what is left to send after each write. On a
two-core machine that time is taken from the workers. Here the parent is one
thread around a selector (~20 µs per log): it writes items to each worker as
its pipe takes them (never blocking, so a worker busy writing a result never
waits for a parent busy writing an item) and reads each result straight into
a buffer of its size. Input that may keep it waiting (a pipe) is read by a
second thread, which only reads.

Each worker keeps ``window`` items queued so that it never waits for the
parent between two items. Workers are forked, so ``work`` (a closure holding
the loaded policies, say) is not pickled; where ``fork`` is not available
the caller uses ``multiprocessing.Pool`` instead (:func:`can_fork`).
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import queue
import selectors
import signal
import struct
import threading
import time
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
        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, _READ_SIZE)
    except (ImportError, AttributeError, OSError):
        pass


def _write_all(fd: int, *parts: bytes) -> None:
    """Write ``parts``, one after the other, in as few calls as the pipe allows."""
    views = [memoryview(part) for part in parts if part]
    while views:
        written = os.writev(fd, views[:1024])  # (IOV_MAX)
        while views and written >= len(views[0]):
            written -= len(views.pop(0))
        if views:
            views[0] = views[0][written:]


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


def _serve(work: Callable[[Any], bytes | list[bytes]], inbox: int, outbox: int, others: list[int]) -> None:
    """A worker: items in, results out, until the stop item or the parent's end."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})  # (blocked by the parent for the fork)
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
            status, result = 1, _pickled_error(err)
        parts = result if isinstance(result, list) else [result]
        try:
            _write_all(outbox, _HEADER.pack(status, sum(map(len, parts))), *parts)
        except BrokenPipeError:  # the parent stopped early (its reader gone): so do we
            return


def _pickled_error(err: BaseException) -> bytes:
    """``err`` pickled, if it unpickles too (an exception whose ``__init__``
    wants other arguments than it keeps does not): else a RuntimeError
    saying what it was."""
    try:
        data = pickle.dumps(err)
        pickle.loads(data)
        return data
    except Exception:
        return pickle.dumps(RuntimeError(f"{type(err).__name__}: {err}"))


class _Failed:
    """An exception, in the place of the result of the item that raised it."""

    __slots__ = ("error",)

    def __init__(self, error: BaseException) -> None:
        self.error = error


class _Worker:
    """The parent's side of one worker: its pipes, what is waiting to be
    written to it, what it has been given (item numbers, in order) and what
    has been read of its current result."""

    def __init__(self, process: Any, to_worker: int, from_worker: int) -> None:
        self.process = process
        self.to_worker, self.from_worker = to_worker, from_worker
        self.outgoing = bytearray()
        self.given: deque[int] = deque()
        self.header = bytearray()          # of the result being read
        self.status = 0
        self.body: bytearray | None = None  # the result being read, once its size is known
        self.filled = 0

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

    def receive(self) -> tuple[int, bytes | bytearray | _Failed] | None:
        """Read what is there (the rest of a header, or of a result, into its
        own buffer: no copies); return the result if it is now complete."""
        if self.body is None:
            data = os.read(self.from_worker, _HEADER.size - len(self.header))
            if not data:
                raise self.ended()
            self.header += data
            if len(self.header) < _HEADER.size:
                return None
            self.status, size = _HEADER.unpack(self.header)
            self.header = bytearray()
            self.body, self.filled = bytearray(size), 0
        elif self.filled < len(self.body):
            read = os.readv(self.from_worker, [memoryview(self.body)[self.filled:]])
            if not read:
                raise self.ended()
            self.filled += read
        if self.filled < len(self.body):
            return None  # (the selector says when there is more)
        body, self.body = self.body, None
        return self.given.popleft(), _Failed(pickle.loads(body)) if self.status else body


def ordered_map(work: Callable[[Any], bytes | list[bytes]], items: Iterable[Any], jobs: int, *,
                window: int = 2, read_in_thread: bool = True) -> Iterator[bytes | bytearray]:
    """``map(work, items)`` in ``jobs`` forked worker processes, in order;
    ``work`` returns bytes, or a list of bytes that make its result together.

    Each worker has up to ``window`` items queued; at most ``2 * jobs *
    window`` items are between being handed out and being yielded, and
    ``items`` is read at most ``3 * jobs * window + 1`` items ahead of the
    last yielded (flat memory). It is read by a thread, so that results are
    yielded while it waits for input (lines trickling in through a pipe) —
    unless ``read_in_thread`` is false: for input that never keeps one
    waiting (a list, a regular file), read as needed, without the thread. An exception raised
    by ``work`` or by ``items`` is raised here when its turn comes, as
    ``map`` would. The workers end with the iterator: at once (killed) if it
    is closed or fails before the end."""
    if jobs < 1 or window < 1:
        raise ValueError(f"jobs and window must be at least 1, not {jobs} and {window}")
    ctx = multiprocessing.get_context("fork")
    workers: list[_Worker] = []
    finished = False
    try:
        for _ in range(jobs):
            workers.append(_start(ctx, work, workers))
        yield from _dispatch(workers, items, window, read_in_thread)
        finished = True
    finally:
        for w in workers:
            if finished:  # the stop item (the pipe is empty: everything was answered)
                try:
                    os.write(w.to_worker, _HEADER.pack(0, 0))
                except OSError:
                    pass
            else:  # the results are not wanted: no waiting for the work in hand
                w.process.kill()
            os.close(w.to_worker)
            os.close(w.from_worker)
        deadline = time.monotonic() + 5
        for w in workers:
            w.process.join(timeout=max(0.0, deadline - time.monotonic()))
            if w.process.is_alive():
                w.process.kill()
                w.process.join()


def _start(ctx: Any, work: Callable[[Any], bytes | list[bytes]], elders: list[_Worker]) -> _Worker:
    """A new worker. SIGINT is held back meanwhile (the worker comes to ignore
    it; a Ctrl-C here is handled once the parent knows of the worker)."""
    old_mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        down, up = os.pipe(), os.pipe()  # (read end, write end) each
        _widen(down[1])
        _widen(up[1])
        # the worker closes the parent's ends, its own and its elders'
        others = [down[1], up[0], *(fd for w in elders for fd in (w.to_worker, w.from_worker))]
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
        return _Worker(process, down[1], up[0])
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old_mask)


class _DirectFeed:
    """``items`` read when asked, by the caller's thread: for input that is
    never waited for (a list, a regular file), without a thread's hand-overs."""

    wakeup = None

    def __init__(self, items: Iterable[Any]) -> None:
        self._items = iter(items)

    def take(self) -> Any:
        try:
            return next(self._items, _END)
        except BaseException as err:  # raised by the consumer when its turn comes
            return _Failed(err)

    def close(self) -> None:
        pass


class _Feed:
    """``items`` read by a thread into a bounded queue; ``wakeup`` (a file
    descriptor) becomes readable when there is something to take."""

    def __init__(self, items: Iterable[Any], size: int) -> None:
        self.queue: queue.Queue[Any] = queue.Queue(maxsize=size)
        self.wakeup, self._wake = os.pipe()
        os.set_blocking(self.wakeup, False)
        os.set_blocking(self._wake, False)
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._read, args=(iter(items),), daemon=True,
                                        name="batch input")
        self._thread.start()

    def _read(self, items: Iterator[Any]) -> None:
        try:
            for item in items:
                self._put(item)
                if self._stopped.is_set():
                    return
            self._put(_END)
        except BaseException as err:  # raised by the consumer when its turn comes
            self._put(_Failed(err))
        finally:  # the thread's own end of the wake-up pipe: closed by it alone
            os.close(self._wake)  # (closed by another, its number could be reused meanwhile)

    def _put(self, item: Any) -> None:
        while not self._stopped.is_set():
            try:
                self.queue.put(item, timeout=0.1)
                break
            except queue.Full:
                continue
        try:
            os.write(self._wake, b".")
        except OSError:  # full (a wake-up is pending anyway), or no one reads any more
            pass

    def take(self) -> Any:
        """The next item, ``_END``, a ``_Failed``, or ``_NOTHING`` for now."""
        try:
            return self.queue.get_nowait()
        except queue.Empty:
            try:
                os.read(self.wakeup, 4096)  # wake-ups seen: the next put writes another
            except BlockingIOError:
                pass
            try:  # (an item put between the two steps above)
                return self.queue.get_nowait()
            except queue.Empty:
                return _NOTHING

    def close(self) -> None:
        """Stop reading (a thread waiting for input stops when it comes)."""
        self._stopped.set()
        os.close(self.wakeup)


def _dispatch(workers: list[_Worker], items: Iterable[Any], window: int, threaded: bool
              ) -> Iterator[bytes | bytearray]:
    limit = 2 * len(workers) * window  # items taken and not yet yielded
    feed = _Feed(items, len(workers) * window) if threaded else _DirectFeed(items)
    selector = selectors.DefaultSelector()
    for w in workers:
        selector.register(w.from_worker, selectors.EVENT_READ, w)
    writing: set[int] = set()
    listening = False  # to the feed: only while there is room for its items
    ready: dict[int, bytes | bytearray | _Failed] = {}
    given = emitted = 0
    end: int | None = None       # the number of items, once known
    failure: _Failed | None = None  # what reading the items raised
    try:
        while True:
            while emitted in ready:
                result = ready.pop(emitted)
                if isinstance(result, _Failed):
                    raise result.error
                yield result
                emitted += 1
            if end is not None and emitted == end:
                if failure is not None:
                    raise failure.error
                return
            # give each worker, in turn, up to `window` items to do
            for w in workers:
                while end is None and len(w.given) < window and given - emitted < limit:
                    item = feed.take()
                    if item is _NOTHING:
                        break
                    if item is _END or isinstance(item, _Failed):
                        end = given
                        failure = item if isinstance(item, _Failed) else None
                    else:
                        w.give(given, item)
                        given += 1
                if w.outgoing and w.to_worker not in writing:
                    w.flush()
                    if w.outgoing:
                        selector.register(w.to_worker, selectors.EVENT_WRITE, w)
                        writing.add(w.to_worker)
            if end is not None and emitted == end:
                continue
            room = end is None and given - emitted < limit and any(len(w.given) < window for w in workers)
            if room != listening and feed.wakeup is not None:
                if room:
                    selector.register(feed.wakeup, selectors.EVENT_READ, None)
                else:
                    selector.unregister(feed.wakeup)
                listening = room
            for key, events in selector.select():
                w = key.data
                if w is None:  # items to take: the loop above takes them
                    continue
                if events & selectors.EVENT_WRITE:
                    w.flush()
                    if not w.outgoing:
                        selector.unregister(w.to_worker)
                        writing.discard(w.to_worker)
                else:
                    received = w.receive()
                    if received is not None:
                        ready[received[0]] = received[1]
    finally:
        selector.close()
        feed.close()


_END = object()
_NOTHING = object()
