"""The web view of a review's action plan (the Actions sheet), from a real workbook's snapshot."""

from __future__ import annotations

import csv
import io
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from flask.testing import FlaskClient
from openpyxl import load_workbook
from playwright.sync_api import Page

from tests.test_actions import REVIEW, action, action_rows
from tests.web_fixtures import PASSWORD, WebEnv, signed_in
from tracker.access.users import UserStore, users_path
from tracker.check import check_config
from tracker.config import load_config
from tracker.optional.actions import SPEC
from tracker.output.snapshot import write_snapshot

SOUTH = "Southmere"
#: not an organisation's name: a sentence about a person, typed in the Agency column
SENTENCE = "Dr Jane Smith said the family refused."
#: text a spreadsheet would run (openpyxl would store a leading = as a formula, so @ here)
FORMULA = "@SUM(1+1)*cmd|' /C calc'!A0"


@pytest.fixture
def env(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make_workbook: Callable[..., Path]
) -> WebEnv:
    """Two boards as of 1 April 2024. Northshire (review P-1): R1.1 done 2 days late, R1.2 open
    and 1 day overdue, R2.1 not accepted, R2.2 due 1 May. Southmere (review S-1): R1.1 31 days
    overdue, R1.2 due 20 April owned by a sentence and extended to 15 May, R1.3 due 15 March and
    paused since 10 March, R9.1 of a formula-like recommendation, done."""
    from tests.test_pauses import extension, pause, pause_rows
    from tracker.web import create_app

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TRACKER_SECRET_KEY", raising=False)
    rows = action_rows(
        action("R1.1", date(2024, 3, 31), completed=date(2024, 4, 2), status="Completed"),
        action(
            "R1.2",
            date(2024, 3, 31),
            agency="Northshire ICB",
            evidence_link="https://example.org/plan",
            notes="Private remark about a worker",
        ),
        action("R2.1", date(2024, 3, 31), status="Not accepted"),
        action("R2.2", date(2024, 5, 1), evidence_link="javascript:alert(1)"),
    )
    make_workbook("england-lcspr", [REVIEW], name="northshire.xlsx", extra={SPEC.title: rows})
    south = action_rows(
        action("R1.1", date(2024, 3, 1), review="S-1", agency="Southmere Police"),
        action("R1.2", date(2024, 4, 20), review="S-1", agency=SENTENCE),
        action("R1.3", date(2024, 3, 15), review="S-1", agency="Southmere Police"),
        action(
            "R9.1",
            date(2024, 2, 1),
            review="S-1",
            agency="Southmere Council",
            recommendation=FORMULA,
            completed=date(2024, 1, 30),
            status="Completed",
        ),
    )
    make_workbook(
        "england-lcspr",
        [{**REVIEW, "review_id": "S-1"}],
        name="southmere.xlsx",
        extra={
            SPEC.title: south,
            "Pauses and extensions": pause_rows(
                extension("S-1", "Action R1.2", date(2024, 5, 15), agreed_by="Board chair"),
                pause("S-1", "Action R1.3", date(2024, 3, 10), reason="Criminal proceedings"),
            ),
        },
    )
    (tmp_path / "tracker.toml").write_text(
        'state_dir = "var"\n\n[[boards]]\nname = "Northshire"\nnation = "england"\n'
        'sources = ["northshire.xlsx"]\n\n'
        f'[[boards]]\nname = "{SOUTH}"\nnation = "england"\nsources = ["southmere.xlsx"]\n',
        encoding="utf-8",
    )
    config = load_config(tmp_path / "tracker.toml")
    check = check_config(config, date(2024, 4, 1)).to_json()
    write_snapshot(config.state_dir, check, now=datetime.now(UTC))
    users = UserStore(users_path(config.state_dir))
    users.add("inspector", PASSWORD, national=True)
    users.add("northshire", PASSWORD, boards=("Northshire",))
    return WebEnv(tmp_path, config, create_app(config, overrides={"SESSION_COOKIE_SECURE": False}))


