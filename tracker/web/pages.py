"""The HTML pages: overview, a board, a review's timeline, lists, problems, frameworks."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from math import ceil
from typing import Any

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for

from tracker.frameworks.vocabulary import GROUP_LABELS, GROUPS, group_of
from tracker.web.data import (
    DUE_SOON_DAYS,
    NATION_LABELS,
    STATUS_LABELS,
    STATUS_ORDER,
    ProblemView,
    ReviewView,
    Snapshot,
    StageItem,
    Tally,
    scope_of,
    visible,
)
from tracker.web.exports import FORMATS, download
from tracker.web.frameworks import frameworks_for, stage_rules, visible_frameworks
from tracker.web.listing import Columns, sort_rows
from tracker.web.timeline import build_timeline
from tracker.web.views import review_url, snapshot, state, user
from tracker.web.words import framework_title

bp = Blueprint("pages", __name__)

FILTERS = ("nation", "board", "framework", "basis", "must")
STAGE_HEADERS = (
    "Nation",
    "Board",
    "Framework",
    "Review ID",
    "Stage",
    "Earliest",
    "Latest",
    "Done",
    "Status",
    "Days late",
    "Basis",
    "Must or should",
    "Citation",
    "Source",
    "Sheet",
    "Row",
)


def _fmt() -> str | None:
    fmt = request.args.get("format")
    if fmt is None or fmt == "html":
        return None
    if fmt not in FORMATS:
        abort(400, f"format must be csv or xlsx, not {fmt!r}")
    return fmt


def stage_row(item: StageItem) -> list[Any]:
    r, s = item.review, item.stage
    return [
        NATION_LABELS.get(r.nation, r.nation),
        r.board,
        r.data.get("framework"),
        r.review_id,
        s.get("label") or s.get("id"),
        s.get("earliest"),
        s.get("latest"),
        s.get("done"),
        STATUS_LABELS.get(str(s.get("status")), s.get("status")),
        s.get("days_late"),
        s.get("basis"),
        item.must_label,
        s.get("source"),
        r.data.get("source"),
        r.data.get("sheet"),
        r.data.get("row"),
    ]


PAUSED_HEADERS = (
    "Nation",
    "Board",
    "Framework",
    "Review ID",
    "Stage",
    "Status",
    "Paused since",
    "Reason",
    "Agreed with",
    "National body informed",
    "Due (adjusted)",
    "Originally due",
    "Source",
    "Sheet",
    "Row",
)


def paused_row(item: StageItem) -> list[Any]:
    r, s, a = item.review, item.stage, item.last_adjustment
    return [
        NATION_LABELS.get(r.nation, r.nation),
        r.board,
        r.data.get("framework"),
        r.review_id,
        s.get("label") or s.get("id"),
        STATUS_LABELS.get(str(s.get("status")), s.get("status")),
        item.since.isoformat() if item.since else None,
        a.get("reason"),
        a.get("agreed_by"),
        a.get("informed"),
        s.get("latest"),
        s.get("original_latest"),
        r.data.get("source"),
        r.data.get("sheet"),
        r.data.get("row"),
    ]


@dataclass(frozen=True)
class Filters:
    values: dict[str, str]
    options: dict[str, list[tuple[str, str]]]

    def keep(self, item: StageItem) -> bool:
        v = self.values
        r = item.review
        if v.get("nation") and r.nation != v["nation"]:
            return False
        if v.get("board") and r.board != v["board"]:
            return False
        if v.get("framework") and r.data.get("framework") != v["framework"]:
            return False
        if v.get("basis") and item.basis != v["basis"]:
            return False
        # must / should / local as every headline count splits them, so a count's link lists it
        return not (v.get("must") and group_of(item.basis, item.must) != v["must"])

    @property
    def active(self) -> bool:
        return any(self.values.values())

    def query(self, **extra: Any) -> dict[str, Any]:
        return {**{k: v for k, v in self.values.items() if v}, **extra}


def _options(items: Sequence[StageItem]) -> dict[str, set[str]]:
    """The values each filter can take in these items (computed once per snapshot and scope)."""
    return {
        "nation": {i.review.nation for i in items},
        "board": {i.review.board for i in items},
        "framework": {str(i.review.data.get("framework")) for i in items},
        "basis": {i.basis for i in items if i.basis},
    }


def _filters(present: dict[str, set[str]]) -> Filters:
    values = {name: request.args.get(name, "").strip() for name in FILTERS}

    def chosen(name: str) -> list[str]:
        return sorted(present[name] | ({values[name]} - {""}))

    options = {
        "nation": [(n, NATION_LABELS.get(n, n)) for n in chosen("nation")],
        "board": [(b, b) for b in chosen("board")],
        "framework": [(f, framework_title(f)) for f in chosen("framework")],
        "basis": [(b, b[:1].upper() + b[1:]) for b in chosen("basis")],
        "must": [(g, GROUP_LABELS[g]) for g in GROUPS],
    }
    return Filters(values, options)


def _page_size() -> int:
    size: int = current_app.config["PAGE_SIZE"]
    return size


def _paginate(items: list[Any]) -> tuple[list[Any], int, int]:
    size = _page_size()
    pages = max(1, ceil(len(items) / size))
    try:
        number = int(request.args.get("page", "1"))
    except ValueError:
        number = 1
    number = min(max(number, 1), pages)
    return items[(number - 1) * size : number * size], number, pages


@dataclass(frozen=True)
class BoardRow:
    """One board on the overview: its totals and its frameworks' tallies."""

    board: str
    nation: str
    total: Tally
    frameworks: dict[str, Tally]


