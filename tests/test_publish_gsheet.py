"""The Tracker tab of a Google Sheet, against the local fake Sheets API (real gspread, real HTTP).

The fake checks every request against Google's discovery document (tests/fakes/discovery.py:
request kinds, field names, enums, field masks); the batches are also checked here by name.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from tests import gsheet_fixtures
from tests.fakes.discovery import Discovery
from tests.fakes.sheets_api import FakeSheetsAPI
from tests.gsheet_fixtures import KEY, READER, england_rows, headers, row
from tracker.check import check_config, specs_from_config
from tracker.config import load_config
from tracker.output.publish.content import COLUMNS, HEADER_ROWS, NOTICE
from tracker.output.publish.gsheet import TAB_ID, tab_requests
from tracker.output.publish.run import REFUSED, UNCHANGED, WRITTEN, publish_results

# the Google Sheets fixtures, found by pytest under these names
no_external_network = gsheet_fixtures.no_external_network
sheets_api = gsheet_fixtures.sheets_api
sa_file = gsheet_fixtures.sa_file

AS_OF = date(2024, 9, 2)
NOW = datetime(2024, 9, 2, 8, 15, tzinfo=UTC)
WRITER = "tracker-writer@tracker-tests.iam.gserviceaccount.com"


# --- the discovery document: every request we build is one Google knows -----------------------


def discovery_errors(requests: list[dict[str, Any]]) -> list[str]:
    """What Google's front end would refuse in this batchUpdate (tests/fakes/discovery.py)."""
    checked = Discovery.load().check(
        "POST", f"/v4/spreadsheets/{KEY}:batchUpdate", {}, {"requests": requests}
    )
    return [str(v) for v in checked.violations]


# --- set-up ---------------------------------------------------------------------------------


def _config(tmp_path: Path, credentials: Path, **board: str) -> Path:
    extra = "".join(f"{k} = {v}\n" for k, v in board.items())
    path = tmp_path / "tracker.toml"
    path.write_text(
        f"""
state_dir = "state"

[[boards]]
name = "Northshire LSCB"
nation = "england"
sources = ["gsheet:{KEY}"]
{extra}
[google]
credentials = "{credentials}"
""",
        encoding="utf-8",
    )
    return path


def _refresh(config_path: Path) -> tuple[Any, list[Any]]:
    """What the service's refresh does: read (2 requests), then publish what changed."""
    config = load_config(config_path)
    result = check_config(config, AS_OF)
    published = publish_results(
        result, specs_from_config(config), config, state_dir=config.state_dir, now=NOW
    )
    return result, published


@pytest.fixture
def book(sheets_api: FakeSheetsAPI) -> Any:
    return sheets_api.add_spreadsheet(
        KEY,
        {"Read me": [["Guidance for officers"]], "England SCR": england_rows()},
        shared_with={WRITER: "writer", READER: "reader"},
    )


@pytest.fixture
def writer_file(sheets_api: FakeSheetsAPI, tmp_path: Path) -> Path:
    return sheets_api.write_credentials(tmp_path / "writer.json", WRITER)


def _cells(sheet: Any) -> dict[tuple[int, int], Any]:
    return dict(sheet.cells)


def _tab(book: Any) -> Any:
    return next(s for s in book.sheets if s.title == "Tracker")


