"""Builders for officers' workbooks as they really arrive: every file here is a real file on disk.

Used by test_xlsx, test_validate, test_templates, test_output and test_properties. Nothing is
mocked: encrypted workbooks are encrypted with msoffcrypto-tool, legacy .xls files are written by
xlwt, .ods files are valid OpenDocument zips.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook

from tests.conftest import framework_rows, write_workbook
from tracker.registry import get_framework

#: A review with every England SCR stage filled in order (decision within a month, etc.).
GOOD_SCR: dict[str, Any] = {
    "review_id": "NS-2024-01",
    "trigger": "Death",
    "la_aware": date(2024, 1, 2),
    "notified": date(2024, 1, 5),
    "decision": date(2024, 1, 20),
    "decision_outcome": "Initiate SCR",
    "panel_notified": date(2024, 1, 22),
}


def column_of(framework_id: str, field_id: str) -> str:
    """The column letter a field has in a sheet written by ``framework_rows``."""
    from tracker.tables import column_letter

    fw = get_framework(framework_id)
    return column_letter([f.id for f in fw.all_fields].index(field_id) + 1)


def scr_workbook(path: Path, reviews: Iterable[dict[str, Any]] = (GOOD_SCR,)) -> Path:
    return write_workbook(path, {"England SCR": framework_rows("england-scr", reviews)})


def encrypted_workbook(path: Path, password: str = "secret") -> Path:
    """A real password-protected .xlsx (ECMA-376 agile encryption, as Excel writes it)."""
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = scr_workbook(path.with_name(path.stem + "-plain.xlsx"))
    with plain.open("rb") as src, path.open("wb") as out:
        OOXMLFile(src).encrypt(password, out)
    plain.unlink()
    return path


def legacy_xls(path: Path) -> Path:
    """A real Excel 97-2003 (BIFF8) workbook with the framework's headers."""
    import xlwt

    book = xlwt.Workbook()
    sheet = book.add_sheet("England SCR")
    for j, header in enumerate(framework_rows("england-scr", [])[0]):
        sheet.write(0, j, header)
    sheet.write(1, 0, "NS-2024-01")
    book.save(str(path))
    return path


_ODS_MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">
 <manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>
 <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
</manifest:manifest>
"""
_ODS_CONTENT = """<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">
 <office:body><office:spreadsheet><table:table table:name="England SCR">
  <table:table-row>{cells}</table:table-row>
 </table:table></office:spreadsheet></office:body>
