"""Paths that name something other than a regular file: devices, named pipes
(FIFOs), sockets, folders, links to them. As an input each is a clean
``RULES-E051`` within a moment (never a hang on a FIFO or memory growing on
``/dev/zero``); as an output a device or a FIFO is written in place, never
replaced by a regular file; a write that fails names the file (``RULES-E058``).

Issue 20, points 3 (outputs), 4 and 12. The property test at the end tries
every kind of path against every command that reads a log or policies.
"""

from __future__ import annotations

import errno
import os
import shutil
import socket
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from hang_guard import time_limit  # noqa: F401  (autouse: a hang fails the test)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.base.files import atomic_write_text, atomic_writer
from engine.cli import main
from engine.errors import InputError, RulesError
from engine.input.documents import load_document
from engine.input.reading import read_input

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "waiting-past-date.yaml"
AT = "2026-11-23T09:00"
TIME_LIMIT = 120


def run(*argv: str, timeout: float = 20) -> subprocess.CompletedProcess[str]:
    """``rules ARGV`` in a process of its own (a hang is a failure, not a stuck suite)."""
    env = dict(os.environ, RULES_NO_CACHE="1")
    return subprocess.run([sys.executable, "-m", "engine", *argv], capture_output=True, text=True,
                          timeout=timeout, env=env, cwd=ROOT)


def no_traceback(proc: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in proc.stderr, proc.stderr


# --- inputs -----------------------------------------------------------------

def test_dev_zero_as_a_log_is_refused_at_once():
    started = time.monotonic()
    proc = run("explain", "/dev/zero", "--at", AT)
    assert proc.returncode == 2 and "RULES-E051" in proc.stderr and "device" in proc.stderr
    no_traceback(proc)
    assert time.monotonic() - started < 15  # (a whole process start; the read itself is instant)


def test_read_input_refuses_a_device_without_reading_it():
    with pytest.raises(InputError) as info:
        read_input("/dev/zero", "/dev/zero", 1000)
    assert info.value.code == "RULES-E051"


def test_a_fifo_as_a_log_is_refused_without_waiting_for_a_writer(tmp_path):
    fifo = tmp_path / "log.yaml"
    os.mkfifo(fifo)
    with pytest.raises(InputError) as info:
        load_document(fifo)
    assert info.value.code == "RULES-E051" and "named pipe" in info.value.message


def policies_with_a_fifo(tmp_path: Path) -> Path:
    folder = tmp_path / "policies"
    shutil.copytree(ROOT / "policies", folder)
    os.mkfifo(folder / "hayes" / "9.0.0.yaml")  # the highest version: the one loaded
    return folder


@pytest.mark.parametrize("command", [["explain", str(EXAMPLE), "--at", AT], ["check"], ["sources"]])
def test_a_fifo_policy_is_refused_by_every_command_and_the_cache(tmp_path, command):
    folder = policies_with_a_fifo(tmp_path)
    env = dict(os.environ, RULES_CACHE_DIR=str(tmp_path / "cache"))
    env.pop("RULES_NO_CACHE", None)
    argv = [*command, "--policies", str(folder)] if command[0] != "check" else ["check", str(folder)]
    proc = subprocess.run([sys.executable, "-m", "engine", *argv], capture_output=True, text=True,
                          timeout=20, env=env, cwd=ROOT)
    said = proc.stdout + proc.stderr  # (`rules check` lists its problems on standard output)
    assert proc.returncode in (1, 2) if command[0] == "check" else proc.returncode == 2, said
    assert "RULES-E051" in said and "named pipe" in said
    no_traceback(proc)


def test_a_file_that_grows_past_the_limit_while_read_is_refused(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_text("a: 1\n")
    with pytest.raises(InputError) as info:
        read_input(path, "big.yaml", 3)
    assert info.value.code == "RULES-E013"


# --- outputs ----------------------------------------------------------------

def private_device(tmp_path: Path, name: str = "null", minor: int = 3) -> Path:
    """A character device like /dev/NAME in ``tmp_path`` (root may make one),
    else a link to /dev/NAME: either way no version of the engine under test
    can replace the system's own device."""
    node = tmp_path / name
    try:
        os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, minor))
    except (OSError, AttributeError):
        node.symlink_to(f"/dev/{name}")
    return node


def private_null(tmp_path: Path) -> Path:
    return private_device(tmp_path)


def test_output_to_a_device_is_written_in_place_and_stays_a_device(tmp_path):
    null = private_null(tmp_path)
    code = main(["explain", str(EXAMPLE), "--at", AT, "-o", str(null)])
    assert code == 0
    assert stat.S_ISCHR(os.stat(null).st_mode)
    assert not list(tmp_path.glob(".null.*"))  # no temporary file beside it


