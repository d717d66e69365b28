"""Compliance over time, worked out from the results themselves: no history is kept or needed.

"Is it getting better?" For each calendar quarter (January to March, April to June, July to
September, October to December): of the deadlines that fell due in it, the share met on time, must,
should and local apart (tracker.frameworks.vocabulary), per nation, board and framework. Every
stage of the check JSON already holds its due date and what happened to it, so one snapshot gives
every past quarter. The web view (overview, board pages, downloads) and the national e-mail all
read this one module, so they count alike.

Which stages count, and how:

- a stage counts in the quarter its due date falls in (``latest``: after any pause that ended or
  any agreed extension), once that date has passed: ``latest`` before the as-of date. A deadline on
  the as-of day itself has not passed (the stage can still be done that day), and a stage done
  ahead of a deadline still to come waits for that deadline's quarter;
- **met**: done on or before the due date (status ``on_time``);
- **not met**: done after it (``late``); not done and now past it (``overdue``: an open stage is
  never left out, or missed deadlines would vanish from the quarter they belong to); done before
  its earliest date (``early``: a step taken too soon is no deadline met, as in every headline
  count);
- left out: a stage with no due date (a condition, ``met``/``not_met``; a stage ``waiting`` for its
  anchor or a decision), ``not_applicable``, ``paused`` (no deadline while the clock is stopped),
  ``pending``, and every stage of a review that cannot be assessed (a data error: none of its
  dates is trusted until it is fixed);
- the quarter the as-of date falls in is shown **to date**, marked as not yet over: its passed
  deadlines are the newest facts an inspector has. It is left out only on its first day, when none
  of its deadlines can have passed.

A past quarter's figure does not drift as time passes: a deadline once missed stays missed and one
met stays met. It moves only when the data does (a date corrected, a pause or extension recorded).

The counts are built whole columns at once, as tracker.evaluate does: one pass collects each
stage's due date, status and group into arrays, and numpy sorts them into a
(nation, board, framework) x quarter x group table that any scope sums in one operation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np

from tracker.frameworks.vocabulary import GROUP_LABELS, GROUPS, share, stage_group

#: The quarters' names: months spelt out, never "Q1" (a financial year's Q1 is April to June).
QUARTER_NAMES = ("Jan to Mar", "Apr to Jun", "Jul to Sep", "Oct to Dec")
#: Statuses of a stage whose passed deadline is counted; only ``on_time`` is met.
COUNTED = ("on_time", "late", "early", "overdue")
MET = "on_time"
#: How many quarters a chart shows (two years); the downloads hold every quarter.
SHOWN_QUARTERS = 8
#: Words for "every board" and "every framework" in the download's columns.
ALL_BOARDS, ALL_FRAMEWORKS, ALL_NATIONS = "All boards", "All frameworks", "All nations"
_GROUP = {g: i for i, g in enumerate(GROUPS)}
_COUNTED = frozenset(COUNTED)


@dataclass(frozen=True, order=True)
class Quarter:
    """A calendar quarter; ``index`` is 4 x year + (quarter - 1), so quarters subtract."""

    index: int

    @classmethod
    def of(cls, day: date) -> Quarter:
        return cls(4 * day.year + (day.month - 1) // 3)

    @property
    def year(self) -> int:
        return self.index // 4

    @property
    def number(self) -> int:
        return self.index % 4 + 1

    @property
    def start(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def end(self) -> date:
        nxt = Quarter(self.index + 1).start
        return nxt - timedelta(days=1)

    @property
    def label(self) -> str:
        """``Jan to Mar 2024``."""
        return f"{QUARTER_NAMES[self.number - 1]} {self.year}"


@dataclass(frozen=True)
class Cell:
    """Deadlines met of deadlines passed, one quarter and group of one scope."""

    met: int
    deadlines: int

    @property
    def share(self) -> int | None:
        """Whole per cent, as every other share is shown; None when there is nothing to count."""
        return share(self.met, self.deadlines)

    @property
    def fraction(self) -> float | None:
        return self.met / self.deadlines if self.deadlines else None


@dataclass(frozen=True)
class Row:
    quarter: Quarter
    #: False for the quarter the as-of date falls in: figures "to date"
    complete: bool
    cells: dict[str, Cell]

    @property
    def label(self) -> str:
        return self.quarter.label if self.complete else f"{self.quarter.label} (to date)"


@dataclass(frozen=True)
class Series:
    """One scope's counts: a row per quarter (oldest first), a column per group."""

    as_of: date
    first: int  # quarter index of row 0
    deadlines: np.ndarray  # int64 [quarter, group]
    met: np.ndarray

    @property
    def empty(self) -> bool:
        return not int(self.deadlines.sum())

    @property
    def groups(self) -> tuple[str, ...]:
        """The groups with at least one deadline (must and should always: their absence is news)."""
        totals = self.deadlines.sum(axis=0)
        return tuple(g for g in GROUPS if g != "local" or totals[_GROUP[g]])

    def rows(self) -> list[Row]:
        current = Quarter.of(self.as_of)
        out = []
        for k in range(self.deadlines.shape[0]):
            q = Quarter(self.first + k)
            cells = {
                g: Cell(int(self.met[k, i]), int(self.deadlines[k, i])) for g, i in _GROUP.items()
            }
            out.append(Row(q, q < current, cells))
        return out

    def last(self, n: int = SHOWN_QUARTERS) -> Series:
        """The newest ``n`` quarters (fewer when the data starts later)."""
        keep = min(n, self.deadlines.shape[0])
        start = self.deadlines.shape[0] - keep
        return Series(self.as_of, self.first + start, self.deadlines[start:], self.met[start:])


