"""Render check and validate results: a table for people, JSON, CSV and XLSX for machines.

The table is grouped by board and review with overdue first. It fits the width it is given (the
terminal's, or 100 columns for a file or a pipe: ``tracker.cli.terminal``) and colours statuses
only when asked. Notes never appear: results carry review ids, dates and outcomes only.
"""

from __future__ import annotations

import csv
import io
import os
import textwrap
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote

import numpy as np

from tracker.check import CheckResult
from tracker.cli.files import save_workbook_atomic
from tracker.cli.terminal import PLAIN_WIDTH, paint, paint_status, plural, uk_date
from tracker.evaluate import STATUSES, TableResult
from tracker.frameworks.vocabulary import (
    DEADLINE_STATUSES,
    GROUPS,
    GroupCounts,
    group_of,
    stage_must_label,
)
from tracker.model import STATUS_ORDER
from tracker.optional.pauses import EXTENSION_BASIS
from tracker.output.json_stream import TextSink, write_check_json
from tracker.output.records import (
    ROW_COLUMNS,
    ROW_REVIEW_FIELDS,
    Coded,
    Days,
    Same,
    actions_by_review,
    rule_fields,
)
from tracker.output.records import stage_columns as table_stage_columns
from tracker.output.records import stage_rows as table_stage_rows
from tracker.output.safe_cells import csv_value, xlsx_value
from tracker.problems import Problem, display_value

WIDTH = PLAIN_WIDTH
_LABEL = {
    "on_time": "on time",
    "late": "LATE",
    "early": "EARLY",
    "overdue": "OVERDUE",
    "pending": "pending",
    "waiting": "waiting",
    "not_applicable": "n/a",
    "met": "met",
    "not_met": "NOT MET",
    "paused": "paused",
}
#: the stage-label column: never narrower than this, however narrow the terminal
_MIN_LABEL = 20
#: the widths of the "when" column ("due 26/02/2023 · 1374d overdue") and of the basis after it
_WHEN, _BASIS = 30, 24


def _label(status: str) -> str:
    return _LABEL.get(status, status.replace("_", " "))


#: Shown stage by stage in the table; the rest are counted on the review's line.
_SHOWN = ("overdue", "not_met", "late", "early", "paused", "pending")
_ORDER = {s.value: i for i, s in enumerate(STATUS_ORDER)}
_SHORT_BASIS = {
    "statutory guidance": "stat. guidance",
    "national guidance": "nat. guidance",
}
CSV_COLUMNS = [*ROW_REVIEW_FIELDS, *(column for column, _ in ROW_COLUMNS)]


def _wrap(text: str, first: str, rest: str, width: int = WIDTH) -> list[str]:
    """A message or fix wrapped to the table's width (cutting would lose the end of a fix);
    at most three lines, so a long value typed in a cell cannot flood the table."""
    lines = textwrap.wrap(
        text, width, initial_indent=first, subsequent_indent=rest, break_on_hyphens=False
    ) or [first.rstrip()]
    if len(lines) > 3:
        lines = lines[:2] + [_cut(rest + " ".join(line.strip() for line in lines[2:]), width)]
    return lines


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _status_totals(views: list[_TableView]) -> dict[str, int]:
    """Stages per status over every assessable review (from the columns: no records)."""
    total = np.zeros(len(_STATUS_TEXTS), dtype=np.int64)
    for view in views:
        total += view.tallies().sum(axis=0)
    return {_STATUS_TEXTS[code]: n for code, n in enumerate(total.tolist()) if n}


def _groups_lines(views: list[_TableView]) -> list[str]:
    """Deadlines met and overdue, must apart from should and local (tracker.frameworks.vocabulary)."""
    groups = GroupCounts()
    for view in views:
        view.count_groups(groups)
    met = " · ".join(f"{g} {groups.share_text(g)}" for g in GROUPS)
    return [_cut(f"Deadlines met: {met}", WIDTH), f"Overdue: {groups.overdue_text()}"]


_STATUS_TEXTS = tuple(s.value for s in STATUSES)
_CODE_OF = {s: np.int8(i) for i, s in enumerate(_STATUS_TEXTS)}
_SHOWN_CODES = np.array([_CODE_OF[s] for s in _SHOWN], dtype=np.int8)
#: the statuses whose stages count towards "Deadlines met" (tracker.frameworks.vocabulary)
_DEADLINE_CODES = [i for i, s in enumerate(_STATUS_TEXTS) if s in DEADLINE_STATUSES]


_NAT = int(np.datetime64("NaT", "D").view(np.int64))


class _Iso(dict[int, str | None]):
    """Days since 1970 -> ISO text (None for none), as the check JSON's records hold them
    (numpy's text, as tracker.output.records makes it), each day made once."""

    def __missing__(self, day: int) -> str | None:
        text = None if day == _NAT else str(np.datetime_as_string(np.datetime64(day, "D")))
        self[day] = text
        return text


_ISO = _Iso()


