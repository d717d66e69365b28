"""``tracker init``: a template officers can use at once, and re-running it on their filled
workbook changes no existing cell (compared cell by cell, formulas and cached results included)."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from openpyxl import Workbook, load_workbook

from tests.conftest import framework_rows
from tests.officer_fixtures import GOOD_SCR, calculate, column_of, sheet_with
from tracker.check import SourceSpec, run_check
from tracker.cli import main
from tracker.cli.templates import GUIDE, TEMPLATE_ROWS, create_template, update_workbook
from tracker.describe import describe_rule
from tracker.model import FieldType
from tracker.registry import all_frameworks, get_framework

ALL_IDS = [f.id for f in all_frameworks()]


def init(runner: CliRunner, path: Path, *ids: str) -> Any:
    args = ["init", str(path)]
    for i in ids:
        args += ["--framework", i]
    return runner.invoke(main, args)


def all_cells(path: Path, *, data_only: bool) -> dict[tuple[str, str], Any]:
    """Every non-empty cell of every sheet: (sheet, ref) -> value."""
    wb = load_workbook(path, data_only=data_only)
    return {
        (ws.title, cell.coordinate): cell.value
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for cell in row
        if cell.value is not None
    }


def test_init_then_validate_reports_no_problems(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "new.xlsx"
    made = init(runner, path, *ALL_IDS)
    assert made.exit_code == 0, made.output
    checked = runner.invoke(main, ["validate", str(path), "--format", "json"])
    assert checked.exit_code == 0, checked.output
    data = json.loads(checked.stdout)
    assert data["valid"] is True and data["problems"] == [] and data["unusable"] == []
    assert sorted(s["framework"] for s in data["sheets"]) == sorted(ALL_IDS)
    table = runner.invoke(main, ["validate", str(path)])
    assert table.exit_code == 0 and "0 errors, 0 warnings" in table.stdout


@pytest.mark.parametrize("framework_id", ALL_IDS)
def test_template_has_validations_formats_and_input_messages(
    tmp_path: Path, framework_id: str
) -> None:
    fw = get_framework(framework_id)
    path = tmp_path / "t.xlsx"
    create_template(path, [fw])
    wb = load_workbook(path)
    assert wb.sheetnames == [fw.sheet, "Pauses and extensions", GUIDE]
    ws = wb[fw.sheet]
    assert ws.freeze_panes == "B2"
    headers = [c.value for c in ws[1]]
    assert headers == [f.header for f in fw.all_fields]
    dvs = ws.data_validations.dataValidation
    by_cell: dict[str, list[Any]] = {}
    for dv in dvs:
        for rng in dv.sqref.ranges:
            by_cell.setdefault(rng.coord, []).append(dv)
    last = 1 + TEMPLATE_ROWS
    for f in fw.all_fields:
        letter = column_of(framework_id, f.id)
        [prompt] = by_cell[f"{letter}1"]
        assert prompt.showInputMessage and prompt.prompt
        assert ws.column_dimensions[letter].width >= 12
        cells = by_cell.get(f"{letter}2:{letter}{last}", [])
        if f.type is FieldType.DATE:
            [dv] = cells
            assert dv.type == "date" and dv.showErrorMessage
            assert ws[f"{letter}2"].number_format == "DD/MM/YYYY"
            assert ws[f"{letter}{last}"].number_format == "DD/MM/YYYY"
            assert "dd/mm/yyyy" in prompt.prompt
        elif f.type is FieldType.CHOICE:
            [dv] = cells
            assert dv.type == "list"
            assert dv.formula1 == '"' + ",".join(f.choices) + '"'
        elif f.type is FieldType.YES_NO:
            [dv] = cells
            assert dv.type == "list" and dv.formula1 == '"Yes,No"'
        else:
            assert cells == []
        stage = next((s for s in fw.stages if s.id == f.id), None)
        if stage is not None:
            for rule in stage.rules:
                assert describe_rule(rule, fw)[:60] in prompt.prompt
        assert len(prompt.prompt) <= 255  # Excel's limit for input messages


def test_input_message_states_the_rule_in_words(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    create_template(path, [get_framework("england-scr")])
    ws = load_workbook(path)["England SCR"]
    decision = column_of("england-scr", "decision")
    [prompt] = [dv for dv in ws.data_validations.dataValidation if str(dv.sqref) == f"{decision}1"]
    assert "within 1 month after Date notified to LSCB" in prompt.prompt
    assert "should" in prompt.prompt and "statutory guidance" in prompt.prompt


def test_guide_sheet_lists_every_rule_with_basis_and_citation(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    frameworks = list(all_frameworks())
    create_template(path, frameworks)
    ws = load_workbook(path)[GUIDE]
    header = [c.value for c in ws[2]]
    assert header == [
        "Framework",
        "Sheet",
        "Stage",
        "Column",
        "Rule",
        "Applies when",
        "Basis",
        "Must/should",
        "Confidence",
        "Citation",
    ]
    rows = {(r[0], r[2], r[4]): r for r in ws.iter_rows(min_row=3, values_only=True) if r[0]}
    for fw in frameworks:
        for stage in fw.stages:
            for rule in stage.rules:
                row = rows[(fw.id, stage.id, describe_rule(rule, fw))]
                assert row[6] == rule.basis.value
                assert row[7] == rule.must_label()
                assert row[8] == rule.confidence.value
                assert (row[9] or "") == rule.citation
    assert any(r[1] == "England SCR" and r[7] == "must" for r in rows.values())


def filled_workbook(tmp_path: Path) -> Path:
    """A template officers have used for a while: reviews, formulas Excel has calculated, an
    extra column and sheet of their own, a column deleted, formatting of their own."""
    path = tmp_path / "board.xlsx"
    create_template(path, [get_framework("england-scr")])
    wb = load_workbook(path)
    ws = wb["England SCR"]
    fw = get_framework("england-scr")
    reviews = [
        GOOD_SCR,
        {**GOOD_SCR, "review_id": "NS-2024-02", "decision": "20/02/2024", "notes": "private"},
        {**GOOD_SCR, "review_id": "NS-2024-03", "reviewer_independent": "Yes", "decision": None},
    ]
    for r, review in enumerate(reviews, start=2):
        for c, f in enumerate(fw.all_fields, start=1):
            if review.get(f.id) is not None:
                ws.cell(r, c, review[f.id])
    decision = column_of("england-scr", "decision")
    notified = column_of("england-scr", "notified")
    ws[f"{decision}4"] = f"={notified}4+15"  # a stage dated by formula
    ws["T1"] = "Officer"
    ws["T2"] = "A. Officer"
    ws["T3"] = '=IF(B3="","(none)",B3)'
    ws["T4"] = 12.5
    ws["A7"] = "Total"
    ws["B7"] = "=COUNTA(A2:A4)"
    ws["B2"].number_format = "@"
    other = wb.create_sheet("Contacts", 0)
    other.append(["Name", "Phone"])
    other.append(["Duty desk", "0123 456"])
    other.append([datetime(2024, 1, 31, 9, 30), True])
    wb.save(path)
    calculate(path, "England SCR", {f"{decision}4": 45311, "T3": "(none)", "B7": 3})
    # the officers deleted a column the tracker needs (its data moves left: do it by hand)
    wb = load_workbook(path)
    ws = wb["England SCR"]
    published = [c.value for c in ws[1]].index("Date published") + 1
    wb.save(path)
    return _delete_empty_column(path, "England SCR", published)


def _delete_empty_column(path: Path, sheet: str, col: int) -> Path:
    """Clear a column's header (its cells are empty): as if never there."""
    wb = load_workbook(path)
    wb[sheet].cell(1, col).value = None
    wb.save(path)
    # openpyxl dropped the cached values again: give them back as Excel would
    decision = column_of("england-scr", "decision")
    return calculate(path, sheet, {f"{decision}4": 45311, "T3": "(none)", "B7": 3})


