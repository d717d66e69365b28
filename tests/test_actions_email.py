"""The weekly e-mail's action plans: overdue actions by agency, due soon, counts, boards ranked."""

from __future__ import annotations

import os
from datetime import date, datetime
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


def test_the_attachment_has_an_actions_sheet_and_counts() -> None:
    import io

    from openpyxl import load_workbook

    from tracker.mail.render import render_xlsx

    wb = load_workbook(io.BytesIO(render_xlsx(board_report(CHECK, NORTH, AS_OF))))
    assert wb.sheetnames[-2:] == ["Actions", "Data problems"]
    ws = wb["Actions"]
    header = [c.value for c in ws[1]]
    assert header[:9] == [
        "Board",
        "Review ID",
        "Recommendation",
        "Action",
        "Agency",
        "Status",
        "Due",
        "Completed",
        "Days late or overdue",
    ]
    rows = [dict(zip(header, r, strict=True)) for r in ws.iter_rows(min_row=2, values_only=True)]
    assert [r["Action"] for r in rows] == [
        f"R{n}.{k}" for n, k in ((1, 1), (1, 2), (2, 1), (2, 2), (3, 1), (4, 1), (5, 1), (6, 1))
    ]
    first = rows[0]
    assert (first["Agency"], first["Status"], first["Days late or overdue"]) == (
        "Northshire Police",
        "Overdue",
        31,
    )
    assert first["Due"].date() == date(2024, 3, 1)  # a real date cell
    late = rows[5]
    assert (late["Status"], late["Completed"].date()) == ("Done late", date(2024, 2, 6))
    assert rows[6]["Status"] == "Not applicable"
    # a sentence where an agency should be is withheld here too
    assert rows[7]["Agency"] == "(withheld)"
    text = str([list(r) for s in wb for r in s.iter_rows(values_only=True)])
    assert "Jane" not in text and "refused" not in text
    summary = {r[0]: r[1] for r in wb["Summary"].iter_rows(values_only=True) if r and r[0]}
    assert "Actions from review recommendations" in summary
    assert (summary["Open"], summary["Completed"], summary["All actions"]) == (6, 1, 8)
    assert summary["Due in 30 days"] == 1
    # the national summary's Boards sheet counts each board's actions
    national = load_workbook(io.BytesIO(render_xlsx(national_report(CHECK, CONFIG, AS_OF))))
    boards = list(national["Boards"].iter_rows(values_only=True))
    assert boards[0][-2:] == ("Overdue actions", "Open actions")
    assert [(r[0], r[-2], r[-1]) for r in boards[1:]] == [
        ("Northshire LSCP", 4, 6),
        ("Southmere LSCP", 1, 1),
    ]
    # no Actions sheet in any workbook in scope: none in the attachment either
    check = {**CHECK, "reviews": [{**r, "actions": []} for r in CHECK["reviews"]]}
    plain = load_workbook(io.BytesIO(render_xlsx(board_report(check, NORTH, AS_OF))))
    assert "Actions" not in plain.sheetnames


def test_a_paused_action_is_never_due_and_an_extended_one_is_due_at_its_new_date() -> None:
    import io

    from openpyxl import load_workbook

    from tracker.mail.render import render_xlsx

    paused = {
        **_action("R1.1", "Northshire Police", "2024-04-05", "paused"),
        "latest": None,
        "adjustments": [{"kind": "pause", "from": "2024-03-01", "to": None}],
    }
    extended = {
        **_action("R1.2", "Northshire ICB", "2024-03-20", "pending"),
        "latest": "2024-04-10",
        "adjustments": [{"kind": "extension", "from": None, "to": None, "new_due": "2024-04-10"}],
    }
    check = {
        **CHECK,
        "reviews": [_review("north.xlsx", "NS-2023-04", NORTH.name, [paused, extended])],
    }
    report = board_report(check, NORTH, AS_OF)
    assert report.actions_overdue == []
    assert [(a.action_ref, a.due) for a in report.actions_due_soon] == [("R1.2", date(2024, 4, 10))]
    assert (report.actions_open, report.actions_completed) == (2, 0)
    assert "Wed 10 Apr 2024" in render_text(report)
    ws = load_workbook(io.BytesIO(render_xlsx(report)))["Actions"]
    header = [c.value for c in ws[1]]
    rows = [dict(zip(header, r, strict=True)) for r in ws.iter_rows(min_row=2, values_only=True)]
    assert [
        (r["Status"], r["Due"], r["Originally due"], r["Paused or extended"]) for r in rows
    ] == [
        ("Paused", None, datetime(2024, 4, 5), "Paused"),
        ("Pending", datetime(2024, 4, 10), datetime(2024, 3, 20), "Extended"),
    ]


