"""Evaluate every review's stages against the framework's rules, a whole table at once.

For each stage the applicable rules give an earliest and a latest date (combined when several
apply), then a status against the done date and the as-of date. Work is done on numpy columns so a
national table of tens of thousands of reviews costs a few array operations per rule; results stay
columnar until an output asks for records.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

from schemas.validate import ValidatedTable, is_one_of
from tracker.calendars import busday_calendar, shift_array
from tracker.frameworks.vocabulary import must_label
from tracker.model import (
    BASIS_RANK,
    DEFAULT_COUNTING,
    Condition,
    DateCondition,
    Framework,
    Rule,
    RuleKind,
    Stage,
    Status,
    Unit,
)
from tracker.optional.pauses import (
    INFORM_FINDING,
    Adjustment,
    StageAdjustments,
    TableAdjustments,
)
from tracker.problems import Problem

NAT = np.datetime64("NaT", "D")

#: Status codes in the arrays (index into this tuple).
STATUSES: tuple[Status, ...] = tuple(Status)
_CODE = {s: np.int8(i) for i, s in enumerate(STATUSES)}


@dataclass
class StageColumns:
    """One stage's results for every row of a table."""

    stage: Stage
    label: str
    done: np.ndarray  # datetime64[D] (NaT for checks and blanks)
    earliest: np.ndarray
    latest: np.ndarray
    status: np.ndarray  # int8 codes into STATUSES
    days_late: np.ndarray  # int64
    rule_mask: np.ndarray  # int64 bit set of the rules that apply (all rules when none do)
    #: the latest date the rules give, before any pause or extension (datetime64[D])
    original_latest: np.ndarray | None = None
    #: sparse, by row: the sheet rows that adjusted the stage, the extension that set its latest
    #: date, and findings the adjustments raise (a national body not yet told of a pause)
    adjustments: dict[int, list[Adjustment]] = field(default_factory=dict)
    extended: dict[int, Adjustment] = field(default_factory=dict)
    findings: dict[int, list[dict[str, Any]]] = field(default_factory=dict)

    def describe(
        self, mask: int
    ) -> tuple[str | None, bool | None, str | None, str | None, list[Rule]]:
        """basis, must, citation and must/should wording of the rules in ``mask``: the strongest
        basis, must if any is, each rule's own wording (tracker.frameworks.vocabulary)."""
        rules = [r for k, r in enumerate(self.stage.rules) if mask >> k & 1]
        if not rules:
            return None, None, None, None, []
        basis = min((r.basis for r in rules), key=BASIS_RANK.__getitem__)
        must = any(r.must for r in rules)
        citation = "; ".join(dict.fromkeys(r.citation for r in rules))
        return basis.value, must, citation, must_label(rules), rules


@dataclass
class TableResult:
    table: ValidatedTable
    framework: Framework
    as_of: date
    stages: list[StageColumns]
    #: problems evaluation finds in the pauses sheet (an extension that gives no more time)
    problems: list[Problem] = field(default_factory=list)
    _rule_memo: list[dict[int, tuple[Any, ...]]] | None = field(default=None, repr=False)

    def status_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        mask = self.table.assessable
        for sc in self.stages:
            codes, n = np.unique(sc.status[mask], return_counts=True)
            for c, k in zip(codes, n, strict=True):
                counts[STATUSES[c].value] = counts.get(STATUSES[c].value, 0) + int(k)
        return counts

    def rule_memo(self, k: int) -> dict[int, tuple[Any, ...]]:
        """Stage ``k``'s rule fields per rule mask (a few masks serve every row)."""
        if self._rule_memo is None:
            self._rule_memo = [{} for _ in self.stages]
        return self._rule_memo[k]

    def review_dicts(self) -> list[dict[str, Any]]:
        """The ``reviews`` objects of ``tracker check --format json`` (tracker.output.records),
        without the actions the whole run's result adds."""
        from tracker.output.records import review_dicts

        return list(review_dicts(self))


def evaluate_table(
    table: ValidatedTable,
    as_of: date,
    framework: Framework | None = None,
    adjustments: TableAdjustments | None = None,
) -> TableResult:
    """``framework`` may differ from the table's own: a board's overrides applied to it.
    ``adjustments`` are the table's rows of the ``Pauses and extensions`` sheet, applied to
    whichever rules the framework (overridden or not) gives."""
    fw = framework or table.framework
    today = np.datetime64(as_of, "D")
    adjustments = adjustments or {}
    problems: list[Problem] = []
    results = []
    for stage in fw.stages:
        if stage.untimed:
            continue
        results.append(
            _evaluate_stage(fw, stage, table, today, adjustments.get(stage.id), problems)
        )
    return TableResult(table=table, framework=fw, as_of=as_of, stages=results, problems=problems)


