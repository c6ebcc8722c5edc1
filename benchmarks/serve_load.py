"""What does the HTTP service add to an evaluation? A load test of
``POST /v1/explain`` against ``rules serve`` on 127.0.0.1 (never another
host): the bundled example logs, sent round-robin over 1, 8 and 32
keep-alive connections, with 1 and 2 uvicorn workers. For each: requests
per second and p50/p99 latency, beside the in-process ``evaluate`` cost of
the same logs (each parsed, evaluated and turned into JSON data, as the API
does); the ratio is the p50 latency over the in-process p50 (the HTTP
overhead, queueing included).

Bounded: each level stops after ``--requests`` requests or ``--seconds``
seconds, whichever comes first. The load generator runs on the same
machine (threads, one connection each), so it competes with the server for
the cores: the figures are a floor for what the service does alone.

    python benchmarks/serve_load.py [--requests 400] [--seconds 15] [--quick] [--json]
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT / "tests"))

from _table import Result, render  # noqa: E402

AT = "2026-11-23T09:00"
CONNECTIONS = (1, 8, 32)
WORKERS = (1, 2)
BLOCKS = 8  # alternations of HTTP and in-process at one connection
COLUMNS = [
    {"key": "setup", "header": "setup", "kind": "text"},
    {"key": "connections", "header": "conns", "kind": "value"},
    {"key": "requests", "header": "requests", "kind": "value"},
    {"key": "throughput", "header": "req/s", "kind": "rate"},
    {"key": "p50", "header": "p50", "kind": "value"},
    {"key": "p99", "header": "p99", "kind": "value"},
    {"key": "overhead", "header": "p50 / in-process", "kind": "ratio"},
]


def bodies() -> list[bytes]:
    return [p.read_bytes() for p in sorted((ROOT / "examples").glob("*.yaml"))]


class InProcess:
    """The same work without HTTP: each log parsed from its text, evaluated
    (full explain) and turned into JSON data, as the API does."""

    def __init__(self, logs: list[bytes]) -> None:
        from engine.model.policies import load_policies
        self.logs = logs
        self.policies = load_policies()
        for body in logs:  # warm
            self.once(body)

    def once(self, body: bytes) -> None:
        from engine.input.times import parse_moment
        from engine.model.eventlog import parse_log
        from engine.runtime.evaluation import evaluate
        log = parse_log(body.decode(), "<body>", self.policies.vocabulary)
        evaluate(self.policies, log, parse_moment(AT, log.tz)).to_dict()

    def latencies(self, count: int, start: int = 0) -> list[float]:
        """Seconds of ``count`` evaluations, the logs taken round-robin."""
        out = []
        for i in range(start, start + count):
            t0 = time.perf_counter()
            self.once(self.logs[i % len(self.logs)])
            out.append(time.perf_counter() - t0)
        return out


def summary(latencies: list[float], wall: float | None = None) -> dict[str, float]:
    ordered = sorted(latencies)
    return {"requests": len(ordered), "throughput": len(ordered) / (wall or sum(ordered)),
            "p50": statistics.median(ordered), "p99": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]}


def load(port: int, logs: list[bytes], connections: int, budget: int,
         seconds: float) -> tuple[list[float], float]:
    """Send up to ``budget`` requests over ``connections`` connections within ``seconds``."""
    latencies: list[float] = []
    lock = threading.Lock()
    issued = [0]
    failures = [0]
    deadline = time.monotonic() + seconds
    start_gate = threading.Barrier(connections + 1)

    def client(k: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for warm in range(2):  # open the connection, warm the worker
            conn.request("POST", f"/v1/explain?at={AT}", body=logs[(k + warm) % len(logs)],
                         headers={"Content-Type": "application/yaml"})
            conn.getresponse().read()
        start_gate.wait()
        i = k
        while time.monotonic() < deadline:
            with lock:
                if issued[0] >= budget:
                    break
                issued[0] += 1
            t0 = time.perf_counter()
            conn.request("POST", f"/v1/explain?at={AT}", body=logs[i % len(logs)],
                         headers={"Content-Type": "application/yaml"})
            response = conn.getresponse()
            response.read()
            elapsed = time.perf_counter() - t0
            with lock:
                if response.status == 200:
                    latencies.append(elapsed)
                else:
                    failures[0] += 1
            i += 1
        conn.close()

    threads = [threading.Thread(target=client, args=(k,)) for k in range(connections)]
    for t in threads:
        t.start()
    start_gate.wait()
    began = time.perf_counter()
    for t in threads:
        t.join()
    wall = time.perf_counter() - began
    if failures[0]:
        raise RuntimeError(f"{failures[0]} requests failed")
    return latencies, wall


def run(budget: int, seconds: float) -> Result:
    from live_server import live_server

    logs = bodies()
    local = InProcess(logs)
    rows: list[dict[str, object]] = []
    base: list[float] = []
    for workers in WORKERS:
        with tempfile.TemporaryDirectory() as tmp:
            with live_server(Path(tmp), "--workers", str(workers), "--no-web", "--reload-seconds", "0") as server:
                for connections in CONNECTIONS:
                    if connections == 1:
                        # one connection: HTTP and in-process in alternating blocks of
                        # the same logs, so a burst of load elsewhere hits both alike
                        http: list[float] = []
                        wall = 0.0
                        for block in range(BLOCKS):
                            lat, spent = load(server.port, logs, 1, budget // BLOCKS, seconds / BLOCKS)
                            http += lat
                            wall += spent
                            base += local.latencies(len(lat), block)
                        m = summary(http, wall)
                    else:
                        m = summary(*load(server.port, logs, connections, budget, seconds))
                    rows.append({"setup": f"HTTP, {workers} worker{'s' if workers > 1 else ''}",
                                 "connections": str(connections), "requests": str(m["requests"]),
                                 "throughput": m["throughput"], "p50": f"{m['p50'] * 1000:.1f} ms",
                                 "p99": f"{m['p99'] * 1000:.1f} ms", "p50_s": m["p50"]})
    b = summary(base)
    for row in rows:
        row["overhead"] = float(row.pop("p50_s")) / b["p50"]  # type: ignore[arg-type]
    rows.insert(0, {"setup": "in-process (parse, evaluate, to_dict)", "connections": "—",
                    "requests": str(b["requests"]), "throughput": b["throughput"],
                    "p50": f"{b['p50'] * 1000:.1f} ms", "p99": f"{b['p99'] * 1000:.1f} ms", "overhead": 1.0})
    return {"title": f"rules serve: POST /v1/explain on 127.0.0.1, {len(logs)} example logs round-robin",
            "columns": COLUMNS, "rows": rows,
            "notes": [f"each level: at most {budget} requests or {seconds:g} s; client threads share the "
                      "machine's cores with the server",
                      "p50 / in-process: median request latency over the median in-process evaluation "
                      "of the same logs, measured in alternating blocks with the one-connection runs"]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=400, help="requests per level (at most)")
    ap.add_argument("--seconds", type=float, default=15.0, help="seconds per level (at most)")
    ap.add_argument("--quick", action="store_true", help="a smoke test, not a measurement")
    ap.add_argument("--json", action="store_true", help="print the result as JSON (for run.py)")
    args = ap.parse_args(argv)
    if args.quick:
        result = run(40, 3.0)
    else:
        result = run(args.requests, args.seconds)
    print(json.dumps(result) if args.json else render([result]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
