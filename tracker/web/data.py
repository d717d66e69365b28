"""The web view's data: the latest snapshot, cleaned, indexed and summarised once per change.

Every page is answered from memory. The snapshot file is re-read only when its modification time
or size changes (the service's refresh job replaces it atomically), so a spreadsheet is never read
per request and a busy page costs a filter over prepared lists, not a re-evaluation.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar

from tracker.access.boards import board_of, source_owners
from tracker.access.users import User
from tracker.config import Config
from tracker.frameworks.registry import all_frameworks
from tracker.frameworks.vocabulary import DEADLINE_STATUSES as DEADLINE_STATUSES
from tracker.frameworks.vocabulary import MUST, GroupCounts, stage_must_label
from tracker.model import FAILING_STATUSES, PRIVATE_FIELDS, Status
from tracker.model import STATUS_ORDER as WORST_FIRST
from tracker.output.snapshot import read_snapshot, snapshot_path

log = logging.getLogger(__name__)
T = TypeVar("T")

#: A pending stage whose latest date falls within this many days of the as-of date is "due soon".
DUE_SOON_DAYS = 14
#: Worst first: the order a review's overall state and status columns are shown in.
STATUS_ORDER = tuple(s.value for s in WORST_FIRST)
STATUS_LABELS = {
    "on_time": "On time",
    "late": "Late",
    "early": "Early",
    "overdue": "Overdue",
    "pending": "Pending",
    "waiting": "Waiting",
    "not_applicable": "Not applicable",
    "met": "Met",
    "not_met": "Not met",
    "paused": "Paused",
    "cannot_assess": "Cannot assess",
}
NATION_LABELS = {
    "england": "England",
    "wales": "Wales",
    "scotland": "Scotland",
    "northern-ireland": "Northern Ireland",
    "unknown": "Unknown nation",
}
UNKNOWN_BOARD = "(no board)"
#: a status's place in STATUS_ORDER, for sorting
_RANK = {status: n for n, status in enumerate(STATUS_ORDER)}


def parse_day(value: Any) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


def scrub(value: Any) -> Any:
    """Drop every private (free-text) field at any depth: notes never reach a page or a download."""
    if isinstance(value, dict):
        return {k: scrub(v) for k, v in value.items() if k not in PRIVATE_FIELDS}
    if isinstance(value, list):
        return [scrub(v) for v in value]
    return value


def scrub_in_place(doc: Any) -> None:
    """:func:`scrub` without copying, for a document read for this use alone: copying every dict
    of a 10,000-review snapshot was most of the time a new snapshot took to load."""
    stack = [doc]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            for private in PRIVATE_FIELDS:
                value.pop(private, None)
            stack.extend(v for v in value.values() if isinstance(v, (dict, list)))
        elif isinstance(value, list):
            stack.extend(v for v in value if isinstance(v, (dict, list)))


@dataclass(frozen=True)
class ReviewView:
    key: str  # the part of /reviews/<key>: the review id, or source-sheet-row
    nation: str
    board: str
    data: dict[str, Any]  # the review object of the check JSON, scrubbed

    @property
    def review_id(self) -> str:
        return str(self.data.get("review_id") or "")

    @property
    def stages(self) -> list[dict[str, Any]]:
        stages: list[dict[str, Any]] = self.data.get("stages") or []
        return stages

    @property
    def assessable(self) -> bool:
        return bool(self.data.get("assessable", True))

    # Worked out once per review and snapshot (a frozen dataclass keeps cached_property values
    # in its __dict__): a board page orders thousands of reviews by them.
    @cached_property
    def worst(self) -> str:
        if not self.assessable:
            return "cannot_assess"
        present = self.status_counts
        for status in STATUS_ORDER:
            if status in present:
                return status
        return "pending"

    @cached_property
    def next_due(self) -> date | None:
        due = [parse_day(s.get("latest")) for s in self.stages if s.get("status") == "pending"]
        days = [d for d in due if d]
        return min(days) if days else None

    @cached_property
    def status_counts(self) -> Counter[str]:
        return Counter(str(s.get("status")) for s in self.stages)

    def count(self, status: str) -> int:
        return self.status_counts[status]


@dataclass(frozen=True)
class StageItem:
    """One stage of one review, as listed on the overdue and due-soon pages."""

    review: ReviewView
    stage: dict[str, Any]

    @property
    def latest(self) -> date | None:
        return parse_day(self.stage.get("latest"))

    @property
    def basis(self) -> str:
        return str(self.stage.get("basis") or "")

    @property
    def open_pause(self) -> dict[str, Any] | None:
        """The pause stopping this stage's clock, if one is open."""
        for a in self.stage.get("adjustments") or []:
            if isinstance(a, dict) and a.get("kind") == "pause" and not a.get("to"):
                return a
        return None

    @property
    def since(self) -> date | None:
        found = self.open_pause
        return parse_day(found.get("from")) if found else None

    @property
    def last_adjustment(self) -> dict[str, Any]:
        rows = [a for a in self.stage.get("adjustments") or [] if isinstance(a, dict)]
        return self.open_pause or (rows[-1] if rows else {})

    @property
    def must(self) -> bool:
        return bool(self.stage.get("must"))

    @property
    def must_label(self) -> str:
        return stage_must_label(self.stage)