ACTION_HEADINGS = (
    "Boards by overdue actions",
    "Overdue actions by agency",
    "Actions due in the next",
)
#: the width of the table after a heading when the browser wraps its cells as far as they go
MIN_WIDTH = """h => {
    let t = h.nextElementSibling;
    while (t && t.tagName !== 'TABLE' && t.tagName !== 'H2') t = t.nextElementSibling;
    if (!t || t.tagName !== 'TABLE') return 0;  // "None."
    const c = t.cloneNode(true);
    c.style.width = 'min-content';
    t.parentNode.appendChild(c);
    const w = c.getBoundingClientRect().width;
    c.remove();
    return w;
}"""


def test_the_sample_emails_show_overdue_actions_by_agency_in_chromium_at_600px(
    tmp_path: Path,
) -> None:
    """The real message built from the sample workbooks, its HTML part in Chromium at 600 px."""
    from datetime import UTC
    from email import message_from_bytes, policy

    from playwright.sync_api import sync_playwright

    from tests.conftest import SAMPLES
    from tracker.check import check_config
    from tracker.config import load_config
    from tracker.mail.render import build_message

    config = load_config(SAMPLES / "tracker.toml")
    as_of = date(2025, 3, 31)
    check = check_config(config, as_of).to_json()
    now = datetime(2025, 3, 31, 7, 0, tzinfo=UTC)
    reports = {
        "northshire": board_report(check, config.board("Northshire LSCB"), as_of),
        "national": national_report(check, config, as_of),
    }
    agencies = ["NHS Northshire ICB", "Northshire Council Children's Services", "Northshire Police"]
    assert [a for a, _ in reports["northshire"].overdue_actions_by_agency] == agencies
    shots = Path(os.environ.get("TRACKER_SCREENSHOTS", tmp_path))
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 600, "height": 900})
            requests: list[str] = []
            page.route("**/*", lambda route: (requests.append(route.request.url), route.abort()))
            for name, report in reports.items():
                raw = build_message(report, "tracker@example.org", now).as_bytes()
                message = message_from_bytes(raw, policy=policy.default)
                html = message.get_body(("html",)).get_content()  # type: ignore[attr-defined]
                page.set_content(html, wait_until="load")
                if name == "northshire":
                    assert page.evaluate("document.documentElement.scrollWidth") <= 600
                # each action table fits the 600 px column at its narrowest (its cells wrapped
                # as far as they go), whatever the other sections of the e-mail need
                for title in ACTION_HEADINGS:
                    for h in page.locator("h2", has_text=title).all():
                        assert (
                            h.evaluate(MIN_WIDTH)
                            <= 600 - 2 * page.locator("h1").bounding_box()["x"]
                        )  # type: ignore[index]
                n = len(report.actions_overdue)
                heading = page.locator("h2", has_text=f"Overdue actions by agency ({n})")
                assert heading.is_visible()
                table = heading.locator("xpath=following::table[1]")
                body = table.inner_text()
                for agency in agencies:
                    assert table.get_by_text(agency, exact=True).first.is_visible()
                # grouped: each agency's actions together, the agency named once
                firsts = [body.index(a) for a in agencies]
                assert firsts == sorted(firsts) and all(body.count(a) == 1 for a in agencies)
                if name == "national":
                    assert page.locator("h2", has_text="Boards by overdue actions").is_visible()
                    assert "Glenmoor Child Protection Committee" in body
                box = heading.bounding_box()
                assert box is not None
                page.evaluate(f"window.scrollBy(0, {box['y'] - 300})")  # at the left edge
                page.screenshot(path=str(shots / f"email-actions-samples-{name}-600.png"))
                page.screenshot(
                    path=str(shots / f"email-actions-samples-{name}-600-full.png"), full_page=True
                )
            assert requests == []
        finally:
            browser.close()
