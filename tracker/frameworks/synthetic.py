"""Synthetic reviews for the sample workbooks and the benchmarks: never real names, places or cases.

Reviews are simulated from a framework's own rules, so the generator works for any registered
framework: each stage happens some time after its anchor (usually inside its window, sometimes
late), progress stops at the as-of date or where a review has stalled, and a few checks fail.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from tracker.calendars import shift
from tracker.model import FieldType, Framework, RuleKind


def _outcome(fw: Framework, rng: random.Random) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for f in fw.fields:
        if f.type is FieldType.CHOICE:
            # the first choice is the "review goes ahead" one in every built-in framework
            weights = [4] + [1] * (len(f.choices) - 1)
            values[f.id] = rng.choices(f.choices, weights=weights)[0]
    return values


def simulate_review(
    fw: Framework,
    rng: random.Random,
    as_of: date,
    start: date,
    *,
    lateness: float = 0.2,
    stall: float = 0.15,
) -> dict[str, Any]:
    """One review's row as field id -> value (dates as ``date``; choices as labels)."""
    row: dict[str, Any] = _outcome(fw, rng)
    dates: dict[str, date | None] = {}
    date_fields = [f.id for f in fw.fields if f.type is FieldType.DATE]
    stalled_after = rng.randrange(1, len(date_fields) + 1) if rng.random() < stall else None

    # yes/no fields that decide whether a rule applies (a looked-after child) are known first
    for rule in fw.rules:
        if rule.when is not None and rule.when.yes_no and rule.when.field not in row:
            row[rule.when.field] = "Yes" if rng.random() < 0.3 else "No"

    def applies(rule: Any) -> bool:
        if rule.when is not None:
            if rule.when.yes_no:
                if (row.get(rule.when.field) == "Yes") != (rule.when.values[0] == "yes"):
                    return False
            elif row.get(rule.when.field) not in rule.when.values:
                return False
        if rule.dated is not None:
            day = dates.get(rule.dated.field)
            if isinstance(day, date):  # not known yet: the rule may apply
                if rule.dated.on_or_after is not None and day < rule.dated.on_or_after:
                    return False
                if rule.dated.before is not None and day >= rule.dated.before:
                    return False
        return True

    # the first date field, or the untimed start, opens the review
    first = (
        next(s.id for s in fw.stages if s.untimed)
        if any(s.untimed for s in fw.stages)
        else date_fields[0]
    )
    dates[first] = start
    pending = [f for f in date_fields if f != first]
    done_count = 1
    progress = True
    while pending and progress:
        progress = False
        for fid in list(pending):
            try:
                stage = fw.stage(fid)
            except KeyError:
                stage = None
            rules = [r for r in (stage.rules if stage else ()) if applies(r) and r.is_timescale]
            if stage and stage.rules and not rules:
                dates[fid] = None  # not applicable to this outcome
                pending.remove(fid)
                progress = True
                continue
            if not rules:  # an untimed date: shortly after the start
                dates[fid] = start + timedelta(days=rng.randint(0, 3))
                pending.remove(fid)
                progress = True
                continue
            anchors = [dates.get(r.anchor, ...) for r in rules]
            if any(a is ... for a in anchors):
                continue  # anchor not worked out yet
            pending.remove(fid)
            progress = True
            if any(a is None for a in anchors):
                dates[fid] = None
                continue
            rule = rules[0]
            anchor: date = anchors[0]  # type: ignore[assignment]
            late = rng.random() < lateness
            if rule.kind is RuleKind.WITHIN:
                due = shift(anchor, rule.amount, rule.unit, fw.calendar)
                span = max((due - anchor).days, 1)
                when = (
                    due + timedelta(days=rng.randint(1, 40))
                    if late
                    else anchor + timedelta(days=rng.randint(0, span))
                )
            elif rule.kind is RuleKind.AT_LEAST_BEFORE:
                latest = shift(anchor, -rule.amount, rule.unit, fw.calendar)
                when = (
                    latest + timedelta(days=rng.randint(1, 3))
                    if late
                    else latest - timedelta(days=rng.randint(0, 20))
                )
            else:
                earliest = shift(anchor, rule.amount, rule.unit, fw.calendar)
                if rule.amount and late:
                    when = earliest - timedelta(days=rng.randint(5, 40))
                elif rule.amount:
                    when = earliest + timedelta(days=rng.randint(0, 120))
                else:
                    when = earliest + timedelta(days=rng.randint(0, 45))
            dates[fid] = when
    # stop where the review stalled and at the as-of date: later stages are not done yet
    ordered = sorted((d, f) for f, d in dates.items() if d is not None)
    for i, (d, fid) in enumerate(ordered):
        if d > as_of or (stalled_after is not None and i >= stalled_after and fid != first):
            dates[fid] = None
    done_count = sum(1 for d in dates.values() if d is not None)
    row.update({f: d for f, d in dates.items()})
    for f in fw.fields:
        if f.type is FieldType.YES_NO and f.id not in row:
            row[f.id] = "Yes" if rng.random() > 0.12 else "No"
    # a choice that must agree with a yes/no: usually right
    for stage in fw.stages:
        for rule in stage.rules:
            if rule.kind is RuleKind.CHOICE_AGREES and row.get(stage.id) in (
                rule.if_yes,
                rule.if_no,
            ):
                right = rule.if_yes if row[rule.anchor] == "Yes" else rule.if_no
                wrong = rule.if_no if right == rule.if_yes else rule.if_yes
                row[stage.id] = right if rng.random() > 0.1 else wrong
    # a decision not yet made leaves its outcome blank
    for rule in fw.rules:
        if rule.when and "decision" in dates and dates["decision"] is None and rng.random() < 0.7:
            row[rule.when.field] = None
    del done_count
    return row


def _window(fw: Framework, first: date, as_of: date) -> tuple[date, date]:
    """The days reviews may begin on: from ``first`` to ``as_of``, inside the framework's in-force
    window (a framework that ended before ``first`` gets a span of the same length before its end,
    a month short of it so the first stage's date also falls inside)."""
    window = fw.in_force
    lo, hi = first, as_of
    if window is not None and window.start is not None:
        lo = max(lo, window.start)
    if window is not None and window.end is not None and window.end < hi + timedelta(days=30):
        hi = window.end - timedelta(days=30)
        if lo >= hi:
            lo = hi - (as_of - first)
    if lo >= hi:  # the framework began after as_of: its reviews are dated as asked (and warned)
        return first, as_of
    return lo, hi


def synthetic_rows(
    fw: Framework,
    n: int,
    *,
    seed: int,
    as_of: date,
    prefix: str,
    first: date = date(2022, 1, 1),
    **kw: Any,
) -> list[dict[str, Any]]:
    rng = random.Random(f"{seed}-{fw.id}")
    first, last = _window(fw, first, as_of)
    span = (last - first).days
    rows = []
    for i in range(n):
        start = first + timedelta(days=rng.randint(0, max(span - 5, 1)))
        row = simulate_review(fw, rng, as_of, start, **kw)
        row["review_id"] = f"{prefix}-{start.year}-{i + 1:03d}"
        rows.append(row)
    return rows
