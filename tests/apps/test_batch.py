"""``rules batch`` and the worker processes behind ``--jobs``: the same
records, in input order, whatever the number of workers, the chunk size or
the kind of output stream; errors and dead workers reported, never a hang."""

from __future__ import annotations

import io
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest

import engine
from engine.apps import batch
from engine.apps.batch import run_batch
from engine.runtime.evaluation import evaluate, report_json
from engine.model.eventlog import parse_jsonl_line
from engine.apps.workers import WorkerLost, ordered_map

from hang_guard import time_limit  # noqa: F401  (autouse fixture: a hang fails the test)

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
from corpus import AT_TEXT, generate  # noqa: E402  (the seeded synthetic logs)

TIME_LIMIT = 60
fork_only = pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(),
                               reason="worker processes are forked only where fork exists")


@pytest.fixture(scope="module")
def policies():
    return engine.load_policies()


@pytest.fixture(scope="module")
def lines():
    """Logs of the benchmark corpus, with what a real file has besides: blank
    and whitespace-only lines, a CRLF ending, bad lines, no final newline."""
    rows = [json.dumps(data, ensure_ascii=False) + "\n" for data in generate(150, seed=7)]
    rows[3:3] = ["\n", "   \t\n"]
    rows[10] = rows[10].rstrip("\n") + "\r\n"
    rows[20] = '{"events": [{"type": "intervew", "at": "2026-11-16T10:00"}]}\n'
    rows[30] = "{not json\n"
    rows[-1] = rows[-1].rstrip("\n")
    return rows


def output(policies, lines, **options) -> str:
    out = io.StringIO()
    run_batch(policies, lines, out, at=AT_TEXT, source="corpus", **options)
    return out.getvalue()


def test_records_follow_the_input_lines(policies, lines):
    text = output(policies, lines)
    records = [json.loads(row) for row in text.splitlines()]
    numbers = [n for n, line in enumerate(lines, 1) if line.strip()]
    assert [r["line"] for r in records] == numbers
    assert text.endswith("\n") and len(text.splitlines()) == len(numbers)
    by_line = {r["line"]: r for r in records}
    assert by_line[21]["error"]["code"] == "RULES-E023"
    assert by_line[31]["error"]["code"] == "RULES-E014"
    assert by_line[11]["log"] == "corpus:11"  # the CRLF line is a log like the others


@fork_only
@pytest.mark.parametrize("jobs, chunksize", [(2, 1), (2, 7), (3, 64), (5, 2)])
def test_any_number_of_workers_and_chunk_size_gives_the_same_bytes(policies, lines, jobs, chunksize):
    assert output(policies, lines, jobs=jobs, chunksize=chunksize) == output(policies, lines)


def test_spawned_pool_where_fork_is_missing_gives_the_same_bytes(policies, lines, monkeypatch):
    from engine.apps import workers
    monkeypatch.setattr(workers, "can_fork", lambda: False)
    assert output(policies, lines[:40], jobs=2, chunksize=8) == output(policies, lines[:40])


def test_binary_streams_get_utf8(policies, lines):
    binary = io.BytesIO()
    assert run_batch(policies, lines, binary, at=AT_TEXT, source="corpus", jobs=2) == \
        sum(1 for line in lines if line.strip())
    assert binary.getvalue().decode("utf-8") == output(policies, lines)
    assert "—".encode() in binary.getvalue()  # not ASCII-escaped


def test_each_record_is_the_fast_report_with_its_line(policies, lines):
    records = output(policies, lines[:60]).splitlines()
    for record, (number, line) in zip(records, ((n, l) for n, l in enumerate(lines[:60], 1)
                                                if l.strip())):
        log = parse_jsonl_line(line, "corpus", policies.vocabulary, number)
        if isinstance(log, engine.RulesError):
            continue
        at = datetime.fromisoformat(AT_TEXT)
        expected = evaluate(policies, log, at, explain=False).to_dict()
        assert json.loads(record) == {**expected, "line": number}
        assert record == json.dumps({**expected, "line": number}, ensure_ascii=False,
                                    separators=(",", ":"))