@dataclass(frozen=True)
class Trend:
    """Counts per (nation, board, framework) key, quarter and group, for the whole snapshot."""

    as_of: date
    first: int  # quarter index of column 0
    keys: tuple[tuple[str, str, str], ...]
    deadlines: np.ndarray  # int64 [key, quarter, group]
    met: np.ndarray

    def series(self, keep: Callable[[str, str, str], bool] | None = None) -> Series:
        """The sum over the keys ``keep(nation, board, framework)`` accepts (all by default),
        from the first quarter in which one of them had a deadline to the as-of quarter."""
        mask = np.fromiter(
            (keep is None or keep(*k) for k in self.keys), dtype=bool, count=len(self.keys)
        )
        deadlines = self.deadlines[mask].sum(axis=0)
        met = self.met[mask].sum(axis=0)
        used = np.flatnonzero(deadlines.sum(axis=1))
        start = int(used[0]) if len(used) else deadlines.shape[0]
        return Series(self.as_of, self.first + start, deadlines[start:], met[start:])

    def scopes(
        self, keep: Callable[[str, str, str], bool] | None = None
    ) -> Iterator[tuple[str, str, str, Series]]:
        """(nation, board, framework, series) for every level an inspector compares: all
        together, each nation, each framework, each board, each board's framework."""
        keys = [k for k in self.keys if keep is None or keep(*k)]
        if not keys:
            return

        def only(**want: str) -> Callable[[str, str, str], bool]:
            def test(nation: str, board: str, framework: str) -> bool:
                have = {"nation": nation, "board": board, "framework": framework}
                return (keep is None or keep(nation, board, framework)) and all(
                    have[k] == v for k, v in want.items()
                )

            return test

        yield ALL_NATIONS, ALL_BOARDS, ALL_FRAMEWORKS, self.series(keep)
        for nation in sorted({n for n, _, _ in keys}):
            yield nation, ALL_BOARDS, ALL_FRAMEWORKS, self.series(only(nation=nation))
            for fw in sorted({f for n, _, f in keys if n == nation}):
                yield nation, ALL_BOARDS, fw, self.series(only(nation=nation, framework=fw))
        for nation, board in sorted({(n, b) for n, b, _ in keys}):
            yield nation, board, ALL_FRAMEWORKS, self.series(only(nation=nation, board=board))
            for fw in sorted({f for n, b, f in keys if (n, b) == (nation, board)}):
                yield nation, board, fw, self.series(only(nation=nation, board=board, framework=fw))