class _Uk(dict[int, str]):
    """Days since 1970 -> the table's date text (31/12/2024; "" for none), each day made once."""

    def __missing__(self, day: int) -> str:
        text = self[day] = uk_date(_ISO[day])
        return text

    def cover(self, days: Iterable[int]) -> None:
        """Make the text of every day of ``days`` not yet made in one numpy call (a call per
        day costs microseconds, and a national run's lines name thousands of days)."""
        new = sorted(d for d in set(days) if d not in self and d != _NAT)
        if new:
            isos = np.datetime_as_string(np.array(new, dtype=np.int64).view("datetime64[D]"))
            self.update(zip(new, map(uk_date, isos.tolist()), strict=True))


_UK = _Uk()
_PAUSED = _CODE_OF["paused"]
_LABEL_OF_CODE = tuple(_label(s) for s in _STATUS_TEXTS)
#: status codes worst first (STATUS_ORDER), each code's place in that order
_RANK_OF_CODE = tuple(_ORDER.get(s, len(_ORDER)) for s in _STATUS_TEXTS)
_WORST_FIRST = sorted(range(len(_STATUS_TEXTS)), key=_RANK_OF_CODE.__getitem__)
_RANK = np.array(_RANK_OF_CODE)
#: a review's rank in its board by its worst stage (render_check_table's order; a review that
#: cannot be assessed ranks 2)
_URGENCY = np.array(
    [
        {"overdue": 0, "not_met": 1, "late": 3, "early": 3, "pending": 4}.get(s, 5)
        for s in _STATUS_TEXTS
    ]
)
#: by status code: whether a stage of that status is shown, and whether it counts as a deadline
_IS_SHOWN = np.isin(np.arange(len(_STATUS_TEXTS)), _SHOWN_CODES)
_IS_DEADLINE = np.isin(np.arange(len(_STATUS_TEXTS)), _DEADLINE_CODES)
#: the stage fields a line of the table reads (its status, dates, rule, pauses and findings)
_LINE_FIELDS = frozenset(
    {
        "label",
        "done",
        "latest",
        "original_latest",
        "status",
        "days_late",
        "basis",
        "must",
        "must_label",
        "adjustments",
        "findings",
    }
)
#: how a stage column is read for one row: one value, a list, days, or codes into texts
_SAME, _LIST, _DAYS, _CODES = range(4)


class _Rules(dict[tuple[int, int], tuple[Any, ...]]):
    """(stage, rule mask) -> the rule fields (basis, must, must_label, citation), for one
    drawing of the table: the tables of one framework share their stages, so each rule set is
    described once a run rather than once a table (140 tables at national scale). Keyed by the
    stage object's id: every stage lives as long as the run's result the drawing reads."""

    def fields(self, result: TableResult, k: int, mask: int) -> tuple[Any, ...]:
        sc = result.stages[k]
        key = (id(sc.stage), mask)
        found = self.get(key)
        if found is None:
            memo = result.rule_memo(k)  # tracker.output.records fills the same memo
            found = memo.get(mask)
            if found is None:
                found = memo[mask] = rule_fields(sc, mask)
            self[key] = found
        return found


def _add_group(groups: GroupCounts, group: str, code: int, found: int) -> None:
    """``found`` stages of status ``code`` (a deadline status) in ``group``."""
    groups.deadlines[group] += found
    if code == _CODE_OF["on_time"]:
        groups.met[group] += found
    elif code == _CODE_OF["overdue"]:
        groups.overdue[group] += found


