"""What the officers' ``Tracker`` sheet says, computed once from the check results of one source.

Both writers (the companion Excel workbook and the Google Sheets tab) lay out exactly these rows,
so an officer sees the same thing whichever kind of spreadsheet their board keeps. Where the
workbook keeps an ``Actions`` sheet, its actions are listed with the stages: open ones by the date
they are due, completed ones with the stages done, each linking to its row. The content is
plain data: text, dates and numbers, each cell tagged with what it is (a heading, a status, a
link to a cell), never a formula. A link is a sheet name and a cell address; each writer makes
its own kind of hyperlink from them, never from what an officer typed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tracker.frameworks.describe import describe_rule
from tracker.model import Framework
from tracker.optional.actions import actions_framework
from tracker.problems import display_value

TITLE = "Tracker"
NOTICE = "This sheet is rewritten by the tracker: do not type here. Change the data on the review sheets."
#: rows above the table: title, counts, notice, then the column headings
HEADER_ROWS = 4

COLUMNS: tuple[str, ...] = (
    "What",
    "Review",
    "Sheet",
    "Stage or column",
    "Due",
    "Done",
    "Days",
    "Status",
    "Must or should",
    "Rule, or what is wrong",
    "As typed",
    "How to fix",
    "Go to",
)
#: column widths in characters (Excel) that fit their usual content; Sheets gets 7 px a character
WIDTHS: tuple[int, ...] = (13, 14, 13, 28, 12, 12, 16, 14, 10, 52, 14, 40, 18)

OVERDUE, DUE, DONE, PROBLEM = "Overdue", "Due", "Done", "Data problem"

#: What an officer reads for each status (the e-mail's words, plus the statuses a row can have).
STATUS_LABELS: dict[str, str] = {
    "overdue": "Overdue",
    "late": "Done late",
    "not_met": "Condition not met",
    "early": "Done too early",
    "pending": "Due",
    "waiting": "Waiting",
    "on_time": "On time",
    "met": "Condition met",
    "paused": "Paused",
    "not_applicable": "Not applicable",
}
#: Status cells coloured by conditional formats: label -> (background, text) as RGB hex
STATUS_COLOURS: dict[str, tuple[str, str]] = {
    "Overdue": ("F4CCCC", "7F0000"),
    "Done late": ("FCE5CD", "783F04"),
    "Done too early": ("FCE5CD", "783F04"),
    "On time": ("D9EAD3", "274E13"),
    "Due": ("FFF2CC", "3F3100"),
    "Error": ("F4CCCC", "7F0000"),
    "Warning": ("FFF2CC", "3F3100"),
}
#: the "What" column's data-problem rows stand out the same way
PROBLEM_COLOURS = ("EAD1DC", "4C1130")
#: statuses whose stage is done (a "completed" row)
_DONE_STATUSES = frozenset({"on_time", "late", "early"})
#: statuses that never go in "due and overdue", whatever their dates say
_NOT_DUE = frozenset({"paused", "not_applicable"})


@dataclass(frozen=True)
class Link:
    """A cell on one of the source's own sheets."""

    sheet: str
    cell: str

    @property
    def text(self) -> str:
        return f"{self.sheet}!{self.cell}"


@dataclass(frozen=True)
class Cell:
    """One value and what it is; ``kind`` is ``text``, ``date``, ``number``, ``heading`` or ``link``."""

    value: str | date | int | None
    kind: str = "text"
    link: Link | None = None


