"""``tracker init``: a workbook officers can fill in at once, or missing sheets added to theirs.

Each framework sheet gets its headers, widths, a frozen header row, dd/mm/yyyy date cells with date
validation, drop-downs for choices and yes/no, and an input message on each header stating the
stage's rule. A ``Guide`` sheet lists every stage with its rule, basis, must/should, confidence and
citation. On an existing workbook nothing that is there changes: missing sheets and columns are
added, the new file replaces the old atomically and a backup copy is kept beside it.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from schemas.optional import SheetSpec
from schemas.table import HEADER_SEARCH_ROWS, normalise_header
from tracker.cli.files import save_workbook_atomic
from tracker.frameworks.describe import describe_rule
from tracker.model import Field, FieldType, Framework
from tracker.optional.actions import SPEC as ACTIONS
from tracker.optional.pauses import SPEC as PAUSES
from tracker.optional.pauses import adjustable_stages
from tracker.sources.xlsx import FORMULA_CELL, sheet_members

#: Rows given formats and validation below the header.
TEMPLATE_ROWS = 1000
DATE_FORMAT = "DD/MM/YYYY"
GUIDE = "Guide"
_HEADER_FILL = PatternFill("solid", fgColor="1D70B8")
_HEADER_FONT = Font(bold=True, color="FFFFFF")


class TemplateError(RuntimeError):
    pass


def _prompt(fw: Framework, f: Field) -> tuple[str, str]:
    """Input message for a header: what goes in the column and the rule it is judged by."""
    title = f.header[:32]
    parts: list[str] = []
    if f.type is FieldType.DATE:
        parts.append("A date, dd/mm/yyyy.")
    elif f.type is FieldType.YES_NO:
        parts.append("Yes or No.")
    elif f.type is FieldType.CHOICE:
        parts.append("One of: " + ", ".join(f.choices) + ".")
    elif f.id == "review_id":
        parts.append("Unique in this workbook: letters, digits, - / _ only.")
    elif f.id == "notes":
        parts.append("Free text for the board only: never shown to inspectors or e-mailed.")
    elif f.id == "report_link":
        parts.append("The published report's https:// address.")
    elif f.id == "board":
        parts.append("The board's name; blank means the board the tracker's config names.")
    if f.required:
        parts.append("Required.")
    stage = next((s for s in fw.stages if s.id == f.id), None)
    if stage is not None:
        for rule in stage.rules:
            parts.append(
                f"Rule: {describe_rule(rule, fw)} ({rule.must_label()}, {rule.basis.value})."
            )
    text = " ".join(parts)
    return title, text if len(text) <= 255 else text[:254] + "…"


def _width(f: Field) -> float:
    return max(12.0, min(40.0, len(f.header) * 0.9 + 2))


def _add_validations(
    ws: Worksheet, fw: Framework, columns: dict[str, int], header_row: int
) -> None:
    first, last = header_row + 1, header_row + TEMPLATE_ROWS
    for f in fw.all_fields:
        col = columns.get(f.id)
        if col is None:
            continue
        letter = get_column_letter(col)
        rng = f"{letter}{first}:{letter}{last}"
        title, prompt = _prompt(fw, f)
        head = DataValidation(
            allow_blank=True, showInputMessage=True, promptTitle=title, prompt=prompt
        )
        head.add(f"{letter}{header_row}")
        ws.add_data_validation(head)
        dv: DataValidation | None = None
        if f.type is FieldType.DATE:
            dv = DataValidation(
                type="date",
                operator="between",
                formula1="DATE(1990,1,1)",
                formula2="DATE(2060,12,31)",
                allow_blank=True,
                showErrorMessage=True,
                errorTitle="Not a date",
                error="Type a date as dd/mm/yyyy, e.g. 31/01/2024.",
            )
            for r in range(first, last + 1):
                ws.cell(r, col).number_format = DATE_FORMAT
        elif f.type in (FieldType.CHOICE, FieldType.YES_NO):
            options = f.choices if f.type is FieldType.CHOICE else ("Yes", "No")
            dv = DataValidation(
                type="list",
                formula1='"' + ",".join(options) + '"',
                allow_blank=True,
                showErrorMessage=True,
                errorTitle="Pick from the list",
                error="Choose one of: " + ", ".join(options),
            )
        if dv is not None:
            dv.add(rng)
            ws.add_data_validation(dv)


def _style_header(ws: Worksheet, row: int, col: int, f: Field) -> None:
    cell = ws.cell(row, col)
    cell.font = _HEADER_FONT
    cell.fill = _HEADER_FILL
    cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.column_dimensions[get_column_letter(col)].width = _width(f)


def _new_sheet(wb: Workbook, fw: Framework) -> None:
    ws = wb.create_sheet(fw.sheet)
    columns: dict[str, int] = {}
    for j, f in enumerate(fw.all_fields, start=1):
        ws.cell(1, j, f.header)
        _style_header(ws, 1, j, f)
        columns[f.id] = j
    ws.row_dimensions[1].height = 45
    ws.freeze_panes = "B2"
    _add_validations(ws, fw, columns, 1)


def _extend_sheet(ws: Worksheet, fw: Framework) -> list[str]:
    """Add missing columns after the last used column of the header row; returns headers added."""
    headers = {normalise_header(f.header): f.id for f in fw.all_fields}
    best, best_hits = None, 0
    for r in range(1, min(ws.max_row, HEADER_SEARCH_ROWS) + 1):
        hits = sum(
            1
            for c in range(1, ws.max_column + 1)
            if normalise_header(ws.cell(r, c).value) in headers
        )
        if hits > best_hits:
            best, best_hits = r, hits
    if best is None:
        if ws.max_row > 1 or ws.cell(1, 1).value is not None:
            raise TemplateError(
                f"sheet {ws.title!r} has content but no header row with the framework's column "
                "names; rename the sheet or add the headers by hand"
            )
        best = 1
    present: dict[str, int] = {}
    last_used = 0
    for c in range(1, ws.max_column + 1):
        value = ws.cell(best, c).value
        if value is not None and str(value).strip():
            last_used = c
        fid = headers.get(normalise_header(value))
        if fid and fid not in present:
            present[fid] = c
    added: list[str] = []
    new_columns: dict[str, int] = {}
    for f in fw.all_fields:
        if f.id in present:
            continue
        col = last_used + 1
        # never write into a cell that holds anything, below the header too
        while any(ws.cell(r, col).value is not None for r in range(1, ws.max_row + 1)):
            col += 1
        ws.cell(best, col, f.header)
        _style_header(ws, best, col, f)
        new_columns[f.id] = col
        last_used = col
        added.append(f.header)
    if new_columns:
        _add_validations(ws, fw, new_columns, best)
    return added


def _date_validation() -> DataValidation:
    return DataValidation(
        type="date",
        operator="between",
        formula1="DATE(1990,1,1)",
        formula2="DATE(2060,12,31)",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Not a date",
        error="Type a date as dd/mm/yyyy, e.g. 31/01/2024.",
    )


#: what each column of an optional sheet holds, shown as the header's input message
_SPEC_PROMPTS = {
    "review_id": "The Review ID exactly as on the review's own sheet. Required.",
    "stage": "The stage's column header on the review's sheet (pick from the list), or an "
    "action on the Actions sheet as Action R3.1. Required.",
    "kind": "Pause (the clock stops) or Agreed extension (a new due date). Required.",
    "from": "First day of the pause, dd/mm/yyyy. Required for a pause.",
    "to": "Last day of the pause; blank while it is still paused.",
    "new_due": "The agreed new due date, dd/mm/yyyy. Required for an agreed extension.",
    "informed": "When the Panel / Secretary of State (or the nation's body) was told why.",
    "notes": "Free text for the board only: never shown to inspectors or e-mailed.",
    # the Actions sheet
    "recommendation": "The report's own reference for the recommendation, e.g. R3. Required.",
    "action_ref": "The action's reference, unique within its recommendation, e.g. R3.1. Required.",
    "agency": "The organisation that owns the action (never a person's name). Required.",
    "due": "The date the action is due, dd/mm/yyyy. Required.",
    "completed": "The date the action was done, dd/mm/yyyy; set Status to Completed with it.",
    "evidence_link": "An https:// address of the evidence (optional).",
    "assured": "The date the board was given assurance, after completion.",
}


def _new_spec_sheet(wb: Workbook, spec: SheetSpec, lists: dict[str, str]) -> None:
    """An optional sheet (``tracker.check.OPTIONAL_SHEETS``): headers, date cells, drop-downs
    (``lists`` gives a field's list as a range formula, e.g. the Guide's stage labels)."""
    ws = wb.create_sheet(spec.title)
    first, last = 2, 1 + TEMPLATE_ROWS
    for j, f in enumerate(spec.fields, start=1):
        ws.cell(1, j, f.header)
        _style_header(ws, 1, j, f)
        letter = get_column_letter(j)
        prompt = _SPEC_PROMPTS.get(f.id) or (
            "One of: " + ", ".join(f.choices) + "." if f.choices else ""
        )
        if prompt:
            head = DataValidation(
                allow_blank=True,
                showInputMessage=True,
                promptTitle=f.header[:32],
                prompt=prompt[:255],
            )
            head.add(f"{letter}1")
            ws.add_data_validation(head)
        dv: DataValidation | None = None
        if f.type is FieldType.DATE:
            dv = _date_validation()
            for r in range(first, last + 1):
                ws.cell(r, j).number_format = DATE_FORMAT
        elif f.type is FieldType.CHOICE or f.id in lists:
            formula = lists.get(f.id) or '"' + ",".join(f.choices) + '"'
            dv = DataValidation(
                type="list",
                formula1=formula,
                allow_blank=True,
                showErrorMessage=f.id not in lists,
                errorTitle="Pick from the list",
                error="Choose one of the list's values.",
            )
        if dv is not None:
            dv.add(f"{letter}{first}:{letter}{last}")
            ws.add_data_validation(dv)
    ws.row_dimensions[1].height = 45
    ws.freeze_panes = "A2"


#: the Guide's section on the pauses sheet (its first line is how an update finds it)
PAUSES_GUIDE = [
    "Pauses and extensions",
    "One row per event. A Pause stops a stage's clock: while To is blank the stage shows as "
    "paused, never overdue; once To is filled the deadline moves later by the days paused (From "
    "and To both counted), in working days for a working-day rule and calendar days otherwise.",
    "An Agreed extension replaces the stage's due date with New due date; the stage is then "
    "judged against it, and the original date stays visible beside it.",
    "When publication is delayed by other proceedings, tell the national body why and fill in "
    "Date national body informed (England: the Panel and the Secretary of State, WT 2018 ch. 4).",
    "Notes are for the board only: never shown to inspectors, e-mailed or logged.",
    "Stages a pause or extension can name (the Stage drop-down):",
]


def _pauses_guide(ws: Worksheet, frameworks: list[Framework]) -> str:
    """Append the section and the stage labels; returns the labels' range for the drop-down."""
    ws.append([])
    start = ws.max_row + 1
    for line in PAUSES_GUIDE:
        ws.append([line])
    ws.cell(start, 1).font = Font(bold=True)
    first = ws.max_row + 1
    for fw in frameworks:
        for stage in adjustable_stages(fw):
            ws.append([fw.id, fw.sheet, stage, fw.label(stage)])
    last = ws.max_row
    return f"'{GUIDE}'!$D${first}:$D${last}"


