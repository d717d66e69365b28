"""Reading .xlsx files as officers send them: every unreadable-file case of issue 3 item 4 gets one
clear line naming the file, and the other sources in the same run are still checked."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from tests.conftest import framework_rows, write_workbook
from tests.officer_fixtures import (
    GOOD_SCR,
    column_of,
    csv_file,
    docx_like,
    encrypted_workbook,
    formatted_empty_rows,
    legacy_xls,
    ods_workbook,
    scr_workbook,
    sheet_with,
    zip_bomb,
    zip_declaring_huge_size,
)
from tracker.check import SourceSpec, run_check
from tracker.cli import main
from tracker.sources.base import SourceError
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


#: (case id, file name, builder, words the one-line message must contain)
UNREADABLE: list[tuple[str, str, Callable[[Path], Path], tuple[str, ...]]] = [
    ("truncated", "half.xlsx", _truncated, ("corrupt or truncated",)),
    ("corrupt-part", "broken.xlsx", _corrupt_part, ("corrupt",)),
    ("bit-flipped", "flipped.xlsx", _bit_flipped, ("corrupt",)),
    ("encrypted", "locked.xlsx", encrypted_workbook, ("password-protected", "without a password")),
    ("legacy-xls", "old.xls", legacy_xls, ("legacy", ".xls", "save it as", ".xlsx")),
    ("xls-named-xlsx", "old-renamed.xlsx", legacy_xls, ("legacy", ".xls")),
    ("csv", "export.csv", csv_file, ("CSV", "save as .xlsx")),
    ("csv-named-xlsx", "export.xlsx", csv_file, ("CSV",)),
    ("ods", "board.ods", ods_workbook, ("OpenDocument", ".ods", "save it as .xlsx")),
    ("ods-named-xlsx", "board-ods.xlsx", ods_workbook, ("OpenDocument",)),
    ("pdf", "report.xlsx", _pdf, ("PDF",)),
    ("binary", "photo.xlsx", _binary, ("not an Excel workbook",)),
    ("word", "letter.docx", docx_like, ("Word document",)),
    ("plain-zip", "archive.zip", _plain_zip, ("zip file but not an Excel workbook",)),
    ("empty", "empty.xlsx", _empty, ("empty (0 bytes)",)),
    ("folder", "folder.xlsx", _folder, ("folder",)),
    ("zip-bomb", "bomb.xlsx", zip_bomb, ("zip bomb", "MB")),
    ("zip-declared-huge", "liar.xlsx", zip_declaring_huge_size, ("zip bomb",)),
]


@pytest.mark.parametrize(
    ("name", "builder", "words"), [c[1:] for c in UNREADABLE], ids=[c[0] for c in UNREADABLE]
)
def test_unreadable_file_gets_one_clear_line(
    tmp_path: Path, name: str, builder: Callable[[Path], Path], words: tuple[str, ...]
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
    assert f"{locked}: is password-protected" in result.stderr
    assert f"{missing}: file not found" in result.stderr
    assert "England SCR: 1 rows checked · no problems" in result.stdout


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
    notified = column_of("england-scr", "notified")
    path = sheet_with(
        tmp_path / "swallowed.xlsx", "England SCR", rows, merge=[f"{notified}1:{decision}1"]
    )
    result = run_check([SourceSpec(str(path))], AS_OF)
    [problem] = result.problems
    assert problem.type == "missing-optional-column" and problem.column == "Decision date"
    assert problem.sheet == "England SCR"


def test_duplicated_headers_stop_the_sheet_being_assessed(tmp_path: Path) -> None:
    rows = framework_rows("england-scr", [GOOD_SCR])
    rows[0].append("Decision date")
    rows[1].append(date(2024, 2, 1))
    path = sheet_with(tmp_path / "dup.xlsx", "England SCR", rows)
    result = run_check([SourceSpec(str(path))], AS_OF)
    [problem] = result.problems
    decision = column_of("england-scr", "decision")
    assert problem.type == "duplicate-header" and problem.severity == "error"
    assert f"{decision}1" in problem.message and "T1" in problem.message
    assert problem.cell == "T1"
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
    # the decision cell holds the serial for 20/01/2024 (45311); give it a formula too
    start = xml.index(f'<c r="{decision}2"')
    end = xml.index("</c>", start) + len("</c>")
    parts["xl/worksheets/sheet1.xml"] = (
        xml[:start] + f'<c r="{decision}2" s="1"><f>G2+15</f><v>45311</v></c>' + xml[end:]
    ).encode()
    with zipfile.ZipFile(path, "w") as z:
        for n, b in parts.items():
            z.writestr(n, b)
    workbook = read_xlsx(str(path), TITLES)
    assert workbook.sheets[0].formulas_without_value == set()
    result = run_check([SourceSpec(str(path))], AS_OF)
    assert result.problems == []
    stage = next(s for s in result.reviews[0]["stages"] if s["id"] == "decision")
    assert stage["done"] == "2024-01-20"


def test_formula_after_a_formatted_empty_cell_is_located_in_its_own_cell(tmp_path: Path) -> None:
    """Template date cells are formatted but empty (``<c r="M2" s="1"/>``): the formula scan must
    not run on from them into the next cell's formula."""
    from openpyxl import load_workbook

    from tracker.cli.templates import create_template
    from tracker.registry import get_framework

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
