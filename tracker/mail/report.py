"""What the weekly e-mail says: one report per board and one national summary.

Built only from the ``tracker check`` JSON (review ids, dates, statuses, bases, citations) and the
config (board names, nations). Nothing here ever reads a ``notes`` cell, and the only text taken
from a spreadsheet is a review id that passes the id rule and a problem's value when it looks like
a date or a number: anything else a person typed is withheld, so free text cannot reach an e-mail.

An agency named on the ``Actions`` sheet is the one other text shown: it is an organisation's
name by the sheet's rule, and only a short name-like value passes (``safe_agency``).

Musts are kept apart from shoulds, and local timescales apart from national ones, with the
words and groups of :mod:`tracker.frameworks.vocabulary` that every output shares.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from tracker.access.boards import board_of, source_owners
from tracker.config import BoardConfig, Config
from tracker.frameworks.registry import all_frameworks
from tracker.frameworks.vocabulary import GROUPS, GroupCounts, stage_group, stage_must_label
from tracker.mail.ledger import NATIONAL_SCOPE, iso_week
from tracker.optional.pauses import AGREED_WITH, LONG_PAUSE_DAYS, REASONS
from tracker.output.trend import Trend, quarterly

DUE_SOON_DAYS = 14
#: actions due within this many days are listed (action plans run in months, not days)
ACTIONS_DUE_DAYS = 30
FIRST_PROBLEMS = 10


#: Headline statuses, worst first; not_applicable is never counted.
HEADLINE_STATUSES: tuple[str, ...] = (
    "overdue",
    "late",
    "not_met",
    "early",
    "pending",
    "paused",
    "waiting",
    "on_time",
    "met",
)
STATUS_LABELS = {
    "overdue": "Overdue",
    "late": "Done late",
    "not_met": "Condition not met",
    "early": "Done too early",
    "pending": "Pending",
    "paused": "Paused",
    "waiting": "Waiting",
    "on_time": "On time",
    "met": "Condition met",
}

_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9/_\-.]{0,39}$")
# A value that is a date or a number as typed (31/02/2024, 31 Feb 2024, 2024-13-01, 45296):
# safe to show. Anything else may be a sentence about a child and is withheld.
_SAFE_VALUE_RE = re.compile(
    r"^(\d{1,4}[/\-. ](\d{1,2}|[A-Za-z]{3,9})[/\-. ]\d{1,4}|\d{1,4}[/\-.]\d{1,2}|-?\d+(\.\d+)?)$"
)
WITHHELD = "(withheld)"
# An organisation's name: letters, digits, spaces and & ' ( ) , . / -, at most 60 characters, not
# ending as a sentence does; and at most 8 words (checked apart)
_AGENCY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9&'(),./\- ]{0,58}[A-Za-z0-9)]$|^[A-Za-z0-9]$")


NO_VALID_ID = "(no valid id)"


def safe_id(value: Any) -> str:
    text = "" if value is None else str(value).strip()
    return text if _ID_RE.match(text) else NO_VALID_ID


def safe_value(value: Any) -> str | None:
    """The value as typed if it cannot be free text; None if it must be withheld."""
    if value is None:
        return ""
    text = str(value).strip()
    if text == "" or _SAFE_VALUE_RE.match(text):
        return text
    return None


def safe_agency(value: Any) -> str:
    """An agency as typed when it reads as an organisation's name, else withheld."""
    text = " ".join(str(value or "").split())
    if _AGENCY_RE.match(text) and len(text.split()) <= 8:
        return text
    return WITHHELD


@dataclass(frozen=True)
class ActionLine:
    """One action of a review's plan, as the e-mail lists it (never its notes)."""

    board: str
    review_id: str
    recommendation: str
    action_ref: str
    agency: str
    due: date | None
    completed: date | None
    status: str
    days_late: int
    sheet: str
    row: int | None
    #: the sheet's own due date when a pause or an agreed extension moved it (``due`` is then
    #: the date in force), and what moved it: Paused, Extended, Pause ended
    original_due: date | None = None
    adjustment: str = ""
    #: the review's address in the web view (``/reviews/<web_key>``)
    web_key: str = ""


@dataclass(frozen=True)
class Finding:
    """One review x stage result, as the e-mail and its attachment list it."""

    board: str
    review_id: str
    framework: str
    stage: str
    status: str
    done: date | None
    earliest: date | None
    latest: date | None
    days_late: int
    basis: str
    must_label: str
    group: str
    citation: str
    source: str
    sheet: str
    row: int | None
    #: the latest date before any pause or extension, and what adjusted it (fixed choices only)
    original_latest: date | None = None
    adjustment: str = ""
    since: date | None = None
    reason: str = ""
    agreed_with: str = ""
    informed: date | None = None
    #: why a paused or extended stage needs a manager's eye ("" when it does not)
    attention: str = ""
    #: the review's address in the web view (``/reviews/<web_key>``)
    web_key: str = ""


