"""The web view of a review's action plan (the Actions sheet), from a real workbook's snapshot."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from tests.test_actions import REVIEW, action, action_rows
from tests.web_fixtures import PASSWORD, WebEnv, signed_in
from tracker.actions import SPEC
from tracker.check import check_config
from tracker.config import load_config
from tracker.snapshot import write_snapshot
from tracker.users import UserStore, users_path


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
    assert section.count("Evidence</a>") == 1
    assert 'href="https://example.org/plan"' in section
    assert "javascript:" not in section
    assert "Private remark" not in page
