# ruff: noqa: F811  (pytest fixtures imported from tests.gsheet_fixtures)
"""The fake Sheets API answers as Google does: it refuses what Google refuses, in Google's words,
and applies masks, ``fields``, ``majorDimension`` and A1 ranges like Google.

Requests go through the tracker's own gspread client (real HTTP on 127.0.0.1).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from gspread.exceptions import APIError
from gspread.urls import (
    SPREADSHEET_BATCH_UPDATE_URL,
    SPREADSHEET_URL,
    SPREADSHEET_VALUES_BATCH_URL,
    SPREADSHEET_VALUES_URL,
)

from tests.fakes.sheets_api import FakeSheetsAPI, FakeSpreadsheet
from tests.gsheet_fixtures import (  # noqa: F401  (pytest fixtures)
    KEY,
    READER,
    clock,
    no_external_network,
    sa_file,
    settings,
    sheets_api,
)
from tracker.sources.google_api import WRITE_SCOPES, GSheetSettings, SheetsHTTPClient, connect

pytest_plugins = ["pytester"]  # a test run inside a test: the fixture must fail it


@pytest.fixture
def book(sheets_api: FakeSheetsAPI) -> FakeSpreadsheet:
    return sheets_api.add_spreadsheet(
        KEY,
        {
            "Sheet1": [["a1", "b1", "c1"], ["a2", None, "c2"], [], ["a4"]],
            "My sheet": [["x", 1, True]],
        },
        shared_with={READER: "writer"},
    )


@pytest.fixture
def client(sheets_api: FakeSheetsAPI, sa_file: Path, settings: GSheetSettings) -> SheetsHTTPClient:
    api, _ = connect(str(sa_file), WRITE_SCOPES, settings)
    return api


def get(client: SheetsHTTPClient, **params: Any) -> Any:
    return client.request("get", SPREADSHEET_URL % KEY, params=params).json()


def values(client: SheetsHTTPClient, *ranges: str, **params: Any) -> list[dict[str, Any]]:
    answer = client.request(
        "get", SPREADSHEET_VALUES_BATCH_URL % KEY, params={"ranges": list(ranges), **params}
    ).json()
    return list(answer["valueRanges"])


def update(client: SheetsHTTPClient, *requests: dict[str, Any]) -> Any:
    url = SPREADSHEET_BATCH_UPDATE_URL % KEY
    return client.request("post", url, json={"requests": list(requests)}).json()


def refused(client: SheetsHTTPClient, method: str, url: str, **kw: Any) -> dict[str, Any]:
    with pytest.raises(APIError) as caught:
        client.request(method, url, **kw)
    error: dict[str, Any] = caught.value.response.json()["error"]
    assert error["code"] == caught.value.response.status_code
    return error


# --- refusals -----------------------------------------------------------------------------------


def test_a_request_google_would_refuse_gets_googles_400_and_fails_the_test(
    sheets_api: FakeSheetsAPI, book: FakeSpreadsheet, client: SheetsHTTPClient
) -> None:
    url = SPREADSHEET_VALUES_BATCH_URL % KEY
    error = refused(client, "get", url, params={"ranges": "Sheet1", "valueRenderOption": "BOGUS"})
    assert error["status"] == "INVALID_ARGUMENT" and error["code"] == 400
    assert error["details"] == [
        {
            "@type": "type.googleapis.com/google.rpc.BadRequest",
            "fieldViolations": [
                {
                    "field": "valueRenderOption",
                    "description": "Invalid value at 'valueRenderOption', \"BOGUS\"",
                }
            ],
        }
    ]
    # remembered, so the fixture would fail this test had it not taken them
    assert sheets_api.take_violations() == [
        f"GET /v4/spreadsheets/{KEY}/values:batchGet: valueRenderOption: "
        "Invalid value at 'valueRenderOption', \"BOGUS\""
    ]


def test_a_broken_batch_update_changes_nothing(
    sheets_api: FakeSheetsAPI, book: FakeSpreadsheet, client: SheetsHTTPClient
) -> None:
    url = SPREADSHEET_BATCH_UPDATE_URL % KEY
    typo = {"addSheet": {"properties": {"title": "New", "gridProperty": {"frozenRowCount": 1}}}}
    error = refused(client, "post", url, json={"requests": [typo]})
    assert error["status"] == "INVALID_ARGUMENT"
    assert 'Unknown name "gridProperty"' in error["message"]
    error = refused(client, "post", url, json={"request": [{"addSheet": {}}]})
    assert 'Unknown name "request"' in error["message"]
    assert [s.title for s in book.sheets] == ["Sheet1", "My sheet"]
    assert sheets_api.batch_updates == [] and len(sheets_api.take_violations()) == 3


def test_an_unknown_path_is_404(
    sheets_api: FakeSheetsAPI, book: FakeSpreadsheet, client: SheetsHTTPClient
) -> None:
    error = refused(client, "get", SPREADSHEET_URL % KEY + "/values:batchGets")
    assert (error["code"], error["status"]) == (404, "NOT_FOUND")
    assert len(sheets_api.take_violations()) == 1


def test_a_valid_request_the_fake_cannot_do_is_501_not_a_silent_success(
    sheets_api: FakeSheetsAPI, book: FakeSpreadsheet, client: SheetsHTTPClient
) -> None:
    banding = {"addBanding": {"bandedRange": {"range": {"sheetId": 0}}}}
    error = refused(
        client, "post", SPREADSHEET_BATCH_UPDATE_URL % KEY, json={"requests": [banding]}
    )
    assert (error["code"], error["status"]) == (501, "UNIMPLEMENTED")
    assert "addBanding" in error["message"]
    assert sheets_api.take_violations() == []  # Google would take it: not the client's fault


def test_an_answer_of_the_fake_outside_the_response_schema_is_a_violation(
    sheets_api: FakeSheetsAPI,
    book: FakeSpreadsheet,
    client: SheetsHTTPClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = FakeSpreadsheet.json
    monkeypatch.setattr(FakeSpreadsheet, "json", lambda self: {**real(self), "sheetz": []})
    get(client)
    (violation,) = sheets_api.take_violations()
    assert violation.startswith("the fake's answer to spreadsheets.get: sheetz: ")


# --- answers shaped like Google's ----------------------------------------------------------------


def test_fields_selects_the_metadata_google_gives(
    book: FakeSpreadsheet, client: SheetsHTTPClient
) -> None:
    book.sheets[0].merge("A1:B1")
    assert get(client, fields="sheets.properties.title") == {
        "sheets": [{"properties": {"title": "Sheet1"}}, {"properties": {"title": "My sheet"}}]
    }
    assert get(client, fields="spreadsheetId,sheets(merges,properties/sheetId)") == {
        "spreadsheetId": KEY,
        "sheets": [
            {
                "properties": {"sheetId": book.sheets[0].sheet_id},
                "merges": [
                    {
                        "sheetId": book.sheets[0].sheet_id,
                        "startRowIndex": 0,
                        "endRowIndex": 1,
                        "startColumnIndex": 0,
                        "endColumnIndex": 2,
                    }
                ],
            },
            {"properties": {"sheetId": book.sheets[1].sheet_id}},
        ],
    }
    whole = get(client)
    assert set(whole) == {"spreadsheetId", "properties", "sheets", "spreadsheetUrl"}
    assert whole["sheets"][0]["properties"]["gridProperties"] == {
        "rowCount": 1000,
        "columnCount": 26,
    }


@pytest.mark.parametrize(
    ("a1", "answer_range", "rows"),
    [
        ("'Sheet1'!B1:B1", "Sheet1!B1", [["b1"]]),
        ("Sheet1!B2", "Sheet1!B2", None),  # an empty cell: no values at all
        ("Sheet1!A2:C4", "Sheet1!A2:C4", [["a2", "", "c2"], [], ["a4"]]),
        ("Sheet1!B:C", "Sheet1!B1:C1000", [["b1", "c1"], ["", "c2"]]),
        ("Sheet1!2:4", "Sheet1!A2:Z4", [["a2", "", "c2"], [], ["a4"]]),
        ("Sheet1!C1:C", "Sheet1!C1:C1000", [["c1"], ["c2"]]),
        ("B1:C1", "Sheet1!B1:C1", [["b1", "c1"]]),  # no sheet: the first one
        ("'My sheet'", "'My sheet'!A1:Z1000", [["x", 1, True]]),
        ("'My sheet'!A1:Z1", "'My sheet'!A1:Z1", [["x", 1, True]]),
    ],
)
def test_a1_ranges_answer_only_the_cells_asked_for(
    book: FakeSpreadsheet,
    client: SheetsHTTPClient,
    a1: str,
    answer_range: str,
    rows: list[list[Any]] | None,
) -> None:
    (answer,) = values(client, a1, valueRenderOption="UNFORMATTED_VALUE")
    assert answer["range"] == answer_range
    assert answer.get("values") == rows


def test_values_get_reads_one_range_like_batch_get(
    book: FakeSpreadsheet, client: SheetsHTTPClient
) -> None:
    url = SPREADSHEET_VALUES_URL % (KEY, quote("'Sheet1'!A1:B2", safe=""))
    answer = client.request("get", url).json()
    assert answer == {
        "range": "Sheet1!A1:B2",
        "majorDimension": "ROWS",
        "values": [["a1", "b1"], ["a2"]],
    }


def test_major_dimension_columns_answers_column_by_column(
    book: FakeSpreadsheet, client: SheetsHTTPClient
) -> None:
    (answer,) = values(client, "Sheet1!A1:C4", majorDimension="COLUMNS")
    assert answer["majorDimension"] == "COLUMNS"
    assert answer["values"] == [["a1", "a2", "", "a4"], ["b1"], ["c1", "c2"]]


@pytest.mark.parametrize(
    "a1", ["Sheet1!A1:AA1", "Sheet1!A1001", "Nope!A1", "'Sheet1", "Sheet1!A1:B2:C3"]
)
def test_ranges_beyond_the_grid_or_unreadable_are_refused(
    sheets_api: FakeSheetsAPI, book: FakeSpreadsheet, client: SheetsHTTPClient, a1: str
) -> None:
    error = refused(client, "get", SPREADSHEET_VALUES_BATCH_URL % KEY, params={"ranges": a1})
    assert error["code"] == 400
    assert "exceeds grid limits" in error["message"] or "Unable to parse range" in error["message"]
    assert sheets_api.take_violations() == []  # well-formed requests: Google answers 400 itself


# --- field masks in updates ---------------------------------------------------------------------


def test_update_sheet_properties_changes_only_the_masked_fields(
    book: FakeSpreadsheet, client: SheetsHTTPClient
) -> None:
    sheet = book.sheets[0]
    given = {
        "sheetId": sheet.sheet_id,
        "title": "Renamed",
        "gridProperties": {"frozenRowCount": 2, "columnCount": 5},
        "tabColorStyle": {"rgbColor": {"red": 1}},
    }
    update(
        client,
        {
            "updateSheetProperties": {
                "properties": given,
                "fields": "gridProperties.frozenRowCount,tabColorStyle",
            }
        },
    )
    sheet = book.sheet("Sheet1")  # a batch is applied to a copy, then kept whole
    assert (sheet.title, sheet.frozen_rows, sheet.column_count) == ("Sheet1", 2, 26)
    props = get(client, fields="sheets.properties")["sheets"][0]["properties"]
    assert props["tabColorStyle"] == {"rgbColor": {"red": 1}}
    # a masked field the body leaves out is cleared
    update(
        client,
        {
            "updateSheetProperties": {
                "properties": {"sheetId": sheet.sheet_id},
                "fields": "gridProperties.frozenRowCount",
            }
        },
    )
    assert book.sheet("Sheet1").frozen_rows == 0


def test_repeat_cell_keeps_what_its_mask_leaves_out(
    book: FakeSpreadsheet, client: SheetsHTTPClient
) -> None:
    sheet = book.sheets[0]
    sheet.formats[(0, 0)] = {"textFormat": {"bold": True}}
    cell = {
        "userEnteredValue": {"stringValue": "ignored"},
        "userEnteredFormat": {"numberFormat": {"type": "DATE", "pattern": "dd/mm/yyyy"}},
    }
    box = {
        "sheetId": sheet.sheet_id,
        "startRowIndex": 0,
        "endRowIndex": 2,
        "startColumnIndex": 0,
        "endColumnIndex": 1,
    }
    update(
        client,
        {"repeatCell": {"range": box, "cell": cell, "fields": "userEnteredFormat.numberFormat"}},
    )
    sheet = book.sheet("Sheet1")
    assert sheet.formats[(0, 0)] == {
        "textFormat": {"bold": True},
        "numberFormat": {"type": "DATE", "pattern": "dd/mm/yyyy"},
    }
    assert sheet.formats[(1, 0)] == {"numberFormat": {"type": "DATE", "pattern": "dd/mm/yyyy"}}
    assert (sheet.cells[(0, 0)], sheet.cells[(1, 0)]) == ("a1", "a2")  # values not in the mask


def test_update_cells_over_a_range_clears_what_the_rows_do_not_cover(
    book: FakeSpreadsheet, client: SheetsHTTPClient
) -> None:
    sheet = book.sheets[0]
    box = {
        "sheetId": sheet.sheet_id,
        "startRowIndex": 0,
        "endRowIndex": 2,
        "startColumnIndex": 0,
        "endColumnIndex": 3,
    }
    rows = [{"values": [{"userEnteredValue": {"numberValue": 5}}, {"note": "n"}]}]
    update(client, {"updateCells": {"range": box, "rows": rows, "fields": "userEnteredValue,note"}})
    sheet = book.sheet("Sheet1")
    assert {at: v for at, v in sheet.cells.items() if at[0] < 2} == {(0, 0): 5}
    assert sheet.cell_extras == {(0, 1): {"note": "n"}}
    assert sheet.cells[(3, 0)] == "a4"  # outside the range
    # with start instead of range, only the cells given are touched
    start = {"sheetId": sheet.sheet_id, "rowIndex": 3, "columnIndex": 1}
    rows = [{"values": [{"userEnteredValue": {"formulaValue": "=A1*2"}}]}]
    update(client, {"updateCells": {"start": start, "rows": rows, "fields": "*"}})
    sheet = book.sheet("Sheet1")
    assert sheet.cells[(3, 0)] == "a4" and sheet.cells[(3, 1)] == "=A1*2"
    (answer,) = values(client, "Sheet1!B4", valueRenderOption="FORMULA")
    assert answer["values"] == [["=A1*2"]]


# --- chart sheets and merged cells --------------------------------------------------------------


def test_a_chart_sheet_has_no_grid_and_its_id_and_title_are_taken(
    sheets_api: FakeSheetsAPI, book: FakeSpreadsheet, client: SheetsHTTPClient
) -> None:
    book.add_chart_sheet("Chart1", 1001)
    sheet = get(client, fields="sheets(properties,charts)")["sheets"][2]
    assert sheet["properties"] == {
        "sheetId": 1001,
        "title": "Chart1",
        "index": 2,
        "sheetType": "OBJECT",
    }
    assert sheet["charts"][0]["position"] == {"sheetId": 1001}
    url = SPREADSHEET_BATCH_UPDATE_URL % KEY
    same_id = {"addSheet": {"properties": {"sheetId": 1001, "title": "Other"}}}
    error = refused(client, "post", url, json={"requests": [same_id]})
    assert error["message"] == (
        "Invalid requests[0].addSheet: It is an error to specify the ID of a sheet that already "
        "exists: 1001"
    )
    same_title = {"addSheet": {"properties": {"sheetId": 5, "title": "chart1"}}}
    error = refused(client, "post", url, json={"requests": [same_title]})
    assert 'A sheet with the name "chart1" already exists' in error["message"]
    error = refused(client, "get", SPREADSHEET_VALUES_BATCH_URL % KEY, params={"ranges": "Chart1"})
    assert error["message"] == "Unable to parse range: Chart1"
    cells = {"repeatCell": {"range": {"sheetId": 1001}, "cell": {}, "fields": "note"}}
    error = refused(client, "post", url, json={"requests": [cells]})
    assert error["message"] == "Invalid requests[0].repeatCell: No grid with id: 1001"
    assert sheets_api.take_violations() == []


def test_merged_cells_keep_only_the_top_left_value(
    book: FakeSpreadsheet, client: SheetsHTTPClient
) -> None:
    sheet = book.sheets[0]
    box = {
        "sheetId": sheet.sheet_id,
        "startRowIndex": 0,
        "endRowIndex": 2,
        "startColumnIndex": 2,
        "endColumnIndex": 3,
    }
    update(client, {"mergeCells": {"range": box, "mergeType": "MERGE_ALL"}})
    assert book.sheet("Sheet1").merges == [box]
    (answer,) = values(client, "Sheet1!C1:C2")
    assert answer["values"] == [["c1"]]
    assert get(client, fields="sheets.merges")["sheets"] == [{"merges": [box]}, {}]
    update(client, {"unmergeCells": {"range": box}})
    assert book.sheet("Sheet1").merges == []


def test_conditional_formats_and_protected_ranges_are_kept_on_their_sheet(
    book: FakeSpreadsheet, client: SheetsHTTPClient
) -> None:
    sheet_id = book.sheets[1].sheet_id
    column = {"sheetId": sheet_id, "startRowIndex": 1, "startColumnIndex": 2, "endColumnIndex": 3}
    rule = {
        "ranges": [column],
        "booleanRule": {
            "condition": {"type": "TEXT_EQ", "values": [{"userEnteredValue": "Overdue"}]},
            "format": {"textFormat": {"bold": True}},
        },
    }
    header = {"sheetId": sheet_id, "startRowIndex": 0, "endRowIndex": 1}
    answer = update(
        client,
        {"addConditionalFormatRule": {"rule": rule, "index": 0}},
        {"addProtectedRange": {"protectedRange": {"range": header, "warningOnly": True}}},
    )
    assert answer["replies"] == [
        {},
        {
            "addProtectedRange": {
                "protectedRange": {"range": header, "warningOnly": True, "protectedRangeId": 1}
            }
        },
    ]
    sheet = get(client, fields="sheets(conditionalFormats,protectedRanges)")["sheets"][1]
    assert sheet["conditionalFormats"] == [rule]
    assert sheet["protectedRanges"] == [
        {"range": header, "warningOnly": True, "protectedRangeId": 1}
    ]


# --- the fixture ---------------------------------------------------------------------------------

SWALLOWED = """
from tests.gsheet_fixtures import KEY, READER, clock, no_external_network, sa_file, settings, sheets_api
from tracker.sources.google_api import WRITE_SCOPES, connect


def test_code_that_swallows_googles_refusal(sheets_api, sa_file, settings):
    sheets_api.add_spreadsheet(KEY, {"Sheet1": []}, shared_with={READER: "reader"})
    api, _ = connect(str(sa_file), WRITE_SCOPES, settings)
    try:
        api.request("get", "https://sheets.googleapis.com/v4/spreadsheets/" + KEY,
                    params={"fields": "sheets.nosuchfield"})
    except Exception:
        pass  # the code under test caught the 400: the test must fail all the same
"""


def test_a_test_whose_request_google_would_refuse_fails_even_if_the_error_was_caught(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_swallowed=SWALLOWED)
    run = pytester.runpytest_inprocess("-q", "-p", "no:cacheprovider")
    run.assert_outcomes(passed=1, errors=1)
    run.stdout.fnmatch_lines(
        [
            "*requests Google's Sheets API v4 would refuse:*",
            "*GET /v4/spreadsheets/*: fields: Invalid field selection sheets.nosuchfield*",
        ]
    )
