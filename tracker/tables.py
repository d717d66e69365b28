"""The tables every source reader returns and validation reads: raw cells with their positions.

Readers do not parse dates or choices: that is validation's job, the same for every source, so an
Excel workbook and a Google Sheet with the same content give the same results. These types sit
below both ``tracker.sources`` and ``schemas``, so validation does not depend on where a table
came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class RawSheet:
    """One sheet's cells. ``rows[i][j]`` is the cell at sheet row ``first_row + i``, column ``j + 1``.

    Values are what the cell holds: ``str``, ``int``, ``float``, ``bool``, ``datetime.date``,
    ``datetime.datetime`` or ``None`` for empty. A formula gives its cached value; a formula with
    no cached value (or a stored 0 or empty result) is read as empty and listed in
    ``formulas_without_value`` as (row, column), both 1-based.
    """

    title: str
    rows: list[list[Any]]
    first_row: int = 1
    hidden: bool = False
    formulas_without_value: set[tuple[int, int]] = field(default_factory=set)
    #: sheet id for links (Google Sheets ``gid``); None for Excel
    gid: int | None = None
    #: merged ranges as (first row, first column, last row, last column), 1-based, inclusive;
    #: a merged cell's value is only in its top-left cell
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)
    #: the workbook counts serial-number dates from 1904 (Excel for Mac's old default), not 1900
    date1904: bool = False


@dataclass
class RawWorkbook:
    source: str
    sheets: list[RawSheet]
    #: every sheet title in the source, including ones no framework reads
    all_titles: list[str] = field(default_factory=list)
    #: for Google Sheets: the spreadsheet key, used for links to cells
    key: str | None = None
    #: for Google Sheets: every grid sheet's id -> (title, position), from the read's metadata,
    #: so the tracker can rewrite its own ``Tracker`` tab without asking Google again
    sheet_ids: dict[int, tuple[str, int]] = field(default_factory=dict)

    def link(self, sheet: RawSheet, cell: str) -> str | None:
        """A link that opens the source at this cell, where the source has addresses."""
        if self.key is None:
            return None
        gid = sheet.gid if sheet.gid is not None else 0
        return f"https://docs.google.com/spreadsheets/d/{self.key}/edit#gid={gid}&range={cell}"


def column_letter(index: int) -> str:
    """1 -> A, 27 -> AA."""
    letters = ""
    while index > 0:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters
