"""Control and bidirectional characters from a log never reach the terminal
as themselves (issue 20, point 11): every text output escapes them."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.base.terminal import UNSAFE, printable
from engine.cli import main

HOSTILE = "Acme \x1b[2J\x1b]0;pwned\x07 \u202eevil\u2066 \x9b31m \r\x00"


def hostile_log(tmp_path: Path, subject: str = HOSTILE) -> Path:
    path = tmp_path / "log.json"
    path.write_text(json.dumps({
        "subject": subject, "timezone": "UTC",
        "events": [{"type": "interview", "at": "2026-11-16T10:00", "interviewers": [subject],
                    "format": "video", "note": subject}]}))
    return path


def run(*argv: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue() + err.getvalue()


@pytest.mark.parametrize("argv", [
    ["explain", "{log}", "--at", "2026-11-20T10:00"],
    ["explain", "{log}", "--at", "2026-11-20T10:00", "--format", "markdown"],
    ["explain", "{log}", "--at", "2026-11-20T10:00", "--why", "always-send-thank-you"],
    ["plan", "{log}", "--from", "2026-11-20T10:00", "--days", "3"],
    ["log", "list", "{log}"],
])
def test_no_escape_sequence_or_bidi_override_reaches_the_output(tmp_path, argv):
    log = hostile_log(tmp_path)
    code, output = run(*[a.replace("{log}", str(log)) for a in argv])
    assert code == 0, output
    assert not UNSAFE.search(output), repr(output[:300])
    if "--why" not in argv:  # (one rule's view shows no subject)
        assert "\\x1b[2J" in output  # shown, not hidden


def test_a_file_output_is_escaped_too(tmp_path):
    log = hostile_log(tmp_path)
    target = tmp_path / "out.txt"
    assert run("explain", str(log), "--at", "2026-11-20T10:00", "-o", str(target))[0] == 0
    assert not UNSAFE.search(target.read_text())


def test_json_keeps_the_data_as_it_is(tmp_path):
    log = hostile_log(tmp_path)
    code, output = run("explain", str(log), "--at", "2026-11-20T10:00", "--format", "json")
    assert code == 0 and json.loads(output)["subject"] == HOSTILE


def test_printable_examples():
    assert printable("a\x1b[2Jb") == "a\\x1b[2Jb"
    assert printable("\u202eabc\u2069") == "\\u202eabc\\u2069"
    assert printable("line\nnext\ttab — ü 😀") == "line\nnext\ttab — ü 😀"
    styled = "\x1b[1mbold\x1b[0m \x1b]0;t\x07"
    assert printable(styled, keep_styles=True) == "\x1b[1mbold\x1b[0m \\x1b]0;t\\x07"
    assert printable(styled) == "\\x1b[1mbold\\x1b[0m \\x1b]0;t\\x07"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=60), st.booleans())
def test_printable_leaves_nothing_unsafe_and_keeps_safe_text(text, keep):
    shown = printable(text, keep_styles=keep)
    if keep:
        shown = shown.replace("\x1b[", "")  # (the styles it keeps)
    assert not UNSAFE.search(shown.replace("\x1b", "")) if keep else not UNSAFE.search(shown)
    if not UNSAFE.search(text):
        assert printable(text, keep_styles=keep) == text


@settings(max_examples=25, deadline=None)
@given(st.lists(st.sampled_from(["a", " ", "\x1b", "[", "]", "\x07", "\u202e", "\x85", "\r",
                                 "\x9b", "2J", "0;", "\u2028"]), min_size=1, max_size=30).map("".join))
def test_any_subject_from_the_cli(tmp_path_factory, subject):
    log = hostile_log(tmp_path_factory.mktemp("esc"), subject)
    for argv in (["explain", str(log), "--at", "2026-11-20T10:00"], ["log", "list", str(log)]):
        code, output = run(*argv)
        assert code == 0 and not UNSAFE.search(output), repr(output[:200])