def test_the_tracker_tab_appears_with_values_links_and_a_warning_only_protection(
    sheets_api: FakeSheetsAPI, book: Any, writer_file: Path, tmp_path: Path
) -> None:
    others = {s.title: _cells(s) for s in book.sheets}
    result, published = _refresh(_config(tmp_path, writer_file))
    assert [p.outcome for p in published] == [WRITTEN]
    kinds = [r.kind for r in sheets_api.api_requests()]
    assert kinds == ["metadata", "batchGet", "batchUpdate"]
    tab = _tab(book)
    assert tab.sheet_id == TAB_ID and [s.title for s in book.sheets][-1] == "Tracker"
    assert tab.frozen_rows == HEADER_ROWS
    assert [p["warningOnly"] for p in tab.protected_ranges] == [True]
    assert tab.protected_ranges[0]["range"] == {"sheetId": TAB_ID}
    cells = _cells(tab)
    assert "as of 02/09/2024" in cells[(0, 0)] and cells[(2, 0)] == NOTICE
    assert [cells[(HEADER_ROWS - 1, c)] for c in range(len(COLUMNS))] == list(COLUMNS)
    # NS-2024-03's "31/02/2024" is a data problem linking to its cell by gid and range
    table = [
        [cells.get((r, c)) for c in range(len(COLUMNS))]
        for r in range(HEADER_ROWS, 1 + max(r for r, _ in cells))
    ]
    problem = next(r for r in table if r[0] == "Data problem" and r[1] == "NS-2024-03")
    assert problem[10] == "31/02/2024" and "not a real date" in problem[9]
    at = next(k for k, v in cells.items() if v == problem[12] and k[1] == 12)
    gid = next(s.sheet_id for s in book.sheets if s.title == "England SCR")
    link = tab.formats[at]["textFormat"]["link"]["uri"]
    assert link == f"#gid={gid}&range={problem[12].split('!')[1]}"
    bad = next(p for p in result.problems if p.review_id == "NS-2024-03")
    assert problem[12] == f"England SCR!{bad.cell}"
    # due dates are real dates (serial numbers formatted dd/mm/yyyy)
    due = next(r for r in table if r[0] in ("Overdue", "Due"))
    assert isinstance(due[4], int)
    # status colours, filter over the table, column widths
    labels = {
        r["booleanRule"]["condition"]["values"][0]["userEnteredValue"]
        for r in tab.conditional_formats
    }
    assert {"Overdue", "Due", "On time", "Data problem"} <= labels
    assert tab.basic_filter["range"]["startRowIndex"] == HEADER_ROWS - 1
    assert len(tab.column_widths) == len(COLUMNS)
    # no other sheet changed, and every request is one Google knows
    assert {s.title: _cells(s) for s in book.sheets if s.title != "Tracker"} == others
    (batch,) = sheets_api.batch_updates
    assert discovery_errors(batch) == []
    touched = {json.dumps(r).count(f'"sheetId": {gid}') for r in batch}
    assert touched == {0}


def test_an_unchanged_refresh_costs_two_requests_and_a_change_at_most_three(
    sheets_api: FakeSheetsAPI, book: Any, writer_file: Path, tmp_path: Path
) -> None:
    config = _config(tmp_path, writer_file)
    _refresh(config)
    sheets_api.reset_counts()
    _, published = _refresh(config)
    assert [p.outcome for p in published] == [UNCHANGED]
    assert [r.kind for r in sheets_api.api_requests()] == ["metadata", "batchGet"]
    assert len(sheets_api.batch_updates) == 1
    # an officer fixes the impossible date: the tab is rewritten in place, in one more request
    scr = next(s for s in book.sheets if s.title == "England SCR")
    at = next(k for k, v in scr.cells.items() if v == "31/02/2024")
    scr.cells[at] = date(2024, 2, 28)
    sheets_api.reset_counts()
    _, published = _refresh(config)
    assert [p.outcome for p in published] == [WRITTEN]
    assert [r.kind for r in sheets_api.api_requests()] == ["metadata", "batchGet", "batchUpdate"]
    second = sheets_api.batch_updates[-1]
    assert discovery_errors(second) == []
    assert list(second[0]) == ["deleteSheet"] and second[0]["deleteSheet"]["sheetId"] == TAB_ID
    tabs = [s for s in book.sheets if s.title == "Tracker"]
    assert len(tabs) == 1 and len(tabs[0].protected_ranges) == 1
    assert "31/02/2024" not in _cells(tabs[0]).values()
    assert [s.title for s in book.sheets] == ["Read me", "England SCR", "Tracker"]


def test_a_read_only_credential_gives_one_clear_line_and_the_read_still_works(
    sheets_api: FakeSheetsAPI, book: Any, sa_file: Path, tmp_path: Path
) -> None:
    config = _config(tmp_path, sa_file)
    result, published = _refresh(config)
    assert len(result.reviews) == 4 and not result.unusable  # the read worked
    (item,) = published
    assert item.outcome == REFUSED
    assert READER in item.line() and "Editor" in item.line() and "\n" not in item.line()
    assert not any(s.title == "Tracker" for s in book.sheets)
    # the same content is not tried again at every refresh
    sheets_api.reset_counts()
    _, again = _refresh(config)
    assert [p.outcome for p in again] == [REFUSED]
    assert [r.kind for r in sheets_api.api_requests()] == ["metadata", "batchGet"]