def evaluate_tables(
    items: Sequence[tuple[ValidatedTable, Framework]], as_of: date
) -> list[TableResult]:
    """:func:`evaluate_table` for each (table, framework) without pauses or extensions, in order.

    Tables of one framework are evaluated as one: numpy's cost is mostly per call, and a national
    run is hundreds of small sheets (20 workbooks x 7 frameworks at 10,000 reviews evaluated at
    half a million stage results a second sheet by sheet). Every step of evaluation is row by row,
    so each table's results are its rows of the joined table's (views, not copies).
    """
    out: list[TableResult | None] = [None] * len(items)
    groups: dict[tuple[int, tuple[str, ...], tuple[str, ...], tuple[str, ...]], list[int]] = {}
    for i, (table, fw) in enumerate(items):
        key = (id(fw), tuple(table.dates), tuple(table.yes_no), tuple(table.choices))
        groups.setdefault(key, []).append(i)
    for members in groups.values():
        fw = items[members[0]][1]
        tables = [items[i][0] for i in members]
        if len(tables) == 1:
            out[members[0]] = evaluate_table(tables[0], as_of, fw)
            continue
        joined = evaluate_table(_joined(tables), as_of, fw)
        # one framework, one set of rules: each rule set is described once for all its tables
        memo: list[dict[int, tuple[Any, ...]]] = [{} for _ in joined.stages]
        start = 0
        for i, table in zip(members, tables, strict=True):
            rows = slice(start, start + len(table))
            stages = [_rows_of(sc, rows) for sc in joined.stages]
            out[i] = TableResult(
                table=table, framework=fw, as_of=as_of, stages=stages, _rule_memo=memo
            )
            start = rows.stop
    return [r for r in out if r is not None]


def _joined(tables: Sequence[ValidatedTable]) -> ValidatedTable:
    """The typed columns evaluation reads, of several tables of one framework, end to end."""
    first = tables[0]

    def joined(name: str) -> dict[str, np.ndarray]:
        columns: list[dict[str, np.ndarray]] = [getattr(t, name) for t in tables]
        return {f: np.concatenate([c[f] for c in columns]) for f in columns[0]}

    return ValidatedTable(
        source=first.source,
        sheet=first.sheet,
        framework=first.framework,
        rows=np.concatenate([t.rows for t in tables]),
        review_ids=[r for t in tables for r in t.review_ids],
        boards=[b for t in tables for b in t.boards],
        report_links=[r for t in tables for r in t.report_links],
        dates=joined("dates"),
        yes_no=joined("yes_no"),
        choices=joined("choices"),
        assessable=np.concatenate([t.assessable for t in tables]),
    )


def _rows_of(sc: StageColumns, rows: slice) -> StageColumns:
    """One table's rows of a stage evaluated over several tables (no pauses: nothing sparse)."""
    original = None if sc.original_latest is None else sc.original_latest[rows]
    return StageColumns(
        sc.stage,
        sc.label,
        sc.done[rows],
        sc.earliest[rows],
        sc.latest[rows],
        sc.status[rows],
        sc.days_late[rows],
        sc.rule_mask[rows],
        original,
    )