def test_report_json_is_to_json_byte_for_byte(policies):
    # every example log, at moments a week apart: many different sets of fired rules
    from examples import EXAMPLES
    from engine.input.times import parse_moment

    for path in EXAMPLES:
        log = engine.load_log(path, policies.vocabulary)
        for day in range(0, 50, 7):
            at = parse_moment(f"2026-11-{1 + day % 30:02d}T{9 + day % 10:02d}:30", log.tz)
            for horizon_days in (60, 3):
                from datetime import timedelta
                horizon = timedelta(days=horizon_days)
                report = evaluate(policies, log, at, explain=False, horizon=horizon)
                assert report_json(policies, log, at, horizon=horizon) == report.to_json(indent=None)
                assert report_json(policies, log, at, horizon=horizon, line=7) == json.dumps(
                    {**report.to_dict(), "line": 7}, ensure_ascii=False, separators=(",", ":"))


def test_explain_records_are_full_reports(policies, lines):
    records = [json.loads(r) for r in output(policies, lines[:12], explain=True, jobs=2).splitlines()]
    assert any(rec["trace"] for r in records for g in r["advice"] for rec in g["recommendations"])


@pytest.mark.parametrize("at", [12345, datetime(999, 1, 1), "2026-13-01"])
def test_a_bad_moment_is_refused_before_any_line(policies, lines, at):
    out = io.StringIO()
    with pytest.raises(engine.UsageError, match="at: "):
        run_batch(policies, lines[20:21], out, at=at, jobs=2)  # (a line that is no log)
    assert out.getvalue() == ""


def test_an_error_in_a_worker_is_raised_and_the_workers_end(policies, lines, monkeypatch):
    record = batch.LineEvaluator.record

    def fails_on_line_9(self, number, line):
        if number == 9:
            raise KeyError("line nine")
        return record(self, number, line)

    monkeypatch.setattr(batch.LineEvaluator, "record", fails_on_line_9)  # (the workers are forked)
    out = io.StringIO()
    with pytest.raises(KeyError, match="line nine"):
        run_batch(policies, lines[:200], out, at=AT_TEXT, source="corpus", jobs=2, chunksize=4)
    assert _children_gone()
    assert out.getvalue() == output(policies, lines[:8])  # the chunks before it, and no more


def test_streams_that_only_say_binary_get_text():
    """Bug: a codecs.open() stream (mode "wb", but it takes text) got bytes."""
    import codecs
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "out.jsonl")
        with codecs.open(path, "wb", encoding="utf-8") as stream:
            count = run_batch(engine.load_policies(), ["{not json"], stream, source="x")
        assert count == 1 and '"RULES-E014"' in open(path, encoding="utf-8").read()


def _children_gone(wait: float = 5.0) -> bool:
    deadline = time.monotonic() + wait
    while multiprocessing.active_children():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


# --- engine.apps.workers.ordered_map -----------------------------------------------------------

def _slow_echo(item):
    number, size, delay = item
    time.sleep(delay)
    return str(number).encode() + b"x" * size


@fork_only
def test_ordered_map_keeps_order_with_uneven_work_and_results_bigger_than_a_pipe():
    # items out of step (later ones quicker), results of 2 MB and items of 3 MB:
    # bigger than any pipe, so both sides must read while the other writes
    items = [(i, (2 << 20) if i % 5 == 0 else 10, 0.02 * ((7 - i) % 4)) for i in range(24)]
    items[3] = (3, 10, 0.0, "y" * (3 << 20))  # a big item too (its result is small)
    results = list(ordered_map(lambda item: _slow_echo(item[:3]), items, 3))
    assert [r[:len(str(i))] for i, r in enumerate(results)] == [str(i).encode() for i in range(24)]
    assert [len(r) - len(str(i)) for i, r in enumerate(results)] == [item[1] for item in items]
    assert _children_gone()


@fork_only
def test_ordered_map_reads_its_input_lazily():
    taken = []

    def items():
        for i in range(1000):
            taken.append(i)
            yield i

    results = ordered_map(lambda i: str(i).encode(), items(), 2, window=2)
    try:
        assert next(results) == b"0"
        assert len(taken) <= 3 * 2 * 2 + 1  # the documented bound on reading ahead
    finally:
        results.close()  # the consumer stops early: the workers end
    assert _children_gone()


def _first_is_slow(item):
    if item == 0:
        time.sleep(2)
    return b"x" * 100_000


@fork_only
def test_a_slow_item_does_not_let_the_others_pile_up():
    """Bug: while one worker was busy with a slow item, the other kept taking
    items, and their results piled up in memory (41,671 items taken, 416 MB,
    before the first result came out)."""
    taken = []

    def items():
        for i in range(100_000):
            taken.append(i)
            yield i

    results = ordered_map(_first_is_slow, items(), 2, window=2)
    try:
        assert len(next(results)) == 100_000
        assert len(taken) <= 3 * 2 * 2 + 1
    finally:
        results.close()
    assert _children_gone()


