"""Validate a located table: parse every value, then check the typed frame with pandera.

A row with an error-severity problem is kept, reported and marked not assessable: never dropped,
never guessed. Warnings (a choice in odd case, a future date, stages out of order) leave the row
assessable.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pa

from schemas.schema import CHECK_SLUGS, ROW, WORKBOOK_IDS, framework_schema
from schemas.table import SheetTable
from schemas.values import (
    BLANK,
    MAX_YEAR,
    MIN_YEAR,
    Parsed,
    day_first_only,
    parse_choice,
    parse_date,
    parse_date_1904,
    parse_text,
    parse_yes_no,
    uk,
)
from tracker.access.boards import resolve_board
from tracker.model import FieldType, Framework, RuleKind
from tracker.problems import Problem
from tracker.tables import RawWorkbook, column_letter

DateArray = np.ndarray


@dataclass
class ValidatedTable:
    """Typed columns for one framework sheet, with every problem located."""

    source: str
    sheet: str
    framework: Framework
    rows: np.ndarray  # sheet row numbers
    review_ids: list[str | None]
    boards: list[str | None]
    report_links: list[str | None]
    dates: dict[str, np.ndarray]  # field -> datetime64[D]
    yes_no: dict[str, np.ndarray]  # field -> object array of True/False/None
    choices: dict[str, np.ndarray]  # field -> object array of label/None (unknown -> None)
    assessable: np.ndarray  # bool per row
    problems: list[Problem] = field(default_factory=list)
    link: Callable[[str], str | None] = lambda cell: None
    #: column letter of Review ID on the sheet ("" when the column is missing)
    id_column: str = ""
    #: review ids as typed (problems quote these)
    raw_review_ids: list[Any] = field(default_factory=list)

    #: the typed columns awaiting the pandera schema, as (pandas dtype or None, values): built
    #: into one frame per framework over every table of a run (dropped once checked)
    frame: dict[str, tuple[str | None, np.ndarray]] | None = None
    #: reports one schema failure (slug, row index, field id) as a located problem
    on_schema_failure: Callable[[str, int, str], None] | None = None

    def __len__(self) -> int:
        return len(self.rows)


class _Bool:
    """A bool standing in a column of distinct values: True == 1 must not merge the two."""

    __slots__ = ("value",)

    def __init__(self, value: bool) -> None:
        self.value = value

    def __hash__(self) -> int:
        return hash(("bool", self.value))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Bool) and other.value is self.value


_IS_BOOL = np.frompyfunc(lambda v: type(v) is bool, 1, 1)


def _may_merge_bools(uniques: Sequence[Any]) -> bool:
    """Whether hashing may have merged a bool with 1 or 0 (True == 1 == 1.0): only then does
    the column need its bools told apart, cell by cell."""
    return not _ZERO_ONE.isdisjoint(uniques)  # True == 1 and False == 0: bools are found too


_ZERO_ONE = frozenset({0, 1})


def _kept_as_typed(values: list[Any]) -> bool:
    """Whether :func:`parse_text` would keep every value exactly as typed: all text, printable
    ASCII, no leading, trailing or doubled spaces (its own fast path, value by value). Checked
    on the joined text, a few passes in C over the whole column instead of four calls per
    value: the separator is not printable, so no value can hide it."""
    if not values or set(map(type, values)) != {str}:
        return False
    flat = "".join(values)
    if not (flat.isascii() and flat.isprintable()):
        return False
    joined = "\n".join(values)
    return not (
        "  " in joined
        or " \n" in joined
        or "\n " in joined
        or joined.startswith(" ")
        or joined.endswith(" ")
    )


#: what readers give (tracker.tables.RawSheet), and _Bool: types whose only missing values are
#: None and a float NaN (pandas' own missing-value test says the same of them)
_PLAIN_TYPES = frozenset({str, int, float, bool, date, datetime, type(None), _Bool})
#: below this many cells a dict factorizes faster than pandas (its cost is mostly per call)
_SMALL_COLUMN = 200


def _factorize(raw: np.ndarray) -> tuple[np.ndarray, Sequence[Any]]:
    """``pd.factorize(raw, use_na_sentinel=True)``: codes into the distinct values in order of
    first appearance, -1 for a missing value (None, NaN). A sheet's column is often a few dozen
    cells (a small board's sheet), where pandas' set-up costs more than hashing them in a dict;
    values hash and compare the same either way."""
    values = raw.tolist()
    first = values[0] if values else None
    plain_first = type(first) in _PLAIN_TYPES and first is not None and first == first
    if plain_first and values.count(first) == len(values):
        # one value throughout (a column nobody fills in: ""): counted in C, no hashing
        return np.zeros(len(values), dtype=np.intp), [first]
    if len(values) >= _SMALL_COLUMN or not _PLAIN_TYPES.issuperset(map(type, values)):
        codes, uniques = pd.factorize(raw, use_na_sentinel=True)
        return codes, uniques.tolist()
    index: dict[Any, int] = {}
    codes = np.fromiter(
        [-1 if v is None or v != v else index.setdefault(v, len(index)) for v in values],
        dtype=np.intp,
        count=len(values),
    )
    return codes, list(index)


class ParsedColumn:
    """A column parsed once per distinct value: codes index into the parsed distinct values.

    A sheet column holds far fewer distinct values than cells (dates repeat; choices do), so
    the Python-level parsing runs per distinct value and everything per row is numpy indexing.
    Per distinct value the column keeps whether it is blank and whether it has a problem, as
    arrays, so flags per row are one take each.
    """

    def __init__(self, raw: np.ndarray, parser: Callable[[Any], Parsed]) -> None:
        codes, uniques = _factorize(raw)
        merged = _may_merge_bools(uniques)
        if merged:
            values = raw.copy()
            bools = _IS_BOOL(values).astype(bool)
            values[bools] = [_Bool(v) for v in values[bools]]
            codes, uniques = _factorize(values)
        self.codes = np.where(codes < 0, len(uniques), codes)  # blanks -> the extra last slot
        self.raw_uniques: list[Any] = list(uniques)
        if merged:
            self.raw_uniques = [u.value if isinstance(u, _Bool) else u for u in self.raw_uniques]
        self._parsed: list[Parsed] | None = None
        if parser is parse_text and _kept_as_typed(self.raw_uniques):
            # the usual text column (review ids: one distinct value per row): every value is
            # already clean text, so parsing would only copy it; "" is the one blank
            self._values: list[Any] = [u or None for u in self.raw_uniques] + [None]
            self._bad = np.zeros(len(self._values), dtype=bool)
            self._blank = np.zeros(len(self._values), dtype=bool)
            self._blank[-1] = True
            if "" in self.raw_uniques:
                self._blank[self.raw_uniques.index("")] = True
        else:
            parsed = self._parsed = [parser(u) for u in self.raw_uniques] + [BLANK]
            self._values = [p.value for p in parsed]
            # only the values parsed one by one can be blank or bad (a real date cell is neither)
            self._bad = np.array([p.slug is not None for p in parsed], dtype=bool)
            self._blank = np.array(
                [p.value is None and p.slug is None and not p.detail for p in parsed], dtype=bool
            )
        self.raw_uniques.append(None)

    @property
    def parsed(self) -> list[Parsed]:
        """Each distinct value parsed (the last is the blank slot); made on first use when the
        column was taken as typed."""
        if self._parsed is None:
            self._parsed = [BLANK if v is None else Parsed(v) for v in self._values]
        return self._parsed

    def take(self, keep: np.ndarray) -> None:
        self.codes = self.codes[keep]

    def _per_unique(self, values: list[Any], dtype: Any = object) -> np.ndarray:
        arr = (
            np.empty(len(values), dtype=dtype) if dtype is object else np.array(values, dtype=dtype)
        )
        if dtype is object:
            arr[:] = values
        return arr[self.codes]

    def values(self, dtype: Any = object) -> np.ndarray:
        return self._per_unique(self._values, dtype)

    def bad(self) -> np.ndarray:
        """Per row: the value has a problem (unreadable, an error cell...)."""
        return self._bad[self.codes]

    def blank(self) -> np.ndarray:
        """Per row: nothing there once spaces are stripped."""
        return self._blank[self.codes]

    def flag(self, test: Callable[[Parsed], bool]) -> np.ndarray:
        lookup = np.array([test(p) for p in self.parsed], dtype=bool)
        return lookup[self.codes]

    def rows_where(self, test: Callable[[Parsed], bool]) -> list[int]:
        """The rows whose value passes ``test``, in order: none without a look at the rows when
        no distinct value does (the usual answer)."""
        lookup = [test(p) for p in self.parsed]
        if not any(lookup):
            return []
        return _rows_where(np.array(lookup, dtype=bool)[self.codes]).tolist()

    def bad_rows(self) -> list[int]:
        """The rows whose value has a problem, in order."""
        if not self._bad.any():
            return []
        return _rows_where(self._bad[self.codes]).tolist()

    def per_value(self, test: Callable[[Any], bool]) -> np.ndarray:
        """``test`` of each row's value, asked once per distinct value."""
        return np.array([test(v) for v in self._values], dtype=bool)[self.codes]

    def known_values(self, labels: tuple[str, ...]) -> np.ndarray:
        """Per row: the value when it is one of ``labels``, else None (decided per distinct
        value)."""
        return self._per_unique([v if v in labels else None for v in self._values])

    def at(self, i: int) -> Parsed:
        return self.parsed[self.codes[i]]

    def raw(self, i: int) -> Any:
        return self.raw_uniques[self.codes[i]]

    def raw_column(self) -> list[Any]:
        """Every row's value as typed."""
        return self.raw_at(slice(None))

    def raw_at(self, at: Any) -> list[Any]:
        """The values as typed at these rows (an index array or a slice)."""
        uniques = np.empty(len(self.raw_uniques), dtype=object)
        uniques[:] = self.raw_uniques
        return uniques[self.codes[at]].tolist()


_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_MIN_ORDINAL = date(MIN_YEAR, 1, 1).toordinal()
_MAX_ORDINAL = date(MAX_YEAR, 12, 31).toordinal()
#: Stands for a plausible real date cell among a date column's parsed values (its day is in
#: ``DateColumn.days``): one shared object instead of one per cell.
_REAL_DAY = Parsed(value=True)


NAT_DAY = np.datetime64("NaT", "D")
_NAT_NUMBER = NAT_DAY.view(np.int64)
_FIRST_PLAIN_NUMBER = _MIN_ORDINAL - _EPOCH_ORDINAL
#: per plausible day (from 1 Jan MIN_YEAR): whether it is after the 12th of its month
_DAY_OVER_12 = np.array(
    [date.fromordinal(o).day > 12 for o in range(_MIN_ORDINAL, _MAX_ORDINAL + 1)], dtype=bool
)


class DateColumn:
    """A date column, parsed cell by cell in bulk (the interface of :class:`ParsedColumn`).

    Dates barely repeat within a sheet (a few hundred rows hold a few hundred distinct days), so
    hashing them to parse each distinct value once costs more than it saves. Real date cells
    become days by ``toordinal`` arithmetic in one numpy step, plausibility is checked on the
    array, and only the other cells (text, serials, blanks of spaces, odd types, implausible
    years) go through :func:`parse_date`, which caches text.
    """

    raw_values: np.ndarray
    days: np.ndarray
    parsed_cells: np.ndarray
    parser: Callable[[Any], Parsed]
    _bad: np.ndarray
    _blank: np.ndarray
    _empty: np.ndarray
    _plain: np.ndarray
    #: the rows parsed alone (text, serials, odd types, implausible years), in order
    _odd: list[int]
    _over_12: bool

    def __init__(self, raw: np.ndarray, parser: Callable[[Any], Parsed] = parse_date) -> None:
        vars(self).update(vars(DateColumn.many([raw], parser)[0]))

    @classmethod
    def many(
        cls, raws: Sequence[np.ndarray], parser: Callable[[Any], Parsed] = parse_date
    ) -> list[DateColumn]:
        """A sheet's date columns (all as long) parsed together: every numpy step runs once
        over all their cells, not once per column (a small board's sheet has a few dozen rows
        and a dozen date columns, where each step's cost is mostly per call). Each column's
        arrays are its part of the whole."""
        if not raws:
            return []
        n = len(raws[0])
        flat = raws[0] if len(raws) == 1 else np.concatenate(raws)
        # one pass per cell: the day number of a real date cell, -1 for an empty cell (calamine
        # gives "", other readers None), 0 for anything else
        ordinals = np.fromiter(
            [
                v.toordinal() if type(v) is date else -1 if v is None or v == "" else 0
                for v in flat.tolist()
            ],
            dtype=np.int64,
            count=len(flat),
        )
        plain = (ordinals >= _MIN_ORDINAL) & (ordinals <= _MAX_ORDINAL)  # plausible years
        empty = ordinals == -1
        # days since 1970 are datetime64[D]'s own numbers, and NaT is the smallest int64: the
        # day array is a view of the numbers, not a conversion
        numbers = ordinals - _EPOCH_ORDINAL
        numbers[~plain] = _NAT_NUMBER
        days = numbers.view("datetime64[D]")
        bad = np.zeros(len(flat), dtype=bool)
        blank = empty.copy()
        parsed_cells = np.empty(len(flat), dtype=object)  # Parsed, for the cells parsed alone
        odd: list[list[int]] = [[] for _ in raws]
        for k in _rows_where(~plain & ~empty).tolist():
            p = parsed_cells[k] = parser(flat[k])
            if p.value is not None:
                days[k] = np.datetime64(p.value, "D")
            bad[k] = p.slug is not None
            blank[k] = p.value is None and p.slug is None and not p.detail
            j, i = divmod(k, n)
            odd[j].append(i)
        # per column: a real date cell after the 12th of its month (the day of the month looked
        # up by day number: numpy's own conversion to months works the calendar out per cell).
        # Settled here for good: rows dropped later (wholly blank ones) hold no real date
        over_12 = np.zeros(len(flat), dtype=bool)
        over_12[plain] = _DAY_OVER_12[numbers[plain] - _FIRST_PLAIN_NUMBER]
        has_over_12: list[bool] = np.any(over_12.reshape(len(raws), n), axis=1).tolist()
        columns = []
        for j, raw in enumerate(raws):
            part = slice(j * n, (j + 1) * n)
            column = object.__new__(cls)
            column.raw_values = raw
            column.days = days[part]
            column._bad = bad[part]
            column._blank = blank[part]
            column.parsed_cells = parsed_cells[part]
            column._empty = empty[part]
            column._plain = plain[part]  # real date cells in the plausible years
            column.parser = parser
            column._odd = odd[j]
            column._over_12 = has_over_12[j]
            columns.append(column)
        return columns

    def take(self, keep: np.ndarray) -> None:
        self.raw_values = self.raw_values[keep]
        self.days = self.days[keep]
        self._bad = self._bad[keep]
        self._blank = self._blank[keep]
        self.parsed_cells = self.parsed_cells[keep]
        self._empty = self._empty[keep]
        self._plain = self._plain[keep]
        self._odd = _rows_where(~self._plain & ~self._empty).tolist()

    def values(self, dtype: Any = object) -> np.ndarray:
        return self.days if dtype == "datetime64[D]" else self.days.astype(object)

    def bad(self) -> np.ndarray:
        return self._bad

    def has_real_day_over_12(self) -> bool:
        """A real date cell dated after the 12th: the column is no US-locale import (settled
        with the other date columns, see :meth:`many`)."""
        return self._over_12

    def bad_rows(self) -> list[int]:
        """The rows whose value has a problem, in order (only rows parsed alone can have one)."""
        return [i for i in self._odd if self._bad[i]]

    def rows_where(self, test: Callable[[Parsed], bool]) -> list[int]:
        """The rows whose value passes ``test``, in order: only the rows parsed alone are looked
        at when neither a real date nor an empty cell passes."""
        if test(_REAL_DAY) or test(BLANK):
            return _rows_where(self.flag(test)).tolist()
        return [i for i in self._odd if test(self.parsed_cells[i])]

    def blank(self) -> np.ndarray:
        return self._blank

    def at(self, i: int) -> Parsed:
        p = self.parsed_cells[i]
        if p is not None:
            return p
        return BLANK if np.isnat(self.days[i]) else Parsed(self.days[i].astype(date))

    def flag(self, test: Callable[[Parsed], bool]) -> np.ndarray:
        """``test`` per row: once for real date cells, once for empty ones, and for each cell
        parsed alone."""
        out = np.full(len(self.days), test(_REAL_DAY), dtype=bool)
        out[self._empty] = test(BLANK)
        for i in self._odd:
            out[i] = test(self.parsed_cells[i])
        return out

    def raw(self, i: int) -> Any:
        return self.raw_values[i]

    def raw_column(self) -> list[Any]:
        return self.raw_values.tolist()

    def raw_at(self, at: Any) -> list[Any]:
        return self.raw_values[at].tolist()


AnyColumn = ParsedColumn | DateColumn


def parsed_column(raw: np.ndarray, f: Any, date1904: bool = False) -> AnyColumn:
    if f.type is FieldType.DATE:
        return DateColumn(raw, _parser(f, date1904))
    return ParsedColumn(raw, _parser(f, date1904))


def _rows_where(flags: np.ndarray) -> np.ndarray:
    """``np.flatnonzero`` for a 1-D mask without its Python wrappers: validation asks it a few
    dozen times per sheet, mostly of masks with nothing set."""
    return flags.nonzero()[0]


def is_one_of(column: np.ndarray, values: Iterable[Any]) -> np.ndarray:
    """``np.isin`` for an object column and a few labels: one comparison per label (isin
    sorts object arrays, which costs far more)."""
    out = np.zeros(len(column), dtype=bool)
    for v in values:
        out |= column == v
    return out


def _date_parser(date1904: bool = False) -> Callable[[Any], Parsed]:
    return parse_date_1904 if date1904 else parse_date


def _parser(f: Any, date1904: bool = False) -> Callable[[Any], Parsed]:
    if f.type is FieldType.DATE:
        return _date_parser(date1904)
    if f.type is FieldType.YES_NO:
        return parse_yes_no
    if f.type is FieldType.CHOICE:
        return lambda v: parse_choice(v, f.choices)
    return parse_text


def validate_table(
    table: SheetTable,
    as_of: date,
    *,
    default_board: str | None = None,
    link: Callable[[str], str | None] | None = None,
) -> ValidatedTable:
    """Parse and check one table (the pipeline batches the schema step over many tables)."""
    validated = prepare_table(table, as_of, default_board=default_board, link=link)
    apply_schemas([validated])
    return validated


def _own_boards(
    typed: list[str | None],
    owners: tuple[str, ...],
    table: SheetTable,
    rows: np.ndarray,
    review_ids: list[str | None],
    link: Callable[[str], str | None],
    problems: list[Problem],
) -> list[str | None]:
    """The config's board for every row (see tracker.access.boards); a cell naming another board is a
    located error. The row stays assessable: its dates are sound, only the cell is wrong."""
    owned: list[str | None] = []
    for i, value in enumerate(typed):
        board, mismatch = resolve_board(value, owners)
        owned.append(board)
        if mismatch:
            cell = table.cell("board", int(rows[i]))
            problems.append(
                Problem.make(
                    "board-mismatch",
                    source=table.source,
                    sheet=table.sheet.title,
                    cell=cell,
                    row=int(rows[i]),
                    column=table.framework.label("board"),
                    review_id=review_ids[i],
                    value=value,
                    detail=" or ".join(owners),
                    link=link(cell) if cell else None,
                )
            )
    return owned


def prepare_table(
    table: SheetTable,
    as_of: date,
    *,
    default_board: str | None = None,
    link: Callable[[str], str | None] | None = None,
    owners: tuple[str, ...] = (),
) -> ValidatedTable:
    """Parse every value and report what parsing finds; the pandera schema runs in
    :func:`apply_schemas`, once per framework over every table prepared in a run."""
    fw = table.framework
    link = link or (lambda cell: None)
    sheet = table.sheet.title
    date1904 = table.sheet.date1904
    fields = fw.all_fields
    # the date columns together (DateColumn.many), the others one by one
    on_dates = [f.id for f in fields if f.type is FieldType.DATE]
    date_columns = DateColumn.many([table.raw[fid] for fid in on_dates], _date_parser(date1904))
    cols: dict[str, AnyColumn] = dict(zip(on_dates, date_columns, strict=True))
    cols = {
        f.id: cols[f.id] if f.id in cols else ParsedColumn(table.raw[f.id], _parser(f, date1904))
        for f in fields
    }
    # rows whose every cell is blank once spaces are stripped are not reviews (a placeholder
    # such as TBC is something typed: its row is kept)
    blank = np.ones(len(table.rows), dtype=bool)
    for c in cols.values():
        blank &= c.blank()
    rows = np.array(table.rows, dtype=np.int64)
    if blank.any():
        keep = ~blank
        rows = rows[keep]
        for c in cols.values():
            c.take(keep)
    n = len(rows)
    problems: list[Problem] = [  # layout problems and notes found locating the table
        p.with_location(link=link(p.cell)) if p.cell and p.link is None else p
        for p in table.problems
    ]
    # errors found now or later (schema, duplicate ids) make their row not assessable
    assessable = np.full(n, table.usable, dtype=bool)
    review_ids: list[str | None] = cols["review_id"].values().tolist()
    row_numbers: list[int] = rows.tolist()
    letters = {fid: column_letter(number) for fid, number in table.columns.items()}

    def report(slug: str, i: int, field_id: str, raw: Any, **kw: Any) -> None:
        # a whole sheet may warn (reviews begun before a framework's start): cheap per row
        row = row_numbers[i]
        letter = letters.get(field_id)
        cell = f"{letter}{row}" if letter else None
        problem = Problem.make(
            slug,
            source=table.source,
            sheet=sheet,
            cell=cell,
            row=row,
            column=fw.label(field_id),
            review_id=review_ids[i],
            value=raw,
            link=link(cell) if cell else None,
            **kw,
        )
        problems.append(problem)
        if problem.is_error:
            assessable[i] = False

    def report_rows(
        slug: str, at: np.ndarray, field_id: str, details: list[str], suggestion: str = ""
    ) -> None:
        """:func:`report` for many rows of one column at once (a whole sheet may warn)."""
        letter = letters.get(field_id)
        numbers = [row_numbers[i] for i in at.tolist()]
        cells = [f"{letter}{row}" for row in numbers] if letter else [None] * len(numbers)
        made = Problem.make_many(
            slug,
            source=table.source,
            sheet=sheet,
            column=fw.label(field_id),
            cells=cells,
            rows=numbers,
            review_ids=[review_ids[i] for i in at.tolist()],
            values=cols[field_id].raw_at(at),
            details=details,
            links=[link(cell) if cell else None for cell in cells],
            suggestion=suggestion,
        )
        problems.extend(made)
        if made and made[0].is_error:
            assessable[at] = False

    frame: dict[str, tuple[str | None, np.ndarray]] = {
        ROW: (None, rows),
        "review_id": ("str", _objects(review_ids)),
    }
    parsed_ok: dict[str, np.ndarray] = {}
    dates: dict[str, np.ndarray] = {}
    yes_no: dict[str, np.ndarray] = {}
    choices: dict[str, np.ndarray] = {}
    boards: list[str | None] = [default_board] * n
    links: list[str | None] = [None] * n

    for f in fw.all_fields:
        if f.id == "notes":
            continue
        column = cols[f.id]
        bad_rows = column.bad_rows()
        if bad_rows:
            parsed_ok[f.id] = ~column.bad()
        for i in bad_rows:
            p = column.at(i)
            report(p.slug or "", i, f.id, column.raw(i), detail=p.detail, suggestion=p.suggestion)
        if f.id == "review_id":
            continue
        if f.type in (FieldType.DATE, FieldType.YES_NO):
            _warn_placeholders(column, f, report)
        if f.type is FieldType.DATE:
            arr = column.values("datetime64[D]")
            dates[f.id] = arr
            frame[f.id] = (None, arr)
        elif f.type is FieldType.YES_NO:
            values = column.values()
            yes_no[f.id] = values
            frame[f.id] = ("boolean", values)
        elif f.type is FieldType.CHOICE:
            for i in column.rows_where(lambda p: p.detail == "choice-case"):
                report("choice-case", i, f.id, column.raw(i), suggestion=column.at(i).suggestion)
            values = column.values()
            frame[f.id] = ("str", values)
            assert isinstance(column, ParsedColumn)  # only dates are a DateColumn
            # an unknown label is None here (the schema reports it)
            choices[f.id] = column.known_values(f.choices)
        else:
            values = column.values()
            frame[f.id] = ("str", values)
            if f.id == "board":
                boards = [v if v is not None else default_board for v in values.tolist()]
            elif f.id == "report_link":
                for i in _rows_where(values != None).tolist():  # noqa: E711
                    v = values[i]
                    if v.lower().startswith("https://") and " " not in v:
                        links[i] = v
                    else:
                        report("invalid-link", i, f.id, column.raw(i))

    if owners:
        boards = _own_boards(boards, owners, table, rows, review_ids, link, problems)

    def on_schema_failure(slug: str, i: int, fid: str) -> None:
        if slug == "missing-required" and fid in parsed_ok and not parsed_ok[fid][i]:
            return  # already reported as unreadable (parsed_ok: the columns with a bad value)
        if slug == "unknown-choice":
            report(slug, i, fid, cols[fid].raw(i), detail=", ".join(fw.field(fid).choices))
        else:
            report(slug, i, fid, cols[fid].raw(i))

    _warn_us_date_import(fw, table, rows, cols, problems, link)
    _warn_future_dates(dates, as_of, report, cols)
    _warn_out_of_order(fw, dates, report, cols)
    _warn_not_applicable(fw, dates, choices, report, cols)
    _warn_not_in_force(fw, dates, report_rows)
    if table.sheet.formulas_without_value:
        for r, col_number in sorted(table.sheet.formulas_without_value):
            located = next((k for k, number in table.columns.items() if number == col_number), None)
            if located is None or located == "notes":
                continue
            idx = np.searchsorted(rows, r)
            if idx < n and rows[idx] == r:
                report("formula-without-value", int(idx), located, None)

    return ValidatedTable(
        source=table.source,
        sheet=sheet,
        framework=fw,
        rows=rows,
        review_ids=review_ids,
        boards=boards,
        report_links=links,
        dates=dates,
        yes_no=yes_no,
        choices=choices,
        assessable=assessable,
        problems=problems,
        link=link,
        id_column=(table.cell("review_id", 1) or "")[:-1],
        raw_review_ids=cols["review_id"].raw_column(),
        frame=frame,
        on_schema_failure=on_schema_failure,
    )


def apply_schemas(tables: Sequence[ValidatedTable]) -> None:
    """Run each framework's pandera schema once over all its prepared tables.

    pandera's cost is mostly per call (about 20 ms), so a national run of hundreds of sheets
    validates them together: one frame per framework, failures mapped back to table and row.
    """
    groups: dict[tuple[Any, ...], list[ValidatedTable]] = {}
    for t in tables:
        if t.frame is not None and len(t):
            groups.setdefault(t.framework.all_fields, []).append(t)
        t.frame = None if not len(t) else t.frame
    for group in groups.values():
        offsets = np.cumsum([0] + [len(t) for t in group])
        big = _typed_frame([t.frame for t in group if t.frame is not None])
        try:
            # in place: the frame is built for the check alone (and no schema coerces)
            framework_schema(group[0].framework).validate(big, lazy=True, inplace=True)
        except pa.errors.SchemaErrors as exc:
            for case in exc.failure_cases.itertuples(index=False):
                slug = _slug(str(case.check))
                if slug is None or case.index is None or pd.isna(case.index):
                    raise RuntimeError(f"unexpected schema failure: {case}") from exc
                at = int(case.index)
                k = int(np.searchsorted(offsets, at, side="right")) - 1
                hook = group[k].on_schema_failure
                assert hook is not None
                hook(slug, at - int(offsets[k]), str(case.column))
        for t in group:
            t.frame = None
            t.on_schema_failure = None  # it holds the raw table: no longer needed
            t.problems.sort(key=_problem_order)


def _objects(values: list[Any]) -> np.ndarray:
    arr = np.empty(len(values), dtype=object)
    arr[:] = values
    return arr


def _typed_frame(parts: list[dict[str, tuple[str | None, np.ndarray]]]) -> pd.DataFrame:
    """One frame from many tables' columns: joined as arrays first, so pandas converts each
    column once per framework rather than once per sheet (its cost is mostly per call)."""
    columns: dict[str, Any] = {}
    for name, (dtype, first) in parts[0].items():
        values = first if len(parts) == 1 else np.concatenate([p[name][1] for p in parts])
        if dtype == "str":
            columns[name] = pd.array(values, dtype="str")  # half a Series' cost, the same column
        elif dtype == "boolean":
            # yes/no answers are True, False or None: the mask and values directly (a third of
            # pd.array's cost, which inspects every value's type)
            columns[name] = pd.arrays.BooleanArray(values == True, values == None)  # noqa: E711, E712
        else:
            columns[name] = values
    return pd.DataFrame(columns, copy=False)  # the arrays are the frame's own: no copy


def _problem_order(p: Problem) -> tuple[int, int, str]:
    col = p.cell.rstrip("0123456789") if p.cell else ""
    return (p.row or 0, len(col), col)


def _slug(check: str) -> str | None:
    for name, slug in CHECK_SLUGS.items():
        if check.startswith(name):
            return slug
    return None


def _warn_placeholders(column: AnyColumn, f: Any, report: Callable[..., None]) -> None:
    """TBC, n/a, - ... in a date or yes/no cell: read as blank, named in a warning, so the
    review stays assessed and its overdue stages stay visible."""
    what = "date" if f.type is FieldType.DATE else "answer (Yes or No)"
    for i in column.rows_where(lambda p: p.detail == "placeholder"):
        report("placeholder", i, f.id, column.raw(i), detail=what)


def _warn_us_date_import(
    fw: Framework,
    table: SheetTable,
    rows: np.ndarray,
    cols: dict[str, AnyColumn],
    problems: list[Problem],
    link: Callable[[str], str | None],
) -> None:
    """A date column holding real date cells beside text dates that read only day first (13/04)
    is what a US-locale import leaves: it turned 04/05 into 5 April and could not read 13/04.
    Its fingerprint: every date cell has a day of 12 or less (it was a month), and no text date
    has (those were all converted). Officers' own mixes of typed and text dates do not look like
    that. Nothing can be corrected from the file itself, so say it once per column."""
    for f in fw.all_fields:
        if f.type is not FieldType.DATE or f.id not in table.columns:
            continue
        column = cols[f.id]
        if isinstance(column, DateColumn):
            if column.has_real_day_over_12():
                continue  # the usual case, settled on the array
            column = ParsedColumn(column.raw_values, column.parser)
        kinds = _us_import_kinds(column)
        if kinds is not None:
            _report_us_import(fw, f.id, table, rows, column, kinds, problems, link)


def _us_import_kinds(column: ParsedColumn) -> list[str] | None:
    """Per distinct value "date", "text" (day first only) or "", when the column has the
    fingerprint; else None. Date cells first (Google Sheets sends them as serial numbers): one
    with a day over 12 rules the column out, and in a real column it comes within a few values."""
    kinds = [""] * len(column.raw_uniques)
    for k, (u, parsed) in enumerate(zip(column.raw_uniques, column.parsed, strict=True)):
        if not isinstance(u, (str, bool)) and isinstance(parsed.value, date):
            if parsed.value.day > 12:
                return None
            kinds[k] = "date"
    if "date" not in kinds:
        return None
    for k, (u, parsed) in enumerate(zip(column.raw_uniques, column.parsed, strict=True)):
        if isinstance(u, str) and parsed.value is not None:
            if not day_first_only(u):
                return None  # e.g. 05/04/2024 left as text: a US import would have converted it
            kinds[k] = "text"
    return kinds if "text" in kinds else None


def _report_us_import(
    fw: Framework,
    fid: str,
    table: SheetTable,
    rows: np.ndarray,
    column: ParsedColumn,
    kinds: list[str],
    problems: list[Problem],
    link: Callable[[str], str | None],
) -> None:
    """One warning for the column, naming a date cell and a day-first text cell."""
    codes = column.codes.tolist()
    real = next(i for i, c in enumerate(codes) if kinds[c] == "date")
    text = next(i for i, c in enumerate(codes) if kinds[c] == "text")
    real_cell = table.cell(fid, int(rows[real])) or ""
    text_cell = table.cell(fid, int(rows[text])) or ""
    detail = (
        f"{real_cell} is a date cell ({uk(column.at(real).value)}), "
        f"{text_cell} is the text {column.raw(text)}"
    )
    problems.append(
        Problem.make(
            "suspect-us-date-import",
            source=table.source,
            sheet=table.sheet.title,
            cell=text_cell,
            row=int(rows[text]),
            column=fw.label(fid),
            # the warning points at the text cell: it quotes what is typed there, as every
            # located problem does
            value=column.raw(text),
            detail=detail,
            link=link(text_cell) if text_cell else None,
        )
    )


def _warn_future_dates(
    dates: dict[str, np.ndarray],
    as_of: date,
    report: Callable[..., None],
    cols: dict[str, AnyColumn],
) -> None:
    limit = np.datetime64(as_of, "D")
    for fid, arr in dates.items():
        for i in _rows_where(arr > limit).tolist():
            report("future-date", int(i), fid, cols[fid].raw(i), detail=as_of.strftime("%d/%m/%Y"))


def _warn_out_of_order(
    fw: Framework,
    dates: dict[str, np.ndarray],
    report: Callable[..., None],
    cols: dict[str, AnyColumn],
) -> None:
    """A stage dated before the stage it follows (``within … after`` and ``after`` rules)."""
    pairs = {
        (r.stage, r.anchor) for r in fw.rules if r.kind in (RuleKind.WITHIN, RuleKind.NOT_BEFORE)
    }
    for stage, anchor in sorted(pairs):
        done, before = dates[stage], dates[anchor]
        for i in _rows_where(done < before).tolist():  # NaT compares False
            report(
                "out-of-order",
                int(i),
                stage,
                cols[stage].raw(i),
                detail=f"{fw.label(anchor)} ({before[i].astype(date).strftime('%d/%m/%Y')})",
            )


def _warn_not_applicable(
    fw: Framework,
    dates: dict[str, np.ndarray],
    choices: dict[str, np.ndarray],
    report: Callable[..., None],
    cols: dict[str, AnyColumn],
) -> None:
    """A date for a stage whose every rule is ruled out by the decision (e.g. a completion date
    on a review that was not initiated): often the decision or the row is wrong. Whether a
    decision rules a stage out is asked once per distinct answer, not per row."""
    for stage in fw.stages:
        rules = stage.rules
        if stage.id not in dates or not rules or any(r.when is None for r in rules):
            continue
        conditions = [r.when for r in rules if r.when is not None]
        fields = sorted({c.field for c in conditions})
        if any(f not in choices for f in fields):
            continue
        flagged = ~np.isnat(dates[stage.id])
        for f in fields:
            labels = fw.field(f).choices
            allowed = [c.values for c in conditions if c.field == f]

            # a known answer (no decision recorded yet: nothing to say) that no rule allows
            def rules_out(v: Any, labels: tuple[str, ...] = labels, allowed: Any = allowed) -> bool:
                return v in labels and not any(v in values for values in allowed)

            column = cols[f]
            assert isinstance(column, ParsedColumn)  # a choice column
            flagged &= column.per_value(rules_out)
        for i in _rows_where(flagged).tolist():
            detail = "; ".join(f"{fw.label(f)} is {choices[f][i]}" for f in fields)
            report("not-applicable-date", int(i), stage.id, cols[stage.id].raw(i), detail=detail)


def _warn_not_in_force(
    fw: Framework,
    dates: dict[str, np.ndarray],
    report_rows: Callable[..., None],
) -> None:
    """A review whose first date is outside the framework's window: assessed as usual, with a
    warning at that date's cell naming the sheet it belongs on. Reviews begun before a change
    stay valid on the old sheet (the window ends at the last date new reviews began under it)."""
    window = fw.in_force
    if window is None or window.field not in dates:
        return
    day = dates[window.field]
    sides: list[tuple[np.ndarray, str, str | None, str]] = []
    if window.start is not None:
        early = day < np.datetime64(window.start, "D")
        sides.append((early, window.before_text, window.predecessor, "reviews begun then"))
    if window.end is not None:
        late = day > np.datetime64(window.end, "D")
        sides.append((late, window.after_text, window.successor, "new reviews"))
    for outside, phrase, sheet, which in sides:
        if sheet:
            tail = f": {which} belong on the {sheet} sheet"
            fix = (
                f"If the date is right, record the review on the {sheet} sheet (tracker init "
                "adds it); reviews begun before the change stay on this sheet."
            )
        else:
            tail = ""
            fix = "Check the date: no framework the tracker knows covers reviews begun then."
        at = _rows_where(outside)  # NaT compares False
        if not len(at):
            continue
        # a whole sheet may be outside (reviews begun before a framework's start): the days'
        # text in one numpy call, the problems made together
        texts = np.datetime_as_string(day[at], unit="D").tolist()
        details = [f"{window.event} {t[8:10]}/{t[5:7]}/{t[:4]}, {phrase}{tail}" for t in texts]
        report_rows("framework-not-in-force", at, window.field, details, suggestion=fix)


def check_workbook_ids(workbook: RawWorkbook, tables: Iterable[ValidatedTable]) -> None:
    """Review ids must be unique across the whole workbook (see :func:`check_run_ids`)."""
    check_run_ids([tables])


def check_run_ids(workbooks: Iterable[Iterable[ValidatedTable]]) -> None:
    """Review ids must be unique across each whole workbook (all its sheets): one pandera check
    for a whole run, of (workbook, review id) pairs.

    pandera's cost is mostly per call and a national run reads dozens of workbooks; the same id
    in two workbooks is two boards' reviews, so the workbook is part of what must be unique.
    Rows go in workbook after workbook, so each workbook's duplicates are reported in the order
    a check of that workbook alone reports them."""
    books = [list(book) for book in workbooks]
    tables = [t for book in books for t in book]
    ids: list[str | None] = []
    for t in tables:
        ids.extend(t.review_ids)
    if not ids:
        return
    lengths = [len(t) for t in tables]
    offsets = np.cumsum([0] + lengths)
    table_book = np.array([k for k, book in enumerate(books) for _ in book], dtype=np.int64)
    book_of_row = np.repeat(table_book, lengths)

    def where(pos: int) -> tuple[ValidatedTable, int]:
        k = int(np.searchsorted(offsets, pos, side="right")) - 1
        return tables[k], pos - int(offsets[k])

    frame = pd.DataFrame({"workbook": book_of_row, "review_id": pd.Series(ids, dtype="str")})
    try:
        WORKBOOK_IDS.validate(frame, lazy=True, inplace=True)
    except pa.errors.SchemaErrors as exc:
        dupes = exc.failure_cases
        # a repeated pair fails in both its columns: each row once
        positions = sorted({int(i) for i in dupes["index"] if i is not None and not pd.isna(i)})
        by_id: dict[tuple[int, str], list[tuple[ValidatedTable, int]]] = {}
        for pos in positions:
            rid = ids[pos]
            if rid is not None:
                by_id.setdefault((int(book_of_row[pos]), rid), []).append(where(pos))
        for (_, rid), places in by_id.items():
            cells = [f"{t.sheet}!{_cell(t, i)}" for t, i in places]
            for t, i in places:
                others = ", ".join(c for c in cells if c != f"{t.sheet}!{_cell(t, i)}")
                problem = Problem.make(
                    "duplicate-id",
                    source=t.source,
                    sheet=t.sheet,
                    cell=_cell(t, i),
                    row=int(t.rows[i]),
                    column="Review ID",
                    review_id=rid,
                    value=t.raw_review_ids[i] if t.raw_review_ids else rid,
                    detail=f" (also {others})" if others else "",
                    link=t.link(_cell(t, i)),
                )
                t.problems.append(problem)
                t.assessable[i] = False


def _cell(t: ValidatedTable, i: int) -> str:
    return f"{t.id_column}{int(t.rows[i])}"