def test_the_review_page_has_an_actions_section(env: WebEnv) -> None:
    page = signed_in(env, "inspector").get("/reviews/P-1").get_data(as_text=True)
    section = page[page.index('id="actions"') :]
    for ref in ("R1.1", "R1.2", "R2.1", "R2.2"):
        assert ref in section
    assert "Northshire ICB" in section
    assert "2 days late" in section  # R1.1, done 2 Apr, due 31 Mar
    assert "1 day overdue" in section  # R1.2, open on 1 Apr
    assert section.count("Evidence</a>") == 1
    assert 'href="https://example.org/plan"' in section
    assert "javascript:" not in section
    assert "Private remark" not in page


LISTED = re.compile(
    r'<th scope="row" class="govuk-table__header">([^<]+?) <span class="govuk-body-s">of .*?'
    r'#actions">([^<]+)</a>',
    re.S,
)


def listed(client: FlaskClient, url: str) -> list[tuple[str, str]]:
    """(review id, action) of each row of the actions list at ``url``, in order."""
    response = client.get(url)
    assert response.status_code == 200, url
    html = response.get_data(as_text=True)
    if "tracker-action-list" not in html:
        return []
    table = html[html.index("tracker-action-list") :]
    return [(rid, ref) for ref, rid in LISTED.findall(table[: table.index("</table>")])]


def test_the_actions_list_is_worst_first_and_filters_by_board_agency_status_and_overdue(
    env: WebEnv,
) -> None:
    client = signed_in(env, "inspector")
    everything = listed(client, "/actions")
    assert everything == [
        ("S-1", "R1.1"),  # 31 days overdue
        ("P-1", "R1.2"),  # 1 day overdue
        ("S-1", "R1.3"),  # paused: its clock stopped, never overdue
        ("P-1", "R2.2"),  # open, due 1 May
        ("S-1", "R1.2"),  # open, due 20 April, extended to 15 May
        ("P-1", "R1.1"),  # done 2 days late
        ("S-1", "R9.1"),  # done on time
        ("P-1", "R2.1"),  # not accepted
    ]
    assert listed(client, "/actions?overdue=yes") == [("S-1", "R1.1"), ("P-1", "R1.2")]
    assert len(listed(client, "/actions?overdue=no")) == 6
    assert listed(client, "/actions?board=Northshire&overdue=yes") == [("P-1", "R1.2")]
    assert listed(client, "/actions?agency=Northshire+ICB") == [("P-1", "R1.2")]
    assert listed(client, "/actions?status=open") == everything[:5]
    assert listed(client, "/actions?status=pending") == everything[3:5]
    assert listed(client, "/actions?status=completed") == everything[5:7]
    assert listed(client, "/actions?status=late") == [("P-1", "R1.1")]
    assert listed(client, "/actions?status=on_time") == [("S-1", "R9.1")]
    assert listed(client, "/actions?status=not_applicable") == [("P-1", "R2.1")]
    assert listed(client, "/actions?status=completed&overdue=yes") == []
    page = client.get("/actions?board=Northshire&status=open").get_data(as_text=True)
    assert "2 actions match the filters (of 8)" in page
    assert '<option value="Northshire" selected>' in page
    for bad in ("status=done", "overdue=maybe", "format=pdf"):
        response = client.get(f"/actions?{bad}")
        assert response.status_code == 400, bad
    # the e-mail's grouping: agencies with overdue actions, the most overdue first
    summary = page_text(client.get("/actions"), "tracker-by-agency")
    assert summary.index("Southmere Police") < summary.index("Northshire ICB")
    assert "31 days" in summary and "1 day" in summary
    extended = client.get("/actions?board=Southmere&status=pending").get_data(as_text=True)
    assert '20 April 2024<br><span class="govuk-body-s">now due 15 May 2024</span>' in extended


def page_text(response: Any, marker: str) -> str:
    html = response.get_data(as_text=True)
    part = html[html.index(marker) :]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", part[: part.index("</table>")]))