def _condition(when: Condition, table: ValidatedTable, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(holds, ruled out) per row for a choice or yes/no condition; blank is neither."""
    if when.yes_no:
        # the column holds True, False or None: comparing in numpy is ``is``, without a
        # Python step per row
        flag = table.yes_no[when.field]
        want = when.values[0] == "yes"
        return np.equal(flag, want), np.equal(flag, not want)
    choice = table.choices[when.field]
    decided = choice != None  # noqa: E711 - elementwise on an object array
    holds = is_one_of(choice, when.values) & decided
    return holds, decided & ~holds


def _dated(cond: DateCondition, table: ValidatedTable, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(holds, ruled out) per row for a date condition; a blank date is neither."""
    day = table.dates.get(cond.field, np.full(n, NAT))
    known = ~np.isnat(day)
    inside = known.copy()
    if cond.on_or_after is not None:
        inside &= day >= np.datetime64(cond.on_or_after, "D")
    if cond.before is not None:
        inside &= day < np.datetime64(cond.before, "D")
    return inside, known & ~inside


def _applies(rule: Rule, table: ValidatedTable, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(applies, undecided) per row for the rule's ``applies when`` and date condition.

    A rule applies when every condition holds; it is undecided (the stage waits) while none
    rules it out and one is still blank.
    """
    applies = np.ones(n, dtype=bool)
    ruled_out = np.zeros(n, dtype=bool)
    if rule.when is not None:
        holds, out = _condition(rule.when, table, n)
        applies &= holds
        ruled_out |= out
    if rule.dated is not None:
        holds, out = _dated(rule.dated, table, n)
        applies &= holds
        ruled_out |= out
    return applies, ~applies & ~ruled_out


def _pause_spans(
    adj: StageAdjustments, done: np.ndarray, today: np.datetime64, n: int, calendar: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row: working days and calendar days paused (From and To both counted), and whether
    an open pause stops the clock today.

    A pause ends at its To date, or when the stage is done if that is sooner (an open pause on a
    done stage ran until it was done); a pause that starts after the stage was done moves nothing.
    """
    working = np.zeros(n, dtype=np.int64)
    calendar_days = np.zeros(n, dtype=np.int64)
    stopped = np.zeros(n, dtype=bool)
    if not len(adj.pause_at):
        return working, calendar_days, stopped
    at = adj.pause_at
    start, end = adj.pause_from, adj.pause_to.copy()
    finished = done[at]
    is_done = ~np.isnat(finished)
    end = np.where(is_done & (np.isnat(end) | (finished < end)), finished, end)
    closed = ~np.isnat(end) & (end >= start)
    np.logical_or.at(stopped, at, np.isnat(end) & (start <= today))
    if closed.any():
        s, e, rows = start[closed], end[closed] + np.timedelta64(1, "D"), at[closed]
        cal = busday_calendar(calendar)
        np.add.at(working, rows, np.busday_count(s, e, busdaycal=cal))
        np.add.at(calendar_days, rows, (e - s).astype(np.int64))
    return working, calendar_days, stopped


def _moved(
    bound: np.ndarray, unit: Unit, working: np.ndarray, days: np.ndarray, calendar: str
) -> np.ndarray:
    """``bound`` moved later by the paused span in the rule's own unit."""
    if unit is Unit.WORKING_DAYS:
        out = bound.copy()
        hit = (working > 0) & ~np.isnat(bound)
        if hit.any():
            out[hit] = np.busday_offset(
                bound[hit], working[hit], roll="forward", busdaycal=busday_calendar(calendar)
            )
        return out
    return bound + days.astype("timedelta64[D]")


def _evaluate_stage(
    fw: Framework,
    stage: Stage,
    table: ValidatedTable,
    today: np.datetime64,
    adj: StageAdjustments | None = None,
    problems: list[Problem] | None = None,
) -> StageColumns:
    n = len(table)
    field = fw.field(stage.id)
    done = table.dates.get(stage.id, np.full(n, NAT))
    earliest = np.full(n, NAT)
    latest = np.full(n, NAT)
    original = np.full(n, NAT)
    if adj is not None:
        working, calendar_days, stopped = _pause_spans(adj, done, today, n, fw.calendar)
    else:
        stopped = np.zeros(n, dtype=bool)
    any_applies = np.zeros(n, dtype=bool)
    unknown = np.zeros(n, dtype=bool)  # an applicable bound cannot be worked out yet
    mask = np.zeros(n, dtype=np.int64)
    met = np.zeros(n, dtype=bool)
    not_met = np.zeros(n, dtype=bool)
    check_pending = np.zeros(n, dtype=bool)
    is_check = False

    for k, rule in enumerate(stage.rules):
        applies, undecided = _applies(rule, table, n)
        any_applies |= applies
        unknown |= undecided
        mask |= applies.astype(np.int64) << k
        if rule.is_timescale:
            anchor = table.dates[rule.anchor]
            sign = -1 if rule.kind is RuleKind.AT_LEAST_BEFORE else 1
            # "after X" (0 days) only orders two stages: a board's counting never moves it
            counting = fw.counting if rule.amount else DEFAULT_COUNTING
            bound = shift_array(anchor, sign * rule.amount, rule.unit, fw.calendar, counting)
            known = applies & ~np.isnat(bound)
            unknown |= applies & np.isnat(bound)
            if rule.kind is RuleKind.NOT_BEFORE:
                earliest = np.where(
                    known & (np.isnat(earliest) | (bound > earliest)), bound, earliest
                )
            else:
                original = np.where(
                    known & (np.isnat(original) | (bound < original)), bound, original
                )
                if adj is not None:
                    bound = _moved(bound, rule.unit, working, calendar_days, fw.calendar)
                latest = np.where(known & (np.isnat(latest) | (bound < latest)), bound, latest)
        elif rule.kind is RuleKind.MUST_BE_YES:
            is_check = True
            value = table.yes_no[stage.id]
            switched_on = ~np.isnat(table.dates[rule.anchor])
            unknown |= applies & ~switched_on
            live = applies & switched_on
            met |= live & np.equal(value, True)  # True, False or None: == is ``is`` here
            not_met |= live & np.equal(value, False)
            check_pending |= live & (value == None)  # noqa: E711
        elif rule.kind is RuleKind.CHOICE_AGREES:
            is_check = True
            chosen = table.choices[stage.id]
            flag = table.yes_no[rule.anchor]
            expected = np.full(n, None, dtype=object)
            expected[np.equal(flag, True)] = rule.if_yes
            expected[np.equal(flag, False)] = rule.if_no
            have = expected != None  # noqa: E711 - elementwise on an object array
            unknown |= applies & ~have
            live = applies & have
            agrees = chosen == expected
            met |= live & agrees
            not_met |= live & ~agrees
    all_rules = (1 << len(stage.rules)) - 1
    mask = np.where(mask == 0, all_rules, mask)

    status = np.full(n, _CODE[Status.NOT_APPLICABLE], dtype=np.int8)
    days = np.zeros(n, dtype=np.int64)
    live = any_applies | unknown
    if is_check:
        status[live & unknown] = _CODE[Status.WAITING]
        status[check_pending] = _CODE[Status.PENDING]
        status[met] = _CODE[Status.MET]
        status[not_met] = _CODE[Status.NOT_MET]  # a failed check wins over any other
        return StageColumns(
            stage, field.header, np.full(n, NAT), earliest, latest, status, days, mask, original
        )

    extended: dict[int, Adjustment] = {}
    if adj is not None and adj.extensions:
        # in sheet order: each agreed date replaces the one before it and must be later
        for k, ext in adj.extensions:
            if not any_applies[k] or ext.new_due is None:
                continue
            new = np.datetime64(ext.new_due, "D")
            if not np.isnat(latest[k]) and new <= latest[k]:
                if problems is not None:
                    problems.append(_not_later(ext, table, k, latest[k]))
                table.assessable[k] = False
                continue
            latest[k] = new
            unknown[k] = False
            extended[k] = ext

    has_done = ~np.isnat(done)
    has_latest = ~np.isnat(latest)
    has_earliest = ~np.isnat(earliest)
    late = live & has_done & has_latest & (done > latest)
    early = live & has_done & ~late & has_earliest & (done < earliest)
    on_time = live & has_done & ~late & ~early & ~unknown
    paused = live & ~has_done & stopped
    overdue = live & ~has_done & ~paused & has_latest & (today > latest)
    pending = live & ~has_done & ~overdue & ~paused & ~unknown
    waiting = live & ~(late | early | on_time | overdue | pending | paused)

    status[waiting] = _CODE[Status.WAITING]
    status[pending] = _CODE[Status.PENDING]
    status[on_time] = _CODE[Status.ON_TIME]
    status[early] = _CODE[Status.EARLY]
    status[late] = _CODE[Status.LATE]
    status[overdue] = _CODE[Status.OVERDUE]
    status[paused] = _CODE[Status.PAUSED]
    days[late] = (done[late] - latest[late]).astype(np.int64)
    days[early] = (earliest[early] - done[early]).astype(np.int64)
    days[overdue] = (today - latest[overdue]).astype(np.int64)
    latest[paused] = NAT  # no deadline while the clock is stopped
    result = StageColumns(stage, field.header, done, earliest, latest, status, days, mask, original)
    if adj is not None:
        result.adjustments = adj.records
        result.extended = extended
        if stage.inform_when_paused:
            result.findings = _not_informed(adj, stage.inform_when_paused, live)
    return result


def _not_informed(
    adj: StageAdjustments, citation: str, live: np.ndarray
) -> dict[int, list[dict[str, Any]]]:
    """Rows with a pause of this stage and no date the national body was told."""
    rows = np.unique(adj.pause_at[np.isnat(adj.pause_informed)])
    finding = {
        "type": INFORM_FINDING,
        "basis": "statutory guidance",
        "must": False,
        "message": "paused, and the national body has not been told why "
        "(Date national body informed is blank)",
        "source": citation,
    }
    return {int(k): [dict(finding)] for k in rows.tolist() if live[k]}


def _not_later(ext: Adjustment, table: ValidatedTable, k: int, replaced: Any) -> Problem:
    when: date = replaced.astype(object)
    return Problem.make(
        "extension-not-later",
        source=ext.source,
        sheet=ext.sheet,
        cell=ext.due_cell,
        row=ext.row,
        column="New due date",
        review_id=table.review_ids[k],
        value=ext.new_due,
        detail=when.strftime("%d/%m/%Y"),
        link=ext.due_link,
    )
