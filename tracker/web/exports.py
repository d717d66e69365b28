"""CSV and XLSX downloads of the lists, safe to open in a spreadsheet program.

Text that a spreadsheet would run as a formula (a review id typed by anyone) is written as text by
tracker.safe_cells, as every other writer does: quoted with ``'`` in CSV, a string cell in XLSX.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import quote

from flask import Response
from openpyxl import Workbook

from tracker.safe_cells import csv_value, xlsx_value

FORMATS = ("csv", "xlsx")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return csv_value(value)


def to_csv(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow([_csv_cell(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # BOM: Excel then reads UTF-8


def to_xlsx(headers: Sequence[str], rows: Iterable[Sequence[Any]], title: str) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title[:31])
    ws.append(headers)
    for row in rows:
        cells = []
        for value in row:
            if isinstance(value, bool):
                value = "yes" if value else "no"
            cells.append(xlsx_value(ws, value))
        ws.append(cells)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def download(
    fmt: str, name: str, headers: Sequence[str], rows: Iterable[Sequence[Any]], title: str
) -> Response:
    if fmt == "xlsx":
        body, mimetype = to_xlsx(headers, rows, title), XLSX_TYPE
    else:
        body, mimetype = to_csv(headers, rows), "text/csv; charset=utf-8"
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = content_disposition(f"{name}.{fmt}")
    return response


def content_disposition(filename: str) -> str:
    """``attachment`` with an ASCII ``filename`` for old clients and the real name as RFC 5987
    ``filename*`` (a Welsh board's name is not Latin-1: a header must never fail to encode)."""
    fallback = "".join(c if c.isascii() and (c.isalnum() or c in "-_.") else "_" for c in filename)
    encoded = quote(filename, safe="")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"