</office:document-content>
"""


def ods_workbook(path: Path) -> Path:
    """A valid OpenDocument spreadsheet: ``mimetype`` stored first, then manifest and content."""
    cells = "".join(
        f'<table:table-cell office:value-type="string"><text:p>{h}</text:p></table:table-cell>'
        for h in framework_rows("england-scr", [])[0]
    )
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(
            zipfile.ZipInfo("mimetype"),
            "application/vnd.oasis.opendocument.spreadsheet",
            compress_type=zipfile.ZIP_STORED,
        )
        z.writestr("META-INF/manifest.xml", _ODS_MANIFEST, compress_type=zipfile.ZIP_DEFLATED)
        z.writestr(
            "content.xml", _ODS_CONTENT.format(cells=cells), compress_type=zipfile.ZIP_DEFLATED
        )
    return path


def csv_file(path: Path) -> Path:
    rows = framework_rows("england-scr", [{"review_id": "NS-2024-01", "notified": "05/01/2024"}])
    path.write_text(
        "\n".join(",".join("" if v is None else str(v) for v in r) for r in rows) + "\n"
    )
    return path


def docx_like(path: Path) -> Path:
    """A zip that is a Word document, not a workbook."""
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return path


def zip_bomb(path: Path, unpacked_mb: int = 64) -> Path:
    """A genuine workbook padded with a member that deflates ~1000:1 (zeros)."""
    good = scr_workbook(path.with_name(path.stem + "-base.xlsx"))
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for name in src.namelist():
            out.writestr(name, src.read(name))
        chunk = b"\0" * (1024 * 1024)
        with out.open("xl/media/padding.bin", "w") as member:
            for _ in range(unpacked_mb):
                member.write(chunk)
    good.unlink()
    return path


def zip_declaring_huge_size(path: Path) -> Path:
    """A workbook whose central directory claims a 4 GB member: refused without unpacking.

    Parsing it would fail with some other error, so a zip-bomb message proves the size check
    ran first.
    """
    good = scr_workbook(path.with_name(path.stem + "-base.xlsx"))
    buf = io.BytesIO()
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for name in src.namelist():
            out.writestr(name, src.read(name))
        out.writestr("xl/media/big.bin", b"\0" * 1024)
    good.unlink()
    data = bytearray(buf.getvalue())
    # patch the member's uncompressed size (offset 24 in its central directory header)
    name = b"xl/media/big.bin"
    at = data.rindex(name) - 46
    assert data[at : at + 4] == b"PK\x01\x02"
    data[at + 24 : at + 28] = (0xFFFF_FFF0).to_bytes(4, "little")
    path.write_bytes(bytes(data))
    return path


def formatted_empty_rows(path: Path, rows: int = 5000) -> Path:
    """A sheet formatted far below its data, whose "empty" cells hold only spaces."""
    scr_workbook(path)
    wb = load_workbook(path)
    ws = wb["England SCR"]
    col = [f.id for f in get_framework("england-scr").all_fields].index("notified") + 1
    for r in range(3, rows + 3):
        ws.cell(r, col).number_format = "DD/MM/YYYY"
        # what "cleared" cells often still hold: a space, a non-breaking space
        ws.cell(r, 1).value = " " if r % 2 else "\u00a0"
    wb.save(path)
    return path


def sheet_with(path: Path, title: str, rows: list[list[Any]], **options: Any) -> Path:
    """One sheet from raw rows; options: ``merge`` (ranges), ``hidden`` (bool)."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = title
    for row in rows:
        ws.append(row)
    for rng in options.get("merge", ()):
        ws.merge_cells(rng)
    if options.get("hidden"):
        ws.sheet_state = "hidden"
        wb.create_sheet("Cover")
        wb.active = 1
    wb.save(path)
    return path


def calculate(path: Path, sheet: str, values: dict[str, str | float]) -> Path:
    """Give formula cells cached results, as Excel does when it saves (openpyxl never does).

    ``values`` maps a cell ref to its result: a number, or text (stored with ``t="str"``).
    """
    from tracker.sources.xlsx import FORMULA_CELL, sheet_members

    with zipfile.ZipFile(path) as z:
        infos = z.infolist()
        parts = {i.filename: z.read(i.filename) for i in infos}
        member = sheet_members(z)[sheet]

    def fill(match: Any) -> bytes:
        element: bytes = match.group(0)
        ref = (match.group(1) + match.group(2)).decode()
        if ref not in values:
            return element
        value = values.pop(ref)
        text = str(value).encode()
        if isinstance(value, str):
            element = element.replace(b"<c ", b'<c t="str" ', 1)
        for empty in (b"<v />", b"<v/>", b"<v></v>"):
            if empty in element:
                return element.replace(empty, b"<v>" + text + b"</v>", 1)
        return element[: -len(b"</c>")] + b"<v>" + text + b"</v></c>"

    parts[member] = FORMULA_CELL.sub(fill, parts[member])
    assert not values, f"no formula in {sorted(values)}"
    with zipfile.ZipFile(path, "w") as z:
        for info in infos:
            z.writestr(info, parts[info.filename], compress_type=info.compress_type)
    return path


