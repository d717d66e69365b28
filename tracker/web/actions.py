"""The action plans across reviews: one list with filters and downloads, and counts per board.

Each review of the snapshot carries its actions (the ``actions`` list of ``tracker check``'s JSON,
from the workbook's ``Actions`` sheet). This module flattens them once per snapshot and scope, so the
list page, the counts on the overview and board pages, the API and the calendar feed give one
answer. Whose actions a user sees follows the review's board, which the config decides (never a
cell); an agency typed as something other than an organisation's name was already withheld when
the snapshot was read (``tracker.web.data``), and notes never reach this far.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import Blueprint, Flask, abort, render_template, request, url_for

from tracker.access.users import User
from tracker.model import Status
from tracker.web.data import NATION_LABELS, STATUS_LABELS, ReviewView, Snapshot, parse_day, scope_of
from tracker.web.exports import FORMATS, download
from tracker.web.pages import _paginate
from tracker.web.views import snapshot, user

bp = Blueprint("actions", __name__)

#: an action's place in its plan, from its judged status and completed date (as the e-mail counts)
OPEN, COMPLETED, CLOSED = "open", "completed", "not_applicable"
#: what ``?status=`` takes on the page and in the API: a plan state, or a status of the vocabulary
STATUS_FILTERS: dict[str, str] = {
    OPEN: "Open",
    "overdue": "Open and overdue",
    "pending": "Open, not yet due",
    COMPLETED: "Completed",
    "on_time": "Completed on time",
    "late": "Completed late",
    CLOSED: "Not accepted or superseded",
}
#: the page's drop-down leaves out what the Overdue filter already says
PAGE_STATUSES = (OPEN, "pending", COMPLETED, "on_time", "late", CLOSED)
OVERDUE_FILTERS = {"yes": "Overdue only", "no": "Not overdue"}
FILTERS = ("board", "agency", "status", "overdue")
HEADERS = (
    "Nation",
    "Board",
    "Framework",
    "Review ID",
    "Recommendation",
    "Action",
    "Agency",
    "Due",
    "Deadline in force",
    "Completed",
    "Plan",
    "Status",
    "Days late",
    "Assurance given",
    "Evidence link",
    "Source",
    "Sheet",
    "Row",
)
PLAN_LABELS = {OPEN: "Open", COMPLETED: "Completed", CLOSED: "Not accepted or superseded"}
_NUMBERS = re.compile(r"(\d+)")


@dataclass(frozen=True)
class ActionItem:
    """One action of one review's plan, as the list, the counts and the feed use it."""

    review: ReviewView
    action: dict[str, Any]

    @property
    def board(self) -> str:
        return self.review.board

    @property
    def agency(self) -> str:
        return str(self.action.get("agency") or "")

    @property
    def status(self) -> str:
        return str(self.action.get("status") or "")

    @property
    def state(self) -> str:
        """Open, completed, or not accepted/superseded: the e-mail's counts, the same way."""
        if self.status == Status.NOT_APPLICABLE:
            return CLOSED
        return COMPLETED if self.action.get("completed") else OPEN

    @property
    def overdue(self) -> bool:
        return self.status == Status.OVERDUE

    @property
    def due(self) -> date | None:
        return parse_day(self.action.get("due"))

    @property
    def deadline(self) -> date | None:
        """The deadline in force: ``latest`` when the check gives one (a pause or an agreed
        extension moves it), else the due date the plan records."""
        return parse_day(self.action.get("latest")) or self.due

    @property
    def days_late(self) -> int:
        try:
            return int(self.action.get("days_late") or 0)
        except (TypeError, ValueError):
            return 0

    @property
    def evidence_link(self) -> str | None:
        """Only an https address is ever a link (a cell's text is never run as script)."""
        link = self.action.get("evidence_link")
        return link if isinstance(link, str) and link.startswith("https://") else None

    def matches(self, status: str) -> bool:
        """``status`` is a plan state (open, completed, not_applicable) or a judged status."""
        return status in (self.state, self.status)


def _ref_key(text: str) -> tuple[Any, ...]:
    """R2.10 after R2.9: numbers in a reference compare as numbers."""
    return tuple(int(p) if p.isdigit() else p.casefold() for p in _NUMBERS.split(text))


