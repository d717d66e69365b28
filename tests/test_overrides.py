"""Board timescale overrides: parsed like plugin rules, applied to that board only, shown as
``local override`` beside the rule they replace, counted in the board's nation's calendar."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tracker.check import check_config
from tracker.cli import main
from tracker.config import BoardConfig, ConfigError, apply_overrides, check_overrides, load_config
from tracker.registry import get_framework

D = date


def write_config(tmp_path: Path, boards: str) -> Path:
    path = tmp_path / "tracker.toml"
    path.write_text(boards)
    return path


def stages(result: Any, board: str) -> dict[str, dict[str, Any]]:
    review = next(r for r in result.reviews if r["board"] == board)
    return {s["id"]: s for s in review["stages"]}


def test_an_override_changes_that_boards_results_and_no_other_boards(
    tmp_path: Path, make_workbook: Callable[..., Path]
) -> None:
    review = {"review_id": "S-1", "notified": D(2024, 1, 10), "icr_completed": D(2024, 2, 5)}
    make_workbook("scotland-scr", [review], name="a.xlsx")
    make_workbook("scotland-scr", [review], name="b.xlsx")
    config = load_config(
        write_config(
            tmp_path,
            """
[[boards]]
name = "Strict CPC"
nation = "scotland"
sources = ["a.xlsx"]
[boards.timescales]
"scotland-scr.icr_completed" = "within 15 working days after notified"

[[boards]]
name = "Default CPC"
nation = "scotland"
sources = ["b.xlsx"]
""",
        )
    )
    result = check_config(config, D(2024, 6, 30))
    strict, default = stages(result, "Strict CPC"), stages(result, "Default CPC")
    # 15 Scottish working days after Wed 10 Jan 2024 is Wed 31 Jan
    assert strict["icr_completed"]["latest"] == "2024-01-31"
    assert (strict["icr_completed"]["status"], strict["icr_completed"]["days_late"]) == ("late", 5)
    assert strict["icr_completed"]["basis"] == "local override"
    assert strict["icr_completed"]["source"].startswith("local procedures of Strict CPC")
    assert (
        "replaces: within 1 month after notified (should, local default:"
        in strict["icr_completed"]["source"]
    )
    assert default["icr_completed"]["latest"] == "2024-02-10"
    assert default["icr_completed"]["status"] == "on_time"
    assert default["icr_completed"]["basis"] == "local default"


def test_the_override_is_shown_with_the_rule_it_replaced(tmp_path: Path, runner: CliRunner) -> None:
    path = write_config(
        tmp_path,
        """
