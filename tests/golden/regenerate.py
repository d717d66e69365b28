"""The golden outputs: what `tracker check` and `tracker validate` print for fixed inputs.

    python -m tests.golden.regenerate            # rewrite the expected outputs from the current code
    python -m tests.golden.regenerate --inputs   # also rebuild the messy input workbooks

tests/test_golden.py compares the current code's output with these files byte for byte, so a change
that is meant to be invisible (a faster writer, a new parser) is proved to be. Regenerate only when
an output contract changes on purpose (a new documented field), and read the diff before committing.

The inputs are the bundled sample workbooks and three messy workbooks built here once and committed
(every way officers really type a cell, every kind of problem, all seven frameworks): they are
committed rather than built per test so a change in the synthetic generator cannot move them.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tracker.check import CheckResult

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
INPUTS = HERE / "inputs"
EXPECTED = HERE / "expected"
AS_OF = "2024-06-30"
#: the sample workbooks' own as-of date (sample_workbooks/generate.py): their pauses, extensions
#: and actions are live on it
SAMPLES_AS_OF = "2025-03-31"

# paths relative to the repository root: the outputs quote each source as it was given
SAMPLE_FILES = [
    "sample_workbooks/eastmarch.xlsx",
    "sample_workbooks/glenmoor.xlsx",
    "sample_workbooks/lowmoor.xlsx",
    "sample_workbooks/northshire.xlsx",
    "sample_workbooks/westmere.xlsx",
]
MESSY_FILES = [
    "tests/golden/inputs/harbourside.xlsx",
    "tests/golden/inputs/ynys-mon.xlsx",
    "tests/golden/inputs/broken.xlsx",
]


@dataclass(frozen=True)
class Case:
    """One CLI run; ``output`` names the expected file (``-`` in args: a temporary output path)."""

    name: str
    args: tuple[str, ...]
    #: the output is an .xlsx: compared as its cells' values and types, not its bytes
    xlsx: bool = False


def _cases() -> list[Case]:
    cases: list[Case] = []
    for label, files, config, as_of in (
        ("samples", SAMPLE_FILES, (), SAMPLES_AS_OF),
        ("samples-config", (), ("--config", "sample_workbooks/tracker.toml"), SAMPLES_AS_OF),
        ("messy", MESSY_FILES, (), AS_OF),
        ("messy-config", (), ("--config", "tests/golden/inputs/tracker.toml"), AS_OF),
    ):
        base = ("--as-of", as_of, *files, *config)
        cases += [
            Case(f"check-{label}.json", ("check", *base, "--format", "json")),
            Case(f"check-{label}.csv", ("check", *base, "--format", "csv")),
            Case(f"check-{label}.xlsx.json", ("check", *base, "--format", "xlsx"), xlsx=True),
            Case(f"validate-{label}.json", ("validate", *base, "--format", "json")),
        ]
        if not config:  # a config's sources are absolute paths: the tables' cut lines would vary
            cases += [
                Case(f"check-{label}.txt", ("check", *base)),
                Case(f"check-{label}-all.txt", ("check", *base, "--all-stages")),
                Case(f"validate-{label}.txt", ("validate", *base)),
            ]
    return cases


CASES = _cases()


@dataclass(frozen=True)
class TableCase:
    """The check table rendered in-process at a given width and colour (tests/test_check_table.py):
    widths and colour a CLI run under the test runner never has."""

    name: str
    files: tuple[str, ...]
    config: str | None
    as_of: str
    width: int
    colour: bool = False
    verbose: bool = False


#: wide enough that no line with a config's absolute path is cut (the checkout's folder varies)
TABLE_CASES = [
    TableCase("table-samples-60.txt", tuple(SAMPLE_FILES), None, SAMPLES_AS_OF, 60),
    TableCase("table-samples-160-colour.txt", tuple(SAMPLE_FILES), None, SAMPLES_AS_OF, 160, True),
    TableCase(
        "table-samples-config-400-all.txt",
        (),
        "sample_workbooks/tracker.toml",
        SAMPLES_AS_OF,
        400,
        verbose=True,
    ),
    TableCase("table-messy-config-400.txt", (), "tests/golden/inputs/tracker.toml", AS_OF, 400),
    TableCase(
        "table-messy-config-400-all-colour.txt",
        (),
        "tests/golden/inputs/tracker.toml",
        AS_OF,
        400,
        True,
        True,
    ),
    TableCase("table-messy-72-all.txt", tuple(MESSY_FILES), None, AS_OF, 72, verbose=True),
]


def render_table_case(case: TableCase) -> str:
    """The case's table, with the checkout's folder as ``<ROOT>``."""
    from tracker.check import SourceSpec, check_config
    from tracker.cli.output import render_check_table
    from tracker.config import load_config

    as_of = date.fromisoformat(case.as_of)
    if case.config:
        result = check_config(load_config(case.config), as_of)
    else:
        from tracker.check import run_check

        result = run_check([SourceSpec(f) for f in case.files], as_of)
    text = render_check_table(result, verbose=case.verbose, width=case.width, colour=case.colour)
    return text.replace(str(ROOT), "<ROOT>")


#: (expected file, width, colour, --all-stages) of :func:`adjusted_run`'s table
ADJUSTED_CASES = [
    ("table-adjusted-60-all-colour.txt", 60, True, True),
    ("table-adjusted-72-colour.txt", 72, True, False),
    ("table-adjusted-100.txt", 100, False, False),
]


def adjusted_run(folder: Path) -> CheckResult:
    """One board's England LCSPR sheet with what the sample workbooks lack: an agreed extension
    of a stage that was done (on time only by the extension) under the board's own timescale, so
    the stage's rows fall in two groups of "Deadlines met"; open and closed pauses, a finding,
    an extension nobody is named for, paused and not-applicable actions, a review that cannot be
    assessed with actions of its own, and a review ID too long for its column."""
    from tests.conftest import framework_rows, write_workbook
    from tracker.check import SourceSpec, run_check
    from tracker.config import BoardConfig
    from tracker.optional.actions import SPEC as ACTIONS
    from tracker.optional.pauses import SPEC as PAUSES

    def review(rid: str, **dates: date | str | None) -> dict[str, Any]:
        return {
            "review_id": rid,
            "la_aware": date(2023, 9, 25),
            "panel_notified": date(2023, 9, 29),
            "decision_outcome": "Local review",
            "decision": date(2023, 10, 1),
            **dates,
        }

    reviews = [
        review("P-1", decision=date(2023, 10, 20)),
        review("P-2", decision=date(2023, 10, 20)),
        review("P-3", panel_notified=None),
        review("P-4"),
        review("P-5", la_aware=None),
        review("P-6-A-REVIEW-ID-LONGER-THAN-ITS-COLUMN", rapid_review_completed=date(2023, 10, 2)),
        review("P-7", decision_outcome="No review", decision=date(2023, 10, 20)),
    ]
    pauses = [
        {
            "review_id": "P-1",
            "stage": "Date of decision",
            "kind": "Agreed extension",
            "new_due": date(2023, 10, 31),
            "agreed_by": "National Panel",
        },
        {
            "review_id": "P-3",
            "stage": "Date serious incident notified to Panel",
            "kind": "Pause",
            "from": date(2023, 9, 27),
            "reason": "Criminal proceedings",
        },
        {
            "review_id": "P-3",
            "stage": "Date published",
            "kind": "Pause",
            "from": date(2023, 10, 9),
            "to": date(2023, 10, 20),
            "reason": "Inquest",
        },
        {
            "review_id": "P-4",
            "stage": "Date published",
            "kind": "Pause",
            "from": date(2023, 10, 16),
        },
        {
            "review_id": "P-6-A-REVIEW-ID-LONGER-THAN-ITS-COLUMN",
            "stage": "Date of decision",
            "kind": "Agreed extension",
            "new_due": date(2024, 9, 30),
        },
        {
            "review_id": "P-1",
            "stage": "Action R2.2",
            "kind": "Pause",
            "from": date(2024, 2, 1),
            "reason": "Family engagement",
        },
    ]

    def action(rid: str, ref: str, due: date, **kw: Any) -> dict[str, Any]:
        return {
            "review_id": rid,
            "recommendation": ref.split(".")[0],
            "action_ref": ref,
            "agency": "Northshire Police and Children's Social Care",
            "due": due,
            **kw,
        }

    actions = [
        action("P-1", "R1.1", date(2024, 1, 10), status="Open"),
        action("P-1", "R1.2", date(2024, 1, 10), completed=date(2024, 1, 17), status="Completed"),
        action("P-1", "R1.3", date(2024, 9, 1)),
        action("P-1", "R2.1", date(2024, 1, 10), status="Not accepted"),
        action("P-1", "R2.2", date(2024, 3, 1)),
        action("P-1", "R2.3", date(2024, 3, 1), completed=date(2024, 2, 1), status="Completed"),
        action("P-5", "R1.1", date(2024, 2, 1)),
    ]
    rows = {
        PAUSES.title: [[f.header for f in PAUSES.fields]]
        + [[p.get(f.id) for f in PAUSES.fields] for p in pauses],
        ACTIONS.title: [[f.header for f in ACTIONS.fields]]
        + [[a.get(f.id) for f in ACTIONS.fields] for a in actions],
    }
    path = write_workbook(
        folder / "northshire.xlsx",
        {"England LCSPR": framework_rows("england-lcspr", reviews), **rows},
    )
    board = BoardConfig(
        name="Northshire Safeguarding Children Partnership",
        nation="england",
        sources=(),
        timescales={"england-lcspr.decision": "within 10 working days after panel_notified"},
    )
    return run_check([SourceSpec(str(path), board)], date(2024, 6, 30))


def xlsx_cells(path: Path) -> str:
    """Every sheet's cells as JSON lines, a row a line: value, type, and whether it links."""
    from openpyxl import load_workbook

    wb = load_workbook(path)
    lines: list[str] = []
    for ws in wb.worksheets:
        lines.append(json.dumps({"sheet": ws.title, "freeze": ws.freeze_panes}))
        for row in ws.iter_rows():
            cells = []
            for c in row:
                value = c.value
                if isinstance(value, datetime | date):
                    value = {"date": value.isoformat()}
                cells.append([value, c.data_type] + (["link"] if c.hyperlink else []))
            lines.append(json.dumps(cells, ensure_ascii=False))
    return "\n".join(lines) + "\n"