def test_a_board_user_sees_only_their_boards_actions(env: WebEnv) -> None:
    client = signed_in(env, "northshire")
    assert {rid for rid, _ in listed(client, "/actions")} == {"P-1"}
    assert listed(client, "/actions?board=Southmere") == []
    page = client.get("/actions").get_data(as_text=True)
    assert "Southmere" not in page and "tracker-action-boards" not in page  # one board: no table
    doc = client.get("/api/actions").get_json()
    assert doc["total"] == 4 and {a["board"] for a in doc["actions"]} == {"Northshire"}
    assert client.get("/api/actions?board=Southmere").get_json()["total"] == 0
    assert "S-1" not in client.get("/actions?format=csv").get_data(as_text=True)
    overview = client.get("/").get_data(as_text=True)
    assert "<strong>1</strong> overdue action" in overview and "Southmere" not in overview


COUNT_LINK = re.compile(r'<a class="govuk-link" href="([^"]+)" data-count="(\w+)"><strong>(\d+)')


def test_counts_on_the_overview_and_board_pages_link_to_the_filtered_list(env: WebEnv) -> None:
    client = signed_in(env, "inspector")
    for url, board, expected in (
        ("/", None, {"overdue": 2, "open": 5, "completed": 2}),
        ("/boards/Northshire", "Northshire", {"overdue": 1, "open": 2, "completed": 1}),
        ("/boards/Southmere", "Southmere", {"overdue": 1, "open": 3, "completed": 1}),
    ):
        html = client.get(url).get_data(as_text=True)
        links = {
            kind: (href.replace("&amp;", "&"), int(n)) for href, kind, n in COUNT_LINK.findall(html)
        }
        assert {kind: n for kind, (_, n) in links.items()} == expected, url
        for kind, (href, n) in links.items():
            assert ("board=" in href) == (board is not None), href
            assert len(listed(client, href)) == n, (url, kind, href)
    by_board = page_text(client.get("/actions"), "tracker-action-boards")
    # board by board, the most overdue first (a tie: by name)
    rows = re.findall(r"(\w+) (\d+) overdue actions of \1 (\d+) open .*? (\d+) completed", by_board)
    assert rows == [("Southmere", "1", "3", "1"), ("Northshire", "1", "2", "1")]


def test_downloads_of_the_list_are_safe_to_open(env: WebEnv) -> None:
    client = signed_in(env, "inspector")
    response = client.get("/actions?format=csv&board=Southmere")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    lines = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert lines[0][:7] == [
        "Nation",
        "Board",
        "Framework",
        "Review ID",
        "Recommendation",
        "Action",
        "Agency",
    ]
    assert len(lines) == 5
    done = next(line for line in lines if line[5] == "R9.1")
    assert done[4] == "'" + FORMULA  # quote-prefixed: read as text, never run
    assert [line[6] for line in lines[1:]] == [
        "Southmere Police",
        "Southmere Police",
        "(withheld)",
        "Southmere Council",
    ]
    extended = next(line for line in lines if line[5] == "R1.2")
    due, in_force = lines[0].index("Due"), lines[0].index("Deadline in force")
    assert (extended[due], extended[in_force]) == ("2024-04-20", "2024-05-15")
    everything = client.get("/actions?format=csv").get_data(as_text=True)
    assert "Private remark" not in everything and "javascript:" not in everything
    assert "https://example.org/plan" in everything
    xlsx = client.get("/actions?format=xlsx&overdue=yes")
    ws = load_workbook(io.BytesIO(xlsx.get_data()), read_only=True).active
    assert ws is not None
    rows = list(ws.iter_rows(values_only=True))
    late = rows[0].index("Days late")
    assert [(r[3], r[5], r[late]) for r in rows[1:]] == [("S-1", "R1.1", 31), ("P-1", "R1.2", 1)]
    assert isinstance(rows[1][7], datetime)  # a date stays a date
    formula = client.get("/actions?format=xlsx&status=on_time").get_data()
    cells = load_workbook(io.BytesIO(formula)).active
    assert cells is not None and cells["E2"].value == FORMULA and cells["E2"].data_type == "s"