[[boards]]
name = "Strict CPC"
nation = "scotland"
sources = []
[boards.timescales]
"scotland-scr.icr_completed" = "within 20 working days after notified"
""",
    )
    doc = json.loads(
        runner.invoke(main, ["frameworks", "--format", "json", "--config", str(path)]).stdout
    )
    scr = next(f for f in doc if f["id"] == "scotland-scr")
    (override,) = scr["overrides"]
    assert override["board"] == "Strict CPC" and override["stage"] == "icr_completed"
    (rule,) = override["rules"]
    assert rule["basis"] == "local override"
    assert rule["text"] == "within 20 working days after notified"
    assert rule["replaces"]["text"] == "within 1 month after notified"
    assert rule["replaces"]["basis"] == "local default"
    table = runner.invoke(main, ["frameworks", "--config", str(path)]).stdout
    assert "at Strict CPC: within 20 working days after Date notified to CPC" in table
    assert "replaces: within 1 month after Date notified to CPC (local default)" in table
    assert not next(f for f in doc if f["id"] == "england-scr")["overrides"]


@pytest.mark.parametrize(
    ("key", "rule", "message"),
    [
        (
            "scotland-xyz.icr_completed",
            "within 5 days after notified",
            "unknown framework 'scotland-xyz'",
        ),
        ("scotland-scr.icr_done", "within 5 days after notified", "has no dated stage 'icr_done'"),
        (
            "scotland-scr.icr_completed",
            "within 5 fortnights after notified",
            "unknown unit 'fortnights'",
        ),
        ("scotland-scr.icr_completed", "soon after notified", "cannot read"),
        ("scotland-scr.icr_completed", "within 5 days after notifed", "has no stage 'notifed'"),
        ("england-scr.decision", "within 5 days after notified", "not a framework of scotland"),
        ("scotland-scr", "within 5 days after notified", 'expected "FRAMEWORK.STAGE"'),
    ],
)
def test_a_malformed_override_is_a_config_error_naming_the_key(
    key: str, rule: str, message: str
) -> None:
    board = BoardConfig("Strict CPC", "scotland", (), (), {key: rule})
    with pytest.raises(ConfigError) as err:
        check_overrides(board, "tracker.toml")
    assert f"boards.timescales.{key}" in str(err.value)
    assert message in str(err.value)


def test_a_malformed_override_stops_the_cli_with_exit_2(tmp_path: Path, runner: CliRunner) -> None:
    path = write_config(
        tmp_path,
        '[[boards]]\nname = "A"\nnation = "wales"\nsources = []\n'
        '[boards.timescales]\n"wales-cpr.decision" = "within 3 moons after referred"\n',
    )
    result = runner.invoke(main, ["check", "--config", str(path)])
    assert result.exit_code == 2
    assert "boards.timescales.wales-cpr.decision: unknown unit 'moons'" in result.stderr


def _board(nation: str, key: str, rule: str) -> BoardConfig:
    return BoardConfig("B", nation, (), (), {key: rule})


@pytest.mark.parametrize(
    ("nation", "fid", "key", "review", "latest"),
    [
        # St Andrew's Day 2024 is a Saturday: Scotland's holiday moves to Monday 2 December
        ("scotland", "scotland-scr", "icr_completed", {"notified": D(2024, 11, 29)}, "2024-12-03"),
        # St Patrick's Day 2024 is a Sunday: Northern Ireland's holiday moves to Monday 18 March
        (
            "northern-ireland",
            "ni-cmr",
            "panel_considered",
            {"notified": D(2024, 3, 15)},
            "2024-03-19",
        ),
        # 12 July 2024 (Friday) in Northern Ireland
        (
            "northern-ireland",
            "ni-cmr",
            "panel_considered",
            {"notified": D(2024, 7, 11)},
            "2024-07-15",
        ),
    ],
)
def test_working_day_overrides_count_in_the_boards_nation(
    make_workbook: Callable[..., Path],
    tmp_path: Path,
    nation: str,
    fid: str,
    key: str,
    review: dict[str, Any],
    latest: str,
) -> None:
    anchor = next(iter(review))
    make_workbook(fid, [{"review_id": "X-1", **review}], name="w.xlsx")
    config = load_config(
        write_config(
            tmp_path,
            f'''
[[boards]]
name = "B"
nation = "{nation}"
sources = ["w.xlsx"]
[boards.timescales]
"{fid}.{key}" = "within 1 working day after {anchor}"
''',
        )
    )
    result = check_config(config, D(2025, 1, 31))
    assert stages(result, "B")[key]["latest"] == latest


def test_the_same_override_in_england_counts_english_working_days() -> None:
    board = _board("england", "england-scr.decision", "within 1 working day after notified")
    fw = apply_overrides(get_framework("england-scr"), board)
    (rule,) = fw.stage("decision").rules
    assert rule.basis.value == "local override"
    assert rule.replaces is not None and rule.replaces.text() == "within 1 month after notified"
    assert fw.calendar == "ENG"


def test_an_override_of_a_stage_with_two_conditional_rules_keeps_both_conditions() -> None:
    board = _board("england", "england-scr.panel_notified", "within 5 working days after decision")
    fw = apply_overrides(get_framework("england-scr"), board)
    rules = fw.stage("panel_notified").rules
    assert [r.when.values for r in rules if r.when] == [("Initiate SCR",), ("Do not initiate",)]
    assert all(r.text() == "within 5 working days after decision" for r in rules)
    assert [r.replaces.basis.value for r in rules if r.replaces] == [
        "statutory guidance",
        "national guidance",
    ]


def test_the_rapid_review_anchor_can_move_to_partners_notified() -> None:
    board = _board(
        "england",
        "england-lcspr.rapid_review_completed",
        "within 15 working days after partners_notified",
    )
    fw = apply_overrides(get_framework("england-lcspr"), board)
    assert fw.stage("rapid_review_completed").rules[0].anchor == "partners_notified"
