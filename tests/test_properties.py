"""Property-based tests: whatever officers type into any column, ``validate`` and ``check`` never
crash, and every problem they report points at a cell that exists and holds the value quoted.

Fixed budget (derandomized, no deadline) so CI time is bounded and runs are repeatable.
"""

from __future__ import annotations

import json
import tempfile
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from tracker.check import SourceSpec, run_check
from tracker.cli.output import (
    check_csv,
    check_json_text,
    render_check_table,
    render_problems_table,
    validate_json,
    write_problems_xlsx,
)
from tracker.frameworks.registry import all_frameworks
from tracker.model import FieldType
from tracker.problems import display_value

AS_OF = date(2024, 3, 1)
FRAMEWORKS = all_frameworks()
BUDGET = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# openpyxl refuses the XML-illegal control characters, as Excel does: everything else is fair game
_chars = st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from(
    ["\u00a0", " ", "\t", "\n", "/", "-", ".", "0", "1", "2", "3"]
)
_date_text = st.builds(
    lambda d, m, y, sep, pad: f"{pad}{d}{sep}{m}{sep}{y}{pad}",
    st.integers(0, 40),
    st.integers(0, 14) | st.sampled_from(["Jan", "February", "sept", "Foo"]),
    st.integers(0, 99) | st.integers(1890, 2100),
    st.sampled_from(["/", "-", ".", " "]),
    st.sampled_from(["", " ", "\u00a0"]),
)
_cell = st.one_of(
    st.none(),
    st.text(_chars, max_size=30),
    _date_text,
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
    st.booleans(),
    st.dates(min_value=date(1900, 3, 1), max_value=date(2200, 12, 31)),
    st.datetimes(min_value=datetime(1900, 3, 1), max_value=datetime(2200, 12, 31)),
    st.sampled_from(
        ["Yes", "no", "Y", "TRUE", "maybe", "Initiate SCR", "initiate scr", "SUSR", "=1+1", "#N/A"]
    ),
)


@st.composite
def sheets(draw: st.DrawFn) -> tuple[Any, list[list[Any]]]:
    fw = draw(st.sampled_from(FRAMEWORKS))
    headers: list[Any] = [f.header for f in fw.all_fields]
    if draw(st.booleans()):  # an extra column of the officers' own
        headers.append(draw(st.sampled_from(["Officer", "Review ID", "Comments"])))
    n = draw(st.integers(1, 5))
    ids = st.sampled_from(["R-1", "R-2", "R 3", " R-1", None, 12, 12.0])
    rows = []
    for _ in range(n):
        row = [draw(ids)] + [draw(_cell) for _ in headers[1:]]
        rows.append(row)
    titles = draw(st.integers(0, 2))
    return fw, [["Title"]] * titles + [headers] + rows


def _write(path: Path, title: str, rows: list[list[Any]]) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = title
    for row in rows:
        ws.append(row)
    wb.save(path)


def _same(quoted: Any, held: Any) -> bool:
    """The reader (calamine) and openpyxl differ in type, not in what the officer sees."""
    if isinstance(held, datetime) and held.time() == time(0) and isinstance(quoted, date):
        held = held.date() if not isinstance(quoted, datetime) else held
    return display_value(quoted) == display_value(held)


@BUDGET
@given(sheets())
def test_any_values_never_crash_and_every_problem_points_at_its_cell(
    case: tuple[Any, list[list[Any]]],
) -> None:
    fw, rows = case
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "board.xlsx"
        _write(path, fw.sheet, rows)
        result = run_check([SourceSpec(str(path))], AS_OF)

        # every output renders
        # the streamed JSON is exactly the standard encoder's text of the same document
        doc = result.to_json()
        assert check_json_text(result) == json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
        json.dumps(validate_json(result))
        render_problems_table(result)
        render_check_table(result, verbose=True)
        check_csv(result)
        write_problems_xlsx(result, Path(tmp) / "problems.xlsx")

        assert not result.unusable
        sheet = load_workbook(path, data_only=True)[fw.sheet]
        for p in result.problems:
            assert p.source == str(path)
            if p.cell is None:
                continue
            assert p.sheet == fw.sheet
            cell = sheet[p.cell]
            assert 1 <= cell.row <= sheet.max_row and 1 <= cell.column <= sheet.max_column
            assert p.row == cell.row
            if p.value is not None:
                assert _same(p.value, cell.value), (p, cell.value)
            elif p.type not in ("duplicate-header", "formula-without-value"):
                assert display_value(cell.value).strip() in ("", "(blank)"), (p, cell.value)

        # errors and assessability agree row by row
        error_rows = {p.row for p in result.problems if p.is_error and p.cell}
        for review in result.reviews:
            if review["row"] in error_rows:
                assert review["assessable"] is False
            if not review["assessable"]:
                assert review["stages"] == []


@BUDGET
@given(st.lists(_cell, min_size=1, max_size=8), st.sampled_from(FRAMEWORKS))
def test_a_single_column_of_anything(values: list[Any], fw: Any) -> None:
    """Every value through each typed column of a framework: dates, choices, yes/no."""
    typed = [f for f in fw.all_fields if f.type is not FieldType.TEXT]
    headers = [f.header for f in fw.all_fields]
    rows = [headers]
    for i, value in enumerate(values):
        row: list[Any] = [None] * len(headers)
        row[0] = f"R-{i}"
        target = typed[i % len(typed)]
        row[headers.index(target.header)] = value
        rows.append(row)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "one.xlsx"
        _write(path, fw.sheet, rows)
        result = run_check([SourceSpec(str(path))], AS_OF)
        render_problems_table(result)
        sheet = load_workbook(path, data_only=True)[fw.sheet]
        for p in result.problems:
            if p.cell and p.value is not None:
                assert _same(p.value, sheet[p.cell].value), (p, sheet[p.cell].value)
        assert len(result.reviews) == len(values)


@settings(max_examples=500, deadline=None, derandomize=True)
@given(st.dates() | st.datetimes())
def test_a_date_is_shown_as_strftime_writes_it(day: date) -> None:
    """display_value builds dd/mm/yyyy itself (strftime costs several times more, and a whole
    sheet may warn): the text is strftime's for every day, before the year 1000 included."""
    if isinstance(day, datetime) and day.time() != time(0):
        assert display_value(day) == str(day)
    else:
        assert display_value(day) == day.strftime("%d/%m/%Y")