class _TableView:
    """One evaluated table as the people's table needs it, straight from its columns.

    The table used to be drawn from every review's record (the JSON objects): at national scale
    building those cost more than drawing. Here the stage lines are made from the columns in one
    pass over the cells the table shows (a few list look-ups each); only a stage with pauses,
    extensions or findings becomes a record first. Reviews that cannot be assessed have no
    stages, as in the JSON.
    """

    def __init__(self, result: TableResult, verbose: bool, rules: _Rules | None = None) -> None:
        self.result = result
        self.rules = _Rules() if rules is None else rules
        table = result.table
        self.n = len(table)
        self.ok = np.asarray(table.assessable, dtype=bool)
        self.k = len(result.stages)
        codes = (
            np.stack([sc.status for sc in result.stages], axis=1).astype(np.int8)
            if self.k
            else np.zeros((self.n, 0), dtype=np.int8)
        )
        self.codes = codes
        self.shown = (
            np.broadcast_to(self.ok[:, None], codes.shape)
            if verbose
            else _IS_SHOWN[codes] & self.ok[:, None]
        )
        self._stages: list[list[tuple[str, int, Any]] | None] = [None] * self.k
        self._grids: dict[str, np.ndarray] = {}
        self._tallies: np.ndarray | None = None

    def label_lengths(self) -> list[int]:
        """The labels of the stages some line of the table shows."""
        shown = np.asarray(self.shown.any(axis=0)).tolist()
        return [len(sc.label) for sc, some in zip(self.result.stages, shown, strict=True) if some]

    def _stage_cells(self, k: int) -> list[tuple[str, int, Any]]:
        """Stage ``k``'s fields for every row (tracker.output.records), dates and statuses left
        as plain numbers: the table turns into text only the cells it prints."""
        found = self._stages[k]
        if found is None:
            found = []
            for name, column in table_stage_columns(self.result, k, slice(0, self.n)).items():
                if name not in _LINE_FIELDS:
                    continue
                if isinstance(column, Same):
                    found.append((name, _SAME, column.value))
                elif isinstance(column, Days):
                    found.append((name, _DAYS, column.days.tolist()))
                elif isinstance(column, Coded):
                    found.append((name, _CODES, (column.codes.tolist(), column.texts)))
                else:
                    found.append((name, _LIST, column))
            self._stages[k] = found
        return found

    def stage(self, k: int, i: int) -> dict[str, Any]:
        """Stage ``k`` of row ``i`` as its record in the check JSON holds it (the fields a line
        of the table reads): for the few stages with pauses, extensions or findings."""
        out: dict[str, Any] = {}
        for name, how, column in self._stage_cells(k):
            if how == _SAME:
                out[name] = column
            elif how == _LIST:
                out[name] = column[i]
            elif how == _DAYS:
                out[name] = _ISO[column[i]]
            else:
                codes, texts = column
                out[name] = texts[codes[i]]
        return out

    def count_groups(self, groups: GroupCounts) -> None:
        """``GroupCounts.add_stage`` for every stage of every assessable review, from the status
        and rule-mask columns: the rules decide a stage's group, so a stage whose counted rows
        share one group (nearly every stage) adds its tally at once."""
        tallies = self.tallies().tolist()
        result = self.result
        masks = self.grid("rule_mask")
        first = masks[0].tolist() if self.n else []
        uniform = (masks == masks[:1]).all(axis=0).tolist()
        deadline = None
        for k, sc in enumerate(result.stages):
            tally = tallies[k]
            if not any(tally[code] for code in _DEADLINE_CODES):
                continue
            if uniform[k] and not sc.extended:  # one rule set for all rows: its group's tally
                group = group_of(*self.rules.fields(result, k, first[k])[:2])
                for code in _DEADLINE_CODES:
                    if tally[code]:
                        _add_group(groups, group, code, tally[code])
                continue
            if deadline is None:
                deadline = _IS_DEADLINE[self.codes] & self.ok[:, None]
            rows = deadline[:, k]
            counted = masks[rows, k].tolist()
            group_at = {m: group_of(*self.rules.fields(result, k, m)[:2]) for m in set(counted)}
            names = [group_at[m] for m in counted]
            index = {i: n for n, i in enumerate(np.flatnonzero(rows).tolist())}
            for i in sc.extended:  # an agreed extension's own basis (tracker.output.records)
                if rows[i]:
                    must = self.rules.fields(result, k, int(sc.rule_mask[i]))[1]
                    names[index[i]] = group_of(EXTENSION_BASIS, must)
            for code, name in zip(self.codes[rows, k].tolist(), names, strict=True):
                _add_group(groups, name, code, 1)

    def tallies(self) -> np.ndarray:
        """Per stage, its assessable rows per status (a row per stage, a column per status)."""
        if self._tallies is None:
            width = len(_STATUS_TEXTS)
            flat = (self.codes[self.ok].astype(np.int64) + width * np.arange(self.k)).ravel()
            self._tallies = np.bincount(flat, minlength=self.k * width).reshape(self.k, width)
        return self._tallies

    def board_counts(self) -> tuple[list[int], list[int]]:
        """Per review: its overdue and its not-met stages (assessable reviews only)."""
        ok = self.ok[:, None]
        overdue = ((self.codes == _CODE_OF["overdue"]) & ok).sum(axis=1)
        not_met = ((self.codes == _CODE_OF["not_met"]) & ok).sum(axis=1)
        return overdue.tolist(), not_met.tolist()

    def urgency(self) -> tuple[list[int], list[int]]:
        """Per review the rank and the most days overdue of ``render_check_table``'s order: any
        overdue stage first, then not met, then reviews that cannot be assessed, late or early,
        pending, the rest (a review ranks by its worst stage: :data:`_URGENCY`)."""
        ok = self.ok
        rank = np.where(ok, _URGENCY[self.codes].min(axis=1, initial=5), 2)
        if self.k:
            days = self.grid("days_late")
            overdue = (self.codes == _CODE_OF["overdue"]) & ok[:, None]
            most = np.where(overdue, days, 0).max(axis=1)
            most = np.where(overdue.any(axis=1), most, 0)
        else:
            most = np.zeros(self.n, dtype=np.int64)
        return rank.tolist(), most.tolist()

    def grid(self, name: str) -> np.ndarray:
        """The stages' column ``name`` side by side, a row per review (dates as days since
        1970), made once per table."""
        found = self._grids.get(name)
        if found is None:
            columns = [getattr(sc, name) for sc in self.result.stages]
            found = np.stack(columns, axis=1) if columns else np.zeros((self.n, 0), np.int64)
            if found.dtype.kind == "M":
                found = found.astype("datetime64[D]", copy=False).view(np.int64)
            self._grids[name] = found
        return found

    def stage_lines(self, width: int, label_width: int, colour: bool) -> list[list[str]]:
        """Each review's stage lines, in the order the table prints them (worst status first,
        then stage order): one pass over just the cells the table shows, each line made from
        its columns' values. Only a stage with pauses, extensions or findings (or paused)
        becomes its record first (:meth:`stage`)."""
        out: list[list[str]] = [[] for _ in range(self.n)]
        ii, kk = np.nonzero(self.shown)
        if not len(ii):
            return out
        codes = self.codes[ii, kk]
        line_order = np.lexsort((kk, _RANK[codes], ii))  # by review, worst first, stage order
        ii, kk, codes = ii[line_order], kk[line_order], codes[line_order]
        result = self.result
        stages = result.stages
        odd = self.codes == _PAUSED
        for k, sc in enumerate(stages):
            for i in (*sc.adjustments, *sc.findings, *sc.extended):
                odd[i, k] = True
        labels = [_cut(sc.label, label_width) for sc in stages]
        #: (stage, status, rule mask) -> the line's head (status and label) and its rule's text
        parts: dict[tuple[int, int, int], tuple[str, str]] = {}
        latest = self.grid("latest")[ii, kk].tolist()
        done = self.grid("done")[ii, kk].tolist()
        _UK.cover(latest + done)
        for i, k, code, late, due, finished, mask, special in zip(
            ii.tolist(),
            kk.tolist(),
            codes.tolist(),
            self.grid("days_late")[ii, kk].tolist(),
            latest,
            done,
            self.grid("rule_mask")[ii, kk].tolist(),
            odd[ii, kk].tolist(),
            strict=True,
        ):
            status = _STATUS_TEXTS[code]
            if special:
                out[i] += _stage_lines(self.stage(k, i), width, label_width, colour)
                continue
            found = parts.get((k, code, mask))
            if found is None:
                basis, must, wording, _citation = self.rules.fields(result, k, mask)
                found = parts[(k, code, mask)] = (
                    _head(status, labels[k], label_width),
                    _basis_text({"basis": basis, "must": must, "must_label": wording}),
                )
            head, basis = found
            when = _when(status, _UK[due], _UK[finished], late)
            out[i] += _stage_line(head, status, when, basis, width, colour)
        return out

    def review_lines(
        self,
        actions: Mapping[tuple[str, Any], list[dict[str, Any]]],
        verbose: bool,
        width: int,
        label_width: int,
        colour: bool,
    ) -> list[list[str]]:
        """Each review's lines, in the table's row order: its line (its stages counted by
        status), a line per stage that needs attention (every stage with ``verbose``), worst
        first, and its actions'. Reviews with the same counts share their summary text."""
        table = self.result.table
        drawn = self.stage_lines(width, label_width, colour)
        statuses = len(_STATUS_TEXTS)
        flat = (self.codes.astype(np.int64) + statuses * np.arange(self.n)[:, None]).ravel()
        # each review's counts per status as bytes: reviews with the same counts share a summary
        kind = np.uint8 if self.k < 256 else np.int64
        raw = np.bincount(flat, minlength=self.n * statuses).astype(kind).tobytes()
        step = statuses * np.dtype(kind).itemsize
        keys = [raw[j : j + step] for j in range(0, len(raw), step)]
        texts = {key: _summary(np.frombuffer(key, kind).tolist()) for key in set(keys)}
        sheet = table.sheet
        heads = [
            f"  {rid or '(no review ID)':<18} {sheet} row {row} · {texts[j]}"
            if good
            else f"  {rid or '(no review ID)':<18} {sheet} row {row}: cannot be assessed until"
            " its data errors are fixed"
            for rid, row, j, good in zip(
                table.review_ids, table.rows.tolist(), keys, self.ok.tolist(), strict=True
            )
        ]
        out = [
            [head if len(head) <= width else _cut(head, width), *lines]
            for head, lines in zip(heads, drawn, strict=True)
        ]
        if actions:
            for i, rid in enumerate(table.review_ids):
                own = actions.get((table.source, rid))
                if own:
                    out[i] += _action_lines(own, verbose, width)
        return out


