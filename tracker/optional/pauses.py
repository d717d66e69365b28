"""Pauses, agreed extensions and deferred publication: the ``Pauses and extensions`` sheet.

Reviews are held up for good reasons (a criminal trial, an inquest, a pause the police ask for, more
time a national body agrees). Officers record each event as one row of an optional per-workbook
sheet (DESIGN.md gives its exact headers); this module checks the rows against the workbook's own
reviews and turns them into per-stage columns that evaluation applies (``tracker.evaluate``).

A row may also name an action of the review's ``Actions`` sheet instead of a stage (``Action R3.1``,
or ``Action 1 (R3)`` when two recommendations share the reference): the pause or extension then moves
that action's due date exactly as it moves a stage's, in the action rule's unit.

A row with an error is reported at its cell and not applied; the review it names is listed as
"cannot assess" (the action it names is left out) until it is fixed, because a deadline with a pause
left out would be a guess. Every other row still counts. Notes are never read.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from schemas.optional import SheetRows, SheetSpec
from schemas.table import normalise_header
from schemas.validate import ValidatedTable
from tracker.model import Field, FieldType, Framework, RuleKind

SHEET_TITLE = "Pauses and extensions"
PAUSE, EXTENSION = "Pause", "Agreed extension"
KINDS = (PAUSE, EXTENSION)
#: the ``kind`` of an adjustment in the JSON
KIND_KEYS = {PAUSE: "pause", EXTENSION: "extension"}
REASONS = (
    "Criminal proceedings",
    "Inquest",
    "Family court proceedings",
    "Family engagement",
    "Information from agencies outstanding",
    "Other",
)
AGREED_WITH = (
    "National Panel",
    "Secretary of State",
    "Ofsted",
    "Welsh Government",
    "Care Inspectorate",
    "SBNI",
    "Board chair",
    "Safeguarding partners",
)
#: the basis a stage shows once an agreed extension sets its latest date
EXTENSION_BASIS = "agreed extension"
#: a pause open longer than this is listed under "needs attention" in the weekly e-mail
LONG_PAUSE_DAYS = 183
INFORM_FINDING = "national-body-not-informed"
#: the action rule a pause or extension of an action moves (tracker.optional.actions)
ACTION_STAGE = "completed"
#: how the Stage column names an action: ``Action R3.1``, ``R3.1``, or ``Action 1 (R3)``
_ACTION_NAME = re.compile(r"^(?:action\s+)?(?P<ref>.*?)(?:\s*\((?P<rec>[^()]*)\))?$", re.IGNORECASE)

SPEC = SheetSpec(
    SHEET_TITLE,
    (
        Field("review_id", "Review ID", FieldType.TEXT, required=True),
        Field("stage", "Stage", FieldType.TEXT, required=True),
        Field("kind", "Kind", FieldType.CHOICE, required=True, choices=KINDS),
        Field("reason", "Reason", FieldType.CHOICE, choices=REASONS),
        Field("from", "From", FieldType.DATE),
        Field("to", "To", FieldType.DATE),
        Field("new_due", "New due date", FieldType.DATE),
        Field("agreed_by", "Agreed with", FieldType.CHOICE, choices=AGREED_WITH),
        Field("informed", "Date national body informed", FieldType.DATE),
        Field("notes", "Notes", FieldType.TEXT),
    ),
)


def adjustable_stages(framework: Framework) -> list[str]:
    """Stages a pause or extension can apply to: those with a latest date to move."""
    return [
        s.id
        for s in framework.stages
        if any(
            r.kind in (RuleKind.WITHIN, RuleKind.AT_LEAST_BEFORE, RuleKind.ON_OR_BEFORE)
            for r in s.rules
        )
    ]


def _day(value: Any) -> date | None:
    if value is None or np.isnat(value):
        return None
    day: date = value.astype(object)
    return day


@dataclass(frozen=True)
class Adjustment:
    """One usable row of the sheet, as the JSON of its stage lists it (never its notes)."""

    kind: str  # "pause" or "extension"
    start: date | None
    end: date | None
    new_due: date | None
    reason: str | None
    agreed_by: str | None
    informed: date | None
    source: str
    sheet: str
    row: int
    #: the New due date cell, where a problem with the agreed date points
    due_cell: str | None = None
    due_link: str | None = None

    def to_json(self) -> dict[str, Any]:
        def iso(day: date | None) -> str | None:
            return day.isoformat() if day else None

        return {
            "kind": self.kind,
            "from": iso(self.start),
            "to": iso(self.end),
            "new_due": iso(self.new_due),
            "reason": self.reason,
            "agreed_by": self.agreed_by,
            "informed": iso(self.informed),
            "sheet": self.sheet,
            "row": self.row,
        }


@dataclass
class StageAdjustments:
    """One stage's adjustments on one table, as columns evaluation applies in bulk.

    ``pause_*`` and ``ext_*`` hold one entry per sheet row (``*_at`` the table row it adjusts);
    ``records`` keeps each table row's rows in sheet order for the outputs.
    """

    pause_at: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    pause_from: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype="datetime64[D]"))
    pause_to: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype="datetime64[D]"))
    pause_informed: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype="datetime64[D]"))
    #: extensions in sheet order, a later row replacing the date an earlier one set
    extensions: list[tuple[int, Adjustment]] = field(default_factory=list)
    records: dict[int, list[Adjustment]] = field(default_factory=dict)


#: stage id -> its adjustments, for one table
TableAdjustments = dict[str, StageAdjustments]


@dataclass
class WorkbookAdjustments:
    """What one workbook's sheet says, per table (keyed by the table's identity)."""

    tables: dict[int, TableAdjustments] = field(default_factory=dict)
    #: adjustments of actions, ``*_at`` and ``records`` by the action's index in its sheet's rows
    actions: StageAdjustments | None = None

    def for_table(self, table: ValidatedTable) -> TableAdjustments:
        return self.tables.get(id(table), {})


def collect(
    rows: SheetRows, tables: Sequence[ValidatedTable], actions: SheetRows | None = None
) -> WorkbookAdjustments:
    """Check every row against the workbook's reviews; the usable rows become per-stage columns.

    A Stage that is no stage of the review may name one of its ``actions`` (the Actions sheet).
    Problems are appended to ``rows.problems``; an error on a row whose review is known makes that
    review not assessable, or, for a row naming an action, leaves that action out.
    """
    labels: dict[int, dict[str, str]] = {}
    n = len(rows)
    if not n:
        return WorkbookAdjustments()
    v = rows.values
    where = _locate(v["review_id"], tables)
    by_action = _action_index(actions)
    target: list[tuple[ValidatedTable, int, str] | None] = [None] * n
    #: for a row naming an action: the action's index in ``actions`` (all the candidates while
    #: the name is ambiguous, so an error leaves each of them out)
    action_of: list[list[int]] = [[] for _ in range(n)]
    review_of: list[tuple[ValidatedTable, int] | None] = [None] * n
    for i in range(n):
        rid = v["review_id"][i]
        if rid is None:
            continue
        found = where[i]
        if found is None:
            rows.report("adjustment-unknown-review", i, "review_id", value=rid)
            continue
        t, k = review_of[i] = found
        stage_label = v["stage"][i]
        if stage_label is None:
            continue  # reported as missing-required
        by_label = labels.get(id(t))
        if by_label is None:
            fw = t.framework
            by_label = labels[id(t)] = {
                normalise_header(fw.label(s)): s for s in adjustable_stages(fw)
            }
        stage = by_label.get(normalise_header(stage_label))
        if stage is not None:
            target[i] = (t, k, stage)
            continue
        named = _named_action(str(stage_label), str(rid), by_action, actions)
        action_of[i] = named
        if len(named) > 1:  # one reference in several recommendations: say which
            recs = actions.values["recommendation"]  # type: ignore[union-attr]
            rows.report(
                "adjustment-ambiguous-action",
                i,
                "stage",
                value=stage_label,
                detail=", ".join(f"{_action_name(stage_label)} ({recs[a]})" for a in named),
            )
        elif not named:
            names = ", ".join(t.framework.label(s) for s in by_label.values())
            if by_action:
                names += "; or an action on the Actions sheet, e.g. Action R1.1"
            rows.report(
                "adjustment-unknown-stage",
                i,
                "stage",
                value=stage_label,
                detail=f"{t.sheet} ({names})",
            )

    kind, start, end, new_due = v["kind"], v["from"], v["to"], v["new_due"]
    is_pause = kind == PAUSE
    is_ext = kind == EXTENSION
    for i in np.flatnonzero(is_pause & np.isnat(start)).tolist():
        rows.report("adjustment-missing-date", i, "from", detail="a pause")
    for i in np.flatnonzero(is_ext & np.isnat(new_due)).tolist():
        rows.report("adjustment-missing-date", i, "new_due", detail="an agreed extension")
    for i in np.flatnonzero(is_pause & (end < start)).tolist():  # NaT compares False
        rows.report("pause-ends-before-start", i, "to", value=_day(end[i]), detail=_uk(start[i]))

    # pauses of one stage (or action) must not overlap (an open pause runs on for ever)
    spans: dict[tuple[int, int, str], list[int]] = {}
    for i in np.flatnonzero(is_pause & rows.usable).tolist():
        if target[i] is not None:
            t, k, stage = target[i]  # type: ignore[misc]
            spans.setdefault((id(t), k, stage), []).append(i)
        elif len(action_of[i]) == 1:
            spans.setdefault((id(actions), action_of[i][0], ACTION_STAGE), []).append(i)
    far = np.datetime64("9999-12-31", "D")
    for group in spans.values():
        group.sort(key=lambda i: (start[i], int(rows.rows[i])))
        reach = None
        for i in group:
            if reach is not None and start[i] <= reach[0]:
                rows.report(
                    "pause-overlap",
                    i,
                    "from",
                    value=_day(start[i]),
                    detail=f"row {int(rows.rows[reach[1]])}",
                )
                continue
            stop = far if np.isnat(end[i]) else end[i]
            if reach is None or stop > reach[0]:
                reach = (stop, i)

    # errors make the named review not assessable (or leave the named action out); warnings for
    # pauses after the stage was done
    out = WorkbookAdjustments()
    for i in range(n):
        known = review_of[i]
        if known is not None and not rows.usable[i]:
            if action_of[i]:
                actions.usable[action_of[i]] = False  # type: ignore[union-attr]
            else:
                known[0].assessable[known[1]] = False
            continue
        if action_of[i]:
            assert actions is not None
            (a,) = action_of[i]
            done = actions.values[ACTION_STAGE][a]
            what = f"Action {actions.values['action_ref'][a]}"
            sa = out.actions = out.actions or StageAdjustments()
            k = a
        elif target[i] is not None:
            t, k, stage = target[i]  # type: ignore[misc]
            dates = t.dates.get(stage)
            done = dates[k] if dates is not None else np.datetime64("NaT", "D")
            what = t.framework.label(stage)
            sa = out.tables.setdefault(id(t), {}).setdefault(stage, StageAdjustments())
        else:
            continue
        if is_pause[i] and done < start[i]:  # NaT compares False
            rows.report(
                "pause-stage-done",
                i,
                "from",
                value=_day(start[i]),
                detail=f"{what} {_uk(done)}",
            )
        cell = rows.cell("new_due", i)
        adj = Adjustment(
            kind=KIND_KEYS[str(kind[i])],
            start=_day(start[i]),
            end=_day(end[i]),
            new_due=_day(new_due[i]),
            reason=v["reason"][i],
            agreed_by=v["agreed_by"][i],
            informed=_day(v["informed"][i]),
            source=rows.source,
            sheet=rows.sheet,
            row=int(rows.rows[i]),
            due_cell=cell,
            due_link=rows.link(cell) if cell else None,
        )
        sa.records.setdefault(k, []).append(adj)
        if is_pause[i]:
            sa.pause_at = np.append(sa.pause_at, k)
            sa.pause_from = np.append(sa.pause_from, start[i])
            sa.pause_to = np.append(sa.pause_to, end[i])
            sa.pause_informed = np.append(sa.pause_informed, v["informed"][i])
        else:
            sa.extensions.append((k, adj))
    return out


ActionIndex = dict[tuple[str, str], list[int]]


def _action_index(actions: SheetRows | None) -> ActionIndex:
    """(review id, action reference folded) -> the rows of ``actions`` with that reference."""
    out: ActionIndex = {}
    if actions is None or not len(actions):
        return out
    v = actions.values
    for i, (rid, ref) in enumerate(zip(v["review_id"], v["action_ref"], strict=True)):
        if rid is not None and ref is not None:
            out.setdefault((str(rid), _fold(ref)), []).append(i)
    return out


def _fold(text: Any) -> str:
    return " ".join(str(text).split()).casefold()


def _action_name(label: str) -> str:
    """``Action R3.1`` however the Stage cell spaced or cased it, without a bracket."""
    match = _ACTION_NAME.match(" ".join(label.split()))
    ref = match["ref"] if match is not None else label
    return f"Action {ref}"


def _named_action(
    label: str, review: str, index: ActionIndex, actions: SheetRows | None
) -> list[int]:
    """The actions of ``review`` a Stage cell names: one, several when the reference is in
    several recommendations (ambiguous), or none."""
    if not index or actions is None:
        return []
    text = " ".join(label.split())
    bare = re.sub(r"^action\s+", "", text, flags=re.IGNORECASE)
    recs = actions.values["recommendation"]
    candidates = index.get((review, _fold(bare)), [])
    match = _ACTION_NAME.match(text)
    if not candidates and match is not None and match["rec"] is not None:
        # "Action 1 (R3)": the reference within the recommendation in brackets
        wanted = _fold(match["rec"])
        candidates = [
            a
            for a in index.get((review, _fold(match["ref"])), [])
            if _fold(recs[a] or "") == wanted
        ]
    if len({_fold(recs[a] or "") for a in candidates}) > 1:
        return candidates
    return candidates[:1]  # a reference listed twice in one recommendation: the first


def _locate(
    ids: np.ndarray, tables: Sequence[ValidatedTable]
) -> list[tuple[ValidatedTable, int] | None]:
    """Each named review's table and row (the first, when an id is duplicated), found with one
    index lookup per table rather than a dictionary of every review in the workbook."""
    out: list[tuple[ValidatedTable, int] | None] = [None] * len(ids)
    wanted = pd.Index(ids)
    for t in tables:
        positions = pd.Series(np.arange(len(t)), index=pd.Index(t.review_ids, dtype=object))
        positions = positions[~positions.index.duplicated()]
        hits = positions.reindex(wanted).to_numpy()
        for i in np.flatnonzero(~np.isnan(hits)).tolist():
            if out[i] is None:
                out[i] = (t, int(hits[i]))
    return out


def _uk(day: Any) -> str:
    d = _day(day)
    return d.strftime("%d/%m/%Y") if d else ""