def test_rerunning_init_on_a_filled_workbook_changes_no_existing_cell(
    runner: CliRunner, tmp_path: Path
) -> None:
    path = filled_workbook(tmp_path)
    before_bytes = path.read_bytes()
    formulas_before = all_cells(path, data_only=False)
    values_before = all_cells(path, data_only=True)
    seen_before = run_check([SourceSpec(str(path))], date(2024, 3, 1))

    result = init(runner, path, "england-scr", "england-lcspr")
    assert result.exit_code == 0, result.output
    assert "added England LCSPR" in result.stdout and "Date published" in result.stdout

    formulas_after = all_cells(path, data_only=False)
    values_after = all_cells(path, data_only=True)
    for key, value in formulas_before.items():
        assert formulas_after[key] == value, key
    for key, value in values_before.items():
        assert values_after[key] == value, key  # cached formula results kept too
    new = set(formulas_after) - set(formulas_before)
    assert {s for s, _ in new} == {"England SCR", "England LCSPR", GUIDE}
    assert [ref for s, ref in new if s == "England SCR"] == ["U1"]  # the one missing header
    assert formulas_after[("England SCR", "U1")] == "Date published"
    assert load_workbook(path).sheetnames[:2] == ["Contacts", "England SCR"]

    # the tracker reads exactly what it read before, plus the new (empty) column
    seen_after = run_check([SourceSpec(str(path))], date(2024, 3, 1))
    assert seen_after.reviews == seen_before.reviews
    kept = [p for p in seen_before.problems if p.type != "missing-optional-column"]
    assert [p.type for p in seen_before.problems if p not in kept] == ["missing-optional-column"]
    assert seen_after.problems == kept  # e.g. the officers' "Total" row, still reported

    backups = list(tmp_path.glob("board.backup-*.xlsx"))
    assert len(backups) == 1 and backups[0].read_bytes() == before_bytes
    assert not list(tmp_path.glob(".board.xlsx.*"))  # no temporary file left behind


