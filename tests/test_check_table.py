"""`tracker check`'s table, drawn from the columnar results, is the table it always was.

tests/test_golden.py pins the table at the CLI's own width for files named on the command line.
These cases pin what it does not reach, each written by the code that built every review's record
before drawing (tests/golden/regenerate.py ``table_cases``): a config's boards (reviews regrouped
under the config's board, another nation's sheet, an unusable source), colour, a narrow terminal
that splits a line and a wide one that widens the label column, and every stage (--all-stages).
The ``table-adjusted-*`` cases pin what the samples lack (pauses, extensions and actions in every
form: tests/golden/regenerate.py ``adjusted_run``), written by the same code (commit e423ac5)
before the table was drawn from whole columns.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.golden.regenerate import (
    ADJUSTED_CASES,
    EXPECTED,
    ROOT,
    TABLE_CASES,
    TableCase,
    adjusted_run,
    render_table_case,
)


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