@dataclass(frozen=True)
class ProblemLine:
    source: str
    sheet: str
    cell: str
    review_id: str
    column: str
    kind: str
    severity: str
    message: str


@dataclass(frozen=True)
class BoardLine:
    """One board's row in the national summary."""

    board: str
    nation: str
    reviews: int
    cannot_assess: int
    overdue: dict[str, int]
    due_soon: int
    completed_late: int
    problems: int
    overdue_actions: int = 0
    open_actions: int = 0


@dataclass(frozen=True)
class Report:
    scope: str  # a board's name, or "national"
    title: str
    as_of: date
    since: date
    nation: str | None
    recipients: tuple[str, ...]
    reviews: int
    cannot_assess: int
    counts: dict[str, dict[str, int]]
    overdue: list[Finding]
    due_soon: list[Finding]
    completed_late: list[Finding]
    other_findings: list[Finding]
    all_stages: list[Finding]
    problems: list[ProblemLine]
    boards: list[BoardLine] = field(default_factory=list)
    #: stages paused or given more time, not yet done: out of the overdue counts, listed apart
    adjusted: list[Finding] = field(default_factory=list)
    #: the reviews' action plans (Actions sheet): overdue, due soon, and counts
    actions_overdue: list[ActionLine] = field(default_factory=list)
    actions_due_soon: list[ActionLine] = field(default_factory=list)
    actions_total: int = 0
    actions_open: int = 0
    actions_completed: int = 0
    #: every action in scope, for the attachment's Actions sheet
    actions_all: list[ActionLine] = field(default_factory=list)

    @property
    def actions_due_until(self) -> date:
        return self.as_of + timedelta(days=ACTIONS_DUE_DAYS)

    @property
    def overdue_actions_by_agency(self) -> list[tuple[str, list[ActionLine]]]:
        """Agencies with overdue actions, most first; each agency's most overdue first."""
        groups: dict[str, list[ActionLine]] = {}
        for a in self.actions_overdue:
            groups.setdefault(a.agency, []).append(a)
        return sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0].casefold()))

    @property
    def boards_by_overdue_actions(self) -> list[BoardLine]:
        return sorted(
            (b for b in self.boards if b.overdue_actions or b.open_actions),
            key=lambda b: (-b.overdue_actions, -b.open_actions, b.board),
        )

    @property
    def needs_attention(self) -> list[Finding]:
        return [f for f in self.adjusted if f.attention]

    #: deadlines met and stages overdue per must / should / local group
    groups: GroupCounts = field(default_factory=GroupCounts)
    #: deadlines met per quarter (tracker.output.trend); the national summary only
    trend: Trend | None = None
    #: ``[web] public_url``: review ids link to their page there (None: no links)
    web_url: str | None = None

    @property
    def week(self) -> str:
        return iso_week(self.as_of)

    @property
    def is_national(self) -> bool:
        return self.scope == NATIONAL_SCOPE

    @property
    def due_until(self) -> date:
        return self.as_of + timedelta(days=DUE_SOON_DAYS)

    @property
    def first_problems(self) -> list[ProblemLine]:
        return self.problems[:FIRST_PROBLEMS]

    def overdue_in(self, group: str) -> int:
        return sum(1 for f in self.overdue if f.group == group)

    def subject(self) -> str:
        split = ", ".join(f"{self.overdue_in(g)} {g}" for g in GROUPS if self.overdue_in(g))
        parts = [f"{len(self.overdue)} overdue" + (f" ({split})" if split else "")]
        parts.append(f"{len(self.due_soon)} due in {DUE_SOON_DAYS} days")
        if self.problems:
            parts.append(f"{len(self.problems)} data problems")
        who = "National summary" if self.is_national else self.scope
        return f"Case review compliance, {who}, week {self.week}: " + ", ".join(parts)


group_of = stage_group


def _date(value: Any) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _choice(value: Any, allowed: Sequence[str]) -> str:
    """A drop-down value only when it is one of the fixed choices (never free text)."""
    return value if isinstance(value, str) and value in allowed else ""


