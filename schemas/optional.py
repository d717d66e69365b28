"""Optional per-workbook sheets (``Pauses and extensions``, later ``Actions``): found, read and
parsed the same way for every such sheet, so a new one is a :class:`SheetSpec`, not new reading code.

They are read with the framework sheets (one Excel open, one Google ``values:batchGet``), located by
their headers exactly as framework tables are (any column order, title rows above, blank rows
skipped), and every value is parsed by the same cell parsers, so a bad date in a pause row gets the
same located message as on a review row. What the rows mean is the owning module's job
(``tracker.pauses``); this module only turns cells into typed columns and located problems.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from schemas.table import HEADER_SEARCH_ROWS, _header_values, normalise_header
from schemas.validate import ParsedColumn, _parser
from tracker.model import Field, FieldType
from tracker.problems import Problem
from tracker.tables import RawSheet, column_letter


@dataclass(frozen=True)
class SheetSpec:
    """An optional sheet one workbook may hold: its title and its columns (exact headers)."""

    title: str
    fields: tuple[Field, ...]
    #: free-text fields: read by nobody, so never shown, e-mailed or logged
    private: frozenset[str] = frozenset({"notes"})

    def label(self, field_id: str) -> str:
        return next(f.header for f in self.fields if f.id == field_id)


@dataclass
class SheetRows:
    """One optional sheet's data rows as typed columns (dates datetime64[D], choices labels)."""

    spec: SheetSpec
    source: str
    sheet: str
    #: sheet row numbers of the data rows
    rows: np.ndarray
    #: field id -> typed values (datetime64[D] for dates; object arrays of str/bool/None otherwise)
    values: dict[str, np.ndarray]
    #: field id -> 1-based column (absent columns are missing)
    columns: dict[str, int]
    problems: list[Problem] = field(default_factory=list)
    #: False for a row with an error (unreadable value, unknown choice): the owner must not use it
    usable: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    link: Callable[[str], str | None] = lambda cell: None

    def __len__(self) -> int:
        return len(self.rows)

    def cell(self, field_id: str, i: int) -> str | None:
        col = self.columns.get(field_id)
        return f"{column_letter(col)}{int(self.rows[i])}" if col else None

    def report(self, slug: str, i: int, field_id: str, *, value: Any = None, **kw: Any) -> Problem:
        """A problem located at row ``i``'s cell in ``field_id``; an error makes the row unusable."""
        cell = self.cell(field_id, i)
        review = self.values.get("review_id")
        problem = Problem.make(
            slug,
            source=self.source,
            sheet=self.sheet,
            cell=cell,
            row=int(self.rows[i]),
            column=self.spec.label(field_id),
            review_id=review[i] if review is not None else None,
            value=value,
            link=self.link(cell) if cell else None,
            **kw,
        )
        self.problems.append(problem)
        if problem.is_error:
            self.usable[i] = False
        return problem


def read_sheet_rows(
    sheet: RawSheet,
    spec: SheetSpec,
    source: str,
    link: Callable[[str], str | None] | None = None,
) -> SheetRows:
    """Locate the header row, then parse every column once per distinct value."""
    link = link or (lambda cell: None)
    headers = {normalise_header(f.header): f.id for f in spec.fields}
    best_index, best_hits = None, 0
    for i in range(min(len(sheet.rows), HEADER_SEARCH_ROWS)):
        hits = sum(1 for v in _header_values(sheet, i) if normalise_header(v) in headers)
        if hits > best_hits:
            best_index, best_hits = i, hits
    empty = SheetRows(spec, source, sheet.title, np.zeros(0, dtype=np.int64), {}, {}, link=link)
    if best_index is None or best_hits < 2:
        if any(v not in (None, "") for row in sheet.rows for v in row):
            empty.problems.append(Problem.make("no-header", source=source, sheet=sheet.title))
        return empty
    header_row = sheet.first_row + best_index
    columns: dict[str, int] = {}
    for j, value in enumerate(_header_values(sheet, best_index)):
        fid = headers.get(normalise_header(value))
        if fid and fid not in columns:
            columns[fid] = j + 1
    missing = [f for f in spec.fields if f.required and f.id not in columns]
    for f in missing:
        empty.problems.append(
            Problem.make(
                "missing-column", source=source, sheet=sheet.title, column=f.header, row=header_row
            )
        )
    if missing:
        return empty
    data = sheet.rows[best_index + 1 :]
    n = len(data)
    raw: dict[str, np.ndarray] = {}
    for f in spec.fields:
        column = np.full(n, None, dtype=object)
        if f.id in columns:
            j = columns[f.id] - 1
            column[:] = [values[j] if j < len(values) else None for values in data]
        raw[f.id] = column
    parsed = {f.id: ParsedColumn(raw[f.id], _parser(f)) for f in spec.fields}
    # a row counts when any column but the free text has something in it
    keep = np.zeros(n, dtype=bool)
    for f in spec.fields:
        if f.id not in spec.private:
            keep |= parsed[f.id].flag(lambda p: p.value is not None or p.slug is not None)
    index = np.flatnonzero(keep)
    for c in parsed.values():
        c.take(keep)
    out = SheetRows(
        spec,
        source,
        sheet.title,
        (index + header_row + 1).astype(np.int64),
        {},
        columns,
        problems=empty.problems,
        usable=np.ones(len(index), dtype=bool),
        link=link,
    )
    for f in spec.fields:
        if f.id in spec.private:
            continue
        c = parsed[f.id]
        out.values[f.id] = c.values("datetime64[D]" if f.type is FieldType.DATE else object)
    for f in spec.fields:
        if f.id in spec.private:
            continue  # free text is never parsed, checked or quoted
        c = parsed[f.id]
        for i in np.flatnonzero(c.flag(lambda p: p.slug is not None)).tolist():
            p = c.at(i)
            out.report(
                p.slug or "", i, f.id, value=c.raw(i), detail=p.detail, suggestion=p.suggestion
            )
        if f.type is FieldType.CHOICE:
            known = set(f.choices)
            values = out.values[f.id]
            for i in np.flatnonzero(c.flag(lambda p: p.detail == "choice-case")).tolist():
                out.report("choice-case", i, f.id, value=c.raw(i), suggestion=c.at(i).suggestion)
            for i, v in enumerate(values.tolist()):
                if v is not None and v not in known:
                    out.report(
                        "unknown-choice", i, f.id, value=c.raw(i), detail=", ".join(f.choices)
                    )
                    values[i] = None
        if f.required:
            blank = c.flag(lambda p: p.value is None and p.slug is None)
            for i in np.flatnonzero(blank).tolist():
                out.report("missing-required", i, f.id)
    out.problems.sort(key=lambda p: (p.row or 0, len(p.cell or ""), p.cell or ""))
    return out
