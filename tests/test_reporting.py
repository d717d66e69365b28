"""The report content, built from the real check pipeline on real workbooks."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.email_fixtures import (
    AS_OF,
    FREE_TEXT_IN_DATE,
    HIGHLAND,
    NATIONAL_RECIPIENTS,
    NORTHSHIRE,
    NOTE_TEXT,
    NS_RECIPIENTS,
    write_config,
)
from tracker.check import check_config
from tracker.config import Config, load_config
from tracker.mail.report import (
    LOCAL,
    MUST,
    SHOULD,
    board_report,
    national_report,
    safe_id,
    safe_value,
    scopes,
)


@pytest.fixture
def setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Config, dict[str, Any]]:
    monkeypatch.chdir(tmp_path)
    config = load_config(write_config(tmp_path))
    return config, check_config(config, AS_OF).to_json()


def _rows(findings: list[Any]) -> set[tuple[str, str]]:
    return {(f.review_id, f.stage) for f in findings}


def test_board_report_lists_overdue_with_due_date_days_basis_and_citation(setup: Any) -> None:
    config, check = setup
    report = board_report(check, config.board(NORTHSHIRE), AS_OF)
    overdue = {(f.review_id, f.stage): f for f in report.overdue}
    decision = overdue[("NS-2024-01", "Decision date")]
    # within 1 month after notified (08/01/2024) -> 08/02/2024; 1 March is 22 days later
    assert decision.latest == date(2024, 2, 8)
    assert decision.days_late == 22
    assert decision.basis == "statutory guidance"
    assert decision.must_label == "should"
    assert "one month of notification" in decision.citation
    assert ("LS-2024-01", "Date serious incident notified to Panel") in overdue
    # Highland's review is not Northshire's business.
    assert all(f.board == NORTHSHIRE for f in report.all_stages)
    assert report.recipients == NS_RECIPIENTS


def test_due_soon_completed_late_and_conditions(setup: Any) -> None:
    config, check = setup
    report = board_report(check, config.board(NORTHSHIRE), AS_OF)
    # notified 05/02 -> decision due 05/03, four days after the as-of date
    assert _rows(report.due_soon) == {("NS-2024-04", "Decision date")}
    assert report.due_soon[0].latest == date(2024, 3, 5)
    # decided 26/02, due 08/02: late, and done within the week since the last report
    assert _rows(report.completed_late) == {("NS-2024-02", "Decision date")}
    # the lead reviewer must be independent: a statutory condition, not met
    not_met = [f for f in report.other_findings if f.status == "not_met"]
    assert [(f.review_id, f.group) for f in not_met] == [("NS-2024-02", MUST)]


def test_completed_late_window_starts_at_the_last_report(setup: Any) -> None:
    config, check = setup
    # The previous report was made on 27 Feb: the late decision of 26 Feb was in it already.
    report = board_report(check, config.board(NORTHSHIRE), AS_OF, since=date(2024, 2, 27))
    assert report.completed_late == []
    assert report.since == date(2024, 2, 27)


def test_statutory_findings_are_counted_apart(setup: Any) -> None:
    config, check = setup
    report = board_report(check, config.board(NORTHSHIRE), AS_OF)
    assert report.counts[MUST]["not_met"] == 1
    assert report.counts[SHOULD]["not_met"] == 0
    assert report.counts[SHOULD]["overdue"] == len(report.overdue)
    assert report.counts[LOCAL]["overdue"] == 0
    highland = board_report(check, config.board(HIGHLAND), AS_OF)
    # Scotland's ICR timescale is a local default: counted as local, not as guidance.
    assert [(f.review_id, f.group) for f in highland.overdue] == [("HC-2024-01", LOCAL)]
    assert highland.counts[LOCAL]["overdue"] == 1


def test_problems_name_cells_and_withhold_free_text(setup: Any) -> None:
    config, check = setup
    report = board_report(check, config.board(NORTHSHIRE), AS_OF)
    cells = {(p.sheet, p.cell, p.review_id) for p in report.problems}
    assert ("England SCR", "G4", "NS-2024-03") in cells
    typed = [p for p in report.problems if p.review_id == "NS-2024-05"]
    assert len(typed) == 1
    assert FREE_TEXT_IN_DATE not in typed[0].message
    assert "(withheld)" in typed[0].message
    # a date typed wrongly is not free text: it is shown so the officer can find it
    impossible = next(p for p in report.problems if p.review_id == "NS-2024-03")
    assert "31/02/2024" in impossible.message
    assert report.cannot_assess == 2


def test_nothing_from_a_notes_cell_reaches_a_report(setup: Any) -> None:
    config, check = setup
    for report in (
        board_report(check, config.board(NORTHSHIRE), AS_OF),
        national_report(check, config, AS_OF),
    ):
        assert NOTE_TEXT not in repr(report)
        assert FREE_TEXT_IN_DATE not in repr(report)


def test_national_summary_has_a_line_per_board(setup: Any) -> None:
    config, check = setup
    report = national_report(check, config, AS_OF)
    lines = {b.board: b for b in report.boards}
    assert set(lines) == {NORTHSHIRE, HIGHLAND}
    assert lines[HIGHLAND].overdue == {MUST: 0, SHOULD: 0, LOCAL: 1}
    assert lines[NORTHSHIRE].overdue[SHOULD] == 3
    assert lines[NORTHSHIRE].problems == 2
    assert len(report.overdue) == 4
    assert report.recipients == NATIONAL_RECIPIENTS
    assert report.subject().startswith("Case review compliance, National summary, week 2024-W09")


def test_scopes_every_board_then_national(setup: Any) -> None:
    config, _ = setup
    assert list(scopes(config)) == [NORTHSHIRE, HIGHLAND, "national"]
    assert list(scopes(config, NORTHSHIRE)) == [NORTHSHIRE]
    with pytest.raises(KeyError):
        scopes(config, "Nowhere LSCB")


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("31/02/2024", "31/02/2024"),
        ("01/31/2024", "01/31/2024"),
        ("31 Feb 2024", "31 Feb 2024"),
        ("45296", "45296"),
        ("", ""),
        (None, ""),
        ("TBC", None),
        ("awaiting police report", None),
        ("see notes: mother said 3/4", None),
    ],
)
def test_safe_value_shows_dates_and_numbers_only(value: Any, shown: str | None) -> None:
    assert safe_value(value) == shown


def test_safe_id_keeps_real_ids_only() -> None:
    assert safe_id("NS-2024/01_a") == "NS-2024/01_a"
    assert safe_id("child died at home") == "(no valid id)"
    assert safe_id(None) == "(no valid id)"