_RANK = {"overdue": 0, "paused": 1, "pending": 2, "late": 3, "on_time": 4}


def _order(item: ActionItem) -> tuple[Any, ...]:
    """Worst first: the longest overdue, then paused, then open by the deadline in force, then
    completed, then closed."""
    return (
        _RANK.get(item.status, 5),
        -item.days_late,
        item.deadline or date.max,
        item.board,
        item.review.review_id,
        _ref_key(str(item.action.get("action_ref") or "")),
    )


def all_actions(snap: Snapshot) -> list[ActionItem]:
    """Every action of the snapshot, worst first (worked out once per snapshot).

    Two reviews of one workbook may share an id (a review on two sheets): its actions are listed
    once, under the first, as the Actions sheet has each row once.
    """
    found: list[ActionItem] | None = snap.memo.get(("action-items",))
    if found is None:
        seen: set[tuple[Any, ...]] = set()
        found = []
        for review in snap.reviews:
            for action in review.data.get("actions") or []:
                if not isinstance(action, dict):
                    continue
                where = (review.data.get("source"), action.get("sheet"), action.get("row"))
                if where in seen:
                    continue
                seen.add(where)
                found.append(ActionItem(review, action))
        found.sort(key=_order)
        snap.memo[("action-items",)] = found
    return found


def scoped_actions(snap: Snapshot, me: User) -> list[ActionItem]:
    """The actions of the boards this user may see."""
    key = ("action-items", scope_of(me))
    found: list[ActionItem] | None = snap.memo.get(key)
    if found is None:
        found = snap.memo[key] = [a for a in all_actions(snap) if me.may_see(a.board)]
    return found


@dataclass
class ActionCounts:
    """Open (of which overdue), completed and closed actions: the overview's and a board's."""

    open: int = 0
    overdue: int = 0
    completed: int = 0
    closed: int = 0

    @property
    def total(self) -> int:
        return self.open + self.completed + self.closed

    def add(self, item: ActionItem) -> None:
        state = item.state
        if state == OPEN:
            self.open += 1
            self.overdue += item.overdue
        elif state == COMPLETED:
            self.completed += 1
        else:
            self.closed += 1


@dataclass
class BoardCounts:
    everything: ActionCounts = field(default_factory=ActionCounts)
    boards: dict[str, ActionCounts] = field(default_factory=dict)

    @property
    def ranked(self) -> list[tuple[str, ActionCounts]]:
        """Boards with actions, the most overdue first (as the national e-mail ranks them)."""
        return sorted(self.boards.items(), key=lambda kv: (-kv[1].overdue, -kv[1].open, kv[0]))


def counts(snap: Snapshot, me: User) -> BoardCounts:
    """This user's action counts, in all and per board (once per snapshot and scope)."""
    key = ("action-counts", scope_of(me))
    found: BoardCounts | None = snap.memo.get(key)
    if found is None:
        found = BoardCounts()
        for item in scoped_actions(snap, me):
            found.everything.add(item)
            found.boards.setdefault(item.board, ActionCounts()).add(item)
        snap.memo[key] = found
    return found


def action_counts(board: str | None = None) -> ActionCounts | BoardCounts:
    """For the templates: one board's counts, or everything the signed-in user may see."""
    found = counts(snapshot(), user())
    if board is None:
        return found
    return found.boards.get(board, ActionCounts())


def actions_url(**args: str) -> str:
    """The list, filtered: the counts link here."""
    query: dict[str, Any] = {k: v for k, v in args.items() if v}
    return url_for("actions.index", **query)


@dataclass(frozen=True)
class ActionFilters:
    values: dict[str, str]

    @classmethod
    def from_request(cls) -> ActionFilters:
        """The query's filters; an unknown status or overdue value is a 400 naming the choices."""
        values = {name: request.args.get(name, "").strip() for name in FILTERS}
        if values["status"] and values["status"] not in STATUS_FILTERS:
            abort(400, f"status must be one of {', '.join(STATUS_FILTERS)}")
        if values["overdue"] and values["overdue"] not in OVERDUE_FILTERS:
            abort(400, "overdue must be yes or no")
        return cls(values)

    def keep(self, item: ActionItem, *, only: Sequence[str] = FILTERS) -> bool:
        v = self.values
        if "board" in only and v["board"] and item.board != v["board"]:
            return False
        if "agency" in only and v["agency"] and item.agency != v["agency"]:
            return False
        if "status" in only and v["status"] and not item.matches(v["status"]):
            return False
        return not ("overdue" in only and v["overdue"] and item.overdue != (v["overdue"] == "yes"))

    @property
    def active(self) -> bool:
        return any(self.values.values())

    def query(self) -> dict[str, str]:
        return {k: v for k, v in self.values.items() if v}


