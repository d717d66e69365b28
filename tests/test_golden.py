"""`tracker check` and `tracker validate` print exactly what they printed before the speed work.

The expected files in tests/golden/expected were written by main's code before the streaming
writers and the bulk parsers (commit a69f1c1, in a scratch checkout: tests/golden/regenerate.py):
the JSON, CSV and tables must match byte for byte, the .xlsx cell for cell, for the sample workbooks and for messy workbooks that carry every
kind of problem, with and without a config (boards, nations, a local timescale).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.golden.regenerate import CASES, EXPECTED, ROOT, Case, run_case

EXIT_CODES = json.loads((EXPECTED / "exit-codes.json").read_text())


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_output_is_unchanged(case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    data, code = run_case(case, tmp_path)
    expected = (EXPECTED / case.name).read_bytes()
    if data != expected:  # show the first differing line rather than two huge blobs
        got, want = data.decode().splitlines(), expected.decode().splitlines()
        first = next(
            (i for i, (a, b) in enumerate(zip(got, want, strict=False)) if a != b),
            min(len(got), len(want)),
        )
        pytest.fail(
            f"{case.name} differs at line {first + 1} ({len(got)} lines, expected {len(want)}):\n"
            f"got:      {got[first] if first < len(got) else '<end>'}\n"
            f"expected: {want[first] if first < len(want) else '<end>'}"
        )
    assert code == EXIT_CODES[case.name]


def test_the_golden_inputs_carry_the_problems_they_are_meant_to() -> None:
    """The messy workbooks are worth comparing only while they exercise the odd paths."""
    kinds = {
        p["type"]
        for name in ("validate-messy.json", "validate-messy-config.json")
        for p in json.loads((EXPECTED / name).read_text())["problems"]
    }
    for slug in (
        "invalid-date",
        "us-date-order",
        "impossible-date",
        "two-digit-year",
        "implausible-date",
        "cell-error",
        "missing-required",
        "unknown-choice",
        "choice-case",
        "invalid-yes-no",
        "invalid-id",
        "duplicate-id",
        "future-date",
        "formula-without-value",
        "invalid-link",
        "duplicate-header",
        "missing-column",
        "hidden-sheet",
        "wrong-nation-sheet",
        "unreadable-source",
        "out-of-order",
    ):
        assert slug in kinds, slug
    check = json.loads((EXPECTED / "check-messy.json").read_text())
    statuses = {s["status"] for r in check["reviews"] for s in r["stages"]}
    assert statuses >= {"on_time", "late", "overdue", "pending", "waiting", "not_applicable"}
    assert any(not r["assessable"] for r in check["reviews"])
    assert any("☂" in (r["board"] or "") for r in check["reviews"])
    assert any("\n" in str(p["value"]) and "\\" in str(p["value"]) for p in check["problems"])
