"""Google Sheets as a source: read framework sheets, and add missing ones for ``tracker init``.

A refresh costs two requests: the spreadsheet's metadata (sheet titles, ids and merged ranges),
then one ``values:batchGet`` for every framework sheet, asking for unformatted values and
serial-number dates so nothing depends on the sheet's locale. Serial numbers go to validation as numbers, exactly
as Excel's do, and become dates there. Every failure becomes one ``SourceError`` line; a
spreadsheet with no framework sheet comes back with no sheets, so the pipeline reports it in the
same words as for an Excel file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import requests
from google.auth import exceptions as auth_exceptions
from gspread.exceptions import APIError

from tracker.model import Field, FieldType, Framework
from tracker.sources.base import SourceError
from tracker.sources.google_api import (
    READ_SCOPES,
    WRITE_SCOPES,
    GoogleAccessError,
    GSheetSettings,
    ServiceAccount,
    SheetsHTTPClient,
    connect,
)
from tracker.tables import RawSheet, RawWorkbook

_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
_URL_KEY = re.compile(r"docs\.google\.com/spreadsheets/(?:u/\d+/)?d/([^/?#]+)")
_A1_START = re.compile(r"!\$?([A-Z]+)\$?(\d+)")
#: only what the reader uses: titles, ids and visibility of each sheet, and its merged ranges
#: (the values API gives a merged block's value only in its top-left cell)
METADATA_FIELDS = "spreadsheetId,properties.title,sheets.properties,sheets.merges"
VALUE_PARAMS: dict[str, str] = {
    "valueRenderOption": "UNFORMATTED_VALUE",
    "dateTimeRenderOption": "SERIAL_NUMBER",
    "majorDimension": "ROWS",
}
#: rows a new framework sheet gets dropdowns and date formats for
TEMPLATE_ROWS = 1000
UK_DATE_PATTERN = "dd/mm/yyyy"
#: what a sheet that is not a grid is, in words (Sheets API ``sheetType``)
_SHEET_KINDS = {"OBJECT": "a chart", "DATA_SOURCE": "a connected data source"}

__all__ = [
    "GSheetSettings",
    "InitOutcome",
    "init_gsheet",
    "read_gsheet",
    "spreadsheet_key",
]


def spreadsheet_key(source: str) -> str:
    """``gsheet:KEY`` or a docs.google.com URL -> KEY."""
    text = source.strip()
    if text.startswith("gsheet:"):
        key = text.removeprefix("gsheet:").strip()
    else:
        match = _URL_KEY.search(text)
        key = match.group(1) if match else ""
    if not _KEY.match(key):
        raise SourceError(
            source,
            "is not a Google Sheet: expected gsheet:KEY or "
            "https://docs.google.com/spreadsheets/d/KEY/edit",
            "gsheet-bad-key",
        )
    return key


def read_gsheet(
    source: str,
    titles: set[str],
    *,
    credentials: str | None = None,
    settings: GSheetSettings | None = None,
) -> RawWorkbook:
    """Read the sheets whose case-folded titles are in ``titles``: metadata + one batchGet."""
    key = spreadsheet_key(source)
    settings = settings or GSheetSettings()
    account: ServiceAccount | None = None
    try:
        api, account = connect(credentials, READ_SCOPES, settings)
        meta = api.fetch_sheet_metadata(key, params={"fields": METADATA_FIELDS})
        props = _grid_sheets(meta)
        wanted = [p for p in props if str(p["title"]).strip().casefold() in titles]
        ranges: list[dict[str, Any]] = []
        if wanted:
            answer = api.values_batch_get(
                key, [quote_title(str(p["title"])) for p in wanted], params=dict(VALUE_PARAMS)
            )
            ranges = list(answer.get("valueRanges", []))
    except SourceError:
        raise
    except Exception as exc:  # every other failure is one line, never a traceback
        raise _explain(source, key, exc, account) from None
    if len(ranges) != len(wanted):
        raise SourceError(
            source,
            f"Google Sheets answered {len(ranges)} ranges for {len(wanted)} sheets",
            "gsheet-failed",
        )
    merges = _merges(meta)
    sheets = [_raw_sheet(p, r) for p, r in zip(wanted, ranges, strict=True)]
    for sheet in sheets:
        sheet.merged = merges.get(sheet.gid, [])
    return RawWorkbook(
        source=source,
        sheets=sheets,
        all_titles=[str(p["title"]) for p in props],
        key=key,
        sheet_ids={
            int(p.get("sheetId", 0)): (str(p["title"]), int(p.get("index", i)))
            for i, p in enumerate(props)
        },
    )


def quote_title(title: str) -> str:
    """A sheet title as an A1 range of the whole sheet (quotes doubled, as Sheets expects)."""
    return "'" + title.replace("'", "''") + "'"


def _all_sheets(meta: Any) -> list[dict[str, Any]]:
    """Every sheet's properties, grid or not (a chart sheet holds an id and a title too)."""
    sheets = meta.get("sheets", []) if isinstance(meta, dict) else []
    props = [s.get("properties", {}) for s in sheets if isinstance(s, dict)]
    return [p for p in props if "title" in p]


