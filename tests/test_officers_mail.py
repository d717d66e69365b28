"""The officers' e-mail: once when a problem appears, once when it is fixed, never twice a day.

Real workbooks, the real outbox and ledger, and a real SMTP server (aiosmtpd) on 127.0.0.1.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import openpyxl
import pytest

from tests.email_fixtures import (
    FREE_TEXT_IN_DATE,
    NORTHSHIRE,
    NOTE_TEXT,
    SmtpServer,
    running_smtp,
    write_config,
)
from tracker.check import check_config
from tracker.config import Config, load_config
from tracker.mail.ledger import Ledger
from tracker.mail.officers import notify_officers, scope_for

OFFICERS = ["data.officer@example.org", "admin@example.org"]
DAY1 = date(2024, 3, 4)


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    yield from running_smtp()


def _config(tmp_path: Path, smtp: SmtpServer) -> Config:
    path = write_config(tmp_path, backend="smtp", smtp_port=smtp.port)
    text = path.read_text().replace(
        'recipients = ["lscb.manager@example.org", "lscb.chair@example.org"]',
        'recipients = ["lscb.manager@example.org", "lscb.chair@example.org"]\n'
        f"data_recipients = {OFFICERS!r}",
    )
    path.write_text(text)
    return load_config(path)


def _run(config: Config, day: date, hour: int = 9) -> list[str]:
    check = check_config(config, day).to_json()
    now = datetime(day.year, day.month, day.day, hour, tzinfo=UTC)
    out = notify_officers(config, check, day, now=now)
    return out.queued


def _set_cell(path: Path, review_id: str, header: str, value: object) -> None:
    book = openpyxl.load_workbook(path)
    sheet = book["England SCR"]
    heads = [c.value for c in sheet[1]]
    col = heads.index(header) + 1
    for r in range(2, sheet.max_row + 1):
        if sheet.cell(r, 1).value == review_id:
            sheet.cell(r, col).value = value
    book.save(path)


def test_new_then_fixed_once_each_never_twice_a_day_never_when_unchanged(
    tmp_path: Path, smtp: SmtpServer
) -> None:
    config = _config(tmp_path, smtp)
    book = tmp_path / "books" / "northshire.xlsx"
    # day 1: the two problems are new to the officers: one message
    assert len(_run(config, DAY1)) == 1
    (first,) = smtp.messages
    assert sorted(first.recipients) == sorted(OFFICERS)
    body = first.message.get_content()
    assert first.message["Subject"] == f"{NORTHSHIRE}: 6 new data problems"
    assert "New data problems (6)" in body and "not a real date" in body
    assert "Fixed" not in body
    assert "Fix: Check the day and month and correct it." in body
    companion = tmp_path / "books" / "northshire.tracker.xlsx"
    assert f"  - northshire.xlsx: {companion}" in body
    # nothing said that a person typed as free text, and never a note
    assert FREE_TEXT_IN_DATE not in body and NOTE_TEXT not in body
    # the same day, nothing changed: nothing; the next day, nothing changed: nothing
    assert _run(config, DAY1, 15) == []
    assert _run(config, DAY1 + timedelta(days=1)) == []
    assert len(smtp.messages) == 1
    # day 3: the impossible date is fixed: one message, and it says so
    _set_cell(book, "NS-2024-03", "Date notified to LSCB", date(2024, 2, 28))
    day3 = DAY1 + timedelta(days=2)
    assert len(_run(config, day3)) == 1
    fixed = smtp.messages[-1].message
    assert (
        fixed["Subject"] == f"{NORTHSHIRE}: 1 new data problem, 1 fixed"
    )  # a real 2024 date: not-in-force
    assert "Fixed since the last message (1)" in fixed.get_content()
    # later that day a new problem appears: it waits for tomorrow (never twice a day)
    _set_cell(book, "NS-2024-04", "Date notified to LSCB", "13/25/2024")
    assert _run(config, day3, 16) == []
    assert len(smtp.messages) == 2
    day4 = day3 + timedelta(days=1)
    assert len(_run(config, day4)) == 1
    third = smtp.messages[-1].message
    assert third["Subject"] == f"{NORTHSHIRE}: 1 new data problem, 1 fixed"
    body = third.get_content()
    assert body.index("New data problems (1)") >= 0 and "Fixed since the last message (1)" in body
    # the ledger holds one row per day it wrote, all sent
    with Ledger(config.state_dir) as ledger:
        rows = [e for e in ledger.entries() if e.scope == scope_for(config.board(NORTHSHIRE))]
    assert [(e.week, e.state) for e in rows] == [
        (DAY1.isoformat(), "sent"),
        (day3.isoformat(), "sent"),
        (day4.isoformat(), "sent"),
    ]
    # boards without data_recipients get no officers' message at all
    assert {m.recipients[0] for m in smtp.messages} <= set(OFFICERS)


def test_new_problems_come_before_fixed_ones(tmp_path: Path, smtp: SmtpServer) -> None:
    config = _config(tmp_path, smtp)
    book = tmp_path / "books" / "northshire.xlsx"
    _run(config, DAY1)
    _set_cell(book, "NS-2024-03", "Date notified to LSCB", date(2024, 2, 28))
    _set_cell(book, "NS-2024-04", "Date notified to LSCB", "13/25/2024")
    _run(config, DAY1 + timedelta(days=1))
    body = smtp.messages[-1].message.get_content()
    assert smtp.messages[-1].message["Subject"] == f"{NORTHSHIRE}: 2 new data problems, 2 fixed"
    assert body.index("New data problems") < body.index("Fixed since the last message")


def test_the_service_refresh_publishes_and_tells_the_officers(
    tmp_path: Path, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = _config(tmp_path, smtp)
    import jobs.refresh

    monkeypatch.setattr(jobs.refresh, "today_in_london", lambda: DAY1)
    assert config.path is not None
    jobs.refresh.run(str(config.path))
    assert (tmp_path / "books" / "northshire.tracker.xlsx").is_file()
    assert (tmp_path / "books" / "highland.tracker.xlsx").is_file()
    assert len(smtp.messages) == 1 and smtp.messages[0].recipients == OFFICERS
