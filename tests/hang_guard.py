"""A per-test time limit for the hostile-input tests: a hang fails the test
instead of blocking the suite. Import the fixture into a test module:

    from hang_guard import time_limit  # noqa: F401  (autouse fixture)

``Hang`` derives from BaseException so that hypothesis does not catch it and
start shrinking (which would hang again); pytest reports it as a failure.
"""

from __future__ import annotations

import signal
import threading

import pytest

#: Seconds one test may take, all its hypothesis examples included.
LIMIT = 120


class Hang(BaseException):
    """A test ran past its time limit."""


@pytest.fixture(autouse=True)
def time_limit(request):
    seconds = getattr(request.module, "TIME_LIMIT", LIMIT)
    if not hasattr(signal, "SIGALRM") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_alarm(signum, frame):
        raise Hang(f"{request.node.nodeid} ran for over {seconds} s: a hang?")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
