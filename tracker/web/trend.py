"""Compliance over time in the web view: the chart (inline SVG, no script), its table, the page
with its filters, and the downloads.

The figures are tracker.output.trend's, counted once per snapshot; each user's scope and filter is
a sum over them. The chart's geometry is worked out here, apart from the template, so it can be
tested; the table beside it carries the same figures in text for screen readers and on paper.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import Blueprint, abort, render_template, request

from tracker.access.users import User
from tracker.frameworks.vocabulary import GROUP_LABELS
from tracker.output.trend import (
    HEADERS,
    SHOWN_QUARTERS,
    Row,
    Series,
    Trend,
    download_rows,
    quarterly,
)
from tracker.web.data import NATION_LABELS, Snapshot
from tracker.web.exports import FORMATS, download
from tracker.web.views import snapshot, user

bp = Blueprint("trend", __name__)

#: The chart's drawing box (viewBox units); it scales to its container, text with it. A narrow
#: screen gets a chart of its own (fewer quarters, same text size) so its labels stay legible.
WIDTH, HEIGHT = 520, 250
NARROW_WIDTH, NARROW_QUARTERS = 330, 4
LEFT, RIGHT, TOP, BOTTOM = 50, 14, 14, 66
#: Short month spans under the chart's columns (the table spells them out).
SHORT_NAMES = ("Jan\u2013Mar", "Apr\u2013Jun", "Jul\u2013Sep", "Oct\u2013Dec")
#: Lines told apart by dash and marker shape as well as colour (never colour alone).
MARKERS = {"must": "circle", "should": "square", "local": "diamond"}

Keep = Callable[[str, str, str], bool]


def snapshot_trend(snap: Snapshot) -> Trend:
    """Every quarter of every board, counted once per snapshot (kept in its memo)."""
    found: Trend | None = snap.memo.get(("trend",))
    if found is None:
        reviews = ((r.nation, r.board, r.data) for r in snap.reviews)
        found = snap.memo[("trend",)] = quarterly(reviews, snap.as_of or date.today())
    return found


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    title: str
    complete: bool


@dataclass(frozen=True)
class Line:
    group: str
    label: str
    marker: str
    #: runs of consecutive quarters with deadlines: a quarter with none leaves a gap
    segments: list[str]
    points: list[Point]


@dataclass(frozen=True)
class Column:
    x: float
    months: str
    year: str
    complete: bool


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    ticks: list[tuple[float, str]]
    columns: list[Column]
    lines: list[Line]


def chart(series: Series, width: int = WIDTH) -> Chart:
    """Shares met per quarter as lines: 0% at the bottom, 100% at the top."""
    rows = series.rows()
    plot_w = width - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(rows), 1)

    def x_of(k: int) -> float:
        return round(LEFT + step * (k + 0.5), 1)

    def y_of(fraction: float) -> float:
        return round(TOP + plot_h * (1 - fraction), 1)

    ticks = [(y_of(p / 100), f"{p}%") for p in (0, 25, 50, 75, 100)]
    columns = [
        Column(
            x_of(k),
            SHORT_NAMES[r.quarter.number - 1],
            str(r.quarter.year),
            r.complete,
        )
        for k, r in enumerate(rows)
    ]
    lines = []
    for group in series.groups:
        points: list[Point] = []
        segments: list[str] = []
        run: list[str] = []
        for k, r in enumerate(rows):
            cell = r.cells[group]
            if cell.fraction is None:
                if run:
                    segments.append(" ".join(run))
                run = []
                continue
            x, y = x_of(k), y_of(cell.fraction)
            run.append(f"{x},{y}")
            title = (
                f"{GROUP_LABELS[group]}, {r.label}: {cell.share}% ({cell.met} of {cell.deadlines})"
            )
            points.append(Point(x, y, title, r.complete))
        if run:
            segments.append(" ".join(run))
        lines.append(Line(group, GROUP_LABELS[group], MARKERS[group], segments, points))
    return Chart(width, HEIGHT, LEFT, width - RIGHT, TOP, HEIGHT - BOTTOM, ticks, columns, lines)


@dataclass(frozen=True)
class TrendView:
    """What the partial template ``trend.html`` shows for one scope."""

    ident: str  # unique per page: the ids of the chart's title and table
    scope: str  # "all your boards", a board's name
    series: Series  # every quarter (the page's table)
    shown: Series  # the newest quarters (the chart, and the compact table)
    chart: Chart
    narrow: Chart  # the newest few quarters, for a small screen
    link_args: dict[str, str]

    @property
    def narrow_rows(self) -> list[Row]:
        return self.series.last(NARROW_QUARTERS).rows()


def view(trend: Trend, keep: Keep, scope: str, ident: str, **link_args: str) -> TrendView:
    series = trend.series(keep)
    shown = series.last(SHOWN_QUARTERS)
    narrow = chart(series.last(NARROW_QUARTERS), NARROW_WIDTH)
    return TrendView(ident, scope, series, shown, chart(shown), narrow, link_args)


def _mine(me: User) -> Keep:
    return lambda nation, board, framework: me.may_see(board)


def trend_for(board: str | None = None, nation: str | None = None) -> TrendView:
    """For templates: the trend of one board, or of everything the signed-in user may see (in
    one nation when the overview is filtered to it, so the chart counts what the page lists)."""
    me = user()
    trend = snapshot_trend(snapshot())
    if board is not None:
        if not me.may_see(board):
            abort(404)
        return view(trend, lambda n, b, f: b == board, board, "board", board=board)
    scope = "all boards" if me.national else "your boards"
    if nation:
        label = NATION_LABELS.get(nation, nation)
        scope = f"{scope} in {label}"
        return view(
            trend, lambda n, b, f: n == nation and me.may_see(b), scope, "overview", nation=nation
        )
    return view(trend, _mine(me), scope, "overview")


FILTERS = ("nation", "board", "framework")


@bp.get("/trend")
def page() -> Any:
    """The trend of one scope (every board the user may see, narrowed by nation, board or
    framework), every quarter in the table; ``?format=csv|xlsx`` downloads every scope."""
    me = user()
    trend = snapshot_trend(snapshot())
    mine = [k for k in trend.keys if me.may_see(k[1])]
    chosen = {name: request.args.get(name, "").strip() for name in FILTERS}
    fmt = request.args.get("format")
    if fmt not in (None, "html", *FORMATS):
        abort(400, f"format must be csv or xlsx, not {fmt!r}")
    if chosen["board"] and not me.may_see(chosen["board"]):
        abort(404)

    def keep(nation: str, board: str, framework: str) -> bool:
        have = {"nation": nation, "board": board, "framework": framework}
        return me.may_see(board) and all(not v or have[k] == v for k, v in chosen.items())

    if fmt in FORMATS:
        rows = download_rows(trend, keep, lambda n: NATION_LABELS.get(n, n))
        return download(fmt, "deadlines-met-by-quarter", HEADERS, rows, "Deadlines met by quarter")
    options = {
        "nation": sorted({(n, NATION_LABELS.get(n, n)) for n, _, _ in mine}),
        "board": sorted({(b, b) for _, b, _ in mine}),
        "framework": sorted({(f, f) for _, _, f in mine}),
    }
    parts = [NATION_LABELS.get(chosen["nation"], chosen["nation"])] if chosen["nation"] else []
    parts += [chosen[k] for k in ("board", "framework") if chosen[k]]
    default = "all boards" if me.national else "your boards"
    scope = ", ".join(parts) or default
    args = {k: v for k, v in chosen.items() if v}
    return render_template(
        "trend_page.html",
        trend=view(trend, keep, scope, "page", **args),
        chosen=chosen,
        options=options,
        args=args,
    )
