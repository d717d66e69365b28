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
    assert report.subject().endswith(": 0 overdue, 0 due in 14 days")
    assert text.count("no such deadlines") == 3  # must, should and local: nothing to count


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

    from scripts.browser import chromium_path

    monkeypatch.chdir(tmp_path)
    config = load_config(write_config(tmp_path))
    check = check_config(config, AS_OF).to_json()
    pages = {
        "board": render_html(board_report(check, config.board(NORTHSHIRE), AS_OF)),
        "national": render_html(national_report(check, config, AS_OF)),
    }
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
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
    as_of = date(2025, 3, 31)
    check = check_config(config, as_of).to_json()
    report = national_report(check, config, as_of)
    adjusted = {(f.review_id, f.stage, f.adjustment) for f in report.adjusted}
    assert adjusted == {
        ("EM-2023-001", "Date published", "Paused"),
        ("NSP-2023-001", "Date published", "Paused"),
        ("EM-2022-009", "Date rapid review completed", "Extended"),
    }
    overdue = {(f.review_id, f.stage) for f in report.overdue}
    assert not {(r, s) for r, s, _ in adjusted} & overdue
    # open for more than six months, and (Northshire) the national body not told
    attention = {f.review_id: f.attention for f in report.needs_attention}
    assert attention == {
        "EM-2023-001": "paused for 20 months",
        "NSP-2023-001": "paused for 20 months; national body not told",
    }
    text = render_text(report)
    html = render_html(report)
    for part in (text, html):
        assert "Paused or extended (3)" in part and "Needs attention (2)" in part
        assert "Mon 14 Apr 2025 (was Fri 14 Oct 2022)" in part
        assert "Trial date" not in part  # the samples' Notes cell
    assert report.counts["should"]["paused"] == 2
    # the board's e-mail has its own
    eastmarch = board_report(check, config.board("Eastmarch Safeguarding Partnership"), as_of)
    assert {f.review_id for f in eastmarch.adjusted} == {"EM-2023-001", "EM-2022-009"}


# ---- what needs doing first, 600 px, links to the web view, the same words everywhere ----------


def _order(part: str, *headings: str) -> list[int]:
    return [part.index(h) for h in headings]