def render_check_table(
    result: CheckResult, *, verbose: bool = False, width: int = WIDTH, colour: bool = False
) -> str:
    """The people's table; sources that could not be read are named first, in full.

    Drawn from the columnar results (:class:`_TableView`), never from every review's record."""
    lines = [paint(f"UNUSABLE  {m}", "red", enabled=colour) for m in result.unusable]
    if result.unusable and not result.tables:
        return "\n".join(lines) + "\n"  # nothing was read: no empty headline after the error
    rules = _Rules()
    views = [_TableView(t, verbose, rules) for t in result.tables]
    counts = _status_totals(views)
    errors = sum(1 for p in result.problems if p.is_error)
    warnings = sum(1 for p in result.problems if not p.is_error and not p.is_info)
    total = sum(v.n for v in views)
    blocked = sum(int(v.n - v.ok.sum()) for v in views)
    lines += [
        f"As of {result.as_of:%d/%m/%Y}: {plural(total, 'review')}"
        f" · {counts.get('overdue', 0)} overdue · {counts.get('not_met', 0)} not met"
        f" · {counts.get('late', 0)} late · {counts.get('pending', 0)} pending"
        f" · {counts.get('paused', 0)} paused",
        *_groups_lines(views),
        f"Data: {plural(blocked, 'review cannot', 'reviews cannot')} be assessed"
        f" · {plural(errors, 'error')}, {plural(warnings, 'warning')} (see `tracker validate`)",
    ]
    if result.actions:
        n = action_counts(result)
        lines.append(
            f"Actions: {n['total']} · {n['overdue']} overdue · {n['open']} open"
            f" · {n['completed']} completed ({n['late']} late)"
            f" · {n['not_applicable']} not accepted or superseded"
        )
    # the label column takes what the terminal has left after status, dates and basis
    room = width - 4 - 9 - (_WHEN + 1) - _BASIS
    longest = max((n for v in views for n in v.label_lengths()), default=0)
    label_width = max(_MIN_LABEL, min(longest, room))
    actions = actions_by_review(result)
    #: per board: (overdue stages, not-met stages) and its reviews as (urgency, lines)
    tallies: dict[str, list[int]] = {}
    by_board: dict[str, list[tuple[tuple[int, int, str], list[str]]]] = defaultdict(list)
    for view in views:
        overdue, not_met = view.board_counts()
        rank, most = view.urgency()
        drawn = view.review_lines(actions, verbose, width, label_width, colour)
        table = view.result.table
        for board, over, unmet, r, m, rid, review_lines in zip(
            table.boards, overdue, not_met, rank, most, table.review_ids, drawn, strict=True
        ):
            board = board or "(no board named)"
            tally = tallies.get(board)
            if tally is None:
                tally = tallies[board] = [0, 0]
            tally[0] += over
            tally[1] += unmet
            by_board[board].append(((r, -m, str(rid)), review_lines))

    def board_order(board: str) -> tuple[int, int, str]:
        return (-tallies[board][0], -tallies[board][1], board)

    for board in sorted(by_board, key=board_order):
        lines.append("")
        lines.append(board)
        lines.append("=" * min(len(board), width))
        for _, review_lines in sorted(by_board[board], key=lambda r: r[0]):
            lines.extend(review_lines)
    return "\n".join(lines) + "\n"


