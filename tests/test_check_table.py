"""`tracker check`'s table, drawn from the columnar results, is the table it always was.

tests/test_golden.py pins the table at the CLI's own width for files named on the command line.
These cases pin what it does not reach, each written by the code that built every review's record
before drawing (tests/golden/regenerate.py ``table_cases``): a config's boards (reviews regrouped
under the config's board, another nation's sheet, an unusable source), colour, a narrow terminal
that splits a line and a wide one that widens the label column, and every stage (--all-stages).
"""

from __future__ import annotations

import pytest

from tests.golden.regenerate import EXPECTED, ROOT, TABLE_CASES, TableCase, render_table_case


@pytest.mark.parametrize("case", TABLE_CASES, ids=[c.name for c in TABLE_CASES])
def test_table_is_unchanged(case: TableCase, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    got = render_table_case(case)
    want = (EXPECTED / case.name).read_text(encoding="utf-8")
    if got != want:  # the first differing line, not two long blobs
        a, b = got.splitlines(), want.splitlines()
        first = next(
            (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))
        )
        pytest.fail(
            f"{case.name} differs at line {first + 1} ({len(a)} lines, expected {len(b)}):\n"
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
