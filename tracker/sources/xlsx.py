"""Read workbooks with python-calamine (about ten times faster than openpyxl; NOTES.md): ``.xlsx``
and ``.xlsm`` (Excel, gnumeric, LibreOffice, generators), ``.xlsb``, legacy ``.xls`` and
LibreOffice's ``.ods``. The format is told from the file's content, not its name; anything else
(CSV, flat ``.fods``, Numbers) is refused with one line saying how to save it as ``.xlsx``.

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
from tracker.sources.ods import read_ods_extras
from tracker.tables import RawSheet, RawWorkbook

#: Refuse workbooks that would unpack to more than this (a 100,000-review workbook is ~20 MB).
MAX_UNPACKED_BYTES = 1024 * 1024 * 1024
MAX_RATIO = 200  # uncompressed/compressed for the whole archive

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
#: how to get a file the tracker reads out of any program officers use
_SAVE_AS = "save it as an Excel Workbook (.xlsx) or OpenDocument Spreadsheet (.ods)"
_SIGNATURES = {
    b"%PDF": f"is a PDF document, not a spreadsheet: {_SAVE_AS} from the program that made it",
    b"{\\rtf": f"is a rich-text document, not a spreadsheet: {_SAVE_AS}",
}
#: How much of an OLE2 compound file is searched for its stream names.
_OLE2_SCAN_BYTES = 64 * 1024 * 1024
_ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
_DATE1904 = re.compile(rb'<(?:\w+:)?workbookPr\b[^>]*?\bdate1904="(?:1|true)"')


class _Unsupported(Exception):
    """A file in a format the tracker does not read (the message says how to convert it)."""


def _describe_ole2(path: Path) -> str:
    """Tell an encrypted .xlsx from a legacy .xls: both are OLE2 compound files.

    Stream names sit in the compound file's directory as UTF-16LE: an encrypted OOXML workbook
    has ``EncryptedPackage``, a BIFF workbook ``Workbook`` (or ``Book`` before Excel 97).
    Returns "xls" for a workbook calamine reads.
    """
    with path.open("rb") as fh:
        data = fh.read(_OLE2_SCAN_BYTES)
    if "EncryptedPackage".encode("utf-16-le") in data:
        return "is password-protected (encrypted): save a copy without a password"
    if "Workbook".encode("utf-16-le") in data or "Book\0".encode("utf-16-le") in data:
        return "xls"
    if "WordDocument".encode("utf-16-le") in data:
        raise _Unsupported(f"is a Word 97-2003 document, not a spreadsheet: {_SAVE_AS}")
    raise _Unsupported(f"is a Microsoft Office compound file, not a spreadsheet: {_SAVE_AS}")


def _describe_not_zip(path: Path, head: bytes) -> str:
    """The kind of a file that is not a zip: "xls", or raise with the one-line reason."""
    if head.startswith(_OLE2):
        return _describe_ole2(path)
    for sig, what in _SIGNATURES.items():
        if head.startswith(sig):
            raise _Unsupported(what)
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"<") and b"office:document" in head:
        raise _Unsupported(
            "is a flat OpenDocument spreadsheet (.fods), which is not read: in LibreOffice "
            "choose File > Save As and save it as .ods or .xlsx"
        )
    if text[:5].lower() in (b"<!doc", b"<html") or text.startswith(b"<?xml"):
        raise _Unsupported(
            f"is a web page or XML file, not a workbook: open it in Excel or LibreOffice and "
            f"{_SAVE_AS}"
        )
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv", ".txt") or (
        head and all(32 <= b < 127 or b in (9, 10, 13) for b in head[:512])
    ):
        raise _Unsupported(
            "is a text or CSV file, not a workbook: open it in Excel or LibreOffice (with a UK "
            "day/month locale) and save as .xlsx (or .ods)"
        )
    raise _Unsupported(f"is not a spreadsheet the tracker reads: {_SAVE_AS}")


def _check_zip(path: Path, source: str) -> tuple[str, bool]:
    """The zip's kind ("xlsx", "xlsb" or "ods") and whether it uses the 1904 date system."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            names = {i.filename for i in infos}
            total = sum(i.file_size for i in infos)
            packed = sum(i.compress_size for i in infos) or 1
            mimetype = archive.read("mimetype")[:100] if "mimetype" in names else b""
            date1904 = (
                bool(_DATE1904.search(archive.read("xl/workbook.xml")))
                if "xl/workbook.xml" in names
                and archive.getinfo("xl/workbook.xml").file_size < 16 * 1024 * 1024
                else False
            )
    except zipfile.BadZipFile:
        raise SourceError(
            source, "is corrupt or truncated: it is not a complete .xlsx (zip) file"
        ) from None
    if total > MAX_UNPACKED_BYTES or total / packed > MAX_RATIO and total > 50 * 1024 * 1024:
        raise SourceError(
            source,
            f"would unpack to {total // (1024 * 1024)} MB from {packed // 1024} KB: refused as a "
            "possible zip bomb",
        )
    if "xl/workbook.xml" in names:
        return "xlsx", date1904
    if "xl/workbook.bin" in names:
        return "xlsb", False
    if "content.xml" in names and mimetype.strip() == _ODS_MIMETYPE:
        return "ods", False
    if "word/document.xml" in names:
        raise _Unsupported(f"is a Word document, not a spreadsheet: {_SAVE_AS}")
    if mimetype.startswith(b"application/vnd.oasis.opendocument"):
        kind = mimetype.rsplit(b".", 1)[-1].decode("ascii", "replace")
        raise _Unsupported(f"is an OpenDocument {kind} file, not a spreadsheet: {_SAVE_AS}")
    if "Index/Document.iwa" in names or any(n.startswith("Index/") for n in names):
        raise _Unsupported(
            "is an Apple Numbers file, which is not read: in Numbers choose File > Export To > "
            "Excel and use the .xlsx"
        )
    raise _Unsupported(f"is a zip file but not a spreadsheet: {_SAVE_AS}")


