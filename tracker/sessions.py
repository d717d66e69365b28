"""Web sessions kept on the server (SQLite in the state directory), so they can be ended.

A signed cookie cannot be taken back: it outlives sign-out, restarts and ``user remove``. Here the
cookie holds only a random session id; the session (who signed in, when, the CSRF token) lives in
``sessions.sqlite``, keyed by the SHA-256 of the id, so a copy of the file lets no one in. A
session ends at sign-out, when its user is removed, replaced or gets a new password, after an
absolute lifetime (8 hours) and after an idle time (30 minutes; ``[web] session_idle_minutes``).
``tracker user sessions NAME`` lists a user's sessions and ``tracker user sign-out NAME`` ends them.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FILENAME = "sessions.sqlite"
#: last_seen is written at most this often per session (a page view need not always write)
TOUCH_SECONDS = 60.0
#: expired sessions are swept at most this often
SWEEP_SECONDS = 300.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id_hash   TEXT PRIMARY KEY,
    user      TEXT,
    created   REAL NOT NULL,
    last_seen REAL NOT NULL,
    data      TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_user ON sessions(user);
CREATE INDEX IF NOT EXISTS sessions_last_seen ON sessions(last_seen);
"""


def sessions_path(state_dir: Path) -> Path:
    return state_dir / FILENAME


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class SessionRecord:
    id_hash: str
    user: str | None
    created: float
    last_seen: float
    data: dict[str, Any]

    @property
    def short_id(self) -> str:
        """Enough of the hash to tell sessions apart in a listing; never the id itself."""
        return self.id_hash[:12]


class SessionStore:
    """The sessions file. One short connection per call: safe across waitress threads and the
    ``tracker user`` commands running in other processes."""

    def __init__(
        self,
        path: Path,
        *,
        lifetime_seconds: float = 8 * 3600.0,
        idle_seconds: float = 30 * 60.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = path
        self.lifetime = lifetime_seconds
        self.idle = idle_seconds
        self.clock = clock
        self._ready = False
        self._last_sweep = 0.0

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        if not self._ready:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.touch(mode=0o600, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
        try:
            if not self._ready:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.executescript(_SCHEMA)
                self._ready = True
            yield conn
        finally:
            conn.close()

    def _live(self, created: float, last_seen: float, now: float) -> bool:
        return now - created < self.lifetime and now - last_seen < self.idle

    def expires_at(self, record: SessionRecord) -> float:
        return min(record.created + self.lifetime, record.last_seen + self.idle)

    def new_id(self) -> str:
        return secrets.token_urlsafe(32)

    def load(self, session_id: str) -> SessionRecord | None:
        """The live session with this id, its last-seen time brought up to now; else None."""
        if not session_id or len(session_id) > 128:
            return None
        now = self.clock()
        key = _hash(session_id)
        with self._db() as db:
            row = db.execute(
                "SELECT user, created, last_seen, data FROM sessions WHERE id_hash = ?", (key,)
            ).fetchone()
            if row is None:
                return None
            user, created, last_seen, data = row
            if not self._live(created, last_seen, now):
                db.execute("DELETE FROM sessions WHERE id_hash = ?", (key,))
                return None
            if now - last_seen >= TOUCH_SECONDS:
                db.execute("UPDATE sessions SET last_seen = ? WHERE id_hash = ?", (now, key))
                last_seen = now
        try:
            parsed = json.loads(data)
        except ValueError:
            parsed = {}
        return SessionRecord(
            key, user, created, last_seen, parsed if isinstance(parsed, dict) else {}
        )

    def save(self, session_id: str, data: dict[str, Any], *, created: float | None = None) -> None:
        """Write the session (a new one starts its lifetime now)."""
        now = self.clock()
        user = data.get("user") if isinstance(data.get("user"), str) else None
        with self._db() as db:
            db.execute(
                "INSERT INTO sessions (id_hash, user, created, last_seen, data)"
                " VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT(id_hash) DO UPDATE SET user = excluded.user,"
                " last_seen = excluded.last_seen, data = excluded.data",
                (_hash(session_id), user, created or now, now, json.dumps(data)),
            )
            self._sweep(db, now)

    def delete(self, session_id: str) -> None:
        with self._db() as db:
            db.execute("DELETE FROM sessions WHERE id_hash = ?", (_hash(session_id),))

    def end_user(self, user: str) -> int:
        """End every session of this user; how many there were."""
        with self._db() as db:
            return db.execute("DELETE FROM sessions WHERE user = ?", (user,)).rowcount

    def of_user(self, user: str) -> list[SessionRecord]:
        """This user's live sessions, newest first."""
        now = self.clock()
        with self._db() as db:
            rows = db.execute(
                "SELECT id_hash, user, created, last_seen FROM sessions WHERE user = ?"
                " ORDER BY created DESC",
                (user,),
            ).fetchall()
        return [SessionRecord(h, u, c, s, {}) for h, u, c, s in rows if self._live(c, s, now)]

    def _sweep(self, db: sqlite3.Connection, now: float) -> None:
        """Drop expired sessions now and then, so the file does not grow without end."""
        if now - self._last_sweep < SWEEP_SECONDS:
            return
        self._last_sweep = now
        db.execute(
            "DELETE FROM sessions WHERE created <= ? OR last_seen <= ?",
            (now - self.lifetime, now - self.idle),
        )
