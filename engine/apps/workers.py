"""Worker processes for ``rules batch``: ``map(work, items)`` across ``jobs``
processes of a :class:`concurrent.futures.ProcessPoolExecutor`, results in
input order, a bounded number of items in flight (flat memory).

``work`` reaches each worker once, through the pool's initializer: forked
workers inherit it (the loaded policies are not pickled at all), spawned
ones unpickle it once — one code path for both start methods. Each item is
a future; at most ``jobs * window`` are pending, and the oldest is awaited
before another is submitted (back-pressure), so results come out in input
order and an exception raised by ``work`` is raised here when its turn
comes, as ``map`` would.

A worker that dies (killed, out of memory) ends the run with
:class:`WorkerLost` instead of a hang or a traceback; so does a worker
stopped (``SIGSTOP``) for longer than ``stall`` seconds. The workers are
watched from here while a result is awaited, not left to the pool alone:
a worker killed in the middle of writing its result deadlocks the pool.
Ctrl-C, or a consumer that stops early, kills the workers at once: the
results in hand are not wanted. Workers ignore SIGINT (the parent decides
when to stop).
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import queue
import signal
import threading
import time
import weakref
from collections import deque
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Callable, Iterable, Iterator

from engine.errors import RulesError

__all__ = ["ordered_map", "can_fork", "WorkerLost"]

_WORK: list[Callable[[Any], Any]] = []  # per worker process: set once by the initializer
_POLL = 0.5  # seconds between looks at the workers while waiting for a result


class WorkerLost(RulesError):
    """A worker process ended or stopped before giving its result."""

    default_code = "RULES-E060"


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def _install(work: Callable[[Any], Any]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _WORK[:] = [work]


def _apply(item: Any) -> Any:
    try:
        return _WORK[0](item)
    except BaseException as err:  # noqa: BLE001 - handed to the parent, which raises it
        error = _picklable(err)
    # raised outside the handler: a replacement carries no context (the
    # original, which would not pickle where context is pickled too, as
    # with tblib's pickling support that distributed installs)
    raise error


def _picklable(err: BaseException) -> BaseException:
    """``err`` if it survives pickling, else a RuntimeError saying what it was
    (an exception whose ``__init__`` wants other arguments than it keeps
    would break the pool)."""
    try:
        pickle.loads(pickle.dumps(err))
        return err
    except Exception:  # noqa: BLE001 - any failure to round-trip
        return RuntimeError(f"{type(err).__name__}: {err}")


def ordered_map(work: Callable[[Any], Any], items: Iterable[Any], jobs: int, *,
                window: int = 2, start_method: str | None = None, read_in_thread: bool = True,
                stall: float = 10.0) -> Iterator[Any]:
    """``map(work, items)`` in ``jobs`` worker processes, in order.

    At most ``jobs * window`` items are submitted and not yet yielded, and
    ``items`` is read at most that far ahead (plus what a reading thread
    holds: ``jobs * window`` more). ``items`` is read by a thread, so that
    results come out while it waits for input (lines trickling in through a
    pipe), unless ``read_in_thread`` is false (a list, a regular file: never
    waited for). ``start_method``: "fork" where it exists, else "spawn" (then
    ``work`` must pickle). An exception raised by ``work`` or by ``items``
    is raised here when its turn comes. The workers end with the iterator:
    at once (killed) if it is closed or fails before the end.
    """
    if jobs < 1 or window < 1:
        raise ValueError(f"jobs and window must be at least 1, not {jobs} and {window}")
    method = start_method or ("fork" if can_fork() else "spawn")
    limit = jobs * window
    old_mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:  # (a Ctrl-C while the workers start is handled once they have)
        pool = ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context(method),
                                   initializer=_install, initargs=(work,))
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old_mask)
    feed = _ThreadFeed(items, limit) if read_in_thread else _DirectFeed(items)
    pending: deque[Future[Any]] = deque()
    failure: BaseException | None = None
    exhausted = finished = False
    try:
        while True:
            while pending and pending[0].done():  # results ready: out before reading on
                yield _result(pending.popleft(), pool, stall)
            if exhausted:
                if not pending:
                    break
                yield _result(pending.popleft(), pool, stall)
            elif len(pending) >= limit:
                yield _result(pending.popleft(), pool, stall)
            else:
                item = feed.take(_POLL / 5 if pending else None)
                if item is _NOTHING:
                    continue
                if item is _END or isinstance(item, _Failed):
                    exhausted = True
                    failure = item.error if isinstance(item, _Failed) else None
                else:
                    pending.append(_submit(pool, item))
                    if len(pending) == 1:
                        _processes(pool)  # (noted while they live)
        finished = True
    finally:
        feed.close()
        if not finished:
            _kill(pool)
        pool.shutdown(wait=True, cancel_futures=True)
    if failure is not None:
        raise failure


class _Failed:
    """What reading the items raised, in the place of the next item."""

    __slots__ = ("error",)

    def __init__(self, error: BaseException) -> None:
        self.error = error


_END = object()
_NOTHING = object()


class _DirectFeed:
    """``items`` read when asked, by the caller's thread."""

    def __init__(self, items: Iterable[Any]) -> None:
        self._items = iter(items)

    def take(self, timeout: float | None) -> Any:
        try:
            return next(self._items, _END)
        except Exception as err:  # noqa: BLE001 - raised by the consumer in turn
            return _Failed(err)

    def close(self) -> None:
        pass


