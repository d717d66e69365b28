"""The send ledger: one row per scope and week, exclusive claims, backoff."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from tracker.mail.ledger import QUEUED, SENDING, SENT, STALE_CLAIM, Ledger, backoff, iso_week

NOW = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)


def _queue(ledger: Ledger, scope: str = "A", week: str = "2024-W09") -> bool:
    return ledger.record_queued(
        scope, week, date(2024, 3, 1), f"{week}--a.eml", "<id@x>", ("a@example.org",), NOW
    )


def test_iso_week_follows_iso_years() -> None:
    assert iso_week(date(2024, 3, 1)) == "2024-W09"
    assert iso_week(date(2024, 12, 30)) == "2025-W01"
    assert iso_week(date(2021, 1, 3)) == "2020-W53"


def test_a_week_is_recorded_once_across_connections(tmp_path: Path) -> None:
    with Ledger(tmp_path) as a:
        assert _queue(a) is True
        assert _queue(a) is False
    with Ledger(tmp_path) as b:  # a restart: a new connection to the same file
        assert _queue(b) is False
        assert len(b.entries()) == 1
        entry = b.get("A", "2024-W09")
        assert (
            entry is not None and entry.state == QUEUED and entry.recipients == ("a@example.org",)
        )


def test_a_claim_is_exclusive_until_it_goes_stale(tmp_path: Path) -> None:
    _queue(Ledger(tmp_path))
    a, b = Ledger(tmp_path), Ledger(tmp_path)
    assert a.claim("A", "2024-W09", NOW) is True
    assert b.claim("A", "2024-W09", NOW) is False
    assert b.due(NOW, ignore_backoff=True) == []
    # the claimer died mid-send: after STALE_CLAIM someone else may take it over
    later = NOW + STALE_CLAIM + timedelta(seconds=1)
    assert [e.state for e in b.due(later)] == [SENDING]
    assert b.claim("A", "2024-W09", later) is True
    b.mark_sent("A", "2024-W09", later)
    assert a.claim("A", "2024-W09", later + timedelta(hours=1)) is False
    entry = a.get("A", "2024-W09")
    assert entry is not None and entry.state == SENT and entry.sent_at == later
    a.close()
    b.close()


def test_failures_back_off_exponentially_up_to_a_cap(tmp_path: Path) -> None:
    with Ledger(tmp_path) as ledger:
        _queue(ledger)
        waits = []
        now = NOW
        for _ in range(12):
            assert ledger.claim("A", "2024-W09", now)
            entry = ledger.mark_failed("A", "2024-W09", "SMTP 127.0.0.1:1: cannot connect", now)
            waits.append(entry.next_attempt_at - now)
            assert ledger.due(now) == []  # not before its time
            now = entry.next_attempt_at
            assert [e.scope for e in ledger.due(now)] == ["A"]
        assert waits[:4] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
        assert waits[-1] == timedelta(hours=6)
        assert entry.attempts == 12 and entry.state == QUEUED
        assert entry.last_error == "SMTP 127.0.0.1:1: cannot connect"
    assert backoff(0) == timedelta(0)


def test_last_report_as_of_looks_at_earlier_weeks_only(tmp_path: Path) -> None:
    with Ledger(tmp_path) as ledger:
        assert ledger.last_report_as_of("A", "2024-W09") is None
        ledger.record_queued("A", "2024-W07", date(2024, 2, 12), "f", "<m>", ("a@x.org",), NOW)
        ledger.record_queued("A", "2024-W08", date(2024, 2, 19), "g", "<m>", ("a@x.org",), NOW)
        ledger.record_queued("A", "2024-W09", date(2024, 2, 26), "h", "<m>", ("a@x.org",), NOW)
        ledger.record_queued("B", "2024-W08", date(2024, 2, 23), "i", "<m>", ("a@x.org",), NOW)
        assert ledger.last_report_as_of("A", "2024-W09") == date(2024, 2, 19)
        assert ledger.last_report_as_of("B", "2024-W09") == date(2024, 2, 23)
