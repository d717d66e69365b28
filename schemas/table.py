"""Find a framework's table on a sheet: the header row, which column holds which field, data rows.

Headers match ignoring case and extra spaces, in any column order; extra columns are ignored; a
header row need not be row 1 (title rows above it are skipped); wholly blank rows are skipped. Every
value keeps its sheet row and column so any problem can name its cell.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import chain
from typing import Any

import numpy as np

from schemas.values import clean_text, is_blank
from tracker.model import Framework
from tracker.problems import Problem
from tracker.tables import RawSheet, column_letter

#: How far down to look for the header row.
HEADER_SEARCH_ROWS = 30


def normalise_header(text: Any) -> str:
    if not isinstance(text, str):
        return ""
    if text.isascii():
        # the same text without the general path: for ASCII, casefold is lower, and the
        # spaces clean_text squeezes are whitespace split() drops anyway
        return " ".join(text.lower().split())
    return " ".join(clean_text(text).casefold().replace("’", "'").split())


@dataclass
class SheetTable:
    """A framework's rows on one sheet, still raw."""

    source: str
    sheet: RawSheet
    framework: Framework
    header_row: int | None = None
    #: field id -> 1-based column number
    columns: dict[str, int] = field(default_factory=dict)
    #: sheet row numbers of the data rows
    rows: list[int] = field(default_factory=list)
    #: field id -> raw values (object array), one per data row (None where the column is absent)
    raw: dict[str, Any] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    #: False when the sheet's layout stops every review on it being assessed
    usable: bool = True

    def cell(self, field_id: str, row: int) -> str | None:
        col = self.columns.get(field_id)
        return f"{column_letter(col)}{row}" if col else None


def _header_values(sheet: RawSheet, index: int) -> list[Any]:
    """The header row's values, with a header merged down into it from above filled in.

    A two-row header often merges a column's title over both rows (``A1:A2``); the reader gives
    the value only in the merged range's top-left cell, so the header row would show a blank.
    """
    if not sheet.merged:
        return sheet.rows[index]  # read only: nothing to fill in
    values = list(sheet.rows[index])
    row = sheet.first_row + index
    for r0, c0, r1, _c1 in sheet.merged:
        if not (r0 < row <= r1) or c0 > len(values) or not is_blank(values[c0 - 1]):
            continue
        top = r0 - sheet.first_row
        if 0 <= top < len(sheet.rows) and c0 - 1 < len(sheet.rows[top]):
            values[c0 - 1] = sheet.rows[top][c0 - 1]
    return values


