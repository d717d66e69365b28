"""The checker of requests against Google's Sheets API v4 discovery document (tests/fakes).

Each broken request here is one the fake used to answer 200: the checker must name what is wrong
and where. Every request the tracker builds must pass.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from tests.fakes.discovery import DISCOVERY_FILE, Discovery, mask_tree, parse_mask
from tracker.registry import all_frameworks
from tracker.sources.gsheet import (
    METADATA_FIELDS,
    VALUE_PARAMS,
    _add_sheet,
    _prepare_existing,
    _template_requests,
)

KEY = "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-xyzw"
META = f"/v4/spreadsheets/{KEY}"
BATCH_GET = f"/v4/spreadsheets/{KEY}/values:batchGet"
BATCH_UPDATE = f"/v4/spreadsheets/{KEY}:batchUpdate"


@pytest.fixture(scope="module")
def discovery() -> Discovery:
    return Discovery.load()


def problems(
    discovery: Discovery, method: str, path: str, query: Any, body: Any = None
) -> list[str]:
    return [str(v) for v in discovery.check(method, path, query, body).violations]


def batch(*requests: dict[str, Any]) -> dict[str, Any]:
    return {"requests": list(requests)}


def valid_template() -> list[dict[str, Any]]:
    """What ``tracker init`` sends for England SCR into an empty spreadsheet."""
    framework = next(f for f in all_frameworks() if f.id == "england-scr")
    return [_add_sheet(framework, 1001), *_template_requests(framework, 1001)]


def test_the_document_is_googles_revision_kept_in_the_tests() -> None:
    doc = json.loads(DISCOVERY_FILE.read_text(encoding="utf-8"))
    assert (doc["id"], doc["revision"]) == ("sheets:v4", "20240730")
    assert "tests/data/google" in DISCOVERY_FILE.as_posix()


# --- the broken requests the fake used to accept ---------------------------------------------


def test_an_enum_value_google_does_not_have_is_refused(discovery: Discovery) -> None:
    query = {"ranges": ["'Sheet1'"], "valueRenderOption": ["BOGUS"]}
    assert problems(discovery, "GET", BATCH_GET, query) == [
        "valueRenderOption: Invalid value at 'valueRenderOption', \"BOGUS\""
    ]


def test_an_unknown_query_parameter_is_refused(discovery: Discovery) -> None:
    found = problems(discovery, "GET", BATCH_GET, {"ranges": ["A1"], "valueRenderOptions": ["X"]})
    assert len(found) == 1
    assert found[0].startswith("valueRenderOptions: Invalid JSON payload received. Unknown name")


def test_a_fields_mask_naming_no_field_of_the_response_is_refused(discovery: Discovery) -> None:
    query = {"fields": ["spreadsheetId,sheets.nosuchfield"]}
    assert problems(discovery, "GET", META, query) == [
        "fields: Invalid field selection sheets.nosuchfield: no field 'nosuchfield' in sheets"
    ]


def test_a_typo_in_an_add_sheet_body_is_refused(discovery: Discovery) -> None:
    bad = copy.deepcopy(valid_template())
    grid = bad[0]["addSheet"]["properties"].pop("gridProperties")
    bad[0]["addSheet"]["properties"]["gridProperty"] = grid
    found = problems(discovery, "POST", BATCH_UPDATE, {}, batch(*bad))
    assert found == [
        "requests[0].addSheet.properties.gridProperty: Invalid JSON payload received. Unknown "
        "name \"gridProperty\" at 'requests[0].addSheet.properties': Cannot find field."
    ]


def test_request_instead_of_requests_is_refused(discovery: Discovery) -> None:
    found = problems(discovery, "POST", BATCH_UPDATE, {}, {"request": valid_template()})
    assert found[0].startswith('request: Invalid JSON payload received. Unknown name "request"')
    assert found[1] == "Must specify at least one request."


def test_a_condition_type_google_does_not_have_is_refused(discovery: Discovery) -> None:
    bad = copy.deepcopy(valid_template())
    rule = next(r for r in bad if "setDataValidation" in r)["setDataValidation"]["rule"]
    rule["condition"]["type"] = "ONE_OF_LISTS"
    index = bad.index(next(r for r in bad if "setDataValidation" in r))
    assert problems(discovery, "POST", BATCH_UPDATE, {}, batch(*bad)) == [
        f"requests[{index}].setDataValidation.rule.condition.type: "
        'Invalid value (TYPE_ENUM), "ONE_OF_LISTS"'
    ]


def test_a_boolean_sent_as_a_string_is_refused(discovery: Discovery) -> None:
    bad = copy.deepcopy(valid_template())
    index = bad.index(next(r for r in bad if "setDataValidation" in r))
    bad[index]["setDataValidation"]["rule"]["strict"] = "false"
    assert problems(discovery, "POST", BATCH_UPDATE, {}, batch(*bad)) == [
        f'requests[{index}].setDataValidation.rule.strict: Invalid value (TYPE_BOOL), "false"'
    ]


@pytest.mark.parametrize(
    ("request_", "expected"),
    [
        (  # the root is implied: naming it is an unknown field
            {
                "updateSheetProperties": {
                    "properties": {"sheetId": 1, "gridProperties": {"frozenRowCount": 1}},
                    "fields": "properties.gridProperties.frozenRowCount",
                }
            },
            "requests[0].updateSheetProperties.fields: Invalid field selection "
            "properties.gridProperties.frozenRowCount: no field 'properties'",
        ),
        (
            {
                "updateSheetProperties": {
                    "properties": {"sheetId": 1, "gridProperties": {"frozenRowCount": 1}},
                    "fields": "gridProperties.frozenRows",
                }
            },
            "requests[0].updateSheetProperties.fields: Invalid field selection "
            "gridProperties.frozenRows: no field 'frozenRows' in gridProperties",
        ),
        (
            {
                "repeatCell": {
                    "range": {"sheetId": 1},
                    "cell": {"userEnteredFormat": {"numberFormat": {"type": "DATE"}}},
                    "fields": "userEnteredFormat.numberFormats",
                }
            },
            "requests[0].repeatCell.fields: Invalid field selection "
            "userEnteredFormat.numberFormats: no field 'numberFormats' in userEnteredFormat",
        ),
        (  # the root of updateCells' mask is CellData, not the request's rows
            {
                "updateCells": {
                    "start": {"sheetId": 1},
                    "rows": [{"values": [{"userEnteredValue": {"stringValue": "x"}}]}],
                    "fields": "rows.values.userEnteredValue",
                }
            },
            "requests[0].updateCells.fields: Invalid field selection rows.values.userEnteredValue: "
            "no field 'rows'",
        ),
        (  # a list may only end a path
            {
                "updateCells": {
                    "start": {"sheetId": 1},
                    "rows": [],
                    "fields": "textFormatRuns.format",
                }
            },
            "requests[0].updateCells.fields: Invalid field selection textFormatRuns.format: "
            "textFormatRuns is a list: it can only end a path",
        ),
        (
            {"repeatCell": {"range": {"sheetId": 1}, "cell": {"note": "x"}}},
            "requests[0].repeatCell.fields: At least one field must be specified.",
        ),
        (
            {"repeatCell": {"range": {"sheetId": 1}, "cell": {}, "fields": "note,,"}},
            "requests[0].repeatCell.fields: Invalid field mask 'note,,': "
            "a field name is missing at 5",
        ),
    ],
)
def test_bogus_field_masks_in_update_requests_are_refused(
    discovery: Discovery, request_: dict[str, Any], expected: str
) -> None:
    assert problems(discovery, "POST", BATCH_UPDATE, {}, batch(request_)) == [expected]


def test_a_request_sets_exactly_one_kind(discovery: Discovery) -> None:
    two = {"addSheet": {"properties": {"title": "A"}}, "deleteSheet": {"sheetId": 3}}
    found = problems(discovery, "POST", BATCH_UPDATE, {}, batch(two, {}))
    assert found == [
        "requests[0]: Invalid JSON payload received. Oneof field 'kind' is already set. "
        "Cannot set 'deleteSheet' (also set: 'addSheet')",
        "requests[1]: No request kind set: set exactly one",
    ]


def test_update_cells_takes_start_or_range_not_both(discovery: Discovery) -> None:
    both = {
        "updateCells": {
            "start": {"sheetId": 1},
            "range": {"sheetId": 1},
            "rows": [],
            "fields": "note",
        }
    }
    found = problems(discovery, "POST", BATCH_UPDATE, {}, batch(both))
    assert len(found) == 1 and found[0].startswith("requests[0].updateCells: ")
    assert "Cannot set 'range'" in found[0]


@pytest.mark.parametrize(
    ("method", "path", "query", "expected"),
    [
        ("GET", BATCH_UPDATE, {}, f"GET is not allowed on {BATCH_UPDATE}"),
        ("POST", META, {}, f"POST is not allowed on {META}"),
        (
            "GET",
            f"/v4/spreadsheets/{KEY}/value:batchGet",
            {},
            f"no method of the Sheets API v4 has the path /v4/spreadsheets/{KEY}/value:batchGet",
        ),
        (
            "GET",
            META,
            {"includeGridData": ["yes"]},
            "includeGridData: Invalid value at 'includeGridData' (TYPE_BOOL), \"yes\"",
        ),
        (
            "GET",
            BATCH_GET,
            {"ranges": ["A1"], "majorDimension": ["ROWS", "COLUMNS"]},
            "majorDimension: given 2 times; it takes one value",
        ),
    ],
)
def test_paths_methods_and_parameter_types_are_checked(
    discovery: Discovery, method: str, path: str, query: dict[str, list[str]], expected: str
) -> None:
    assert problems(discovery, method, path, query) == [expected]


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        (7, True),
        ("7", True),
        (7.0, True),
        (7.5, False),
        (True, False),
        ("seven", False),
        (2**31, False),
    ],
)
def test_integers_are_read_as_proto3_json_reads_them(
    discovery: Discovery, value: Any, ok: bool
) -> None:
    body = batch({"deleteSheet": {"sheetId": value}})
    assert (problems(discovery, "POST", BATCH_UPDATE, {}, body) == []) is ok


def test_a_body_sent_to_a_method_that_takes_none_is_refused(discovery: Discovery) -> None:
    assert problems(discovery, "GET", META, {}, {"requests": []}) == [
        "spreadsheets.get takes no request body"
    ]


# --- what the tracker sends passes --------------------------------------------------------------


def test_every_request_the_tracker_builds_passes(discovery: Discovery) -> None:
    assert problems(discovery, "GET", META, {"fields": [METADATA_FIELDS]}) == []
    params = {name: [value] for name, value in VALUE_PARAMS.items()}
    assert problems(discovery, "GET", BATCH_GET, {**params, "ranges": ["'A b'", "'C'"]}) == []
    requests: list[dict[str, Any]] = []
    for i, framework in enumerate(all_frameworks()):
        sheet_id = 1001 + i
        existing = {"sheetId": sheet_id, "gridProperties": {"rowCount": 10, "columnCount": 3}}
        requests += [_add_sheet(framework, sheet_id), *_prepare_existing(framework, existing)]
        requests += _template_requests(framework, sheet_id)
    assert len(requests) > 50
    assert problems(discovery, "POST", BATCH_UPDATE, {}, batch(*requests)) == []


def test_field_masks_take_google_syntax(discovery: Discovery) -> None:
    ok = [
        "sheets(properties(sheetId,title,sheetType),merges)",
        "sheets/properties/title,spreadsheetId",
        "sheets.properties,sheets.merges,properties.title",
        "*",
        "sheets/*",
    ]
    for mask in ok:
        assert problems(discovery, "GET", META, {"fields": [mask]}) == [], mask
    assert parse_mask("a,b.c,d(e,f/g)") == [("a",), ("b", "c"), ("d", "e"), ("d", "f", "g")]
    assert mask_tree(parse_mask("sheets.properties.title,sheets.properties")) == {
        "sheets": {"properties": None}
    }
    with pytest.raises(ValueError, match="not closed"):
        parse_mask("sheets(properties")


def test_the_checker_knows_every_request_kind_of_the_document(discovery: Discovery) -> None:
    """Generic over the document: no list of today's kinds, so new kinds are checked too."""
    kinds = discovery.schemas["Request"]["properties"]
    assert len(kinds) > 60 and {"addProtectedRange", "addConditionalFormatRule"} <= set(kinds)
    for kind in kinds:
        found = problems(discovery, "POST", BATCH_UPDATE, {}, batch({kind: {}}))
        assert not [f for f in found if "Unknown name" in f or "Oneof" in f], (kind, found)
    # every update request's mask has a known root
    masked = {
        name
        for name, schema in discovery.schemas.items()
        if any(p.get("format") == "google-fieldmask" for p in schema.get("properties", {}).values())
    }
    assert masked == set(discovery.mask_targets) and len(masked) >= 16
    # and a mistake inside one of tomorrow's kinds is caught like today's
    protect = {
        "addProtectedRange": {
            "protectedRange": {"range": {"sheetId": 1}, "warningOnly": "yes", "editor": {}}
        }
    }
    found = problems(discovery, "POST", BATCH_UPDATE, {}, batch(protect))
    assert found == [
        'requests[0].addProtectedRange.protectedRange.warningOnly: Invalid value (TYPE_BOOL), "yes"',
        "requests[0].addProtectedRange.protectedRange.editor: Invalid JSON payload received. "
        "Unknown name \"editor\" at 'requests[0].addProtectedRange.protectedRange': Cannot find "
        "field.",
    ]
