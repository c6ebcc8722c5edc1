"""``engine.dask`` and ``rules batch --dask``: the records of ``rules batch``,
byte for byte, on a local cluster of two worker processes; errors as
records; the policy set unpickled once per worker; incremental runs equal
full runs on the logs that are due."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

import engine
from engine.apps.batch import Due, run_batch
from engine.apps.incremental import digest, entry_of_record, is_due

from examples import EXAMPLES

dask = pytest.importorskip("dask", reason="the [dask] extra is not installed")  # make test installs it
db = pytest.importorskip("dask.bag")
distributed = pytest.importorskip("distributed")

import engine.dask as engine_dask  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
from corpus import AT_TEXT, generate  # noqa: E402

TIME_LIMIT = 180


@pytest.fixture(scope="module")
def policies():
    return engine.load_policies()


@pytest.fixture(scope="module")
def lines() -> list[str]:
    rows = [json.dumps(d, ensure_ascii=False) + "\n" for d in generate(120, seed=19)]
    rows[7] = '{"events": [{"type": "intervew", "at": "2026-11-16T10:00"}]}\n'
    rows[11] = "{not json\n"
    return rows


def batch_output(policies, lines, **options) -> str:
    out = io.StringIO()
    run_batch(policies, lines, out, at=AT_TEXT, source="corpus", **options)
    return out.getvalue()


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None)
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


def test_a_bag_on_the_synchronous_scheduler_gives_the_batch_records(policies, lines):
    bag = db.from_sequence(lines, npartitions=5)
    records = engine_dask.evaluate_bag(bag, policies, at=AT_TEXT, source="corpus")
    got = "".join(r + "\n" for r in records.compute(scheduler="sync"))
    assert got == batch_output(policies, lines)


def test_dicts_and_keyed_items(policies, lines):
    dicts = [json.loads(line) for line in lines[:5]]
    records = engine_dask.evaluate_bag(db.from_sequence(dicts, npartitions=2), policies,
                                       at=AT_TEXT, source="corpus").compute(scheduler="sync")
    assert [json.loads(r)["line"] for r in records] == [1, 2, 3, 4, 5]
    keyed = [(100 + i, d) for i, d in enumerate(dicts)]
    records = engine_dask.evaluate_bag(db.from_sequence(keyed, npartitions=2), policies,
                                       at=AT_TEXT, source="corpus").compute(scheduler="sync")
    assert [json.loads(r)["line"] for r in records] == [100, 101, 102, 103, 104]


def test_strict_fails_on_the_first_bad_log(policies, lines):
    bag = db.from_sequence(lines[:12], npartitions=3)
    with pytest.raises(engine.RulesError, match="RULES-E0"):
        engine_dask.evaluate_bag(bag, policies, at=AT_TEXT, strict=True).compute(scheduler="sync")


def test_the_moment_is_never_a_workers_clock(policies, lines):
    with pytest.raises(engine.UsageError, match="'at' is required"):
        engine_dask.evaluate_bag(db.from_sequence(lines[:2]), policies, at=None)  # type: ignore[arg-type]


@pytest.mark.slow
def test_a_local_cluster_gives_the_batch_records_and_unpickles_the_policies_once(policies, lines, client):
    examples = [json.dumps(__import__("yaml").safe_load(p.read_text("utf-8")), ensure_ascii=False,
                           default=str) + "\n" for p in EXAMPLES]
    for rows in (lines, examples):
        bag = db.from_sequence(rows, npartitions=8)
        records = engine_dask.evaluate_bag(bag, policies, at=AT_TEXT, source="corpus")
        got = "".join(r + "\n" for r in client.compute(records).result())
        assert got == batch_output(policies, rows)
        explained = engine_dask.evaluate_bag(bag, policies, at=AT_TEXT, source="corpus", explain=True)
        got = "".join(r + "\n" for r in client.compute(explained).result())
        assert got == batch_output(policies, rows, explain=True)
    counts = client.run(lambda: __import__("engine.apps.distributed").apps.distributed.DESERIALISED[0])
    assert len(counts) == 2 and all(n == 1 for n in counts.values()), counts  # 32 tasks, 2 workers


@pytest.mark.slow
def test_the_command_on_a_local_cluster_writes_the_same_bytes(tmp_path, lines):
    source = tmp_path / "logs.jsonl"
    source.write_text("".join(lines), "utf-8")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    base = [sys.executable, "-m", "engine", "batch", str(source), "--at", AT_TEXT]
    one = subprocess.run(base, env=env, cwd=ROOT, capture_output=True, check=True).stdout
    out = tmp_path / "out.jsonl"
    run = subprocess.run(base + ["--dask", "local:2", "-o", str(out)], env=env, cwd=ROOT,
                         capture_output=True)
    assert run.returncode == 0, run.stderr.decode()[-2000:]
    assert out.read_bytes() == one
    bad = subprocess.run(base + ["--dask", "local:x"], env=env, cwd=ROOT, capture_output=True)
    assert bad.returncode == 2 and b"RULES-E061" in bad.stderr
    missing = subprocess.run([sys.executable, "-m", "engine", "batch", str(tmp_path / "none.jsonl"),
                              "--at", AT_TEXT, "--dask", "local:1"], env=env, cwd=ROOT,
                             capture_output=True)
    assert missing.returncode == 2 and b"RULES-E051 cannot read" in missing.stderr


# --- incremental --------------------------------------------------------------------------

def test_incremental_runs_equal_full_runs_on_the_logs_that_are_due(policies, lines):
    """Day 1: a full run keeps an index. Day 2: some logs get new events; the
    incremental run evaluates exactly those and the ones whose
    next_change_at has passed, and their records equal the full run's."""
    day1, day2 = "2026-11-23T09:00", "2026-11-24T09:00"
    entries: dict[int, dict] = {}

    def keep(block):
        for text in block:
            entry = json.loads(text)
            entries[entry["line"]] = entry

    out = io.StringIO()
    run_batch(policies, lines, out, at=day1, source="corpus",
              due=Due({}, _moment(day1), timedelta(days=60)), index_out=keep)
    assert len(entries) == len(lines)
    from engine.apps.incremental import IndexEntry
    previous = {k: IndexEntry(e["line"], e["sha256"], e["timezone"], e["next_change_at"], e["error"])
                for k, e in entries.items()}
    changed = list(lines)
    for n in (3, 40, 90):  # new events in three logs
        data = json.loads(changed[n - 1])
        data["events"].append({"type": "notes_written", "at": "2026-11-23T18:00"})
        changed[n - 1] = json.dumps(data, ensure_ascii=False) + "\n"
    full = [json.loads(r) for r in _records(policies, changed, day2)]
    due = Due(previous, _moment(day1), timedelta(days=60))
    incremental = [json.loads(r) for r in _records(policies, changed, day2, due=due)]
    expected_due = {n for n in range(1, len(lines) + 1)
                    if is_due(previous.get(n), digest(changed[n - 1]), day2, _moment(day1),
                              timedelta(days=60))}
    assert {3, 40, 90} <= expected_due
    assert {2, 12} & expected_due == {12}  # unchanged log: not due; an error last time: due
    assert 0 < len(expected_due) < len(lines)
    assert [r["line"] for r in incremental] == sorted(expected_due)
    assert incremental == [r for r in full if r["line"] in expected_due]
    # and the skipped ones would have given the same advice
    for record in full:
        if record["line"] not in expected_due and "advice" in record:
            first = json.loads(_records(policies, [changed[record["line"] - 1]], day1)[0])
            assert [a["action"] for a in first["advice"]] == [a["action"] for a in record["advice"]]


