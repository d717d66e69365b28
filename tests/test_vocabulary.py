"""One vocabulary: the weekly e-mail and the web overview, rendered from the same check of the same
workbooks, give the same must / should / local counts in the same words; a share with nothing to
count says "no such deadlines"; another nation's sheet is counted in both."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import framework_rows, write_workbook
from tests.web_fixtures import PASSWORD, sign_in
from tracker.access.users import UserStore, users_path
from tracker.check import check_config
from tracker.config import Config, load_config
from tracker.frameworks.vocabulary import (
    GROUPS,
    NO_SUCH_DEADLINES,
    GroupCounts,
    group_of,
    must_label,
    share_text,
)
from tracker.mail.render import render_html, render_text
from tracker.mail.report import board_report
from tracker.model import Basis, Confidence, Rule, RuleKind
from tracker.output.snapshot import write_snapshot

AS_OF = date(2024, 6, 30)
BOARD = "Northshire Safeguarding Partnership"


def _rule(must: bool, must_text: str | None = None) -> Rule:
    return Rule(
        stage="s",
        kind=RuleKind.WITHIN,
        anchor="a",
        basis=Basis.STATUTORY_GUIDANCE,
        must=must,
        confidence=Confidence.CONFIRMED,
        citation="c",
        amount=5,
        must_text=must_text,
    )


def test_a_split_must_should_keeps_its_wording_and_groups_are_local_first() -> None:
    split = _rule(False, "must (notify) / should (5 days)")
    assert must_label([split]) == "must (notify) / should (5 days)"
    assert must_label([_rule(False), _rule(True)]) == "must"
    assert must_label([_rule(False), split]) == "should / must (notify) / should (5 days)"
    assert must_label([]) is None
    assert group_of("statute", True) == "must"
    assert group_of("national guidance", False) == "should"
    assert group_of("local override", True) == "local"  # counted apart from national rules
    assert group_of("local default", False) == "local"
    assert share_text(0, 0) == NO_SUCH_DEADLINES
    assert share_text(2, 3) == "67% (2 of 3)"


@pytest.fixture
def same_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Config, dict[str, Any]]:
    """An English board whose workbook also holds a Scotland LR sheet (another nation's)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TRACKER_SECRET_KEY", raising=False)
    write_workbook(
        tmp_path / "northshire.xlsx",
        {
            "England LCSPR": framework_rows(
                "england-lcspr",
                [
                    # looked after: the SoS/Ofsted notification (a must) is overdue, and three
                    # shoulds (partners told, rapid review, decision); the Panel was told on time
                    {
                        "review_id": "NSP-1",
                        "la_aware": date(2024, 5, 1),
                        "looked_after": "Yes",
                        "panel_notified": date(2024, 5, 3),
                    },
                    # everything so far on time
                    {
                        "review_id": "NSP-2",
                        "la_aware": date(2024, 6, 3),
                        "looked_after": "No",
                        "panel_notified": date(2024, 6, 4),
                        "partners_notified": date(2024, 6, 5),
                        "rapid_review_completed": date(2024, 6, 20),
                        "decision": date(2024, 6, 21),
                        "decision_outcome": "No review",
                    },
                ],
            ),  # fmt: skip
            "Scotland LR": framework_rows(
                "scotland-lr", [{"review_id": "GML-1", "notified": date(2024, 4, 1)}]
            ),
        },
    )
    (tmp_path / "tracker.toml").write_text(
        f'state_dir = "var"\n\n[[boards]]\nname = "{BOARD}"\nnation = "england"\n'
        'sources = ["northshire.xlsx"]\nrecipients = ["m@example.org"]\n',
        encoding="utf-8",
    )
    config = load_config(tmp_path / "tracker.toml")
    return config, check_config(config, AS_OF).to_json()


def _email_counts(html: str) -> dict[str, tuple[str, int]]:
    text = re.sub(r"<[^>]+>", "|", html)
    out = {}
    for group in ("Must", "Should", "Local"):
        found = re.search(rf"\|{group}\|+([^|]+)\|+(\d+)\|", text)
        assert found, group
        out[group.lower()] = (found.group(1), int(found.group(2)))
    return out


def _web_counts(html: str) -> dict[str, tuple[str, int]]:
    out = {}
    for group in GROUPS:
        row = re.search(
            rf'<tr class="govuk-table__row" data-group="{group}">(.*?)</tr>', html, re.S
        )
        assert row, group
        cells = [
            re.sub(r"<[^>]+>|\s+", " ", c).strip()
            for c in re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)
        ]
        out[group] = (" ".join(cells[0].split()), int(cells[1]))
    return out