def test_an_agency_that_is_not_an_organisation_is_withheld_everywhere(env: WebEnv) -> None:
    client = signed_in(env, "inspector")
    token = env.app.extensions["tracker"].users.get("inspector").calendar_token
    for url in (
        "/reviews/S-1",
        "/actions",
        "/actions?format=csv",
        "/api/actions",
        "/api/reviews",
        f"/calendar.ics?token={token}",
    ):
        body = client.get(url).get_data(as_text=True)
        assert "Jane" not in body and "refused" not in body, url
        assert "(withheld)" in body, url
    doc = client.get("/api/actions?review=S-1&status=pending").get_json()
    assert [a["agency"] for a in doc["actions"]] == ["(withheld)"]


def test_the_calendar_feed_has_the_due_dates_of_open_actions(env: WebEnv) -> None:
    users = env.app.extensions["tracker"].users

    def events(name: str) -> list[str]:
        token = users.get(name).calendar_token
        body = env.client().get(f"/calendar.ics?token={token}").get_data(as_text=True)
        unfolded = body.replace("\r\n ", "")
        return [e for e in unfolded.split("BEGIN:VEVENT")[1:] if ": action " in e]

    found = events("inspector")
    # open and not yet due: P-1 R2.2 (1 May), S-1 R1.2 (due 20 April, extended to 15 May);
    # overdue, paused, done and not accepted actions have no date left to keep
    assert len(found) == 2
    north, south = found
    assert "DTSTART;VALUE=DATE:20240515" in south and "DTEND;VALUE=DATE:20240516" in south
    assert "SUMMARY:S-1: action R1.2 due ((withheld)\\, Southmere)" in south
    assert "Originally due 20 April 2024\\; moved by a pause or extension." in south
    assert "R1.3" not in "".join(found)
    assert "DTSTART;VALUE=DATE:20240501" in north
    assert "SUMMARY:P-1: action R2.2 due (Northshire Police\\, Northshire)" in north
    assert "URL:http://localhost/reviews/P-1#actions" in north
    assert "recommendation R2 of review P-1" in north
    uids = {line for e in found for line in e.splitlines() if line.startswith("UID:")}
    assert len(uids) == 2
    only_north = events("northshire")
    assert len(only_north) == 1 and "P-1: action R2.2" in only_north[0]


def test_the_api_lists_actions_per_review_and_in_one_list(env: WebEnv) -> None:
    client = signed_in(env, "inspector")
    reviews = {r["review_id"]: r for r in client.get("/api/reviews").get_json()["reviews"]}
    design_keys = {
        "action_ref",
        "recommendation",
        "agency",
        "due",
        "completed",
        "status",
        "days_late",
        "assured",
        "evidence_link",
        "sheet",
        "row",
    }
    assert len(reviews["P-1"]["actions"]) == 4
    assert all(design_keys <= set(a) for a in reviews["P-1"]["actions"])
    doc = client.get("/api/actions?overdue=yes").get_json()
    assert doc["as_of"] == "2024-04-01" and doc["total"] == 2
    first = doc["actions"][0]
    assert set(first) >= design_keys | {"review_id", "board", "nation", "framework", "source"}
    assert (first["review_id"], first["action_ref"], first["days_late"]) == ("S-1", "R1.1", 31)
    assert first["board"] == SOUTH and first["nation"] == "england"
    paged = client.get("/api/actions?limit=2&offset=1").get_json()
    assert paged["total"] == 8
    assert [(a["review_id"], a["action_ref"]) for a in paged["actions"]] == [
        ("P-1", "R1.2"),
        ("S-1", "R1.3"),
    ]
    held = client.get("/api/actions?review=S-1&status=open").get_json()["actions"]
    assert [(a["action_ref"], a["status"]) for a in held] == [
        ("R1.1", "overdue"),
        ("R1.3", "paused"),
        ("R1.2", "pending"),
    ]
    assert held[2]["latest"] == "2024-05-15" and held[2]["adjustments"][0]["kind"] == "extension"
    assert (
        client.get("/api/actions?review=P-1&status=late").get_json()["actions"][0]["completed"]
        == "2024-04-02"
    )
    for bad in ("status=done", "overdue=1", "limit=x", "format=pdf"):
        response = client.get(f"/api/actions?{bad}")
        assert response.status_code == 400 and response.get_json()["error"], bad
    assert env.client().get("/api/actions").status_code == 401
    assert client.post("/api/actions").status_code == 405
    xlsx = client.get("/api/actions?format=xlsx")
    assert xlsx.mimetype.endswith("spreadsheetml.sheet")


