"""A real ``rules serve`` process on a free port of 127.0.0.1, for the tests
that need one (the browser, the curl examples of docs/serve.md, a killed
server): started, waited for, and stopped by its process id."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    def __init__(self, process: subprocess.Popen[bytes], port: int, log: Path) -> None:
        self.process = process
        self.port = port
        self.log = log
        self.url = f"http://127.0.0.1:{port}"

    def output(self) -> str:
        return self.log.read_text("utf-8", "replace") if self.log.exists() else ""


def wait_until_up(server: LiveServer, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"rules serve exited {server.process.returncode}:\n{server.output()}")
        try:
            with urllib.request.urlopen(server.url + "/healthz", timeout=1) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"rules serve did not come up in {seconds} s:\n{server.output()}")


@contextmanager
def live_server(tmp: Path, *args: str, env: dict[str, str] | None = None) -> Iterator[LiveServer]:
    """``rules serve --port FREE --database tmp/app.db ARGS`` until the block ends."""
    port = free_port()
    log = tmp / f"serve-{port}.log"
    cmd = [sys.executable, "-m", "engine", "serve", "--port", str(port),
           "--database", str(tmp / "app.db"), *args]
    with open(log, "wb") as out:
        process = subprocess.Popen(cmd, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                   env={**os.environ, "NO_COLOR": "1", **(env or {})})
    server = LiveServer(process, port, log)
    try:
        wait_until_up(server)
        yield server
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