def _is_grid(props: dict[str, Any]) -> bool:
    return props.get("sheetType", "GRID") == "GRID"


def _grid_sheets(meta: Any) -> list[dict[str, Any]]:
    return [p for p in _all_sheets(meta) if _is_grid(p)]


def _merges(meta: Any) -> dict[int | None, list[tuple[int, int, int, int]]]:
    """Sheet id -> merged ranges as (first row, first column, last row, last column), 1-based
    and inclusive, from the GridRanges (0-based, end exclusive) in ``sheets.merges``."""
    out: dict[int | None, list[tuple[int, int, int, int]]] = {}
    for sheet in meta.get("sheets", []) if isinstance(meta, dict) else []:
        if not isinstance(sheet, dict):
            continue
        sheet_id = int(sheet.get("properties", {}).get("sheetId", 0))
        for grid in sheet.get("merges", []) or []:
            try:
                block = (
                    int(grid.get("startRowIndex", 0)) + 1,
                    int(grid.get("startColumnIndex", 0)) + 1,
                    int(grid["endRowIndex"]),
                    int(grid["endColumnIndex"]),
                )
            except (KeyError, TypeError, ValueError):
                continue  # an unbounded range is not a merge anyone can make
            out.setdefault(sheet_id, []).append(block)
    return out


def _raw_sheet(props: dict[str, Any], value_range: dict[str, Any]) -> RawSheet:
    """Rows as the API gives them, made rectangular; "" (an empty cell mid-row) becomes None."""
    values = value_range.get("values", [])  # an empty sheet has no "values" at all
    first_row, first_col = 1, 1
    match = _A1_START.search(str(value_range.get("range", "")))
    if match:
        first_col = _column_number(match.group(1))
        first_row = int(match.group(2))
    lead: list[Any] = [None] * (first_col - 1)
    rows = [lead + [None if v == "" else v for v in row] for row in values]
    width = max((len(row) for row in rows), default=0)
    for row in rows:
        row.extend([None] * (width - len(row)))
    return RawSheet(
        title=str(props["title"]),
        rows=rows,
        first_row=first_row,
        hidden=bool(props.get("hidden", False)),
        gid=int(props.get("sheetId", 0)),
    )


def _column_number(letters: str) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + (ord(ch) - 64)
    return number


def _explain(source: str, key: str, exc: Exception, account: ServiceAccount | None) -> SourceError:
    """One clear line for each way Google can refuse."""
    if isinstance(exc, GoogleAccessError):
        return SourceError(source, str(exc), exc.slug)
    if isinstance(exc, auth_exceptions.RefreshError) and getattr(exc, "retryable", False):
        where = f" {account.token_uri}" if account else ""
        return SourceError(
            source,
            f"the token endpoint{where} is unavailable ({_google_reason(exc)})",
            "gsheet-unavailable",
        )
    if isinstance(exc, auth_exceptions.RefreshError):
        where = f" ({account.path})" if account else ""
        return SourceError(
            source,
            f"Google refused the service-account credentials{where}: {_google_reason(exc)}; "
            "the key may be revoked, expired or deleted: create a new key",
            "gsheet-credentials",
        )
    if isinstance(exc, auth_exceptions.TransportError):
        where = f" {account.token_uri}" if account else ""
        return SourceError(
            source,
            f"cannot reach the token endpoint{where}: {_short(str(exc))}",
            "gsheet-unavailable",
        )
    if isinstance(exc, APIError):
        return _explain_status(source, key, exc, account)
    if isinstance(exc, requests.RequestException | ValueError):
        return SourceError(
            source, f"Google Sheets gave no usable answer: {_short(str(exc))}", "gsheet-failed"
        )
    return SourceError(
        source, f"Google Sheets failed: {type(exc).__name__}: {_short(str(exc))}", "gsheet-failed"
    )