def rank_boards(snap: Snapshot, me: Any, nation: str = "") -> list[BoardRow]:
    """Every board the user may see in one ranking across nations, furthest behind first.

    Grouping by nation hid a board with five overdue stages below one with two; inspectors ask
    "who is furthest behind" first, so nation is a column and a filter, never the order.
    """
    boards: dict[tuple[str, str], BoardRow] = {}
    for (n, board, framework), tally in snap.tallies.items():
        if not me.may_see(board) or (nation and n != nation):
            continue
        row = boards.get((n, board))
        if row is None:
            row = boards[(n, board)] = BoardRow(board, n, Tally(), {})
        row.total.add(tally)
        row.frameworks[framework] = tally
    return sorted(boards.values(), key=lambda r: (r.total.rank, r.board, r.nation))


def _worst_rank(r: ReviewView) -> int:
    return STATUS_ORDER.index(r.worst) if r.worst in STATUS_ORDER else -1


#: A board's review list and the search results: sortable columns (tracker.web.listing).
REVIEW_SORTS: Columns = {
    "state": (_worst_rank, False),
    "review": (lambda r: r.review_id.casefold(), False),
    "board": (lambda r: r.board.casefold(), False),
    "framework": (lambda r: framework_title(r.data.get("framework"), short=True).casefold(), False),
    "overdue": (lambda r: r.count("overdue"), True),
    "next": (lambda r: r.next_due or date.max, False),
}


@bp.get("/")
def overview() -> Any:
    snap = snapshot()
    me = user()
    problems_by_board: dict[str, int] = defaultdict(int)
    for p in visible(snap.problems, me):
        problems_by_board[p.board or ""] += 1

    nation = request.args.get("nation", "").strip()
    every = rank_boards(snap, me)
    nations = sorted({r.nation for r in every} | ({nation} - {""}))
    ranked = [r for r in every if not nation or r.nation == nation]

    fmt = _fmt()
    if fmt:
        headers = (
            "Nation",
            "Board",
            "Framework",
            "Reviews",
            "Cannot assess",
            "Longest overdue (days)",
            *[STATUS_LABELS[s] for s in STATUS_ORDER],
            *[
                f"{GROUP_LABELS[g]} deadlines{suffix}"
                for g in GROUPS
                for suffix in (" met", "", " overdue")
            ],
        )
        rows = [
            [
                NATION_LABELS.get(r.nation, r.nation),
                r.board,
                framework,
                t.reviews,
                t.cannot_assess,
                t.longest_overdue,
                *[t.statuses[s] for s in STATUS_ORDER],
                *[
                    n
                    for g in GROUPS
                    for n in (t.groups.met[g], t.groups.deadlines[g], t.groups.overdue[g])
                ],
            ]
            for r in ranked
            for framework, t in sorted(r.frameworks.items())
        ]
        return download(fmt, "overview", headers, rows, "Overview")
    total = Tally()
    for r in ranked:
        total.add(r.total)
    # a national ranking runs to some 170 boards: the furthest behind on the first page
    shown, number, pages = _paginate(ranked)
    return render_template(
        "overview.html",
        boards=shown,
        board_count=len(ranked),
        first=(number - 1) * _page_size() + 1,
        page=number,
        pages=pages,
        nation=nation,
        nation_options=[(n, NATION_LABELS.get(n, n)) for n in nations],
        groups=total.groups,
        problems_by_board=problems_by_board,
        overdue_count=total.statuses["overdue"],
        overdue_must_count=total.overdue_must,
        due_soon_count=sum(
            c
            for b, c in snap.due_soon_by_board.items()
            if me.may_see(b) and (not nation or b in {r.board for r in ranked})
        ),
        paused_count=sum(
            1 for i in snap.scoped("paused", me) if not nation or i.review.nation == nation
        ),
        review_count=total.reviews,
    )