def select(items: Iterable[ActionItem], filters: ActionFilters) -> list[ActionItem]:
    return [i for i in items if filters.keep(i)]


def by_agency(items: Iterable[ActionItem]) -> list[tuple[str, int, int, int]]:
    """Agencies with overdue actions: (agency, overdue, longest overdue in days, open), the most
    overdue first, as the weekly e-mail groups them."""
    overdue: Counter[str] = Counter()
    open_: Counter[str] = Counter()
    longest: dict[str, int] = {}
    for item in items:
        if item.state == OPEN:
            open_[item.agency] += 1
        if item.overdue:
            overdue[item.agency] += 1
            longest[item.agency] = max(longest.get(item.agency, 0), item.days_late)
    return sorted(
        ((a, n, longest[a], open_[a]) for a, n in overdue.items()),
        key=lambda row: (-row[1], -row[2], row[0].casefold()),
    )


def row(item: ActionItem) -> list[Any]:
    """One line of the CSV or XLSX download (never notes; a non-https link is left out)."""
    r, a = item.review, item.action
    return [
        NATION_LABELS.get(r.nation, r.nation),
        r.board,
        r.data.get("framework"),
        r.review_id,
        a.get("recommendation"),
        a.get("action_ref"),
        item.agency,
        item.due,
        item.deadline,
        parse_day(a.get("completed")),
        PLAN_LABELS[item.state],
        STATUS_LABELS.get(item.status, item.status),
        item.days_late if item.status in ("late", "overdue") else None,
        parse_day(a.get("assured")),
        item.evidence_link,
        r.data.get("source"),
        a.get("sheet"),
        a.get("row"),
    ]


def _options(items: Sequence[ActionItem], filters: ActionFilters) -> dict[str, list[str]]:
    """Each drop-down's values: those present in the user's actions (plus the one chosen)."""

    def chosen(name: str, present: set[str]) -> list[str]:
        value = filters.values[name]
        return sorted(present | ({value} - {""}), key=str.casefold)

    return {
        "board": chosen("board", {i.board for i in items}),
        "agency": chosen("agency", {i.agency for i in items}),
    }


@bp.get("/actions")
def index() -> Any:
    """Every action of the user's boards, worst first, with filters, by-agency summary and
    downloads."""
    snap = snapshot()
    mine = scoped_actions(snap, user())
    filters = ActionFilters.from_request()
    items = select(mine, filters)
    fmt = request.args.get("format")
    if fmt not in (None, "html"):
        if fmt not in FORMATS:
            abort(400, f"format must be csv or xlsx, not {fmt!r}")
        return download(fmt, "actions", HEADERS, (row(i) for i in items), "Actions")
    summary_items = [i for i in mine if filters.keep(i, only=("board", "agency"))]
    page, number, pages = _paginate(items)
    status = filters.values["status"]
    shown = list(PAGE_STATUSES) + ([status] if status and status not in PAGE_STATUSES else [])
    return render_template(
        "actions.html",
        items=page,
        total=len(items),
        unfiltered=len(mine),
        filters=filters,
        options=_options(mine, filters),
        statuses=[(s, STATUS_FILTERS[s]) for s in shown],
        overdue_choices=list(OVERDUE_FILTERS.items()),
        agencies=by_agency(summary_items),
        boards=[] if filters.values["board"] else counts(snap, user()).ranked,
        page=number,
        pages=pages,
    )


def install(app: Flask) -> None:
    """The list's routes, and the counts and filtered links for the overview and board pages."""
    app.register_blueprint(bp)
    app.jinja_env.globals.update(action_counts=action_counts, actions_url=actions_url)