def test_overdue_and_due_soon_come_first_and_the_status_table_last(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    config = load_config(write_config(tmp_path))
    check = check_config(config, AS_OF).to_json()
    for report in (
        board_report(check, config.board(NORTHSHIRE), AS_OF),
        national_report(check, config, AS_OF),
    ):
        for part in (render_html(report), render_text(report)):
            where = _order(
                part,
                "Overdue (",
                "Due in the next 14 days (",
                "Deadlines met",
                "Completed late since the last report (",
                "Data problems (",
                "Stage results by status",
            )
            assert where == sorted(where), (report.scope, where)
            if report.is_national:
                boards = part.index("Boards")
                assert where[1] < boards < where[2]


def _trend_report(tmp_path: Path) -> Report:
    """The hand-counted workbooks of tests/test_trend.py, as the national summary sees them."""
    from tests.test_trend import AS_OF as TREND_AS_OF
    from tests.test_trend import _books

    config = load_config(_books(tmp_path))
    check = check_config(config, TREND_AS_OF).to_json()
    return national_report(check, config, TREND_AS_OF)


def test_the_national_email_shows_deadlines_met_over_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    report = _trend_report(tmp_path)
    html = render_html(report)
    start = html.index("Deadlines met over time")
    section = html[start : html.index("<h2", start)]
    # newest first; the hand counts of tests/test_trend.py (all boards)
    text = render_text(report)
    block = text[text.index("Deadlines met over time") :].split("\n\n")[0]
    assert block.splitlines()[3].split() == ["Quarter", "Must", "Should"]
    lines = [ln.split("  ") for ln in block.splitlines()[5:]]
    assert [[c.strip() for c in ln if c.strip()] for ln in lines] == [
        ["Apr to Jun 2024 (to date)", "50% (1 of 2)", "50% (2 of 4)"],
        ["Jan to Mar 2024", "no such deadlines", "33% (1 of 3)"],
        ["Oct to Dec 2023", "100% (1 of 1)", "67% (4 of 6)"],
    ]
    for words in ("Apr to Jun 2024 (to date)", "50% (2 of 4)", "33% (1 of 3)", "67% (4 of 6)"):
        assert words in section
    # bars made of table cells, as wide as the share: 4 of 6 of 80 px is 53 px, then 27 grey
    assert 'width="53" height="8" bgcolor="#1d70b8"' in section
    assert 'width="27" height="8" bgcolor="#dfe1e3"' in section
    assert "<svg" not in html and "<img" not in html
    # every quarter of every scope in the attachment
    wb = load_workbook(io.BytesIO(render_xlsx(report)))
    sheet = list(wb["Deadlines met by quarter"].iter_rows(values_only=True))
    by = {r[:4]: r for r in sheet[1:]}
    row = by[("England", "Southvale LSCB", "england-lcspr", "Apr to Jun 2024")]
    assert row[6:13] == ("no", 1, 1, 100, 1, 2, 50)
    assert ("All nations", "All boards", "All frameworks", "Oct to Dec 2023") in by
    # a board's own e-mail has no trend (the web view's board page has it)
    assert "Deadlines met over time" not in render_html(
        board_report(
            {"reviews": [], "problems": []},
            BoardConfig("B", "england", (), ()),
            AS_OF,
        )
    )


def test_the_attachment_uses_the_emails_words() -> None:
    report = _report(
        [
            _stage(),
            _stage(id="due", label="Due stage", status="pending", latest="2024-03-05", days_late=0),
        ]
    )
    html = render_html(report)
    wb = load_workbook(io.BytesIO(render_xlsx(report)))
    headers = {name: [c.value for c in wb[name][1]] for name in wb.sheetnames}
    for header in ("Review ID", "Due", "Days overdue", "Basis"):
        assert f">{header}</th>" in html
    assert "Days late" not in headers["Overdue"] and "Days overdue" in headers["Overdue"]
    assert "Days left" in headers["Due soon"]
    due = next(wb["Due soon"].iter_rows(min_row=2, values_only=True))
    assert due[headers["Due soon"].index("Days left")] == 4  # Tue 5 March from Fri 1 March
    assert "Days late" in headers["Completed late"]
    assert {"Review ID", "Due", "Must or should"} <= set(headers["Overdue"])
    assert "Latest (due)" not in sum(headers.values(), [])


def test_review_ids_link_to_the_web_view_only_with_a_public_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dataclasses import replace

    from tests.web_fixtures import make_env, signed_in

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TRACKER_SECRET_KEY", raising=False)
    env = make_env(tmp_path)
    check = check_config(env.config, date(2024, 3, 1)).to_json()
    # the same id twice: the web view then addresses each review by source, sheet and row
    twin = dict(check["reviews"][0], row=99)
    check["reviews"].append(twin)
    from tracker.output.snapshot import write_snapshot

    write_snapshot(env.config.state_dir, check)
    plain = national_report(check, env.config, date(2024, 3, 1))
    assert "href=" not in render_html(plain)
    report = replace(plain, web_url="https://tracker.example.org/cases")
    html = render_html(report)
    hrefs = re.findall(r'<a href="([^"]+)"', html)
    assert hrefs and all(h.startswith("https://tracker.example.org/cases/reviews/") for h in hrefs)
    # an id with a slash is one path segment; a shared id is addressed by source, sheet and row
    assert "https://tracker.example.org/cases/reviews/NS%2F2023%2F02" in hrefs
    dup = check["reviews"][0]["review_id"]
    assert f"https://tracker.example.org/cases/reviews/{dup}" not in hrefs
    # every link opens that review's page in the real web view
    client = signed_in(env, "inspector")
    for href in set(hrefs):
        path = href.removeprefix("https://tracker.example.org/cases")
        page = client.get(path)
        assert page.status_code == 200, path
        assert "<h1" in page.get_data(as_text=True)
    ids = re.findall(r'<a href="[^"]+/reviews/([^"]+)"[^>]*>([^<]+)</a>', html)
    for key, shown in ids:
        assert shown in client.get("/reviews/" + key).get_data(as_text=True)
    text = render_text(report)
    assert "https://tracker.example.org/cases/reviews/REVIEW-ID" in text


def test_a_base_that_is_not_http_never_becomes_a_link() -> None:
    from dataclasses import replace

    from tracker.mail.render import review_href

    report = replace(_report([_stage()]), web_url="javascript:alert(1)")
    assert review_href(report, "AB-1", "AB-1") is None
    assert "href=" not in render_html(report)
    ok = replace(report, web_url="https://t.example.org")
    assert review_href(ok, "AB-1", 'a"b<c>/d') == "https://t.example.org/reviews/a%22b%3Cc%3E%2Fd"
    assert review_href(ok, "(no valid id)", "x") is None


def test_emails_fit_600px_in_chromium(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The national and board e-mails of the samples (long board names, citations, every section)
    and of the fixtures, with links, in a 600 px window: nothing wider than the window."""
    from dataclasses import replace

    from playwright.sync_api import sync_playwright

    from scripts.browser import chromium_path
    from tests.conftest import SAMPLES

    pages: dict[str, str] = {}
    samples = load_config(SAMPLES / "tracker.toml")
    as_of = date(2025, 3, 31)
    check = check_config(samples, as_of).to_json()
    url = "https://tracker.example.org"
    pages["samples-national"] = render_html(
        replace(national_report(check, samples, as_of), web_url=url)
    )
    for board in samples.boards:
        report = board_report(check, board, as_of)
        pages[f"samples-{board.name}"] = render_html(replace(report, web_url=url))
    monkeypatch.chdir(tmp_path)
    config = load_config(write_config(tmp_path))
    fixture = check_config(config, AS_OF).to_json()
    pages["fixture-national"] = render_html(national_report(fixture, config, AS_OF))
    pages["fixture-board"] = render_html(board_report(fixture, config.board(NORTHSHIRE), AS_OF))
    shots = Path(__file__).resolve().parent.parent / "build/screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 600, "height": 900})
            page.route("**/*", lambda route: route.abort())
            for name, html in pages.items():
                page.set_content(html, wait_until="load")
                width = page.evaluate("document.documentElement.scrollWidth")
                assert width <= 600, f"{name} e-mail is {width}px wide at 600"
                widest = page.evaluate(
                    "Math.max(...[...document.querySelectorAll('table')]"
                    ".map(t => t.getBoundingClientRect().right))"
                )
                assert widest <= 600, f"{name}: a table ends at {widest}px"
                if name in ("samples-national", "samples-Northshire LSCB"):
                    slug = name.split()[0].lower()
                    page.screenshot(path=str(shots / f"email-{slug}-600.png"), full_page=True)
        finally:
            browser.close()
