"""The weekly e-mail's action plans: overdue actions by agency, due soon, counts, boards ranked."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Any

from scripts.browser import chromium_path
from tests.test_emails import CHROMIUM_ARGS
from tracker.config import BoardConfig, Config
from tracker.mail.render import render_html, render_text
from tracker.mail.report import board_report, national_report

AS_OF = date(2024, 4, 1)
NORTH = BoardConfig("Northshire LSCP", "england", ("north.xlsx",), ("a@example.org",))
SOUTH = BoardConfig("Southmere LSCP", "england", ("south.xlsx",), ("b@example.org",))
CONFIG = Config(path=None, state_dir=Path("var"), boards=(NORTH, SOUTH))


def _action(ref: str, agency: str, due: str, status: str, days: int = 0, **kw: Any) -> dict:
    return {
        "action_ref": ref,
        "recommendation": ref.split(".")[0],
        "agency": agency,
        "due": due,
        "completed": kw.get("completed"),
        "status": status,
        "days_late": days,
        "assured": None,
        "evidence_link": None,
        "sheet": "Actions",
        "row": 2,
    }


def _review(source: str, rid: str, board: str, actions: list[dict]) -> dict[str, Any]:
    return {
        "source": source,
        "sheet": "England LCSPR",
        "row": 2,
        "review_id": rid,
        "board": board,
        "framework": "england-lcspr",
        "assessable": True,
        "stages": [],
        "actions": actions,
    }


CHECK = {
    "as_of": AS_OF.isoformat(),
    "reviews": [
        _review(
            "north.xlsx",
            "NS-2023-04",
            NORTH.name,
            [
                _action("R1.1", "Northshire Police", "2024-03-01", "overdue", 31),
                _action("R1.2", "Northshire Police", "2024-03-20", "overdue", 12),
                _action("R2.1", "Northshire ICB", "2024-03-25", "overdue", 7),
                _action("R2.2", "Northshire ICB", "2024-04-20", "pending"),
                _action("R3.1", "Northshire Council", "2024-06-30", "pending"),
                _action(
                    "R4.1", "Northshire Council", "2024-02-01", "late", 5, completed="2024-02-06"
                ),
                _action("R5.1", "Northshire ICB", "2024-01-01", "not_applicable"),
                _action(
                    "R6.1", "Dr Jane Smith said the family refused.", "2024-03-01", "overdue", 31
                ),
            ],
        ),
        _review(
            "south.xlsx",
            "SM-2024-01",
            SOUTH.name,
            [_action("R1.1", "Southmere Police", "2024-03-29", "overdue", 3)],
        ),
    ],
    "problems": [],
}


def test_the_board_email_lists_overdue_actions_by_agency_due_soon_and_counts() -> None:
    report = board_report(CHECK, NORTH, AS_OF)
    assert (report.actions_total, report.actions_open, report.actions_completed) == (8, 6, 1)
    groups = [
        (agency, [a.action_ref for a in lines])
        for agency, lines in report.overdue_actions_by_agency
    ]
    assert groups == [
        ("Northshire Police", ["R1.1", "R1.2"]),
        ("(withheld)", ["R6.1"]),  # not an organisation's name: never e-mailed
        ("Northshire ICB", ["R2.1"]),
    ]
    assert [a.action_ref for a in report.actions_due_soon] == ["R2.2"]  # R3.1 is 90 days off
    text = render_text(report)
    html = render_html(report)
    for part in (text, html):
        assert "Overdue actions by agency (4)" in part
        assert "6 open and 1 completed actions" in part
        assert "Actions due in the next 30 days (1)" in part
        assert "Sat 20 Apr 2024" in part
        assert "Jane" not in part and "refused" not in part
        assert "Boards by overdue actions" not in part
    lines = text.splitlines()
    start = lines.index("Overdue actions by agency (4)")
    assert [line.split()[:2] for line in lines[start + 5 : start + 9]] == [
        ["Northshire", "Police"],
        ["NS-2023-04", "R1.2"],
        ["(withheld)", "NS-2023-04"],
        ["Northshire", "ICB"],
    ]


def test_the_national_summary_ranks_boards_by_overdue_actions() -> None:
    report = national_report(CHECK, CONFIG, AS_OF)
    ranked = [
        (b.board, b.overdue_actions, b.open_actions) for b in report.boards_by_overdue_actions
    ]
    assert ranked == [("Northshire LSCP", 4, 6), ("Southmere LSCP", 1, 1)]
    text = render_text(report)
    assert "Boards by overdue actions" in text
    assert "Overdue actions by agency (5)" in text
    south = next(line for line in text.splitlines() if line.startswith("Southmere Police"))
    assert south.split()[2:6] == ["Southmere", "LSCP", "SM-2024-01", "R1.1"]


def test_no_actions_sheet_no_actions_sections() -> None:
    check = {**CHECK, "reviews": [{**r, "actions": []} for r in CHECK["reviews"]]}
    assert "actions" not in render_text(board_report(check, NORTH, AS_OF)).lower()


def test_the_action_sections_render_in_chromium(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    html = render_html(national_report(CHECK, CONFIG, AS_OF))
    shots = Path(os.environ.get("TRACKER_SCREENSHOTS", tmp_path))
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            for width in (1280, 375):
                page = browser.new_page(viewport={"width": width, "height": 900})
                page.set_content(html, wait_until="load")
                heading = page.locator("h2", has_text="Overdue actions by agency (5)")
                assert heading.is_visible()
                table = heading.locator("xpath=following::table[1]")
                assert table.get_by_text("Northshire Police").is_visible()
                # an action reference and its due date stay on one line
                due = table.get_by_text("Fri 1 Mar 2024").first
                rects = due.evaluate(
                    "el => { const r = document.createRange(); r.selectNodeContents(el);"
                    " return r.getClientRects().length; }"
                )
                assert rects == 1
                heading.scroll_into_view_if_needed()
                page.screenshot(path=str(shots / f"email-actions-{width}.png"), full_page=True)
                page.close()
        finally:
            browser.close()