def test_the_email_and_the_web_overview_give_the_same_must_and_should_counts(
    same_data: tuple[Config, dict[str, Any]],
) -> None:
    from tracker.web import create_app

    config, check = same_data
    report = board_report(check, config.boards[0], AS_OF)
    html = render_html(report)
    email = _email_counts(html)

    write_snapshot(config.state_dir, check, now=datetime.now(UTC))
    UserStore(users_path(config.state_dir)).add("inspector", PASSWORD, national=True)
    app = create_app(config, overrides={"SESSION_COOKIE_SECURE": False})
    client = app.test_client()
    sign_in(client, "inspector")
    page = client.get("/").get_data(as_text=True)
    web = _web_counts(page)

    expected = GroupCounts()
    for review in check["reviews"]:
        for stage in review["stages"]:
            expected.add_stage(stage)
    assert email == web == {g: (expected.share_text(g), expected.overdue[g]) for g in GROUPS}
    # one overdue must, three overdue shoulds and the Scottish review's local default
    assert {g: n for g, (_, n) in web.items()} == {"must": 1, "should": 3, "local": 1}
    assert "none yet" not in page and "none yet" not in html
    assert "Statutory" not in page and "statutory)" not in report.subject()
    assert report.subject().endswith(
        "5 overdue (1 must, 3 should, 1 local), 0 due in 14 days, 1 data problems"
    )
    split = re.search(r"\((\d+) must, (\d+) should, (\d+) local\)", re.sub(r"<[^>]+>", "", page))
    assert split is not None and split.groups() == ("1", "3", "1")
    text = render_text(report)
    assert "Overdue: 5 (1 must, 3 should, 1 local)" in text
    # the split wording of the LCSPR Panel notification reaches the e-mail's attachment lists
    assert any(f.must_label == "must (notify) / should (5 days)" for f in report.all_stages)


def test_a_group_with_no_deadlines_says_so_in_both(
    same_data: tuple[Config, dict[str, Any]],
) -> None:
    config, check = same_data
    for review in check["reviews"]:  # keep the must stages only
        review["stages"] = [s for s in review["stages"] if s.get("must")]
    html = render_html(board_report(check, config.boards[0], AS_OF))
    assert _email_counts(html)["should"] == (NO_SUCH_DEADLINES, 0)


def test_another_nations_sheet_reaches_the_email_and_the_web_view(
    same_data: tuple[Config, dict[str, Any]],
) -> None:
    from tracker.web import create_app

    config, check = same_data
    report = board_report(check, config.boards[0], AS_OF)
    assert any(f.review_id == "GML-1" and f.framework == "scotland-lr" for f in report.overdue)
    write_snapshot(config.state_dir, check, now=datetime.now(UTC))
    UserStore(users_path(config.state_dir)).add("inspector", PASSWORD, national=True)
    client = create_app(config, overrides={"SESSION_COOKIE_SECURE": False}).test_client()
    sign_in(client, "inspector")
    board = client.get(f"/boards/{BOARD}").get_data(as_text=True)
    assert "GML-1" in board
    review = client.get("/reviews/GML-1")
    assert review.status_code == 200 and "Scotland" in review.get_data(as_text=True)


def test_the_cli_table_and_csv_use_the_same_words(
    same_data: tuple[Config, dict[str, Any]], tmp_path: Path
) -> None:
    from click.testing import CliRunner

    from tracker.cli import main

    runner = CliRunner()
    args = ["check", "--config", str(tmp_path / "tracker.toml"), "--as-of", "2024-06-30"]
    table = runner.invoke(main, args, catch_exceptions=False).stdout
    assert "Overdue: 1 must, 3 should, 1 local" in table
    assert "Deadlines met: must 0% (0 of 1) · should " in table
    assert (
        "must (notify) / should (5 days) · stat. guidance"
        in runner.invoke(main, [*args, "--all-stages"], catch_exceptions=False).stdout
    )
    csv_text = runner.invoke(main, [*args, "--format", "csv"], catch_exceptions=False).stdout
    header, *rows = csv_text.splitlines()
    assert "basis,must,must_label,citation" in header
    assert any(",False,must (notify) / should (5 days)," in row for row in rows)
