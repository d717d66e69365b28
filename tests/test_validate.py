"""Validation of officers' sheets: every problem slug on a real workbook, located to the cell.

Each test writes a real .xlsx, runs the real pipeline (calamine reader, header location, parsing,
pandera) and checks the problem's sheet, cell, row, column, review id, the value as typed, its
severity, and that errors stop the review being assessed while warnings do not.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.conftest import framework_rows, write_workbook
from tests.officer_fixtures import GOOD_SCR, column_of, scr_workbook
from tracker.check import CheckResult, SourceSpec, run_check
from tracker.config import BoardConfig
from tracker.model import Status
from tracker.problems import PROBLEM_TYPES, Problem

AS_OF = date(2024, 3, 1)
SHEET = "England SCR"


def check_rows(tmp_path: Path, *changes: dict[str, Any], name: str = "board.xlsx") -> CheckResult:
    """A sheet with a good review (row 2) and, from row 3, the good review with each change."""
    reviews = [GOOD_SCR] + [
        {**GOOD_SCR, "review_id": f"NS-2024-{i + 2:02d}", **c} for i, c in enumerate(changes)
    ]
    path = scr_workbook(tmp_path / name, reviews)
    return run_check([SourceSpec(str(path))], AS_OF)


def only(result: CheckResult, slug: str) -> Problem:
    found = [p for p in result.problems if p.type == slug]
    assert len(found) == 1, result.problems
    return found[0]


def assessable(result: CheckResult) -> dict[str, bool]:
    return {r["review_id"]: r["assessable"] for r in result.reviews}


def assert_located(p: Problem, field_id: str, row: int, review_id: str, value: Any) -> None:
    assert p.sheet == SHEET
    assert p.cell == f"{column_of('england-scr', field_id)}{row}"
    assert p.row == row
    assert p.review_id == review_id
    assert p.value == value
    assert p.message and p.fix
    assert p.severity == PROBLEM_TYPES[p.type].severity


# --- errors: each stops its review being assessed -------------------------------------------------

ERROR_CASES: list[tuple[str, str, Any, tuple[str, ...]]] = [
    ("invalid-date", "decision", "next week", ("next week is not a date", "dd/mm/yyyy")),
    ("us-date-order", "decision", "01/20/2024", ("month/day order", "20/01/2024")),
    ("impossible-date", "decision", "31/02/2024", ("February 2024 has no day 31",)),
    ("two-digit-year", "decision", "20/01/24", ("two-digit year", "20/01/2024")),
    ("implausible-date", "decision", "20/01/1924", ("1990 to 2060",)),
    (
        "unknown-choice",
        "decision_outcome",
        "Maybe",
        ("Maybe is not one of: Initiate SCR, Do not initiate",),
    ),
    (
        "invalid-yes-no",
        "reviewer_independent",
        "perhaps",
        ("perhaps is not Yes or No", "Yes or No"),
    ),
    ("invalid-id", "review_id", "NS 2024 02", ("characters a review ID cannot have",)),
]


@pytest.mark.parametrize(
    ("slug", "field_id", "typed", "words"), ERROR_CASES, ids=[c[0] for c in ERROR_CASES]
)
def test_error_slugs(
    tmp_path: Path, slug: str, field_id: str, typed: str, words: tuple[str, ...]
) -> None:
    result = check_rows(tmp_path, {field_id: typed})
    p = only(result, slug)
    rid = typed if field_id == "review_id" else "NS-2024-02"
    assert_located(p, field_id, 3, rid, typed)
    assert p.severity == "error"
    text = f"{p.message} {p.fix}"
    for word in words:
        assert word in text, text
    assert p.column == next(
        f.header
        for f in __import__("tracker.frameworks.registry", fromlist=["x"])
        .get_framework("england-scr")
        .all_fields
        if f.id == field_id
    )
    assert assessable(result) == {"NS-2024-01": True, rid: False}
    assert len(result.problems) == 1


def test_missing_required_value(tmp_path: Path) -> None:
    result = check_rows(tmp_path, {"notified": None})
    p = only(result, "missing-required")
    assert_located(p, "notified", 3, "NS-2024-02", None)
    assert p.column == "Date notified to LSCB" and "required" in p.message
    assert assessable(result)["NS-2024-02"] is False


def test_missing_review_id(tmp_path: Path) -> None:
    result = check_rows(tmp_path, {"review_id": None})
    p = only(result, "missing-required")
    assert p.cell == "A3" and p.column == "Review ID" and p.review_id is None
    assert [r["assessable"] for r in result.reviews] == [True, False]


def test_unreadable_required_date_is_reported_once(tmp_path: Path) -> None:
    """An unreadable required date is a parse error, not also a missing value."""
    result = check_rows(tmp_path, {"notified": "soon"})
    assert [p.type for p in result.problems] == ["invalid-date"]


def test_duplicate_id_in_one_sheet_names_both_cells(tmp_path: Path) -> None:
    result = check_rows(tmp_path, {"review_id": "NS-2024-01"})
    dupes = [p for p in result.problems if p.type == "duplicate-id"]
    assert [(p.cell, p.row) for p in dupes] == [("A2", 2), ("A3", 3)]
    assert "also England SCR!A3" in dupes[0].message
    assert "also England SCR!A2" in dupes[1].message
    assert all(p.value == "NS-2024-01" and p.severity == "error" for p in dupes)
    assert [r["assessable"] for r in result.reviews] == [False, False]


def test_duplicate_id_across_sheets(tmp_path: Path) -> None:
    path = write_workbook(
        tmp_path / "two.xlsx",
        {
            "England SCR": framework_rows("england-scr", [GOOD_SCR]),
            "England LCSPR": framework_rows(
                "england-lcspr",
                [{"review_id": "NS-2024-01", "la_aware": date(2024, 1, 3)}],
            ),
        },
    )
    result = run_check([SourceSpec(str(path))], AS_OF)
    dupes = sorted((p.sheet, p.cell) for p in result.problems if p.type == "duplicate-id")
    assert dupes == [("England LCSPR", "A2"), ("England SCR", "A2")]
    messages = {p.sheet: p.message for p in result.problems}
    assert "also England LCSPR!A2" in messages["England SCR"]
    assert not any(r["assessable"] for r in result.reviews)


def test_same_id_in_two_workbooks_is_not_a_duplicate(tmp_path: Path) -> None:
    a = scr_workbook(tmp_path / "a.xlsx")
    b = scr_workbook(tmp_path / "b.xlsx")
    result = run_check([SourceSpec(str(a)), SourceSpec(str(b))], AS_OF)
    assert result.problems == []


def test_duplicates_in_several_workbooks_are_each_workbooks_own(tmp_path: Path) -> None:
    """Ids are checked once for the whole run, yet each workbook's duplicates are its own: every
    problem names its own file, cells and rows, in the order each workbook reports them, and an
    id repeated in another workbook (or blank twice) is never a duplicate."""
    lcspr = {"la_aware": date(2024, 1, 3)}
    a = write_workbook(
        tmp_path / "a.xlsx",
        {
            "England SCR": framework_rows(
                "england-scr",
                [GOOD_SCR, dict(GOOD_SCR, review_id="X-1"), dict(GOOD_SCR, review_id="X-2")],
            ),
            "England LCSPR": framework_rows(
                "england-lcspr",
                [dict(lcspr, review_id="X-2"), dict(lcspr, review_id="X-1")],
            ),
        },
    )
    b = scr_workbook(
        tmp_path / "b.xlsx",
        [
            dict(GOOD_SCR, review_id="X-1"),
            GOOD_SCR,
            dict(GOOD_SCR, review_id="Y-1"),
            GOOD_SCR,
            dict(GOOD_SCR, review_id=None),
            dict(GOOD_SCR, review_id=None),
        ],
    )
    c = scr_workbook(tmp_path / "c.xlsx", [dict(GOOD_SCR, review_id="X-2")])
    result = run_check([SourceSpec(str(a)), SourceSpec(str(b)), SourceSpec(str(c))], AS_OF)
    dupes = [
        (Path(p.source).name, p.sheet, p.cell, p.row, p.review_id, p.value, p.message)
        for p in result.problems
        if p.type == "duplicate-id"
    ]
    assert dupes == [
        ("a.xlsx", "England SCR", "A3", 3, "X-1", "X-1",
         "review ID X-1 is used more than once in this workbook (also England LCSPR!A3)"),
        ("a.xlsx", "England SCR", "A4", 4, "X-2", "X-2",
         "review ID X-2 is used more than once in this workbook (also England LCSPR!A2)"),
        # a sheet's duplicates come in the order of the ids' first cells in the workbook
        ("a.xlsx", "England LCSPR", "A3", 3, "X-1", "X-1",
         "review ID X-1 is used more than once in this workbook (also England SCR!A3)"),
        ("a.xlsx", "England LCSPR", "A2", 2, "X-2", "X-2",
         "review ID X-2 is used more than once in this workbook (also England SCR!A4)"),
        ("b.xlsx", "England SCR", "A3", 3, "NS-2024-01", "NS-2024-01",
         "review ID NS-2024-01 is used more than once in this workbook (also England SCR!A5)"),
        ("b.xlsx", "England SCR", "A5", 5, "NS-2024-01", "NS-2024-01",
         "review ID NS-2024-01 is used more than once in this workbook (also England SCR!A3)"),
    ]  # fmt: skip
    not_assessed = [
        (Path(r["source"]).name, r["sheet"], r["row"], r["review_id"])
        for r in result.reviews
        if not r["assessable"]
    ]
    assert not_assessed == [
        ("a.xlsx", "England SCR", 3, "X-1"),
        ("a.xlsx", "England SCR", 4, "X-2"),
        ("a.xlsx", "England LCSPR", 2, "X-2"),
        ("a.xlsx", "England LCSPR", 3, "X-1"),
        ("b.xlsx", "England SCR", 3, "NS-2024-01"),
        ("b.xlsx", "England SCR", 5, "NS-2024-01"),
        ("b.xlsx", "England SCR", 6, None),  # no id: missing-required, never a duplicate
        ("b.xlsx", "England SCR", 7, None),
    ]
    assert [p.cell for p in result.problems if p.type == "missing-required"] == ["A6", "A7"]


def test_id_written_as_number_and_as_text_are_the_same_review(tmp_path: Path) -> None:
    path = scr_workbook(
        tmp_path / "n.xlsx", [dict(GOOD_SCR, review_id=2024), dict(GOOD_SCR, review_id="2024")]
    )
    result = run_check([SourceSpec(str(path))], AS_OF)
    assert sorted(p.cell for p in result.problems if p.type == "duplicate-id") == ["A2", "A3"]


# --- warnings: reported, review still assessed ---------------------------------------------------


def test_future_date_warning(tmp_path: Path) -> None:
    result = check_rows(tmp_path, {"panel_notified": date(2024, 6, 1)})
    p = only(result, "future-date")
    assert_located(p, "panel_notified", 3, "NS-2024-02", date(2024, 6, 1))
    assert p.severity == "warning" and "01/06/2024 is after the as-of date 01/03/2024" in p.message
    assert all(assessable(result).values())


def test_future_date_depends_on_as_of(tmp_path: Path) -> None:
    path = scr_workbook(tmp_path / "f.xlsx", [dict(GOOD_SCR, panel_notified=date(2024, 6, 1))])
    later = run_check([SourceSpec(str(path))], date(2024, 7, 1))
    assert later.problems == []


def test_out_of_order_warning(tmp_path: Path) -> None:
    result = check_rows(tmp_path, {"decision": "03/01/2018"})  # before notified on 05/01
    p = only(result, "out-of-order")
    assert_located(p, "decision", 3, "NS-2024-02", "03/01/2018")
    assert p.severity == "warning"
    assert "Decision date (03/01/2018) is before Date notified to LSCB (05/01/2018)" in p.message
    assert all(assessable(result).values())


def test_choice_case_warning(tmp_path: Path) -> None:
    result = check_rows(tmp_path, {"decision_outcome": "  initiate scr"})
    p = only(result, "choice-case")
    assert_located(p, "decision_outcome", 3, "NS-2024-02", "  initiate scr")
    assert "read as Initiate SCR" in p.message and p.severity == "warning"
    assert all(assessable(result).values())
    stages = {s["id"]: s for s in result.reviews[1]["stages"]}
    assert stages["completed"]["status"] != "not_applicable"  # the choice was understood


def test_invalid_link_warning(tmp_path: Path) -> None:
    result = check_rows(tmp_path, {"report_link": "http://example.org/report.pdf"})
    p = only(result, "invalid-link")
    assert_located(p, "report_link", 3, "NS-2024-02", "http://example.org/report.pdf")
    assert all(assessable(result).values())
    assert result.reviews[1]["report_link"] is None


def test_https_link_is_kept(tmp_path: Path) -> None:
    result = check_rows(tmp_path, {"report_link": " https://example.org/r.pdf "})
    assert result.problems == []
    assert result.reviews[1]["report_link"] == "https://example.org/r.pdf"


def test_not_applicable_date_warning(tmp_path: Path) -> None:
    result = check_rows(
        tmp_path, {"decision_outcome": "Do not initiate", "completed": date(2024, 2, 20)}
    )
    p = only(result, "not-applicable-date")
    assert_located(p, "completed", 3, "NS-2024-02", date(2024, 2, 20))
    assert "Decision is Do not initiate" in p.message and p.severity == "warning"
    assert all(assessable(result).values())


def test_not_applicable_date_is_decided_by_the_canonical_answer(tmp_path: Path) -> None:
    """The decision as read decides: an answer in odd case is the answer (warned about twice),
    an unknown answer is no decision (only the schema's error), the same answer on many rows
    warns at each of them."""
    result = check_rows(
        tmp_path,
        {"decision_outcome": " do NOT initiate ", "completed": date(2024, 2, 20)},
        {"decision_outcome": "Maybe", "completed": date(2024, 2, 21)},
        {"decision_outcome": "Do not initiate", "completed": date(2024, 2, 22)},
        {"decision_outcome": "Initiate SCR", "completed": date(2024, 2, 23)},
        {"decision_outcome": "Do not initiate", "completed": None},
    )
    found = [(p.type, p.cell, p.review_id, p.message) for p in result.problems]
    col = column_of("england-scr", "completed")
    outcome = column_of("england-scr", "decision_outcome")
    assert [f[:2] for f in found] == [
        ("choice-case", f"{outcome}3"),
        ("not-applicable-date", f"{col}3"),
        ("unknown-choice", f"{outcome}4"),
        ("not-applicable-date", f"{col}5"),
    ]
    assert [f[3] for f in found if f[0] == "not-applicable-date"] == [
        "Date SCR completed has a date but the stage does not apply (Decision is Do not initiate)",
    ] * 2


def test_no_not_applicable_warning_before_a_decision(tmp_path: Path) -> None:
    result = check_rows(tmp_path, {"decision_outcome": None, "completed": date(2024, 2, 20)})
    assert not [p for p in result.problems if p.type == "not-applicable-date"]


def test_formula_without_value_is_an_error(tmp_path: Path) -> None:
    """The value the officer sees once Excel calculates is unknown: the review waits for it
    (taking the stage as not done could report it overdue)."""
    path = scr_workbook(tmp_path / "f.xlsx", [GOOD_SCR, dict(GOOD_SCR, review_id="NS-2024-02")])
    wb = load_workbook(path)
    notified = column_of("england-scr", "notified")
    wb[SHEET][f"{column_of('england-scr', 'decision')}3"] = f"={notified}3+14"
    wb.save(path)
    result = run_check([SourceSpec(str(path))], AS_OF)
    p = only(result, "formula-without-value")
    assert_located(p, "decision", 3, "NS-2024-02", None)
    assert p.severity == "error" and "formula" in p.message
    assert p.fix == (
        "Open and save the file in Excel or LibreOffice so the result is stored, or type the value."
    )
    assert assessable(result) == {"NS-2024-01": True, "NS-2024-02": False}


def test_formula_in_notes_is_not_reported(tmp_path: Path) -> None:
    path = scr_workbook(tmp_path / "f.xlsx")
    wb = load_workbook(path)
    wb[SHEET][f"{column_of('england-scr', 'notes')}2"] = '=CONCAT("a","b")'
    wb.save(path)
    assert run_check([SourceSpec(str(path))], AS_OF).problems == []


# --- sheet layout ------------------------------------------------------------------------------


def test_missing_required_column(tmp_path: Path) -> None:
    rows = framework_rows("england-scr", [GOOD_SCR])
    col = rows[0].index("Date notified to LSCB")
    rows = [r[:col] + r[col + 1 :] for r in rows]
    path = write_workbook(tmp_path / "m.xlsx", {SHEET: rows})
    result = run_check([SourceSpec(str(path))], AS_OF)
    p = only(result, "missing-column")
    assert p.severity == "error" and p.column == "Date notified to LSCB" and p.sheet == SHEET
    assert "tracker init" in p.fix
    assert [r["assessable"] for r in result.reviews] == [False]


def test_missing_optional_column(tmp_path: Path) -> None:
    rows = framework_rows("england-scr", [GOOD_SCR])
    col = rows[0].index("Date published")
    rows = [r[:col] + r[col + 1 :] for r in rows]
    path = write_workbook(tmp_path / "m.xlsx", {SHEET: rows})
    result = run_check([SourceSpec(str(path))], AS_OF)
    p = only(result, "missing-optional-column")
    assert p.severity == "warning" and p.column == "Date published"
    assert [r["assessable"] for r in result.reviews] == [True]


def test_columns_in_any_order_with_extra_columns(tmp_path: Path) -> None:
    rows = framework_rows(
        "england-scr", [GOOD_SCR, dict(GOOD_SCR, review_id="NS-2024-02", decision="x")]
    )
    rows = [[f"extra {i}"] + list(reversed(r)) for i, r in enumerate(rows)]
    rows[0][0] = "Officer"
    path = write_workbook(tmp_path / "o.xlsx", {SHEET: rows})
    result = run_check([SourceSpec(str(path))], AS_OF)
    p = only(result, "invalid-date")
    width = len(rows[0])
    decision_index = width - 1 - framework_rows("england-scr", [])[0].index("Decision date")
    from tracker.tables import column_letter

    assert p.cell == f"{column_letter(decision_index + 1)}3"


def test_headers_match_ignoring_case_and_spaces(tmp_path: Path) -> None:
    rows = framework_rows("england-scr", [GOOD_SCR])
    rows[0] = [f"  {h.upper()}\u00a0" for h in rows[0]]
    path = write_workbook(tmp_path / "h.xlsx", {SHEET: rows})
    assert run_check([SourceSpec(str(path))], AS_OF).problems == []


def test_no_header_row(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "nh.xlsx", {SHEET: [["a", "b"], [1, 2]]})
    result = run_check([SourceSpec(str(path))], AS_OF)
    p = only(result, "no-header")
    assert p.severity == "error" and p.sheet == SHEET


def test_wrong_nation_sheet(tmp_path: Path) -> None:
    path = write_workbook(
        tmp_path / "w.xlsx",
        {
            SHEET: framework_rows("england-scr", [GOOD_SCR]),
            "Wales CPR": framework_rows("wales-cpr", []),
        },
    )
    board = BoardConfig(name="Northshire LSCB", nation="england", sources=(str(path),))
    result = run_check([SourceSpec(str(path), board)], AS_OF)
    p = only(result, "wrong-nation-sheet")
    assert p.sheet == "Wales CPR" and p.value == "Wales CPR" and p.severity == "warning"
    assert "Northshire LSCB is in england" in p.message
    assert [r["board"] for r in result.reviews] == ["Northshire LSCB"]


def test_blank_rows_between_reviews_are_skipped_and_rows_kept(tmp_path: Path) -> None:
    rows = framework_rows(
        "england-scr", [GOOD_SCR, dict(GOOD_SCR, review_id="NS-2024-02", decision="x")]
    )
    rows.insert(2, [None] * len(rows[0]))
    rows.insert(2, [" "] * len(rows[0]))
    path = write_workbook(tmp_path / "b.xlsx", {SHEET: rows})
    result = run_check([SourceSpec(str(path))], AS_OF)
    assert [r["row"] for r in result.reviews] == [2, 5]
    assert only(result, "invalid-date").row == 5


def test_every_problem_in_one_row_is_reported(tmp_path: Path) -> None:
    result = check_rows(
        tmp_path,
        {
            "trigger": "DEATH",
            "decision": "31/02/2024",
            "decision_outcome": "Perhaps",
            "reviewer_independent": "dunno",
            "published": "01/13/2024",
        },
    )
    kinds = sorted(p.type for p in result.problems)
    assert kinds == [
        "choice-case",
        "impossible-date",
        "invalid-yes-no",
        "unknown-choice",
        "us-date-order",
    ]
    assert {p.row for p in result.problems} == {3}
    assert len({p.cell for p in result.problems}) == 5


def test_problem_json_shape(tmp_path: Path) -> None:
    result = check_rows(tmp_path, {"decision": "31/02/2024"})
    [data] = result.to_json()["problems"]
    assert data == {
        "source": str(tmp_path / "board.xlsx"),
        "sheet": SHEET,
        "cell": f"{column_of('england-scr', 'decision')}3",
        "row": 3,
        "column": "Decision date",
        "review_id": "NS-2024-02",
        "value": "31/02/2024",
        "type": "impossible-date",
        "severity": "error",
        "message": "31/02/2024 is not a real date: February 2024 has no day 31",
        "fix": "Check the day and month and correct it.",
        "link": None,
    }


def test_notes_never_appear_in_problems(tmp_path: Path) -> None:
    secret = "Child's mother disclosed XYZ"
    result = check_rows(tmp_path, {"notes": secret, "decision": "bad"}, {"notes": secret})
    text = repr(result.to_json())
    assert secret not in text
    assert "bad" in text


def test_every_declared_slug_is_raised_somewhere() -> None:
    """A slug nobody raises is a promise the tool does not keep."""
    import subprocess

    root = Path(__file__).resolve().parent.parent
    code = subprocess.run(
        ["grep", "-rhoE", r"\"[a-z]+(-[a-z]+)*\"", "schemas", "tracker"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    raised = {s.strip('"') for s in code.split()}
    tests = (root / "tests").glob("test_*.py")
    mentioned = " ".join(t.read_text() for t in tests)
    for slug in PROBLEM_TYPES:
        assert slug in raised, slug
        if not slug.startswith("gsheet-"):
            assert f'"{slug}"' in mentioned, f"no test mentions {slug}"


def test_formula_error_cell_is_reported_not_read_as_blank(tmp_path: Path) -> None:
    """calamine reads an error cell as empty; the stage must not look simply not done."""
    from tests.officer_fixtures import calculate

    path = scr_workbook(tmp_path / "e.xlsx", [GOOD_SCR, dict(GOOD_SCR, review_id="NS-2024-02")])
    wb = load_workbook(path)
    decision = column_of("england-scr", "decision")
    wb[SHEET][f"{decision}3"] = "=VLOOKUP(A3,Lookup!A:B,2,FALSE)"
    wb.save(path)
    with __import__("zipfile").ZipFile(path) as z:
        assert b"VLOOKUP" in z.read("xl/worksheets/sheet1.xml")
    calculate(path, SHEET, {f"{decision}3": 0})
    # make the cached result an error, as Excel saves a failed lookup
    import zipfile

    with zipfile.ZipFile(path) as z:
        parts = {i.filename: z.read(i.filename) for i in z.infolist()}
    xml = parts["xl/worksheets/sheet1.xml"]
    start = xml.index(f'<c r="{decision}3"'.encode())
    end = xml.index(b"</c>", start)
    cell = xml[start:end].replace(b"<v>0</v>", b"<v>#N/A</v>").replace(b"<c ", b'<c t="e" ', 1)
    parts["xl/worksheets/sheet1.xml"] = xml[:start] + cell + xml[end:]
    with zipfile.ZipFile(path, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    result = run_check([SourceSpec(str(path))], AS_OF)
    p = only(result, "cell-error")
    assert_located(p, "decision", 3, "NS-2024-02", "#N/A")
    assert p.message == "the cell shows the error #N/A, not a value"
    assert assessable(result) == {"NS-2024-01": True, "NS-2024-02": False}


# --- placeholders and US-order imports ---------------------------------------------------------


@pytest.mark.parametrize("word", ["TBC", "tbc ", "n/a", "N/A", "-", "?", "Pending", " unknown"])
def test_placeholder_in_a_date_cell_is_blank_with_a_warning(tmp_path: Path, word: str) -> None:
    """The decision overdue since April stays overdue: the review is still assessed."""
    result = run_check(
        [SourceSpec(str(scr_workbook(tmp_path / "p.xlsx", [dict(GOOD_SCR, decision=word)])))],
        date(2024, 6, 30),
    )
    p = only(result, "placeholder")
    assert_located(p, "decision", 2, "NS-2024-01", word)
    assert p.severity == "warning" and word.strip() in p.message and "blank" in p.message
    assert "date" in (p.fix or "")
    assert assessable(result) == {"NS-2024-01": True}
    decision = next(s for s in result.reviews[0]["stages"] if s["id"] == "decision")
    assert (decision["done"], decision["status"]) == (None, "overdue")
    assert result.count(Status.OVERDUE) == 1


def test_placeholder_in_a_yes_no_cell(tmp_path: Path) -> None:
    result = check_rows(tmp_path, {"reviewer_independent": "TBC"})
    p = only(result, "placeholder")
    assert_located(p, "reviewer_independent", 3, "NS-2024-02", "TBC")
    assert "Yes or No" in (p.fix or "")
    assert all(assessable(result).values())


def test_placeholder_in_a_required_date_is_still_missing(tmp_path: Path) -> None:
    result = check_rows(tmp_path, {"notified": "TBC"})
    assert sorted(p.type for p in result.problems) == ["missing-required", "placeholder"]
    assert assessable(result) == {"NS-2024-01": True, "NS-2024-02": False}


def test_a_row_with_only_a_placeholder_is_reported_not_dropped(tmp_path: Path) -> None:
    rows = framework_rows("england-scr", [GOOD_SCR, {"decision": "TBC"}])
    path = write_workbook(tmp_path / "stub.xlsx", {SHEET: rows})
    result = run_check([SourceSpec(str(path))], AS_OF)
    assert [r["row"] for r in result.reviews] == [2, 3]
    assert {p.type for p in result.problems} >= {"placeholder", "missing-required"}


def test_other_text_in_a_date_cell_stays_an_error(tmp_path: Path) -> None:
    result = check_rows(tmp_path, {"decision": "TBC next week"})
    assert only(result, "invalid-date").value == "TBC next week"
    assert assessable(result)["NS-2024-02"] is False


def _us_import(tmp_path: Path) -> Path:
    """What a UK CSV imported with a US locale leaves: 04/05/2024 became a date cell (5 April,
    month first), 13/04/2024 could not be read month first and stayed text."""
    dates = [date(2024, 4, 5), "13/04/2024", date(2024, 2, 3), "28/02/2024", date(2024, 12, 1)]
    reviews = [
        dict(GOOD_SCR, review_id=f"NS-2024-{i:02d}", notified=d, la_aware=None, decision=None)
        for i, d in enumerate(dates, start=1)
    ]
    return scr_workbook(tmp_path / "us.xlsx", reviews)


def test_us_locale_import_is_flagged_once_per_column(tmp_path: Path) -> None:
    result = run_check([SourceSpec(str(_us_import(tmp_path)))], date(2024, 12, 31))
    p = only(result, "suspect-us-date-import")
    col = column_of("england-scr", "notified")
    assert (p.sheet, p.column, p.cell, p.severity) == (
        SHEET,
        "Date notified to LSCB",
        f"{col}3",
        "warning",
    )
    assert f"{col}2 is a date cell (05/04/2024)" in p.message
    assert f"{col}3 is the text 13/04/2024" in p.message
    assert p.value == "13/04/2024"  # what is typed in the cell the warning points at
    assert "US" in p.message and "UK" in (p.fix or "")
    assert all(assessable(result).values())


@pytest.mark.parametrize(
    "dates",
    [
        [date(2024, 4, 5), date(2024, 4, 20), "13/04/2024"],  # a date cell with a day over 12
        [date(2024, 4, 5), "05/04/2024", "13/04/2024"],  # a text date a US import would convert
        [date(2024, 4, 5), date(2024, 4, 6)],  # no text dates
        ["13/04/2024", "14/04/2024"],  # no date cells
    ],
)
def test_officers_own_mixes_are_not_flagged_as_us_imports(tmp_path: Path, dates: list[Any]) -> None:
    reviews = [
        dict(GOOD_SCR, review_id=f"NS-2024-{i:02d}", notified=d, la_aware=None, decision=None)
        for i, d in enumerate(dates, start=1)
    ]
    result = run_check(
        [SourceSpec(str(scr_workbook(tmp_path / "uk.xlsx", reviews)))], date(2024, 12, 31)
    )
    assert not [p for p in result.problems if p.type == "suspect-us-date-import"]


def test_us_import_seen_past_the_first_dates(tmp_path: Path) -> None:
    """The column's first few hundred date cells are all dated the 12th or earlier: the one
    later in the column dated after the 12th still rules a US import out."""
    dates: list[Any] = [date(2024, 1 + i % 12, 1 + i % 12) for i in range(300)]
    dates.append("13/04/2024")
    flagged = [date(2024, 4, 5)] * 5 + ["13/04/2024"]
    for name, column, expected in (
        ("late.xlsx", [*dates, date(2024, 4, 20)], False),
        ("never.xlsx", dates, True),
        ("short.xlsx", flagged, True),
    ):
        reviews = [
            dict(GOOD_SCR, review_id=f"NS-{i:04d}", notified=d, la_aware=None, decision=None)
            for i, d in enumerate(column, start=1)
        ]
        result = run_check([SourceSpec(str(scr_workbook(tmp_path / name, reviews)))], AS_OF)
        found = [p for p in result.problems if p.type == "suspect-us-date-import"]
        assert bool(found) is expected, name


def test_invalid_ids_among_many_are_each_located(tmp_path: Path) -> None:
    """pandera checks every id against the pattern in one pass over the column: each bad id is
    still reported at its own cell, the good ones on either side are not."""
    ids = ["NS-1", "NS 2", "NS-3", "NS/4é", "NS_5", "NS.6", "NS-7"]
    reviews = [dict(GOOD_SCR, review_id=rid) for rid in ids]
    result = run_check([SourceSpec(str(scr_workbook(tmp_path / "ids.xlsx", reviews)))], AS_OF)
    col = column_of("england-scr", "review_id")
    found = [(p.cell, p.value) for p in result.problems if p.type == "invalid-id"]
    assert found == [(f"{col}3", "NS 2"), (f"{col}5", "NS/4é"), (f"{col}7", "NS.6")]
    assert assessable(result) == {rid: rid in ("NS-1", "NS-3", "NS_5", "NS-7") for rid in ids}


@pytest.mark.parametrize(
    "ids",
    [
        ["A-1", "b/2", "C_3", "x"],
        ["", "A-1", "A 1", " A", "A ", "A\n", "A\nB", "é", "A\tB", "A-1", "Z"],
        ["\n", "", "\n\n"],
        [],
    ],
)
def test_id_pattern_in_one_pass_agrees_with_matching_each_id(ids: list[str]) -> None:
    """``ids_match`` gives what pandas' ``str.match`` gives id by id (a trailing line break
    matches ``$`` there; a missing id passes: not-nullable reports it)."""
    import re

    import pandas as pd

    from schemas.schema import REVIEW_ID_PATTERN, ids_match

    series = pd.Series([*ids, None], dtype="str", index=range(10, 11 + len(ids)))
    expected = [re.match(REVIEW_ID_PATTERN, i) is not None for i in ids] + [True]
    got = ids_match(series)
    assert got.tolist() == expected
    assert got.index.tolist() == series.index.tolist()


@pytest.mark.parametrize(
    "texts",
    [
        ["NS-2024-01", "NS-2024-02", "", "Board A"],  # clean: taken as typed
        ["NS-2024-01", " NS-2024-02", "NS  03", "tab\there", "", "é", "end "],  # cleaned
        ["x", 12.0, "y"],  # not all text
    ],
)
def test_text_column_taken_as_typed_parses_as_each_value_would(texts: list[Any]) -> None:
    import numpy as np

    from schemas.validate import ParsedColumn
    from schemas.values import parse_text

    raw = np.empty(len(texts) + 1, dtype=object)
    raw[:] = [*texts, None]
    column = ParsedColumn(raw, parse_text)
    parsed = [parse_text(v) for v in raw]
    assert column.values().tolist() == [p.value for p in parsed]
    assert column.blank().tolist() == [p.value is None for p in parsed]
    assert not column.bad().any()
    assert [column.at(i) for i in range(len(raw))] == parsed


def test_small_columns_factorize_as_pandas_does() -> None:
    """A sheet's small column is factorized in a dict, a column of one value by counting: the
    same codes and distinct values, in the same order, as pandas gives (missing values, True
    beside 1, 1 beside 1.0, dates)."""
    import random
    from datetime import datetime

    import numpy as np
    import pandas as pd

    from schemas.validate import _factorize

    pool: list[Any] = [
        "", " ", "a", "A", "Death", None, float("nan"), 0, 1, 1.0, 0.0, -0.0, 2.5, True, False,
        date(2024, 1, 5), datetime(2024, 1, 5), datetime(2024, 1, 5, 9), "2024-01-05", 45296,
    ]  # fmt: skip
    rng = random.Random(18)
    constant = [
        [""] * 300,
        ["Death"] * 3,
        [None] * 4,
        [float("nan")] * 3,
        [1, 1.0, True],
        [0, False],
    ]
    columns = constant + [[v] * rng.randrange(1, 300) for v in pool]
    for _ in range(2000):
        columns.append([rng.choice(pool) for _ in range(rng.randrange(0, 40))])
    for values in columns:
        raw = np.empty(len(values), dtype=object)
        raw[:] = values
        codes, uniques = _factorize(raw)
        want_codes, want_uniques = pd.factorize(raw, use_na_sentinel=True)
        assert codes.tolist() == want_codes.tolist()
        assert [(type(u), u) for u in uniques] == [(type(u), u) for u in want_uniques.tolist()]


def test_date_columns_dtype_is_what_pandera_resolves_anyway() -> None:
    """schemas.schema registers the frames' date dtype with pandera (a fast look-up): it must be
    the type pandera reaches for numpy datetimes on its own, so every verdict is unchanged."""
    import numpy as np
    from pandera.engines import pandas_engine

    from schemas.schema import DATE_DTYPE

    resolved = pandas_engine.Engine.dtype(DATE_DTYPE)
    assert resolved == pandas_engine.Engine.dtype(np.datetime64)
    assert type(resolved) is pandas_engine.DateTime and resolved.tz is None


def test_ascii_headers_normalise_as_any_text_does() -> None:
    """normalise_header's ASCII shortcut gives what cleaning, casefolding and squeezing give."""
    import random

    from schemas.table import normalise_header
    from schemas.values import clean_text

    def general(text: str) -> str:
        return " ".join(clean_text(text).casefold().replace("’", "'").split())

    rng = random.Random(18)
    alphabet = [chr(c) for c in range(128)] + list("  RrEeVvIiDd")
    for _ in range(5000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 25)))
        assert normalise_header(text) == general(text), repr(text)
    assert normalise_header(" Review  ID\t") == "review id"
    assert normalise_header("Review’s ID") == "review's id"
