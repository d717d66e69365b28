"""Recommendations and action plans: the ``Actions`` sheet.

A review exists to change practice: after publication each agency's actions against the report's
recommendations are tracked to completion, and inspectors ask whether they were done. Officers keep
one row per action on an optional per-workbook sheet (DESIGN.md gives its exact headers). It is read
by ``schemas.optional`` in the same request as the framework sheets; this module checks the rows
against the workbook's own reviews and judges each action's dates with the ordinary rule model.

The rules are a small framework of their own (``actions``): ``completed`` on or before ``due`` (the
deadline taken from the same row) and ``assured`` after ``completed``, both local defaults, should.
Being a framework, a board can override them in ``[boards.timescales]`` as ``actions.completed``
exactly as it overrides a stage, and evaluation is the same column code as for reviews; so are
pauses and agreed extensions (a ``Pauses and extensions`` row whose Stage names the action,
``Action R3.1``: ``tracker.optional.pauses``), which move the action's deadline as they move a
stage's.

A row with an error is reported at its cell and left out of the results until it is fixed; every
other row still counts. Notes are never read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from schemas.optional import SheetRows, SheetSpec
from schemas.validate import ValidatedTable
from tracker.evaluate import STATUSES as CODES
from tracker.evaluate import StageColumns, evaluate_table
from tracker.model import (
    Basis,
    Confidence,
    Field,
    FieldType,
    Framework,
    Stage,
    Status,
)
from tracker.optional.pauses import ACTION_STAGE, Adjustment, StageAdjustments
from tracker.rules import rule

SHEET_TITLE = "Actions"
OPEN, COMPLETED, NOT_ACCEPTED, SUPERSEDED = "Open", "Completed", "Not accepted", "Superseded"
STATUSES = (OPEN, COMPLETED, NOT_ACCEPTED, SUPERSEDED)
#: statuses under which the action's dates are judged; the others make it not_applicable
LIVE = (OPEN, COMPLETED)
FRAMEWORK_ID = "actions"
CITATION = (
    "Local default: an action plan's own due dates (DESIGN.md, Recommendations and action plans)"
)

SPEC = SheetSpec(
    SHEET_TITLE,
    (
        Field("review_id", "Review ID", FieldType.TEXT, required=True),
        Field("recommendation", "Recommendation", FieldType.TEXT, required=True),
        Field("action_ref", "Action", FieldType.TEXT, required=True),
        Field("agency", "Agency", FieldType.TEXT, required=True),
        Field("due", "Due date", FieldType.DATE, required=True),
        Field("completed", "Date completed", FieldType.DATE),
        Field("status", "Status", FieldType.CHOICE, choices=STATUSES),
        Field("evidence_link", "Evidence link", FieldType.TEXT),
        Field("assured", "Date assurance given", FieldType.DATE),
        Field("notes", "Notes", FieldType.TEXT),
    ),
)


def actions_framework(calendar: str = "ENG", nation: str = "england") -> Framework:
    """The two action rules as a framework, in the calendar of the workbook's nation (an override
    in working days counts that nation's working days)."""
    when = ("status", LIVE)
    common = {
        "basis": Basis.LOCAL_DEFAULT,
        "must": False,
        "confidence": Confidence.CONFIRMED,
        "citation": CITATION,
        "when": when,
    }
    return Framework(
        id=FRAMEWORK_ID,
        title="Recommendations and action plans",
        nation=nation,
        calendar=calendar,
        sheet=SHEET_TITLE,
        board_kind="board",
        sources=(CITATION,),
        fields=tuple(f for f in SPEC.fields if f.id not in ("review_id", "notes")),
        stages=(
            Stage("due", untimed=True),
            Stage("completed", (rule("completed", "on or before due", **common),)),  # type: ignore[arg-type]
            Stage("assured", (rule("assured", "after completed", **common),)),  # type: ignore[arg-type]
        ),
    )


def _day(value: Any) -> date | None:
    if value is None or np.isnat(value):
        return None
    day: date = value.astype(object)
    return day


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


@dataclass(frozen=True)
class ActionResult:
    """One usable action row, judged: what the JSON lists under its review (never its notes)."""

    source: str
    sheet: str
    row: int
    review_id: str
    recommendation: str
    action_ref: str
    agency: str
    due: date
    completed: date | None
    action_status: str  # the sheet's Status (Open, Completed, ...)
    status: Status  # the judged status, from the stages' vocabulary
    days_late: int
    assured: date | None
    evidence_link: str | None
    #: the deadline in force: the due date moved by pauses or replaced by an agreed extension
    #: (None while an open pause stops the clock)
    latest: date | None = None
    #: the Pauses and extensions rows that name this action, in sheet order
    adjustments: tuple[Adjustment, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "action_ref": self.action_ref,
            "recommendation": self.recommendation,
            "agency": self.agency,
            "due": _iso(self.due),
            "completed": _iso(self.completed),
            "status": self.status.value,
            "days_late": self.days_late,
            "assured": _iso(self.assured),
            "evidence_link": self.evidence_link,
            "sheet": self.sheet,
            "row": self.row,
            "latest": _iso(self.latest),
            "adjustments": [a.to_json() for a in self.adjustments],
        }