def test_missing_columns_added_without_touching_data(tmp_path: Path) -> None:
    rows = framework_rows("england-scr", [GOOD_SCR])
    keep = [i for i, h in enumerate(rows[0]) if h not in ("Decision date", "Date published")]
    rows = [[r[i] for i in keep] for r in rows]
    rows[1].append("kept")  # data with no header, right of the table: never overwritten
    path = sheet_with(tmp_path / "b.xlsx", "England SCR", [["Northshire reviews"], [], *rows])
    before = all_cells(path, data_only=False)
    report = update_workbook(path, [get_framework("england-scr")], now=datetime(2024, 3, 1, 9))
    assert report["columns_added"] == {"England SCR": ["Decision date", "Date published"]}
    assert report["backup"].endswith("b.backup-20240301-090000.xlsx")
    after = all_cells(path, data_only=False)
    assert all(after[k] == v for k, v in before.items())
    width = len(keep)
    from tracker.tables import column_letter

    # header row is row 3; the "kept" value sits in the first free column of row 4
    assert after[("England SCR", f"{column_letter(width + 1)}4")] == "kept"
    assert after[("England SCR", f"{column_letter(width + 2)}3")] == "Decision date"
    assert after[("England SCR", f"{column_letter(width + 3)}3")] == "Date published"
    result = run_check([SourceSpec(str(path))], date(2024, 3, 1))
    assert result.problems == [] and result.reviews[0]["row"] == 4


