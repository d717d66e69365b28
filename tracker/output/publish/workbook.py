"""The companion workbook: the ``Tracker`` sheet for a board that keeps its reviews in Excel.

The officers' own workbook may be open in Excel on a shared drive, so the tracker never writes
into it: it writes ``NAME.tracker.xlsx`` beside it (or into the board's ``publish_dir``), under a
temporary name first and then renamed over the old one, so a reader never sees half a file. Its
links open the source workbook at the cell (``northshire.xlsx#'England SCR'!H10``). Every text
cell is stored as a string (``data_type`` ``s``): a value that starts with ``=`` stays text.
"""

from __future__ import annotations

import os
import tempfile
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet

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
from tracker.output.safe_cells import is_formula_like

SUFFIX = ".tracker.xlsx"
DATE_FORMAT = "dd/mm/yyyy"


def companion_path(source: str | Path, publish_dir: str | Path | None = None) -> Path:
    """``northshire.xlsx`` -> ``northshire.tracker.xlsx``, beside it or in ``publish_dir``."""
    path = Path(source)
    folder = Path(publish_dir) if publish_dir else path.parent
    return folder / f"{path.stem}{SUFFIX}"


def source_target(source: str | Path, companion: Path) -> str:
    """How the companion names its source in a link: relative when they share a drive."""
    src = Path(source).resolve()
    try:
        return os.path.relpath(src, companion.parent.resolve()).replace(os.sep, "/")
    except ValueError:  # another drive (Windows): an absolute path
        return src.as_uri()


def link_target(source_ref: str, sheet: str, cell: str) -> str:
    """``northshire.xlsx#'England SCR'!H10``: the workbook, then the sheet (quoted) and cell."""
    return f"{source_ref}#'{sheet.replace(chr(39), chr(39) * 2)}'!{cell}"


def write_companion(content: Content, path: Path, written_at: datetime) -> Path:
    """Write the companion workbook atomically; returns its path."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = TITLE
    source_ref = source_target(content.source, path)
    grid = content.grid(written_at)
    for r, row in enumerate(grid, start=1):
        for c, item in enumerate(row, start=1):
            _put(sheet, r, c, item, source_ref)
    _style(sheet, len(grid))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        book.save(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _put(sheet: Worksheet, r: int, c: int, item: Cell, source_ref: str) -> None:
    if item.value is None:
        return
    cell = sheet.cell(r, c)
    if item.kind == "date":
        cell.value = item.value
        cell.number_format = DATE_FORMAT
        return
    if isinstance(item.value, int):
        cell.value = item.value
        return
    # Text is text: set after the value so openpyxl never takes "=..." for a formula.
    cell.value = str(item.value)
    cell.data_type = "s"
    if is_formula_like(cell.value):
        cell.quotePrefix = True  # editing it in Excel keeps it text (tracker.output.safe_cells)
    if item.kind in ("heading", "title"):
        cell.font = Font(bold=True, size=13 if item.kind == "title" else 11)
    elif item.kind == "notice":
        cell.font = Font(italic=True, color="7F0000")
    if item.link is not None:
        cell.hyperlink = Hyperlink(
            ref=cell.coordinate, target=link_target(source_ref, item.link.sheet, item.link.cell)
        )
        cell.font = Font(color="0B57D0", underline="single")


def _lines(text: str, width: int) -> int:
    """How many lines ``text`` takes in a column ``width`` characters wide (words kept whole)."""
    lines, used = 1, 0
    for word in text.split():
        if used and used + 1 + len(word) > width:
            lines += 1
            used = len(word)
        else:
            used += len(word) + (1 if used else 0)
    return lines


def _style(sheet: Worksheet, rows: int) -> None:
    last_col = get_column_letter(len(COLUMNS))
    sheet.freeze_panes = f"A{HEADER_ROWS + 1}"
    # printed, it fits the page's width in landscape, the column headings on every page
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.print_title_rows = f"{HEADER_ROWS}:{HEADER_ROWS}"
    for index, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    heading_fill = PatternFill("solid", fgColor="D9D9D9")
    for c in range(1, len(COLUMNS) + 1):
        sheet.cell(HEADER_ROWS, c).fill = heading_fill
    wrap = Alignment(wrap_text=True, vertical="top")
    for row in sheet.iter_rows(min_row=HEADER_ROWS, max_row=max(rows, HEADER_ROWS + 1)):
        lines = 1
        for cell in row:
            cell.alignment = wrap
            if isinstance(cell.value, str):
                lines = max(lines, _lines(cell.value, WIDTHS[cell.column - 1]))
        # Excel and LibreOffice do not grow a row for wrapped text they did not lay out
        # themselves: give each row the height its longest cell needs
        sheet.row_dimensions[row[0].row].height = 15 * lines
    last_row = max(rows, HEADER_ROWS + 1)
    sheet.auto_filter.ref = f"A{HEADER_ROWS}:{last_col}{last_row}"
    status_col = get_column_letter(COLUMNS.index("Status") + 1)
    for label, (fill, text) in STATUS_COLOURS.items():
        sheet.conditional_formatting.add(
            f"{status_col}{HEADER_ROWS + 1}:{status_col}{last_row}",
            CellIsRule(
                operator="equal",
                formula=[f'"{label}"'],  # a fixed label of ours, never a cell's text
                fill=PatternFill("solid", fgColor=fill, bgColor=fill),
                font=Font(color=text),
            ),
        )
    fill, text = PROBLEM_COLOURS
    sheet.conditional_formatting.add(
        f"A{HEADER_ROWS + 1}:A{last_row}",
        CellIsRule(
            operator="equal",
            formula=[f'"{PROBLEM}"'],
            fill=PatternFill("solid", fgColor=fill, bgColor=fill),
            font=Font(color=text),
        ),
    )