def _moment(text: str):
    from engine.input.times import get_zone, parse_moment
    return parse_moment(text, get_zone("UTC"))


def _records(policies, rows, at, **options) -> list[str]:
    out = io.StringIO()
    run_batch(policies, rows, out, at=at, source="corpus", **options)
    return out.getvalue().splitlines()


def test_an_index_entry_of_an_error_record_is_due_again():
    entry = entry_of_record(4, "abc", '{"line":4,"error":{"code":"RULES-E014"}}')
    assert entry.error and is_due(entry, "abc", "2026-11-24T09:00", _moment("2026-11-23T09:00"),
                                  timedelta(days=60))


def test_a_bag_with_due_gives_the_records_of_the_incremental_batch(policies, lines):
    from engine.apps.incremental import IndexEntry
    day1, day2 = "2026-11-23T09:00", "2026-11-25T09:00"
    kept: dict[int, IndexEntry] = {}

    def keep(block):
        for text in block:
            d = json.loads(text)
            kept[d["line"]] = IndexEntry(d["line"], d["sha256"], d["timezone"], d["next_change_at"],
                                         d["error"])

    run_batch(policies, lines, io.StringIO(), at=day1, source="corpus",
              due=Due({}, _moment(day1), timedelta(days=60)), index_out=keep)
    due = Due(kept, _moment(day1), timedelta(days=60))
    expected = "".join(r + "\n" for r in _records(policies, lines, day2, due=due))
    bag = db.from_sequence(lines, npartitions=4)
    got = engine_dask.evaluate_bag(bag, policies, at=day2, source="corpus", due=due)
    assert "".join(r + "\n" for r in got.compute(scheduler="sync")) == expected
    assert 0 < expected.count("\n") < len(lines)