def test_complete_workbook_is_left_alone(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    assert init(runner, path, "wales-cpr").exit_code == 0
    before = path.read_bytes()
    again = init(runner, path, "wales-cpr")
    assert again.exit_code == 0 and "nothing changed" in again.stdout
    assert path.read_bytes() == before
    assert not list(tmp_path.glob("t.backup-*"))


def test_init_refuses_a_sheet_with_content_but_no_header(runner: CliRunner, tmp_path: Path) -> None:
    path = sheet_with(tmp_path / "odd.xlsx", "England SCR", [["a", "b"], [1, 2]])
    before = path.read_bytes()
    result = init(runner, path, "england-scr")
    assert result.exit_code == 2
    assert "no header row" in result.stderr and "Traceback" not in result.output
    assert path.read_bytes() == before
    assert not list(tmp_path.glob("odd.backup-*"))


def test_init_on_an_unreadable_file_leaves_it_untouched(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 not really")
    result = init(runner, path, "england-scr")
    assert result.exit_code == 2 and "cannot open" in result.stderr
    assert path.read_bytes() == b"PK\x03\x04 not really"


def test_init_rejects_unknown_framework_and_non_xlsx(runner: CliRunner, tmp_path: Path) -> None:
    assert init(runner, tmp_path / "x.xlsx", "atlantis-scr").exit_code == 2
    assert not (tmp_path / "x.xlsx").exists()
    result = init(runner, tmp_path / "x.csv", "england-scr")
    assert result.exit_code == 2 and ".xlsx" in result.stderr


def test_init_refuses_to_rewrite_a_workbook_whose_charts_it_would_lose(tmp_path: Path) -> None:
    from openpyxl.chart import BarChart, Reference

    path = tmp_path / "with-chart.xlsx"
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Counts"
    for row in (["Board", "Reviews"], ["A", 3], ["B", 5]):
        ws.append(row)
    chart = BarChart()
    chart.add_data(Reference(ws, min_col=2, min_row=1, max_row=3), titles_from_data=True)
    ws.add_chart(chart, "D2")
    wb.save(path)
    before = path.read_bytes()
    result = CliRunner().invoke(main, ["init", str(path), "--framework", "england-scr"])
    assert result.exit_code == 2
    assert (
        "has charts, drawings or pictures, which rewriting the workbook would lose" in result.stderr
    )
    assert path.read_bytes() == before
    assert not list(tmp_path.glob("*.backup-*"))


def test_the_pauses_sheet_has_its_headers_drop_downs_date_cells_and_a_guide_section(
    tmp_path: Path,
) -> None:
    from tracker.pauses import AGREED_WITH, KINDS, REASONS, SPEC

    path = tmp_path / "t.xlsx"
    create_template(path, [get_framework("england-scr"), get_framework("england-lcspr")])
    wb = load_workbook(path)
    ws = wb[SPEC.title]
    assert [c.value for c in ws[1]] == [f.header for f in SPEC.fields]
    lists = {
        str(dv.sqref).split(":")[0]: dv.formula1
        for dv in ws.data_validations.dataValidation
        if dv.type == "list"
    }
    assert lists["C2"] == '"' + ",".join(KINDS) + '"'
    assert lists["D2"] == '"' + ",".join(REASONS) + '"'
    assert lists["H2"] == '"' + ",".join(AGREED_WITH) + '"'
    # the Stage drop-down lists the Guide's labels of both frameworks' stages with a deadline
    sheet, cells = lists["B2"].split("!")
    first, last = (int(c.replace("$D$", "")) for c in cells.split(":"))
    guide = wb[GUIDE]
    labels = [guide.cell(r, 4).value for r in range(first, last + 1)]
    assert sheet == f"'{GUIDE}'"
    assert "Date published" in labels and "Decision date" in labels
    assert "Date serious incident notified to Panel" in labels
    assert "Date LA became aware" not in labels  # no deadline to move
    dates = {
        str(dv.sqref).split(":")[0]
        for dv in ws.data_validations.dataValidation
        if dv.type == "date"
    }
    assert dates == {"E2", "F2", "G2", "I2"}
    assert ws["E2"].number_format == "DD/MM/YYYY"
    text = " ".join(str(v) for (v,) in guide.iter_rows(min_col=1, max_col=1, values_only=True) if v)
    assert "Pauses and extensions" in text and "paused, never overdue" in text


def test_init_on_an_existing_workbook_adds_the_pauses_sheet_once(tmp_path: Path) -> None:
    from tracker.cli.templates import update_workbook
    from tracker.pauses import SPEC

    path = tmp_path / "t.xlsx"
    wb = Workbook()
    wb.active.title = "England SCR"  # type: ignore[union-attr]
    wb.save(path)
    report = update_workbook(path, [get_framework("england-scr")])
    assert SPEC.title in report["sheets_added"]
    assert SPEC.title in load_workbook(path).sheetnames
    again = update_workbook(path, [get_framework("england-scr")])
    assert again["sheets_added"] == [] and again["backup"] is None
