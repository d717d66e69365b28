"""Reading .xlsx files as officers send them: every unreadable-file case of issue 3 item 4 gets one
clear line naming the file, and the other sources in the same run are still checked."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import framework_rows, write_workbook
from tests.officer_fixtures import (
    GOOD_SCR,
    column_of,
    csv_file,
    docx_like,
    encrypted_workbook,
    formatted_empty_rows,
    generated_workbook,
    legacy_xls,
    ods_with,
    ods_workbook,
    scr_workbook,
    sheet_with,
    zip_bomb,
    zip_declaring_huge_size,
)
from tracker.check import SourceSpec, run_check
from tracker.cli import main
from tracker.sources.base import SourceError, column_letter
from tracker.sources.xlsx import read_xlsx

AS_OF = date(2024, 3, 1)
TITLES = {"england scr"}


def _truncated(path: Path) -> Path:
    data = scr_workbook(path.with_name("whole.xlsx")).read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def _corrupt_part(path: Path) -> Path:
    """A complete zip whose workbook part is not XML."""
    good = scr_workbook(path.with_name("base.xlsx"))
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(path, "w") as out:
        for name in src.namelist():
            out.writestr(name, b"\x00garbage<<" if name == "xl/workbook.xml" else src.read(name))
    return path


def _bit_flipped(path: Path) -> Path:
    """A stored byte changed in the middle of the sheet's compressed data."""
    good = scr_workbook(path.with_name("base.xlsx"))
    data = bytearray(good.read_bytes())
    with zipfile.ZipFile(good) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    for k in range(start + 10, start + 40):
        data[k] ^= 0xFF
    path.write_bytes(bytes(data))
    return path


def _pdf(path: Path) -> Path:
    path.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n")
    return path


def _binary(path: Path) -> Path:
    path.write_bytes(bytes(range(256)) * 8)
    return path


def _empty(path: Path) -> Path:
    path.write_bytes(b"")
    return path


def _folder(path: Path) -> Path:
    path.mkdir()
    return path


def _plain_zip(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("readme.txt", "hello")
    return path


def _fods(path: Path) -> Path:
    """A flat OpenDocument spreadsheet: one XML file, as LibreOffice saves .fods."""
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'office:version="1.3" office:mimetype="application/vnd.oasis.opendocument.spreadsheet">'
        "<office:body><office:spreadsheet/></office:body></office:document>\n"
    )
    return path


def _numbers(path: Path) -> Path:
    """An Apple Numbers document (a zip of .iwa archives)."""
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("Index/Document.iwa", b"\x00\x01\x02")
        z.writestr("Metadata/Properties.plist", "<plist/>")
    return path


def _odt(path: Path) -> Path:
    """An OpenDocument text document: an .ods's zip layout, another mimetype."""
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        z.writestr("content.xml", "<office:document-content/>")
    return path


#: (case id, file name, builder, words the one-line message must contain)
UNREADABLE: list[tuple[str, str, Callable[[Path], Path], tuple[str, ...]]] = [
    ("truncated", "half.xlsx", _truncated, ("corrupt or truncated",)),
    ("corrupt-part", "broken.xlsx", _corrupt_part, ("corrupt",)),
    ("bit-flipped", "flipped.xlsx", _bit_flipped, ("corrupt",)),
    ("encrypted", "locked.xlsx", encrypted_workbook, ("password-protected", "without a password")),
    ("empty", "empty.xlsx", _empty, ("empty (0 bytes)",)),
    ("folder", "folder.xlsx", _folder, ("folder",)),
    ("zip-bomb", "bomb.xlsx", zip_bomb, ("zip bomb", "MB")),
    ("zip-declared-huge", "liar.xlsx", zip_declaring_huge_size, ("zip bomb",)),
]
#: formats the tracker does not read: the line names the format and how to save as .xlsx/.ods
UNSUPPORTED: list[tuple[str, str, Callable[[Path], Path], tuple[str, ...]]] = [
    ("csv", "export.csv", csv_file, ("CSV", "save as .xlsx", ".ods")),
    ("csv-named-xlsx", "export.xlsx", csv_file, ("CSV",)),
    ("fods", "board.fods", _fods, ("flat OpenDocument", ".fods", "save it as .ods or .xlsx")),
    ("fods-named-xlsx", "board-fods.xlsx", _fods, ("flat OpenDocument",)),
    ("numbers", "board.numbers", _numbers, ("Apple Numbers", "Export To > Excel")),
    ("odt", "letter.odt", _odt, ("OpenDocument text", ".xlsx", ".ods")),
    ("pdf", "report.xlsx", _pdf, ("PDF", ".xlsx")),
    ("binary", "photo.xlsx", _binary, ("not a spreadsheet", ".xlsx", ".ods")),
    ("word", "letter.docx", docx_like, ("Word document", ".xlsx")),
    ("plain-zip", "archive.zip", _plain_zip, ("zip file but not a spreadsheet", ".xlsx")),
]


