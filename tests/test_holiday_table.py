"""The kept bank-holiday table is exactly what the pinned holidays package says, and only used then."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from tracker import calendars
from tracker.calendars import CALENDARS, HOLIDAY_TABLE, computed_bank_holidays


@pytest.mark.parametrize("calendar", CALENDARS)
def test_the_table_matches_the_installed_holidays_package(calendar: str) -> None:
    # If this fails after changing the holidays pin: python -m tracker.calendars, and commit.
    table = calendars._holiday_table()
    assert table is not None, "tracker/data/bank_holidays.json is not for the installed holidays"
    from_table = {date.fromisoformat(d): name for d, name in table[calendar]}
    assert from_table == computed_bank_holidays(calendar)


def test_a_table_from_another_version_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc = json.loads(HOLIDAY_TABLE.read_text(encoding="utf-8"))
    doc["holidays"] = "0.1"
    doc["calendars"]["ENG"] = []  # a stale table would lose every English bank holiday
    stale = tmp_path / "bank_holidays.json"
    stale.write_text(json.dumps(doc), encoding="utf-8")
    monkeypatch.setattr(calendars, "HOLIDAY_TABLE", stale)
    calendars._holiday_table.cache_clear()
    calendars.bank_holidays.cache_clear()
    try:
        assert calendars._holiday_table() is None
        assert date(2024, 12, 25) in calendars.bank_holidays("ENG")
    finally:
        monkeypatch.undo()
        calendars._holiday_table.cache_clear()
        calendars.bank_holidays.cache_clear()