def _fails_in_turn(item):
    if item == 1:
        time.sleep(1)
        raise ValueError("item 1")
    if item == 2:
        raise KeyError("item 2")
    return b"."


@fork_only
def test_errors_come_in_input_order_as_with_map():
    """Bug: the first error to arrive was raised (item 2's, while item 1 was
    still running), so the exception and the output before it depended on
    timing; map() raises item 1's after item 0's result."""
    got = []
    with pytest.raises(ValueError, match="item 1"):
        for result in ordered_map(_fails_in_turn, range(10), 2):
            got.append(result)
    assert got == [b"."]
    assert _children_gone()


class _TwoArgumentError(Exception):
    def __init__(self, code, text):
        super().__init__(f"{code}: {text}")
        # (unpicklable whatever pickling support is installed: distributed,
        # imported by tests/apps/test_dask.py, installs tblib's, which would
        # otherwise carry this exception across)
        import threading
        self.lock = threading.Lock()


def _raises_unpicklable(item):
    raise _TwoArgumentError(7, "seven")


@fork_only
def test_an_exception_that_does_not_unpickle_still_says_what_it_was():
    with pytest.raises(RuntimeError, match="_TwoArgumentError: 7: seven"):
        list(ordered_map(_raises_unpicklable, range(3), 2))


def _sleeps(item):
    if item > 0:
        time.sleep(30)
    return b"."


@fork_only
def test_stopping_early_does_not_wait_for_the_work_in_hand():
    """Bug: closing the results waited up to 5 s for each busy worker, one
    after the other (10 s with 2 workers, 20 s with 4)."""
    results = ordered_map(_sleeps, range(100), 4)
    next(results)
    started = time.monotonic()
    results.close()
    assert time.monotonic() - started < 3
    assert _children_gone()


def test_bad_jobs_or_window_is_an_error_not_a_hang():
    for jobs, window in ((0, 2), (2, 0)):
        with pytest.raises(ValueError):
            next(ordered_map(lambda i: b"", range(3), jobs, window=window))


@fork_only
def test_an_error_reading_the_items_comes_after_the_results_before_it():
    def items():
        yield from range(5)
        raise UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte")

    got = []
    with pytest.raises(UnicodeDecodeError):
        for result in ordered_map(lambda i: str(i).encode(), items(), 2):
            got.append(result)
    assert got == [b"0", b"1", b"2", b"3", b"4"]
    assert _children_gone()


@fork_only
def test_results_come_while_the_input_waits():
    """Bug: the parent read the next item before handing out results it had,
    so input that trickled in (a pipe) held back records already made."""
    import threading

    arrived = threading.Event()
    shown = []

    def items():
        yield 0
        yield 1
        assert arrived.wait(10), "the results of the first items never came"
        yield 2

    for result in ordered_map(lambda i: str(i).encode(), items(), 2):
        shown.append(result)
        if len(shown) == 2:
            arrived.set()
    assert shown == [b"0", b"1", b"2"]


def _dies(item):
    if item == 5:
        os._exit(3)
    return b"ok"


@fork_only
def test_a_worker_that_dies_is_an_error_not_a_hang():
    with pytest.raises(WorkerLost, match="ended unexpectedly.*exit code 3"):
        list(ordered_map(_dies, range(20), 2))
    assert _children_gone()


def _dies_while_writing_its_result(item):
    """Item 5: what a SIGKILL at the worst moment leaves behind: the start of
    a result on the pool's result pipe, and the pipe's lock held by a
    process that no longer exists."""
    if item == 5:
        import struct
        frame = sys._getframe()
        while "result_queue" not in frame.f_locals:  # the pool's worker loop
            frame = frame.f_back
        results = frame.f_locals["result_queue"]
        results._wlock.acquire()
        os.write(results._writer.fileno(), struct.pack("!i", 1 << 20) + b"partial")
        os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(0.01)
    return b"ok"


@fork_only
def test_a_worker_killed_while_writing_its_result_is_an_error_not_a_hang():
    """Bug: a worker killed half-way through writing a result left the pool
    waiting for the rest of it, and the other workers for its lock: the run
    hung (1 run in about 20 of `rules batch` with a worker killed, under load)."""
    with pytest.raises(WorkerLost, match="ended unexpectedly.*killed by signal 9"):
        list(ordered_map(_dies_while_writing_its_result, range(40), 2))
    assert _children_gone()