def _explain_status(
    source: str, key: str, exc: APIError, account: ServiceAccount | None
) -> SourceError:
    status = exc.response.status_code
    message = str(exc.error.get("message", "")) if isinstance(exc.error, dict) else ""
    email = account.client_email if account else "the service account"
    if status == 403:
        if "insufficient authentication scopes" in message.lower():
            return SourceError(
                source,
                f"Google refused the change: the service account {email} was given read-only "
                "access for this command",
                "gsheet-forbidden",
            )
        if "has not been used" in message or "is disabled" in message:
            return SourceError(
                source,
                "the Google Sheets API is not enabled for the service account's project: "
                f"enable it in the Google Cloud console ({_short(message)})",
                "gsheet-forbidden",
            )
        return SourceError(
            source,
            f"Google refused access (403): share the spreadsheet with the service account "
            f"{email} (Viewer is enough to read)",
            "gsheet-forbidden",
        )
    if status == 404:
        return SourceError(
            source,
            f"no spreadsheet has the key {key} (404): check the key, the part of the link "
            "between /d/ and /edit",
            "gsheet-not-found",
        )
    if status == 401:
        return SourceError(
            source,
            f"Google rejected the access token of {email} (401): the credentials are invalid "
            "or expired",
            "gsheet-credentials",
        )
    detail = f": {_short(message)}" if message else ""
    return SourceError(source, f"Google Sheets answered {status}{detail}", "gsheet-failed")


def _google_reason(exc: auth_exceptions.RefreshError) -> str:
    # RefreshError args: (message, response_data); the message already reads "invalid_grant: ..."
    first = exc.args[0] if exc.args else ""
    return _short(str(first)) or "refused"


def _short(text: str) -> str:
    line = " ".join(text.split())
    return line[:200]


# --- tracker init ------------------------------------------------------------------------------


@dataclass
class InitOutcome:
    """What ``init_gsheet`` did, sheet by sheet."""

    source: str
    #: sheets created with headers, dropdowns and date formats
    added: list[str] = field(default_factory=list)
    #: sheets that existed but were empty: given headers, dropdowns and date formats
    filled: list[str] = field(default_factory=list)
    #: sheets that already hold something: left exactly as they are
    kept: list[str] = field(default_factory=list)
    #: framework sheet titles taken by a sheet that is not a table -> its sheetType: not added
    blocked: dict[str, str] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """What ``tracker init`` prints, one line per sheet."""
        out = [f"{self.source}: added sheet {t!r} with headers and dropdowns" for t in self.added]
        out += [
            f"{self.source}: sheet {t!r} was empty: headers and dropdowns added"
            for t in self.filled
        ]
        out += [f"{self.source}: sheet {t!r} already has content: left as it is" for t in self.kept]
        out += [
            f"{self.source}: sheet {t!r} is {_SHEET_KINDS.get(kind, 'not a grid')}, not a table: "
            "rename that sheet and run init again to add the framework sheet"
            for t, kind in self.blocked.items()
        ]
        return out


