"""Evaluation on Dask: a bag of event logs in, a bag of report records out,
byte for byte the records of ``rules batch`` (:class:`engine.apps.batch.LineEvaluator`
is the worker function of both).

* The moment is always explicit (never a worker's clock).
* The policy set travels to each worker once: it is wrapped in a
  :class:`Shipped` that pickles as its digest and its bytes, and a worker
  unpickles a digest it has seen from its own cache (``DESERIALISED``
  counts the real unpickling, per process).
* Keys: an item is a log (a dict, or a JSON line as str or bytes), keyed
  by its position in the bag from 1 — the line number ``rules batch`` gives
  it — or a ``(key, log)`` pair with an int key. Output order is the bag's.
* Errors become records (code, message, key), never a failed task, unless
  ``strict``.

Imported only where Dask is installed (``followup-rules[dask]``).
"""

from __future__ import annotations

import hashlib
import json
import pickle
from collections import deque
from datetime import datetime
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Mapping

from engine.errors import InputError, RulesError, UsageError
from engine.model.policies import PolicySet

if TYPE_CHECKING:
    from engine.apps.batch import Due

__all__ = ["Shipped", "evaluate_bag", "evaluate_partition", "ordered_results", "run_on_dask",
           "DESERIALISED"]

#: In each process: how many policy sets were really unpickled.
DESERIALISED = [0]
_SETS: dict[str, PolicySet] = {}  # digest -> policy set, per process


class Shipped:
    """A policy set that unpickles once per process, found by digest."""

    __slots__ = ("policies", "digest", "data")

    def __init__(self, policies: PolicySet) -> None:
        self.policies = policies
        self.data = pickle.dumps(policies, protocol=pickle.HIGHEST_PROTOCOL)
        self.digest = hashlib.sha256(self.data).hexdigest()

    def __reduce__(self) -> tuple[Any, ...]:
        return (_received, (self.digest, self.data))

    def __dask_tokenize__(self) -> str:
        return self.digest


def _received(digest: str, data: bytes) -> Shipped:
    policies = _SETS.get(digest)
    if policies is None:
        policies = _SETS[digest] = pickle.loads(data)  # noqa: S301 - the parent's own pickle, sent by the cluster
        DESERIALISED[0] += 1
    shipped = Shipped.__new__(Shipped)
    shipped.policies, shipped.digest, shipped.data = policies, digest, data
    return shipped


def _as_line(log: Any) -> str | bytes:
    if isinstance(log, (str, bytes, bytearray)):
        return log if isinstance(log, (str, bytes)) else bytes(log)
    return json.dumps(log, ensure_ascii=False)


def evaluate_partition(items: Iterable[Any], policies: "Shipped | PolicySet", at: str | datetime,
                       first: int = 1, source: str = "<dask>", explain: bool = False,
                       strict: bool = False, due: "Due | None" = None) -> list[str]:
    """The records (JSON, no newline) of one partition of logs, in order:
    the worker function of :func:`evaluate_bag`, and of any other engine's
    map over partitions (Spark's ``mapPartitions``, docs/scale.md). Items
    are logs keyed by position from ``first``, or ``(key, log)`` pairs."""
    from engine.apps.batch import LineEvaluator
    shipped = policies.policies if isinstance(policies, Shipped) else policies
    if isinstance(at, datetime):
        at = at.isoformat()
    evaluator = LineEvaluator(shipped, at, source, explain, due)
    chunk = []
    for offset, item in enumerate(items):
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], int):
            key, log = item
        else:
            key, log = first + offset, item
        line = _as_line(log)
        if line.strip():
            chunk.append((key, line))
    block = evaluator.block(chunk)
    records = [r.decode("utf-8").rstrip("\n") for r in block.records]
    if strict:
        for record in records:
            if record.startswith('{"line":'):
                error = json.loads(record)["error"]
                raise RulesError(error["message"], code=error["code"], file=error["file"],
                                 line=error["line"], column=error["column"])
    return records


def evaluate_bag(logs: Any, policies: PolicySet, *, at: str | datetime, explain: bool = False,
                 strict: bool = False, source: str = "<dask>", due: "Due | None" = None) -> Any:
    """A Dask bag of report records (JSON text, one per log; with ``due``,
    one per due log) for the bag ``logs``, evaluated at ``at``."""
    import dask.bag as db
    from dask.delayed import delayed

    if at is None:
        raise UsageError("'at' is required: the moment of evaluation is never a worker's clock")
    if isinstance(at, datetime):
        at = at.isoformat()
    counts = logs.map_partitions(lambda part: [sum(1 for _ in part)]).compute()
    starts, total = [], 1
    for count in counts:
        starts.append(total)
        total += count
    shipped = delayed(Shipped(policies), pure=True)
    parts = [delayed(evaluate_partition, pure=True)(part, shipped, at, first, source, explain,
                                                    strict, due)
             for part, first in zip(logs.to_delayed(), starts)]
    return db.from_delayed(parts)