def _add_pauses(wb: Workbook, frameworks: list[Framework], guide: Worksheet) -> None:
    """The pauses sheet, placed before the Guide, whose new section feeds its Stage drop-down."""
    stages = _pauses_guide(guide, frameworks)
    _new_spec_sheet(wb, PAUSES, {"stage": stages})
    wb.move_sheet(PAUSES.title, offset=wb.sheetnames.index(guide.title) - len(wb.sheetnames) + 1)


#: the Guide's section on the Actions sheet
ACTIONS_GUIDE = [
    "Actions",
    "One row per action from a review's recommendations: the Review ID as on its own sheet, "
    "the recommendation (R3) and the action (R3.1, unique within its recommendation), the "
    "agency that owns it and its due date.",
    "An action is judged against its own due date (local default, should): done after it, it "
    "is late; open past it, overdue. Set Status to Completed together with Date completed. "
    "Not accepted and Superseded actions are not judged.",
    "Date assurance given is when the board was assured the action worked; it comes after "
    "completion. Evidence link takes an https:// address.",
    "Notes are for the board only: never shown to inspectors, e-mailed or logged.",
]


def _add_actions(wb: Workbook, guide: Worksheet) -> None:
    """The Actions sheet, placed before the Guide, and its section at the Guide's end."""
    guide.append([])
    start = guide.max_row + 1
    for line in ACTIONS_GUIDE:
        guide.append([line])
    guide.cell(start, 1).font = Font(bold=True)
    _new_spec_sheet(wb, ACTIONS, {})
    wb.move_sheet(ACTIONS.title, offset=wb.sheetnames.index(guide.title) - len(wb.sheetnames) + 1)


