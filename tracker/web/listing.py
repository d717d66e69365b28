"""Long lists: sortable columns and numbered pages, all plain links (no script, CSP as it is).

Sorting (``?sort=due``, ``?sort=-due``): each list names its columns with a key and the direction a person expects first (the most days
overdue first, the earliest date first); clicking the sorted column again reverses it. Python's
sort is stable, so rows that tie keep the list's own order (worst first, longest overdue first).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

#: column -> (key, whether the column's first direction is descending)
Columns = dict[str, tuple[Callable[[Any], Any], bool]]


@dataclass(frozen=True)
class Sort:
    """The order a list is shown in, and the ``?sort=`` value each column header links to."""

    column: str
    #: the column's own first direction was reversed (``?sort=-column``)
    reversed: bool
    #: whether the rows run from high to low
    descending: bool
    default: str

    @property
    def value(self) -> str | None:
        """This order's ``?sort=`` value, or None for the list's default (kept out of links)."""
        if self.column == self.default and not self.reversed:
            return None
        return ("-" if self.reversed else "") + self.column

    def link(self, column: str) -> str | None:
        """The ``?sort=`` value of a click on ``column``: the sorted one reverses, others start."""
        if column == self.column:
            return column if self.reversed else "-" + column
        return None if column == self.default else column

    def aria(self, column: str) -> str | None:
        if column != self.column:
            return None
        return "descending" if self.descending else "ascending"


def sort_rows(
    items: Sequence[Any], columns: Columns, default: str, asked: str | None
) -> tuple[list[Any], Sort]:
    """``items`` (already in the default order) in the order ``asked`` names; an unknown column
    falls back to the default order, as a stale bookmark should still open the list."""
    text = (asked or "").strip()
    reverse = text.startswith("-")
    column = text[1:] if reverse else text
    if column not in columns:
        column, reverse = default, False
    key, first_descending = columns[column]
    descending = first_descending != reverse
    sort = Sort(column, reverse, descending, default)
    if sort.value is None:
        return list(items), sort
    return sorted(items, key=key, reverse=descending), sort


def page_numbers(page: int, pages: int) -> list[int | None]:
    """The page links to show (GOV.UK pagination): the first, the last, the current page and its
    neighbours, with None where pages are left out ("1 … 4 5 6 … 20")."""
    shown = sorted({1, pages, page - 1, page, page + 1} & set(range(1, pages + 1)))
    out: list[int | None] = []
    last = 0
    for n in shown:
        if n - last == 2:  # one page left out: show it rather than an ellipsis in its place
            out.append(n - 1)
        elif last and n - last > 2:
            out.append(None)
        out.append(n)
        last = n
    return out