@dataclass(frozen=True)
class Content:
    """One source's ``Tracker`` sheet: a header block, then one table (a filter covers it)."""

    source: str
    board: str | None
    as_of: date
    overdue: int
    due: int
    done: int
    problems: int
    rows: list[list[Cell]] = field(default_factory=list)
    #: the workbook's actions (Actions sheet): how many, open, and overdue
    actions: int = 0
    actions_open: int = 0
    actions_overdue: int = 0

    def header(self, written_at: datetime | None) -> list[list[Cell]]:
        """Title, counts and notice: the only rows that carry the time of writing."""
        where = f" · {self.board}" if self.board else ""
        when = ""
        if written_at is not None:  # officers read UK time, whatever the server's clock says
            local = written_at.astimezone(ZoneInfo("Europe/London"))
            when = f" · written {local:%d/%m/%Y %H:%M}"
        counts = (
            f"{self.overdue} overdue · {self.due} due · {self.done} done in the last 12 months · "
            f"{self.problems} data problem{'s' if self.problems != 1 else ''}"
        )
        if self.actions:
            counts += (
                f" · actions: {self.actions_overdue} overdue, {self.actions_open} open of "
                f"{self.actions}"
            )
        return [
            [Cell(f"Case review tracker{where}: as of {self.as_of:%d/%m/%Y}{when}", "title")],
            [Cell(counts)],
            [Cell(NOTICE, "notice")],
            [Cell(c, "heading") for c in COLUMNS],
        ]

    def grid(self, written_at: datetime | None) -> list[list[Cell]]:
        return self.header(written_at) + self.rows

    def fingerprint(self) -> str:
        """A hash of everything but the time of writing: equal hashes need no rewrite."""
        doc = [[_plain(c) for c in row] for row in self.grid(None)]
        text = json.dumps(doc, sort_keys=True, default=str, ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _plain(cell: Cell) -> list[Any]:
    link = [cell.link.sheet, cell.link.cell] if cell.link else None
    return [cell.value, cell.kind, link]


def _date(value: Any) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day - timedelta(days=365)


def _days_text(due: date, as_of: date) -> str:
    days = (due - as_of).days
    if days < 0:
        return f"{-days} day{'s' if days != -1 else ''} overdue"
    if days == 0:
        return "due today"
    return f"{days} day{'s' if days != 1 else ''} left"


def _must(stage: Mapping[str, Any]) -> str:
    """must / should from whichever stage fields the check JSON has."""
    label = stage.get("must_label")
    if label:
        return str(label)
    must = stage.get("must")
    return "" if must is None else ("must" if must else "should")


def rule_words(frameworks: Iterable[Framework]) -> dict[tuple[str, str], str]:
    """(framework id, stage id) -> its timescale rules in words, headers instead of ids."""
    out: dict[tuple[str, str], str] = {}
    for fw in frameworks:
        for stage in fw.stages:
            words = [describe_rule(r, fw) for r in stage.rules if r.is_timescale]
            if words:
                out[(fw.id, stage.id)] = "; ".join(words)
    return out


def build_content(
    check: Mapping[str, Any],
    source: str,
    *,
    board: str | None = None,
    rules: Mapping[tuple[str, str], str] | None = None,
) -> Content:
    """The ``Tracker`` sheet of ``source`` from a ``tracker check`` JSON object.

    Due and overdue: every stage with a deadline, not done, not paused; overdue first, then by
    due date. Then data problems in sheet and row order, each linking to its cell: they are the
    officers' to fix, so they come before the record of what is done. Last, the stages done in
    the 12 months to the as-of date, newest first.
    """
    as_of = _date(check.get("as_of")) or date.today()
    since = _year_before(as_of)
    rules = rules or {}
    due: list[tuple[tuple[Any, ...], list[Cell]]] = []
    done: list[tuple[tuple[Any, ...], list[Cell]]] = []
    action_due: list[tuple[tuple[Any, ...], list[Cell]]] = []
    action_done: list[tuple[tuple[Any, ...], list[Cell]]] = []
    tally = {"total": 0, "open": 0, "overdue": 0}
    action_rule = rules.get(ACTION_RULE, "")
    for review in check.get("reviews", []):
        if review.get("source") != source:
            continue
        sheet = str(review.get("sheet") or "")
        rid = str(review.get("review_id") or "")
        row = review.get("row")
        go = Link(sheet, f"A{row}") if row else None
        for stage in review.get("stages", []):
            status = str(stage.get("status", ""))
            latest = _date(stage.get("latest"))
            finished = _date(stage.get("done"))
            rule = rules.get((str(review.get("framework", "")), str(stage.get("id", ""))), "")
            label = str(stage.get("label") or stage.get("id") or "")
            if finished is None and latest is not None and status not in _NOT_DUE:
                where = (rid, sheet, label, go)
                due.append(_due_row(where, latest, status, as_of, _must(stage), rule))
            elif finished is not None and status in _DONE_STATUSES and since <= finished <= as_of:
                where = (rid, sheet, label, go)
                done.append(_done_row(where, stage, latest, finished, status, _must(stage), rule))
        for a in review.get("actions") or []:
            _action_row(a, rid, as_of, since, action_rule, action_due, action_done, tally)
    problems: list[tuple[tuple[Any, ...], list[Cell]]] = []
    for p in check.get("problems", []):
        if p.get("source") != source or p.get("severity") == "info":  # info needs no action
            continue
        sheet = str(p.get("sheet") or "")
        cell = str(p.get("cell") or "")
        link = Link(sheet, cell) if sheet and cell else None
        value = p.get("value")
        typed = None if value is None else display_value(value)
        cells = [
            Cell(PROBLEM),
            Cell(str(p.get("review_id") or "") or None),
            Cell(sheet or None),
            Cell(str(p.get("column") or "") or None),
            Cell(None),
            Cell(None),
            Cell(None),
            Cell("Error" if p.get("severity") == "error" else "Warning"),
            Cell(None),
            Cell(str(p.get("message") or "")),
            Cell(typed),
            Cell(str(p.get("fix") or "") or None),
            Cell(link.text if link else None, "link", link),
        ]
        problems.append(((sheet, int(p.get("row") or 0), len(cell), cell), cells))
    problems.sort(key=lambda item: item[0])
    # the counts are the stages'; actions are counted apart, and listed with them by date
    overdue = sum(1 for key, _ in due if key[0] == 0)
    stages_due, stages_done = len(due), len(done)
    due = sorted(due + action_due, key=lambda item: item[0])
    done = sorted(done + action_done, key=lambda item: item[0])
    return Content(
        source=source,
        board=board,
        as_of=as_of,
        overdue=overdue,
        due=stages_due - overdue,
        done=stages_done,
        problems=len(problems),
        rows=[cells for _, cells in due + problems + done],
        actions=tally["total"],
        actions_open=tally["open"],
        actions_overdue=tally["overdue"],
    )


#: the key of the action rule's words in ``rules`` (tracker.optional.actions)
ACTION_RULE = ("actions", "completed")
#: an action's must or should, from its rule (a local default the board may override, so "should")
ACTION_MUST = actions_framework().stage("completed").rules[0].must_label()
Rows = list[tuple[tuple[Any, ...], list[Cell]]]


def _action_row(
    a: Mapping[str, Any],
    rid: str,
    as_of: date,
    since: date,
    rule: str,
    due: Rows,
    done: Rows,
    tally: dict[str, int],
) -> None:
    """One action as a due or done row, like a stage's: ``Action R3.1 · agency`` in the stage
    column, the deadline in force (after any pause or extension), a link to its row."""
    status = str(a.get("status", ""))
    tally["total"] += 1
    latest = _date(a.get("latest")) if "latest" in a else _date(a.get("due"))
    finished = _date(a.get("completed"))
    if status == "not_applicable":
        return
    sheet = str(a.get("sheet") or "")
    go = Link(sheet, f"A{a['row']}") if a.get("row") else None
    where = (rid, sheet, f"Action {a.get('action_ref', '')} · {a.get('agency', '')}", go)
    if finished is None:
        tally["open"] += 1
        tally["overdue"] += status == "overdue"
        if latest is None or status in _NOT_DUE:
            return  # paused: its clock is stopped
        due.append(_due_row(where, latest, status, as_of, ACTION_MUST, rule))
    elif status in _DONE_STATUSES and since <= finished <= as_of:
        done.append(_done_row(where, a, latest, finished, status, ACTION_MUST, rule))


#: where a row points: review id, sheet, the stage (or action) in words, and the link to its row
Where = tuple[str, str, str, Link | None]


def _due_row(
    where: Where, latest: date, status: str, as_of: date, must: str, rule: str
) -> tuple[tuple[Any, ...], list[Cell]]:
    """A stage or action not done yet, with its sort key: overdue first, then by due date."""
    rid, sheet, label, go = where
    late = status == "overdue" or latest < as_of
    cells = [
        Cell(OVERDUE if late else DUE),
        Cell(rid),
        Cell(sheet),
        Cell(label),
        Cell(latest, "date"),
        Cell(None),
        Cell(_days_text(latest, as_of)),
        Cell(STATUS_LABELS["overdue" if late else "pending"]),
        Cell(must),
        Cell(rule),
        Cell(None),
        Cell(None),
        Cell(go.text if go else None, "link", go),
    ]
    return (0 if late else 1, latest, rid, label), cells


def _done_row(
    where: Where,
    item: Mapping[str, Any],
    latest: date | None,
    finished: date,
    status: str,
    must: str,
    rule: str,
) -> tuple[tuple[Any, ...], list[Cell]]:
    """A stage or action done in the last 12 months, with its sort key: newest first."""
    rid, sheet, label, go = where
    cells = [
        Cell(DONE),
        Cell(rid),
        Cell(sheet),
        Cell(label),
        Cell(latest, "date") if latest else Cell(None),
        Cell(finished, "date"),
        Cell(_done_days(item, status)),
        Cell(STATUS_LABELS.get(status, status)),
        Cell(must),
        Cell(rule),
        Cell(None),
        Cell(None),
        Cell(go.text if go else None, "link", go),
    ]
    return (-finished.toordinal(), rid, label), cells


def _done_days(stage: Mapping[str, Any], status: str) -> str | None:
    days = int(stage.get("days_late") or 0)
    if status == "late" and days:
        return f"{days} day{'s' if days != 1 else ''} late"
    if status == "early" and days:
        return f"{days} day{'s' if days != 1 else ''} early"
    return None