def init_gsheet(
    source: str,
    framework_ids: Iterable[str],
    *,
    credentials: str | None = None,
    settings: GSheetSettings | None = None,
) -> InitOutcome:
    """Add each framework's sheet, header row and dropdowns; never write to a cell with content.

    One batchUpdate does all the changes, so a refusal leaves the spreadsheet as it was.
    Unknown framework ids raise ``KeyError`` (a usage error, before anything is sent).
    """
    from tracker.frameworks.registry import get_framework

    frameworks = [get_framework(fid) for fid in dict.fromkeys(framework_ids)]
    key = spreadsheet_key(source)
    settings = settings or GSheetSettings()
    outcome = InitOutcome(source)
    account: ServiceAccount | None = None
    try:
        api, account = connect(credentials, WRITE_SCOPES, settings)
        meta = api.fetch_sheet_metadata(key, params={"fields": METADATA_FIELDS})
        # ids and titles are unique across all sheets, grid or chart: Google refuses a batch
        # that adds a sheet with an id or a title a chart sheet already has
        props = _all_sheets(meta)
        by_title = {str(p["title"]).strip().casefold(): p for p in props}
        existing = [
            by_title[f.sheet.casefold()]
            for f in frameworks
            if f.sheet.casefold() in by_title and _is_grid(by_title[f.sheet.casefold()])
        ]
        empty = _empty_sheets(api, key, existing)
        used_ids = {int(p.get("sheetId", 0)) for p in props}
        requests_: list[dict[str, Any]] = []
        for framework in frameworks:
            found = by_title.get(framework.sheet.casefold())
            if found is not None and not _is_grid(found):
                outcome.blocked[str(found["title"])] = str(found.get("sheetType"))
                continue
            if found is None:
                sheet_id = _free_id(used_ids)
                requests_.append(_add_sheet(framework, sheet_id))
                outcome.added.append(framework.sheet)
            elif int(found.get("sheetId", 0)) in empty:
                sheet_id = int(found["sheetId"])
                requests_.extend(_prepare_existing(framework, found))
                outcome.filled.append(str(found["title"]))
            else:
                outcome.kept.append(str(found["title"]))
                continue
            requests_.extend(_template_requests(framework, sheet_id))
        requests_.extend(_pauses_sheet(outcome, frameworks, by_title, used_ids))
        requests_.extend(_actions_sheet(outcome, by_title, used_ids))
        if requests_:
            api.batch_update(key, {"requests": requests_})
    except SourceError:
        raise
    except Exception as exc:
        raise _explain(source, key, exc, account) from None
    return outcome


def _pauses_sheet(
    outcome: InitOutcome,
    frameworks: list[Framework],
    by_title: dict[str, dict[str, Any]],
    used_ids: set[int],
) -> list[dict[str, Any]]:
    """The optional ``Pauses and extensions`` sheet, added once: headers, drop-downs (Stage lists
    the stage labels of every framework sheet the spreadsheet has), date cells."""
    from tracker.frameworks.registry import all_frameworks
    from tracker.optional.pauses import SPEC, adjustable_stages

    if SPEC.title.casefold() in by_title:
        outcome.kept.append(str(by_title[SPEC.title.casefold()]["title"]))
        return []
    named = {f.id for f in frameworks}
    present = [f for f in all_frameworks() if f.id in named or f.sheet.casefold() in by_title]
    labels = list(dict.fromkeys(f.label(s) for f in present for s in adjustable_stages(f)))
    sheet_id = _free_id(used_ids)
    outcome.added.append(SPEC.title)
    out = [
        {
            "addSheet": {
                "properties": {
                    "sheetId": sheet_id,
                    "title": SPEC.title,
                    "gridProperties": {
                        "rowCount": TEMPLATE_ROWS,
                        "columnCount": 26,
                        "frozenRowCount": 1,
                    },
                }
            }
        }
    ]
    return out + _field_requests(SPEC.fields, sheet_id, {"stage": tuple(labels)})


def _actions_sheet(
    outcome: InitOutcome, by_title: dict[str, dict[str, Any]], used_ids: set[int]
) -> list[dict[str, Any]]:
    """The optional ``Actions`` sheet, added once: headers, the Status drop-down, date cells."""
    from tracker.optional.actions import SPEC

    if SPEC.title.casefold() in by_title:
        outcome.kept.append(str(by_title[SPEC.title.casefold()]["title"]))
        return []
    sheet_id = _free_id(used_ids)
    outcome.added.append(SPEC.title)
    add = {
        "addSheet": {
            "properties": {
                "sheetId": sheet_id,
                "title": SPEC.title,
                "gridProperties": {
                    "rowCount": TEMPLATE_ROWS,
                    "columnCount": 26,
                    "frozenRowCount": 1,
                },
            }
        }
    }
    return [add, *_field_requests(SPEC.fields, sheet_id)]


