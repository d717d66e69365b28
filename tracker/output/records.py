"""The check results as records and rows: one field list for every output, built a chunk at a time.

``REVIEW_FIELDS`` and ``STAGE_FIELDS`` are the review and stage objects of ``tracker check --format
json`` (DESIGN.md), in order; ``ROW_COLUMNS`` maps the CSV/XLSX stage columns onto them. A field is
added in one place here (its value in :func:`review_columns` or :func:`stage_columns`) and every
output (JSON, the snapshot, CSV, XLSX, the records the table, e-mail and web view use) carries it.

Values come straight from the columnar results of :mod:`tracker.evaluate` as Python lists, a chunk
of rows at a time, so writers stream row by row and never hold every record: a national run's
output costs memory for one chunk, not for the whole document.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from itertools import repeat
from typing import TYPE_CHECKING, Any

import numpy as np

from tracker.optional.pauses import EXTENSION_BASIS

if TYPE_CHECKING:
    from tracker.check import CheckResult
    from tracker.evaluate import StageColumns, TableResult
    from tracker.optional.pauses import Adjustment

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
    "actions",
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
    "must_label",
    "source",
    "original_latest",
    "adjustments",
    "findings",
)
#: Stage fields that follow from which rules apply (the row's rule mask): worked out once per mask.
RULE_FIELDS = ("basis", "must", "must_label", "source")
#: ``--compact``: a stage names its rule (``rule``, a key of the document's ``rules`` map) in
#: place of the rule fields, which would repeat the same citation in every review.
COMPACT_STAGE_FIELDS = (
    "id",
    "label",
    "done",
    "earliest",
    "latest",
    "status",
    "days_late",
    "rule",
    "original_latest",
    "adjustments",
    "findings",
)
#: CSV/XLSX stage columns: (column, stage field). ``adjustments`` is one line of text there.
ROW_COLUMNS = (
    ("stage", "id"),
    ("label", "label"),
    ("done", "done"),
    ("earliest", "earliest"),
    ("latest", "latest"),
    ("status", "status"),
    ("days_late", "days_late"),
    ("basis", "basis"),
    ("must", "must"),
    ("must_label", "must_label"),
    ("citation", "source"),
    ("original_latest", "original_latest"),
    ("adjustments", "adjustments"),
)
#: Review columns at the start of every CSV/XLSX row.
ROW_REVIEW_FIELDS = ("source", "sheet", "row", "review_id", "board", "framework", "assessable")
#: Fields whose values are lists (each record gets its own list).
LIST_FIELDS = frozenset({"stages", "actions", "adjustments", "findings"})


@dataclass(frozen=True)
class Same:
    """One value for every row of a chunk (a stage's id and label, the sheet's name)."""

    value: Any


#: Actions by (source, review id), each as its JSON object (tracker.optional.actions).
ActionsByReview = Mapping[tuple[str, Any], list[dict[str, Any]]]

_NO_ACTIONS: ActionsByReview = {}


def actions_by_review(result: CheckResult) -> dict[tuple[str, Any], list[dict[str, Any]]]:
    """Every judged action under its review, in sheet order."""
    by_review: dict[tuple[str, Any], list[dict[str, Any]]] = {}
    for a in result.actions:
        by_review.setdefault((a.source, a.review_id), []).append(a.to_json())
    return by_review


def _status_values() -> tuple[str, ...]:
    """The status texts by code (made once: a national run asks for them per sheet and stage)."""
    global _STATUS_VALUES
    if _STATUS_VALUES is None:
        from tracker.evaluate import STATUSES

        _STATUS_VALUES = tuple(s.value for s in STATUSES)
    return _STATUS_VALUES


_STATUS_VALUES: tuple[str, ...] | None = None


_NAT = int(np.datetime64("NaT", "D").view(np.int64))
#: A run's dates span a few thousand days; beyond this many, text is made day by day instead.
_MAX_SPAN = 200_000


#: At most this many dates: looked up one by one in a memo rather than through numpy calls.
_FEW = 256


class _DayMemo(dict[int, str | None]):
    """Days since 1970 -> the text numpy gives for it (ISO, or its JSON), each day made once."""

    def __init__(self, as_json: bool) -> None:
        super().__init__()
        self.as_json = as_json

    def __missing__(self, day: int) -> str | None:
        if day == _NAT:
            text: str | None = "null" if self.as_json else None
        else:
            iso = str(np.datetime_as_string(np.datetime64(day, "D"), unit="D"))
            text = f'"{iso}"' if self.as_json else iso
        self[day] = text
        return text


class _DayTexts:
    """Days since 1970 -> ISO text and its JSON text, by table lookup: the table covers the days
    seen so far (numpy makes it in one call), so a chunk's dates are one ``take`` rather than a
    conversion per value (numpy's own costs a microsecond a value)."""

    def __init__(self) -> None:
        self.base = 0
        self.iso = np.empty(0, dtype=object)
        self.json = np.empty(0, dtype=object)
        self._iso = _DayMemo(as_json=False)
        self._json = _DayMemo(as_json=True)

    def _cover(self, lo: int, hi: int) -> None:
        if len(self.iso):
            if self.base <= lo and hi < self.base + len(self.iso):
                return
            lo, hi = min(lo, self.base), max(hi, self.base + len(self.iso) - 1)
        text = np.datetime_as_string(np.arange(lo, hi + 1).astype("datetime64[D]"), unit="D")
        self.base = lo
        self.iso = text.astype(object)
        self.json = np.array(['"' + t + '"' for t in text.tolist()], dtype=object)

    def texts(self, days: np.ndarray, as_json: bool) -> list[str | None]:
        if len(days) <= _FEW:  # a small sheet's chunk: numpy's per-call costs would dominate
            memo = self._json if as_json else self._iso
            return [memo[d] for d in days.tolist()]
        blank = "null" if as_json else None
        nat = days == _NAT
        if nat.all():
            return [blank] * len(days)
        known = days[~nat]
        lo, hi = int(known.min()), int(known.max())
        if hi - lo > _MAX_SPAN:  # implausible spans: day by day
            out = [None if d == _NAT else date.fromordinal(d + _EPOCH).isoformat() for d in days]
            return [blank if t is None else f'"{t}"' for t in out] if as_json else out
        self._cover(lo, hi)
        table = self.json if as_json else self.iso
        found = table[np.where(nat, lo, days) - self.base]
        found[nat] = blank
        return found.tolist()


_EPOCH = date(1970, 1, 1).toordinal()
_DAY_TEXTS = _DayTexts()


@dataclass(frozen=True)
class Days:
    """A chunk's dates (datetime64[D]): ISO text or null, made only when a writer asks."""

    days: np.ndarray

    @classmethod
    def of(cls, arr: np.ndarray) -> Days:
        return cls(arr.astype("datetime64[D]", copy=False).view(np.int64))

    def iso(self) -> list[str | None]:
        return _DAY_TEXTS.texts(self.days, as_json=False)

    def json(self) -> list[str]:
        """The JSON text of each date (``"2024-06-30"`` or ``null``)."""
        return _DAY_TEXTS.texts(self.days, as_json=True)  # type: ignore[return-value]


@dataclass(frozen=True)
class Coded:
    """A chunk's codes into a few texts (statuses): the texts made only when a writer asks."""

    codes: np.ndarray
    texts: tuple[str, ...]

    def values(self) -> list[str]:
        table = np.empty(len(self.texts), dtype=object)
        table[:] = self.texts
        return table[self.codes].tolist()

    def json(self) -> list[str]:
        texts = _CODED_JSON.get(self.texts)
        if texts is None:
            texts = _CODED_JSON[self.texts] = [
                json.dumps(t, ensure_ascii=False) for t in self.texts
            ]
        return [texts[c] for c in self.codes.tolist()]


#: each set of coded texts (the statuses) as JSON text, made once
_CODED_JSON: dict[tuple[str, ...], list[str]] = {}


#: A column of one chunk: the same value throughout, one value per row, or dates or codes that
#: become text only when a writer asks (:func:`plain`).
Column = Same | list[Any] | Days | Coded


def extension_source(ext: Adjustment, replaced: str | None) -> str:
    """The citation of a stage whose latest date an agreed extension set: who agreed, where it is
    recorded, and the rule it replaced (kept visible)."""
    who = f" with {ext.agreed_by}" if ext.agreed_by else ""
    text = f"Extension agreed{who} ({ext.sheet} row {ext.row})"
    return f"{text}; replaces: {replaced}" if replaced else text


def rule_fields(sc: StageColumns, mask: int) -> tuple[Any, ...]:
    """``RULE_FIELDS`` of the rules in ``mask``."""
    basis, must, citation, wording, _rules = sc.describe(mask)
    return (basis, must, wording, citation)


def _extended(fields: tuple[Any, ...], ext: Adjustment) -> tuple[Any, ...]:
    """``RULE_FIELDS`` of a stage whose latest date an agreed extension set."""
    return (EXTENSION_BASIS, fields[1], fields[2], extension_source(ext, fields[3]))


@dataclass
class CompactRules:
    """The ``rules`` map of ``--compact``: each distinct set of rule fields once, under an id.

    An id says which framework, stage and rules it is (``england-scr.decision``, or
    ``england-scr.publication:1+2`` when only some of a stage's rules apply, numbered in the
    stage's order; ``…+extension@Pauses and extensions!7`` for an agreed extension). A board's
    own timescales give the same stage other fields: such an id gets ``~2``, ``~3``…
    """

    rules: dict[str, dict[str, Any]] = field(default_factory=dict)
    _ids: dict[tuple[Any, ...], str] = field(default_factory=dict)
    #: (table, stage) -> mask -> id; (table, stage) -> row -> id for extended rows
    by_mask: dict[tuple[int, int], dict[int, str]] = field(default_factory=dict)
    by_row: dict[tuple[int, int], dict[int, str]] = field(default_factory=dict)

    def add(self, base: str, fields: tuple[Any, ...]) -> str:
        rid = self._ids.get((base, *fields))
        if rid is None:
            rid, n = base, 1
            while rid in self.rules:
                n += 1
                rid = f"{base}~{n}"
            self._ids[(base, *fields)] = rid
            self.rules[rid] = dict(zip(RULE_FIELDS, fields, strict=True))
        return rid

    def stage(self, table: int, k: int) -> tuple[dict[int, str], dict[int, str]]:
        """Stage ``k`` of table ``table``: its rule ids by mask, and by row where extended."""
        return self.by_mask[(table, k)], self.by_row[(table, k)]

    @classmethod
    def of(cls, result: CheckResult) -> CompactRules:
        """Every rule set an assessable stage of the run refers to, in document order."""
        out = cls()
        for ti, t in enumerate(result.tables):
            ok = t.table.assessable
            for k, sc in enumerate(t.stages):
                stage = f"{t.framework.id}.{sc.stage.id}"
                ids = out.by_mask[(ti, k)] = {}
                memo = t.rule_memo(k)
                for mask in np.unique(sc.rule_mask[ok]).tolist():
                    fields = memo.get(mask)
                    if fields is None:
                        fields = memo[mask] = rule_fields(sc, mask)
                    ids[mask] = out.add(_rule_key(stage, sc, mask), fields)
                rows = out.by_row[(ti, k)] = {}
                for i, ext in sorted(sc.extended.items()):
                    if not ok[i]:
                        continue
                    mask = int(sc.rule_mask[i])
                    fields = memo.get(mask) or rule_fields(sc, mask)
                    base = f"{_rule_key(stage, sc, mask)}+extension@{ext.sheet}!{ext.row}"
                    rows[i] = out.add(base, _extended(fields, ext))
        return out


def _rule_key(stage: str, sc: StageColumns, mask: int) -> str:
    count = len(sc.stage.rules)
    if count <= 1 or mask == (1 << count) - 1:
        return stage
    return stage + ":" + "+".join(str(b + 1) for b in range(count) if mask >> b & 1)


def review_columns(
    result: TableResult, rows: slice, actions: ActionsByReview = _NO_ACTIONS
) -> dict[str, Column]:
    """The review fields (all but ``stages``) of rows ``rows`` of one table."""
    t = result.table
    ids = t.review_ids[rows]
    columns: dict[str, Column] = {
        "source": Same(t.source),
        "sheet": Same(t.sheet),
        "row": t.rows[rows].tolist(),
        "review_id": ids,
        "board": t.boards[rows],
        "framework": Same(result.framework.id),
        "assessable": t.assessable[rows].tolist(),
        "report_link": t.report_links[rows],
    }
    if actions:
        source = t.source
        columns["actions"] = [actions.get((source, rid), _EMPTY) for rid in ids]
    else:
        columns["actions"] = Same(_EMPTY)
    return columns


_EMPTY: list[Any] = []


def _sparse(found: Mapping[int, Any], rows: slice) -> list[int]:
    """The row numbers of ``found`` inside ``rows``, in order (the map is small)."""
    if not found:
        return []
    return sorted(i for i in found if rows.start <= i < rows.stop)


def stage_columns(
    result: TableResult,
    k: int,
    rows: slice,
    compact: tuple[dict[int, str], dict[int, str]] | None = None,
) -> dict[str, Column]:
    """Stage ``k``'s fields for rows ``rows`` (rows that cannot be assessed included: callers
    skip them). With ``compact`` (the stage's rule ids by mask and, for extended rows, by row:
    :class:`CompactRules`), the rule fields give way to ``rule``."""
    sc = result.stages[k]
    statuses = _status_values()
    masks = sc.rule_mask[rows].tolist()
    distinct = set(masks)
    memo = result.rule_memo(k)
    for m in distinct.difference(memo):
        memo[m] = rule_fields(sc, m)
    start = rows.start
    columns: dict[str, Column] = {
        "id": Same(sc.stage.id),
        "label": Same(sc.label),
        "done": Days.of(sc.done[rows]),
        "earliest": Days.of(sc.earliest[rows]),
        "latest": Days.of(sc.latest[rows]),
        "status": Coded(sc.status[rows], statuses),
        "days_late": sc.days_late[rows].tolist(),
    }
    extended = _sparse(sc.extended, rows)
    if compact is not None:
        by_mask, by_row = compact
        if len(by_mask) == 1 and not extended:
            columns["rule"] = Same(next(iter(by_mask.values())))
        else:
            rule = [by_mask.get(m) for m in masks]
            for i in extended:
                rule[i - start] = by_row.get(i, rule[i - start])
            columns["rule"] = rule
    elif len(distinct) == 1 and not extended:  # one rule set serves every row of the chunk
        info = memo[masks[0]]
        columns.update(zip(RULE_FIELDS, map(Same, info), strict=True))
    else:
        infos = [memo[m] for m in masks]
        for i in extended:
            infos[i - start] = _extended(infos[i - start], sc.extended[i])
        for j, name in enumerate(RULE_FIELDS):
            columns[name] = [info[j] for info in infos]
    original = sc.latest if sc.original_latest is None else sc.original_latest
    columns["original_latest"] = Days.of(original[rows])
    columns["adjustments"] = _sparse_column(
        {i: [a.to_json() for a in sc.adjustments[i]] for i in _sparse(sc.adjustments, rows)}, rows
    )
    columns["findings"] = _sparse_column(
        {i: sc.findings[i] for i in _sparse(sc.findings, rows)}, rows
    )
    return columns


def _sparse_column(found: dict[int, list[Any]], rows: slice) -> Column:
    """A list field that most rows leave empty: ``[]`` but where ``found`` says otherwise."""
    if not found:
        return Same(_EMPTY)
    values: list[Any] = [_EMPTY] * (rows.stop - rows.start)
    for i, v in found.items():
        values[i - rows.start] = v
    return values


def chunks(result: TableResult, size: int = CHUNK) -> Iterator[slice]:
    n = len(result.table)
    for start in range(0, n, size):
        yield slice(start, min(start + size, n))


def plain(columns: dict[str, Column]) -> dict[str, Same | list[Any]]:
    """The columns with dates as ISO text and codes as their text (records, CSV and XLSX)."""
    out: dict[str, Same | list[Any]] = {}
    for name, column in columns.items():
        if isinstance(column, Days):
            out[name] = column.iso()
        elif isinstance(column, Coded):
            out[name] = column.values()
        else:
            out[name] = column
    return out


def value(column: Same | list[Any], i: int) -> Any:
    return column.value if isinstance(column, Same) else column[i]


def _records(
    columns: dict[str, Same | list[Any]], fields: tuple[str, ...], count: int
) -> list[dict[str, Any]]:
    """A chunk's records, built by zipping its columns; list values copied, so no two records
    share a list (a caller may add to one)."""
    values: list[Iterable[Any]] = []
    for f in fields:
        column = columns[f]
        if f in LIST_FIELDS:
            if isinstance(column, Same):
                values.append([list(column.value) for _ in range(count)])
            else:
                values.append([list(v) for v in column])
        elif isinstance(column, Same):
            values.append(repeat(column.value, count))
        else:
            values.append(column)
    return [dict(zip(fields, row, strict=True)) for row in zip(*values, strict=True)]


def review_dicts(
    result: TableResult, actions: ActionsByReview | None = None
) -> Iterator[dict[str, Any]]:
    """The ``reviews`` objects of ``tracker check --format json``, one table's rows in order
    (without ``actions`` when ``actions`` is None: the table's own records)."""
    fields = REVIEW_FIELDS if actions is not None else REVIEW_FIELDS[:-1]
    for rows in chunks(result):
        count = rows.stop - rows.start
        head = plain(review_columns(result, rows, actions or _NO_ACTIONS))
        head["stages"] = Same([])
        stages = [
            _records(plain(stage_columns(result, k, rows)), STAGE_FIELDS, count)
            for k in range(len(result.stages))
        ]
        assessable = head["assessable"]
        assert isinstance(assessable, list)
        reviews = _records(head, fields, count)
        if stages:
            for review, ok, own in zip(reviews, assessable, zip(*stages, strict=True), strict=True):
                if ok:
                    review["stages"] = list(own)
        yield from reviews


def stage_rows(
    result: TableResult, adjustment_text: Callable[[dict[str, Any]], str]
) -> Iterator[list[Any]]:
    """The CSV/XLSX stage rows (``ROW_REVIEW_FIELDS`` + ``ROW_COLUMNS``) of one table: a row per
    stage of each review, one row with its stage columns empty for a review that cannot be
    assessed. ``adjustment_text`` turns a stage with pauses or extensions into its one line."""
    fields = [f for _, f in ROW_COLUMNS]
    adjusted = fields.index("adjustments")
    blank = [None] * len(fields)
    for rows in chunks(result):
        count = rows.stop - rows.start
        head = plain(review_columns(result, rows))
        # each row's values zipped from the chunk's columns (not looked up field by field)
        bases = list(zip(*(_listed(head[f], count) for f in ROW_REVIEW_FIELDS), strict=True))
        stages = [
            list(zip(*(_listed(s[f], count) for f in fields), strict=True))
            for s in (plain(stage_columns(result, k, rows)) for k in range(len(result.stages)))
        ]
        assessable = head["assessable"]
        assert isinstance(assessable, list)
        for i in range(count):
            base = list(bases[i])
            if not assessable[i] or not stages:
                yield base + blank
                continue
            for s in stages:
                row = list(s[i])
                if row[adjusted]:
                    row[adjusted] = adjustment_text(dict(zip(fields, row, strict=True)))
                else:
                    row[adjusted] = None
                yield base + row


def _listed(column: Same | list[Any], count: int) -> list[Any]:
    return [column.value] * count if isinstance(column, Same) else column
