"""The web view of pauses and agreed extensions, served from the sample workbooks' snapshot."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SAMPLES
from tests.web_fixtures import PASSWORD, WebEnv, signed_in
from tracker.access.users import UserStore, users_path
from tracker.check import check_config
from tracker.config import load_config
from tracker.output.snapshot import write_snapshot

AS_OF = date(2025, 3, 31)
EASTMARCH = "Eastmarch Safeguarding Partnership"
NORTHSHIRE = "Northshire LSCB"
#: the samples' Notes cell on the pauses sheet
SAMPLE_NOTE = "Trial date to be confirmed"


def make_sample_env(root: Path) -> WebEnv:
    from tracker.web import create_app

    for name in ("eastmarch.xlsx", "northshire.xlsx"):
        shutil.copy(SAMPLES / name, root / name)
    (root / "tracker.toml").write_text(
        f"""
state_dir = "var"

[[boards]]
name = "{NORTHSHIRE}"
nation = "england"
sources = ["northshire.xlsx"]

[[boards]]
name = "{EASTMARCH}"
nation = "england"
sources = ["eastmarch.xlsx"]
""",
        encoding="utf-8",
    )
    config = load_config(root / "tracker.toml")
    write_snapshot(config.state_dir, check_config(config, AS_OF).to_json(), now=datetime.now(UTC))
    store = UserStore(users_path(config.state_dir))
    store.add("inspector", PASSWORD, national=True)
    store.add("northshire", PASSWORD, boards=(NORTHSHIRE,))
    return WebEnv(root, config, create_app(config, overrides={"SESSION_COOKIE_SECURE": False}))


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> WebEnv:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TRACKER_SECRET_KEY", raising=False)
    return make_sample_env(tmp_path)


def text(response: object) -> str:
    return response.get_data(as_text=True)  # type: ignore[attr-defined,no-any-return]


def test_overview_counts_paused_apart_and_lists_them_on_their_own_page(env: WebEnv) -> None:
    client = signed_in(env, "inspector")
    overview = text(client.get("/"))
    assert "<strong>3</strong> paused or extended" in overview
    paused = text(client.get("/paused"))
    for rid in ("EM-2023-001", "NSP-2023-001", "EM-2022-009"):
        assert rid in paused
    assert "Criminal proceedings" in paused and "agreed with National Panel" in paused
    assert "National body not yet told" in paused  # NSP-2023-001
    assert "14 April 2025" in paused and "was 14 October 2022" in paused
    overdue = text(client.get("/overdue"))
    for rid in ("EM-2023-001", "NSP-2023-001"):
        assert rid not in overdue
    # the extended rapid review is not overdue (its other, unpaused stages may be)
    assert "Date rapid review completed" not in overdue
    # a board user sees their own board's only
    mine = text(signed_in(env, "northshire").get("/paused"))
    assert "NSP-2023-001" in mine and "EM-2023-001" not in mine
    csv = text(client.get("/paused?format=csv"))
    assert (
        csv.lstrip("\ufeff")
        .splitlines()[0]
        .startswith("Nation,Board,Framework,Review ID,Stage,Status")
    )
    assert len(csv.strip().splitlines()) == 4


def test_the_board_page_filters_on_paused(env: WebEnv) -> None:
    client = signed_in(env, "inspector")
    page = text(client.get(f"/boards/{EASTMARCH}?status=paused"))
    assert "EM-2023-001" in page and "EM-2023-014" not in page
    assert "1 review with a stage paused (of 14)" in page
    assert client.get(f"/boards/{EASTMARCH}?status=nonsense").status_code == 400


def test_the_review_page_draws_the_pause_and_shows_original_and_agreed_dates(env: WebEnv) -> None:
    client = signed_in(env, "inspector")
    paused = text(client.get("/reviews/EM-2023-001"))
    # one pause span in each of the two drawings (beside the bars, and above them for phones)
    assert paused.count('class="tl-pause"') == 2
    assert 'class="tl-original"' in paused
    assert "originally by" in paused and "still paused" in paused
    assert "Criminal proceedings" in paused and "national body told" in paused
    extended = text(client.get("/reviews/EM-2022-009"))
    assert "Extended to" in extended and "agreed with National Panel" in extended
    assert "Agreed extension" in extended
    closed = text(client.get("/reviews/NS-2018-008"))
    assert closed.count('class="tl-pause"') == 2 and "Family engagement" in closed
    finding = text(client.get("/reviews/NSP-2023-001"))
    assert "national body has not been told" in finding


def test_the_calendar_shows_the_agreed_date_and_leaves_paused_stages_out(env: WebEnv) -> None:
    users = env.app.extensions["tracker"].users
    body = text(env.client().get("/calendar.ics?token=" + users.get("inspector").calendar_token))
    unfolded = body.replace("\r\n ", "")
    assert "DTSTART;VALUE=DATE:20250414" in body  # EM-2022-009's agreed date, not 14 Oct 2022
    assert "DTSTART;VALUE=DATE:20221014" not in body
    assert "Originally due 14 October 2022\\; extended" in unfolded
    assert "EM-2023-001" not in body and "NSP-2023-001" not in body


def test_the_api_gives_adjustments_and_filters_on_paused(env: WebEnv) -> None:
    client = signed_in(env, "inspector")
    doc = client.get("/api/reviews?status=paused").json
    assert {r["review_id"] for r in doc["reviews"]} == {"EM-2023-001", "NSP-2023-001"}
    stage = next(s for s in doc["reviews"][0]["stages"] if s["status"] == "paused")
    assert stage["original_latest"] == "2023-10-19"
    assert stage["adjustments"][0]["reason"] == "Criminal proceedings"
    spec = client.get("/api/openapi.json").json
    props = spec["components"]["schemas"]["Stage"]["properties"]
    assert "agreed extension" in props["basis"]["enum"]
    assert "paused" in props["status"]["enum"]
    assert {"original_latest", "adjustments", "findings"} <= set(props)


def test_no_response_carries_the_pauses_notes(env: WebEnv) -> None:
    client = signed_in(env, "inspector")
    for path in (
        "/",
        "/paused",
        "/paused?format=csv",
        "/reviews/EM-2023-001",
        "/api/reviews",
        "/api/reviews?format=csv",
        f"/boards/{EASTMARCH}",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert SAMPLE_NOTE not in response.get_data(as_text=True), path


@pytest.fixture(scope="module")
def served_samples(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[WebEnv, str]]:
    from waitress import create_server

    root = tmp_path_factory.mktemp("pauses-browser")
    cwd = os.getcwd()
    os.chdir(root)
    try:
        env = make_sample_env(root)
    finally:
        os.chdir(cwd)
    server: Any = create_server(env.app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield env, f"http://127.0.0.1:{server.effective_port}"
    finally:
        server.close()
        thread.join(timeout=10)


@pytest.mark.parametrize("width", [1280, 375])
def test_paused_pages_in_chromium_are_accessible_and_show_the_pause(
    served_samples: tuple[WebEnv, str], width: int
) -> None:
    from playwright.sync_api import sync_playwright

    from scripts.browser import chromium_path
    from tests.test_web_browser import ARGS, axe, shots_dir, sign_in

    _env, base = served_samples
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": width, "height": 900})
            sign_in(page, base, "inspector")
            assert page.get_by_role("link", name="3 paused or extended").is_visible()
            page.screenshot(path=str(shots_dir() / f"pauses-overview-{width}.png"), full_page=True)
            page.get_by_role("link", name="3 paused or extended").click()
            assert page.get_by_role("heading", name="Paused or extended stages").is_visible()
            assert axe(page) == []
            page.screenshot(path=str(shots_dir() / f"pauses-list-{width}.png"), full_page=True)
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            page.get_by_role("link", name="EM-2023-001").click()
            pause = page.locator("rect.tl-pause").locator("visible=true")
            assert pause.count() == 1 and pause.bounding_box()["width"] > 10  # type: ignore[index]
            assert page.get_by_text("still paused").first.is_visible()
            assert axe(page) == []
            page.screenshot(path=str(shots_dir() / f"pauses-review-{width}.png"), full_page=True)
        finally:
            browser.close()
