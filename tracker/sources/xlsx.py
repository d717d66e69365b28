"""Read ``.xlsx`` workbooks with python-calamine (about ten times faster than openpyxl; NOTES.md).

Only the sheets a framework reads are loaded. Before parsing, the zip's declared sizes are checked so
a zip bomb is refused rather than unpacked. Formulas give their cached values; cells whose formula has
no cached value (a file written by a program that never calculated it) are found by a scan of the
sheet's XML, so validation can point at them.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any

import python_calamine as calamine

from tracker.sources.base import SourceError
from tracker.tables import RawSheet, RawWorkbook

#: Refuse workbooks that would unpack to more than this (a 100,000-review workbook is ~20 MB).
MAX_UNPACKED_BYTES = 1024 * 1024 * 1024
MAX_RATIO = 200  # uncompressed/compressed for the whole archive

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_SIGNATURES = {
    b"%PDF": "a PDF document",
    b"{\\rtf": "a rich-text document",
}
#: How much of an OLE2 compound file is searched for its stream names.
_OLE2_SCAN_BYTES = 64 * 1024 * 1024


def _describe_ole2(path: Path) -> str:
    """Tell an encrypted .xlsx from a legacy .xls: both are OLE2 compound files.

    Stream names sit in the compound file's directory as UTF-16LE: an encrypted OOXML workbook
    has ``EncryptedPackage``, a BIFF workbook ``Workbook`` (or ``Book`` before Excel 97).
    """
    with path.open("rb") as fh:
        data = fh.read(_OLE2_SCAN_BYTES)
    if "EncryptedPackage".encode("utf-16-le") in data:
        return "is password-protected (encrypted): save a copy without a password"
    if "Workbook".encode("utf-16-le") in data or "Book\0".encode("utf-16-le") in data:
        return "is a legacy Excel 97-2003 workbook (.xls): save it as an Excel Workbook (.xlsx)"
    return "is a Microsoft Office compound file, not an Excel workbook (.xlsx)"


def _describe_not_xlsx(path: Path, head: bytes) -> str:
    if head.startswith(_OLE2):
        return _describe_ole2(path)
    for sig, what in _SIGNATURES.items():
        if head.startswith(sig):
            return f"is {what}, not an Excel workbook (.xlsx)"
    suffix = path.suffix.lower()
    if suffix == ".csv" or (head and all(32 <= b < 127 or b in (9, 10, 13) for b in head[:512])):
        return "is a text or CSV file, not an Excel workbook: open it in Excel and save as .xlsx"
    return "is not an Excel workbook (.xlsx)"


def _check_zip(path: Path, source: str) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            names = {i.filename for i in infos}
            total = sum(i.file_size for i in infos)
            packed = sum(i.compress_size for i in infos) or 1
    except zipfile.BadZipFile:
        raise SourceError(
            source, "is corrupt or truncated: it is not a complete .xlsx (zip) file"
        ) from None
    if "xl/workbook.xml" not in names:
        if "content.xml" in names and "mimetype" in names:
            raise SourceError(source, "is an OpenDocument spreadsheet (.ods): save it as .xlsx")
        if "word/document.xml" in names:
            raise SourceError(source, "is a Word document, not an Excel workbook (.xlsx)")
        raise SourceError(source, "is a zip file but not an Excel workbook (.xlsx)")
    if total > MAX_UNPACKED_BYTES or total / packed > MAX_RATIO and total > 50 * 1024 * 1024:
        raise SourceError(
            source,
            f"would unpack to {total // (1024 * 1024)} MB from {packed // 1024} KB: refused as a "
            "possible zip bomb",
        )


def read_xlsx(source: str, titles: set[str]) -> RawWorkbook:
    """Read the sheets whose case-folded titles are in ``titles``; raise :class:`SourceError`."""
    path = Path(source)
    if not path.exists():
        raise SourceError(source, "file not found")
    if path.is_dir():
        raise SourceError(source, "is a folder, not a workbook")
    try:
        with path.open("rb") as fh:
            head = fh.read(1024)
    except OSError as exc:
        raise SourceError(source, f"cannot be opened: {exc.strerror or exc}") from None
    if not head:
        raise SourceError(source, "is empty (0 bytes)")
    if not head.startswith(b"PK"):
        raise SourceError(source, _describe_not_xlsx(path, head))
    _check_zip(path, source)
    try:
        workbook = calamine.CalamineWorkbook.from_path(str(path))
    except calamine.PasswordError:
        raise SourceError(source, "is password-protected: save a copy without a password") from None
    except Exception as exc:  # calamine raises several types for broken parts
        raise SourceError(source, f"is corrupt: {_short(exc)}") from None
    try:
        all_titles = list(workbook.sheet_names)
        hidden = {
            m.name
            for m in workbook.sheets_metadata
            if m.visible != calamine.SheetVisibleEnum.Visible
        }
        sheets: list[RawSheet] = []
        for title in all_titles:
            if title.strip().casefold() not in titles:
                continue
            try:
                found = workbook.get_sheet_by_name(title)
                rows: list[list[Any]] = found.to_python(skip_empty_area=False)
                merged = [
                    (r0 + 1, c0 + 1, r1 + 1, c1 + 1)
                    for (r0, c0), (r1, c1) in (found.merged_cell_ranges or ())
                ]
            except Exception as exc:
                raise SourceError(source, f"sheet {title!r} is corrupt: {_short(exc)}") from None
            sheet = RawSheet(title=title, rows=rows, hidden=title in hidden, merged=merged)
            sheets.append(sheet)
    finally:
        workbook.close()
    if sheets:
        _find_formulas_without_value(path, sheets)
    return RawWorkbook(source=source, sheets=sheets, all_titles=all_titles)


def _short(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]


_REL = re.compile(rb'<Relationship\b[^>]*?Id="([^"]+)"[^>]*?Target="([^"]+)"')
_REL_ALT = re.compile(rb'<Relationship\b[^>]*?Target="([^"]+)"[^>]*?Id="([^"]+)"')
_SHEET = re.compile(rb'<sheet\b[^>]*?name="([^"]*)"[^>]*?r:id="([^"]+)"')
#: a cell element holding a formula; the opening tag must not be self-closing (``<c r="G2"/>``,
#: a formatted empty cell), or the match would run on into the next cell's formula
FORMULA_CELL = re.compile(
    rb'<c\b[^>]*?\br="([A-Z]+)(\d+)"[^>]*?(?<!/)>(?:(?!</c>).)*?<f\b(?:(?!</c>).)*?</c>', re.S
)
#: a non-empty cell element; cells never nest, so the lazy body stops at its own </c>
_CELL = re.compile(rb"<c\b([^>]*?)(?<!/)>(.*?)</c>", re.S)
_REF = re.compile(rb'\br="([A-Z]+)(\d+)"')
_HAS_VALUE = re.compile(rb"<v>[^<]+</v>|<is>")


def _col_index(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n


def sheet_members(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet title -> the zip member holding its XML."""
    book = archive.read("xl/workbook.xml")
    rels = archive.read("xl/_rels/workbook.xml.rels")
    targets = {rid: tgt for rid, tgt in _REL.findall(rels)}
    targets.update({rid: tgt for tgt, rid in _REL_ALT.findall(rels)})
    members: dict[str, str] = {}
    for name, rid in _SHEET.findall(book):
        if rid in targets:
            target = targets[rid].decode("utf-8").lstrip("/")
            members[_unescape(name.decode("utf-8"))] = (
                target if target.startswith("xl/") else f"xl/{target}"
            )
    return members


