"""``tracker validate`` outputs: the table (verdict per workbook and sheet, then each problem with
its cell, review id, column, value as typed, message and fix), JSON, and the problems workbook."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from urllib.parse import unquote, urlparse

from click.testing import CliRunner
from openpyxl import load_workbook

from tests.conftest import framework_rows, write_workbook
from tests.officer_fixtures import GOOD_SCR, column_of, encrypted_workbook, scr_workbook
from tracker.check import SourceSpec, run_check
from tracker.cli import main
from tracker.cli.output import PROBLEM_COLUMNS, render_problems_table, validate_json

AS_OF = "2024-03-01"
SECRET = "Mother disclosed something private"


def messy(tmp_path: Path) -> Path:
    """Two sheets: England SCR with an impossible date, a future date and a private note;
    England LCSPR clean."""
    return write_workbook(
        tmp_path / "board.xlsx",
        {
            "England SCR": framework_rows(
                "england-scr",
                [
                    dict(GOOD_SCR, notes=SECRET),
                    dict(GOOD_SCR, review_id="NS-2024-02", decision="31/02/2024", notes=SECRET),
                    dict(GOOD_SCR, review_id="NS-2024-03", panel_notified=date(2024, 9, 1)),
                ],
            ),
            "England LCSPR": framework_rows(
                "england-lcspr", [{"review_id": "NS-L-01", "la_aware": date(2024, 1, 8)}]
            ),
        },
    )


def test_table_gives_a_verdict_per_sheet_then_each_problem(tmp_path: Path) -> None:
    path = messy(tmp_path)
    result = CliRunner().invoke(main, ["validate", str(path), "--as-of", AS_OF])
    assert result.exit_code == 1
    out = result.stdout
    lines = out.splitlines()
    assert lines[0] == str(path)
    assert "  England LCSPR: 1 rows checked · no problems" in lines
    assert "  England SCR: 3 rows checked · 1 impossible-date, 1 future-date" in lines
    decision = column_of("england-scr", "decision")
    [first] = [i for i, line in enumerate(lines) if f"England SCR!{decision}3" in line]
    assert lines[first].split() == [
        "ERROR",
        "England",
        f"SCR!{decision}3",
        "NS-2024-02",
        "Decision",
        "date",
        "typed:",
        '"31/02/2024"',
    ]
    assert lines[first + 1].strip() == "31/02/2024 is not a real date: February 2024 has no day 31"
    assert lines[first + 2].strip() == "fix: Check the day and month and correct it."
    panel = column_of("england-scr", "panel_notified")
    assert any(line.split()[:3] == ["WARNING", "England", f"SCR!{panel}4"] for line in lines), out
    assert lines[-1] == "4 rows checked in 2 sheets: 1 errors, 1 warnings"
    assert all(len(line) <= 100 for line in lines)
    assert SECRET not in out


def test_table_names_unusable_sources_and_goes_on(tmp_path: Path) -> None:
    good = scr_workbook(tmp_path / "good.xlsx")
    locked = encrypted_workbook(tmp_path / "locked.xlsx")
    result = run_check([SourceSpec(str(locked)), SourceSpec(str(good))], date(2024, 3, 1))
    text = render_problems_table(result)
    assert f"UNUSABLE  {locked}: is password-protected" in text
    assert "England SCR: 1 rows checked · no problems" in text
    assert text.rstrip().endswith("1 errors, 0 warnings, 1 unusable sources")


def test_json_output(tmp_path: Path) -> None:
    path = messy(tmp_path)
    result = CliRunner().invoke(main, ["validate", str(path), "--format", "json", "--as-of", AS_OF])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["as_of"] == AS_OF and data["valid"] is False and data["unusable"] == []
    assert data["sheets"] == [
        {
            "source": str(path),
            "sheet": "England LCSPR",
            "framework": "england-lcspr",
            "rows": 1,
            "errors": 0,
            "warnings": 0,
        },
        {
            "source": str(path),
            "sheet": "England SCR",
            "framework": "england-scr",
            "rows": 3,
            "errors": 1,
            "warnings": 1,
        },
    ]
    types = sorted((p["type"], p["severity"], p["cell"]) for p in data["problems"])
    assert types == [
        ("future-date", "warning", f"{column_of('england-scr', 'panel_notified')}4"),
        ("impossible-date", "error", f"{column_of('england-scr', 'decision')}3"),
    ]
    assert SECRET not in result.stdout


def test_json_to_a_file(tmp_path: Path) -> None:
    path = scr_workbook(tmp_path / "ok.xlsx")
    out = tmp_path / "report.json"
    result = CliRunner().invoke(
        main, ["validate", str(path), "--format", "json", "--output", str(out)]
    )
    assert result.exit_code == 0
    assert json.loads(out.read_text())["valid"] is True


def test_problems_workbook_has_a_row_per_problem_with_a_link_to_the_cell(tmp_path: Path) -> None:
    path = messy(tmp_path)
    out = tmp_path / "problems.xlsx"
    result = CliRunner().invoke(
        main, ["validate", str(path), "--output", str(out), "--as-of", AS_OF]
    )
    assert result.exit_code == 1
    assert result.stdout.strip() == f"2 problems written to {out}"
    ws = load_workbook(out)["Problems"]
    header = [c.value for c in ws[1]]
    assert header == PROBLEM_COLUMNS + ["open"]
    rows = list(ws.iter_rows(min_row=2))
    assert len(rows) == 2
    source = load_workbook(path, data_only=True)
    for row in rows:
        record = dict(zip(header, (c.value for c in row), strict=True))
        link = row[-1].hyperlink
        assert link is not None and row[-1].value == f"{record['sheet']}!{record['cell']}"
        # relative to the problems workbook, so it survives a drive mapped under another path
        target = urlparse(link.target)
        assert target.scheme == "" and not target.path.startswith("/")
        assert (out.parent / unquote(target.path)).resolve() == path.resolve()
        sheet, cell = unquote(target.fragment).rsplit("!", 1)
        assert sheet.strip("'") == record["sheet"] and cell == record["cell"]
        # the link's cell exists and holds the value the report quotes
        held = source[record["sheet"]][cell].value
        if record["type"] == "impossible-date":
            assert held == record["value"] == "31/02/2024"
        else:
            assert held.date() == date(2024, 9, 1) and record["value"] == "2024-09-01"
        assert record["message"] and record["fix"]
    text = " ".join(str(c.value) for r in ws.iter_rows() for c in r)
    assert SECRET not in text


def test_problems_workbook_when_there_are_none(tmp_path: Path) -> None:
    path = scr_workbook(tmp_path / "ok.xlsx")
    out = tmp_path / "problems.xlsx"
    result = CliRunner().invoke(main, ["validate", str(path), "--output", str(out)])
    assert result.exit_code == 0
    ws = load_workbook(out)["Problems"]
    assert ws.max_row == 1


def test_validate_json_counts_unusable(tmp_path: Path) -> None:
    result = run_check([SourceSpec(str(tmp_path / "missing.xlsx"))], date(2024, 3, 1))
    data = validate_json(result)
    assert data["valid"] is False
    assert data["unusable"] == [f"{tmp_path / 'missing.xlsx'}: file not found"]
    assert [p["type"] for p in data["problems"]] == ["unreadable-source"]


def test_info_notes_are_listed_but_leave_a_workbook_valid(tmp_path: Path) -> None:
    """A merged board block is a note of how it was read: exit 0, valid, counted apart."""
    from tests.officer_fixtures import sheet_with

    reviews = [dict(GOOD_SCR, review_id=f"NS-2024-{i:02d}") for i in range(1, 4)]
    reviews[0]["board"] = "Northshire LSCB"
    board = column_of("england-scr", "board")
    path = sheet_with(
        tmp_path / "merged.xlsx",
        "England SCR",
        framework_rows("england-scr", reviews),
        merge=[f"{board}2:{board}4"],
    )
    result = CliRunner().invoke(main, ["validate", str(path), "--as-of", AS_OF])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert f"    INFO    England SCR!{board}2" in "\n".join(lines)
    assert lines[-1] == "3 rows checked in 1 sheets: 0 errors, 0 warnings, 1 notes"
    doc = json.loads(CliRunner().invoke(main, ["validate", str(path), "--format", "json"]).stdout)
    assert doc["valid"] is True
    assert [(p["type"], p["severity"]) for p in doc["problems"]] == [("merged-cells", "info")]
    assert doc["sheets"][0]["errors"] == 0 and doc["sheets"][0]["warnings"] == 0
