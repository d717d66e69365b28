"""The check results as records and rows: one field list for every output, built a chunk at a time.

``REVIEW_FIELDS`` and ``STAGE_FIELDS`` are the review and stage objects of ``tracker check --format
json`` (DESIGN.md), in order; ``ROW_COLUMNS`` maps the CSV/XLSX columns onto them. A field is added
in one place here (its value in :func:`review_columns` or :func:`stage_columns`) and every output
(JSON, the snapshot, CSV, XLSX, the records the table and web view use) carries it.

Values come straight from the columnar results of :mod:`tracker.evaluate` as Python lists, a chunk
of rows at a time, so writers stream row by row and never hold every record: a national run's
output costs memory for one chunk, not for the whole document.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from tracker.evaluate import StageColumns, TableResult

#: Rows per chunk: enough for numpy to pay, small enough that a chunk's text is a few MB.
CHUNK = 2048

REVIEW_FIELDS = (
    "source",
    "sheet",
    "row",
    "review_id",
    "board",
    "framework",
    "assessable",
    "report_link",
    "stages",
)
STAGE_FIELDS = (
    "id",
    "label",
    "done",
    "earliest",
    "latest",
    "status",
    "days_late",
    "basis",
    "must",
    "source",
)
#: Stage fields that follow from which rules apply (the row's rule mask): worked out once per mask.
RULE_FIELDS = ("basis", "must", "source")
#: CSV/XLSX columns: (column, "review" or "stage", field). A review that cannot be assessed has one
#: row with its stage columns empty.
ROW_COLUMNS = (
    ("source", "review", "source"),
    ("sheet", "review", "sheet"),
    ("row", "review", "row"),
    ("review_id", "review", "review_id"),
    ("board", "review", "board"),
    ("framework", "review", "framework"),
    ("assessable", "review", "assessable"),
    ("stage", "stage", "id"),
    ("label", "stage", "label"),
    ("done", "stage", "done"),
    ("earliest", "stage", "earliest"),
    ("latest", "stage", "latest"),
    ("status", "stage", "status"),
    ("days_late", "stage", "days_late"),
    ("basis", "stage", "basis"),
    ("must", "stage", "must"),
    ("citation", "stage", "source"),
)
#: Date fields: ISO text in JSON and CSV, real dates in XLSX.
DATE_FIELDS = frozenset({"done", "earliest", "latest"})


@dataclass(frozen=True)
class Same:
    """One value for every row of a table (a stage's id and label, the sheet's name)."""

    value: Any


#: A column of one chunk: the same value throughout, or one value per row.
Column = Same | list[Any]


def _status_values() -> tuple[str, ...]:
    from tracker.evaluate import STATUSES

    return tuple(s.value for s in STATUSES)


class _IsoDays(dict[int, str | None]):
    """Days since 1970 -> ISO text (NaT -> None), each distinct day worked out once: a run's
    dates span a few thousand days, and numpy's own conversion costs a microsecond a value."""

    def __missing__(self, day: int) -> str | None:
        text = None if day == _NAT else date.fromordinal(day + _EPOCH).isoformat()
        self[day] = text
        return text


_NAT = int(np.datetime64("NaT", "D").view(np.int64))
_EPOCH = date(1970, 1, 1).toordinal()
_ISO_DAYS = _IsoDays()


def iso_list(arr: np.ndarray) -> list[str | None]:
    """datetime64[D] -> ISO text, NaT -> None."""
    iso = _ISO_DAYS
    return [iso[d] for d in arr.astype("datetime64[D]").view(np.int64).tolist()]


def review_columns(result: TableResult, rows: slice) -> dict[str, Column]:
    """The review fields (all but ``stages``) of rows ``rows`` of one table."""
    t = result.table
    return {
        "source": Same(t.source),
        "sheet": Same(t.sheet),
        "row": t.rows[rows].tolist(),
        "review_id": t.review_ids[rows],
        "board": t.boards[rows],
        "framework": Same(result.framework.id),
        "assessable": t.assessable[rows].tolist(),
        "report_link": t.report_links[rows],
    }


def _rule_fields(sc: StageColumns, mask: int) -> tuple[Any, ...]:
    basis, must, citation, _rules = sc.describe(mask)
    return (basis, must, citation)


def stage_columns(result: TableResult, k: int, rows: slice) -> dict[str, Column]:
    """Stage ``k``'s fields for rows ``rows`` (rows that cannot be assessed included: callers
    skip them)."""
    sc = result.stages[k]
    statuses = _status_values()
    masks = sc.rule_mask[rows].tolist()
    memo = result.rule_memo(k)
    for m in set(masks).difference(memo):
        memo[m] = _rule_fields(sc, m)
    if len(memo) == 1:
        (info,) = memo.values()
        by_rule: list[Column] = [Same(v) for v in info]
    else:
        by_rule = [[memo[m][j] for m in masks] for j in range(len(RULE_FIELDS))]
    columns: dict[str, Column] = {
        "id": Same(sc.stage.id),
        "label": Same(sc.label),
        "done": iso_list(sc.done[rows]),
        "earliest": iso_list(sc.earliest[rows]),
        "latest": iso_list(sc.latest[rows]),
        "status": [statuses[c] for c in sc.status[rows].tolist()],
        "days_late": sc.days_late[rows].tolist(),
    }
    columns.update(zip(RULE_FIELDS, by_rule, strict=True))
    return columns


def chunks(result: TableResult, size: int = CHUNK) -> Iterator[slice]:
    n = len(result.table)
    for start in range(0, n, size):
        yield slice(start, min(start + size, n))


def value(column: Column, i: int) -> Any:
    return column.value if isinstance(column, Same) else column[i]


def review_dicts(result: TableResult) -> Iterator[dict[str, Any]]:
    """The ``reviews`` objects of ``tracker check --format json``, one table's rows in order."""
    for rows in chunks(result):
        head = review_columns(result, rows)
        stages = [stage_columns(result, k, rows) for k in range(len(result.stages))]
        assessable = head["assessable"]
        assert isinstance(assessable, list)
        for i in range(rows.stop - rows.start):
            review = {f: value(head[f], i) for f in REVIEW_FIELDS if f != "stages"}
            review["stages"] = (
                [{f: value(s[f], i) for f in STAGE_FIELDS} for s in stages] if assessable[i] else []
            )
            yield review


def stage_rows(result: TableResult) -> Iterator[list[Any]]:
    """The CSV/XLSX rows (``ROW_COLUMNS``) of one table: a row per stage of each review."""
    review_cols = [f for _, kind, f in ROW_COLUMNS if kind == "review"]
    stage_cols = [f for _, kind, f in ROW_COLUMNS if kind == "stage"]
    blank = [None] * len(stage_cols)
    for rows in chunks(result):
        head = review_columns(result, rows)
        stages = [stage_columns(result, k, rows) for k in range(len(result.stages))]
        assessable = head["assessable"]
        assert isinstance(assessable, list)
        for i in range(rows.stop - rows.start):
            base = [value(head[f], i) for f in review_cols]
            if not assessable[i] or not stages:
                yield base + blank
                continue
            for s in stages:
                yield base + [value(s[f], i) for f in stage_cols]
