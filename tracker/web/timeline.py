"""Geometry of a review's timeline, drawn as inline SVG by the review page.

Pure arithmetic on dates, kept apart from the template so it can be tested: each stage becomes a
row with its due window (earliest to latest), its done date, and the overdue stretch up to the
as-of date. The table beside the drawing carries the same facts in text for screen readers.

Two layouts of the same rows: the wide one puts each label left of its bar; the narrow one, for
phones, puts the label above a bar that spans the whole width, so a 360-unit drawing shown at
phone width keeps its labels at about 14 px instead of shrinking a 960-unit drawing to 5 px.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from tracker.web.data import parse_day

WIDTH = 960
LABEL_WIDTH = 330
RIGHT_PAD = 24
ROW_HEIGHT = 38
TOP = 34
BOTTOM = 16
#: the phone layout: labels above the bars, at most four month labels
NARROW_WIDTH = 360
NARROW_ROW_HEIGHT = 50
NARROW_PAD = 8


@dataclass(frozen=True)
class Row:
    y: float
    label: str
    status: str
    window: tuple[float, float] | None  # x from earliest to latest
    earliest_x: float | None
    latest_x: float | None
    done_x: float | None
    overdue: tuple[float, float] | None  # x from latest to as-of
    description: str
    #: pause spans, x from From to To (an open pause runs to the as-of date)
    pauses: list[tuple[float, float]] = field(default_factory=list)
    #: the due date before a pause or extension moved it, when it differs
    original_latest_x: float | None = None
    #: where the label's baseline sits: beside the bar (wide) or above it (narrow)
    label_y: float = 0.0


@dataclass(frozen=True)
class Tick:
    x: float
    label: str
    #: SVG text-anchor: a label near an edge of the drawing is kept inside it
    anchor: str = "middle"


@dataclass(frozen=True)
class Timeline:
    width: int
    height: int
    plot_left: int
    plot_right: int
    rows: list[Row]
    ticks: list[Tick]
    as_of_x: float | None
    start: date | None
    end: date | None
    narrow: bool = False

    @property
    def has_pauses(self) -> bool:
        return any(r.pauses or r.original_latest_x is not None for r in self.rows)


def build_timeline(
    stages: list[dict[str, Any]], as_of: date | None, narrow: bool = False
) -> Timeline:
    """The drawing's geometry; ``narrow`` is the phone layout (labels above the bars)."""
    width = NARROW_WIDTH if narrow else WIDTH
    row_height = NARROW_ROW_HEIGHT if narrow else ROW_HEIGHT
    left = NARROW_PAD if narrow else LABEL_WIDTH
    days = [
        d
        for s in stages
        for d in (
            parse_day(s.get("earliest")),
            parse_day(s.get("latest")),
            parse_day(s.get("done")),
            parse_day(s.get("original_latest")),
            *(parse_day(a.get("from")) for a in _pauses(s)),
            *(parse_day(a.get("to")) for a in _pauses(s)),
        )
        if d
    ]
    if as_of:
        days.append(as_of)
    height = TOP + row_height * max(len(stages), 1) + BOTTOM
    right = width - (NARROW_PAD if narrow else RIGHT_PAD)
    if not days:
        return Timeline(width, height, left, right, [], [], None, None, None, narrow)
    start = min(days) - timedelta(days=7)
    end = max(days) + timedelta(days=7)
    span = max((end - start).days, 1)

    def x(day: date | None) -> float | None:
        if day is None:
            return None
        return round(left + (right - left) * (day - start).days / span, 1)

    rows: list[Row] = []
    for i, stage in enumerate(stages):
        earliest = parse_day(stage.get("earliest"))
        latest = parse_day(stage.get("latest"))
        done = parse_day(stage.get("done"))
        status = str(stage.get("status") or "")
        ex, lx = x(earliest), x(latest)
        window = (ex, lx) if ex is not None and lx is not None else None
        overdue = None
        if status == "overdue" and latest and as_of and lx is not None:
            ax = x(as_of)
            overdue = (lx, ax) if ax is not None else None
        parts = [str(stage.get("label") or stage.get("id") or "")]
        if earliest:
            parts.append(f"not before {earliest:%d %b %Y}")
        if latest:
            parts.append(f"due by {latest:%d %b %Y}")
        parts.append(f"done {done:%d %b %Y}" if done else "not done")
        spans: list[tuple[float, float]] = []
        for a in _pauses(stage):
            first = parse_day(a.get("from"))
            last = parse_day(a.get("to")) or as_of
            fx, lx_ = x(first), x(last)
            if first and last and fx is not None and lx_ is not None and last >= first:
                spans.append((fx, lx_))
                parts.append(
                    f"paused {first:%d %b %Y} to {last:%d %b %Y}"
                    if a.get("to")
                    else f"paused since {first:%d %b %Y}"
                )
        original = parse_day(stage.get("original_latest"))
        moved = original if original and original != latest else None
        if moved:
            parts.append(f"originally due by {moved:%d %b %Y}")
        top = TOP + row_height * i
        # narrow: the label in the row's upper half, the bar in its lower half
        y = top + row_height * 0.68 if narrow else top + row_height / 2
        rows.append(
            Row(
                y=y,
                label=str(stage.get("label") or stage.get("id") or ""),
                status=status,
                window=window,
                earliest_x=ex,
                latest_x=lx,
                done_x=x(done),
                overdue=overdue,
                description=", ".join(parts),
                pauses=spans,
                original_latest_x=x(moved),
                label_y=top + 18 if narrow else y + 5,
            )
        )
    ticks = _ticks(start, end, x, 4 if narrow else 7, width)
    return Timeline(width, height, left, right, rows, ticks, x(as_of), start, end, narrow)


def _pauses(stage: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        a
        for a in stage.get("adjustments") or []
        if isinstance(a, dict) and a.get("kind") == "pause"
    ]


def _ticks(start: date, end: date, x: Any, most: int = 7, width: int = WIDTH) -> list[Tick]:
    """First of a month, every month or every few months: at most about ``most`` labels, so they
    never crowd each other at the drawing's width."""
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    step = next((s for s in (1, 2, 3, 6, 12, 24) if months // s + 1 <= most), 48)
    ticks: list[Tick] = []
    year, month = start.year, start.month
    while True:
        month += 1
        if month > 12:
            year, month = year + 1, 1
        first = date(year, month, 1)
        if first > end:
            break
        if (year * 12 + month - 1) % step == 0:  # every step-th month, counted from year 0
            at = x(first)
            anchor = "start" if at < 36 else "end" if at > width - 36 else "middle"
            ticks.append(Tick(at, f"{first:%b %Y}", anchor))
    return ticks
