"""The ``Tracker`` tab of a Google Sheet: the whole rewrite in one ``batchUpdate``.

The refresh has just read the spreadsheet's metadata (every sheet's id and title), so writing
costs one more request and nothing else: the tab, if the tracker made it before, is deleted and
added again under the same id and at the same place, with a warning-only protection, its values
and formats, status colours, a frozen header and a filter. Google applies a batch all or nothing,
so officers never see half a rewrite, and no request in it touches any other sheet.

The tab has a fixed sheet id, so the tracker knows its own tab from a sheet an officer happened to
call ``Tracker``: that one is never deleted or written to (one clear line says to rename it).
Text goes in as ``stringValue`` (never parsed as a formula); a link is a text format of the
cell, ``#gid=…&range=H10``, built from the sheet id and cell address, never from cell text.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from gspread.exceptions import APIError

from tracker.output.publish.content import (
    COLUMNS,
    HEADER_ROWS,
    PROBLEM,
    PROBLEM_COLOURS,
    STATUS_COLOURS,
    TITLE,
    WIDTHS,
    Cell,
    Content,
)
from tracker.sources.base import SourceError
from tracker.sources.google_api import WRITE_SCOPES, GSheetSettings, ServiceAccount, connect

#: the Tracker tab's sheet id in every spreadsheet (Google's own ids are random; this one is ours)
TAB_ID = 1_270_215_015
PROTECTION = "Rewritten by the case review tracker: change the data on the review sheets instead."
DATE_PATTERN = "dd/mm/yyyy"
#: rows kept below the table so a filter or a glance has room
SPARE_ROWS = 20
_EPOCH = date(1899, 12, 30)


class PublishError(Exception):
    """The tab was not written; the message is one line naming the source and what to do."""

    def __init__(self, message: str, *, refused: bool = False) -> None:
        super().__init__(message)
        #: Google refused the change (no write access): not worth retrying until data changes
        self.refused = refused


def _rgb(hex_text: str) -> dict[str, float]:
    return {
        "red": int(hex_text[0:2], 16) / 255,
        "green": int(hex_text[2:4], 16) / 255,
        "blue": int(hex_text[4:6], 16) / 255,
    }


def _serial(day: date) -> int:
    return (day - _EPOCH).days


def _cell(item: Cell, gids: dict[str, int]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    fmt: dict[str, Any] = {"verticalAlignment": "TOP"}
    if item.kind == "date" and isinstance(item.value, date):
        out["userEnteredValue"] = {"numberValue": _serial(item.value)}
        fmt["numberFormat"] = {"type": "DATE", "pattern": DATE_PATTERN}
    elif isinstance(item.value, int):
        out["userEnteredValue"] = {"numberValue": item.value}
    elif item.value is not None:
        out["userEnteredValue"] = {"stringValue": str(item.value)}
    if item.kind == "title":
        fmt["textFormat"] = {"bold": True, "fontSize": 13}
    elif item.kind == "notice":
        fmt["textFormat"] = {"italic": True, "foregroundColor": _rgb("7F0000")}
    elif item.kind == "heading":
        fmt["textFormat"] = {"bold": True}
        fmt["backgroundColor"] = _rgb("D9D9D9")
        fmt["wrapStrategy"] = "WRAP"
    else:
        fmt["wrapStrategy"] = "WRAP"
    if item.link is not None and item.link.sheet in gids:
        uri = f"#gid={gids[item.link.sheet]}&range={item.link.cell}"
        fmt["textFormat"] = {"link": {"uri": uri}, "underline": True}
    out["userEnteredFormat"] = fmt
    return out


def tab_requests(
    content: Content, sheet_ids: dict[int, tuple[str, int]], written_at: datetime
) -> list[dict[str, Any]]:
    """Every request of the rewrite, in order; raises PublishError if ``Tracker`` is not ours."""
    for sheet_id, (title, _) in sheet_ids.items():
        if title.strip().casefold() == TITLE.casefold() and sheet_id != TAB_ID:
            raise PublishError(
                f"{content.source}: the sheet {title!r} was not made by the tracker, so the "
                "tracker leaves it alone: rename it and the tracker adds its own Tracker tab"
            )
    gids = {title: sheet_id for sheet_id, (title, _) in sheet_ids.items()}
    grid = content.grid(written_at)
    rows = len(grid) + SPARE_ROWS
    width = len(COLUMNS)
    out: list[dict[str, Any]] = []
    properties: dict[str, Any] = {
        "sheetId": TAB_ID,
        "title": TITLE,
        "gridProperties": {"rowCount": rows, "columnCount": width, "frozenRowCount": HEADER_ROWS},
    }
    if TAB_ID in sheet_ids:
        out.append({"deleteSheet": {"sheetId": TAB_ID}})
        properties["index"] = sheet_ids[TAB_ID][1]
    out.append({"addSheet": {"properties": properties}})
    whole = {"sheetId": TAB_ID}
    out.append(
        {
            "addProtectedRange": {
                "protectedRange": {"range": whole, "description": PROTECTION, "warningOnly": True}
            }
        }
    )
    out.append(
        {
            "updateCells": {
                "rows": [{"values": [_cell(item, gids) for item in row]} for row in grid],
                "start": {"sheetId": TAB_ID, "rowIndex": 0, "columnIndex": 0},
                "fields": "userEnteredValue,userEnteredFormat",
            }
        }
    )
    status = COLUMNS.index("Status")
    rules: list[tuple[int, str, tuple[str, str]]] = [
        (status, label, colours) for label, colours in STATUS_COLOURS.items()
    ]
    rules.append((COLUMNS.index("What"), PROBLEM, PROBLEM_COLOURS))
    for index, (column, label, (fill, text)) in enumerate(rules):
        out.append(
            {
                "addConditionalFormatRule": {
                    "index": index,
                    "rule": {
                        "ranges": [
                            {
                                "sheetId": TAB_ID,
                                "startRowIndex": HEADER_ROWS,
                                "endRowIndex": rows,
                                "startColumnIndex": column,
                                "endColumnIndex": column + 1,
                            }
                        ],
                        "booleanRule": {
                            "condition": {
                                "type": "TEXT_EQ",
                                "values": [{"userEnteredValue": label}],
                            },
                            "format": {
                                "backgroundColor": _rgb(fill),
                                "textFormat": {"foregroundColor": _rgb(text)},
                            },
                        },
                    },
                }
            }
        )
    out.append(
        {
            "setBasicFilter": {
                "filter": {
                    "range": {
                        "sheetId": TAB_ID,
                        "startRowIndex": HEADER_ROWS - 1,
                        "endRowIndex": max(len(grid), HEADER_ROWS + 1),
                        "startColumnIndex": 0,
                        "endColumnIndex": width,
                    }
                }
            }
        }
    )
    for index, chars in enumerate(WIDTHS):
        out.append(
            {
                "updateDimensionProperties": {
                    "range": {
                        "sheetId": TAB_ID,
                        "dimension": "COLUMNS",
                        "startIndex": index,
                        "endIndex": index + 1,
                    },
                    "properties": {"pixelSize": chars * 7 + 12},
                    "fields": "pixelSize",
                }
            }
        )
    return out


def publish_tab(
    key: str,
    content: Content,
    sheet_ids: dict[int, tuple[str, int]],
    written_at: datetime,
    *,
    credentials: str | None = None,
    settings: GSheetSettings | None = None,
) -> int:
    """Write the tab in one batchUpdate; returns how many requests the batch held."""
    requests = tab_requests(content, sheet_ids, written_at)
    account: ServiceAccount | None = None
    try:
        api, account = connect(credentials, WRITE_SCOPES, settings or GSheetSettings())
        api.batch_update(key, {"requests": requests})
    except APIError as exc:
        raise _explain(content.source, key, exc, account) from None
    except Exception as exc:  # one line, never a traceback
        from tracker.sources.gsheet import _explain as explain_read

        error = explain_read(content.source, key, exc, account)
        raise PublishError(f"the Tracker tab was not written: {error}") from None
    return len(requests)


def _explain(source: str, key: str, exc: APIError, account: ServiceAccount | None) -> PublishError:
    status = exc.response.status_code
    email = account.client_email if account else "the service account"
    if status == 403:
        return PublishError(
            f"{source}: the Tracker tab was not written: the service account {email} may only "
            "read this spreadsheet (share it with that account as Editor to get the tab); "
            "the due dates and problems were read as usual",
            refused=True,
        )
    from tracker.sources.gsheet import _explain as explain_read

    error: SourceError = explain_read(source, key, exc, account)
    return PublishError(f"the Tracker tab was not written: {error}")
