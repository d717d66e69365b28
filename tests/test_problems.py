"""Problems made one by one and in bulk are the same records."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest

from tracker.problems import PROBLEM_TYPES, Problem


@pytest.mark.parametrize("slug", sorted(PROBLEM_TYPES))
def test_make_many_is_make_for_each_cell(slug: str) -> None:
    values: list[Any] = ["", None, "TBC", date(2019, 3, 4), datetime(2019, 3, 4, 10, 30), 4.0, 7]
    cells = [f"F{i + 2}" for i in range(len(values))]
    cells[1] = None  # a problem without a cell (a column not on the sheet)
    details = [f"detail {i}" for i in range(len(values))]
    links = [None, None, "https://docs.google.com/x", None, None, None, None]
    for column in ("Date notified", None):
        one_by_one = [
            Problem.make(
                slug,
                source="board.xlsx",
                sheet="England SCR",
                cell=cell,
                row=i + 2,
                column=column,
                review_id=f"R-{i}",
                value=value,
                detail=detail,
                suggestion="the fix",
                link=link,
            )
            for i, (cell, value, detail, link) in enumerate(
                zip(cells, values, details, links, strict=True)
            )
        ]
        made = Problem.make_many(
            slug,
            source="board.xlsx",
            sheet="England SCR",
            column=column,
            cells=cells,
            rows=[i + 2 for i in range(len(values))],
            review_ids=[f"R-{i}" for i in range(len(values))],
            values=values,
            details=details,
            links=links,
            suggestion="the fix",
        )
        assert made == one_by_one
        assert [repr(p) for p in made] == [repr(p) for p in one_by_one]
        assert {hash(p) for p in made} == {hash(p) for p in one_by_one}
        assert all(type(p) is Problem for p in made)
