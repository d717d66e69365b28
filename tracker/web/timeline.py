"""Geometry of a review's timeline, drawn as inline SVG by the review page.

Pure arithmetic on dates, kept apart from the template so it can be tested: each stage becomes a
row with its due window (earliest to latest), its done date, and the overdue stretch up to the
as-of date. The table beside the drawing carries the same facts in text for screen readers.
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


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


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

    @property
    def has_pauses(self) -> bool:
        return any(r.pauses or r.original_latest_x is not None for r in self.rows)


def build_timeline(stages: list[dict[str, Any]], as_of: date | None) -> Timeline:
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
    height = TOP + ROW_HEIGHT * max(len(stages), 1) + BOTTOM
    right = WIDTH - RIGHT_PAD
    if not days:
        return Timeline(WIDTH, height, LABEL_WIDTH, right, [], [], None, None, None)
    start = min(days) - timedelta(days=7)
    end = max(days) + timedelta(days=7)
    span = max((end - start).days, 1)

    def x(day: date | None) -> float | None:
        if day is None:
            return None
        return round(LABEL_WIDTH + (right - LABEL_WIDTH) * (day - start).days / span, 1)

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
        rows.append(
            Row(
                y=TOP + ROW_HEIGHT * i + ROW_HEIGHT / 2,
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
            )
        )
    return Timeline(
        WIDTH, height, LABEL_WIDTH, right, rows, _ticks(start, end, x), x(as_of), start, end
    )


def _pauses(stage: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        a
        for a in stage.get("adjustments") or []
        if isinstance(a, dict) and a.get("kind") == "pause"
    ]


def _ticks(start: date, end: date, x: Any) -> list[Tick]:
    """First of a month, every month or every few months: at most about seven labels, so they
    never crowd each other at the drawing's width."""
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    step = next((s for s in (1, 2, 3, 6, 12) if months / s <= 7), 24)
    ticks: list[Tick] = []
    year, month = start.year, start.month
    while True:
        month += 1
        if month > 12:
            year, month = year + 1, 1
        first = date(year, month, 1)
        if first > end:
            break
        if (month - 1) % step == 0:
            ticks.append(Tick(x(first), f"{first:%b %Y}"))
    return ticks
