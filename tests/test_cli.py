"""The command line as people and scripts use it: shapes, exit codes, and bad input never a traceback."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from openpyxl import load_workbook

from tests.conftest import ROOT, SAMPLES, write_workbook
from tracker.cli import main
from tracker.model import Status

D = date
SAMPLE_FILES = sorted(str(p) for p in SAMPLES.glob("*.xlsx"))


def invoke(runner: CliRunner, *args: str) -> Any:
    return runner.invoke(main, list(args), catch_exceptions=False)


def test_check_on_the_samples_prints_the_design_shape_with_every_status(runner: CliRunner) -> None:
    result = invoke(runner, "check", *SAMPLE_FILES, "--as-of", "2024-06-30", "--format", "json")
    doc = json.loads(result.stdout)
    assert doc["as_of"] == "2024-06-30"
    assert set(doc) == {"as_of", "reviews", "problems"}
    review_keys = {
        "source",
        "sheet",
        "row",
        "review_id",
        "board",
        "framework",
        "assessable",
        "stages",
    }
    stage_keys = {
        "id",
        "label",
        "done",
        "earliest",
        "latest",
        "status",
        "days_late",
        "basis",
        "must",
        "source",
    }
    problem_keys = {
        "source",
        "sheet",
        "cell",
        "row",
        "column",
        "review_id",
        "value",
        "type",
        "severity",
        "message",
    }
    for review in doc["reviews"]:
        assert review_keys <= set(review)
        for stage in review["stages"]:
            assert stage_keys <= set(stage)
            assert isinstance(stage["days_late"], int)
    for problem in doc["problems"]:
        assert problem_keys <= set(problem)
    seen = {s["status"] for r in doc["reviews"] for s in r["stages"]}
    assert seen == {s.value for s in Status}
    assert {r["framework"] for r in doc["reviews"]} >= {
        "england-scr",
        "wales-cpr",
        "ni-cmr",
        "scotland-scr",
    }
    boards = {r["board"] for r in doc["reviews"]}
    assert len(boards) >= 4 and None not in boards
    assert any(not r["assessable"] for r in doc["reviews"])
    assert result.exit_code == 1  # overdue stages and data problems in the samples


def test_every_sample_board_has_a_dozen_reviews_or_more(runner: CliRunner) -> None:
    doc = json.loads(
        invoke(runner, "check", *SAMPLE_FILES, "--as-of", "2024-06-30", "--format", "json").stdout
    )
    per_board: dict[str, int] = {}
    for r in doc["reviews"]:
        per_board[r["board"]] = per_board.get(r["board"], 0) + 1
    assert min(per_board.values()) >= 12


def test_the_samples_are_what_the_generator_makes(tmp_path: Path) -> None:
    sys.path.insert(0, str(SAMPLES))
    try:
        import generate  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(SAMPLES))
    for made in generate.build(tmp_path):
        shipped = load_workbook(SAMPLES / made.name)
        fresh = load_workbook(made)
        for ws in fresh.worksheets:
            a = [[c.value for c in row] for row in ws.iter_rows()]
            b = [[c.value for c in row] for row in shipped[ws.title].iter_rows()]
            assert a == b, f"{made.name}!{ws.title} differs: run make samples"


def test_the_table_fits_a_100_column_terminal_and_puts_overdue_first(runner: CliRunner) -> None:
    out = invoke(runner, "check", *SAMPLE_FILES, "--as-of", "2024-06-30").stdout
    assert max(len(line) for line in out.splitlines()) <= 100
    assert out.index("OVERDUE") < out.index("LATE")
    assert "Northshire LSCB" in out


def test_csv_has_one_row_per_stage(runner: CliRunner, make_workbook: Callable[..., Path]) -> None:
    path = make_workbook("ni-cmr", [{"review_id": "N-1", "notified": D(2024, 1, 1)}])
    out = invoke(runner, "check", str(path), "--as-of", "2024-06-30", "--format", "csv").stdout
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["stage"] for r in rows] == [
        "panel_considered",
        "decision",
        "reviewer_appointed",
        "completed",
        "summary_published",
    ]
    assert rows[0]["status"] == "overdue" and rows[0]["latest"] == "2024-02-01"


def test_xlsx_output_needs_a_file_and_writes_stages_and_problems(
    runner: CliRunner, make_workbook: Callable[..., Path], tmp_path: Path
) -> None:
    path = make_workbook(
        "ni-cmr",
        [
            {"review_id": "N-1", "notified": "13/13/2024"},
            {"review_id": "N-2", "notified": D(2024, 1, 1)},
        ],
    )
    assert runner.invoke(main, ["check", str(path), "--format", "xlsx"]).exit_code == 2
    out = tmp_path / "out.xlsx"
    invoke(
        runner,
        "check",
        str(path),
        "--as-of",
        "2024-06-30",
        "--format",
        "xlsx",
        "--output",
        str(out),
    )
    wb = load_workbook(out)
    stages = list(wb["Stages"].values)
    assert stages[0][:4] == ("source", "sheet", "row", "review_id")
    assert any(r[3] == "N-2" and r[12] == "overdue" for r in stages[1:])
    problems = list(wb["Problems"].values)
    assert problems[1][2] == "F2" and problems[1][7] == "impossible-date"


def test_exit_codes(runner: CliRunner, make_workbook: Callable[..., Path], tmp_path: Path) -> None:
    clean = make_workbook(
        "ni-cmr",
        [{"review_id": "N-1", "notified": D(2024, 1, 1), "panel_considered": D(2024, 1, 20)}],
        name="clean.xlsx",
    )
    assert invoke(runner, "check", str(clean), "--as-of", "2024-01-25").exit_code == 0
    # the decision has no deadline of its own; nothing is overdue, no problems
    overdue = make_workbook(
        "ni-cmr", [{"review_id": "N-1", "notified": D(2024, 1, 1)}], name="o.xlsx"
    )
    assert invoke(runner, "check", str(overdue), "--as-of", "2024-06-30").exit_code == 1
    assert invoke(runner, "check", str(tmp_path / "missing.xlsx")).exit_code == 2
    assert runner.invoke(main, ["check", str(clean), "--as-of", "30/06/2024"]).exit_code == 2
    assert runner.invoke(main, ["check", "--format", "pdf", str(clean)]).exit_code == 2
    assert invoke(runner, "validate", str(clean), "--as-of", "2024-06-30").exit_code == 0


def test_bad_sources_get_one_line_each_and_the_rest_are_still_checked(
    runner: CliRunner, make_workbook: Callable[..., Path], tmp_path: Path
) -> None:
    good = make_workbook("scotland-scr", [{"review_id": "S-1", "notified": D(2024, 1, 1)}])
    corrupt = tmp_path / "corrupt.xlsx"
    corrupt.write_bytes(good.read_bytes()[:700])
    not_a_workbook = tmp_path / "notes.xlsx"
    not_a_workbook.write_text("this is not a spreadsheet\n")
    no_sheets = write_workbook(tmp_path / "other.xlsx", {"Budget": [["Item", "Cost"], ["Pens", 3]]})
    missing_column = write_workbook(
        tmp_path / "nocol.xlsx",
        {"Scotland SCR": [["Review ID", "Date of decision on SCR"], ["S-9", "01/02/2024"]]},
    )
    bad_date = make_workbook(
        "scotland-scr", [{"review_id": "S-2", "notified": "01/31/2024"}], name="baddate.xlsx"
    )
    result = runner.invoke(
        main,
        [
            "check",
            str(corrupt),
            str(not_a_workbook),
            str(no_sheets),
            str(missing_column),
            str(bad_date),
            str(good),
            "--as-of",
            "2024-06-30",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("tracker: error:")]
    assert len(errors) == 3
    assert any(str(corrupt) in e and "corrupt" in e for e in errors)
    assert any(str(not_a_workbook) in e and "text or CSV file" in e for e in errors)
    assert any(str(no_sheets) in e and "none of the sheets" in e for e in errors)
    doc = json.loads(result.stdout)
    by_id = {r["review_id"]: r for r in doc["reviews"]}
    assert by_id["S-1"]["assessable"] and by_id["S-1"]["stages"]
    assert by_id["S-9"]["assessable"] is False  # the required column is missing
    assert by_id["S-2"]["assessable"] is False
    types = {(p["source"], p["type"]) for p in doc["problems"]}
    assert (str(missing_column), "missing-column") in types
    assert (str(bad_date), "us-date-order") in types
    us = next(p for p in doc["problems"] if p["type"] == "us-date-order")
    assert (us["sheet"], us["cell"], us["row"], us["value"]) == (
        "Scotland SCR",
        "E2",
        2,
        "01/31/2024",
    )
    assert "31/01/2024" in us["fix"]


def test_the_installed_console_script_runs() -> None:
    exe = Path(sys.executable).parent / "tracker"
    out = subprocess.run(
        [str(exe), "frameworks", "--format", "json"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    ids = [f["id"] for f in json.loads(out.stdout)]
    assert "england-scr" in ids


def test_frameworks_table_shows_basis_must_and_citation(runner: CliRunner) -> None:
    out = invoke(runner, "frameworks").stdout
    assert "Decision date: within 1 month after Date notified to LSCB" in out
    assert "should · statutory guidance · confirmed · WT 2015 ch. 4" in out
    assert "SI 2012/1712 reg 4A" in out


def test_init_then_validate_reports_no_problems(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "new.xlsx"
    out = invoke(
        runner, "init", str(path), "--framework", "england-scr", "--framework", "wales-cpr"
    )
    assert out.exit_code == 0
    result = invoke(runner, "validate", str(path), "--format", "json")
    doc = json.loads(result.stdout)
    assert result.exit_code == 0 and doc["valid"] and doc["problems"] == []
    assert {s["sheet"] for s in doc["sheets"]} == {"England SCR", "Wales CPR"}
    wb = load_workbook(path)
    assert wb.sheetnames == ["England SCR", "Wales CPR", "Pauses and extensions", "Guide"]
    ws = wb["England SCR"]
    assert ws.freeze_panes == "B2"
    assert ws["H2"].number_format == "DD/MM/YYYY"  # Decision date
    lists = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"]
    assert any(dv.formula1 == '"Initiate SCR,Do not initiate"' for dv in lists)
    assert any(dv.formula1 == '"Yes,No"' for dv in lists)


def test_init_with_an_unknown_framework_is_a_usage_error(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(main, ["init", str(tmp_path / "x.xlsx"), "--framework", "mars-scr"])
    assert result.exit_code == 2 and "unknown framework 'mars-scr'" in result.stderr


def test_notes_never_reach_any_output(
    runner: CliRunner, make_workbook: Callable[..., Path], tmp_path: Path
) -> None:
    secret = "Child X disclosed to teacher"
    path = make_workbook(
        "england-scr",
        [
            {"review_id": "T-1", "notified": D(2024, 1, 2), "notes": secret},
            {"review_id": "T-2", "notified": "31/02/2024", "notes": secret},
        ],
    )
    for fmt in ("table", "json", "csv"):
        result = runner.invoke(main, ["check", str(path), "--format", fmt, "--as-of", "2024-06-30"])
        assert secret not in result.output
    result = runner.invoke(main, ["validate", str(path), "--format", "json"])
    assert secret not in result.output
    out = tmp_path / "c.xlsx"
    invoke(runner, "check", str(path), "--format", "xlsx", "--output", str(out))
    assert secret not in str([c.value for ws in load_workbook(out) for row in ws for c in row])


def test_check_uses_the_config_sources_boards_and_nations(
    runner: CliRunner, tmp_path: Path, make_workbook: Callable[..., Path]
) -> None:
    make_workbook(
        "scotland-scr",
        [{"review_id": "S-1", "notified": D(2024, 1, 1)}],
        name="cpc.xlsx",
        extra={"England SCR": [["Review ID", "Date notified to LSCB"], ["E-1", "01/01/2024"]]},
    )
    (tmp_path / "tracker.toml").write_text(
        '[[boards]]\nname = "Test CPC"\nnation = "scotland"\nsources = ["cpc.xlsx"]\n'
    )
    result = invoke(
        runner,
        "check",
        "--config",
        str(tmp_path / "tracker.toml"),
        "--format",
        "json",
        "--as-of",
        "2024-06-30",
    )
    doc = json.loads(result.stdout)
    assert [(r["review_id"], r["board"]) for r in doc["reviews"]] == [("S-1", "Test CPC")]
    assert any(
        p["type"] == "wrong-nation-sheet" and p["sheet"] == "England SCR" for p in doc["problems"]
    )


def test_a_typo_in_the_config_is_named(runner: CliRunner, tmp_path: Path) -> None:
    cfg = tmp_path / "tracker.toml"
    cfg.write_text(
        '[[boards]]\nname = "A"\nnation = "wales"\nsources = []\nrecipent = ["a@b.org"]\n'
    )
    result = runner.invoke(main, ["check", "--config", str(cfg)])
    assert result.exit_code == 2
    assert f"{cfg}: boards[0].recipent: unknown key" in result.stderr
    assert "Traceback" not in result.output


def test_a_board_with_an_old_and_a_new_framework_is_reported_together(runner: CliRunner) -> None:
    doc = json.loads(
        invoke(
            runner,
            "check",
            str(SAMPLES / "northshire.xlsx"),
            "--as-of",
            "2024-06-30",
            "--format",
            "json",
        ).stdout
    )
    frameworks = {(r["board"], r["framework"]) for r in doc["reviews"]}
    assert frameworks == {("Northshire LSCB", "england-scr"), ("Northshire LSCB", "england-lcspr")}
    table = invoke(
        runner, "check", str(SAMPLES / "northshire.xlsx"), "--as-of", "2024-06-30"
    ).stdout
    board_section = table.split("Northshire LSCB\n", 1)[1]
    assert "England SCR row" in board_section and "England LCSPR row" in board_section


def test_validate_shows_the_new_slugs_with_cells_and_fixes(
    runner: CliRunner, tmp_path: Path
) -> None:
    """A generator's workbook with every new kind of finding: a merged board block, a formula
    stored as 0, a placeholder and a US-order import, in the table and in JSON."""
    from tests.conftest import framework_rows
    from tests.officer_fixtures import GOOD_SCR, column_of, generated_workbook

    notified = column_of("england-scr", "notified")
    decision = column_of("england-scr", "decision")
    independent = column_of("england-scr", "reviewer_independent")
    reviews = [
        dict(GOOD_SCR, review_id="NS-01", board="Northshire LSCB", notified=D(2024, 4, 5)),
        dict(GOOD_SCR, review_id="NS-02", notified="13/04/2024", decision=None),
        dict(GOOD_SCR, review_id="NS-03", notified=D(2024, 2, 3), reviewer_independent="TBC"),
    ]
    for review in reviews:
        review.update(la_aware=None, decision=None)
    path = generated_workbook(
        tmp_path / "generated.xlsx",
        framework_rows("england-scr", reviews),
        formulas={f"{decision}3": f"={notified}3+14"},
        merge=["B2:B4"],
    )
    table = invoke(runner, "validate", str(path), "--as-of", "2024-12-31")
    assert table.exit_code == 1
    out = table.stdout
    for slug in ("merged-cells", "formula-without-value", "placeholder", "suspect-us-date-import"):
        assert slug in out
    assert "INFO    England SCR!B2" in out
    assert f"ERROR   England SCR!{decision}3" in out
    assert f"WARNING England SCR!{independent}4" in out
    assert f"WARNING England SCR!{notified}3" in out
    assert "fix: Open and save the file in Excel or LibreOffice so the result is stored" in out
    assert "1 errors, 2 warnings, 1 notes" in out

    doc = json.loads(invoke(runner, "validate", str(path), "--format", "json").stdout)
    found = {(p["type"], p["cell"], p["severity"]) for p in doc["problems"]}
    assert found == {
        ("merged-cells", "B2", "info"),
        ("formula-without-value", f"{decision}3", "error"),
        ("placeholder", f"{independent}4", "warning"),
        ("suspect-us-date-import", f"{notified}3", "warning"),
    }
    assert all(p["fix"] for p in doc["problems"])