def run_case(case: Case, tmp: Path) -> tuple[bytes, int]:
    """The case's output bytes (stdout, or the .xlsx as cell text) and exit code, run from the
    repository root."""
    from click.testing import CliRunner

    from tracker.cli import main

    args = list(case.args)
    out = None
    if case.xlsx:
        out = tmp / "out.xlsx"
        args += ["--output", str(out)]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    data = xlsx_cells(out).encode("utf-8") if out is not None else result.stdout_bytes
    # a config's sources resolve to absolute paths: the checkout's own folder is not the output's
    return data.replace(str(ROOT).encode("utf-8"), b"<ROOT>"), result.exit_code


# --- the messy inputs -------------------------------------------------------------------------

DATE_FORMS = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d %b %Y", "%d %B %Y", "%Y-%m-%d")


def _messy_date(rng: random.Random, value: date) -> Any:
    kind = rng.randrange(22)
    if kind < 6:
        return value.strftime(DATE_FORMS[kind])
    return [
        lambda: (value - date(1899, 12, 30)).days,  # an Excel serial typed as a number
        lambda: float((value - date(1899, 12, 30)).days),
        lambda: datetime(value.year, value.month, value.day, 9, 30),
        lambda: f"  {value:%d/%m/%Y}\u00a0",  # stray and non-breaking spaces
        lambda: f"{value:%A} {value.day}th {value:%B %Y}",
        lambda: value.strftime("%m/%d/%Y") if value.day > 12 else "31/02/2024",
        lambda: value.strftime("%d/%m/%y"),  # two-digit year
        lambda: "31/02/2024",
        lambda: "01/01/1890",
        lambda: "#N/A",  # an error value: written as an error cell
        lambda: "not yet",
        lambda: value.isoformat() + "T10:15:00",
        lambda: "   ",
        lambda: True,
        lambda: date(2031, 3, 4),  # in the future
        lambda: "13/13/2024",
    ][kind - 6]()