def test_the_openapi_document_describes_the_actions(env: WebEnv) -> None:
    spec = signed_in(env, "inspector").get("/api/openapi.json").get_json()
    schemas = spec["components"]["schemas"]
    action_props = set(schemas["Action"]["properties"])
    real = signed_in(env, "inspector").get("/api/actions").get_json()["actions"]
    # every key the API answers is described, the contract's first of all
    assert set(real[0]) - {"review_id", "board", "nation", "framework", "source"} <= action_props
    assert {"action_ref", "recommendation", "agency", "due", "completed", "status"} <= action_props
    listed_props = set(schemas["ListedAction"]["allOf"][1]["properties"])
    assert listed_props == {"review_id", "board", "nation", "framework", "source"}
    assert schemas["Review"]["properties"]["actions"]["items"] == {
        "$ref": "#/components/schemas/Action"
    }
    path = spec["paths"]["/api/actions"]["get"]
    assert set(path["responses"]) == {"200", "400", "401", "405"}
    names = {p["name"] for p in path["parameters"]}
    assert {"board", "agency", "status", "overdue", "review", "limit", "offset", "format"} <= names
    status = next(p for p in path["parameters"] if p["name"] == "status")
    assert set(status["schema"]["enum"]) >= {"open", "overdue", "completed", "not_applicable"}


def test_the_actions_section_in_chromium(env: WebEnv) -> None:
    import threading

    from playwright.sync_api import sync_playwright
    from waitress import create_server

    from scripts.browser import chromium_path
    from tests.test_web_browser import ARGS, axe, shots_dir

    server = create_server(env.app, host="127.0.0.1", port=0, threads=2)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.effective_port}"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium_path(), args=ARGS, headless=True)
            try:
                for width in (1280, 375):
                    page = browser.new_page(viewport={"width": width, "height": 900})
                    page.goto(f"{base}/sign-in")
                    page.get_by_label("User name").fill("inspector")
                    page.get_by_label("Password").fill(PASSWORD)
                    page.get_by_role("button", name="Sign in").click()
                    page.wait_for_url(f"{base}/")
                    page.goto(f"{base}/reviews/P-1#actions")
                    heading = page.get_by_role("heading", name="Actions", exact=True)
                    assert heading.is_visible()
                    table = page.locator("table.tracker-actions")
                    assert table.get_by_text("Northshire ICB").is_visible()
                    assert table.get_by_role("link", name="Evidence").count() == 1
                    assert axe(page) == []
                    table.screenshot(path=str(shots_dir() / f"review-actions-{width}.png"))
                    page.close()
            finally:
                browser.close()
    finally:
        server.close()
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def samples_served(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[dict[str, Any], str]]:
    """The sample boards checked as of their own day, served by waitress on 127.0.0.1."""
    from dataclasses import replace

    from waitress.server import create_server

    from tests.conftest import SAMPLES
    from tracker.web import create_app

    root = tmp_path_factory.mktemp("samples-actions")
    config = replace(load_config(SAMPLES / "tracker.toml"), state_dir=root / "var")
    check = check_config(config, SAMPLES_AS_OF).to_json()
    write_snapshot(config.state_dir, check, now=datetime.now(UTC))
    UserStore(users_path(config.state_dir)).add("panel", PASSWORD, national=True)
    app = create_app(config)  # production cookie flags: Chromium keeps them on 127.0.0.1
    server: Any = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield check, f"http://127.0.0.1:{server.effective_port}"
    finally:
        server.close()
        thread.join(timeout=10)


SAMPLES_AS_OF = date(2025, 3, 31)  # the day sample_workbooks/generate.py simulates up to