def validate(rows: SheetRows, tables: Sequence[ValidatedTable]) -> None:
    """Located problems for rows that cannot be trusted; an error makes its row unusable."""
    known = {r for t in tables for r in t.review_ids if r is not None}
    v = rows.values
    seen: dict[tuple[str, str, str], int] = {}
    for i in range(len(rows)):
        review = v["review_id"][i]
        if review is not None and review not in known:
            rows.report("action-unknown-review", i, "review_id", value=review)
        rec, ref = v["recommendation"][i], v["action_ref"][i]
        if review is not None and rec is not None and ref is not None:
            key = (str(review), str(rec).strip().casefold(), str(ref).strip().casefold())
            if key in seen:
                rows.report(
                    "action-duplicate",
                    i,
                    "action_ref",
                    value=ref,
                    detail=f"{rec} (row {int(rows.rows[seen[key]])})",
                )
            else:
                seen[key] = i
        status, done = v["status"][i], _day(v["completed"][i])
        if done is not None and status not in (COMPLETED, None) and status in STATUSES:
            rows.report("action-completed-not-closed", i, "status", value=status)
        elif done is not None and status is None and rows.columns.get("status"):
            rows.report("action-completed-not-closed", i, "status", value="blank")
        elif status == COMPLETED and done is None:
            rows.report("action-closed-no-date", i, "completed")
        link = v["evidence_link"][i]
        if link is not None and not str(link).strip().lower().startswith("https://"):
            rows.report("action-link-not-https", i, "evidence_link", value=link)
        assured = _day(v["assured"][i])
        if assured is not None and done is not None and assured < done:
            rows.report(
                "action-assured-before-completed",
                i,
                "assured",
                value=assured,
                detail=done.strftime("%d/%m/%Y"),
            )


def evaluate(
    rows: SheetRows,
    tables: Sequence[ValidatedTable],
    as_of: date,
    framework: Framework | None = None,
    adjustments: StageAdjustments | None = None,
) -> list[ActionResult]:
    """Validate the rows, then judge every usable one with ``framework`` (the board's overrides
    applied) and ``adjustments`` (pauses and extensions naming actions, indexed by row of
    ``rows``) through the same column evaluation as review stages."""
    validate(rows, tables)
    fw = framework or actions_framework()
    keep = np.flatnonzero(rows.usable)
    if len(keep) == 0:
        return []
    v = {k: col[keep] for k, col in rows.values.items()}
    n = len(keep)
    # a blank Status is read as Open, or Completed when the row has a completed date
    status = np.array(
        [
            s if s is not None else (COMPLETED if not np.isnat(d) else OPEN)
            for s, d in zip(v["status"].tolist(), v["completed"], strict=True)
        ],
        dtype=object,
    )
    dates = {f.id: v[f.id] for f in SPEC.fields if f.type is FieldType.DATE}
    table = ValidatedTable(
        source=rows.source,
        sheet=rows.sheet,
        framework=fw,
        rows=rows.rows[keep],
        review_ids=list(v["review_id"]),
        boards=[None] * n,
        report_links=[None] * n,
        dates=dates,
        yes_no={},
        choices={"status": status},
        assessable=np.ones(n, dtype=bool),
    )
    moved = _kept(adjustments, keep, len(rows)) if adjustments is not None else None
    result = evaluate_table(table, as_of, fw, {ACTION_STAGE: moved} if moved else None)
    # an extension that gives no more time: located on the pauses sheet, the action left out
    rows.problems.extend(result.problems)
    completed: StageColumns = next(s for s in result.stages if s.stage.id == ACTION_STAGE)
    out = []
    for k in range(n):
        if not table.assessable[k]:
            continue
        link = v["evidence_link"][k]
        out.append(
            ActionResult(
                source=rows.source,
                sheet=rows.sheet,
                row=int(table.rows[k]),
                review_id=str(v["review_id"][k]),
                recommendation=str(v["recommendation"][k]),
                action_ref=str(v["action_ref"][k]),
                agency=str(v["agency"][k]),
                due=_day(v["due"][k]),  # type: ignore[arg-type]
                completed=_day(v["completed"][k]),
                action_status=str(status[k]),
                status=CODES[int(completed.status[k])],
                days_late=int(completed.days_late[k]),
                assured=_day(v["assured"][k]),
                evidence_link=str(link) if link is not None else None,
                latest=_day(completed.latest[k]),
                adjustments=tuple(completed.adjustments.get(k, ())),
            )
        )
    return out


def _kept(adj: StageAdjustments, keep: np.ndarray, n: int) -> StageAdjustments | None:
    """``adj`` re-indexed from the sheet's rows to the usable rows evaluation sees (an action
    left out takes its pauses with it)."""
    position = np.full(n, -1, dtype=np.int64)
    position[keep] = np.arange(len(keep))
    at = position[adj.pause_at] if len(adj.pause_at) else adj.pause_at
    live = at >= 0
    out = StageAdjustments(
        pause_at=at[live],
        pause_from=adj.pause_from[live],
        pause_to=adj.pause_to[live],
        pause_informed=adj.pause_informed[live],
        extensions=[(int(position[k]), e) for k, e in adj.extensions if position[k] >= 0],
        records={int(position[k]): r for k, r in adj.records.items() if position[k] >= 0},
    )
    return out if out.records else None
