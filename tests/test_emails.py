"""Rendering: Outlook-safe HTML, the plain-text part, the xlsx attachment, and a real browser."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.email_fixtures import AS_OF, NORTHSHIRE, write_config
from tracker.check import check_config
from tracker.config import BoardConfig, load_config
from tracker.mail.render import build_message, render_html, render_text, render_xlsx
from tracker.mail.report import Report, board_report, national_report

NOW = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
BOARD = BoardConfig("Smith & <Jones> LSCB", "england", ("book.xlsx",), ("a@example.org",))


def _stage(**kw: Any) -> dict[str, Any]:
    base = {
        "id": "decision",
        "label": "Decision date",
        "done": None,
        "earliest": None,
        "latest": "2024-02-08",
        "status": "overdue",
        "days_late": 22,
        "basis": "statutory guidance",
        "must": False,
        "source": "WT 2015 ch. 4",
    }
    return base | kw


def _check(stages: list[dict[str, Any]], problems: int = 0) -> dict[str, Any]:
    return {
        "as_of": AS_OF.isoformat(),
        "reviews": [
            {
                "source": "book.xlsx",
                "sheet": "England SCR",
                "row": 2,
                "review_id": "AB-1",
                "board": BOARD.name,
                "framework": "england-scr",
                "assessable": True,
                "report_link": None,
                "stages": stages,
            }
        ],
        "problems": [
            {
                "source": "book.xlsx",
                "sheet": "England SCR",
                "cell": f"D{row}",
                "row": row,
                "column": "Decision date",
                "review_id": f"AB-{row}",
                "value": "32/01/2024",
                "type": "impossible-date",
                "severity": "error",
                "message": "32/01/2024 is not a real date",
            }
            for row in range(3, 3 + problems)
        ],
    }


def _report(stages: list[dict[str, Any]], problems: int = 0) -> Report:
    return board_report(_check(stages, problems), BOARD, AS_OF)


def test_info_notes_are_not_data_problems_to_fix() -> None:
    """How a merged block was read is a note in tracker validate, not work for the manager."""
    check = _check([_stage()], problems=1)
    note = dict(check["problems"][0], type="merged-cells", severity="info", cell="B2")
    check["problems"].append(note)
    report = board_report(check, BOARD, AS_OF)
    assert [p.kind for p in report.problems] == ["impossible-date"]
    assert "1 data problems" in report.subject()


def test_html_is_table_based_with_inline_styles_only() -> None:
    html = render_html(_report([_stage()], problems=2))
    assert "<style" not in html
    assert "class=" not in html
    assert "<script" not in html.lower()
    assert "<img" not in html
    assert not re.search(r"(src|href)=", html)  # nothing to fetch, nothing to click
    assert '<div style="display:flex' not in html
    tables = re.findall(r"<table[^>]*>", html)
    assert tables and all('cellpadding="0"' in t and 'cellspacing="0"' in t for t in tables)
    # every cell carries its own font: Outlook ignores inherited styles
    assert all("font-family" in td for td in re.findall(r"<t[dh] [^>]*>", html))


def test_everything_from_data_is_escaped() -> None:
    report = _report([_stage(label="Decision <script>x</script> & date")])
    html = render_html(report)
    assert "Smith &amp; &lt;Jones&gt; LSCB" in html
    assert "<script>" not in html
    assert "Decision &lt;script&gt;x&lt;/script&gt; &amp; date" in html


def test_first_ten_problems_in_the_body_all_of_them_attached() -> None:
    report = _report([_stage()], problems=13)
    html = render_html(report)
    text = render_text(report)
    assert "Data problems (13)" in html and "Data problems (13)" in text
    assert "The first 10" in html and "The first 10" in text
    shown = re.findall(r"England SCR!D(\d+)", html)
    assert shown == [str(r) for r in range(3, 13)]
    wb = load_workbook(io.BytesIO(render_xlsx(report)))
    cells = [r[2] for r in wb["Data problems"].iter_rows(min_row=2, values_only=True)]
    assert cells == [f"D{r}" for r in range(3, 16)]


def test_text_part_lists_overdue_with_basis_and_citation() -> None:
    text = render_text(_report([_stage()]))
    line = next(ln for ln in text.splitlines() if ln.startswith("AB-1"))
    assert "Decision date" in line
    assert "Thu 8 Feb 2024" in line
    assert " 22 " in line or line.split()[6] == "22"
    assert "statutory guidance, should" in line
    assert line.endswith("WT 2015 ch. 4")


def test_attachment_cells_are_never_formulas() -> None:
    report = _report([_stage(source='=HYPERLINK("http://x.example","click")')])
    wb = load_workbook(io.BytesIO(render_xlsx(report)))
    row = next(wb["Overdue"].iter_rows(min_row=2))
    citation = row[11]
    assert citation.value == '=HYPERLINK("http://x.example","click")'
    assert citation.data_type == "s"
    assert row[7].value == datetime(2024, 2, 8)  # a real date, not text
    assert row[7].number_format == "DD/MM/YYYY"


def test_message_headers() -> None:
    report = _report([_stage()])
    msg = build_message(report, "tracker@example.org", NOW)
    assert msg["From"] == "tracker@example.org"
    assert msg["To"] == "a@example.org"
    assert msg["Auto-Submitted"] == "auto-generated"
    assert msg["Message-ID"].endswith("@example.org>")
    assert [p.get_content_type() for p in msg.walk()] == [
        "multipart/mixed",
        "multipart/alternative",
        "text/plain",
        "text/html",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ]


def test_an_empty_week_says_none() -> None:
    report = board_report({"reviews": [], "problems": []}, BOARD, date(2024, 3, 1))
    text = render_text(report)
    assert "Overdue (0)" in text and "None." in text
    assert "0 overdue (0 statutory)" in report.subject()


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def test_html_renders_in_chromium_without_overflow(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from playwright.sync_api import sync_playwright

    monkeypatch.chdir(tmp_path)
    config = load_config(write_config(tmp_path))
    check = check_config(config, AS_OF).to_json()
    pages = {
        "board": render_html(board_report(check, config.board(NORTHSHIRE), AS_OF)),
        "national": render_html(national_report(check, config, AS_OF)),
    }
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 800, "height": 900})
            # Any request at all would be a remote resource: refuse and record it.
            requests: list[str] = []
            page.route("**/*", lambda route: (requests.append(route.request.url), route.abort()))
            for name, html in pages.items():
                page.set_content(html, wait_until="load")
                width = page.evaluate("document.documentElement.scrollWidth")
                assert width <= 800, f"{name} e-mail is {width}px wide"
                assert page.get_by_text("NS-2024-01").first.is_visible()
                overdue = page.locator("h2", has_text="Overdue (")
                assert overdue.is_visible()
                # review ids and dates stay on one line
                lines = page.get_by_text("Thu 8 Feb 2024").first.evaluate(
                    "el => { const r = document.createRange(); r.selectNodeContents(el);"
                    " return r.getClientRects().length; }"
                )
                assert lines == 1
            assert requests == []
        finally:
            browser.close()


def test_the_sample_emails_list_paused_and_extended_reviews_apart_from_overdue() -> None:
    from tests.conftest import SAMPLES

    config = load_config(SAMPLES / "tracker.toml")
    as_of = date(2024, 6, 30)
    check = check_config(config, as_of).to_json()
    report = national_report(check, config, as_of)
    adjusted = {(f.review_id, f.stage, f.adjustment) for f in report.adjusted}
    assert adjusted == {
        ("EM-2023-014", "Date published", "Paused"),
        ("NSP-2023-014", "Date published", "Paused"),
        ("EM-2024-001", "Date rapid review completed", "Extended"),
    }
    overdue = {(f.review_id, f.stage) for f in report.overdue}
    assert not {(r, s) for r, s, _ in adjusted} & overdue
    # open for more than six months, and (Northshire) the national body not told
    attention = {f.review_id: f.attention for f in report.needs_attention}
    assert attention == {
        "EM-2023-014": "paused for 7 months",
        "NSP-2023-014": "paused for 7 months; national body not told",
    }
    text = render_text(report)
    html = render_html(report)
    for part in (text, html):
        assert "Paused or extended (3)" in part and "Needs attention (2)" in part
        assert "Wed 24 Jul 2024 (was Wed 10 Jul 2024)" in part
        assert "Trial date" not in part  # the samples' Notes cell
    assert report.counts["should"]["paused"] == 2
    # the board's e-mail has its own
    eastmarch = board_report(check, config.board("Eastmarch Safeguarding Partnership"), as_of)
    assert {f.review_id for f in eastmarch.adjusted} == {"EM-2023-014", "EM-2024-001"}