def _no_wider_than(page: Page, width: int) -> None:
    wide = page.evaluate("() => document.documentElement.scrollWidth")
    assert wide <= width, f"{page.url} is {wide} px wide at {width} px"


@pytest.mark.parametrize("width", [1280, 375])
def test_the_samples_web_view_shows_the_overdue_actions_by_agency(
    samples_served: tuple[dict[str, Any], str], width: int
) -> None:
    """Acceptance (issue 19): the overview's count of overdue actions leads to them, agency by
    agency, as the samples' own check says; at phone width no page scrolls sideways."""
    from playwright.sync_api import sync_playwright

    from scripts.browser import chromium_path
    from tests.test_web_browser import ARGS, axe, shots_dir

    check, base = samples_served
    overdue = [
        (r["board"], a) for r in check["reviews"] for a in r["actions"] if a["status"] == "overdue"
    ]
    per_agency = Counter(a["agency"] for _, a in overdue)
    assert len(per_agency) >= 6 and len(overdue) >= 20  # the samples are worth looking at
    folder = shots_dir()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": width, "height": 900})
            page.set_default_timeout(15_000)
            page.goto(f"{base}/sign-in")
            page.get_by_label("User name").fill("panel")
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(f"{base}/")
            _no_wider_than(page, width)
            counts = page.locator(".tracker-action-counts")
            link = counts.get_by_role("link", name=re.compile("overdue action"))
            assert link.inner_text().split()[0] == str(len(overdue))
            assert axe(page) == []
            page.locator("#actions").scroll_into_view_if_needed()
            page.screenshot(path=str(folder / f"overview-actions-{width}.png"))

            link.click()
            page.wait_for_url(f"{base}/actions?overdue=yes")
            assert page.get_by_role("heading", level=1).inner_text() == (
                "Actions from review recommendations"
            )
            rows = page.locator("table.tracker-by-agency tbody tr")
            shown = [
                (
                    rows.nth(i).locator("th").inner_text(),
                    int(rows.nth(i).locator("td").first.inner_text()),
                )
                for i in range(rows.count())
            ]
            assert sorted(shown) == sorted(per_agency.items())
            assert [n for _, n in shown] == sorted(per_agency.values(), reverse=True)
            assert page.locator("table.tracker-action-list tbody tr").count() == len(overdue)
            assert (
                f"{len(overdue)} actions match the filters"
                in page.locator("#result-count").inner_text()
            )
            _no_wider_than(page, width)
            assert axe(page) == []
            page.screenshot(path=str(folder / f"actions-overdue-{width}.png"), full_page=True)

            # one agency's overdue actions, from the by-agency table
            agency, n = shown[0]
            page.locator("table.tracker-by-agency").get_by_role("link", name=agency).click()
            page.wait_for_url(re.compile(r".*/actions\?.*agency="))
            assert page.locator("table.tracker-action-list tbody tr").count() == n
            assert page.get_by_label("Agency").input_value() == agency
            # every action, those with notes among them (R1.2 of each plan): never their notes
            page.goto(f"{base}/actions")
            assert page.locator("table.tracker-action-list tbody tr").count() == sum(
                len(r["actions"]) for r in check["reviews"]
            )
            assert "learning subgroup" not in page.content()

            board = overdue[0][0]
            page.goto(f"{base}/boards/{quote(board, safe='')}")
            right = page.evaluate(
                "() => Math.max(...[...document.querySelectorAll('.tracker-action-counts, "
                ".tracker-action-counts a')]"
                ".map(e => e.getBoundingClientRect().right))"
            )
            assert right <= width, f"the board's action counts reach {right} px at {width} px"
            mine = sum(1 for b, _ in overdue if b == board)
            summary = page.locator(".tracker-action-counts")
            assert summary.get_by_role(
                "link", name=re.compile("overdue action")
            ).inner_text().split()[0] == str(mine)
            assert axe(page) == []
            page.locator("#actions").scroll_into_view_if_needed()
            page.screenshot(path=str(folder / f"board-actions-{width}.png"))
            assert "learning subgroup" not in page.content()  # the samples' Notes
            page.close()
        finally:
            browser.close()