def _summary(counts: list[int]) -> str:
    """A review's stages counted by status, worst first (``counts``: by status code)."""
    return ", ".join(f"{counts[c]} {_LABEL_OF_CODE[c]}" for c in _WORST_FIRST if counts[c])


def _when(
    status: str, latest: str, done: str, days_late: int, since: str = "", due: str = ""
) -> str:
    """A stage line's "when" column from its dates as the table prints them ("" for none);
    ``since`` and ``due``: a paused stage's open pause and the due date it had."""
    if status == "overdue":
        return f"due {latest} · {days_late}d overdue"
    if status == "late":
        return f"done {done} · {days_late}d late"
    if status == "early":
        return f"done {done} · {days_late}d early"
    if status == "pending":
        return f"due by {latest}" if latest else "no deadline"
    if status == "paused":
        return f"from {since} (due {due})"
    return f"done {done}" if done else ""


def _basis_text(stage: Mapping[str, Any]) -> str:
    """A stage line's rule: ``should · stat. guidance``."""
    basis = stage["basis"]
    return f"{stage_must_label(stage)} · {_SHORT_BASIS.get(basis, basis)}" if basis else ""


def _head(status: str, label: str, label_width: int) -> str:
    """A stage line up to its "when" column: its status and label (already cut), padded."""
    return f"    {_label(status):<8} {label:<{label_width}} "


def _stage_line(
    head: str, status: str, when: str, basis: str, width: int, colour: bool
) -> list[str]:
    """A stage's line (``head``: :func:`_head`), or two when its rule would not fit: a split
    must/should keeps its wording, on a line of its own. Colour comes after fitting, so its
    codes never count against the width."""
    line = f"{head}{when:<{_WHEN}} {basis}".rstrip()
    if len(line) <= width:
        return [_paint_line(line, status) if colour else line]
    line = f"{head}{when}".rstrip()
    return [_paint_line(line, status) if colour else line, _cut(f"{'':<13}{basis}", width)]


def _paint_line(line: str, status: str) -> str:
    text = _label(status)
    return line.replace(text, paint_status(text, status, enabled=True), 1)


def _stage_lines(s: dict[str, Any], width: int, label_width: int, colour: bool) -> list[str]:
    """A stage's lines from its record: its line, its pauses and extensions, its findings."""
    status = s["status"]
    since = due = ""
    if status == "paused":
        since = uk_date(
            next((a["from"] for a in s.get("adjustments", ()) if a["to"] is None), None)
        )
        due = uk_date(s["original_latest"])
    when = _when(status, uk_date(s["latest"]), uk_date(s["done"]), s["days_late"], since, due)
    head = _head(status, _cut(s["label"], label_width), label_width)
    out = _stage_line(head, status, when, _basis_text(s), width, colour)
    if s.get("adjustments") and status != "paused":
        out.append(_cut(f"             {adjustment_text(s)}", width))
    for finding in s.get("findings", ()):
        out.append(_cut(f"             should: {finding['message']}", width))
    return out


