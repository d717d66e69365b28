"""Build the synthetic sample workbooks (run: ``python sample_workbooks/generate.py``).

Every board, id and date here is invented. Reviews are simulated from each framework's rules
(``tracker.synthetic``) with a fixed seed, so the files are reproducible; a few cells are typed as
officers really type them (UK text dates) and two carry deliberate mistakes, so ``tracker validate``
has something to show.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from tracker.calendars import add_months, add_working_days
from tracker.cli.templates import create_template
from tracker.pauses import SPEC as PAUSES
from tracker.registry import get_framework
from tracker.synthetic import synthetic_rows

HERE = Path(__file__).parent
AS_OF = date(2024, 6, 30)

BOARDS = [
    # file, board, [(framework, id prefix, count)]
    (
        "northshire.xlsx",
        "Northshire LSCB",
        [("england-scr", "NS", 16), ("england-lcspr", "NSP", 14)],
    ),
    ("eastmarch.xlsx", "Eastmarch Safeguarding Partnership", [("england-lcspr", "EM", 14)]),
    (
        "westmere.xlsx",
        "Westmere Regional Safeguarding Board",
        [("wales-cpr", "WM", 15), ("wales-susr", "WMS", 12)],
    ),
    ("lowmoor.xlsx", "Lowmoor Safeguarding Panel", [("ni-cmr", "LM", 15)]),
    (
        "glenmoor.xlsx",
        "Glenmoor Child Protection Committee",
        [("scotland-scr", "GM", 15), ("scotland-lr", "GML", 13)],
    ),
]

#: (file, sheet, review number, field, value): the way officers really type, and two mistakes
TOUCHES = [
    ("northshire.xlsx", "England SCR", 3, "notified", "text-uk"),
    ("glenmoor.xlsx", "Scotland SCR", 2, "decision", "text-uk"),
    ("westmere.xlsx", "Wales CPR", 4, "decision", "31/02/2024"),
    ("lowmoor.xlsx", "NI CMR", 5, "panel_considered", "03/25/2024"),
]


Row = dict[str, Any]


def _overdue_publication(row: Row, as_of: date) -> bool:
    decision = row.get("decision")
    return (
        row.get("decision_outcome") == "Local review"
        and decision is not None
        and row.get("published") is None
        and add_months(decision, 6) < as_of
    )


def _paused_publication(informed: bool) -> Callable[[Row, date], Row | None]:
    """Publication held up by a criminal trial, the national body told (or not yet)."""

    def event(row: Row, as_of: date) -> Row | None:
        if not _overdue_publication(row, as_of):
            return None
        start = add_months(row["decision"], 3)
        return {
            "stage": "Date published",
            "kind": "Pause",
            "reason": "Criminal proceedings",
            "from": start,
            "informed": start + timedelta(days=7) if informed else None,
            "notes": "Trial date to be confirmed by the police (board only)",
        }

    return event


def _rapid_review_extension(row: Row, as_of: date) -> Row | None:
    """A rapid review still under way (its date cleared), the Panel agreeing 10 more working days."""
    sent = row.get("panel_notified")
    if sent is None or row.get("decision") is not None:
        return None
    original = add_working_days(sent, 15, "ENG")
    row["rapid_review_completed"] = None
    return {
        "stage": "Date rapid review completed",
        "kind": "Agreed extension",
        "reason": "Information from agencies outstanding",
        "new_due": add_working_days(original, 10, "ENG"),
        "agreed_by": "National Panel",
    }


def _closed_pause(row: Row, as_of: date) -> Row | None:
    """An SCR finished up to 45 days after six months, paused for long enough meanwhile."""
    decision, done = row.get("decision"), row.get("completed")
    if row.get("decision_outcome") != "Initiate SCR" or decision is None or done is None:
        return None
    late = (done - add_months(decision, 6)).days
    if not 0 < late <= 45:
        return None
    start = add_months(decision, 2)
    return {
        "stage": "Date SCR completed",
        "kind": "Pause",
        "reason": "Family engagement",
        "from": start,
        "to": start + timedelta(days=late + 6),
        "agreed_by": "Board chair",
    }


#: (file, sheet): the event the first review it fits gets on the Pauses and extensions sheet
EVENTS: list[tuple[str, str, Callable[[Row, date], Row | None]]] = [
    ("eastmarch.xlsx", "England LCSPR", _paused_publication(informed=True)),
    ("eastmarch.xlsx", "England LCSPR", _rapid_review_extension),
    ("northshire.xlsx", "England LCSPR", _paused_publication(informed=False)),
    ("northshire.xlsx", "England SCR", _closed_pause),
]


def build(folder: Path = HERE, as_of: date = AS_OF) -> list[Path]:
    written = []
    for filename, board, sheets in BOARDS:
        path = folder / filename
        frameworks = [get_framework(fid) for fid, _, _ in sheets]
        create_template(path, frameworks)
        wb = load_workbook(path)
        events: list[Row] = []
        for (_fid, prefix, count), fw in zip(sheets, frameworks, strict=True):
            ws = wb[fw.sheet]
            columns = {f.id: j for j, f in enumerate(fw.all_fields, start=1)}
            rows = synthetic_rows(fw, count, seed=2024, as_of=as_of, prefix=prefix)
            for e_file, e_sheet, make in EVENTS:
                if e_file == filename and e_sheet == fw.sheet:
                    event = next((e for r in rows if (e := _event(make, r, as_of))), None)
                    if event is not None:
                        events.append(event)
            for i, row in enumerate(rows, start=2):
                row["board"] = board
                for field_id, value in row.items():
                    if value is not None and field_id in columns:
                        ws.cell(i, columns[field_id], value)
            for t_file, t_sheet, number, field_id, value in TOUCHES:
                if t_file == filename and t_sheet == fw.sheet:
                    cell = ws.cell(number + 1, columns[field_id])
                    if value == "text-uk" and cell.value is not None:
                        cell.value = cell.value.strftime("%d/%m/%Y")
                    elif value != "text-uk":
                        cell.value = value
        ws = wb[PAUSES.title]
        for i, event in enumerate(events, start=2):
            for j, f in enumerate(PAUSES.fields, start=1):
                if event.get(f.id) is not None:
                    ws.cell(i, j, event[f.id])
        wb.save(path)
        written.append(path)
    return written


def _event(make: Callable[[Row, date], Row | None], row: Row, as_of: date) -> Row | None:
    event = make(row, as_of)
    return {"review_id": row["review_id"], **event} if event else None


if __name__ == "__main__":
    for p in build():
        print(p)
