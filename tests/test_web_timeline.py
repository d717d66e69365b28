"""Timeline geometry: dates map onto the plot in order, overdue stretches reach the as-of line."""

from __future__ import annotations

from datetime import date

from tracker.web.timeline import LABEL_WIDTH, build_timeline

STAGES = [
    {
        "id": "notified",
        "label": "Notified",
        "done": "2024-01-10",
        "earliest": None,
        "latest": "2024-01-12",
        "status": "on_time",
    },
    {
        "id": "decision",
        "label": "Decision",
        "done": None,
        "earliest": "2024-01-10",
        "latest": "2024-02-10",
        "status": "overdue",
    },
    {
        "id": "published",
        "label": "Published",
        "done": None,
        "earliest": None,
        "latest": None,
        "status": "waiting",
    },
]


def test_positions_follow_the_dates() -> None:
    t = build_timeline(STAGES, date(2024, 3, 1))
    notified, decision, published = t.rows
    assert notified.done_x is not None and decision.latest_x is not None
    assert LABEL_WIDTH <= notified.done_x < decision.latest_x < (t.as_of_x or 0) <= t.plot_right
    assert decision.window == (decision.earliest_x, decision.latest_x)
    assert decision.overdue == (decision.latest_x, t.as_of_x)
    assert notified.overdue is None and published.window is None and published.done_x is None
    assert [r.y for r in t.rows] == sorted(r.y for r in t.rows)
    assert "due by 10 Feb 2024" in decision.description and "not done" in decision.description


def test_month_ticks() -> None:
    t = build_timeline(STAGES, date(2024, 3, 1))
    assert [tick.label for tick in t.ticks] == ["Feb 2024", "Mar 2024"]  # 3 Jan to 8 Mar
    long = build_timeline([{**STAGES[0], "done": "2020-01-01"}], date(2024, 3, 1))
    assert 3 <= len(long.ticks) <= 7
    assert all(t.label.startswith("Jan") for t in long.ticks)  # every 12 months


def test_no_dates_at_all() -> None:
    t = build_timeline([STAGES[2]], None)
    assert t.rows == [] and t.as_of_x is None