@dataclass(frozen=True)
class ProblemView:
    board: str | None  # None: the source belongs to no configured board (national users only)
    nation: str
    data: dict[str, Any]


@dataclass
class Tally:
    """Counts for one nation x board x framework cell of the overview."""

    statuses: Counter[str] = field(default_factory=Counter)
    reviews: int = 0
    cannot_assess: int = 0
    #: deadlines met and overdue per must / should / local group (tracker.frameworks.vocabulary)
    groups: GroupCounts = field(default_factory=GroupCounts)
    #: the most days any one stage here is overdue (0 when none is)
    longest_overdue: int = 0

    def add(self, other: Tally) -> None:
        self.statuses.update(other.statuses)
        self.longest_overdue = max(self.longest_overdue, other.longest_overdue)
        self.reviews += other.reviews
        self.cannot_assess += other.cannot_assess
        self.groups.add(other.groups)

    @property
    def failing(self) -> int:
        return sum(self.statuses[s] for s in FAILING_STATUSES)

    @property
    def overdue_must(self) -> int:
        """Overdue national must-stages (a legal duty): what the overview ranks on first."""
        return self.groups.overdue[MUST]

    @property
    def rank(self) -> tuple[int, int, int]:
        """Furthest behind first: overdue must-stages, then all overdue, then the longest overdue."""
        return (-self.overdue_must, -self.statuses["overdue"], -self.longest_overdue)


@dataclass
class Snapshot:
    """The cleaned snapshot with the indexes every page needs."""

    as_of: date | None
    generated_at: datetime | None
    reviews: list[ReviewView]
    problems: list[ProblemView]
    by_key: dict[str, ReviewView]
    tallies: dict[tuple[str, str, str], Tally]
    overdue: list[StageItem]
    due_soon: list[StageItem]
    stamp: tuple[int, int] | None = None
    #: stages not done whose clock a pause stopped or whose due date an extension set
    paused: list[StageItem] = field(default_factory=list)
    #: per-snapshot results keyed by (what, scope): lists and filter options per set of boards
    memo: dict[tuple[Any, ...], Any] = field(default_factory=dict)
    _memo_lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def once(self, key: tuple[Any, ...], compute: Callable[[], T]) -> T:
        """``compute()`` once for this snapshot and key (with a scope in the key when what it
        makes depends on who asks), kept in ``memo`` and gone with the snapshot. Callers that
        arrive while it is being computed wait for it rather than all computing it."""
        if key in self.memo:
            found: T = self.memo[key]
            return found
        with self._memo_lock:
            lock = self.memo.setdefault(("lock", *key), threading.Lock())
        with lock:
            if key not in self.memo:
                self.memo[key] = compute()
            found = self.memo[key]
        return found

    def scoped(self, what: str, user: User) -> list[Any]:
        """``overdue``, ``due_soon``, ``paused``, ``reviews`` or ``problems`` as this user may
        see them."""
        return self.once((what, scope_of(user)), lambda: list(visible(getattr(self, what), user)))

    def board_reviews(self, board: str) -> list[ReviewView]:
        """A board's reviews, worst first then by id (the board page's order), sorted once."""

        def by_board() -> dict[str, list[ReviewView]]:
            found: dict[str, list[ReviewView]] = defaultdict(list)
            for r in self.reviews:
                found[r.board].append(r)
            for reviews in found.values():
                reviews.sort(key=lambda r: (_RANK.get(r.worst, -1), r.review_id))
            return dict(found)

        return self.once(("board-reviews",), by_board).get(board, [])

    def board_problems(self, board: str) -> list[ProblemView]:
        def by_board() -> dict[str | None, list[ProblemView]]:
            found: dict[str | None, list[ProblemView]] = defaultdict(list)
            for p in self.problems:
                found[p.board].append(p)
            return dict(found)

        return self.once(("board-problems",), by_board).get(board, [])

    def row_problems(self, review: ReviewView) -> list[ProblemView]:
        """The problems found in this review's row (source, sheet, row)."""

        def by_row() -> dict[tuple[Any, Any, Any], list[ProblemView]]:
            found: dict[tuple[Any, Any, Any], list[ProblemView]] = defaultdict(list)
            for p in self.problems:
                found[(p.data.get("source"), p.data.get("sheet"), p.data.get("row"))].append(p)
            return dict(found)

        d = review.data
        return self.once(("row-problems",), by_row).get(
            (d.get("source"), d.get("sheet"), d.get("row")), []
        )

    @cached_property
    def due_soon_by_board(self) -> Counter[str]:
        return Counter(i.review.board for i in self.due_soon)

    @property
    def present(self) -> bool:
        return self.generated_at is not None

    def is_stale(self, now: datetime, stale_after: timedelta) -> bool:
        return self.generated_at is None or now - self.generated_at > stale_after

    def boards(self) -> list[str]:
        return self.once(
            ("boards",),
            lambda: sorted(
                {r.board for r in self.reviews} | {p.board for p in self.problems if p.board}
            ),
        )