def _action_lines(actions: list[dict[str, Any]], verbose: bool, width: int = WIDTH) -> list[str]:
    """A review's actions that need attention (all of them with ``verbose``), worst first."""
    shown = actions if verbose else [a for a in actions if a["status"] in _SHOWN]
    out = []
    for a in sorted(shown, key=lambda a: (_ORDER[a["status"]], -a["days_late"])):
        due = a.get("latest") or a["due"]  # moved by a pause or an agreed extension
        if a["status"] == "overdue":
            when = f"due {uk_date(due)} · {a['days_late']}d overdue"
        elif a["status"] == "late":
            when = f"done {uk_date(a['completed'])} · {a['days_late']}d late"
        elif a["status"] == "pending":
            when = f"due by {uk_date(due)}"
        elif a["status"] == "paused":
            when = adjustment_text(a)  # "paused since ...": the due date it had is in the JSON
        elif a["completed"]:
            when = f"done {uk_date(a['completed'])}"
        else:
            when = f"due {uk_date(a['due'])}"
        label = _cut(f"Action {a['action_ref']} · {a['agency']}", 30)
        out.append(_cut(f"    {_label(a['status']):<8} {label:<30} {when}", width).rstrip())
    return out


def action_counts(result: CheckResult) -> dict[str, int]:
    """open / overdue / completed / completed late / not applicable, over every action."""
    from tracker.optional.actions import COMPLETED, LIVE

    acts = result.actions
    return {
        "total": len(acts),
        "open": sum(1 for a in acts if a.action_status in LIVE and a.completed is None),
        "overdue": sum(1 for a in acts if a.status.value == "overdue"),
        "completed": sum(1 for a in acts if a.action_status == COMPLETED),
        "late": sum(1 for a in acts if a.status.value == "late"),
        "not_applicable": sum(1 for a in acts if a.status.value == "not_applicable"),
    }


def adjustment_text(stage: dict[str, Any]) -> str:
    """One line for a stage's pauses and extensions (reasons and bodies are fixed choices;
    notes are never part of it)."""
    parts = []
    for a in stage.get("adjustments", ()):
        if a["kind"] == "pause":
            span = (
                f"{uk_date(a['from'])}-{uk_date(a['to'])}"
                if a["to"]
                else f"since {uk_date(a['from'])}"
            )
            parts.append(f"paused {span}" + (f" ({a['reason']})" if a["reason"] else ""))
        else:
            who = f" with {a['agreed_by']}" if a["agreed_by"] else ""
            parts.append(f"extended to {uk_date(a['new_due'])} (agreed{who})")
    text = "; ".join(parts)
    if stage.get("original_latest") and stage.get("original_latest") != stage.get("latest"):
        text += f"; originally due {uk_date(stage['original_latest'])}"
    return text


def action_adjustment_text(action: dict[str, Any]) -> str:
    """An action's pauses and extensions in a line, its sheet's due date as the original."""
    return adjustment_text({**action, "original_latest": action["due"]})


def render_problems_table(
    result: CheckResult, *, per_sheet: bool = True, width: int = WIDTH, colour: bool = False
) -> str:
    """Per workbook and sheet a verdict, then one line per problem with its cell and fix."""
    lines: list[str] = []
    rows_checked: dict[tuple[str, str], int] = defaultdict(int)
    for t in result.tables:
        rows_checked[(t.table.source, t.table.sheet)] += len(t.table)
    for place, n in result.optional_rows.items():
        rows_checked[place] += n
    by_place: dict[tuple[str, str], list[Problem]] = defaultdict(list)
    for p in result.problems:
        by_place[(p.source, p.sheet or "")].append(p)
    for message in result.unusable:
        lines.append(paint(f"UNUSABLE  {message}", "red", enabled=colour))
    places = sorted(set(rows_checked) | {k for k in by_place if k[1]})
    sources = sorted({s for s, _ in places} | {p.source for p in result.problems})
    for source in sources:
        source_level = [
            p
            for p in by_place.get((source, ""), [])
            if p.type not in ("unreadable-source", "unsupported-format")
        ]
        sheets = [k for k in places if k[0] == source]
        if not sheets and not source_level:
            continue
        lines.append("")
        lines.append(source)
        for p in source_level:
            lines.append(_cut(f"  {p.severity}: {p.message}", width))
        for key in sheets:
            problems = by_place.get(key, [])
            kinds = Counter(p.type for p in problems)
            verdict = (
                "no problems"
                if not problems
                else ", ".join(f"{n}\u00a0{k}" for k, n in kinds.most_common())  # kept whole
            )
            checked = plural(rows_checked.get(key, 0), "row")
            lines.extend(  # every kind of problem named (the slugs to look up)
                line.replace("\u00a0", " ")
                for line in _wrap(f"{key[1]}: {checked} checked · {verdict}", "  ", "    ", width)
            )
            for p in sorted(problems, key=lambda p: (p.row or 0, p.cell or "")):
                cell = f"{key[1]}!{p.cell}" if p.cell else key[1]
                typed = f"  typed: {typed_value(p.value)}" if p.value is not None else ""
                severity = p.severity.upper()
                line = _cut(
                    f"    {severity:<7} {cell:<22} {p.review_id or '-':<14}"
                    f" {p.column or ''}{typed}",
                    width,
                )
                hue = "red" if p.is_error else "yellow" if not p.is_info else None
                lines.append(line.replace(severity, paint(severity, hue, enabled=colour), 1))
                lines.extend(_wrap(p.message, "            ", "            ", width))
                if p.fix:
                    lines.extend(_wrap(p.fix, "            fix: ", "                 ", width))
    errors = sum(1 for p in result.problems if p.is_error)
    notes = sum(1 for p in result.problems if p.is_info)
    lines.append("")
    lines.append(
        f"{plural(sum(rows_checked.values()), 'row')} checked in"
        f" {plural(len(rows_checked), 'sheet')}: {plural(errors, 'error')},"
        f" {plural(len(result.problems) - errors - notes, 'warning')}"
        + (f", {plural(notes, 'note')}" if notes else "")
        + (f", {plural(len(result.unusable), 'unusable source')}" if result.unusable else "")
    )
    return "\n".join(lines).lstrip("\n") + "\n"


