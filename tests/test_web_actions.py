"""The web view of a review's action plan (the Actions sheet), from a real workbook's snapshot."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from tests.test_actions import REVIEW, action, action_rows
from tests.web_fixtures import PASSWORD, WebEnv, signed_in
from tracker.access.users import UserStore, users_path
from tracker.check import check_config
from tracker.config import load_config
from tracker.optional.actions import SPEC
from tracker.output.snapshot import write_snapshot


@pytest.fixture
def env(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make_workbook: Callable[..., Path]
) -> WebEnv:
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
    (tmp_path / "tracker.toml").write_text(
        'state_dir = "var"\n\n[[boards]]\nname = "Northshire"\nnation = "england"\n'
        'sources = ["northshire.xlsx"]\n',
        encoding="utf-8",
    )
    config = load_config(tmp_path / "tracker.toml")
    check = check_config(config, date(2024, 4, 1)).to_json()
    write_snapshot(config.state_dir, check, now=datetime.now(UTC))
    UserStore(users_path(config.state_dir)).add("inspector", PASSWORD, national=True)
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