def locate_table(sheet: RawSheet, framework: Framework, source: str) -> SheetTable:
    table = SheetTable(source=source, sheet=sheet, framework=framework)
    headers = {normalise_header(f.header): f.id for f in framework.all_fields}
    best_index, best_hits = None, 0
    # the rows searched repeat their text (choices, boards, the header itself): each distinct
    # text is normalised once
    known: dict[str, bool] = {}
    for i in range(min(len(sheet.rows), HEADER_SEARCH_ROWS)):
        values = _header_values(sheet, i)
        if len(values) <= best_hits:
            continue  # cannot beat the best row (the usual header row matches every cell)
        hits = 0
        for v in values:
            if type(v) is str:
                hit = known.get(v)
                if hit is None:
                    hit = known[v] = normalise_header(v) in headers
                hits += hit
            elif isinstance(v, str) and normalise_header(v) in headers:
                hits += 1
        if hits > best_hits:
            best_index, best_hits = i, hits
    where = {"sheet": sheet.title}
    if best_index is None or best_hits < 2:
        table.usable = False
        table.problems.append(Problem.make("no-header", source=source, **where))
        table.raw = {f.id: np.empty(0, dtype=object) for f in framework.all_fields}
        return table
    header_row = sheet.first_row + best_index
    table.header_row = header_row
    seen: dict[str, list[int]] = {}
    for j, value in enumerate(_header_values(sheet, best_index)):
        fid = headers.get(normalise_header(value))
        if fid:
            seen.setdefault(fid, []).append(j + 1)
    for fid, cols in seen.items():
        table.columns[fid] = cols[0]
        if len(cols) > 1:
            table.usable = False
            cells = ", ".join(f"{column_letter(c)}{header_row}" for c in cols)
            table.problems.append(
                Problem.make(
                    "duplicate-header",
                    source=source,
                    column=framework.label(fid),
                    detail=cells,
                    cell=f"{column_letter(cols[1])}{header_row}",
                    row=header_row,
                    **where,
                )
            )
    for f in framework.all_fields:
        if f.id in table.columns:
            continue
        if f.required:
            table.usable = False
            table.problems.append(
                Problem.make(
                    "missing-column", source=source, column=f.header, row=header_row, **where
                )
            )
        elif any(
            r.stage == f.id or r.anchor == f.id or (r.when and r.when.field == f.id)
            for r in framework.rules
        ):
            table.problems.append(
                Problem.make(
                    "missing-optional-column",
                    source=source,
                    column=f.header,
                    row=header_row,
                    **where,
                )
            )

    data = sheet.rows[best_index + 1 :]
    first = header_row + 1
    n = len(data)
    raw: dict[str, Any] = {}
    keep = np.zeros(n, dtype=bool)
    columns: dict[str, np.ndarray] = {}
    grid = _grid(data)
    all_kept = n == 0
    for fid, col in table.columns.items():
        j = col - 1
        if grid is not None:
            column = grid[:, j] if j < grid.shape[1] else np.full(n, None, dtype=object)
        else:
            column = np.empty(n, dtype=object)
            column[:] = [values[j] if j < len(values) else None for values in data]
        columns[fid] = column
        # a row is kept when any framework column has something in it (extra columns are not
        # the tracker's); rows of spaces only are dropped after parsing, in validation. Once
        # every row has something (the review id column usually settles it), the other columns
        # cannot change that
        if not all_kept:
            keep |= ~(_is_none(column) | (column == ""))
            all_kept = bool(keep.all())
    table.problems.extend(_fill_merged_blocks(table, first, columns, keep))
    index = np.flatnonzero(keep)
    for f in framework.all_fields:
        if f.id not in columns:
            raw[f.id] = np.full(len(index), None, dtype=object)
        else:  # every row kept (the usual case): the column as it is, not a copy
            raw[f.id] = columns[f.id] if all_kept else columns[f.id][index]
    rows = (index + first).tolist()
    table.raw = raw
    table.rows = rows
    return table


def _grid(data: list[list[Any]]) -> np.ndarray | None:
    """The data rows as one 2-D object array, when they are all as wide (calamine's are): the
    columns are then views, not a Python loop per cell. The cells are streamed row after row
    into a flat array (four times faster than numpy working out the shape of nested lists)."""
    if not data or len(set(map(len, data))) != 1 or not data[0]:
        return None
    width = len(data[0])
    flat = np.fromiter(chain.from_iterable(data), dtype=object, count=len(data) * width)
    return flat.reshape(len(data), width)


def _fill_merged_blocks(
    table: SheetTable, first: int, columns: dict[str, np.ndarray], keep: np.ndarray
) -> list[Problem]:
    """A merged block's value applies to every cell of the block, as the officer sees it (a
    board merged down B2:B11 is the board of all ten reviews); the reader gives it only in the
    top-left cell. One info note per block. Rows are kept or dropped on what was typed in
    them (``keep`` is computed before filling), so a block never makes a row of its own."""
    sheet = table.sheet
    by_column = {col: fid for fid, col in table.columns.items()}
    notes: list[Problem] = []
    n = len(keep)
    for r0, c0, r1, c1 in sorted(sheet.merged):
        top = r0 - sheet.first_row
        if r0 < first or top >= len(sheet.rows) or c0 > len(sheet.rows[top]):
            continue  # header blocks are handled with the header row
        value = sheet.rows[top][c0 - 1]
        if is_blank(value):
            continue
        filled = False
        for col in range(c0, c1 + 1):
            fid = by_column.get(col)
            if fid is None:
                continue
            for r in range(r0, r1 + 1):
                i = r - first
                if (r, col) != (r0, c0) and 0 <= i < n:
                    columns[fid][i] = value
                    filled = filled or bool(keep[i])
        if not filled:
            continue
        shown = by_column.get(c0)  # free text (notes, columns not the tracker's) is never shown
        notes.append(
            Problem.make(
                "merged-cells",
                source=table.source,
                sheet=sheet.title,
                cell=f"{column_letter(c0)}{r0}",
                row=r0,
                column=table.framework.label(shown) if shown and shown != "notes" else None,
                value=value if shown and shown != "notes" else None,
                detail=f"{column_letter(c0)}{r0}:{column_letter(c1)}{r1}",
            )
        )
    return notes


def _is_none(column: np.ndarray) -> Any:
    return column == None  # noqa: E711 - elementwise on an object array