def _empty_sheets(api: SheetsHTTPClient, key: str, sheets: list[dict[str, Any]]) -> set[int]:
    """Ids of the existing sheets with no value at all (one batchGet for them all)."""
    if not sheets:
        return set()
    answer = api.values_batch_get(
        key, [quote_title(str(p["title"])) for p in sheets], params=dict(VALUE_PARAMS)
    )
    empty: set[int] = set()
    for props, value_range in zip(sheets, answer.get("valueRanges", []), strict=False):
        values = value_range.get("values", [])
        if not any(v not in ("", None) for row in values for v in row):
            empty.add(int(props.get("sheetId", 0)))
    return empty


def _free_id(used: set[int]) -> int:
    candidate = 1001
    while candidate in used:
        candidate += 1
    used.add(candidate)
    return candidate


def _add_sheet(framework: Framework, sheet_id: int) -> dict[str, Any]:
    return {
        "addSheet": {
            "properties": {
                "sheetId": sheet_id,
                "title": framework.sheet,
                "gridProperties": {
                    "rowCount": TEMPLATE_ROWS,
                    "columnCount": max(26, len(framework.all_fields)),
                    "frozenRowCount": 1,
                },
            }
        }
    }


def _prepare_existing(framework: Framework, props: dict[str, Any]) -> list[dict[str, Any]]:
    """An empty existing sheet: freeze the header row and make room for every column."""
    grid = props.get("gridProperties", {})
    wanted: dict[str, Any] = {"frozenRowCount": 1}
    fields = ["gridProperties.frozenRowCount"]
    if int(grid.get("columnCount", 26)) < len(framework.all_fields):
        wanted["columnCount"] = len(framework.all_fields)
        fields.append("gridProperties.columnCount")
    if int(grid.get("rowCount", TEMPLATE_ROWS)) < TEMPLATE_ROWS:
        wanted["rowCount"] = TEMPLATE_ROWS
        fields.append("gridProperties.rowCount")
    return [
        {
            "updateSheetProperties": {
                "properties": {"sheetId": int(props["sheetId"]), "gridProperties": wanted},
                "fields": ",".join(fields),
            }
        }
    ]


def _template_requests(framework: Framework, sheet_id: int) -> list[dict[str, Any]]:
    """Header row in bold, dropdowns for choice and yes/no columns, UK dates for date columns."""
    return _field_requests(framework.all_fields, sheet_id)


def _field_requests(
    fields: tuple[Field, ...], sheet_id: int, lists: dict[str, tuple[str, ...]] | None = None
) -> list[dict[str, Any]]:
    """``lists``: drop-down values for a text column (the pauses sheet's Stage)."""
    lists = lists or {}
    header_cells = [
        {
            "userEnteredValue": {"stringValue": f.header},
            "userEnteredFormat": {"textFormat": {"bold": True}},
        }
        for f in fields
    ]
    out: list[dict[str, Any]] = [
        {
            "updateCells": {
                "rows": [{"values": header_cells}],
                "start": {"sheetId": sheet_id, "rowIndex": 0, "columnIndex": 0},
                "fields": "userEnteredValue,userEnteredFormat.textFormat.bold",
            }
        }
    ]
    for index, f in enumerate(fields):
        column = {
            "sheetId": sheet_id,
            "startRowIndex": 1,
            "endRowIndex": TEMPLATE_ROWS,
            "startColumnIndex": index,
            "endColumnIndex": index + 1,
        }
        if f.type in (FieldType.CHOICE, FieldType.YES_NO) or f.id in lists:
            labels = lists.get(f.id) or (f.choices if f.type is FieldType.CHOICE else ("Yes", "No"))
            out.append(
                {
                    "setDataValidation": {
                        "range": column,
                        "rule": {
                            "condition": {
                                "type": "ONE_OF_LIST",
                                "values": [{"userEnteredValue": label} for label in labels],
                            },
                            "showCustomUi": True,
                            # advisory, as in Excel: validation in the tracker is the real check
                            "strict": False,
                        },
                    }
                }
            )
        elif f.type is FieldType.DATE:
            out.append(
                {
                    "repeatCell": {
                        "range": column,
                        "cell": {
                            "userEnteredFormat": {
                                "numberFormat": {"type": "DATE", "pattern": UK_DATE_PATTERN}
                            }
                        },
                        "fields": "userEnteredFormat.numberFormat",
                    }
                }
            )
    return out