def _find_formulas_without_value(path: Path, sheets: list[RawSheet]) -> None:
    """Mark cells whose formula has no cached value, and put back error values calamine drops.

    Cheap when there are neither formulas nor errors."""
    wanted = {s.title: s for s in sheets}
    try:
        with zipfile.ZipFile(path) as archive:
            for title, member in sheet_members(archive).items():
                if title not in wanted:
                    continue
                xml = archive.read(member)
                if b't="e"' in xml:
                    _restore_error_values(xml, wanted[title])
                if b"<f>" not in xml and b"<f " not in xml:
                    continue  # no cell formulas (data validations use <formula1>, not <f>)
                for match in _CELL.finditer(xml):
                    body = match.group(2)
                    if (b"<f>" in body or b"<f " in body) and not _HAS_VALUE.search(body):
                        ref = _REF.search(match.group(1))
                        if ref:
                            wanted[title].formulas_without_value.add(
                                (int(ref.group(2)), _col_index(ref.group(1)))
                            )
    except (KeyError, zipfile.BadZipFile, OSError):
        return  # the values were read; this scan is only a helpful extra


_ERROR_CELL = re.compile(
    rb'<c\b(?=[^>]*?\bt="e")[^>]*?\br="([A-Z]+)(\d+)"[^>]*?(?<!/)>(?:(?!</c>).)*?<v>([^<]*)</v>',
    re.S,
)


def _restore_error_values(xml: bytes, sheet: RawSheet) -> None:
    """calamine reads an error cell (``#N/A`` from a failed lookup) as empty: put back the error
    Excel shows, so validation reports it instead of taking the stage as not done."""
    for match in _ERROR_CELL.finditer(xml):
        i = int(match.group(2)) - sheet.first_row
        j = _col_index(match.group(1)) - 1
        if 0 <= i < len(sheet.rows) and 0 <= j < len(sheet.rows[i]):
            sheet.rows[i][j] = _unescape(match.group(3).decode("utf-8"))


def _unescape(text: str) -> str:
    return (
        text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", '"')
        .replace("&apos;", "'")
        .replace("&amp;", "&")
    )