@bp.get("/boards/<path:board>")
def board(board: str) -> Any:
    snap = snapshot()
    me = user()
    if not me.may_see(board):
        abort(404)
    reviews = snap.board_reviews(board)  # worst first, then by id: sorted once per snapshot
    if not reviews and board not in snap.boards():
        abort(404)
    everything = len(reviews)
    frameworks = sorted({str(r.data.get("framework") or "") for r in reviews})
    # ?status=paused (or any stage status): the reviews with at least one stage in it
    status = request.args.get("status", "").strip()
    if status and status not in STATUS_LABELS:
        abort(400, f"status must be one of {', '.join(STATUS_LABELS)}, not {status!r}")
    if status == "cannot_assess":
        reviews = [r for r in reviews if not r.assessable]
    elif status:
        reviews = [r for r in reviews if r.count(status)]
    # ?framework=: the overview's per-framework counts link to the reviews they count
    framework = request.args.get("framework", "").strip()
    if framework:
        reviews = [r for r in reviews if r.data.get("framework") == framework]
    # board_reviews is already worst first, then by id (never sort the shared list in place)
    reviews, sort = sort_rows(reviews, REVIEW_SORTS, "state", request.args.get("sort"))
    fmt = _fmt()
    if fmt:
        headers = (
            "Review ID",
            "Framework",
            "State",
            "Overdue stages",
            "Next due",
            "Source",
            "Sheet",
            "Row",
        )
        rows = [
            [
                r.review_id,
                r.data.get("framework"),
                STATUS_LABELS.get(r.worst, r.worst),
                r.count("overdue"),
                r.next_due.isoformat() if r.next_due else None,
                r.data.get("source"),
                r.data.get("sheet"),
                r.data.get("row"),
            ]
            for r in reviews
        ]
        return download(fmt, _slug(board), headers, rows, "Reviews")
    statuses = [
        (s, STATUS_LABELS.get(s, s))
        for s in dict.fromkeys((*STATUS_ORDER, "cannot_assess"))
        if s != "not_applicable"
    ]
    problems = snap.board_problems(board)
    page, number, pages = _paginate(reviews)
    return render_template(
        "board.html",
        board=board,
        reviews=page,
        total=len(reviews),
        unfiltered=everything,
        status=status,
        statuses=statuses,
        page=number,
        pages=pages,
        problem_count=len(problems),
        sort=sort,
        framework=framework,
        frameworks=frameworks,
    )


@bp.get("/reviews/<path:key>")
def review(key: str) -> Any:
    snap = snapshot()
    found: ReviewView | None = snap.by_key.get(key)
    if found is None or not user().may_see(found.board):
        abort(404)
    framework = str(found.data.get("framework") or "")
    rules = stage_rules(_frameworks(snap), framework, found.board)
    problems = snap.row_problems(found)
    link = found.data.get("report_link")
    safe_link = link if isinstance(link, str) and link.startswith("https://") else None
    return render_template(
        "review.html",
        review=found,
        timeline=build_timeline(found.stages, snap.as_of),
        narrow_timeline=build_timeline(found.stages, snap.as_of, narrow=True),
        rules=rules,
        problems=problems,
        report_link=safe_link,
    )


def _frameworks(snap: Snapshot) -> list[dict[str, Any]]:
    """Frameworks with this config's overrides, worked out once per snapshot."""
    return frameworks_for(snap, state().config)


#: The stage lists' sortable columns (tracker.web.listing): plain links, no script needed.
STAGE_SORTS: Columns = {
    "review": (lambda i: i.review.review_id.casefold(), False),
    "board": (lambda i: i.review.board.casefold(), False),
    "stage": (lambda i: str(i.stage.get("label") or i.stage.get("id") or "").casefold(), False),
    "due": (lambda i: i.latest or date.max, False),
    "days": (lambda i: int(i.stage.get("days_late") or 0), True),
    "since": (lambda i: i.since or date.max, False),
}
#: each list's columns, its own order first (the order the snapshot keeps it in)
STAGE_LIST_SORTS = {
    "overdue": ("days", ("days", "review", "board", "stage", "due")),
    "due_soon": ("due", ("due", "review", "board", "stage")),
    "paused": ("since", ("since", "review", "stage", "due")),
}


