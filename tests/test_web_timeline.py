"""Timeline geometry: dates map onto the plot in order, overdue stretches reach the as-of line."""

from __future__ import annotations

from datetime import date

from tracker.web.timeline import LABEL_WIDTH, NARROW_WIDTH, build_timeline

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


def test_pauses_are_drawn_as_spans_with_the_original_due_date_marked() -> None:
    stages = [
        {
            "label": "Date published",
            "status": "paused",
            "latest": None,
            "original_latest": "2024-02-04",
            "adjustments": [
                {"kind": "pause", "from": "2023-11-04", "to": "2023-11-30"},
                {"kind": "pause", "from": "2024-01-10", "to": None},
                {"kind": "extension", "new_due": "2024-09-01"},
            ],
        },
        {"label": "Date of decision", "status": "on_time", "latest": "2023-09-01"},
    ]
    t = build_timeline(stages, date(2024, 6, 30))
    paused, plain = t.rows
    assert len(paused.pauses) == 2  # the extension is not a span
    (a0, a1), (b0, b1) = paused.pauses
    assert a0 < a1 < b0 < b1
    assert b1 == t.as_of_x  # an open pause runs to the as-of date
    assert paused.original_latest_x is not None and a1 < paused.original_latest_x < b1
    assert "paused since 10 Jan 2024" in paused.description
    assert "originally due by 04 Feb 2024" in paused.description
    assert plain.pauses == [] and plain.original_latest_x is None
    assert t.has_pauses


def test_the_phone_layout_puts_labels_above_full_width_bars() -> None:
    wide = build_timeline(STAGES, date(2024, 3, 1))
    narrow = build_timeline(STAGES, date(2024, 3, 1), narrow=True)
    assert narrow.narrow and narrow.width == NARROW_WIDTH < wide.width
    # the bars start at the left edge: no label column beside them
    assert narrow.plot_left < 20 and narrow.plot_right > NARROW_WIDTH - 20
    for row, same in zip(narrow.rows, wide.rows, strict=True):
        assert row.label == same.label and row.description == same.description
        # the label sits above its bar, clear of the window drawn 7 units either side of it
        assert row.label_y < row.y - 7
        assert same.label_y > same.y  # the wide layout: beside the bar, on its line
    (_, decision, _) = narrow.rows
    assert narrow.plot_left <= (decision.earliest_x or 0) < (decision.latest_x or 0)
    assert decision.overdue == (decision.latest_x, narrow.as_of_x)
    # the same dates are in the same order across the bar
    assert [r.done_x is None for r in narrow.rows] == [r.done_x is None for r in wide.rows]
    long = build_timeline([{**STAGES[0], "done": "2020-01-01"}], date(2024, 3, 1), narrow=True)
    assert 2 <= len(long.ticks) <= 4