def quarterly(reviews: Iterable[tuple[str, str, Mapping[str, Any]]], as_of: date) -> Trend:
    """Count every stage of ``reviews`` (nation, board, review object of the check JSON)."""
    key_index: dict[tuple[str, str, str], int] = {}
    groups: dict[tuple[Any, Any], int] = {}  # (basis, must) -> group: a handful of pairs
    keys: list[int] = []
    latest: list[str] = []
    status: list[str] = []
    group: list[int] = []
    for nation, board, review in reviews:
        if not review.get("assessable", True):
            continue
        k = key_index.setdefault(
            (nation, board, str(review.get("framework") or "")), len(key_index)
        )
        for stage in review.get("stages") or ():
            state, due = stage.get("status"), stage.get("latest")
            if state not in _COUNTED or not due:
                continue  # no deadline to count: gathered no further (most of the cost)
            pair = (stage.get("basis"), stage.get("must"))
            g = groups.get(pair)
            if g is None:
                g = groups[pair] = _GROUP[stage_group(stage)]
            keys.append(k)
            latest.append(str(due)[:10])
            status.append(str(state))
            group.append(g)
    return _count(as_of, tuple(key_index), keys, latest, status, group)


def _count(
    as_of: date,
    key_names: tuple[tuple[str, str, str], ...],
    keys: list[int],
    latest: list[str],
    status: list[str],
    group: list[int],
) -> Trend:
    """The whole-column part: which stages count, their quarter, and the sums."""
    current = Quarter.of(as_of)
    last = current.index if as_of > current.start else current.index - 1
    due = _days(latest)
    state = np.array(status, dtype=object)
    counted = np.isin(state, COUNTED) & ~np.isnat(due) & (due < np.datetime64(as_of, "D"))
    months = due[counted].astype("datetime64[M]").astype(np.int64)  # months since 1970-01
    quarter = 4 * 1970 + months // 3
    first = int(quarter.min()) if len(quarter) else last
    shape = (len(key_names), max(last - first + 1, 0), len(GROUPS))
    deadlines = np.zeros(shape, dtype=np.int64)
    met = np.zeros(shape, dtype=np.int64)
    at = (
        np.asarray(keys, dtype=np.int64)[counted],
        quarter - first,
        np.asarray(group, dtype=np.int64)[counted],
    )
    np.add.at(deadlines, at, 1)
    np.add.at(met, at, (state[counted] == MET).astype(np.int64))
    return Trend(as_of, first, key_names, deadlines, met)


def _days(text: list[str]) -> np.ndarray:
    """ISO dates as datetime64[D]; anything that is not one (a hand-edited snapshot) is NaT."""
    try:
        return np.array(text, dtype="datetime64[D]")
    except ValueError:
        out = np.full(len(text), np.datetime64("NaT", "D"))
        for i, t in enumerate(text):
            try:
                out[i] = np.datetime64(date.fromisoformat(t), "D")
            except ValueError:
                continue
        return out


# ---- the download ---------------------------------------------------------------------------------

#: The download's columns: one row per scope and quarter.
HEADERS: tuple[str, ...] = (
    "Nation",
    "Board",
    "Framework",
    "Quarter",
    "From",
    "To",
    "Quarter over",
    *(
        f"{GROUP_LABELS[g]} {what}"
        for g in GROUPS
        for what in ("deadlines met", "deadlines", "met (%)")
    ),
)


def download_rows(
    trend: Trend,
    keep: Callable[[str, str, str], bool] | None = None,
    nation_name: Callable[[str], str] = str,
) -> Iterator[list[Any]]:
    """Every scope's every quarter, oldest first, for CSV and XLSX (written through
    tracker.output.safe_cells by the caller's writer)."""
    for nation, board, framework, series in trend.scopes(keep):
        for row in series.rows():
            yield [
                nation_name(nation),
                board,
                framework,
                row.quarter.label,
                row.quarter.start,
                row.quarter.end if row.complete else trend.as_of - timedelta(days=1),
                row.complete,
                *(
                    v
                    for g in GROUPS
                    for v in (row.cells[g].met, row.cells[g].deadlines, row.cells[g].share)
                ),
            ]