def typed_value(value: Any) -> str:
    """The value as the officer typed it; text is quoted so stray spaces show."""
    text = display_value(value)
    return f'"{text}"' if isinstance(value, str) else text


def check_json_text(result: CheckResult, *, compact: bool = False) -> str:
    """The whole check JSON as text (small runs and tests; the CLI streams it instead)."""
    buf = io.StringIO()
    write_check_json(result, buf, compact=compact)
    return buf.getvalue()


def validate_json(result: CheckResult) -> dict[str, Any]:
    sheets: dict[tuple[str, str, str], int] = defaultdict(int)
    for t in result.tables:
        sheets[(t.table.source, t.table.sheet, t.framework.id)] += len(t.table)
    return {
        "as_of": result.as_of.isoformat(),
        "valid": not any(not p.is_info for p in result.problems) and not result.unusable,
        "sheets": [
            {
                "source": s,
                "sheet": sh,
                "framework": fw,
                "rows": n,
                "errors": sum(
                    1 for p in result.problems if p.source == s and p.sheet == sh and p.is_error
                ),
                "warnings": sum(
                    1
                    for p in result.problems
                    if p.source == s and p.sheet == sh and not p.is_error and not p.is_info
                ),
            }
            for (s, sh, fw), n in sorted(sheets.items())
        ],
        "unusable": result.unusable,
        "problems": [p.to_json() for p in result.problems],
    }


def stage_rows(result: CheckResult) -> Iterator[list[Any]]:
    """Every table's stage rows (``CSV_COLUMNS``), streamed from the columnar results."""
    for table in result.tables:
        yield from table_stage_rows(table, adjustment_text)


def action_reviews(result: CheckResult) -> Iterator[dict[str, Any]]:
    """The reviews that have actions, in order, with what the action rows repeat of them (not
    every review's record: the actions are a few per review, the reviews a national run)."""
    actions = actions_by_review(result)
    if not actions:
        return
    for t in result.tables:
        table = t.table
        for rid, board, ok in zip(
            table.review_ids, table.boards, table.assessable.tolist(), strict=True
        ):
            found = actions.get((table.source, rid))
            if found:
                yield {
                    "source": table.source,
                    "review_id": rid,
                    "board": board,
                    "framework": t.framework.id,
                    "assessable": ok,
                    "actions": found,
                }


def action_stage_rows(reviews: Iterable[dict[str, Any]]) -> Iterable[list[Any]]:
    """Each action as a row of the stages' CSV shape (stage ``action``, its reference and agency
    as the label, its due date as the latest), so one file holds every judged deadline."""
    from tracker.optional.actions import CITATION

    for r in reviews:
        for a in r.get("actions", ()):
            yield [
                r["source"],
                a["sheet"],
                a["row"],
                r["review_id"],
                r["board"],
                "actions",
                r["assessable"],
                "action",
                f"{a['action_ref']} ({a['recommendation']}) · {a['agency']}",
                a["completed"],
                None,
                a["latest"] if a.get("adjustments") else a["due"],  # moved, or as on the sheet
                a["status"],
                a["days_late"],
                "local default",
                False,
                "should",
                CITATION,
                a["due"] if a.get("adjustments") else None,
                action_adjustment_text(a) if a.get("adjustments") else None,
            ]


ACTION_COLUMNS = [
    "source",
    "review_id",
    "board",
    "framework",
    "recommendation",
    "action_ref",
    "agency",
    "due",
    "completed",
    "status",
    "days_late",
    "assured",
    "evidence_link",
    "sheet",
    "row",
    "latest",
    "adjustment",
]