class _ThreadFeed:
    """``items`` read by a thread into a bounded queue."""

    def __init__(self, items: Iterable[Any], size: int) -> None:
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=size)
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._read, args=(iter(items),), daemon=True,
                                        name="batch input")
        self._thread.start()

    def _read(self, items: Iterator[Any]) -> None:
        try:
            for item in items:
                if not self._put(item):
                    return
            self._put(_END)
        except Exception as err:  # noqa: BLE001 - raised by the consumer in turn
            self._put(_Failed(err))

    def _put(self, item: Any) -> bool:
        while not self._stopped.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def take(self, timeout: float | None) -> Any:
        try:
            return self._queue.get(timeout=timeout)
        except queue.Empty:
            return _NOTHING

    def close(self) -> None:
        """Stop reading (a thread waiting for input stops when it comes)."""
        self._stopped.set()


def _submit(pool: ProcessPoolExecutor, item: Any) -> Future[Any]:
    try:
        return pool.submit(_apply, item)
    except BrokenProcessPool:
        raise _lost(pool, "ended unexpectedly") from None


def _result(future: Future[Any], pool: ProcessPoolExecutor, stall: float) -> Any:
    """The result of ``future``, looking meanwhile for stopped workers."""
    stopped_since: float | None = None
    while True:
        done, _ = wait([future], timeout=_POLL, return_when=FIRST_COMPLETED)
        if done:
            break
        if any(p.exitcode is not None for p in _processes(pool)):
            # (the pool notices a dead worker itself, except one killed while
            # writing a result: its reader thread then waits for the rest of
            # the message, and the other workers for the lock it died holding)
            raise _lost(pool, "ended unexpectedly")
        if any(_stopped(pid) for pid in _pids(pool)):
            stopped_since = stopped_since or time.monotonic()
            if time.monotonic() - stopped_since > stall:
                raise _lost(pool, f"was stopped (SIGSTOP) for over {stall:g} s", codes=False)
        else:
            stopped_since = None
    try:
        return future.result()
    except BrokenProcessPool:
        raise _lost(pool, "ended unexpectedly") from None


# every process each pool has had: a dead worker leaves the pool's own list
# (the pool's processes: no public accessor before Python 3.14)
_SEEN: "weakref.WeakKeyDictionary[ProcessPoolExecutor, dict[int, Any]]" = weakref.WeakKeyDictionary()


def _processes(pool: ProcessPoolExecutor) -> list[Any]:
    seen = _SEEN.setdefault(pool, {})
    seen.update((getattr(pool, "_processes", None) or {}).items())
    return list(seen.values())


def _pids(pool: ProcessPoolExecutor) -> list[int]:
    return [p.pid for p in _processes(pool) if p.pid and p.exitcode is None]


def _stopped(pid: int) -> bool:
    """Whether process ``pid`` is stopped (Linux ``/proc``; elsewhere never known)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[1].split()[0] in (b"T", b"t")
    except (OSError, IndexError):
        return False


def _lost(pool: ProcessPoolExecutor, what: str, codes: bool = True) -> WorkerLost:
    """The error for a lost worker, once every worker is gone (their exit
    codes known: the pool's own thread may be reaping them meanwhile)."""
    _kill(pool)
    detail = ""
    if codes:
        found = {code for code in _exit_codes(_processes(pool)) if code}
        ours = {-signal.SIGTERM, -signal.SIGKILL}  # the pool's, once it broke, and _kill's
        if found - ours:
            found -= ours
        text = sorted(f"killed by signal {-code}" if code < 0 else f"exit code {code}"
                      for code in found)
        detail = f" ({', '.join(text)})" if text else ""
    return WorkerLost(f"a batch worker process {what}{detail}; the run was stopped",
                      hint="nothing was written to an -o file; run again (with fewer --jobs "
                           "if the machine ran out of memory)")


def _exit_codes(processes: list[Any], patience: float = 1.0) -> list[int | None]:
    """The exit codes of ended ``processes``, waiting up to ``patience``
    seconds for each to be known (two threads reaping one process at once:
    the one that loses sees no code until the other has stored it)."""
    deadline = time.monotonic() + patience
    while any(p.exitcode is None for p in processes) and time.monotonic() < deadline:
        time.sleep(0.01)
    return [p.exitcode for p in processes]


def _kill(pool: ProcessPoolExecutor) -> None:
    """End every worker at once (their work in hand is not wanted).

    (The pool has no public way to do it before Python 3.14. A worker killed
    while writing a result leaves the pool's reader thread waiting for the
    rest of it: closing the parent's own copy of the result pipe's write end
    once the workers are gone gives that thread the end of file it needs to
    notice and stop.)"""
    processes = _processes(pool)
    for process in processes:
        try:
            process.kill()
            if process.pid:  # a stopped process dies only once it runs again
                os.kill(process.pid, signal.SIGCONT)
        except (OSError, ValueError, AttributeError):
            pass
    for process in processes:
        try:
            process.join(timeout=5)
        except (OSError, ValueError, AssertionError):
            pass
    writer = getattr(getattr(pool, "_result_queue", None), "_writer", None)
    try:
        if writer is not None:
            writer.close()
    except OSError:
        pass
