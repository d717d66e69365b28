"""Evaluate every review's stages against the framework's rules, a whole table at once.

For each stage the applicable rules give an earliest and a latest date (combined when several
apply), then a status against the done date and the as-of date. Work is done on numpy columns so a
national table of tens of thousands of reviews costs a few array operations per rule; results stay
columnar until an output asks for records.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

from schemas.validate import ValidatedTable, is_one_of
from tracker.calendars import shift_array
from tracker.model import BASIS_RANK, Framework, Rule, RuleKind, Stage, Status

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

    def describe(self, mask: int) -> tuple[str | None, bool | None, str | None, list[Rule]]:
        """basis, must, citation of the rules in ``mask``: the strongest basis, must if any is."""
        rules = [r for k, r in enumerate(self.stage.rules) if mask >> k & 1]
        if not rules:
            return None, None, None, []
        basis = min((r.basis for r in rules), key=BASIS_RANK.__getitem__)
        must = any(r.must for r in rules)
        citation = "; ".join(dict.fromkeys(r.citation for r in rules))
        return basis.value, must, citation, rules


@dataclass
class TableResult:
    table: ValidatedTable
    framework: Framework
    as_of: date
    stages: list[StageColumns]
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
        """Stage ``k``'s rule-derived fields per rule mask (a few masks serve every row)."""
        if self._rule_memo is None:
            self._rule_memo = [{} for _ in self.stages]
        return self._rule_memo[k]

    def review_dicts(self) -> list[dict[str, Any]]:
        """The ``reviews`` objects of ``tracker check --format json`` (:mod:`tracker.records`)."""
        from tracker.records import review_dicts

        return list(review_dicts(self))


def evaluate_table(
    table: ValidatedTable, as_of: date, framework: Framework | None = None
) -> TableResult:
    """``framework`` may differ from the table's own: a board's overrides applied to it."""
    fw = framework or table.framework
    today = np.datetime64(as_of, "D")
    results = [_evaluate_stage(fw, stage, table, today) for stage in fw.stages if not stage.untimed]
    return TableResult(table=table, framework=fw, as_of=as_of, stages=results)


def _applies(rule: Rule, table: ValidatedTable, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(applies, undecided) per row for the rule's ``applies when``."""
    if rule.when is None:
        return np.ones(n, dtype=bool), np.zeros(n, dtype=bool)
    choice = table.choices[rule.when.field]
    undecided = np.fromiter((v is None for v in choice), dtype=bool, count=n)
    applies = is_one_of(choice, rule.when.values) & ~undecided
    return applies, undecided


def _evaluate_stage(
    fw: Framework, stage: Stage, table: ValidatedTable, today: np.datetime64
) -> StageColumns:
    n = len(table)
    field = fw.field(stage.id)
    done = table.dates.get(stage.id, np.full(n, NAT))
    earliest = np.full(n, NAT)
    latest = np.full(n, NAT)
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
            bound = shift_array(anchor, sign * rule.amount, rule.unit, fw.calendar)
            known = applies & ~np.isnat(bound)
            unknown |= applies & np.isnat(bound)
            if rule.kind is RuleKind.NOT_BEFORE:
                earliest = np.where(
                    known & (np.isnat(earliest) | (bound > earliest)), bound, earliest
                )
            else:
                latest = np.where(known & (np.isnat(latest) | (bound < latest)), bound, latest)
        elif rule.kind is RuleKind.MUST_BE_YES:
            is_check = True
            value = table.yes_no[stage.id]
            switched_on = ~np.isnat(table.dates[rule.anchor])
            unknown |= applies & ~switched_on
            live = applies & switched_on
            met |= live & np.fromiter((v is True for v in value), dtype=bool, count=n)
            not_met |= live & np.fromiter((v is False for v in value), dtype=bool, count=n)
            check_pending |= live & np.fromiter((v is None for v in value), dtype=bool, count=n)
        elif rule.kind is RuleKind.CHOICE_AGREES:
            is_check = True
            chosen = table.choices[stage.id]
            flag = table.yes_no[rule.anchor]
            expected = np.array(
                [rule.if_yes if v is True else rule.if_no if v is False else None for v in flag],
                dtype=object,
            )
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
            stage, field.header, np.full(n, NAT), earliest, latest, status, days, mask
        )

    has_done = ~np.isnat(done)
    has_latest = ~np.isnat(latest)
    has_earliest = ~np.isnat(earliest)
    late = live & has_done & has_latest & (done > latest)
    early = live & has_done & ~late & has_earliest & (done < earliest)
    on_time = live & has_done & ~late & ~early & ~unknown
    overdue = live & ~has_done & has_latest & (today > latest)
    pending = live & ~has_done & ~overdue & ~unknown
    waiting = live & ~(late | early | on_time | overdue | pending)

    status[waiting] = _CODE[Status.WAITING]
    status[pending] = _CODE[Status.PENDING]
    status[on_time] = _CODE[Status.ON_TIME]
    status[early] = _CODE[Status.EARLY]
    status[late] = _CODE[Status.LATE]
    status[overdue] = _CODE[Status.OVERDUE]
    days[late] = (done[late] - latest[late]).astype(np.int64)
    days[early] = (earliest[early] - done[early]).astype(np.int64)
    days[overdue] = (today - latest[overdue]).astype(np.int64)
    return StageColumns(stage, field.header, done, earliest, latest, status, days, mask)
