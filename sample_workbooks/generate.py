"""Build the synthetic sample workbooks (run: ``python sample_workbooks/generate.py``).

Every board, id and date here is invented. Reviews are simulated from each framework's rules
(``tracker.synthetic``) with a fixed seed, so the files are reproducible; a few cells are typed as
officers really type them (UK text dates) and two carry deliberate mistakes, so ``tracker validate``
has something to show.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from openpyxl import load_workbook

from tracker.cli.templates import create_template
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


def build(folder: Path = HERE, as_of: date = AS_OF) -> list[Path]:
    written = []
    for filename, board, sheets in BOARDS:
        path = folder / filename
        frameworks = [get_framework(fid) for fid, _, _ in sheets]
        create_template(path, frameworks)
        wb = load_workbook(path)
        for (_fid, prefix, count), fw in zip(sheets, frameworks, strict=True):
            ws = wb[fw.sheet]
            columns = {f.id: j for j, f in enumerate(fw.all_fields, start=1)}
            rows = synthetic_rows(fw, count, seed=2024, as_of=as_of, prefix=prefix)
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
        wb.save(path)
        written.append(path)
    return written


if __name__ == "__main__":
    for p in build():
        print(p)
