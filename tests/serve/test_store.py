"""The web app's SQLite store: versioned migrations, WAL, no committed
event lost when the server is killed, no event lost between two processes
writing at once."""

from __future__ import annotations

import json
import re
import signal
import sqlite3
import subprocess
import sys
import textwrap

import pytest

from engine.errors import RulesError
from engine.serve.store import MIGRATIONS, Store

from serve_support import ROOT


def test_a_new_database_is_migrated_and_in_wal_mode(tmp_path):
    store = Store(tmp_path / "a.db")
    assert store.schema_version() == len(MIGRATIONS)
    with sqlite3.connect(tmp_path / "a.db") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    Store(tmp_path / "a.db")  # opening again runs nothing twice
    assert store.schema_version() == len(MIGRATIONS)


def test_a_database_from_a_newer_version_is_refused(tmp_path):
    Store(tmp_path / "a.db")
    with sqlite3.connect(tmp_path / "a.db") as conn:
        conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    with pytest.raises(RulesError) as info:
        Store(tmp_path / "a.db")
    assert info.value.code == "RULES-E074" and "schema version" in info.value.message


def test_a_file_that_is_not_a_database_is_a_clean_error(tmp_path):
    (tmp_path / "a.db").write_text("not a database at all, " * 100)
    with pytest.raises(RulesError) as info:
        Store(tmp_path / "a.db")
    assert info.value.code == "RULES-E074"


def test_applications_and_events_round_trip(tmp_path):
    store = Store(tmp_path / "a.db")
    app = store.create("Acme", "Europe/Paris", [{"type": "interview", "at": "2026-11-16T10:00",
                                                 "interviewers": ["Jane"]}])
    eid = store.add_event(app, {"type": "thank_you_sent", "at": "2026-11-16T16:00"})
    assert store.replace_event(app, eid, {"type": "thank_you_sent", "at": "2026-11-16T17:00"})
    got = store.application(app)
    assert got.subject == "Acme" and [e.data["at"] for e in got.events] == ["2026-11-16T10:00", "2026-11-16T17:00"]
    assert store.remove_event(app, eid) and not store.remove_event(app, eid)
    assert store.remove(app) and store.application(app) is None and store.applications() == []


_WRITER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from engine.serve.store import Store
    store = Store(Path(sys.argv[1]))
    app, count, tag = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    for i in range(count):
        store.add_event(app, {"type": "notes_written", "at": "2026-11-16T10:00", "note": f"{tag}-{i}"})
        print(f"{tag}-{i}", flush=True)  # acknowledged: committed
""")


def _writer(db, app, count, tag):
    return subprocess.Popen([sys.executable, "-c", _WRITER, str(db), str(app), str(count), tag],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_two_processes_adding_events_at_once_lose_nothing(tmp_path):
    db = tmp_path / "a.db"
    app = Store(db).create("Acme", "UTC")
    writers = [_writer(db, app, 60, tag) for tag in ("a", "b")]
    for w in writers:
        out, err = w.communicate(timeout=120)
        assert w.returncode == 0, err
    notes = sorted(e.data["note"] for e in Store(db).application(app).events)
    assert notes == sorted([f"a-{i}" for i in range(60)] + [f"b-{i}" for i in range(60)])


def test_a_killed_writer_loses_no_acknowledged_event(tmp_path):
    db = tmp_path / "a.db"
    app = Store(db).create("Acme", "UTC")
    writer = _writer(db, app, 100_000, "k")
    acknowledged = []
    while len(acknowledged) < 50:
        line = writer.stdout.readline()
        assert line, writer.stderr.read()
        acknowledged.append(line.strip())
    writer.send_signal(signal.SIGKILL)  # in the middle of its writes
    writer.wait()
    acknowledged += [line.strip() for line in writer.stdout.read().splitlines()]
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    stored = {e.data["note"] for e in Store(db).application(app).events}
    assert set(acknowledged) <= stored


def test_a_killed_server_keeps_what_it_saved(tmp_path):
    httpx = pytest.importorskip("httpx")
    from live_server import live_server
    with live_server(tmp_path) as server:
        with httpx.Client(base_url=server.url) as c:
            page = c.get("/applications/new").text
            csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
            r = c.post("/applications", data={"csrf": csrf, "subject": "Acme", "timezone": "UTC"})
            app_url = r.headers["location"]
            for hour in range(10, 13):
                r = c.post(app_url + "/events", data={"csrf": csrf, "type": "notes_written",
                                                      "at": f"2026-11-16T{hour}:00"})
                assert r.status_code == 303, r.text
        server.process.send_signal(signal.SIGKILL)
        server.process.wait()
    with sqlite3.connect(tmp_path / "app.db") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    [app] = Store(tmp_path / "app.db").applications()
    assert [e.data["at"] for e in app.events] == ["2026-11-16T10:00", "2026-11-16T11:00", "2026-11-16T12:00"]
    assert json.loads(json.dumps(app.log_data()))["subject"] == "Acme"
