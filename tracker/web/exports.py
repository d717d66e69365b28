"""CSV and XLSX downloads of the lists, safe to open in a spreadsheet program.

Text that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@`` at the start: a review id
typed by anyone) is written as text: quoted with ``'`` in CSV, typed as a string cell in XLSX.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from flask import Response
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

FORMATS = ("csv", "xlsx")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


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
            cell = WriteOnlyCell(ws, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula, whatever the text starts with
            cells.append(cell)
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
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response