def scope_of(user: User) -> tuple[str, ...]:
    return ("*",) if user.national else tuple(sorted(user.boards))


def visible(items: Iterable[Any], user: User) -> Iterator[Any]:
    """Only what this user may see: national users everything, others their own boards."""
    for item in items:
        board = item.board if not isinstance(item, StageItem) else item.review.board
        if user.may_see(board):
            yield item


def _nations() -> dict[str, str]:
    return {f.id: f.nation for f in all_frameworks()}


def build(doc: dict[str, Any] | None, config: Config) -> Snapshot:
    """Turn the snapshot document into the indexed, scrubbed form the pages use.

    The document is scrubbed in place and becomes the Snapshot's: pass one read for it alone.
    """
    if doc is None:
        return Snapshot(None, None, [], [], {}, {}, [], [])
    scrub_in_place(doc)
    nations = _nations()
    board_nation = {b.name: b.nation for b in config.boards}
    owners = source_owners(config)
    source_board = {source: names[0] for source, names in owners.items()}
    raw_reviews: list[dict[str, Any]] = [r for r in doc.get("reviews") or [] if isinstance(r, dict)]
    id_counts = Counter(str(r.get("review_id") or "") for r in raw_reviews)

    reviews: list[ReviewView] = []
    by_key: dict[str, ReviewView] = {}
    for raw in raw_reviews:
        rid = str(raw.get("review_id") or "")
        if rid and id_counts[rid] == 1:
            key = rid
        else:
            key = f"{raw.get('source')}-{raw.get('sheet')}-{raw.get('row')}"
        board = _board(raw, owners, configured=bool(config.boards))
        if isinstance(raw.get("actions"), list):
            raw["actions"] = [_safe_action(a) for a in raw["actions"] if isinstance(a, dict)]
        nation = nations.get(str(raw.get("framework")), board_nation.get(board, "unknown"))
        view = ReviewView(key=key, nation=nation, board=board, data=raw)
        reviews.append(view)
        by_key.setdefault(key, view)

    row_board = {(r.data.get("source"), r.data.get("sheet"), r.data.get("row")): r for r in reviews}
    problems: list[ProblemView] = []
    for raw in doc.get("problems") or []:
        if not isinstance(raw, dict):
            continue
        owner = row_board.get((raw.get("source"), raw.get("sheet"), raw.get("row")))
        pboard = owner.board if owner else source_board.get(str(raw.get("source")))
        pnation = owner.nation if owner else board_nation.get(pboard or "", "unknown")
        problems.append(ProblemView(board=pboard, nation=pnation, data=_safe_problem(raw)))

    as_of = parse_day(doc.get("as_of"))
    generated = doc.get("generated_at")
    try:
        generated_at = datetime.fromisoformat(str(generated)) if generated else None
    except ValueError:
        generated_at = None
    if generated_at is not None and generated_at.tzinfo is None:
        generated_at = generated_at.replace(tzinfo=UTC)

    tallies: dict[tuple[str, str, str], Tally] = defaultdict(Tally)
    overdue: list[StageItem] = []
    due_soon: list[StageItem] = []
    paused: list[StageItem] = []
    soon_limit = as_of + timedelta(days=DUE_SOON_DAYS) if as_of else None
    for review in reviews:
        tally = tallies[(review.nation, review.board, str(review.data.get("framework") or ""))]
        tally.reviews += 1
        if not review.assessable:
            tally.cannot_assess += 1
        for stage in review.stages:
            status = str(stage.get("status") or "")
            tally.statuses[status] += 1
            tally.groups.add_stage(stage)
            if status == Status.PAUSED or (
                stage.get("adjustments") and status in (Status.PENDING, Status.WAITING)
            ):
                paused.append(StageItem(review, stage))
            if status == Status.OVERDUE:
                overdue.append(StageItem(review, stage))
                days = stage.get("days_late")
                if isinstance(days, int) and days > tally.longest_overdue:
                    tally.longest_overdue = days
            elif status == Status.PENDING and soon_limit:
                latest = parse_day(stage.get("latest"))
                if latest and latest <= soon_limit:
                    due_soon.append(StageItem(review, stage))
    overdue.sort(key=lambda i: (-int(i.stage.get("days_late") or 0), i.review.board, i.review.key))
    due_soon.sort(key=lambda i: (i.latest or date.max, i.review.board, i.review.key))
    paused.sort(key=lambda i: (i.since or date.max, i.review.board, i.review.key))
    return Snapshot(
        as_of=as_of,
        generated_at=generated_at,
        reviews=reviews,
        problems=problems,
        by_key=by_key,
        tallies=dict(tallies),
        overdue=overdue,
        due_soon=due_soon,
        paused=paused,
    )


