"""Compliance over time (tracker.output.trend): quarters counted by hand from a real workbook."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from tests.email_fixtures import write_sheet
from tracker.check import check_config
from tracker.config import load_config
from tracker.output.trend import (
    ALL_BOARDS,
    ALL_FRAMEWORKS,
    ALL_NATIONS,
    HEADERS,
    Quarter,
    Series,
    Trend,
    download_rows,
    quarterly,
)

#: Friday 14 June 2024: April to June 2024 is the quarter "to date".
AS_OF = date(2024, 6, 14)
NORTH, SOUTH = "Northshire LSCB", "Southvale LSCB"


def _books(tmp_path: Path) -> Path:
    """Two boards in England. Every due date below is counted by hand (working days: Monday to
    Friday less England's bank holidays; Good Friday 29 March and Easter Monday 1 April 2024)."""
    north = Workbook()
    north.remove(north.active)
    write_sheet(
        north,
        "england-lcspr",
        [
            # N-1: aware Mon 2 Oct 2023, 5 working days -> due Mon 9 Oct 2023 (Oct to Dec 2023)
            #   Secretary of State and Ofsted (looked after): done 9 Oct, on the due day -> MUST met
            #   partners notified: done 6 Oct -> should met
            #   Panel notified: done Wed 11 Oct -> should NOT met (late)
            #   rapid review completed: 15 working days after 11 Oct (12,13 | 16-20 | 23-27 |
            #     30,31, 1 Nov) -> due Wed 1 Nov 2023; done 1 Nov -> should met
            #   decision: within 15 working days of the Panel -> due 1 Nov; done 1 Nov -> should met
            #   rapid review sent: "after rapid review completed" only: no due date, not counted
            #   decision "No review": the later stages do not apply
            {
                "review_id": "N-1",
                "la_aware": date(2023, 10, 2),
                "looked_after": "Yes",
                "sos_ofsted_notified": date(2023, 10, 9),
                "partners_notified": date(2023, 10, 6),
                "panel_notified": date(2023, 10, 11),
                "rapid_review_completed": date(2023, 11, 1),
                "decision": date(2023, 11, 1),
                "decision_outcome": "No review",
            },
            # N-2: aware Mon 8 Jan 2024 -> due Mon 15 Jan 2024 (Jan to Mar 2024); not looked after
            #   partners notified 15 Jan -> should met
            #   Panel never notified -> overdue -> should NOT met
            #   rapid review and decision wait for the Panel date: not counted
            {
                "review_id": "N-2",
                "la_aware": date(2024, 1, 8),
                "looked_after": "No",
                "partners_notified": date(2024, 1, 15),
            },
            # N-3: aware Mon 25 Mar 2024: 26, 27, 28, (Good Friday, Easter Monday), 2, 3 April ->
            #   due Wed 3 Apr 2024: April to June, not January to March
            #   Secretary of State and Ofsted (looked after) not done -> overdue -> MUST NOT met
            #   partners notified Thu 28 Mar -> should met (in April to June, its deadline's quarter)
            #   Panel not done -> overdue -> should NOT met
            {
                "review_id": "N-3",
                "la_aware": date(2024, 3, 25),
                "looked_after": "Yes",
                "partners_notified": date(2024, 3, 28),
            },
            # N-4: aware Fri 7 Jun 2024 -> due Fri 14 Jun 2024, the as-of day itself: not yet
            #   passed, so neither the open Panel stage nor partners (done that day) counts
            {"review_id": "N-4", "la_aware": date(2024, 6, 7), "partners_notified": AS_OF},
            # N-5: an impossible date: cannot be assessed, none of its stages counts
            {
                "review_id": "N-5",
                "la_aware": date(2023, 10, 2),
                "panel_notified": "31/02/2024",
            },
        ],
    )
    north.save(tmp_path / "north.xlsx")

    south = Workbook()
    south.remove(south.active)
    write_sheet(
        south,
        "england-lcspr",
        [
            # S-1: aware Mon 3 Jun 2024 -> due Mon 10 Jun 2024 (April to June, to date)
            #   Secretary of State and Ofsted done 10 Jun -> MUST met
            #   partners never notified -> overdue -> should NOT met
            #   Panel done Fri 7 Jun -> should met
            #   rapid review: 15 working days after 7 Jun -> Fri 28 Jun, still ahead: not counted
            {
                "review_id": "S-1",
                "la_aware": date(2024, 6, 3),
                "looked_after": "Yes",
                "sos_ofsted_notified": date(2024, 6, 10),
                "panel_notified": date(2024, 6, 7),
            },
            # S-2: aware Mon 10 Jun 2024 -> due Mon 17 Jun, after the as-of date: the Panel done
            #   on 12 Jun is ahead of a deadline still to come; nothing counts yet
            {
                "review_id": "S-2",
                "la_aware": date(2024, 6, 10),
                "panel_notified": date(2024, 6, 12),
            },
        ],
    )
    write_sheet(
        south,
        "england-scr",
        [
            # S-3 (a serious case review): aware Mon 4 Dec 2023 -> due Mon 11 Dec 2023
            #   notified to the LSCB 11 Dec -> should met (Oct to Dec 2023)
            #   Ofsted never notified -> overdue -> should NOT met (Oct to Dec 2023)
            #   decision: 1 month after 11 Dec -> Thu 11 Jan 2024, not made -> should NOT met
            #   (Jan to Mar 2024); the decision's outcome is blank, so the rest waits
            {
                "review_id": "S-3",
                "la_aware": date(2023, 12, 4),
                "notified": date(2023, 12, 11),
            },
        ],
    )
    south.save(tmp_path / "south.xlsx")
    config = tmp_path / "tracker.toml"
    config.write_text(
        f'state_dir = "var"\n'
        f'[[boards]]\nname = "{NORTH}"\nnation = "england"\nsources = ["north.xlsx"]\n'
        f'[[boards]]\nname = "{SOUTH}"\nnation = "england"\nsources = ["south.xlsx"]\n',
        encoding="utf-8",
    )
    return config


def _trend(tmp_path: Path) -> Trend:
    config = load_config(_books(tmp_path))
    check = check_config(config, AS_OF).to_json()
    board = {s: b.name for b in config.boards for s in b.sources}
    return quarterly((("england", board[r["source"]], r) for r in check["reviews"]), AS_OF)


def _table(series: Series) -> dict[str, dict[str, tuple[int, int]]]:
    """{quarter label: {group: (met, deadlines)}}, groups with no deadlines left out."""
    return {
        row.label: {g: (c.met, c.deadlines) for g, c in row.cells.items() if c.deadlines}
        for row in series.rows()
    }


def test_hand_counted_quarters_per_board_nation_and_framework(tmp_path: Path) -> None:
    trend = _trend(tmp_path)
    # everything: the sums of the hand counts above, quarter by quarter
    assert _table(trend.series()) == {
        # N-1: must 1 of 1, should 3 of 4; S-3: should 1 of 2
        "Oct to Dec 2023": {"must": (1, 1), "should": (4, 6)},
        # N-2: should 1 of 2; S-3's decision: should 0 of 1
        "Jan to Mar 2024": {"should": (1, 3)},
        # N-3: must 0 of 1, should 1 of 2; S-1: must 1 of 1, should 1 of 2
        "Apr to Jun 2024 (to date)": {"must": (1, 2), "should": (2, 4)},
    }
    assert _table(trend.series(lambda n, b, f: b == NORTH)) == {
        "Oct to Dec 2023": {"must": (1, 1), "should": (3, 4)},
        "Jan to Mar 2024": {"should": (1, 2)},
        "Apr to Jun 2024 (to date)": {"must": (0, 1), "should": (1, 2)},
    }
    assert _table(trend.series(lambda n, b, f: b == SOUTH)) == {
        "Oct to Dec 2023": {"should": (1, 2)},
        "Jan to Mar 2024": {"should": (0, 1)},
        "Apr to Jun 2024 (to date)": {"must": (1, 1), "should": (1, 2)},
    }
    # the serious case review alone (one framework across boards)
    assert _table(trend.series(lambda n, b, f: f == "england-scr")) == {
        "Oct to Dec 2023": {"should": (1, 2)},
        "Jan to Mar 2024": {"should": (0, 1)},
        "Apr to Jun 2024 (to date)": {},  # every series runs up to the as-of quarter
    }
    # the nation is everything here; shares are whole per cent as everywhere else
    rows = trend.series(lambda n, b, f: n == "england").rows()
    assert [(r.quarter.label, r.complete) for r in rows] == [
        ("Oct to Dec 2023", True),
        ("Jan to Mar 2024", True),
        ("Apr to Jun 2024", False),
    ]
    assert [r.cells["should"].share for r in rows] == [67, 33, 50]
    assert rows[1].cells["must"].share is None  # no such deadlines
    assert rows[-1].cells["local"].deadlines == 0


def test_the_download_has_every_scope_and_quarter(tmp_path: Path) -> None:
    trend = _trend(tmp_path)
    rows = list(download_rows(trend))
    assert all(len(r) == len(HEADERS) for r in rows)
    index = {(r[0], r[1], r[2], r[3]): dict(zip(HEADERS, r, strict=True)) for r in rows}
    scopes = {k[:3] for k in index}
    assert scopes == {
        (ALL_NATIONS, ALL_BOARDS, ALL_FRAMEWORKS),
        ("england", ALL_BOARDS, ALL_FRAMEWORKS),
        ("england", ALL_BOARDS, "england-lcspr"),
        ("england", ALL_BOARDS, "england-scr"),
        ("england", NORTH, ALL_FRAMEWORKS),
        ("england", NORTH, "england-lcspr"),
        ("england", SOUTH, ALL_FRAMEWORKS),
        ("england", SOUTH, "england-lcspr"),
        ("england", SOUTH, "england-scr"),
    }
    current = index[("england", SOUTH, "england-lcspr", "Apr to Jun 2024")]
    assert current["From"] == date(2024, 4, 1)
    assert current["To"] == date(2024, 6, 13)  # deadlines before the as-of date
    assert current["Quarter over"] is False
    assert (current["Must deadlines met"], current["Must deadlines"]) == (1, 1)
    assert current["Must met (%)"] == 100
    assert (current["Should deadlines met"], current["Should met (%)"]) == (1, 50)
    # Southvale's LCSPR starts in its own first quarter with a deadline
    assert ("england", SOUTH, "england-lcspr", "Oct to Dec 2023") not in index
    past = index[("england", SOUTH, "england-scr", "Oct to Dec 2023")]
    assert past["To"] == date(2023, 12, 31) and past["Quarter over"] is True
    assert past["Local met (%)"] is None


def _review(framework: str, stages: list[dict[str, Any]], **kw: Any) -> dict[str, Any]:
    return {"framework": framework, "assessable": True, "stages": stages} | kw


def _stage(status: str, latest: str | None, **kw: Any) -> dict[str, Any]:
    return {"status": status, "latest": latest, "basis": "statute", "must": True} | kw


def test_which_statuses_count() -> None:
    """Met: on time. Not met: late, overdue, and early. Never counted: no due date, paused,
    pending, waiting, not applicable, met/not met conditions, or a review not assessable."""
    stages = [
        _stage("on_time", "2024-01-10"),
        _stage("late", "2024-01-11"),
        _stage("overdue", "2024-02-01"),
        _stage("early", "2024-03-01"),
        _stage("paused", None),
        _stage("pending", "2024-05-01"),
        _stage("waiting", "2024-01-05"),
        _stage("not_applicable", None),
        _stage("met", None),
        _stage("not_met", None),
        _stage("on_time", None),  # only an earliest date: no deadline to meet
        _stage("on_time", "2024-01-12", basis="local override"),
        _stage("late", "2024-01-12", must=False),
    ]
    reviews = [
        ("england", "B", _review("england-scr", stages)),
        (
            "england",
            "B",
            _review("england-scr", [_stage("on_time", "2024-01-10")], assessable=False),
        ),
    ]
    trend = quarterly(reviews, date(2024, 4, 20))
    table = _table(trend.series())
    assert table == {
        "Jan to Mar 2024": {"must": (1, 4), "should": (0, 1), "local": (1, 1)},
        "Apr to Jun 2024 (to date)": {},  # the pending stage's deadline is still ahead
    }
    assert trend.series().groups == ("must", "should", "local")


def test_quarters_with_no_deadlines_stay_as_gaps_and_the_first_day_of_a_quarter_ends_the_last() -> (
    None
):
    reviews = [
        ("wales", "W", _review("wales-cpr", [_stage("on_time", "2023-02-01")])),
        ("wales", "W", _review("wales-cpr", [_stage("overdue", "2023-09-30")])),
    ]
    # as of Sunday 1 October 2023: October to December has not begun to count
    series = quarterly(reviews, date(2023, 10, 1)).series()
    assert [(r.label, r.cells["must"].deadlines) for r in series.rows()] == [
        ("Jan to Mar 2023", 1),
        ("Apr to Jun 2023", 0),
        ("Jul to Sep 2023", 1),
    ]
    assert all(r.complete for r in series.rows())
    assert series.groups == ("must", "should")  # local only when a board has local rules
    assert [r.label for r in series.last(2).rows()] == ["Apr to Jun 2023", "Jul to Sep 2023"]
    # one day later the new quarter is shown, to date, with nothing passed yet
    later = quarterly(reviews, date(2023, 10, 2)).series()
    assert later.rows()[-1].label == "Oct to Dec 2023 (to date)"


def test_a_scope_with_nothing_counted_is_empty() -> None:
    trend = quarterly([("england", "B", _review("england-scr", []))], date(2024, 5, 1))
    assert trend.series().empty
    assert trend.series().rows() == []
    assert quarterly([], date(2024, 5, 1)).series().empty
    assert list(download_rows(quarterly([], date(2024, 5, 1)))) == []


@pytest.mark.parametrize(
    ("day", "label", "start", "end"),
    [
        (date(2024, 1, 1), "Jan to Mar 2024", date(2024, 1, 1), date(2024, 3, 31)),
        (date(2024, 6, 30), "Apr to Jun 2024", date(2024, 4, 1), date(2024, 6, 30)),
        (date(2024, 12, 31), "Oct to Dec 2024", date(2024, 10, 1), date(2024, 12, 31)),
    ],
)
def test_quarters(day: date, label: str, start: date, end: date) -> None:
    q = Quarter.of(day)
    assert (q.label, q.start, q.end) == (label, start, end)