def _guide(wb: Workbook, frameworks: list[Framework]) -> None:
    ws = wb.create_sheet(GUIDE)
    columns = [
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
    ws.append(
        [
            "How these sheets are checked. Dates as dd/mm/yyyy; one row per review; "
            "Review IDs unique in the workbook. Notes are never shown to inspectors."
        ]
    )
    ws.append(columns)
    for c in range(1, len(columns) + 1):
        cell = ws.cell(2, c)
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
    for fw in frameworks:
        for row in _guide_rows(fw):
            ws.append(row)
    for letter, width in zip("ABCDEFGHIJ", (14, 14, 22, 34, 50, 22, 20, 12, 14, 80), strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A3"


def _guide_rows(fw: Framework) -> list[list[str]]:
    rows: list[list[str]] = []
    for stage in fw.stages:
        if stage.untimed:
            label = fw.label(stage.id)
            rows.append([fw.id, fw.sheet, stage.id, label, "start (no timescale)"] + [""] * 5)
        for rule in stage.rules:
            rows.append(
                [
                    fw.id,
                    fw.sheet,
                    stage.id,
                    fw.label(stage.id),
                    describe_rule(rule, fw),
                    rule.applies_text(),
                    rule.basis.value,
                    rule.must_label(),
                    rule.confidence.value,
                    rule.citation,
                ]
            )
    return rows


def _extend_guide(ws: Worksheet, frameworks: list[Framework]) -> list[str]:
    """Append the rules of frameworks the Guide does not list yet, below what is there."""
    listed = {str(v).strip() for (v,) in ws.iter_rows(min_col=1, max_col=1, values_only=True) if v}
    added: list[str] = []
    for fw in frameworks:
        if fw.id in listed:
            continue
        for row in _guide_rows(fw):
            ws.append(row)
        added.append(fw.id)
    return added


def create_template(path: Path, frameworks: list[Framework]) -> None:
    wb = Workbook()
    default = wb.active
    for fw in frameworks:
        _new_sheet(wb, fw)
    _guide(wb, frameworks)
    _add_pauses(wb, frameworks, wb[GUIDE])
    _add_actions(wb, wb[GUIDE])
    if default is not None:
        wb.remove(default)
    save_workbook_atomic(wb, path)


#: parts of an .xlsx that openpyxl does not write back: rewriting the file would drop them
_UNKEPT = {
    "xl/charts/": "charts",
    "xl/drawings/": "drawings or pictures",
    "xl/media/": "pictures",
    "xl/pivotTables/": "pivot tables",
    "xl/slicers/": "slicers",
    "xl/timelines/": "timelines",
    "xl/vbaProject.bin": "macros",
}


def _refuse_what_would_be_lost(path: Path) -> None:
    """Never drop what an officer put in their workbook: refuse rather than rewrite it."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise TemplateError(f"{path}: cannot open as an .xlsx workbook: {exc}") from None
    found = sorted(
        {what for prefix, what in _UNKEPT.items() if any(n.startswith(prefix) for n in names)}
    )
    if found:
        raise TemplateError(
            f"{path}: has {', '.join(found)}, which rewriting the workbook would lose; it was "
            "left unchanged. Make a template with `tracker init NEW.xlsx` and copy its sheets in"
        )


def update_workbook(
    path: Path, frameworks: list[Framework], *, now: datetime | None = None
) -> dict[str, Any]:
    """Add missing sheets and columns to an existing workbook; every existing cell stays as it is."""
    _refuse_what_would_be_lost(path)
    try:
        wb = load_workbook(path)
    except Exception as exc:
        raise TemplateError(f"{path}: cannot open as an .xlsx workbook: {exc}") from None
    titles = {t.strip().casefold(): t for t in wb.sheetnames}
    report: dict[str, Any] = {"sheets_added": [], "columns_added": {}, "backup": None}
    for fw in frameworks:
        existing = titles.get(fw.sheet.casefold())
        if existing is None:
            _new_sheet(wb, fw)
            report["sheets_added"].append(fw.sheet)
        else:
            added = _extend_sheet(wb[existing], fw)
            if added:
                report["columns_added"][existing] = added
    if GUIDE.casefold() not in titles:
        _guide(wb, frameworks)
        report["sheets_added"].append(GUIDE)
    else:
        listed = _extend_guide(wb[titles[GUIDE.casefold()]], frameworks)
        if listed:
            report["columns_added"][titles[GUIDE.casefold()]] = [f"rules of {i}" for i in listed]
    if PAUSES.title.casefold() not in titles:
        from tracker.frameworks.registry import all_frameworks

        named = {f.id for f in frameworks}
        present = [f for f in all_frameworks() if f.id in named or f.sheet.casefold() in titles]
        _add_pauses(wb, present, wb[titles.get(GUIDE.casefold(), GUIDE)])
        report["sheets_added"].append(PAUSES.title)
    if ACTIONS.title.casefold() not in titles:
        _add_actions(wb, wb[titles.get(GUIDE.casefold(), GUIDE)])
        report["sheets_added"].append(ACTIONS.title)
    if not report["sheets_added"] and not report["columns_added"]:
        return report
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    backup = path.with_name(f"{path.stem}.backup-{stamp}{path.suffix}")
    shutil.copy2(path, backup)
    report["backup"] = str(backup)
    save_workbook_atomic(wb, path, finish=lambda tmp: restore_cached_values(backup, tmp))
    return report


_CACHED = re.compile(rb"<v>([^<]+)</v>")
_TYPE = re.compile(rb'\st="[^"]*"')
_EMPTY_V = re.compile(rb"<v\s*/>|<v></v>")


def _cached_values(archive: zipfile.ZipFile) -> dict[str, dict[bytes, tuple[bytes, bytes]]]:
    """Sheet title -> cell ref -> (the cell's type attribute, its formula's cached value)."""
    found: dict[str, dict[bytes, tuple[bytes, bytes]]] = {}
    for title, member in sheet_members(archive).items():
        xml = archive.read(member)
        if b"<f" not in xml:
            continue
        cells: dict[bytes, tuple[bytes, bytes]] = {}
        for match in FORMULA_CELL.finditer(xml):
            element = match.group(0)
            value = _CACHED.search(element)
            if value:
                opening = element[: element.index(b">") + 1]
                kind = _TYPE.search(opening)
                cells[match.group(1) + match.group(2)] = (kind.group(0) if kind else b"", value[1])
        if cells:
            found[title] = cells
    return found


def restore_cached_values(original: Path, written: Path) -> int:
    """Put back the cached results of formulas that openpyxl drops when it rewrites a workbook.

    Without them every formula cell would read as empty (a stage done by formula would look not
    done) until someone opened and saved the file in Excel. Returns how many were restored.
    """
    with zipfile.ZipFile(original) as src:
        cached = _cached_values(src)
    if not cached:
        return 0
    restored = 0
    with zipfile.ZipFile(written) as out:
        members = sheet_members(out)
        infos = out.infolist()
        parts = {i.filename: out.read(i.filename) for i in infos}

    def patch(cells: dict[bytes, tuple[bytes, bytes]]) -> Callable[[re.Match[bytes]], bytes]:
        def one(match: re.Match[bytes]) -> bytes:
            nonlocal restored
            element = match.group(0)
            ref = match.group(1) + match.group(2)
            if ref not in cells or _CACHED.search(element):
                return element
            kind, value = cells[ref]
            end = element.index(b">")
            opening = _TYPE.sub(b"", element[:end]) + kind + b">"
            body = element[end + 1 :]
            body, n = _EMPTY_V.subn(b"<v>" + value + b"</v>", body, count=1)
            if not n:
                body = body[: -len(b"</c>")] + b"<v>" + value + b"</v></c>"
            restored += 1
            return opening + body

        return one

    for title, cells in cached.items():
        member = members.get(title)
        if member is not None:
            parts[member] = FORMULA_CELL.sub(patch(cells), parts[member])
    with zipfile.ZipFile(written, "w") as out:
        for info in infos:
            out.writestr(info, parts[info.filename], compress_type=info.compress_type)
    return restored