def _lines_bag(path: str) -> Any:
    import dask.bag as db
    # bytes kept undecoded where they are not UTF-8: the worker gives such a
    # line its error record, as rules batch does
    bag = db.read_text(path, blocksize="8MiB", encoding="utf-8", errors="surrogateescape",
                       linedelimiter="\n")
    return bag.map(lambda text: text.encode("utf-8", "surrogateescape"))


def _check_readable(logs: str) -> None:
    """``logs`` is a file fsspec can read (checked before any cluster starts)."""
    from fsspec.core import url_to_fs
    try:
        fs, path = url_to_fs(logs)
        found = fs.isfile(path)
    except (OSError, ValueError, ImportError) as err:
        raise InputError(f"cannot read: {err}", code="RULES-E051", file=logs) from None
    if not found:
        raise InputError("cannot read: no such file", code="RULES-E051", file=logs,
                         hint="a path, or an fsspec URL such as s3://bucket/logs.jsonl")


def _client(address: str) -> Any:
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise RulesError("--dask needs Dask: pip install 'followup-rules[dask]'",
                         code="RULES-E061") from None
    if address == "local" or address.startswith("local:"):
        workers = address.partition(":")[2] or "2"
        if not workers.isdigit() or not 1 <= int(workers) <= 256:
            raise RulesError(f"--dask {address}: N must be a number of workers, 1 to 256",
                             code="RULES-E061", hint="e.g. --dask local:4")
        cluster = LocalCluster(n_workers=int(workers), threads_per_worker=1, processes=True,
                               dashboard_address=None)
        return Client(cluster)
    try:
        return Client(address, timeout="10s")
    except (OSError, TimeoutError, ValueError) as err:
        raise RulesError(f"--dask {address}: no scheduler answers ({err})", code="RULES-E061",
                         hint="a scheduler address is tcp://host:8786; local:N starts one here") from None


def run_on_dask(policies: PolicySet, logs: str, output: str | None, *, address: str,
                at: str | None, explain: bool, progress: bool) -> tuple[int, int, int]:
    """``rules batch --dask``: read ``logs`` (a path or fsspec URL), write the
    records to ``output`` (or standard output) in order; returns (records,
    errors, lines)."""
    if at is None:  # the moment is the caller's, once: never a worker's clock
        at = datetime.now().astimezone().isoformat(timespec="seconds")
    _check_readable(logs)
    client = _client(address)
    try:
        records = evaluate_bag(_lines_bag(logs), policies, at=at, explain=explain, source=logs)
        parts = records.to_delayed()
        workers = max(1, len(client.scheduler_info().get("workers", {})))
        return _write(ordered_results(client, parts, 2 * workers), len(parts), output, progress)
    finally:
        cluster = getattr(client, "cluster", None)
        client.close()
        if cluster is not None and address.startswith("local"):
            cluster.close()


def ordered_results(client: Any, parts: list[Any], window: int) -> Iterator[list[str]]:
    """The results of ``parts`` (delayed partitions) computed on ``client``,
    in order, at most ``window`` submitted and not yet taken: finished
    partitions do not pile up in the workers' memory while the writer is
    behind. Each is released once taken."""
    pending: deque[Any] = deque()
    todo = iter(parts)
    for part in todo:
        pending.append(client.compute(part))
        if len(pending) >= window:
            break
    while pending:
        future = pending.popleft()
        records: list[str] = future.result()
        future.release()
        for part in todo:
            pending.append(client.compute(part))
            break
        yield records


def _write(results: Iterator[list[str]], total: int, output: str | None,
           progress: bool) -> tuple[int, int, int]:
    """Write the partitions' records in order, as each comes."""
    import sys
    count = errors = 0
    bar: Any = None
    if progress:
        from tqdm import tqdm
        bar = tqdm(total=total, unit=" partitions", file=sys.stderr, leave=False)

    def blocks() -> Iterator[bytes]:
        nonlocal count, errors
        for records in results:
            count += len(records)
            errors += sum(1 for r in records if r.startswith('{"line":'))
            if bar is not None:
                bar.update(1)
                bar.set_postfix(logs=count, errors=errors, refresh=False)
            yield "".join(r + "\n" for r in records).encode("utf-8")

    try:
        if output is None or output == "-":
            out = sys.stdout.buffer
            for data in blocks():
                out.write(data)
            out.flush()
        elif "://" in output:
            import fsspec
            with fsspec.open(output, "wb") as stream:
                for data in blocks():
                    stream.write(data)
        else:
            from pathlib import Path

            from engine.base.files import atomic_writer
            with atomic_writer(Path(output), binary=True) as stream:
                for data in blocks():
                    stream.write(data)
    finally:
        if bar is not None:
            bar.close()
    return count, errors, count


def records_of(bag: Any) -> Mapping[int, str]:  # pragma: no cover - a convenience for notebooks
    """The computed records of a bag, by key."""
    return {json.loads(r)["line"]: r for r in bag.compute()}