def _stage_list(kind: str) -> Any:
    snap = snapshot()
    me = user()
    mine: list[StageItem] = snap.scoped(kind, me)
    filters = _filters(snap.once((kind + "-options", scope_of(me)), lambda: _options(mine)))
    items = [i for i in mine if filters.keep(i)]
    default, names = STAGE_LIST_SORTS[kind]
    columns = {n: STAGE_SORTS[n] for n in names}
    items, sort = sort_rows(items, columns, default, request.args.get("sort"))
    fmt = _fmt()
    if fmt:
        name = kind.replace("_", "-")
        if kind == "paused":
            return download(
                fmt, name, PAUSED_HEADERS, (paused_row(i) for i in items), "Paused or extended"
            )
        days = "Days overdue" if kind == "overdue" else "Days late"
        headers = [days if h == "Days late" else h for h in STAGE_HEADERS]
        return download(fmt, name, headers, (stage_row(i) for i in items), name)
    page, number, pages = _paginate(items)
    return render_template(
        "stage_list.html",
        kind=kind,
        items=page,
        total=len(items),
        unfiltered=len(mine),
        filters=filters,
        page=number,
        pages=pages,
        due_soon_days=DUE_SOON_DAYS,
        endpoint=f"pages.{kind}",
        sort=sort,
    )


@bp.get("/overdue")
def overdue() -> Any:
    return _stage_list("overdue")


@bp.get("/due-soon")
def due_soon() -> Any:
    return _stage_list("due_soon")


@bp.get("/paused")
def paused() -> Any:
    """Stages paused, or given a new due date, and not yet done: apart from the overdue list."""
    return _stage_list("paused")


PROBLEM_HEADERS = (
    "Board",
    "Source",
    "Sheet",
    "Cell",
    "Row",
    "Column",
    "Review ID",
    "Type",
    "Severity",
    "Message",
)


def problem_row(p: ProblemView) -> list[Any]:
    d = p.data
    return [
        p.board,
        d.get("source"),
        d.get("sheet"),
        d.get("cell"),
        d.get("row"),
        d.get("column"),
        d.get("review_id"),
        d.get("type"),
        d.get("severity"),
        d.get("message"),
    ]


@bp.get("/problems")
def problems() -> Any:
    snap = snapshot()
    mine: list[ProblemView] = snap.scoped("problems", user())
    board_filter = request.args.get("board", "").strip()
    items = [p for p in mine if not board_filter or p.board == board_filter]
    fmt = _fmt()
    if fmt:
        return download(
            fmt, "problems", PROBLEM_HEADERS, (problem_row(p) for p in items), "Problems"
        )
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for p in items:
        counts[(p.board or "(no board)", str(p.data.get("type") or ""))] += 1
    page, number, pages = _paginate(items)
    keys = _review_keys(snap)
    return render_template(
        "problems.html",
        items=page,
        review_keys=[
            keys.get((p.data.get("source"), p.data.get("sheet"), p.data.get("row"))) for p in page
        ],
        total=len(items),
        counts=sorted(counts.items()),
        boards=sorted({p.board for p in mine if p.board}),
        board_filter=board_filter,
        page=number,
        pages=pages,
    )


#: the longest search text taken: review ids are short, and a long string only costs time
SEARCH_MAX = 100


@bp.get("/search")
def search() -> Any:
    """Find a review by its id within the user's boards: an exact match opens it, else prefixes.

    Case and surrounding spaces are ignored, as officers type ids from letters and e-mails.
    """
    snap = snapshot()
    query = request.args.get("q", "").strip()[:SEARCH_MAX]
    wanted = query.casefold()
    mine: list[ReviewView] = snap.scoped("reviews", user())
    exact = [r for r in mine if wanted and r.review_id.casefold() == wanted]
    if len(exact) == 1:
        return redirect(review_url(exact[0].key))
    found = exact or [r for r in mine if wanted and r.review_id.casefold().startswith(wanted)]
    found = sorted(found, key=lambda r: (r.review_id, r.board))
    found, sort = sort_rows(found, REVIEW_SORTS, "review", request.args.get("sort"))
    page, number, pages = _paginate(found)
    return render_template(
        "search.html",
        query=query,
        reviews=page,
        total=len(found),
        page=number,
        pages=pages,
        sort=sort,
    )


def _review_keys(snap: Snapshot) -> dict[tuple[Any, Any, Any], str]:
    """Each review's page by its source, sheet and row: how a problem finds its review."""
    found = snap.memo.get(("review-keys",))
    if found is None:
        found = snap.memo[("review-keys",)] = {
            (r.data.get("source"), r.data.get("sheet"), r.data.get("row")): r.key
            for r in snap.reviews
        }
    return found


@bp.get("/frameworks")
def frameworks() -> Any:
    return render_template(
        "frameworks.html", frameworks=visible_frameworks(snapshot(), state().config, user())
    )


@bp.get("/calendar")
def calendar() -> Any:
    token = user().calendar_token
    feed = url_for("feeds.calendar_ics", token=token, _external=True)
    return render_template("calendar.html", feed=feed)


def _slug(text: str) -> str:
    keep: Callable[[str], bool] = str.isalnum
    return "".join(c if keep(c) else "-" for c in text).strip("-").lower() or "board"


def page_link(endpoint: str, number: int, **args: Any) -> str:
    return url_for(endpoint, page=number, **args)
