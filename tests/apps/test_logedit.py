"""``rules log new|add|list``: validation before writing, atomic replacement,
comments kept, and a process killed mid-write leaves the old file intact."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from engine.cli import main
from examples import ROOT


def test_new_add_list_then_plan_without_an_editor(tmp_path, capsys):
    log = tmp_path / "acme.yaml"
    assert main(["log", "new", str(log), "--timezone", "America/New_York", "--subject", "Acme — Analyst"]) == 0
    assert main(["log", "add", str(log), "interview", "--at", "2026-11-16T10:00",
                 "interviewers=[Jane Roe, Sam Poe]", "format=in_person", "asked_next_steps=true"]) == 0
    assert main(["log", "add", str(log), "thank_you_sent", "--at", "2026-11-16T15:00",
                 "to=[Jane Roe, Sam Poe]", "channel=email"]) == 0
    capsys.readouterr()
    assert main(["log", "list", str(log)]) == 0
    listing = capsys.readouterr().out
    assert "interview" in listing and "thank_you_sent" in listing and "2 event(s)" in listing
    assert main(["plan", str(log), "--from", "2026-11-17T09:00"]) == 0
    assert "Mon 23 Nov 2026" in capsys.readouterr().out


def test_rejected_value_leaves_file_byte_identical(tmp_path, capsys):
    log = tmp_path / "log.yaml"
    log.write_text((ROOT / "examples" / "waiting-past-date.yaml").read_text())
    before = log.read_bytes()
    for argv in (["thank_you_sent", "channel=carrier_pigeon"], ["intervew"], ["follow_up_sent", "chanel=email"],
                 ["interview", "interviewers=[]"], ["follow_up_sent", "--at", "when pigs fly"]):
        assert main(["log", "add", str(log), *argv]) == 2
        assert log.read_bytes() == before
    err = capsys.readouterr().err
    assert "did you mean 'interview'?" in err and "did you mean 'channel'?" in err


def test_comments_and_layout_are_kept(tmp_path):
    log = tmp_path / "log.yaml"
    original = (ROOT / "examples" / "waiting-past-date.yaml").read_text()
    log.write_text(original)
    assert main(["log", "add", str(log), "follow_up_sent", "--at", "2026-11-23T09:30", "channel=email"]) == 0
    text = log.read_text()
    assert text.startswith(original.rstrip("\n"))  # every existing line, comment and layout unchanged
    assert text.rstrip().endswith("{type: follow_up_sent, at: 2026-11-23T09:30, channel: email}")


def test_new_refuses_to_overwrite_and_checks_zone(tmp_path, capsys):
    log = tmp_path / "x.yaml"
    log.write_text("keep me")
    assert main(["log", "new", str(log), "--timezone", "UTC"]) == 2
    assert log.read_text() == "keep me"
    assert main(["log", "new", str(tmp_path / "y.yaml"), "--timezone", "America/New_Yrok"]) == 2
    assert "America/New_York" in capsys.readouterr().err


def test_killed_mid_write_leaves_old_file_intact(tmp_path):
    log = tmp_path / "log.yaml"
    log.write_text((ROOT / "examples" / "waiting-past-date.yaml").read_text())
    before = log.read_bytes()
    # The pause holds every atomic write, so the policy cache is off: the
    # one write held is the log's.
    env = dict(os.environ, FOLLOWUP_RULES_PAUSE_BEFORE_RENAME="30", PYTHONPATH=str(ROOT),
               RULES_NO_CACHE="1")
    proc = subprocess.Popen([sys.executable, "-m", "engine", "log", "add", str(log), "follow_up_sent",
                             "--at", "2026-11-23T09:30", "channel=email"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while not list(tmp_path.glob(".log.yaml.*.tmp")):  # the new content is being written
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert log.read_bytes() == before
    assert main(["log", "list", str(log)]) == 0
