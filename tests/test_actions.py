# ruff: noqa: F811  (pytest fixtures imported from tests.gsheet_fixtures)
"""Recommendations and action plans, read from real workbooks (DESIGN.md)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.sheets_api import FakeSheetsAPI
from tests.gsheet_fixtures import (  # noqa: F401  (pytest fixtures)
    clock,
    no_external_network,
    sa_file,
    settings,
    sheets_api,
)
from tracker.check import CheckResult, SourceSpec, run_check
from tracker.config import BoardConfig, ConfigError, check_overrides
from tracker.model import RuleKind
from tracker.optional.actions import CITATION, SPEC, actions_framework
from tracker.rules import parse_rule_text
from tracker.sources.google_api import GSheetSettings

D = date
HEADERS = [f.header for f in SPEC.fields]
IDS = [f.id for f in SPEC.fields]
REVIEW = {
    "review_id": "P-1",
    "la_aware": D(2023, 9, 25),
    "decision_outcome": "Local review",
    "decision": D(2023, 10, 1),
}


def action_rows(*actions: dict[str, Any]) -> list[list[Any]]:
    return [HEADERS] + [[a.get(i) for i in IDS] for a in actions]


def action(ref: str, due: date, review: str = "P-1", **kw: Any) -> dict[str, Any]:
    return {
        "review_id": review,
        "recommendation": ref.split(".")[0],
        "action_ref": ref,
        "agency": "Northshire Police",
        "due": due,
        **kw,
    }


@pytest.fixture
def run(make_workbook: Callable[..., Path]) -> Callable[..., CheckResult]:
    def go(
        actions: list[dict[str, Any]],
        as_of: date,
        reviews: list[dict[str, Any]] | None = None,
        board: BoardConfig | None = None,
    ) -> CheckResult:
        path = make_workbook(
            "england-lcspr",
            reviews if reviews is not None else [REVIEW],
            extra={SPEC.title: action_rows(*actions)},
        )
        return run_check([SourceSpec(str(path), board)], as_of)

    return go


def actions_of(result: CheckResult, review: str = "P-1") -> list[dict[str, Any]]:
    return next(r["actions"] for r in result.reviews if r["review_id"] == review)


def test_the_rule_form_on_or_before_field() -> None:
    parsed = parse_rule_text("on or before due")
    assert (parsed.kind, parsed.anchor, parsed.amount) == (RuleKind.ON_OR_BEFORE, "due", 0)
    rule = actions_framework().stage("completed").rules[0]
    assert rule.text() == "on or before due"
    assert rule.basis.value == "local default"
    assert rule.must is False


def test_done_two_days_after_its_due_date_is_late_by_2(run: Callable[..., CheckResult]) -> None:
    done = action("R1.1", D(2024, 3, 31), completed=D(2024, 4, 2), status="Completed")
    on_time = action("R1.2", D(2024, 3, 31), completed=D(2024, 3, 31), status="Completed")
    found = actions_of(run([done, on_time], D(2024, 5, 1)))
    assert found == [
        {
            "action_ref": "R1.1",
            "recommendation": "R1",
            "agency": "Northshire Police",
            "due": "2024-03-31",
            "completed": "2024-04-02",
            "status": "late",
            "days_late": 2,
            "assured": None,
            "evidence_link": None,
            "sheet": "Actions",
            "row": 2,
            # the deadline in force (no pause or extension names it) and what moved it
            "latest": "2024-03-31",
            "adjustments": [],
        },
        {**found[1], "action_ref": "R1.2", "status": "on_time", "days_late": 0},
    ]
    assert found[1]["completed"] == "2024-03-31"


def test_open_the_day_after_its_due_date_is_overdue_by_1(run: Callable[..., CheckResult]) -> None:
    a = action("R1.1", D(2024, 3, 31), status="Open")
    (overdue,) = actions_of(run([a], D(2024, 4, 1)))
    assert (overdue["status"], overdue["days_late"]) == ("overdue", 1)
    (pending,) = actions_of(run([a], D(2024, 3, 31)))
    assert (pending["status"], pending["days_late"]) == ("pending", 0)
    # a blank Status is an open action
    (blank,) = actions_of(run([action("R1.1", D(2024, 3, 31))], D(2024, 4, 1)))
    assert blank["status"] == "overdue"


def test_not_accepted_and_superseded_are_not_applicable(run: Callable[..., CheckResult]) -> None:
    rows = [
        action("R1.1", D(2024, 3, 31), status="Not accepted"),
        action("R1.2", D(2024, 3, 31), status="Superseded"),
    ]
    found = actions_of(run(rows, D(2024, 6, 1)))
    assert [(a["status"], a["days_late"]) for a in found] == [
        ("not_applicable", 0),
        ("not_applicable", 0),
    ]


def test_a_board_overrides_actions_completed_like_a_stage(
    run: Callable[..., CheckResult],
) -> None:
    board = BoardConfig(
        name="Northshire",
        nation="england",
        sources=(),
        timescales={"actions.completed": "within 5 working days after due"},
    )
    check_overrides(board)
    a = action("R1.1", D(2024, 3, 28), completed=D(2024, 4, 2), status="Completed")
    # Thu 28 Mar + 5 working days (Good Friday and Easter Monday are not): Fri 5 Apr
    (found,) = actions_of(run([a], D(2024, 5, 1), board=board))
    assert (found["status"], found["days_late"]) == ("on_time", 0)
    (plain,) = actions_of(run([a], D(2024, 5, 1)))
    assert (plain["status"], plain["days_late"]) == ("late", 5)
    bad = BoardConfig("N", "england", (), timescales={"actions.nothing": "on or before due"})
    with pytest.raises(ConfigError, match="actions has no dated stage 'nothing'"):
        check_overrides(bad)


def test_each_validation_rule_gives_its_located_problem_and_the_rest_still_counts(
    run: Callable[..., CheckResult],
) -> None:
    due = D(2024, 3, 31)
    rows = [
        action("R1.1", due, review="NOPE-1"),  # row 2: unknown review
        action("R1.1", due),  # row 3: fine
        action("R1.1", due, status="Open"),  # row 4: R1.1 again in R1
        {**action("R1.2", due), "agency": None},  # row 5: no agency
        action("R1.3", due, completed=D(2024, 3, 1), status="Open"),  # row 6
        action("R1.4", due, status="Completed"),  # row 7: completed without a date
        action("R1.5", due, evidence_link="http://intranet/x"),  # row 8: not https
        action(
            "R1.6", due, completed=D(2024, 3, 20), status="Completed", assured=D(2024, 3, 1)
        ),  # row 9: assured before it was done
        action("R2.1", due, completed=D(2024, 3, 30), status="Completed"),  # row 10: fine
    ]
    result = run(rows, D(2024, 4, 2))
    where = {p.type: (p.sheet, p.cell, p.row, p.severity) for p in result.problems}
    assert where == {
        "action-unknown-review": ("Actions", "A2", 2, "error"),
        "action-duplicate": ("Actions", "C4", 4, "error"),
        "missing-required": ("Actions", "D5", 5, "error"),
        "action-completed-not-closed": ("Actions", "G6", 6, "error"),
        "action-closed-no-date": ("Actions", "F7", 7, "error"),
        "action-link-not-https": ("Actions", "H8", 8, "warning"),
        "action-assured-before-completed": ("Actions", "I9", 9, "warning"),
    }
    by_type = {p.type: p for p in result.problems}
    assert "row 3" in by_type["action-duplicate"].message
    assert by_type["missing-required"].column == "Agency"
    assert by_type["action-unknown-review"].review_id == "NOPE-1"
    # the rows with an error are left out; warnings and good rows still count
    found = {a["row"]: a["status"] for a in actions_of(result)}
    assert found == {3: "overdue", 8: "overdue", 9: "on_time", 10: "on_time"}
    assert result.optional_rows[(result.problems[0].source, "Actions")] == 9


def test_a_bad_value_in_the_sheet_is_located_like_any_other(
    run: Callable[..., CheckResult],
) -> None:
    rows = [
        {**action("R1.1", D(2024, 3, 31)), "due": "31/02/2024"},
        {**action("R1.2", D(2024, 3, 31)), "status": "Done"},
    ]
    found = {p.type: p.cell for p in run(rows, D(2024, 4, 2)).problems}
    assert found == {"impossible-date": "E2", "unknown-choice": "G3"}


def test_notes_in_the_sheet_never_reach_any_output(run: Callable[..., CheckResult]) -> None:
    secret = "Social worker J. Smith disciplined"
    result = run([action("R1.1", D(2024, 3, 31), notes=secret)], D(2024, 4, 2))
    text = json.dumps(result.to_json())
    assert "Smith" not in text
    assert actions_of(result)[0]["status"] == "overdue"


def test_a_review_without_actions_lists_none(run: Callable[..., CheckResult]) -> None:
    reviews = [REVIEW, {**REVIEW, "review_id": "P-2"}]
    result = run([action("R1.1", D(2024, 3, 31))], D(2024, 4, 2), reviews)
    assert len(actions_of(result, "P-1")) == 1
    assert actions_of(result, "P-2") == []


def test_a_google_sheet_with_pauses_and_actions_costs_no_extra_request(
    sheets_api: FakeSheetsAPI, sa_file: Path, settings: GSheetSettings
) -> None:
    from tests.conftest import framework_rows
    from tests.gsheet_fixtures import KEY, READER
    from tests.test_pauses import pause, pause_rows
    from tracker.optional.pauses import SPEC as PAUSES

    sheets_api.add_spreadsheet(
        KEY,
        {
            "England LCSPR": framework_rows("england-lcspr", [REVIEW]),
            PAUSES.title: pause_rows(pause("P-1", "Date published", D(2024, 3, 11))),
            SPEC.title: action_rows(
                action("R1.1", D(2024, 3, 31), completed=D(2024, 4, 2), status="Completed"),
                action("R1.1", D(2024, 3, 31)),
            ),
        },
        shared_with={READER: "reader"},
    )
    result = run_check(
        [SourceSpec(f"gsheet:{KEY}")], D(2024, 4, 2), credentials=str(sa_file), settings=settings
    )
    calls = sheets_api.api_requests()
    assert [c.kind for c in calls] == ["metadata", "batchGet"]
    assert calls[1].query["ranges"] == ["'England LCSPR'", "'Pauses and extensions'", "'Actions'"]
    (late,) = actions_of(result)
    assert (late["status"], late["days_late"], late["row"]) == ("late", 2, 2)
    assert [(p.type, p.cell) for p in result.problems] == [("action-duplicate", "C3")]


def test_check_table_csv_and_xlsx_show_the_actions(
    make_workbook: Callable[..., Path], tmp_path: Path
) -> None:
    import csv
    import io

    from click.testing import CliRunner
    from openpyxl import load_workbook

    from tracker.cli import main
    from tracker.cli.output import write_check_xlsx

    rows = action_rows(
        action("R1.1", D(2024, 3, 31), completed=D(2024, 4, 2), status="Completed"),
        action("R1.2", D(2024, 3, 31), agency="Northshire Council Children's Services"),
        action("R2.1", D(2024, 3, 31), status="Not accepted", notes="Private remark"),
    )
    path = make_workbook("england-lcspr", [REVIEW], extra={SPEC.title: rows})
    runner = CliRunner()
    args = ["check", str(path), "--as-of", "2024-04-01"]
    table = runner.invoke(main, args).stdout
    assert (
        "Actions: 3 · 1 overdue · 1 open · 1 completed (1 late) · 1 not accepted or superseded"
        in table
    )
    assert "LATE     Action R1.1 · Northshire Poli… done 02/04/2024 · 2d late" in table
    assert "OVERDUE  Action R1.2 · Northshire Coun… due 31/03/2024 · 1d overdue" in table
    assert "R2.1" not in table  # not applicable: counted, not listed
    assert "Private" not in table
    csv_text = runner.invoke(main, [*args, "--format", "csv"]).stdout
    found = [r for r in csv.DictReader(io.StringIO(csv_text)) if r["stage"] == "action"]
    assert [(r["label"], r["latest"], r["done"], r["status"], r["days_late"]) for r in found] == [
        ("R1.1 (R1) · Northshire Police", "2024-03-31", "2024-04-02", "late", "2"),
        ("R1.2 (R1) · Northshire Council Children's Services", "2024-03-31", "", "overdue", "1"),
        ("R2.1 (R2) · Northshire Police", "2024-03-31", "", "not_applicable", "0"),
    ]
    assert "Private" not in csv_text
    # every column of the stages' CSV, in its place
    assert {(r["basis"], r["must"], r["must_label"], r["citation"]) for r in found} == {
        ("local default", "False", "should", CITATION)
    }
    assert all(None not in r and None not in r.values() for r in found)
    out = tmp_path / "check.xlsx"
    runner.invoke(main, [*args, "--format", "xlsx", "--output", str(out)])
    wb = load_workbook(out)
    assert wb.sheetnames == ["Stages", "Actions", "Problems"]
    ws = wb["Actions"]
    header = [c.value for c in ws[1]]
    assert header[4:] == [
        "recommendation",
        "action_ref",
        "agency",
        "due",
        "completed",
        "status",
        "days_late",
        "assured",
        "evidence_link",
        "sheet",
        "row",
        "latest",
        "adjustment",
    ]
    first, second, _ = list(ws.iter_rows(min_row=2))
    assert first[header.index("due")].value.date() == D(2024, 3, 31)
    assert first[header.index("status")].value == "late"
    assert second[header.index("completed")].value is None
    # text typed in a sheet is written as text, never as a formula
    result = run_check([SourceSpec(str(path))], D(2024, 4, 1))
    result.reviews[0]["actions"][1]["agency"] = '=HYPERLINK("https://x")'
    write_check_xlsx(result, out)
    agency = list(load_workbook(out)["Actions"].iter_rows(min_row=3))[0][header.index("agency")]
    assert (agency.data_type, agency.value) == ("s", '=HYPERLINK("https://x")')


def test_init_adds_the_actions_sheet_with_drop_downs_date_cells_and_a_guide_section(
    tmp_path: Path,
) -> None:
    from openpyxl import load_workbook

    from tracker.cli.templates import ACTIONS_GUIDE, GUIDE, create_template
    from tracker.frameworks.registry import get_framework

    path = tmp_path / "t.xlsx"
    create_template(path, [get_framework("england-lcspr")])
    wb = load_workbook(path)
    ws = wb["Actions"]
    assert [c.value for c in ws[1]] == HEADERS
    lists = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"]
    assert [(str(dv.sqref).split(":")[0], dv.formula1) for dv in lists] == [
        ("G2", '"Open,Completed,Not accepted,Superseded"')
    ]
    dates = {
        str(dv.sqref).split(":")[0]
        for dv in ws.data_validations.dataValidation
        if dv.type == "date"
    }
    assert dates == {"E2", "F2", "I2"}
    assert ws["E2"].number_format == ws["F2"].number_format == ws["I2"].number_format
    guide = [r[0] for r in wb[GUIDE].iter_rows(values_only=True) if r and r[0]]
    assert ACTIONS_GUIDE[0] in guide and ACTIONS_GUIDE[-1] in guide
    # an empty template reads cleanly: the sheet is optional and has no rows yet
    result = run_check([SourceSpec(str(path))], D(2024, 4, 1))
    assert result.actions == [] and result.problems == []


def test_the_samples_have_actions_overdue_done_late_and_not_accepted() -> None:
    from tests.conftest import SAMPLES
    from tracker.check import check_config
    from tracker.config import load_config

    result = check_config(load_config(SAMPLES / "tracker.toml"), D(2024, 6, 30))
    statuses = {a.status.value for a in result.actions}
    assert {"overdue", "late", "not_applicable", "on_time", "pending"} <= statuses
    assert {a.source.rsplit("/", 1)[-1] for a in result.actions} == {
        "northshire.xlsx",
        "eastmarch.xlsx",
        "glenmoor.xlsx",
    }
    assert not [p for p in result.problems if p.sheet == "Actions"]
    assert "learning subgroup" not in json.dumps(result.to_json())  # the samples' Notes


# --------------------------------------------------------------- pauses and extensions of actions


@pytest.fixture
def run_paused(make_workbook: Callable[..., Path]) -> Callable[..., CheckResult]:
    """An England LCSPR workbook with an Actions sheet and a Pauses and extensions sheet."""
    from tests.test_pauses import pause_rows

    def go(
        actions: list[dict[str, Any]],
        events: list[dict[str, Any]],
        as_of: date,
        board: BoardConfig | None = None,
    ) -> CheckResult:
        path = make_workbook(
            "england-lcspr",
            [REVIEW],
            extra={SPEC.title: action_rows(*actions), "Pauses and extensions": pause_rows(*events)},
        )
        return run_check([SourceSpec(str(path), board)], as_of)

    return go


def test_an_open_pause_of_an_action_stops_its_clock(run_paused: Callable[..., CheckResult]) -> None:
    from tests.test_pauses import pause

    a = action("R1.1", D(2024, 3, 31), status="Open")
    other = action("R1.2", D(2024, 3, 31), status="Open")
    held = pause("P-1", "Action R1.1", D(2024, 3, 1), reason="Criminal proceedings")
    result = run_paused([a, other], [held], D(2024, 4, 10))
    assert result.problems == []
    paused, overdue = actions_of(result)
    assert (paused["status"], paused["days_late"], paused["latest"]) == ("paused", 0, None)
    assert paused["due"] == "2024-03-31"  # the sheet's own date stays visible
    assert paused["adjustments"] == [
        {
            "kind": "pause",
            "from": "2024-03-01",
            "to": None,
            "new_due": None,
            "reason": "Criminal proceedings",
            "agreed_by": None,
            "informed": None,
            "sheet": "Pauses and extensions",
            "row": 2,
        }
    ]
    # the other action of the review, and the review's own stages, are not touched
    assert (overdue["status"], overdue["days_late"], overdue["adjustments"]) == ("overdue", 10, [])
    stages = result.reviews[0]["stages"]
    assert all(s["adjustments"] == [] for s in stages)
    assert result.reviews[0]["assessable"] is True


def test_a_closed_pause_moves_an_actions_due_date_by_the_days_paused(
    run_paused: Callable[..., CheckResult],
) -> None:
    from tests.test_pauses import pause

    # Mon 11 to Fri 22 Mar 2024, both counted: 12 days, so 31/03 moves to 12/04
    held = pause("R1.1", "x", D(2024, 3, 11), D(2024, 3, 22))
    held["review_id"], held["stage"] = "P-1", "action r1.1"  # any case, as typed
    a = action("R1.1", D(2024, 3, 31), completed=D(2024, 4, 12), status="Completed")
    (done,) = actions_of(run_paused([a], [held], D(2024, 5, 1)))
    assert (done["status"], done["days_late"], done["latest"]) == ("on_time", 0, "2024-04-12")
    b = action("R1.1", D(2024, 3, 31), status="Open")
    (late,) = actions_of(run_paused([b], [held], D(2024, 4, 15)))
    assert (late["status"], late["days_late"], late["latest"]) == ("overdue", 3, "2024-04-12")
    (plain,) = actions_of(run_paused([b], [], D(2024, 4, 15)))
    assert (plain["status"], plain["days_late"], plain["latest"]) == ("overdue", 15, "2024-03-31")
    # a board counting its actions in working days has the pause counted in working days too
    board = BoardConfig(
        "Northshire",
        "england",
        (),
        timescales={"actions.completed": "within 0 working days after due"},
    )
    check_overrides(board)
    (working,) = actions_of(run_paused([b], [held], D(2024, 4, 15), board))
    # Sun 31 Mar: the next working day after Easter Monday is Tue 2 Apr; + 10 working days: 16/04
    assert (working["status"], working["latest"]) == ("pending", "2024-04-16")


def test_an_agreed_extension_gives_an_action_a_new_due_date(
    run_paused: Callable[..., CheckResult],
) -> None:
    from tests.test_pauses import extension

    rows = [
        {**action("1", D(2024, 3, 31)), "recommendation": "R1"},
        {**action("1", D(2024, 3, 31)), "recommendation": "R2"},
    ]
    more_time = extension("P-1", "Action 1 (R2)", D(2024, 4, 30), agreed_by="Board chair")
    first, second = actions_of(run_paused(rows, [more_time], D(2024, 4, 15)))
    assert (first["status"], first["days_late"], first["adjustments"]) == ("overdue", 15, [])
    assert (second["status"], second["latest"], second["due"]) == (
        "pending",
        "2024-04-30",
        "2024-03-31",
    )
    assert second["adjustments"][0]["kind"] == "extension"
    assert second["adjustments"][0]["new_due"] == "2024-04-30"
    (late,) = actions_of(
        run_paused(
            [action("R1.1", D(2024, 3, 31), completed=D(2024, 5, 2), status="Completed")],
            [extension("P-1", "R1.1", D(2024, 4, 30))],
            D(2024, 6, 1),
        )
    )
    assert (late["status"], late["days_late"]) == ("late", 2)


def test_each_bad_pause_of_an_action_gives_its_located_problem(
    run_paused: Callable[..., CheckResult],
) -> None:
    from tests.test_pauses import extension, pause

    rows = [
        {**action("1", D(2024, 3, 31)), "recommendation": "R1"},  # row 2
        {**action("1", D(2024, 3, 31)), "recommendation": "R2"},  # row 3
        action("R3.1", D(2024, 3, 31)),  # row 4: its pause ends before it starts
        action("R4.1", D(2024, 3, 31)),  # row 5: an extension that gives no more time
        action("R5.1", D(2024, 3, 31), completed=D(2024, 3, 1), status="Completed"),  # row 6
        action("R6.1", D(2024, 3, 31)),  # row 7: two pauses that overlap
    ]
    events = [
        pause("P-1", "Action 1", D(2024, 3, 1)),  # row 2: which recommendation?
        pause("P-1", "Action R3.1", D(2024, 3, 10), D(2024, 3, 5)),  # row 3
        extension("P-1", "Action R4.1", D(2024, 3, 20)),  # row 4
        pause("P-1", "Action R5.1", D(2024, 3, 10), D(2024, 3, 20)),  # row 5: done before
        pause("P-1", "Action R9.9", D(2024, 3, 10)),  # row 6: no such action
        pause("P-1", "Action R6.1", D(2024, 3, 1), D(2024, 3, 20)),  # row 7
        pause("P-1", "Action R6.1", D(2024, 3, 15)),  # row 8: overlaps row 7
    ]
    result = run_paused(rows, events, D(2024, 4, 2))
    where = {p.type: (p.sheet, p.cell, p.severity) for p in result.problems}
    assert where == {
        "adjustment-ambiguous-action": ("Pauses and extensions", "B2", "error"),
        "pause-ends-before-start": ("Pauses and extensions", "F3", "error"),
        "extension-not-later": ("Pauses and extensions", "G4", "error"),
        "pause-stage-done": ("Pauses and extensions", "E5", "warning"),
        "adjustment-unknown-stage": ("Pauses and extensions", "B6", "error"),
        "pause-overlap": ("Pauses and extensions", "E8", "error"),
    }
    by_type = {p.type: p for p in result.problems}
    assert "Action 1 (R1), Action 1 (R2)" in by_type["adjustment-ambiguous-action"].message
    assert "Action R5.1 01/03/2024" in by_type["pause-stage-done"].message
    assert "or an action on the Actions sheet" in by_type["adjustment-unknown-stage"].message
    # an action whose pause or extension is wrong is left out until it is fixed (a deadline
    # with it ignored would be a guess), both candidates of an ambiguous name too; the others
    # still count
    found = {a["row"]: a["status"] for a in actions_of(result)}
    assert found == {6: "on_time"}
    # a Stage naming neither a stage nor an action blocks its review, as for any pause
    assert result.reviews[0]["assessable"] is False
    # a bad row naming an action leaves the review's own stages assessed
    alone = run_paused(rows[:2], events[:1], D(2024, 4, 2))
    assert [p.type for p in alone.problems] == ["adjustment-ambiguous-action"]
    assert alone.reviews[0]["assessable"] is True and actions_of(alone) == []


def test_check_outputs_show_an_actions_pause_and_extension(
    make_workbook: Callable[..., Path], tmp_path: Path
) -> None:
    import csv
    import io

    from click.testing import CliRunner
    from openpyxl import load_workbook

    from tests.test_pauses import extension, pause, pause_rows
    from tracker.cli import main

    actions = action_rows(
        action("R1.1", D(2024, 3, 31)),
        action("R1.2", D(2024, 3, 31)),
    )
    events = pause_rows(
        pause("P-1", "Action R1.1", D(2024, 3, 1), reason="Inquest"),
        extension("P-1", "Action R1.2", D(2024, 4, 30), agreed_by="Board chair"),
    )
    path = make_workbook(
        "england-lcspr", [REVIEW], extra={SPEC.title: actions, "Pauses and extensions": events}
    )
    runner = CliRunner()
    args = ["check", str(path), "--as-of", "2024-04-15"]
    table = runner.invoke(main, args).stdout
    assert "paused   Action R1.1 · Northshire Poli… paused since 01/03/2024 (Inquest)\n" in table
    assert "pending  Action R1.2 · Northshire Poli… due by 30/04/2024\n" in table
    assert "0 overdue · 2 open" in table
    csv_text = runner.invoke(main, [*args, "--format", "csv"]).stdout
    found = [r for r in csv.DictReader(io.StringIO(csv_text)) if r["stage"] == "action"]
    assert [(r["status"], r["latest"], r["original_latest"], r["adjustments"]) for r in found] == [
        (
            "paused",
            "",
            "2024-03-31",
            "paused since 01/03/2024 (Inquest); originally due 31/03/2024",
        ),
        (
            "pending",
            "2024-04-30",
            "2024-03-31",
            "extended to 30/04/2024 (agreed with Board chair); originally due 31/03/2024",
        ),
    ]
    out = tmp_path / "check.xlsx"
    runner.invoke(main, [*args, "--format", "xlsx", "--output", str(out)])
    ws = load_workbook(out)["Actions"]
    header = [c.value for c in ws[1]]
    paused, extended = (
        {h: c.value for h, c in zip(header, row, strict=True)} for row in ws.iter_rows(min_row=2)
    )
    assert (paused["status"], paused["latest"]) == ("paused", None)
    assert extended["latest"].date() == D(2024, 4, 30)
    assert extended["due"].date() == D(2024, 3, 31)
    assert extended["adjustment"].startswith("extended to 30/04/2024")


@pytest.mark.parametrize(
    ("field", "cell"),
    [("review_id", "A2"), ("recommendation", "B2"), ("action_ref", "C2"), ("due", "E2")],
)
def test_each_required_cell_left_blank_is_located(
    run: Callable[..., CheckResult], field: str, cell: str
) -> None:
    blank = {**action("R1.1", D(2024, 3, 31)), field: None}
    result = run([blank, action("R1.2", D(2024, 3, 31))], D(2024, 4, 2))
    assert [(p.type, p.sheet, p.cell, p.severity) for p in result.problems] == [
        ("missing-required", "Actions", cell, "error")
    ]
    assert [a["action_ref"] for a in actions_of(result)] == ["R1.2"]  # the rest still counts


def test_a_completed_date_with_a_blank_status_is_located(
    run: Callable[..., CheckResult],
) -> None:
    rows = [action("R1.1", D(2024, 3, 31), completed=D(2024, 3, 30))]
    (problem,) = run(rows, D(2024, 4, 2)).problems
    assert (problem.type, problem.cell, problem.value) == (
        "action-completed-not-closed",
        "G2",
        "blank",
    )


def test_an_actions_sheet_without_a_required_column_is_named(
    make_workbook: Callable[..., Path],
) -> None:
    headers = [h for h in HEADERS if h != "Agency"]
    rows = [headers, ["P-1", "R1", "R1.1", D(2024, 3, 31)]]
    path = make_workbook("england-lcspr", [REVIEW], extra={SPEC.title: rows})
    result = run_check([SourceSpec(str(path))], D(2024, 4, 2))
    assert [(p.type, p.sheet, p.column) for p in result.problems] == [
        ("missing-column", "Actions", "Agency")
    ]
    assert result.actions == [] and result.reviews[0]["assessable"] is True