@fork_only
def test_an_exception_in_work_is_raised_in_the_parent():
    def work(item):
        if item == 4:
            raise KeyError("four")
        return b"."

    with pytest.raises(KeyError, match="four"):
        list(ordered_map(work, range(10), 2))
    assert _children_gone()


# --- the command ------------------------------------------------------------------------------

def test_command_output_is_utf8_whatever_the_locale(tmp_path, lines):
    source = tmp_path / "logs.jsonl"
    source.write_text("".join(lines[:20]), "utf-8")
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONIOENCODING="latin-1", LC_ALL="C")
    command = [sys.executable, "-m", "engine", "batch", str(source), "--at", AT_TEXT]
    one = subprocess.run(command, env=env, capture_output=True, check=True, cwd=ROOT).stdout
    two = subprocess.run(command + ["--jobs", "2"], env=env, capture_output=True, check=True,
                         cwd=ROOT).stdout
    assert one == two
    assert "—".encode("utf-8") in one
    target = tmp_path / "out.jsonl"
    subprocess.run(command + ["--jobs", "2", "-o", str(target)], env=env, check=True, cwd=ROOT)
    assert target.read_bytes() == one


@fork_only
def test_a_consumer_that_stops_early_leaves_no_traceback(capfd):
    """Bug: `rules batch … --jobs 2 | head -1` printed a BrokenPipeError
    traceback from each worker still writing its result when the command
    stopped reading."""
    results = ordered_map(lambda i: b"x" * (4 << 20), range(50), 2)
    assert len(next(results)) == 4 << 20
    results.close()
    assert _children_gone()
    assert "Traceback" not in capfd.readouterr().err


def test_command_piped_into_a_reader_that_stops_is_quiet(tmp_path, lines):
    source = tmp_path / "logs.jsonl"
    source.write_text("".join(lines) * 4, "utf-8")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    command = [sys.executable, "-m", "engine", "batch", str(source), "--at", AT_TEXT, "--jobs", "2"]
    batch_run = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    assert batch_run.stdout is not None and batch_run.stderr is not None
    first = batch_run.stdout.readline()
    batch_run.stdout.close()  # as `| head -1` does
    assert batch_run.wait(timeout=30) == 0
    assert json.loads(first)["line"] == 1
    assert batch_run.stderr.read() == b""


def test_one_job_writes_each_record_as_its_line_is_read(policies, lines):
    """Input that trickles in (a pipe, a terminal) gets each record before the
    next line is read, not 64 lines later."""
    out = io.StringIO()
    seen = []

    def trickle():
        for line in lines[:8]:
            seen.append(out.getvalue().count("\n"))  # records out before this line is read
            yield line

    run_batch(policies, trickle(), out, at=AT_TEXT)
    records_before = [n for n in seen]
    assert records_before == [sum(1 for l in lines[:i] if l.strip()) for i in range(8)]


@fork_only
def test_runs_after_runs_that_failed_get_their_own_pipes(policies, lines, monkeypatch):
    """Bug: stopping a run closed the input thread's wake-up pipe while the
    thread could still write to it; the next run's worker pipe could get the
    same number, and a stray byte in it ended that worker ("a batch worker
    process ended unexpectedly (exit code 0)"). These two runs in a row
    showed it every time."""
    test_an_error_in_a_worker_is_raised_and_the_workers_end(policies, lines, monkeypatch)
    test_ordered_map_keeps_order_with_uneven_work_and_results_bigger_than_a_pipe()


def test_report_json_of_a_log_without_subject(policies):
    log = engine.EventLog.from_dict({"timezone": "Asia/Kolkata", "events": [
        {"type": "interview", "at": "2026-11-16T10:00", "interviewers": ["Jane Roe"]}]})
    at = datetime(2026, 11, 17, 9)
    assert report_json(policies, log, at) == evaluate(policies, log, at, explain=False).to_json(indent=None)
    assert json.loads(report_json(policies, log, at))["subject"] is None


def test_shell_completion_still_works():
    """Bug: running the commands without click's main() lost tab completion."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), _RULES_COMPLETE="bash_source")
    done = subprocess.run([sys.executable, "-m", "engine"], env=env, capture_output=True, text=True,
                          cwd=ROOT)
    assert "_rules_completion()" in done.stdout