def _messy(rng: random.Random, field: Any, value: Any) -> Any:
    from tracker.model import FieldType

    if field.type is FieldType.DATE and isinstance(value, date):
        return _messy_date(rng, value)
    if field.type is FieldType.YES_NO:
        return rng.choice(
            ["yes", "Y", "true", "No", "n", True, False, "maybe", "#REF!", 1, " YES "]
        )
    if field.type is FieldType.CHOICE and value is not None:
        return rng.choice([value.lower(), f"  {value.upper()} ", "Something else", 3, "#VALUE!"])
    return value


def build_inputs() -> list[Path]:
    """Three workbooks (a fixed seed): officers' typing, every problem, all seven frameworks."""
    from openpyxl import Workbook

    from tracker.frameworks.registry import all_frameworks
    from tracker.frameworks.synthetic import synthetic_rows

    as_of = date.fromisoformat(AS_OF)
    INPUTS.mkdir(parents=True, exist_ok=True)
    rng = random.Random(18)
    frameworks = {f.id: f for f in all_frameworks()}
    plans = {
        "harbourside.xlsx": (
            "Harbourside Safeguarding Children Partnership",
            ["england-scr", "england-lcspr", "ni-cmr"],
        ),
        "ynys-mon.xlsx": (
            "Bwrdd Diogelu Gogledd Cymru — Ynys Môn",
            ["wales-cpr", "wales-susr", "scotland-scr", "scotland-lr"],
        ),
    }
    paths = []
    for filename, (board, fids) in plans.items():
        wb = Workbook()
        assert wb.active is not None
        wb.remove(wb.active)
        for n, fid in enumerate(fids):
            fw = frameworks[fid]
            ws = wb.create_sheet(fw.sheet)
            fields = list(fw.all_fields)
            if n == 1:  # a title row and a blank row above the header, an extra column
                ws.append([f"{fw.sheet} — tracker"])
                ws.append([])
                ws.append([f.header for f in fields] + ["Officer's own column"])
            else:
                ws.append([f.header.upper() if f.id == "board" else f.header for f in fields])
            rows = synthetic_rows(
                fw, 24, seed=18, as_of=as_of, prefix="".join(p[0] for p in fid.split("-")).upper()
            )
            for i, row in enumerate(rows):
                row["board"] = board if i % 5 else None
                row["notes"] = "private: the family's circumstances" if i % 3 == 0 else None
                row["report_link"] = (
                    f"https://example.org/reports/{i}"
                    if i % 7 == 0
                    else "www.example.org/r"
                    if i % 11 == 0
                    else None
                )
                values = []
                for f in fields:
                    value = row.get(f.id)
                    share = {"date": 0.08, "yes/no": 0.3, "choice": 0.15}.get(f.type.value, 0)
                    if rng.random() < share:
                        value = _messy(rng, f, value)
                    values.append(value)
                ws.append(values + (["officer's own"] if n == 1 else []))
                if i == 6:
                    ws.append([])  # a blank row among the data
                if i == 9:
                    ws.append(["   "] + [None] * (len(fields) - 1))  # spaces only
            # review ids as officers type them: a duplicate, a bad one, a number, blank
            id_col = 1
            first_data = 5 if n == 1 else 2
            ws.cell(first_data + 2, id_col).value = ws.cell(first_data, id_col).value
            ws.cell(first_data + 3, id_col).value = "HB 2024/7"
            ws.cell(first_data + 4, id_col).value = 1234.0
            ws.cell(first_data + 5, id_col).value = None
            # formula-looking text typed as text, and a real formula never calculated
            board_col = 2
            ws.cell(first_data + 11, board_col).value = '=HYPERLINK("http://x.example","click")'
            ws.cell(first_data + 11, board_col).data_type = "s"
            ws.cell(first_data + 12, board_col).value = '+44 "quoted" \\ back\tslash'
            date_col = next(j for j, f in enumerate(fields, start=1) if f.type.value == "date")
            ws.cell(first_data + 13, date_col).value = "=TODAY()-3"
            ws.cell(first_data + 14, board_col).value = "Line one\nline two ☂ 😀"
            ws.cell(first_data + 15, date_col).value = "01/01/1890"
            ws.cell(first_data + 17, date_col).value = 'soon\n"tab"\there \\ ☂'
            ws.cell(first_data + 16, date_col).value = date(
                1985, 5, 1
            )  # a real date cell, implausible
            if n == 2:
                ws.sheet_state = "hidden"
        path = INPUTS / filename
        wb.save(path)
        paths.append(path)

    # a workbook whose sheets cannot be used as they stand
    wb = Workbook()
    assert wb.active is not None
    wb.remove(wb.active)
    scr = frameworks["england-scr"]
    ws = wb.create_sheet(scr.sheet)  # a duplicated header: the sheet's reviews cannot be assessed
    headers = [f.header for f in scr.all_fields]
    ws.append(headers + [headers[3]])
    for row in synthetic_rows(scr, 5, seed=3, as_of=as_of, prefix="BR"):
        ws.append([row.get(f.id) for f in scr.all_fields])
    lcspr = frameworks["england-lcspr"]
    ws = wb.create_sheet(lcspr.sheet)  # the Review ID column is missing
    fields = [f for f in lcspr.all_fields if f.id != "review_id"]
    ws.append([f.header for f in fields])
    for row in synthetic_rows(lcspr, 4, seed=4, as_of=as_of, prefix="BL"):
        ws.append([row.get(f.id) for f in fields])
    ws = wb.create_sheet("Wales CPR")  # a sheet of another nation's framework (with a config)
    cpr = frameworks["wales-cpr"]
    ws.append([f.header for f in cpr.all_fields])
    for row in synthetic_rows(cpr, 3, seed=5, as_of=as_of, prefix="BW"):
        ws.append([row.get(f.id) for f in cpr.all_fields])
    ws = wb.create_sheet("Summary")
    ws.append(["not a framework sheet"])
    path = INPUTS / "broken.xlsx"
    wb.save(path)
    paths.append(path)

    (INPUTS / "tracker.toml").write_text(
        "# The golden runs' config: boards, nations and a local timescale (tests/golden).\n"
        "\n"
        "[[boards]]\n"
        'name = "Harbourside Safeguarding Children Partnership"\n'
        'nation = "england"\n'
        'sources = ["harbourside.xlsx", "broken.xlsx"]\n\n'
        "[boards.timescales]\n"
        '"england-scr.decision" = "within 20 working days after notified"\n\n'
        "[[boards]]\n"
        'name = "Bwrdd Diogelu Gogledd Cymru — Ynys Môn"\n'
        'nation = "wales"\n'
        'sources = ["ynys-mon.xlsx", "missing.xlsx"]\n',
        encoding="utf-8",
    )
    return paths


def regenerate() -> None:
    import tempfile

    EXPECTED.mkdir(parents=True, exist_ok=True)
    codes: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for case in CASES:
            data, code = run_case(case, Path(tmp))
            (EXPECTED / case.name).write_bytes(data)
            codes[case.name] = code
    (EXPECTED / "exit-codes.json").write_text(json.dumps(codes, indent=1) + "\n")
    for table in TABLE_CASES:
        (EXPECTED / table.name).write_text(render_table_case(table), encoding="utf-8")
    from tracker.cli.output import render_check_table

    with tempfile.TemporaryDirectory() as tmp:
        adjusted = adjusted_run(Path(tmp))
        for name, width, colour, verbose in ADJUSTED_CASES:
            text = render_check_table(adjusted, verbose=verbose, width=width, colour=colour)
            (EXPECTED / name).write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", action="store_true", help="rebuild the input workbooks too")
    args = parser.parse_args()
    import os

    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    if args.inputs:
        for p in build_inputs():
            print(p.relative_to(ROOT))
    regenerate()
    count = len(CASES) + len(TABLE_CASES) + len(ADJUSTED_CASES)
    print(f"{count} expected outputs in {EXPECTED.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