def test_a_sheet_called_tracker_that_is_not_ours_is_left_alone(
    sheets_api: FakeSheetsAPI, writer_file: Path, tmp_path: Path
) -> None:
    book = sheets_api.add_spreadsheet(
        KEY,
        {"England SCR": england_rows(), "Tracker": [["my own notes"]]},
        shared_with={WRITER: "writer"},
    )
    _, published = _refresh(_config(tmp_path, writer_file))
    assert published[0].outcome == "failed"
    assert "rename it" in published[0].line()
    assert _cells(book.sheets[1]) == {(0, 0): "my own notes"}
    assert sheets_api.batch_updates == []


def test_a_board_with_publish_false_writes_nothing(
    sheets_api: FakeSheetsAPI, book: Any, writer_file: Path, tmp_path: Path
) -> None:
    _, published = _refresh(_config(tmp_path, writer_file, publish="false"))
    assert [p.outcome for p in published] == ["skipped"]
    assert [r.kind for r in sheets_api.api_requests()] == ["metadata", "batchGet"]


def test_cell_text_goes_in_as_a_string_value_never_a_formula(
    sheets_api: FakeSheetsAPI, writer_file: Path, tmp_path: Path
) -> None:
    rows = [
        headers("england-scr"),
        row("england-scr", review_id="EV-1", notified='=IMPORTXML("x")'),
    ]
    sheets_api.add_spreadsheet(KEY, {"England SCR": rows}, shared_with={WRITER: "writer"})
    _refresh(_config(tmp_path, writer_file))
    (batch,) = sheets_api.batch_updates
    values = [
        cell.get("userEnteredValue", {})
        for r in batch
        if "updateCells" in r
        for line in r["updateCells"]["rows"]
        for cell in line["values"]
    ]
    assert any(v.get("stringValue") == '=IMPORTXML("x")' for v in values)
    assert not any("formulaValue" in v for v in values)


def test_tab_requests_pass_the_discovery_check_for_an_empty_source() -> None:
    from tracker.output.publish.content import build_content

    content = build_content({"as_of": "2024-09-02", "reviews": [], "problems": []}, "gsheet:K")
    requests = tab_requests(content, {0: ("England SCR", 0)}, NOW)
    assert discovery_errors(requests) == []
    # and the checker itself catches a wrong field and a wrong enum
    broken = [{"setBasicFilter": {"filter": {"range": {"sheetid": 1}}}}]
    assert discovery_errors(broken)
    bad_enum = [
        {"updateDimensionProperties": {"range": {"dimension": "COLUMN"}, "fields": "pixelSize"}}
    ]
    assert discovery_errors(bad_enum)
    assert discovery_errors([{"updateCells": {"fields": "userEnteredValue,hyperlinks"}}])


def test_the_tracker_tab_lists_the_actions_of_a_sheet_that_keeps_them(
    sheets_api: FakeSheetsAPI, writer_file: Path, tmp_path: Path
) -> None:
    from tests.test_actions import action, action_rows

    actions = action_rows(
        action("R1.1", date(2024, 8, 1), review="NS-2024-01", agency="Northshire Police"),
        action("R1.2", date(2024, 9, 30), review="NS-2024-01", agency="Northshire ICB"),
    )
    book = sheets_api.add_spreadsheet(
        KEY,
        {"England SCR": england_rows(), "Actions": actions},
        shared_with={WRITER: "writer", READER: "reader"},
    )
    before = {s.title: _cells(s) for s in book.sheets}
    _refresh(_config(tmp_path, writer_file))
    tab = _tab(book)
    cells = _cells(tab)
    table = [
        [cells.get((r, c)) for c in range(len(COLUMNS))]
        for r in range(HEADER_ROWS, 1 + max(r for r, _ in cells))
    ]
    listed = [r for r in table if r[2] == "Actions"]
    assert [(r[0], r[1], r[3], r[6], r[7]) for r in listed] == [
        ("Overdue", "NS-2024-01", "Action R1.1 · Northshire Police", "32 days overdue", "Overdue"),
        ("Due", "NS-2024-01", "Action R1.2 · Northshire ICB", "28 days left", "Due"),
    ]
    assert all(isinstance(r[4], int) for r in listed)  # due dates are date serials
    at = next(k for k, v in cells.items() if v == "Actions!A2" and k[1] == 12)
    gid = next(s.sheet_id for s in book.sheets if s.title == "Actions")
    assert tab.formats[at]["textFormat"]["link"]["uri"] == f"#gid={gid}&range=A2"
    assert cells[(1, 0)].endswith(" · actions: 1 overdue, 2 open of 2")
    # the officers' own sheets are left exactly as they were
    assert {s.title: _cells(s) for s in book.sheets if s.title != "Tracker"} == before