def generated_workbook(
    path: Path,
    rows: list[list[Any]],
    *,
    date_1904: bool = False,
    dates_as_numbers: bool = False,
    formulas: dict[str, str | tuple[str, Any]] | None = None,
    merge: Iterable[str] = (),
    title: str = "England SCR",
) -> Path:
    """A workbook as a generator writes it (xlsxwriter): never calculated, so a formula's stored
    result is 0; ``date_1904`` sets the workbook's date system; ``dates_as_numbers`` stores dates
    as plain serial numbers in the workbook's own system (as an export of numbers does).
    ``formulas`` maps a cell to a formula, or to (formula, the result to store with it);
    ``merge`` ranges keep their top-left value, as Excel's Merge & Center does."""
    from datetime import datetime, time

    import xlsxwriter
    from xlsxwriter.utility import xl_cell_to_rowcol

    epoch = date(1904, 1, 1) if date_1904 else date(1899, 12, 30)
    book = xlsxwriter.Workbook(str(path), {"date_1904": date_1904})
    sheet = book.add_worksheet(title)
    uk = book.add_format({"num_format": "dd/mm/yyyy"})
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, date) and dates_as_numbers:
                sheet.write_number(i, j, (value - epoch).days)
            elif isinstance(value, date):
                sheet.write_datetime(i, j, datetime.combine(value, time()), uk)
            else:
                sheet.write(i, j, value)
    for ref, formula in (formulas or {}).items():
        if isinstance(formula, tuple):
            sheet.write_formula(ref, formula[0], uk, formula[1])
        else:
            sheet.write_formula(ref, formula, uk)
    for rng in merge:
        top, left = xl_cell_to_rowcol(rng.split(":")[0])
        sheet.merge_range(rng, rows[top][left], None)
    book.close()
    return path


def ods_with(
    path: Path,
    rows: list[list[Any]],
    *,
    spans: dict[tuple[int, int], tuple[int, int]] | None = None,
    null_date: str | None = None,
    title: str = "England SCR",
) -> Path:
    """A real OpenDocument spreadsheet, laid out as LibreOffice saves one: ``spans`` maps a
    0-based (row, column) to the (rows, columns) its merged block covers, the other cells of the
    block written as covered cells; ``null_date`` is the day 0 of serial dates."""
    from xml.sax.saxutils import escape

    spans = spans or {}
    covered = {
        (r + i, c + j)
        for (r, c), (n, m) in spans.items()
        for i in range(n)
        for j in range(m)
        if (i, j) != (0, 0)
    }
    width = max(len(r) for r in rows)
    xml_rows = []
    for r, row in enumerate(rows):
        cells = []
        for c in range(width):
            value = row[c] if c < len(row) else None
            if (r, c) in covered:
                cells.append("<table:covered-table-cell/>")
                continue
            span = ""
            if (r, c) in spans:
                n, m = spans[(r, c)]
                span = f' table:number-rows-spanned="{n}" table:number-columns-spanned="{m}"'
            if value is None:
                cells.append(f"<table:table-cell{span}/>")
            elif isinstance(value, date):
                cells.append(
                    f'<table:table-cell{span} office:value-type="date" '
                    f'office:date-value="{value.isoformat()}"><text:p>{value}</text:p>'
                    "</table:table-cell>"
                )
            elif isinstance(value, (int, float)):
                cells.append(
                    f'<table:table-cell{span} office:value-type="float" office:value="{value}">'
                    f"<text:p>{value}</text:p></table:table-cell>"
                )
            else:
                cells.append(
                    f'<table:table-cell{span} office:value-type="string">'
                    f"<text:p>{escape(str(value))}</text:p></table:table-cell>"
                )
        xml_rows.append("<table:table-row>" + "".join(cells) + "</table:table-row>")
    settings = (
        "<table:calculation-settings>"
        f'<table:null-date table:date-value="{null_date}"/></table:calculation-settings>'
        if null_date
        else ""
    )
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        ' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
        ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f"<office:body><office:spreadsheet>{settings}"
        f'<table:table table:name="{escape(title)}">'
        f'<table:table-column table:number-columns-repeated="{width}"/>'
        + "".join(xml_rows)
        + '<table:table-row table:number-rows-repeated="1048000"><table:table-cell '
        'table:number-columns-repeated="1024"/></table:table-row>'
        "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(
            zipfile.ZipInfo("mimetype"),
            "application/vnd.oasis.opendocument.spreadsheet",
            compress_type=zipfile.ZIP_STORED,
        )
        z.writestr("META-INF/manifest.xml", _ODS_MANIFEST, compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
    return path