def _adjusted(stage: Mapping[str, Any], as_of: date) -> dict[str, Any]:
    """What the e-mail says about a stage's pauses and extensions: the open pause if any, else
    the latest row; and whether it needs attention (paused too long, national body not told)."""
    rows = [a for a in stage.get("adjustments") or [] if isinstance(a, Mapping)]
    if not rows:
        return {}
    open_pause = next((a for a in rows if a.get("kind") == "pause" and not a.get("to")), None)
    last = open_pause or rows[-1]
    since = _date(last.get("from"))
    if open_pause is not None:
        kind = "Paused"
    elif last.get("kind") == "extension":
        kind = "Extended"
    else:
        kind = "Pause ended"
    attention = []
    if open_pause is not None and since and (as_of - since).days > LONG_PAUSE_DAYS:
        attention.append(f"paused for {(as_of - since).days // 30} months")
    if any(f.get("type") == "national-body-not-informed" for f in stage.get("findings") or []):
        attention.append("national body not told")
    return {
        "original_latest": _date(stage.get("original_latest")),
        "adjustment": kind,
        "since": since,
        "reason": _choice(last.get("reason"), REASONS),
        "agreed_with": _choice(last.get("agreed_by"), AGREED_WITH),
        "informed": _date(last.get("informed")),
        "attention": "; ".join(attention),
    }


def id_counts(check: Mapping[str, Any]) -> Counter[str]:
    """How many reviews of the whole check carry each id (the web view's addresses need it)."""
    return Counter(str(r.get("review_id") or "") for r in check.get("reviews", []))


def review_key(review: Mapping[str, Any], counts: Mapping[str, int]) -> str:
    """The review's address in the web view, as tracker.web.data gives it: its id when no other
    review of the snapshot has it, else ``source-sheet-row``."""
    rid = str(review.get("review_id") or "")
    if rid and counts.get(rid) == 1:
        return rid
    return f"{review.get('source')}-{review.get('sheet')}-{review.get('row')}"


def _finding(
    review: Mapping[str, Any],
    stage: Mapping[str, Any],
    board: str,
    as_of: date | None = None,
    key: str = "",
) -> Finding:
    extra = _adjusted(stage, as_of) if as_of is not None else {}
    return Finding(
        board=board,
        review_id=safe_id(review.get("review_id")),
        framework=str(review.get("framework", "")),
        stage=str(stage.get("label") or stage.get("id", "")),
        status=str(stage.get("status", "")),
        done=_date(stage.get("done")),
        earliest=_date(stage.get("earliest")),
        latest=_date(stage.get("latest")),
        days_late=int(stage.get("days_late") or 0),
        basis=str(stage.get("basis", "")),
        must_label=stage_must_label(stage),
        group=stage_group(stage),
        citation=str(stage.get("citation") or stage.get("source") or ""),
        source=str(review.get("source", "")),
        sheet=str(review.get("sheet", "")),
        row=review.get("row"),
        web_key=key,
        **extra,
    )


def _action(
    review: Mapping[str, Any], a: Mapping[str, Any], board: str, key: str = ""
) -> ActionLine:
    rows = [r for r in a.get("adjustments") or [] if isinstance(r, Mapping)]
    due = _date(a.get("due"))
    moved: dict[str, Any] = {}
    if rows:  # the deadline in force: moved by a pause, set by an extension, none while paused
        open_pause = any(r.get("kind") == "pause" and not r.get("to") for r in rows)
        extended = any(r.get("kind") == "extension" for r in rows)
        moved = {
            "due": _date(a.get("latest")),
            "original_due": due,
            "adjustment": "Paused" if open_pause else "Extended" if extended else "Pause ended",
        }
    return ActionLine(
        board=board,
        review_id=safe_id(review.get("review_id")),
        recommendation=safe_id(a.get("recommendation")),
        action_ref=safe_id(a.get("action_ref")),
        agency=safe_agency(a.get("agency")),
        due=moved.pop("due", due),
        completed=_date(a.get("completed")),
        status=str(a.get("status", "")),
        days_late=int(a.get("days_late") or 0),
        sheet=str(a.get("sheet", "")),
        row=a.get("row"),
        web_key=key,
        **moved,
    )


def _problem(problem: Mapping[str, Any]) -> ProblemLine:
    message = str(problem.get("message", ""))
    value = problem.get("value")
    shown = safe_value(value)
    if shown is None:
        # Take the typed text out of the message too; it may be a sentence about a child.
        for form in (repr(str(value)), f'"{value}"', str(value)):
            message = message.replace(form, WITHHELD)
    if safe_value(problem.get("review_id")) is None and problem.get("review_id"):
        message = message.replace(str(problem.get("review_id")), WITHHELD)
    rid = problem.get("review_id")
    return ProblemLine(
        source=str(problem.get("source", "")),
        sheet=str(problem.get("sheet", "") or ""),
        cell=str(problem.get("cell", "") or ""),
        review_id=safe_id(rid) if rid else "",
        column=str(problem.get("column", "") or ""),
        kind=str(problem.get("type", "")),
        severity=str(problem.get("severity", "error")),
        message=message,
    )