@pytest.mark.parametrize(
    ("name", "builder", "words", "slug"),
    [(*c[1:], "unreadable-source") for c in UNREADABLE]
    + [(*c[1:], "unsupported-format") for c in UNSUPPORTED],
    ids=[c[0] for c in UNREADABLE + UNSUPPORTED],
)
def test_unreadable_file_gets_one_clear_line(
    tmp_path: Path, name: str, builder: Callable[[Path], Path], words: tuple[str, ...], slug: str
) -> None:
    path = builder(tmp_path / name)
    with pytest.raises(SourceError) as caught:
        read_xlsx(str(path), TITLES)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: ")
    for word in words:
        assert word in message, message
    assert "Traceback" not in message and "Error(" not in message
    assert caught.value.slug == slug


def test_unsupported_format_is_a_problem_with_a_fix(tmp_path: Path) -> None:
    """The run goes on; the refused file is one problem naming its format and how to save it."""
    fods = _fods(tmp_path / "board.fods")
    good = scr_workbook(tmp_path / "good.xlsx")
    result = run_check([SourceSpec(str(fods)), SourceSpec(str(good))], AS_OF)
    [problem] = result.problems
    assert problem.type == "unsupported-format" and problem.severity == "error"
    assert ".fods" in problem.message and ".ods" in (problem.fix or "")
    assert result.unusable == [problem.message] and result.exit_code == 2
    assert [r["review_id"] for r in result.reviews] == ["NS-2024-01"]


@pytest.mark.parametrize(
    ("name", "builder"),
    [
        ("old.xls", legacy_xls),
        ("old-renamed.xlsx", legacy_xls),
        ("board.ods", ods_workbook),
        ("board-ods.xlsx", ods_workbook),
    ],
)
def test_legacy_xls_and_ods_are_read_like_xlsx(
    tmp_path: Path, name: str, builder: Callable[[Path], Path]
) -> None:
    """python-calamine reads both: the same table, the same cell addresses and problems."""
    path = builder(tmp_path / name)
    workbook = read_xlsx(str(path), TITLES)
    assert [s.title for s in workbook.sheets] == ["England SCR"]
    headers = framework_rows("england-scr", [])[0]
    assert workbook.sheets[0].rows[0][: len(headers)] == headers
    result = run_check([SourceSpec(str(path))], AS_OF)
    assert not result.unusable
    if builder is legacy_xls:  # a review id and nothing else: its required fields are missing
        missing = [p for p in result.problems if p.type == "missing-required"]
        assert missing and {p.row for p in missing} == {2}
        assert {p.review_id for p in missing} == {"NS-2024-01"}
        assert column_of("england-scr", "notified") + "2" in {p.cell for p in missing}


def test_missing_path(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match=r"nothere\.xlsx: file not found$"):
        read_xlsx(str(tmp_path / "nothere.xlsx"), TITLES)


@pytest.mark.parametrize(
    ("name", "builder", "words"), [c[1:] for c in UNREADABLE], ids=[c[0] for c in UNREADABLE]
)
def test_run_goes_on_with_the_other_sources(
    tmp_path: Path, name: str, builder: Callable[[Path], Path], words: tuple[str, ...]
) -> None:
    bad = builder(tmp_path / name)
    before = scr_workbook(tmp_path / "before.xlsx", [dict(GOOD_SCR, review_id="B-1")])
    after = scr_workbook(tmp_path / "after.xlsx", [dict(GOOD_SCR, review_id="A-1")])
    result = run_check(
        [SourceSpec(str(before)), SourceSpec(str(bad)), SourceSpec(str(after))], AS_OF
    )
    assert [r["review_id"] for r in result.reviews] == ["B-1", "A-1"]
    assert all(r["assessable"] for r in result.reviews)
    assert len(result.unusable) == 1 and result.unusable[0].startswith(str(bad))
    [problem] = result.problems
    assert problem.type == "unreadable-source" and problem.source == str(bad)
    assert result.exit_code == 2


