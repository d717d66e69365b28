"""Each frameworks.md change of the compliance-figures issue, seen through ``tracker check --format
json`` (and ``tracker frameworks`` for what only the rule list shows) on real workbooks: new columns
and rules, citations, a date condition, basis and must/should changes, in-force windows, counting."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from openpyxl import load_workbook

from tests.conftest import framework_rows, write_workbook
from tracker.cli import main

D = date


def check_json(runner: CliRunner, *args: str, as_of: str = "2024-06-30") -> dict[str, Any]:
    result = runner.invoke(
        main, ["check", *args, "--as-of", as_of, "--format", "json"], catch_exceptions=False
    )
    assert result.exit_code in (0, 1), result.output
    doc: dict[str, Any] = json.loads(result.stdout)
    return doc


def stages_of(doc: dict[str, Any], review_id: str) -> dict[str, dict[str, Any]]:
    review = next(r for r in doc["reviews"] if r["review_id"] == review_id)
    assert review["assessable"] is True
    return {s["id"]: s for s in review["stages"]}


def rules_of(runner: CliRunner, framework_id: str, stage: str) -> list[dict[str, Any]]:
    result = runner.invoke(main, ["frameworks", "--format", "json"], catch_exceptions=False)
    fw = next(f for f in json.loads(result.stdout) if f["id"] == framework_id)
    rules: list[dict[str, Any]] = next(s for s in fw["stages"] if s["id"] == stage)["rules"]
    return rules


def not_in_force(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [p for p in doc["problems"] if p["type"] == "framework-not-in-force"]


# ---- England SCR: ofsted_notified -----------------------------------------------------------------


def test_england_scr_ofsted_notified_is_due_5_working_days_after_the_la_became_aware(
    runner: CliRunner, make_workbook: Callable[..., Path]
) -> None:
    path = make_workbook(
        "england-scr",
        [
            # Fri 1 Feb 2019 + 5 working days = Fri 8 Feb; told Ofsted Mon 11 Feb: 3 days late
            {"review_id": "S-1", "la_aware": D(2019, 2, 1), "notified": D(2019, 2, 4),
             "ofsted_notified": D(2019, 2, 11)},
            {"review_id": "S-2", "la_aware": D(2019, 2, 1), "notified": D(2019, 2, 4)},
        ],
    )  # fmt: skip
    doc = check_json(runner, str(path), as_of="2019-02-20")
    late = stages_of(doc, "S-1")["ofsted_notified"]
    assert (late["label"], late["latest"], late["status"], late["days_late"]) == (
        "Date Ofsted notified",
        "2019-02-08",
        "late",
        3,
    )
    assert (late["basis"], late["must"], late["must_label"]) == (
        "statutory guidance",
        False,
        "should",
    )
    assert late["source"].startswith("WT 2015 ch. 4: the local authority should report")
    assert stages_of(doc, "S-2")["ofsted_notified"]["status"] == "overdue"


def test_tracker_init_adds_the_new_columns_to_an_existing_workbook(
    runner: CliRunner, tmp_path: Path
) -> None:
    old = {
        "England SCR": [["Review ID", "Date LA became aware", "Date notified to LSCB"], ["S-1"]],
        "England LCSPR": [["Review ID", "Date LA became aware"], ["L-1"]],
        "Scotland SCR": [["Review ID", "Date notified to CPC"], ["G-1"]],
    }
    path = write_workbook(tmp_path / "old.xlsx", old)
    for fid in ("england-scr", "england-lcspr", "scotland-scr"):
        result = runner.invoke(main, ["init", str(path), "--framework", fid])
        assert result.exit_code == 0, result.output
    wb = load_workbook(path)
    headers = {ws.title: [c.value for c in ws[1]] for ws in wb.worksheets}
    assert "Date Ofsted notified" in headers["England SCR"]
    assert {"Child looked after", "Date Secretary of State and Ofsted notified"} <= set(
        headers["England LCSPR"]
    )
    assert "Date ICR notification sent to CPC lead" in headers["Scotland SCR"]
    assert wb["England SCR"]["A2"].value == "S-1"  # the officers' data stays


# ---- Wales CPR: citations ------------------------------------------------------------------------


def test_wales_cpr_cites_si_2006_1705_reg_4a_as_inserted_and_the_2015_regulations(
    runner: CliRunner, make_workbook: Callable[..., Path]
) -> None:
    path = make_workbook(
        "wales-cpr",
        [{"review_id": "W-1", "referred": D(2023, 3, 1), "cp_or_lac_6m": "Yes",
          "decision": D(2023, 3, 20), "decision_outcome": "Concise CPR"}],
    )  # fmt: skip
    stage = stages_of(check_json(runner, str(path)), "W-1")["decision_outcome"]
    assert stage["status"] == "not_met"
    assert stage["source"] == (
        "SI 2006/1705 reg 4A (inserted by SI 2012/1712 reg 3); from 6 Apr 2016 the Safeguarding "
        "Boards (Functions and Procedures) (Wales) Regulations 2015"
    )
    assert (stage["basis"], stage["must_label"]) == ("statute", "must")


# ---- Scotland SCR: icr_notification_sent and ci_notified by outcome and date ----------------------


def test_scotland_scr_icr_notification_within_7_calendar_days_even_onto_a_weekend(
    runner: CliRunner, make_workbook: Callable[..., Path]
) -> None:
    path = make_workbook(
        "scotland-scr",
        [
            {"review_id": "G-1", "notified": D(2021, 4, 3)},  # Sat + 7 days = Sat 10 Apr
            {
                "review_id": "G-2",
                "notified": D(2021, 4, 3),
                "icr_notification_sent": D(2021, 4, 12),
            },
        ],
    )
    doc = check_json(runner, str(path), as_of="2021-04-12")
    overdue = stages_of(doc, "G-1")["icr_notification_sent"]
    assert (overdue["latest"], overdue["status"], overdue["days_late"]) == (
        "2021-04-10",
        "overdue",
        2,
    )
    assert (overdue["basis"], overdue["must_label"]) == ("national guidance", "should")
    assert stages_of(doc, "G-2")["icr_notification_sent"]["status"] == "late"


def test_scotland_scr_ci_notified_of_no_scr_only_for_decisions_from_1_june_2017(
    runner: CliRunner, make_workbook: Callable[..., Path]
) -> None:
    base = {"notified": D(2017, 3, 1), "icr_completed": D(2017, 3, 20)}
    path = make_workbook(
        "scotland-scr",
        [
            {**base, "review_id": "G-1", "decision": D(2017, 5, 31), "decision_outcome": "No SCR"},
            {**base, "review_id": "G-2", "decision": D(2017, 6, 1), "decision_outcome": "No SCR"},
            {**base, "review_id": "G-3", "decision": D(2017, 5, 2), "decision_outcome": "Proceed to SCR"},
            {**base, "review_id": "G-4", "decision_outcome": "No SCR"},
            {**base, "review_id": "G-5", "decision": D(2017, 6, 2), "decision_outcome": "No SCR",
             "ci_notified": D(2017, 6, 5)},
        ],
    )  # fmt: skip
    doc = check_json(runner, str(path), as_of="2017-07-01")
    status = {
        rid: stages_of(doc, rid)["ci_notified"] for rid in ("G-1", "G-2", "G-3", "G-4", "G-5")
    }
    assert {rid: s["status"] for rid, s in status.items()} == {
        "G-1": "not_applicable",  # an ICR decided before the Care Inspectorate collated them
        "G-2": "pending",
        "G-3": "pending",
        "G-4": "waiting",  # no decision date: whether the rule applies is not known yet
        "G-5": "on_time",
    }
    assert (
        status["G-2"]["source"]
        == "the Care Inspectorate collates initial case reviews from June 2017"
    )
    assert status["G-3"]["source"] == "the Care Inspectorate collates SCRs (from April 2012)"
    rules = rules_of(runner, "scotland-scr", "ci_notified")
    assert [r["applies_text"] for r in rules] == [
        "Proceed to SCR",
        "No SCR, and decision on or after 1 Jun 2017",
    ]
    assert rules[1]["applies_dated"] == {
        "field": "decision",
        "on_or_after": "2017-06-01",
        "before": None,
    }


# ---- England LCSPR: looked_after, sos_ofsted_notified, decision, partners_notified ----------------


def test_lcspr_secretary_of_state_and_ofsted_for_a_looked_after_child_is_a_must(
    runner: CliRunner, make_workbook: Callable[..., Path]
) -> None:
    aware = D(2023, 12, 23)  # Saturday: 5 working days after is Wed 3 Jan 2024
    path = make_workbook(
        "england-lcspr",
        [
            {"review_id": "L-1", "la_aware": aware, "looked_after": "Yes"},
            {"review_id": "L-2", "la_aware": aware, "looked_after": "No"},
            {"review_id": "L-3", "la_aware": aware},
        ],
    )
    doc = check_json(runner, str(path), as_of="2024-01-05")
    yes = stages_of(doc, "L-1")["sos_ofsted_notified"]
    assert (yes["latest"], yes["status"], yes["days_late"]) == ("2024-01-03", "overdue", 2)
    assert (yes["basis"], yes["must"], yes["must_label"]) == ("statutory guidance", True, "must")
    assert yes["source"].startswith('GOV.UK "Report a serious child safeguarding incident"')
    assert stages_of(doc, "L-2")["sos_ofsted_notified"]["status"] == "not_applicable"
    assert stages_of(doc, "L-3")["sos_ofsted_notified"]["status"] == "waiting"
    panel = stages_of(doc, "L-1")["panel_notified"]
    assert (panel["must"], panel["must_label"]) == (False, "must (notify) / should (5 days)")
    assert rules_of(runner, "england-lcspr", "sos_ofsted_notified")[0]["applies_text"] == (
        "looked_after is yes"
    )


def test_lcspr_decision_is_national_guidance_within_15_working_days_of_the_panel_notification(
    runner: CliRunner, make_workbook: Callable[..., Path]
) -> None:
    path = make_workbook(
        "england-lcspr",
        [{"review_id": "L-1", "la_aware": D(2024, 1, 2), "panel_notified": D(2024, 1, 3),
          "rapid_review_completed": D(2024, 1, 20), "decision": D(2024, 1, 26),
          "decision_outcome": "No review"}],
    )  # fmt: skip
    decision = stages_of(check_json(runner, str(path)), "L-1")["decision"]
    # 15 working days after Wed 3 Jan 2024 is Wed 24 Jan; not before the rapid review (20 Jan)
    assert (decision["earliest"], decision["latest"]) == ("2024-01-20", "2024-01-24")
    assert (decision["status"], decision["days_late"]) == ("late", 2)
    assert (decision["basis"], decision["must"], decision["must_label"]) == (
        "national guidance",
        False,
        "should",
    )
    rules = rules_of(runner, "england-lcspr", "decision")
    assert [(r["text"], r["basis"], r["must_label"], r["confidence"]) for r in rules] == [
        ("after rapid_review_completed", "national guidance", "should", "secondary"),
        ("within 15 working days after panel_notified", "national guidance", "should", "secondary"),
    ]
    partners = rules_of(runner, "england-lcspr", "partners_notified")[0]
    assert partners["confidence"] == "confirmed"
    assert "GOV.UK" in partners["citation"]


# ---- Scotland LR and Wales SUSR: basis, must/should and confidence --------------------------------


def test_scotland_lr_outcome_notification_is_a_local_default_to_confirm(
    runner: CliRunner, make_workbook: Callable[..., Path]
) -> None:
    path = make_workbook(
        "scotland-lr",
        [{"review_id": "G-1", "notified": D(2023, 1, 5), "decision": D(2023, 1, 20),
          "decision_outcome": "Learning review", "reviewer_appointed": D(2023, 2, 1),
          "completed": D(2023, 6, 1), "cog_ratified": D(2023, 6, 10)}],
    )  # fmt: skip
    stages = stages_of(check_json(runner, str(path)), "G-1")
    outcome = stages["ci_outcome_notified"]
    assert (outcome["latest"], outcome["status"], outcome["basis"]) == (
        "2023-06-17",
        "overdue",
        "local default",
    )
    assert rules_of(runner, "scotland-lr", "ci_outcome_notified")[0]["confidence"] == "to confirm"
    assert rules_of(runner, "scotland-lr", "reviewer_appointed")[0]["confidence"] == "secondary"


def test_wales_susr_decision_is_a_should_and_the_learning_event_secondary(
    runner: CliRunner, make_workbook: Callable[..., Path]
) -> None:
    path = make_workbook(
        "wales-susr",
        [{"review_id": "W-1", "referred": D(2024, 10, 7), "crg_meeting": D(2024, 10, 20)}],
    )
    decision = stages_of(check_json(runner, str(path), as_of="2024-11-01"), "W-1")["decision"]
    assert (decision["basis"], decision["must"], decision["must_label"]) == (
        "statutory guidance",
        False,
        "should",
    )
    assert rules_of(runner, "wales-susr", "learning_event")[0]["confidence"] == "secondary"


# ---- in force --------------------------------------------------------------------------------------


def test_a_wales_cpr_referred_after_susr_began_warns_and_is_still_assessed(
    runner: CliRunner, make_workbook: Callable[..., Path]
) -> None:
    path = make_workbook(
        "wales-cpr",
        [
            {"review_id": "W-1", "referred": "03/11/2024"},
            {"review_id": "W-2", "referred": "30/09/2024"},  # begun before: stays a CPR
        ],
    )
    doc = check_json(runner, str(path), as_of="2024-11-10")
    (warning,) = not_in_force(doc)
    assert warning["message"] == (
        "referred 03/11/2024, after SUSR replaced CPR on 01/10/2024: new reviews belong on the "
        "Wales SUSR sheet"
    )
    assert (warning["severity"], warning["sheet"], warning["cell"], warning["review_id"]) == (
        "warning",
        "Wales CPR",
        "E2",
        "W-1",
    )
    assert warning["column"] == "Date referral received" and "Wales SUSR" in warning["fix"]
    assert stages_of(doc, "W-1")["decision"]["latest"] == "2024-12-03"


def test_an_england_scr_notified_in_the_transition_stays_valid_one_after_it_warns(
    runner: CliRunner, make_workbook: Callable[..., Path]
) -> None:
    path = make_workbook(
        "england-scr",
        [
            {"review_id": "S-1", "notified": "01/07/2018"},
            {"review_id": "S-2", "notified": "01/10/2019"},
        ],
    )
    doc = check_json(runner, str(path), as_of="2019-10-05")
    (warning,) = not_in_force(doc)
    assert warning["review_id"] == "S-2"
    assert warning["message"].startswith("notified 01/10/2019, after LCSPRs replaced SCRs")
    assert warning["message"].endswith("new reviews belong on the England LCSPR sheet")
    assert stages_of(doc, "S-2")["decision"]["status"] == "pending"


def test_a_review_begun_before_its_framework_names_the_predecessor(
    runner: CliRunner, make_workbook: Callable[..., Path]
) -> None:
    lcspr = make_workbook("england-lcspr", [{"review_id": "L-1", "la_aware": D(2018, 6, 1)}])
    susr = make_workbook(
        "wales-susr", [{"review_id": "W-1", "referred": D(2024, 9, 30)}], name="w.xlsx"
    )
    ni = make_workbook("ni-cmr", [{"review_id": "N-1", "notified": D(2012, 8, 31)}], name="n.xlsx")
    ok = make_workbook("ni-cmr", [{"review_id": "N-2", "notified": D(2012, 9, 1)}], name="o.xlsx")
    doc = check_json(runner, str(lcspr), str(susr), str(ni), str(ok))
    messages = {p["review_id"]: p["message"] for p in not_in_force(doc)}
    assert messages == {
        "L-1": "LA became aware 01/06/2018, before LCSPRs began on 29/06/2018 (SI 2018/789): "
        "reviews begun then belong on the England SCR sheet",
        "W-1": "referred 30/09/2024, before SUSR replaced CPR on 01/10/2024: reviews begun then "
        "belong on the Wales CPR sheet",
        "N-1": "notified 31/08/2012, before the SBNI took over case management reviews on 01/09/2012",
    }


# ---- counting, end to end with a board's [boards.counting] -------------------------------------


def _board(
    tmp_path: Path, nation: str, source: str, counting: str = "", timescales: str = ""
) -> str:
    cfg = tmp_path / "tracker.toml"
    text = f'[[boards]]\nname = "B"\nnation = "{nation}"\nsources = ["{source}"]\n'
    if counting:
        text += f"\n[boards.counting]\n{counting}\n"
    if timescales:
        text += f"\n[boards.timescales]\n{timescales}\n"
    cfg.write_text(text, encoding="utf-8")
    return str(cfg)


MOVE_START = 'start_on_non_working_day = "move to next working day"'
MOVE_DEADLINE = 'deadline_on_non_working_day = "move to next working day"'


def test_working_days_from_a_saturday_by_default_and_by_a_local_procedure(
    runner: CliRunner, tmp_path: Path
) -> None:
    write_workbook(
        tmp_path / "b.xlsx",
        {"England LCSPR": framework_rows("england-lcspr", [
            {"review_id": "L-1", "la_aware": D(2024, 1, 6)},
            {"review_id": "L-2", "la_aware": D(2023, 12, 23)},
            {"review_id": "L-3", "la_aware": D(2023, 12, 1), "decision_outcome": "Local review",
             "published": D(2024, 1, 13)},
        ])},
    )  # fmt: skip
    timescale = '"england-lcspr.report_sent" = "at least 1 working day before published"'
    national = check_json(
        runner, "--config", _board(tmp_path, "england", "b.xlsx", timescales=timescale)
    )
    local = check_json(
        runner, "--config", _board(tmp_path, "england", "b.xlsx", MOVE_START, timescale)
    )
    latest = {
        name: {rid: stages_of(doc, rid)["panel_notified"]["latest"] for rid in ("L-1", "L-2")}
        for name, doc in (("national", national), ("local", local))
    }
    assert latest == {
        "national": {"L-1": "2024-01-12", "L-2": "2024-01-03"},
        "local": {"L-1": "2024-01-15", "L-2": "2024-01-04"},
    }
    back = [stages_of(doc, "L-3")["report_sent"]["latest"] for doc in (national, local)]
    assert back == ["2024-01-12", "2024-01-11"]
    source = stages_of(local, "L-1")["panel_notified"]["source"]
    assert "counted by local procedure: a start on a non-working day moves" in source
    assert (
        "counted by local procedure" not in stages_of(national, "L-1")["panel_notified"]["source"]
    )


def test_a_one_month_deadline_on_a_sunday_stays_unless_the_board_moves_it(
    runner: CliRunner, tmp_path: Path
) -> None:
    write_workbook(
        tmp_path / "w.xlsx",
        {
            "Wales CPR": framework_rows(
                "wales-cpr", [{"review_id": "W-1", "referred": D(2024, 5, 30)}]
            )
        },
    )
    national = check_json(runner, "--config", _board(tmp_path, "wales", "w.xlsx"))
    local = check_json(runner, "--config", _board(tmp_path, "wales", "w.xlsx", MOVE_DEADLINE))
    assert stages_of(national, "W-1")["decision"]["latest"] == "2024-06-30"  # Sunday
    moved = stages_of(local, "W-1")["decision"]
    assert moved["latest"] == "2024-07-01"
    assert "a deadline on a non-working day moves to the next working day" in moved["source"]
    result = runner.invoke(
        main, ["frameworks", "--format", "json", "--config", str(tmp_path / "tracker.toml")]
    )
    cpr = next(f for f in json.loads(result.stdout) if f["id"] == "wales-cpr")
    assert cpr["local_counting"][0]["board"] == "B"
    assert "next working day" in cpr["local_counting"][0]["counting"]


def test_an_unknown_counting_option_is_named(runner: CliRunner, tmp_path: Path) -> None:
    cfg = _board(tmp_path, "wales", "w.xlsx", 'start_on_non_working_day = "skip it"')
    result = runner.invoke(main, ["check", "--config", cfg])
    assert result.exit_code == 2
    assert "boards[0].counting.start_on_non_working_day" in result.output
    assert '"count from it" or "move to next working day"' in result.output


# ---- another nation's sheet ------------------------------------------------------------------------


def test_a_scotland_lr_sheet_in_an_english_boards_workbook_is_assessed_with_the_warning(
    runner: CliRunner, tmp_path: Path
) -> None:
    write_workbook(
        tmp_path / "e.xlsx",
        {
            "England LCSPR": framework_rows(
                "england-lcspr", [{"review_id": "E-1", "la_aware": D(2024, 1, 2)}]
            ),
            "Scotland LR": framework_rows(
                "scotland-lr", [{"review_id": "S-1", "notified": D(2024, 5, 1)}]
            ),
        },
    )
    doc = check_json(runner, "--config", _board(tmp_path, "england", "e.xlsx"))
    scottish = next(r for r in doc["reviews"] if r["review_id"] == "S-1")
    assert (scottish["framework"], scottish["board"], scottish["assessable"]) == (
        "scotland-lr",
        "B",
        True,
    )
    assert stages_of(doc, "S-1")["decision"]["latest"] == "2024-05-29"
    (warning,) = [p for p in doc["problems"] if p["type"] == "wrong-nation-sheet"]
    assert (
        warning["sheet"] == "Scotland LR"
        and "assessed in scotland's calendar" in warning["message"]
    )


def test_tracker_frameworks_shows_each_window_and_a_boards_local_counting(
    runner: CliRunner, tmp_path: Path
) -> None:
    cfg = _board(tmp_path, "wales", "w.xlsx", MOVE_DEADLINE)
    out = runner.invoke(main, ["frameworks", "--config", cfg], catch_exceptions=False).stdout
    cpr = out.split("wales-cpr  ·", 1)[1].split("\n\n", 1)[0]
    assert "in force (new reviews, by referred) until 30/09/2024 · after: Wales SUSR" in cpr
    assert "counting at B: local counting: a calendar deadline on a non-working day moves" in cpr
    # the stage whose deadline the board counts differently is listed with the note
    assert "Date of Chair's decision at B: within 1 month after Date referral received" in cpr
    assert "counted by local procedure" in cpr