def test_output_through_a_link_to_dev_null_keeps_the_link(tmp_path):
    link = tmp_path / "out"
    link.symlink_to("/dev/null")
    assert main(["explain", str(EXAMPLE), "--at", AT, "--format", "json", "-o", str(link)]) == 0
    assert link.is_symlink() and os.readlink(link) == "/dev/null"


def test_output_to_a_fifo_reaches_its_reader_and_the_fifo_stays(tmp_path):
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    code = main(["explain", str(EXAMPLE), "--at", AT, "--format", "json", "-o", str(fifo)])
    reader.join(10)
    assert code == 0 and stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert received and received[0].startswith(b"{") and b'"advice"' in received[0]


def test_a_full_device_names_the_file(tmp_path, capsys):
    full = private_device(tmp_path, "full", 7)
    code = main(["explain", str(EXAMPLE), "--at", AT, "-o", str(full)])
    err = capsys.readouterr().err
    assert code == 2 and f"{full}: RULES-E058 cannot write" in err and "disk is full" in err
    assert stat.S_ISCHR(os.stat(full).st_mode)


def test_a_full_disk_names_the_file_and_leaves_the_old_one(tmp_path, monkeypatch):
    target = tmp_path / "report.txt"
    target.write_text("old")

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(RulesError) as info:
        atomic_write_text(target, "new")
    assert info.value.code == "RULES-E058" and info.value.file == str(target)
    assert target.read_text() == "old" and not list(tmp_path.glob(".report.txt.*"))


def test_a_folder_as_output_is_e056(tmp_path, capsys):
    assert main(["explain", str(EXAMPLE), "--at", AT, "-o", str(tmp_path)]) == 2
    assert "RULES-E058" in capsys.readouterr().err


def test_an_error_from_the_block_is_not_taken_for_a_write_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        with atomic_writer(tmp_path / "out.txt") as handle:
            handle.write("x")
            open(tmp_path / "missing")  # noqa: SIM115 - the block's own error
    assert not (tmp_path / "out.txt").exists()


# --- every kind of path, every command --------------------------------------

def _make(kind: str, where: Path) -> Path:
    path = where / f"{kind}.yaml"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "dir":
        path.mkdir()
    elif kind == "socket":
        sock = socket.socket(socket.AF_UNIX)
        sock.bind(str(path))
        sock.close()
    elif kind == "dangling":
        path.symlink_to(where / "nowhere")
    elif kind.startswith("link-"):
        path.symlink_to(_make(kind[5:], where))
    else:
        path.symlink_to(f"/dev/{kind}")
    return path


KINDS = ["fifo", "dir", "socket", "dangling", "zero", "null", "full", "urandom", "link-fifo",
         "link-dir", "link-zero"]  # (links to /dev/…: an engine that replaced them replaces the link)
COMMANDS = [["explain", "{p}", "--at", AT], ["plan", "{p}", "--from", AT], ["log", "list", "{p}"],
            ["explain", str(EXAMPLE), "--at", AT, "--policies", "{d}"], ["check", "{p}"],
            ["test", "{p}"]]


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(KINDS), command=st.sampled_from(COMMANDS))
def test_any_special_path_is_a_clean_error_at_once(tmp_path_factory, kind, command):
    where = tmp_path_factory.mktemp("special")
    path = _make(kind, where)
    folder = where / "policies"
    (folder / "hayes").mkdir(parents=True)
    os.symlink(path, folder / "hayes" / "1.0.0.yaml")
    argv = [a.replace("{p}", str(path)).replace("{d}", str(folder)) for a in command]
    started = time.monotonic()
    proc = run(*argv)
    assert time.monotonic() - started < 15, argv
    no_traceback(proc)
    assert proc.returncode in (1, 2), (argv, proc.stderr)
    assert "RULES-E0" in proc.stdout + proc.stderr, (argv, proc.stderr)


@pytest.mark.parametrize("kind", ["zero", "urandom", "dir", "socket", "link-zero"])
def test_batch_refuses_a_device_or_folder_at_once(tmp_path, kind):
    path = _make(kind, tmp_path)
    proc = run("batch", str(path), "--at", AT)
    assert proc.returncode == 2 and "RULES-E051" in proc.stderr, proc.stderr
    no_traceback(proc)


def test_batch_still_reads_a_pipe(tmp_path):
    line = (ROOT / "examples" / "batch.jsonl").read_text().splitlines()[0] + "\n"
    env = dict(os.environ, RULES_NO_CACHE="1")
    for source in ("-", "/dev/stdin"):
        proc = subprocess.run([sys.executable, "-m", "engine", "batch", source, "--at", AT], input=line,
                              capture_output=True, text=True, timeout=60, env=env, cwd=ROOT)
        assert proc.returncode == 0 and proc.stdout.count("\n") == 1, proc.stderr
