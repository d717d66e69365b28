"""`tracker check`'s table, drawn from the columnar results, is the table it always was.

tests/test_golden.py pins the table at the CLI's own width for files named on the command line.
These cases pin what it does not reach, each written by the code that built every review's record
before drawing (tests/golden/regenerate.py ``table_cases``): a config's boards (reviews regrouped
under the config's board, another nation's sheet, an unusable source), colour, a narrow terminal
that splits a line and a wide one that widens the label column, and every stage (--all-stages).
The ``table-adjusted-*`` cases pin what the samples lack (pauses, extensions and actions in every
form: :func:`adjusted_run`), written by the same code (commit e423ac5) before the table was drawn
from whole columns.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.golden.regenerate import EXPECTED, ROOT, TABLE_CASES, TableCase, render_table_case
from tracker.check import CheckResult, SourceSpec, run_check


@pytest.mark.parametrize("case", TABLE_CASES, ids=[c.name for c in TABLE_CASES])
def test_table_is_unchanged(case: TableCase, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    assert_unchanged(render_table_case(case), case.name)


def assert_unchanged(got: str, name: str) -> None:
    """``got`` is the expected file ``name``; else the first differing line, not two long blobs."""
    want = (EXPECTED / name).read_text(encoding="utf-8")
    if got != want:
        a, b = got.splitlines(), want.splitlines()
        first = next(
            (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))
        )
        pytest.fail(
            f"{name} differs at line {first + 1} ({len(a)} lines, expected {len(b)}):\n"
            f"got:      {a[first] if first < len(a) else '<end>'}\n"
            f"expected: {b[first] if first < len(b) else '<end>'}"
        )


def test_the_table_cases_reach_what_they_are_meant_to() -> None:
    """Colour codes, a split basis line, an unusable source and a regrouped board all occur."""
    texts = {c.name: (EXPECTED / c.name).read_text(encoding="utf-8") for c in TABLE_CASES}
    assert any("\x1b[" in t for t in texts.values())
    assert any("UNUSABLE" in t for t in texts.values())
    narrow = texts["table-samples-60.txt"].splitlines()
    assert any(line.startswith(" " * 13) and "·" in line for line in narrow)  # a split basis
    assert "Harbourside Safeguarding Children Partnership" in texts["table-messy-config-400.txt"]


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


@pytest.mark.parametrize("case", ADJUSTED_CASES, ids=[c[0] for c in ADJUSTED_CASES])
def test_pauses_extensions_and_actions_are_drawn_as_before(
    case: tuple[str, int, bool, bool], tmp_path: Path
) -> None:
    """The expected files were written by the renderer that drew every stage from its record
    (commit e423ac5), before the table was drawn from whole columns."""
    from tracker.cli.output import render_check_table

    name, width, colour, verbose = case
    got = render_check_table(adjusted_run(tmp_path), verbose=verbose, width=width, colour=colour)
    assert_unchanged(got, name)


def test_the_adjusted_cases_reach_what_they_are_meant_to(tmp_path: Path) -> None:
    """An extended stage counted under another group than its rule's, a pause's two lines, a
    finding, a paused action, colour on a split line: each occurs."""
    texts = {n: (EXPECTED / n).read_text(encoding="utf-8") for n, *_ in ADJUSTED_CASES}
    every = "".join(texts.values())
    result = adjusted_run(tmp_path)
    decided = [s for r in result.reviews for s in r.get("stages", ()) if s["id"] == "decision"]
    extended = [s for s in decided if s["basis"] == "agreed extension"]
    assert extended and extended[0]["status"] == "on_time"
    assert any(s["basis"] == "local override" and s["status"] == "late" for s in decided)
    assert "local 33% (1 of 3)" in every and "extended to" in every and "should: " in every
    assert "paused since" in every and "cannot be assessed" in every
    narrow = texts["table-adjusted-60-all-colour.txt"].splitlines()
    split = [i for i, line in enumerate(narrow) if line.startswith(" " * 13) and " · " in line]
    assert split and any("\x1b[" in narrow[i - 1] for i in split)