#: What python-calamine reads here, decided by the file's content (not its name).
READ_FORMATS = ("xlsx", "xlsb", "xls", "ods")
_SUFFIX_KINDS = {".xlsx": "xlsx", ".xlsm": "xlsx", ".xlsb": "xlsb", ".xls": "xls", ".ods": "ods"}


def read_xlsx(source: str, titles: set[str]) -> RawWorkbook:
    """Read the sheets whose case-folded titles are in ``titles`` from an .xlsx, .xlsm, .xlsb,
    .xls or .ods workbook (calamine reads them all, with the same cell addresses); raise
    :class:`SourceError` with one line for anything else."""
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
    date1904 = False
    try:
        if head.startswith(b"PK"):
            kind, date1904 = _check_zip(path, source)
        else:
            kind = _describe_not_zip(path, head)
    except _Unsupported as exc:
        raise SourceError(source, str(exc), "unsupported-format") from None
    if kind not in READ_FORMATS:
        raise SourceError(source, kind)
    try:
        if _SUFFIX_KINDS.get(path.suffix.lower()) == kind:
            workbook = calamine.CalamineWorkbook.from_path(str(path))
        else:  # named as another format (an .xls saved as .xlsx): calamine picks by name
            with path.open("rb") as fh:
                workbook = calamine.CalamineWorkbook.from_filelike(fh)
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
            sheet = RawSheet(
                title=title, rows=rows, hidden=title in hidden, merged=merged, date1904=date1904
            )
            sheets.append(sheet)
    finally:
        workbook.close()
    if sheets and kind == "xlsx":
        _find_formulas_without_value(path, sheets)
    elif sheets and kind == "ods":
        read_ods_extras(path, sheets)
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
_STORED = re.compile(rb"<v>([^<]*)</v>")
_BOOLEAN_OR_ERROR = re.compile(rb'\bt="[be]"')


def _no_stored_result(attrs: bytes, body: bytes) -> bool:
    """A formula cell whose stored result is missing, empty or 0.

    Generators that never calculate (xlsxwriter, some exports) store 0 or nothing, and LibreOffice
    and gnumeric keep that on a re-save. No date, choice, yes/no or text field of a review has 0
    as a real value, so a 0 there is read as "not calculated" (FALSE, a boolean 0, is a value)."""
    if b"<is>" in body:
        return False
    stored = _STORED.search(body)
    if stored is None:
        return True
    text = stored.group(1).strip()
    if not text:
        return True
    return text in (b"0", b"0.0") and not _BOOLEAN_OR_ERROR.search(attrs)


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


def _has_cell_formula(xml: bytes) -> bool:
    """Whether the sheet's XML has a ``<f>`` or ``<f …>`` element: one search for ``<f`` (a
    cell formula; data validations use ``<formula1>``, filters ``<filters>``), each hit then
    told apart by the byte after it, instead of a search of the whole sheet per spelling."""
    at = xml.find(b"<f")
    while at >= 0:
        if xml[at + 2 : at + 3] in (b">", b" "):
            return True
        at = xml.find(b"<f", at + 2)
    return False


def _find_formulas_without_value(path: Path, sheets: list[RawSheet]) -> None:
    """Mark (and blank) cells whose formula has no stored result, and put back error values
    calamine drops.

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
                if not _has_cell_formula(xml):
                    continue
                sheet = wanted[title]
                for match in _CELL.finditer(xml):
                    attrs, body = match.group(1), match.group(2)
                    if (b"<f>" in body or b"<f " in body) and _no_stored_result(attrs, body):
                        ref = _REF.search(attrs)
                        if ref:
                            row, col = int(ref.group(2)), _col_index(ref.group(1))
                            sheet.formulas_without_value.add((row, col))
                            # never read as the 0 (or 00:00:00 in a date cell) stored for it
                            i = row - sheet.first_row
                            if 0 <= i < len(sheet.rows) and col <= len(sheet.rows[i]):
                                sheet.rows[i][col - 1] = None
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