def _to_fix(check: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """Data problems someone has to fix: info notes (how a merged block was read) stay out."""
    return [p for p in check.get("problems", []) if p.get("severity") != "info"]


def _problem_key(p: Mapping[str, Any]) -> tuple[str, str, int]:
    return (str(p.get("source", "")), str(p.get("sheet", "") or ""), int(p.get("row") or 0))


class _Collected:
    """Every list a report needs, gathered in one pass over some reviews."""

    def __init__(
        self,
        reviews: Iterable[tuple[Mapping[str, Any], str]],
        as_of: date,
        since: date,
        counts: Mapping[str, int] | None = None,
    ) -> None:
        self.reviews = 0
        self.cannot_assess = 0
        self.counts: dict[str, Counter[str]] = {g: Counter() for g in GROUPS}
        self.overdue: list[Finding] = []
        self.due_soon: list[Finding] = []
        self.completed_late: list[Finding] = []
        self.other: list[Finding] = []
        self.all: list[Finding] = []
        self.adjusted: list[Finding] = []
        self.groups = GroupCounts()
        self.actions_overdue: list[ActionLine] = []
        self.actions_due_soon: list[ActionLine] = []
        self.actions_total = self.actions_open = self.actions_completed = 0
        self.actions_all: list[ActionLine] = []
        until = as_of + timedelta(days=DUE_SOON_DAYS)
        actions_until = as_of + timedelta(days=ACTIONS_DUE_DAYS)
        for review, board in reviews:
            key = review_key(review, counts or {})
            for a in review.get("actions") or []:
                line = _action(review, a, board, key)
                self.actions_total += 1
                self.actions_all.append(line)
                if line.status == "not_applicable":
                    continue
                if line.completed is not None:
                    self.actions_completed += 1
                    continue
                self.actions_open += 1
                if line.status == "overdue":
                    self.actions_overdue.append(line)
                elif (  # a paused action has no due date while its clock is stopped
                    line.status == "pending"
                    and line.due is not None
                    and as_of <= line.due <= actions_until
                ):
                    self.actions_due_soon.append(line)
            self.reviews += 1
            if not review.get("assessable", True):
                self.cannot_assess += 1
            for stage in review.get("stages", []):
                self.groups.add_stage(stage)
                f = _finding(review, stage, board, as_of, key)
                if f.status == "not_applicable":
                    continue
                if f.adjustment and f.status in ("paused", "pending", "waiting"):
                    self.adjusted.append(f)
                self.all.append(f)
                self.counts[f.group][f.status] += 1
                if f.status == "overdue":
                    self.overdue.append(f)
                elif f.status == "pending" and f.latest is not None and as_of <= f.latest <= until:
                    self.due_soon.append(f)
                elif f.status == "late" and f.done is not None and since < f.done <= as_of:
                    self.completed_late.append(f)
                elif f.status in ("not_met", "early"):
                    self.other.append(f)
        rank = {g: i for i, g in enumerate(GROUPS)}
        self.overdue.sort(key=lambda f: (rank[f.group], -f.days_late, f.board, f.review_id))
        self.due_soon.sort(key=lambda f: (f.latest or as_of, rank[f.group], f.review_id))
        self.completed_late.sort(key=lambda f: (rank[f.group], f.done or as_of, f.review_id))
        self.other.sort(key=lambda f: (rank[f.group], f.board, f.review_id))
        self.adjusted.sort(key=lambda f: (not f.attention, f.since or as_of, f.review_id))
        self.actions_overdue.sort(key=lambda a: (-a.days_late, a.board, a.review_id, a.action_ref))
        self.actions_due_soon.sort(key=lambda a: (a.due or as_of, a.review_id, a.action_ref))

    def action_fields(self) -> dict[str, Any]:
        return {
            "actions_overdue": self.actions_overdue,
            "actions_due_soon": self.actions_due_soon,
            "actions_total": self.actions_total,
            "actions_open": self.actions_open,
            "actions_completed": self.actions_completed,
            "actions_all": self.actions_all,
        }

    def plain_counts(self) -> dict[str, dict[str, int]]:
        return {g: {s: self.counts[g][s] for s in HEADLINE_STATUSES} for g in GROUPS}


Owners = Mapping[str, tuple[str, ...]]


def _own_reviews(
    check: Mapping[str, Any], board: BoardConfig, owners: Owners
) -> list[Mapping[str, Any]]:
    """The reviews of this board's workbooks that the config gives this board (tracker.access.boards):
    a Board cell can neither move a review into another board's e-mail nor out of its own."""
    return [
        r
        for r in check.get("reviews", [])
        if str(r.get("source", "")) in board.sources and board_of(r, owners) == board.name
    ]


def _own_problems(
    check: Mapping[str, Any], board: BoardConfig, owners: Owners
) -> list[Mapping[str, Any]]:
    """A problem in a review's row goes with that review; one about a whole workbook goes to
    every board that names the workbook."""
    row_board = {
        (r.get("source"), r.get("sheet"), r.get("row")): board_of(r, owners)
        for r in check.get("reviews", [])
    }
    mine = []
    for p in _to_fix(check):
        if str(p.get("source", "")) not in board.sources:
            continue
        owner = row_board.get((p.get("source"), p.get("sheet"), p.get("row")))
        if owner is None or owner == board.name:
            mine.append(p)
    return mine


def board_report(
    check: Mapping[str, Any],
    board: BoardConfig,
    as_of: date,
    since: date | None = None,
    owners: Owners | None = None,
) -> Report:
    """``owners``: tracker.access.boards.source_owners of the config (default: this board alone)."""
    since = since or as_of - timedelta(days=7)
    owners = owners if owners is not None else {s: (board.name,) for s in board.sources}
    reviews = [(r, board.name) for r in _own_reviews(check, board, owners)]
    c = _Collected(reviews, as_of, since, id_counts(check))
    problems = sorted(_own_problems(check, board, owners), key=_problem_key)
    return Report(
        scope=board.name,
        title=f"{board.name}: case review compliance",
        as_of=as_of,
        since=since,
        nation=board.nation,
        recipients=board.recipients,
        reviews=c.reviews,
        cannot_assess=c.cannot_assess,
        counts=c.plain_counts(),
        overdue=c.overdue,
        due_soon=c.due_soon,
        completed_late=c.completed_late,
        other_findings=c.other,
        all_stages=c.all,
        problems=[_problem(p) for p in problems],
        adjusted=c.adjusted,
        groups=c.groups,
        **c.action_fields(),
    )


def national_report(
    check: Mapping[str, Any], config: Config, as_of: date, since: date | None = None
) -> Report:
    since = since or as_of - timedelta(days=7)
    lines: list[BoardLine] = []
    everything: list[tuple[Mapping[str, Any], str]] = []
    owners = source_owners(config)
    for board in config.boards:
        mine = board_report(check, board, as_of, since, owners)
        everything.extend((r, board.name) for r in _own_reviews(check, board, owners))
        lines.append(
            BoardLine(
                board=board.name,
                nation=board.nation,
                reviews=mine.reviews,
                cannot_assess=mine.cannot_assess,
                overdue={g: mine.overdue_in(g) for g in GROUPS},
                due_soon=len(mine.due_soon),
                completed_late=len(mine.completed_late),
                problems=len(mine.problems),
                overdue_actions=len(mine.actions_overdue),
                open_actions=mine.actions_open,
            )
        )
    c = _Collected(everything, as_of, since, id_counts(check))
    nation_of = {f.id: f.nation for f in all_frameworks()}
    board_nation = {b.name: b.nation for b in config.boards}
    trend = quarterly(
        (
            (nation_of.get(str(r.get("framework")), board_nation[board]), board, r)
            for r, board in everything
        ),
        as_of,
    )
    return Report(
        scope=NATIONAL_SCOPE,
        title="National summary: case review compliance across boards",
        as_of=as_of,
        since=since,
        nation=None,
        recipients=config.national_recipients,
        reviews=c.reviews,
        cannot_assess=c.cannot_assess,
        counts=c.plain_counts(),
        overdue=c.overdue,
        due_soon=c.due_soon,
        completed_late=c.completed_late,
        other_findings=c.other,
        all_stages=c.all,
        problems=[_problem(p) for p in sorted(_to_fix(check), key=_problem_key)],
        boards=lines,
        adjusted=c.adjusted,
        groups=c.groups,
        trend=trend,
        **c.action_fields(),
    )


def scopes(config: Config, only_board: str | None = None) -> Sequence[str]:
    """The reports a run makes: every board, then the national summary (or one board only)."""
    if only_board is not None:
        config.board(only_board)  # KeyError names an unknown board
        return [only_board]
    return [b.name for b in config.boards] + [NATIONAL_SCOPE]
