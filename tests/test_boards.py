"""A review's board comes from the config, never from the Board cell (tracker.boards).

Real workbooks and the real pipeline: the check JSON, the weekly e-mail's reports and the web
view's scoping must give the same answer.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.web_fixtures import (
    AS_OF,
    HIGHLAND,
    NORTHSHIRE,
    PASSWORD,
    SCOTLAND_ROWS,
    WebEnv,
    make_config,
    signed_in,
    write_workbook,
)
from tracker.boards import resolve_board
from tracker.check import check_config
from tracker.cli import main
from tracker.config import Config, load_config
from tracker.mail.ledger import NATIONAL_SCOPE
from tracker.mail.mailing import make_report
from tracker.snapshot import write_snapshot
from tracker.users import UserStore, users_path

CROSS = "NS-CROSS-01"  # a Northshire row whose Board cell names Highland
TYPO = "NS-TYPO-02"  # a Northshire row whose Board cell has a typo
ROWS: list[dict[str, Any]] = [
    {"review_id": CROSS, "board": HIGHLAND, "notified": datetime(2023, 6, 12)},
    {"review_id": TYPO, "board": "Northshire LCSB", "notified": datetime(2023, 6, 12)},
    {"review_id": "NS-OK-03", "board": "northshire  lscb", "notified": datetime(2023, 6, 12)},
    {"review_id": "NS-BLANK-04", "notified": datetime(2023, 6, 12)},
]


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Config:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TRACKER_SECRET_KEY", raising=False)
    config = make_config(tmp_path)
    write_workbook(tmp_path / "northshire.xlsx", "england-scr", ROWS)
    return config


def _boards(check: dict[str, Any]) -> dict[str, str]:
    return {r["review_id"]: r["board"] for r in check["reviews"]}


def test_resolve_board_takes_the_config_over_the_cell() -> None:
    owners = (NORTHSHIRE,)
    assert resolve_board(HIGHLAND, owners) == (NORTHSHIRE, True)
    assert resolve_board("Northshire LCSB", owners) == (NORTHSHIRE, True)
    assert resolve_board(" northshire lscb ", owners) == (NORTHSHIRE, False)
    assert resolve_board(None, owners) == (NORTHSHIRE, False)
    assert resolve_board("Anything", ()) == ("Anything", False)  # no config: as typed


def test_cross_board_and_typo_cells_stay_with_the_sources_board(config: Config) -> None:
    check = check_config(config, AS_OF).to_json()
    boards = _boards(check)
    assert boards[CROSS] == NORTHSHIRE
    assert boards[TYPO] == NORTHSHIRE
    assert boards["NS-OK-03"] == NORTHSHIRE
    assert boards["NS-BLANK-04"] == NORTHSHIRE
    mismatches = {p["review_id"]: p for p in check["problems"] if p["type"] == "board-mismatch"}
    assert set(mismatches) == {CROSS, TYPO}
    cross = mismatches[CROSS]
    assert (cross["sheet"], cross["cell"], cross["severity"]) == ("England SCR", "B2", "error")
    assert HIGHLAND in cross["message"] and NORTHSHIRE in cross["message"]
    assert "Northshire LCSB" in mismatches[TYPO]["message"]


def test_the_weekly_email_files_the_rows_as_the_web_does(config: Config) -> None:
    check = check_config(config, AS_OF).to_json()
    north = make_report(config, check, NORTHSHIRE, AS_OF, None)
    highland = make_report(config, check, HIGHLAND, AS_OF, None)
    north_ids = {f.review_id for f in north.overdue}
    highland_ids = {f.review_id for f in highland.overdue} | {
        p.review_id for p in highland.problems
    }
    assert {CROSS, TYPO} <= north_ids
    assert CROSS not in highland_ids and TYPO not in highland_ids
    national = make_report(config, check, NATIONAL_SCOPE, AS_OF, None)
    assert {b.board for b in national.boards} == {NORTHSHIRE, HIGHLAND}


def _web(config: Config, check: dict[str, Any]) -> Any:
    from tracker.web import create_app

    write_snapshot(config.state_dir, check, now=datetime.now(UTC))
    store = UserStore(users_path(config.state_dir))
    store.add("inspector", PASSWORD, national=True)
    store.add("northshire", PASSWORD, boards=(NORTHSHIRE,))
    store.add("highland", PASSWORD, boards=(HIGHLAND,))
    return create_app(config, overrides={"SESSION_COOKIE_SECURE": False})


def test_the_web_view_scopes_by_the_config_not_the_cell(config: Config) -> None:
    app = _web(config, check_config(config, AS_OF).to_json())
    env = WebEnv(config.state_dir, config, app)
    highland = signed_in(env, "highland")
    seen = {r["review_id"] for r in highland.get("/api/reviews").get_json()["reviews"]}
    assert seen == {r["review_id"] for r in SCOTLAND_ROWS}
    assert highland.get(f"/reviews/{CROSS}").status_code == 404
    north = signed_in(env, "northshire")
    mine = {r["review_id"] for r in north.get("/api/reviews").get_json()["reviews"]}
    assert {CROSS, TYPO} <= mine
    national = signed_in(env, "inspector")
    page = national.get("/").get_data(as_text=True)
    assert "Northshire LCSB" not in page  # no phantom board on the overview


def test_an_old_snapshot_with_typed_boards_is_still_scoped_by_the_config(config: Config) -> None:
    """A snapshot written before (or by hand) cannot steer scoping with its board field."""
    check = check_config(config, AS_OF).to_json()
    for review in check["reviews"]:
        if review["review_id"] == CROSS:
            review["board"] = HIGHLAND
    app = _web(config, check)
    env = WebEnv(config.state_dir, config, app)
    highland = signed_in(env, "highland")
    seen = {r["review_id"] for r in highland.get("/api/reviews").get_json()["reviews"]}
    assert CROSS not in seen


def test_a_source_named_by_two_boards_lets_the_cell_choose_between_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write_workbook(
        tmp_path / "shared.xlsx",
        "england-scr",
        [
            {"review_id": "S-1", "board": "East", "notified": datetime(2023, 6, 12)},
            {"review_id": "S-2", "board": "West", "notified": datetime(2023, 6, 12)},
            {"review_id": "S-3", "board": "North", "notified": datetime(2023, 6, 12)},
        ],
    )
    (tmp_path / "tracker.toml").write_text(
        '[[boards]]\nname = "East"\nnation = "england"\nsources = ["shared.xlsx"]\n'
        '[[boards]]\nname = "West"\nnation = "england"\nsources = ["shared.xlsx"]\n',
        encoding="utf-8",
    )
    config = load_config(tmp_path / "tracker.toml")
    check = check_config(config, AS_OF).to_json()
    assert _boards(check) == {"S-1": "East", "S-2": "West", "S-3": "East"}
    assert len(check["reviews"]) == 3  # read once, not once per board
    assert [p["review_id"] for p in check["problems"] if p["type"] == "board-mismatch"] == ["S-3"]
    west = make_report(config, check, "West", AS_OF, None)
    assert {f.review_id for f in west.overdue} == {"S-2"}


def test_without_a_config_the_cell_is_shown_as_typed(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "northshire.xlsx", "england-scr", ROWS)
    out = CliRunner().invoke(
        main, ["check", str(path), "--format", "json", "--as-of", "2024-03-01"]
    )
    check = json.loads(out.output)
    assert _boards(check)[CROSS] == HIGHLAND
    assert not [p for p in check["problems"] if p["type"] == "board-mismatch"]
