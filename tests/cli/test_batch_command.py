"""``rules batch`` as a command: a bad line never stops the run (issue 20
point 7), a lost worker is a coded error and never a hang, incremental runs
(``--due-since``), progress only on a terminal."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hang_guard import time_limit  # noqa: F401  (autouse fixture: a hang fails the test)

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
from corpus import AT_TEXT, generate  # noqa: E402

TIME_LIMIT = 120


def rules(*args: str, **options) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "engine", *args], cwd=ROOT, env=env,
                          capture_output=True, **options)


@pytest.fixture(scope="module")
def good_lines() -> list[bytes]:
    return [json.dumps(d, ensure_ascii=False).encode() + b"\n" for d in generate(300, seed=20)]


def with_bad_lines(good: list[bytes]) -> list[bytes]:
    rows = list(good)
    rows.insert(5, b'{"subject": "caf\xe9", "events": []}\n')           # not UTF-8
    rows.insert(50, b'{"events": [], "x": ' + b"9" * 5000 + b"}\n")     # 5,000 digits
    rows.insert(120, b'{"events": [{"type": "interview", "at": "2026-11-16T10:00", '
                     b'"interviewers": [' + b"1" * 5000 + b"]}]}\n")
    return rows


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_bad_lines_become_error_records_and_every_good_record_is_written(tmp_path, good_lines, jobs):
    """Bug (issue 20 point 7): a line with invalid UTF-8 or a 5,000-digit
    integer gave a traceback, exit 1, and none of the good records with -o."""
    source = tmp_path / "logs.jsonl"
    source.write_bytes(b"".join(with_bad_lines(good_lines)))
    target = tmp_path / "out.jsonl"
    run = rules("batch", str(source), "--at", AT_TEXT, "--jobs", jobs, "-o", str(target))
    assert run.returncode == 0, run.stderr.decode()
    assert b"Traceback" not in run.stderr
    records = [json.loads(line) for line in target.read_text("utf-8").splitlines()]
    assert len(records) == 303
    errors = {r["line"]: r["error"] for r in records if "error" in r}
    assert sorted(errors) == [6, 51, 121]
    assert errors[6]["code"] == "RULES-E051" and "not UTF-8" in errors[6]["message"]
    assert errors[6]["column"] == 17
    assert errors[51]["code"] == "RULES-E014"
    assert all("engine" in r for r in records if "error" not in r)
    # the same bytes on standard output
    assert rules("batch", str(source), "--at", AT_TEXT, "--jobs", jobs).stdout == target.read_bytes()


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(stat[1]) == pid:
                found.append(int(entry.name))
    return found


def _start_big_run(tmp_path, good_lines, output: Path) -> subprocess.Popen:
    source = tmp_path / "big.jsonl"
    source.write_bytes(b"".join(good_lines) * 40)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    run = subprocess.Popen([sys.executable, "-m", "engine", "batch", str(source), "--at", AT_TEXT,
                            "--jobs", "2", "-o", str(output)], cwd=ROOT, env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while len(_children(run.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(1)
    return run


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finds the workers in /proc")
@pytest.mark.parametrize("how", ["killed", "stopped"])
def test_a_lost_worker_ends_the_run_with_a_coded_error(tmp_path, good_lines, how):
    """Bug: a killed worker gave a RuntimeError traceback; a stopped
    (SIGSTOP) one hung the run for ever."""
    output = tmp_path / "out.jsonl"
    run = _start_big_run(tmp_path, good_lines, output)
    workers = [pid for pid in _children(run.pid)
               if "resource_tracker" not in Path(f"/proc/{pid}/cmdline").read_text()]
    os.kill(workers[0], signal.SIGKILL if how == "killed" else signal.SIGSTOP)
    _, err = run.communicate(timeout=60)
    assert run.returncode == 2, err.decode()[-3000:]
    assert b"RULES-E060" in err and b"Traceback" not in err, err.decode()[-3000:]
    assert (b"killed by signal 9" if how == "killed" else b"stopped") in err, err.decode()
    assert not output.exists()  # all or nothing
    assert not list(tmp_path.glob(".out.jsonl.*"))  # no temporary file left


def test_progress_and_summary_only_on_a_terminal(tmp_path, good_lines):
    source = tmp_path / "logs.jsonl"
    source.write_bytes(b"".join(good_lines[:20]))
    run = rules("batch", str(source), "--at", AT_TEXT)
    assert run.returncode == 0 and run.stderr == b""


def test_the_progress_display_shows_on_a_terminal(tmp_path, good_lines):
    import fcntl
    import pty
    import struct
    import termios
    source = tmp_path / "logs.jsonl"
    source.write_bytes(b"".join(good_lines) * 3)
    main, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))  # 80 columns
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    run = subprocess.Popen([sys.executable, "-m", "engine", "batch", str(source), "--at", AT_TEXT,
                            "-o", str(tmp_path / "out.jsonl")], cwd=ROOT, env=env,
                           stderr=terminal, stdout=subprocess.DEVNULL)
    os.close(terminal)
    shown = b""
    while True:
        try:
            data = os.read(main, 4096)
        except OSError:
            break
        if not data:
            break
        shown += data
    assert run.wait(30) == 0
    os.close(main)
    assert b"rules batch: 900 logs, 0 errors in " in shown
    frames = [f for f in shown.replace(b"\r", b"\n").decode().splitlines() if "%|" in f]
    assert frames, shown[-500:]  # percentage, count of total, time left and rate
    assert all(len(f) <= 80 and "/900 [" in f and "<" in f and "logs/s" in f for f in frames)
    quiet = rules("batch", str(source), "--at", AT_TEXT, "--quiet")
    assert quiet.stderr == b""


def test_due_since_evaluates_only_the_due_logs_and_keeps_the_index(tmp_path, good_lines):
    source = tmp_path / "logs.jsonl"
    source.write_bytes(b"".join(good_lines[:60]))
    index = tmp_path / "state.jsonl"
    day1 = rules("batch", str(source), "--at", "2026-11-23T09:00", "--due-since",
                 "2026-11-22T09:00", "--index", str(index))
    assert day1.returncode == 0, day1.stderr.decode()
    assert len(day1.stdout.splitlines()) == 60  # no index yet: every log is due
    assert len(index.read_text().splitlines()) == 60
    day2 = rules("batch", str(source), "--at", "2026-11-23T10:00", "--due-since",
                 "2026-11-23T09:00", "--index", str(index))
    due = [json.loads(r)["line"] for r in day2.stdout.splitlines()]
    assert len(due) < 60
    full = rules("batch", str(source), "--at", "2026-11-23T10:00").stdout.splitlines()
    assert day2.stdout.splitlines() == [full[n - 1] for n in due]
    assert len(index.read_text().splitlines()) == 60
    lonely = rules("batch", str(source), "--due-since", "2026-11-23T09:00")
    assert lonely.returncode == 2 and b"--due-since and --index go together" in lonely.stderr


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_or_sigterm_stops_the_workers_and_leaves_no_temporary_file(tmp_path, good_lines, sig):
    output = tmp_path / "out.jsonl"
    run = _start_big_run(tmp_path, good_lines, output)
    workers = _children(run.pid)
    run.send_signal(sig)
    _, err = run.communicate(timeout=30)
    assert run.returncode != 0
    assert b"Traceback" not in err, err.decode()[-3000:]
    assert not output.exists() and not list(tmp_path.glob(".out.jsonl.*"))
    time.sleep(0.5)
    assert not [pid for pid in workers if Path(f"/proc/{pid}").exists()
                and "Z" not in (Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0])]