def action_rows(reviews: Iterable[dict[str, Any]]) -> Iterable[list[Any]]:
    """One row per action, every field of the JSON (never its notes)."""
    for r in reviews:
        for a in r.get("actions", ()):
            yield [
                r["source"],
                r["review_id"],
                r["board"],
                r["framework"],
                a["recommendation"],
                a["action_ref"],
                a["agency"],
                a["due"],
                a["completed"],
                a["status"],
                a["days_late"],
                a["assured"],
                a["evidence_link"],
                a["sheet"],
                a["row"],
                a.get("latest"),
                action_adjustment_text(a) if a.get("adjustments") else None,
            ]


def write_check_csv(result: CheckResult, out: TextSink) -> None:
    """The stages' CSV, then each action as a stage row, written row by row into ``out``."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    safe = _CsvText()
    writer.writerows(safe.row(row) for row in stage_rows(result))
    writer.writerows(safe.row(row) for row in action_stage_rows(action_reviews(result)))


class _CsvText(dict[str, str]):
    """Each distinct text's CSV form (:func:`csv_value`), worked out once: a national run's rows
    repeat the same labels, dates, statuses and citations a million times."""

    def __missing__(self, text: str) -> str:
        safe: str = csv_value(text)
        self[text] = safe
        return safe

    def row(self, row: list[Any]) -> list[Any]:
        """A row's fields as :func:`csv_value` writes them, None as an empty field (a text of
        a subclass of str, which a dict would merge with its plain equal, checked as it is)."""
        return [
            self[v]
            if type(v) is str
            else ""
            if v is None
            else v
            if type(v) in _NOT_TEXT
            else csv_value(v)
            for v in row
        ]


#: values csv_value leaves as they are, told apart by their exact type
_NOT_TEXT = frozenset({int, bool, float})


def check_csv(result: CheckResult) -> str:
    buf = io.StringIO()
    write_check_csv(result, buf)
    return buf.getvalue()


PROBLEM_COLUMNS = [
    "source",
    "sheet",
    "cell",
    "row",
    "column",
    "review_id",
    "value",
    "type",
    "severity",
    "message",
    "fix",
]


def write_check_xlsx(result: CheckResult, path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Stages")
    ws.freeze_panes = "A2"
    ws.append(CSV_COLUMNS)
    for row in stage_rows(result):
        ws.append([xlsx_value(ws, _xl(v, CSV_COLUMNS[i])) for i, v in enumerate(row)])
    if result.actions:
        _actions_sheet(wb, action_reviews(result))
    _problems_sheet(wb, result.problems, Font, path.parent)
    save_workbook_atomic(wb, path)


def _actions_sheet(wb: Any, reviews: Iterable[dict[str, Any]]) -> None:
    """The ``Actions`` sheet: dates as dates; text typed by officers kept as text, never a formula."""
    ws = wb.create_sheet("Actions")
    ws.freeze_panes = "A2"
    ws.append(ACTION_COLUMNS)
    for row in action_rows(reviews):
        ws.append([xlsx_value(ws, _xl(v, c)) for c, v in zip(ACTION_COLUMNS, row, strict=True)])


def write_problems_xlsx(result: CheckResult, path: Path) -> None:
    """A workbook an officer can work through: one row per problem, a link to each cell."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    _problems_sheet(wb, result.problems, Font, path.parent)
    save_workbook_atomic(wb, path)


def _relative_link(source: Path, base: Path) -> str:
    """A link relative to the problems workbook, so it still works where the shared drive is
    mapped under another path (the two files usually sit in the same folder)."""
    try:
        relative = os.path.relpath(source.resolve(), base.resolve())
    except ValueError:  # another drive (Windows): only an absolute address can reach it
        return source.resolve().as_uri()
    return quote(Path(relative).as_posix())


def _problems_sheet(wb: Any, problems: list[Problem], font: Any, base: Path) -> None:
    from openpyxl.cell import WriteOnlyCell

    ws = wb.create_sheet("Problems")
    ws.freeze_panes = "A2"
    ws.append(PROBLEM_COLUMNS + ["open"])
    for p in problems:
        data = p.to_json()
        row: list[Any] = [data[c] for c in PROBLEM_COLUMNS]
        link_cell = WriteOnlyCell(ws, value=None)
        target = p.link
        if not target and p.sheet and p.cell and not p.source.startswith("gsheet:"):
            sheet = p.sheet.replace("'", "''")
            target = f"{_relative_link(Path(p.source), base)}#'{sheet}'!{p.cell}"
        if target:
            link_cell.value = f"{p.sheet}!{p.cell}" if p.cell else "open"
            link_cell.data_type = "s"  # a sheet title is text, never a formula
            link_cell.hyperlink = target
            link_cell.font = font(color="0563C1", underline="single")
        ws.append(
            [xlsx_value(ws, v if not isinstance(v, bool) else str(v)) for v in row] + [link_cell]
        )


def _xl(value: Any, column: str) -> Any:
    if value is None:
        return None
    dated = ("done", "earliest", "latest", "original_latest", "due", "completed", "assured")
    if column in dated and isinstance(value, str):
        return date.fromisoformat(value)
    return value
