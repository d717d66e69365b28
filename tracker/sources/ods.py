"""What python-calamine does not give for an OpenDocument spreadsheet (.ods): merged ranges and
the date system.

calamine reads an .ods's values but reports no merged ranges, so a board merged down ten rows
would leave nine reviews without one; and an .ods may count serial dates from another day 0
(``table:null-date``). Both are read here from ``content.xml`` in one streaming pass.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import IO
from xml.etree.ElementTree import iterparse

from tracker.tables import RawSheet

_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_T = "{" + _TABLE + "}"
_CELLS = (_T + "table-cell", _T + "covered-table-cell")


def _count(element: object, name: str) -> int:
    value = getattr(element, "attrib", {}).get(_T + name)
    try:
        return max(1, int(value)) if value is not None else 1
    except ValueError:
        return 1


def read_ods_extras(path: Path, sheets: list[RawSheet]) -> None:
    """Fill in each sheet's ``merged`` ranges and ``date1904`` (a null date of 1 Jan 1904)."""
    wanted = {s.title: s for s in sheets}
    try:
        with zipfile.ZipFile(path) as archive, archive.open("content.xml") as content:
            _scan(content, wanted)
    except (KeyError, zipfile.BadZipFile, OSError, SyntaxError):
        return  # the values were read; this is only a helpful extra


def _scan(content: IO[bytes], wanted: dict[str, RawSheet]) -> None:
    sheet: RawSheet | None = None
    row = col = 0
    rows_repeated = 1
    date1904 = False
    for event, element in iterparse(content, events=("start", "end")):
        tag = element.tag
        if event == "start":
            if tag == _T + "table":
                sheet = wanted.get(element.attrib.get(_T + "name", ""))
                row = 0
            elif tag == _T + "table-row":
                rows_repeated = _count(element, "number-rows-repeated")
                col = 0
            elif tag == _T + "null-date":
                date1904 = element.attrib.get(_T + "date-value", "").startswith("1904-01-01")
            continue
        if tag in _CELLS:
            span_rows = _count(element, "number-rows-spanned")
            span_cols = _count(element, "number-columns-spanned")
            if sheet is not None and tag == _T + "table-cell" and (span_rows > 1 or span_cols > 1):
                sheet.merged.append((row + 1, col + 1, row + span_rows, col + span_cols))
            col += _count(element, "number-columns-repeated")
            element.clear()
        elif tag == _T + "table-row":
            row += rows_repeated
            element.clear()
        elif tag == _T + "table":
            sheet = None
            element.clear()
    if date1904:
        for s in wanted.values():
            s.date1904 = True


__all__ = ["read_ods_extras"]