def _board(raw: dict[str, Any], owners: dict[str, tuple[str, ...]], *, configured: bool) -> str:
    """The config decides (tracker.access.boards): with boards configured, a review of a source no
    board names is shown to national users only, whatever its Board cell says."""
    if configured and str(raw.get("source")) not in owners:
        return UNKNOWN_BOARD
    return board_of(raw, owners) or UNKNOWN_BOARD


def _safe_action(raw: dict[str, Any]) -> dict[str, Any]:
    """An agency that does not read as an organisation's name may be a sentence about a person:
    withheld, by the rule the e-mail uses (tracker.mail.report.safe_agency), on every page, the
    API, downloads and the calendar feed alike."""
    from tracker.mail.report import safe_agency  # the e-mail's one rule, shared

    if raw.get("agency") is None:
        return raw
    return {**raw, "agency": safe_agency(raw["agency"])}


def _safe_problem(raw: dict[str, Any]) -> dict[str, Any]:
    """A problem in a private column keeps its cell but loses its value and any quoted text."""
    column = str(raw.get("column") or "").strip().casefold()
    if column in {"notes", "note"} or raw.get("field") in PRIVATE_FIELDS:
        clean = dict(raw)
        clean["value"] = None
        clean["message"] = "the Notes cell has a problem (its text is never shown)"
        return clean
    return raw


class SnapshotCache:
    """The snapshot file, rebuilt in memory only when it changes on disk."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.path: Path = snapshot_path(config.state_dir)
        self._lock = threading.Lock()
        self._current = build(None, config)
        self._bad: tuple[int, int] | None | bool = False  # the stamp of a file that failed
        #: why the file on disk is not being served (None when it is); /healthz reports it
        self.problem: str | None = None

    def _stat(self) -> tuple[int, int] | None:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return None
        return (st.st_mtime_ns, st.st_size)

    def get(self) -> Snapshot:
        stamp = self._stat()
        current = self._current
        if stamp == current.stamp:
            return current
        # One request loads a new file (seconds at 10,000 reviews); the others meanwhile keep
        # getting the snapshot they had rather than queueing behind it, unless there is none yet.
        if not self._lock.acquire(blocking=current.stamp is None):
            return current
        try:
            if stamp != self._current.stamp and stamp != self._bad:
                try:
                    doc = read_snapshot(self.config.state_dir) if stamp else None
                    snap = build(doc, self.config)
                except (OSError, ValueError, TypeError, AttributeError, KeyError) as exc:
                    # Keep serving the last good data; the stale warning tells people.
                    log.error(
                        "%s: cannot read the snapshot, keeping the previous one: %s", self.path, exc
                    )
                    self._bad = stamp
                    self.problem = f"{self.path.name} cannot be used: {exc}"
                    return self._current
                snap.stamp = stamp
                self._current = snap
                self.problem = None
            return self._current
        finally:
            self._lock.release()
