"""The send ledger: which report was queued and sent, for which board and ISO week.

The ledger is what makes the weekly e-mail idempotent. A report is keyed by (scope, week): the
first run of a week composes it and records it; every later run of that week (a second
``tracker report``, a restart of the service, a misfired trigger) finds the row and sends
nothing new. Delivery attempts, the backoff schedule and the last error live in the same row,
so a failed send is retried by whoever runs next, and a send is claimed in a transaction so two
processes never deliver the same message.

SQLite in the state directory: one file, no server, safe across processes.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

FILENAME = "ledger.sqlite"
NATIONAL_SCOPE = "national"

QUEUED = "queued"  # composed and written to the outbox, not delivered yet
SENDING = "sending"  # claimed by a process that is talking to the SMTP server
SENT = "sent"  # accepted by the SMTP server

#: A claim older than this belongs to a process that died mid-send; it may be taken over.
STALE_CLAIM = timedelta(minutes=15)
#: Backoff after the n-th failed attempt: BASE * 2**(n-1), at most MAX. Never given up on:
#: a report must not be lost, so it is retried until it goes or someone removes it.
BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=6)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS reports (
    scope TEXT NOT NULL,
    week TEXT NOT NULL,
    as_of TEXT NOT NULL,
    state TEXT NOT NULL,
    filename TEXT NOT NULL,
    message_id TEXT NOT NULL,
    recipients TEXT NOT NULL,
    queued_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    claimed_at TEXT,
    sent_at TEXT,
    last_error TEXT,
    PRIMARY KEY (scope, week)
)
"""


def iso_week(day: date) -> str:
    """``2024-W09``: the week a report belongs to (ISO weeks start on Monday)."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def backoff(attempts: int) -> timedelta:
    if attempts <= 0:
        return timedelta(0)
    return min(BACKOFF_BASE * (2 ** min(attempts - 1, 20)), BACKOFF_MAX)


def _ts(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _parse_ts(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


@dataclass(frozen=True)
class Entry:
    scope: str
    week: str
    as_of: date
    state: str
    filename: str
    message_id: str
    recipients: tuple[str, ...]
    queued_at: datetime
    attempts: int
    next_attempt_at: datetime
    claimed_at: datetime | None
    sent_at: datetime | None
    last_error: str | None


class Ledger:
    """One connection per instance; every public method is its own transaction."""

    def __init__(self, state_dir: Path) -> None:
        state_dir.mkdir(parents=True, exist_ok=True)
        self.path = state_dir / FILENAME
        self._db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        # IMMEDIATE takes the write lock at once, so check-then-write cannot interleave.
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def get(self, scope: str, week: str) -> Entry | None:
        row = self._db.execute(
            "SELECT * FROM reports WHERE scope = ? AND week = ?", (scope, week)
        ).fetchone()
        return _entry(row) if row else None

    def record_queued(
        self,
        scope: str,
        week: str,
        as_of: date,
        filename: str,
        message_id: str,
        recipients: tuple[str, ...],
        now: datetime,
    ) -> bool:
        """Record a composed report; False if the week already has one (nothing is changed)."""
        with self._tx() as db:
            cur = db.execute(
                "INSERT OR IGNORE INTO reports (scope, week, as_of, state, filename, message_id,"
                " recipients, queued_at, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    scope,
                    week,
                    as_of.isoformat(),
                    QUEUED,
                    filename,
                    message_id,
                    "\n".join(recipients),
                    _ts(now),
                    _ts(now),
                ),
            )
            return cur.rowcount == 1

    def due(self, now: datetime, *, ignore_backoff: bool = False) -> list[Entry]:
        """Reports waiting to be sent whose backoff has passed (or every one, if asked)."""
        rows = self._db.execute(
            "SELECT * FROM reports WHERE state IN (?, ?) ORDER BY queued_at, scope",
            (QUEUED, SENDING),
        ).fetchall()
        out = []
        for entry in map(_entry, rows):
            if entry.state == SENDING and not _stale(entry, now):
                continue
            if ignore_backoff or entry.next_attempt_at <= now:
                out.append(entry)
        return out

    def pending(self) -> list[Entry]:
        rows = self._db.execute(
            "SELECT * FROM reports WHERE state != ? ORDER BY queued_at, scope", (SENT,)
        ).fetchall()
        return [_entry(r) for r in rows]

    def claim(self, scope: str, week: str, now: datetime) -> bool:
        """Take the report for sending; False if it is sent or another process holds it."""
        with self._tx() as db:
            row = db.execute(
                "SELECT * FROM reports WHERE scope = ? AND week = ?", (scope, week)
            ).fetchone()
            if row is None:
                return False
            entry = _entry(row)
            if entry.state == SENT or (entry.state == SENDING and not _stale(entry, now)):
                return False
            db.execute(
                "UPDATE reports SET state = ?, claimed_at = ? WHERE scope = ? AND week = ?",
                (SENDING, _ts(now), scope, week),
            )
            return True

    def mark_sent(self, scope: str, week: str, now: datetime) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE reports SET state = ?, sent_at = ?, attempts = attempts + 1,"
                " claimed_at = NULL, last_error = NULL WHERE scope = ? AND week = ?",
                (SENT, _ts(now), scope, week),
            )

    def mark_failed(self, scope: str, week: str, error: str, now: datetime) -> Entry:
        """Back to the queue with the next attempt pushed out by the backoff."""
        with self._tx() as db:
            row = db.execute(
                "SELECT attempts FROM reports WHERE scope = ? AND week = ?", (scope, week)
            ).fetchone()
            attempts = int(row["attempts"]) + 1
            db.execute(
                "UPDATE reports SET state = ?, attempts = ?, next_attempt_at = ?,"
                " claimed_at = NULL, last_error = ? WHERE scope = ? AND week = ?",
                (QUEUED, attempts, _ts(now + backoff(attempts)), error[:500], scope, week),
            )
        entry = self.get(scope, week)
        assert entry is not None
        return entry

    def last_report_as_of(self, scope: str, before_week: str) -> date | None:
        """The as-of date of the latest report of an earlier week (for "completed late since")."""
        row = self._db.execute(
            "SELECT as_of FROM reports WHERE scope = ? AND week < ? ORDER BY week DESC LIMIT 1",
            (scope, before_week),
        ).fetchone()
        return date.fromisoformat(row["as_of"]) if row else None

    def entries(self) -> list[Entry]:
        rows = self._db.execute("SELECT * FROM reports ORDER BY week, scope").fetchall()
        return [_entry(r) for r in rows]


def _stale(entry: Entry, now: datetime) -> bool:
    return entry.claimed_at is None or now - entry.claimed_at > STALE_CLAIM


def _entry(row: sqlite3.Row) -> Entry:
    queued = _parse_ts(row["queued_at"])
    next_at = _parse_ts(row["next_attempt_at"])
    assert queued is not None and next_at is not None
    return Entry(
        scope=row["scope"],
        week=row["week"],
        as_of=date.fromisoformat(row["as_of"]),
        state=row["state"],
        filename=row["filename"],
        message_id=row["message_id"],
        recipients=tuple(r for r in row["recipients"].split("\n") if r),
        queued_at=queued,
        attempts=int(row["attempts"]),
        next_attempt_at=next_at,
        claimed_at=_parse_ts(row["claimed_at"]),
        sent_at=_parse_ts(row["sent_at"]),
        last_error=row["last_error"],
    )