def test_cli_reports_bad_sources_on_stderr_and_checks_the_rest(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    good = scr_workbook(tmp_path / "good.xlsx")
    locked = encrypted_workbook(tmp_path / "locked.xlsx")
    missing = tmp_path / "missing.xlsx"
    result = runner.invoke(
        main, ["validate", str(locked), str(missing), str(good), "--as-of", "2024-03-01"]
    )
    assert result.exit_code == 2
    # said once: in the table when the table is the output, on stderr otherwise
    assert f"UNUSABLE  {locked}: is password-protected" in result.stdout
    assert f"UNUSABLE  {missing}: file not found" in result.stdout
    assert "England SCR: 1 row checked · no problems" in result.stdout
    assert "password-protected" not in result.stderr
    as_json = runner.invoke(
        main, ["validate", str(locked), str(missing), str(good), "--format", "json"]
    )
    assert f"tracker: error: {locked}: is password-protected" in as_json.stderr
    assert f"tracker: error: {missing}: file not found" in as_json.stderr


def test_formatted_but_empty_rows_are_not_reviews(tmp_path: Path) -> None:
    path = formatted_empty_rows(tmp_path / "formatted.xlsx", rows=5000)
    workbook = read_xlsx(str(path), TITLES)
    assert len(workbook.sheets[0].rows) >= 5000  # the reader does see them
    result = run_check([SourceSpec(str(path))], AS_OF)
    assert [r["review_id"] for r in result.reviews] == ["NS-2024-01"]
    assert result.problems == []


def test_header_row_below_title_rows(tmp_path: Path) -> None:
    rows = framework_rows(
        "england-scr", [GOOD_SCR, dict(GOOD_SCR, review_id="NS-2024-02", decision="31/02/2024")]
    )
    path = sheet_with(
        tmp_path / "titled.xlsx",
        "England SCR",
        [["Northshire LSCB: case reviews"], ["Updated weekly"], [], *rows],
        merge=["A1:F1"],
    )
    result = run_check([SourceSpec(str(path))], AS_OF)
    assert [(r["review_id"], r["row"]) for r in result.reviews] == [
        ("NS-2024-01", 5),
        ("NS-2024-02", 6),
    ]
    [problem] = result.problems
    assert problem.cell == f"{column_of('england-scr', 'decision')}6"
    assert problem.row == 6 and problem.type == "impossible-date"


def test_header_merged_down_from_a_two_row_header(tmp_path: Path) -> None:
    """``Review ID`` merged over rows 1-2; the other headers in row 2 under a merged group title."""
    header = framework_rows("england-scr", [])[0]
    top: list[object] = [None] * len(header)
    top[0] = "Review ID"
    top[6] = "Key dates"
    second = list(header)
    second[0] = None
    data = framework_rows("england-scr", [GOOD_SCR])[1]
    path = sheet_with(
        tmp_path / "two-row.xlsx", "England SCR", [top, second, data], merge=["A1:A2", "G1:J1"]
    )
    result = run_check([SourceSpec(str(path))], AS_OF)
    assert result.problems == []
    [review] = result.reviews
    assert review["review_id"] == "NS-2024-01" and review["row"] == 3 and review["assessable"]


def test_header_merged_across_two_columns(tmp_path: Path) -> None:
    """A header cell widened by merging it with the empty cell to its right."""
    header = framework_rows("england-scr", [])[0]
    rows = [header + [None], framework_rows("england-scr", [GOOD_SCR])[1]]
    # put a blank spacer column after Notes and merge the Notes header over it
    notes = header.index("Notes")
    rows = [r[: notes + 1] + [None] + r[notes + 1 :] for r in rows]
    path = sheet_with(tmp_path / "wide.xlsx", "England SCR", rows, merge=["D1:E1"])
    result = run_check([SourceSpec(str(path))], AS_OF)
    assert result.problems == []
    [review] = result.reviews
    assert review["stages"] and review["assessable"]


def test_merge_that_swallows_a_header_is_reported_as_a_missing_column(tmp_path: Path) -> None:
    rows = framework_rows("england-scr", [GOOD_SCR])
    decision = column_of("england-scr", "decision")
    before = column_of("england-scr", "ofsted_notified")  # the column left of Decision date
    path = sheet_with(
        tmp_path / "swallowed.xlsx", "England SCR", rows, merge=[f"{before}1:{decision}1"]
    )
    result = run_check([SourceSpec(str(path))], AS_OF)
    [problem] = result.problems
    assert problem.type == "missing-optional-column" and problem.column == "Decision date"
    assert problem.sheet == "England SCR"


def test_duplicated_headers_stop_the_sheet_being_assessed(tmp_path: Path) -> None:
    rows = framework_rows("england-scr", [GOOD_SCR])
    rows[0].append("Decision date")
    rows[1].append(date(2024, 2, 1))
    extra = f"{column_letter(len(rows[0]))}1"
    path = sheet_with(tmp_path / "dup.xlsx", "England SCR", rows)
    result = run_check([SourceSpec(str(path))], AS_OF)
    [problem] = result.problems
    decision = column_of("england-scr", "decision")
    assert problem.type == "duplicate-header" and problem.severity == "error"
    assert f"{decision}1" in problem.message and extra in problem.message
    assert problem.cell == extra
    assert [r["assessable"] for r in result.reviews] == [False]


def test_hidden_sheet_is_read_with_a_warning(tmp_path: Path) -> None:
    path = sheet_with(
        tmp_path / "hidden.xlsx",
        "England SCR",
        framework_rows("england-scr", [GOOD_SCR]),
        hidden=True,
    )
    workbook = read_xlsx(str(path), TITLES)
    assert workbook.sheets[0].hidden
    result = run_check([SourceSpec(str(path))], AS_OF)
    [problem] = result.problems
    assert problem.type == "hidden-sheet" and problem.severity == "warning"
    assert problem.sheet == "England SCR"
    assert [r["assessable"] for r in result.reviews] == [True]


def test_visible_sheet_is_not_flagged_hidden(tmp_path: Path) -> None:
    workbook = read_xlsx(str(scr_workbook(tmp_path / "plain.xlsx")), TITLES)
    assert not workbook.sheets[0].hidden


def test_only_framework_sheets_are_loaded(tmp_path: Path) -> None:
    path = write_workbook(
        tmp_path / "many.xlsx",
        {"Cover": [["hello"]], "England SCR": framework_rows("england-scr", [GOOD_SCR])},
    )
    workbook = read_xlsx(str(path), TITLES)
    assert [s.title for s in workbook.sheets] == ["England SCR"]
    assert workbook.all_titles == ["Cover", "England SCR"]


def test_no_framework_sheet(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "other.xlsx", {"Budget": [["Item", "Cost"]]})
    good = scr_workbook(tmp_path / "good.xlsx")
    result = run_check([SourceSpec(str(path)), SourceSpec(str(good))], AS_OF)
    assert [p.type for p in result.problems] == ["no-framework-sheet"]
    assert "England SCR" in result.unusable[0] and result.unusable[0].startswith(str(path))
    assert [r["review_id"] for r in result.reviews] == ["NS-2024-01"]


def test_sheet_title_matches_ignoring_case_and_spaces(tmp_path: Path) -> None:
    path = write_workbook(
        tmp_path / "case.xlsx", {" england scr ": framework_rows("england-scr", [GOOD_SCR])}
    )
    result = run_check([SourceSpec(str(path))], AS_OF)
    assert [r["review_id"] for r in result.reviews] == ["NS-2024-01"]


def test_formula_cached_values_are_used_and_missing_ones_found(tmp_path: Path) -> None:
    """openpyxl writes formulas without cached values, as any program that never calculates."""
    from openpyxl import load_workbook

    path = scr_workbook(tmp_path / "formulas.xlsx")
    decision = column_of("england-scr", "decision")
    wb = load_workbook(path)
    wb["England SCR"][f"{decision}2"] = f"={column_of('england-scr', 'notified')}2+15"
    wb.save(path)
    workbook = read_xlsx(str(path), TITLES)
    col = [f for f in "ABCDEFGHIJKLMNOPQRS"].index(decision) + 1
    assert workbook.sheets[0].formulas_without_value == {(2, col)}


def test_formula_with_cached_value_is_read(tmp_path: Path) -> None:
    """A formula cell as Excel saves it: <f> and the calculated <v>."""
    path = scr_workbook(tmp_path / "cached.xlsx")
    decision = column_of("england-scr", "decision")
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    xml = parts["xl/worksheets/sheet1.xml"].decode()
    # the decision cell holds the serial for 20/01/2018 (43120); give it a formula too
    start = xml.index(f'<c r="{decision}2"')
    end = xml.index("</c>", start) + len("</c>")
    parts["xl/worksheets/sheet1.xml"] = (
        xml[:start] + f'<c r="{decision}2" s="1"><f>G2+15</f><v>43120</v></c>' + xml[end:]
    ).encode()
    with zipfile.ZipFile(path, "w") as z:
        for n, b in parts.items():
            z.writestr(n, b)
    workbook = read_xlsx(str(path), TITLES)
    assert workbook.sheets[0].formulas_without_value == set()
    result = run_check([SourceSpec(str(path))], AS_OF)
    assert result.problems == []
    stage = next(s for s in result.reviews[0]["stages"] if s["id"] == "decision")
    assert stage["done"] == "2018-01-20"


def test_formula_after_a_formatted_empty_cell_is_located_in_its_own_cell(tmp_path: Path) -> None:
    """Template date cells are formatted but empty (``<c r="M2" s="1"/>``): the formula scan must
    not run on from them into the next cell's formula."""
    from openpyxl import load_workbook

    from tracker.cli.templates import create_template
    from tracker.frameworks.registry import get_framework

    path = tmp_path / "template.xlsx"
    create_template(path, [get_framework("england-scr")])
    wb = load_workbook(path)
    ws = wb["England SCR"]
    for field_id in ("review_id", "notified", "decision"):
        ws[f"{column_of('england-scr', field_id)}2"] = GOOD_SCR[field_id]
    completed = column_of("england-scr", "completed")
    ws[f"{completed}2"] = f"={column_of('england-scr', 'decision')}2+100"
    wb.save(path)
    xml = zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml")
    before = column_of("england-scr", "reviewer_names_sent")
    assert f'<c r="{before}2" s="'.encode() in xml  # the formatted empty cell is there
    result = run_check([SourceSpec(str(path))], AS_OF)
    [problem] = result.problems
    assert problem.type == "formula-without-value"
    assert problem.cell == f"{completed}2"


# --- files from other programs: the 1904 date system, formulas never calculated, merged data ---


JUNE = dict(
    review_id="NS-2024-07",
    board="Northshire LSCB",
    trigger="Death",
    la_aware=date(2019, 6, 18),
    notified=date(2019, 6, 20),
    ofsted_notified=date(2019, 6, 20),
)


def _stages(result: Any, review_id: str) -> dict[str, tuple[str | None, str]]:
    review = next(r for r in result.reviews if r["review_id"] == review_id)
    return {s["id"]: (s["done"], s["status"]) for s in review["stages"]}


@pytest.mark.parametrize("dates_as_numbers", [True, False], ids=["serial-numbers", "date-cells"])
def test_1904_date_system_is_read_from_the_workbook(tmp_path: Path, dates_as_numbers: bool) -> None:
    """xlsxwriter's ``date_1904`` (Excel for Mac's old default): serials count from 1904, so a
    serial read with the 1900 epoch is 1,462 days early and a pending decision looks 1,442 days
    overdue. Real date cells were always right; plain numbers now are too."""
    rows = framework_rows("england-scr", [JUNE])
    path = generated_workbook(
        tmp_path / "mac.xlsx", rows, date_1904=True, dates_as_numbers=dates_as_numbers
    )
    workbook = read_xlsx(str(path), TITLES)
    assert workbook.sheets[0].date1904 is True
    notified = workbook.sheets[0].rows[1][[h for h in rows[0]].index("Date notified to LSCB")]
    assert isinstance(notified, float) is dates_as_numbers
    result = run_check([SourceSpec(str(path))], date(2019, 6, 30))
    assert result.problems == []
    stages = _stages(result, "NS-2024-07")
    assert stages["notified"] == ("2019-06-20", "on_time")
    assert stages["decision"] == (None, "pending")
    assert result.exit_code == 0


def test_1900_date_system_serials_are_unchanged(tmp_path: Path) -> None:
    path = generated_workbook(
        tmp_path / "pc.xlsx", framework_rows("england-scr", [JUNE]), dates_as_numbers=True
    )
    assert read_xlsx(str(path), TITLES).sheets[0].date1904 is False
    result = run_check([SourceSpec(str(path))], date(2019, 6, 30))
    assert _stages(result, "NS-2024-07")["notified"] == ("2019-06-20", "on_time")


def test_formulas_stored_as_zero_are_located_never_read_as_0(tmp_path: Path) -> None:
    """A generator stores 0 as every formula's result: a Board formula was read as the board
    "0", a date formula as "00:00:00 is not a date". Each is now one located error."""
    board, decision = column_of("england-scr", "board"), column_of("england-scr", "decision")
    notified = column_of("england-scr", "notified")
    rows = framework_rows(
        "england-scr",
        [dict(GOOD_SCR, board="Northshire LSCB"), dict(GOOD_SCR, review_id="NS-2024-02")],
    )
    rows[2][[f for f in rows[0]].index("Decision date")] = None
    path = generated_workbook(
        tmp_path / "generated.xlsx",
        rows,
        formulas={f"{board}3": '="Northshire LSCB"', f"{decision}3": f"={notified}3+14"},
    )
    xml = zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml")
    assert f'<c r="{decision}3" s="1"><f>{notified}3+14</f><v>0</v></c>'.encode() in xml
    sheet = read_xlsx(str(path), TITLES).sheets[0]
    col = [f for f in "ABCDEFGHIJKLMNOPQRS"]
    assert sheet.rows[2][col.index(board)] is None and sheet.rows[2][col.index(decision)] is None
    result = run_check([SourceSpec(str(path))], AS_OF)
    found = [(p.type, p.cell, p.severity, p.value, p.review_id) for p in result.problems]
    assert found == [
        ("formula-without-value", f"{board}3", "error", None, "NS-2024-02"),
        ("formula-without-value", f"{decision}3", "error", None, "NS-2024-02"),
    ]
    assert "00:00:00" not in repr(result.to_json())
    assert [(r["review_id"], r["board"], r["assessable"]) for r in result.reviews] == [
        ("NS-2024-01", "Northshire LSCB", True),
        ("NS-2024-02", None, False),
    ]
    fix = result.problems[0].fix or ""
    assert "Excel or LibreOffice" in fix and "type the value" in fix


def test_formulas_with_a_stored_result_are_read(tmp_path: Path) -> None:
    """Excel (or a generator told the result) stores it: that is the value, no problem."""
    board, decision = column_of("england-scr", "board"), column_of("england-scr", "decision")
    rows = framework_rows("england-scr", [dict(GOOD_SCR, decision=None)])
    path = generated_workbook(
        tmp_path / "calculated.xlsx",
        rows,
        formulas={
            f"{board}2": ('="Northshire LSCB"', "Northshire LSCB"),
            f"{decision}2": (f"={column_of('england-scr', 'notified')}2+15", 43120),
        },
    )
    result = run_check([SourceSpec(str(path))], AS_OF)
    assert result.problems == []
    assert result.reviews[0]["board"] == "Northshire LSCB"
    assert _stages(result, "NS-2024-01")["decision"][0] == "2018-01-20"


def test_merged_board_cells_apply_to_every_row_of_the_block(tmp_path: Path) -> None:
    """B2:B11 merged with one board: what the officer sees is that board on all ten rows."""
    reviews = [dict(GOOD_SCR, review_id=f"NS-2024-{i:02d}") for i in range(1, 11)]
    reviews[0]["board"] = "Northshire LSCB"
    board = column_of("england-scr", "board")
    path = sheet_with(
        tmp_path / "merged.xlsx",
        "England SCR",
        framework_rows("england-scr", reviews),
        merge=[f"{board}2:{board}11"],
    )
    assert read_xlsx(str(path), TITLES).sheets[0].rows[5][1] in (None, "")  # only top-left
    result = run_check([SourceSpec(str(path))], date(2018, 3, 1))  # while the SCRs ran
    assert [r["board"] for r in result.reviews] == ["Northshire LSCB"] * 10
    [note] = result.problems
    assert (note.type, note.severity, note.cell, note.row) == ("merged-cells", "info", "B2", 2)
    assert note.value == "Northshire LSCB" and note.column == "Board"
    assert f"{board}2:{board}11" in note.message and note.fix
    assert result.exit_code == 0  # a note, not a problem to act on


def test_merged_block_past_the_last_review_adds_no_rows(tmp_path: Path) -> None:
    reviews = [dict(GOOD_SCR, review_id=f"NS-2024-{i:02d}", board="N") for i in range(1, 4)]
    board = column_of("england-scr", "board")
    notes = column_of("england-scr", "notes")
    rows = framework_rows("england-scr", reviews)
    rows[1][[h for h in rows[0]].index("Notes")] = "Child's name and address"
    path = sheet_with(
        tmp_path / "merged.xlsx",
        "England SCR",
        rows,
        merge=[f"{board}2:{board}30", f"{notes}2:{notes}3"],
    )
    result = run_check([SourceSpec(str(path))], AS_OF)
    assert [r["review_id"] for r in result.reviews] == ["NS-2024-01", "NS-2024-02", "NS-2024-03"]
    assert [p.type for p in result.problems] == ["merged-cells", "merged-cells"]
    assert "Child" not in repr(result.to_json())  # a merged note is never quoted


def test_no_framework_sheet_lists_the_sheets_and_the_nearest_title(tmp_path: Path) -> None:
    path = write_workbook(
        tmp_path / "typo.xlsx",
        {"Cover": [["hello"]], "Englnd SCRs": framework_rows("england-scr", [GOOD_SCR])},
    )
    result = run_check([SourceSpec(str(path))], AS_OF)
    [problem] = result.problems
    assert problem.type == "no-framework-sheet"
    assert "found: 'Cover', 'Englnd SCRs'" in problem.message
    assert "nearest: England SCR (for 'Englnd SCRs')" in problem.message
    assert (
        problem.fix
        == "Name the sheet exactly as the template does: rename 'Englnd SCRs' to England SCR."
    )
    assert result.unusable == [f"{path}: {problem.message}"]


def test_ods_merged_cells_and_1904_null_date(tmp_path: Path) -> None:
    """calamine gives no merged ranges for an .ods, and an .ods can count serials from 1904:
    both come from its content.xml, so the .ods reads as the same workbook in .xlsx would."""
    reviews = [dict(GOOD_SCR, review_id=f"NS-2024-{i:02d}") for i in range(1, 6)]
    reviews[0]["board"] = "Northshire LSCB"
    rows = framework_rows("england-scr", reviews)
    notified = [h for h in rows[0]].index("Date notified to LSCB")
    rows[1][notified] = (date(2018, 1, 5) - date(1904, 1, 1)).days  # a plain number, 1904 system
    board = column_of("england-scr", "board")
    path = ods_with(tmp_path / "board.ods", rows, spans={(1, 1): (5, 1)}, null_date="1904-01-01")
    sheet = read_xlsx(str(path), TITLES).sheets[0]
    assert sheet.merged == [(2, 2, 6, 2)] and sheet.date1904 is True
    result = run_check([SourceSpec(str(path))], AS_OF)
    assert [r["board"] for r in result.reviews] == ["Northshire LSCB"] * 5
    assert [(p.type, p.cell) for p in result.problems] == [("merged-cells", f"{board}2")]
    assert _stages(result, "NS-2024-01")["notified"][0] == "2018-01-05"


@pytest.mark.parametrize(
    ("xml", "expected"),
    [
        (b'<c r="A2"><f>B2+1</f><v>3</v></c>', True),
        (b'<c r="A2"><f t="shared" ref="A2:A9" si="0">B2+1</f></c>', True),
        (b'<c r="A2" t="inlineStr"><is><t>x</t></is></c>', False),
        (b"<dataValidation><formula1>$Z$1:$Z$3</formula1></dataValidation>", False),
        (b'<autoFilter><filterColumn colId="0"><filters/></filterColumn></autoFilter><f', False),
        (b"<formula1>1</formula1><c><f>1</f></c>", True),
    ],
)
def test_cell_formulas_found_and_other_elements_starting_f_not(xml: bytes, expected: bool) -> None:
    from tracker.sources.xlsx import _has_cell_formula

    assert _has_cell_formula(xml) is expected
