"""The web app's applications and their event logs, in one SQLite file.

Stdlib ``sqlite3`` in WAL mode (readers never wait for the writer, and a
killed server loses no committed event); every write is one ``BEGIN
IMMEDIATE`` transaction, so two processes adding events at once are
serialised by SQLite, not lost. The schema is versioned with ``PRAGMA
user_version`` and upgraded by the numbered migrations below, each in its
own transaction. A connection is opened per operation: cheap for SQLite,
and safe across threads and processes.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

from engine.errors import RulesError

__all__ = ["Store", "Application", "StoredEvent", "MIGRATIONS", "StoreError"]

#: Schema migrations: version n is reached by running MIGRATIONS[n - 1].
MIGRATIONS: tuple[str, ...] = (
    # 1: applications, and their events as the log file keeps them (JSON)
    """
    CREATE TABLE applications (
        id INTEGER PRIMARY KEY,
        subject TEXT NOT NULL,
        timezone TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        application_id INTEGER NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
        data TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE INDEX events_by_application ON events(application_id, id);
    """,
)


class StoreError(RulesError):
    """The database cannot be used (newer schema, not a database)."""

    default_code = "RULES-E074"


@dataclass(frozen=True)
class StoredEvent:
    id: int
    data: dict[str, Any]   # as in a log file: type, at (text), fields, id, note


@dataclass(frozen=True)
class Application:
    id: int
    subject: str
    timezone: str
    events: tuple[StoredEvent, ...]
    updated_at: str

    def log_data(self) -> dict[str, Any]:
        """The application as the event log the CLI reads."""
        return {"subject": self.subject, "timezone": self.timezone,
                "events": [dict(e.data) for e in self.events]}


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class Store:
    def __init__(self, path: Path, *, timeout: float = 10.0) -> None:
        self.path = Path(path)
        self.timeout = timeout
        self.migrate()

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        try:
            conn = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
        except sqlite3.Error as err:
            raise StoreError(f"cannot open the database: {err}", file=str(self.path)) from None
        try:
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute(f"PRAGMA busy_timeout = {int(self.timeout * 1000)}")
            yield conn
        except sqlite3.DatabaseError as err:
            if isinstance(err, sqlite3.OperationalError) and "locked" in str(err):
                raise
            raise StoreError(f"database error: {err}", file=str(self.path),
                             hint="is this file a database written by `rules serve`?") from None
        finally:
            conn.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken at once (no deadlock between upgrades)."""
        with self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def migrate(self) -> int:
        """Bring the schema to the newest version; the version it is at."""
        with self._connect() as conn:
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise StoreError(f"cannot switch the database to WAL (got {mode})", file=str(self.path))
        with self._write() as conn:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > len(MIGRATIONS):
                raise StoreError(f"the database is at schema version {version}; this engine knows "
                                 f"up to {len(MIGRATIONS)}", file=str(self.path),
                                 hint="use the newer engine that wrote it, or another --database")
            for number in range(version, len(MIGRATIONS)):
                for statement in MIGRATIONS[number].split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {number + 1}")
            return len(MIGRATIONS)

    def schema_version(self) -> int:
        with self._connect() as conn:
            return int(conn.execute("PRAGMA user_version").fetchone()[0])

    # -- reading -----------------------------------------------------------------------

    def applications(self) -> list[Application]:
        with self._connect() as conn:
            apps = conn.execute("SELECT id, subject, timezone, updated_at FROM applications "
                                "ORDER BY id").fetchall()
            rows = conn.execute("SELECT id, application_id, data FROM events ORDER BY id").fetchall()
        events: dict[int, list[StoredEvent]] = {}
        for eid, app_id, data in rows:
            events.setdefault(app_id, []).append(StoredEvent(eid, json.loads(data)))
        return [Application(a, s, tz, tuple(events.get(a, ())), u) for a, s, tz, u in apps]

    def application(self, app_id: int) -> Application | None:
        with self._connect() as conn:
            row = conn.execute("SELECT id, subject, timezone, updated_at FROM applications WHERE id = ?",
                               (app_id,)).fetchone()
            if row is None:
                return None
            rows = conn.execute("SELECT id, data FROM events WHERE application_id = ? ORDER BY id",
                                (app_id,)).fetchall()
        return Application(row[0], row[1], row[2],
                           tuple(StoredEvent(e, json.loads(d)) for e, d in rows), row[3])

    # -- writing -----------------------------------------------------------------------

    def create(self, subject: str, timezone_name: str, events: list[dict[str, Any]] | None = None) -> int:
        now = _now()
        with self._write() as conn:
            cur = conn.execute("INSERT INTO applications (subject, timezone, created_at, updated_at) "
                               "VALUES (?, ?, ?, ?)", (subject, timezone_name, now, now))
            app_id = int(cur.lastrowid or 0)
            conn.executemany("INSERT INTO events (application_id, data, created_at) VALUES (?, ?, ?)",
                             [(app_id, _dumps(e), now) for e in events or ()])
        return app_id

    def add_event(self, app_id: int, event: dict[str, Any]) -> int:
        now = _now()
        with self._write() as conn:
            self._touch(conn, app_id, now)
            cur = conn.execute("INSERT INTO events (application_id, data, created_at) VALUES (?, ?, ?)",
                               (app_id, _dumps(event), now))
            return int(cur.lastrowid or 0)

    def replace_event(self, app_id: int, event_id: int, event: dict[str, Any]) -> bool:
        with self._write() as conn:
            self._touch(conn, app_id, _now())
            cur = conn.execute("UPDATE events SET data = ? WHERE id = ? AND application_id = ?",
                               (_dumps(event), event_id, app_id))
            return cur.rowcount == 1

    def remove_event(self, app_id: int, event_id: int) -> bool:
        with self._write() as conn:
            self._touch(conn, app_id, _now())
            cur = conn.execute("DELETE FROM events WHERE id = ? AND application_id = ?", (event_id, app_id))
            return cur.rowcount == 1

    def remove(self, app_id: int) -> bool:
        with self._write() as conn:
            conn.execute("DELETE FROM events WHERE application_id = ?", (app_id,))
            return conn.execute("DELETE FROM applications WHERE id = ?", (app_id,)).rowcount == 1

    def update(self, app_id: int, subject: str, timezone_name: str) -> bool:
        with self._write() as conn:
            return conn.execute("UPDATE applications SET subject = ?, timezone = ?, updated_at = ? "
                                "WHERE id = ?", (subject, timezone_name, _now(), app_id)).rowcount == 1

    @staticmethod
    def _touch(conn: sqlite3.Connection, app_id: int, now: str) -> None:
        if conn.execute("UPDATE applications SET updated_at = ? WHERE id = ?", (now, app_id)).rowcount != 1:
            raise KeyError(app_id)


def _dumps(event: dict[str, Any]) -> str:
    return json.dumps(event, ensure_ascii=False, separators=(",", ":"))
