"""Real files written by LibreOffice 7.4 and gnumeric 1.12 (tests/data/third_party/README.md):
the same ten England SCR reviews in each, with three cells wrong on purpose.

Each file goes through the real CLI (`tracker check FILE --as-of 2024-06-30 --format json`): ten
reviews, exit 1, the three located errors, and every stage's dates and status the same in all six.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tracker.cli import main

DATA = Path(__file__).resolve().parent / "data" / "third_party"
FILES = [
    "libreoffice74_resaved_template.xlsx",
    "gnumeric112_resaved_template.xlsx",
    "libreoffice74_csv_import_enGB.xlsx",
    "gnumeric112_csv_import_enGB.xlsx",
    "libreoffice74.ods",
    "libreoffice74_excel97.xls",
]

#: (type, cell, review id, value as typed) of the three cells wrong on purpose
EXPECTED_ERRORS = [
    ("impossible-date", "H10", "NS-009", "31/02/2024"),
    ("unknown-choice", "I11", "NS-010", "Maybe"),
    ("invalid-yes-no", "L11", "NS-010", "Perhaps"),
]

W, D, P = "waiting", "overdue", "pending"
NA = "not_applicable"
#: review id -> sheet row, then each stage's (id, done, status) in framework order, as of 30/06/2024
EXPECTED_STAGES: dict[str, tuple[int, list[tuple[str, str | None, str]]]] = {
    "NS-001": (
        2,
        [
            ("notified", "2024-01-08", "on_time"),
            ("decision", "2024-02-05", "on_time"),
            ("panel_notified", "2024-02-06", "on_time"),
            ("reviewer_appointed", "2024-02-20", "on_time"),
            ("reviewer_independent", None, "met"),
            ("reviewer_names_sent", "2024-02-22", "on_time"),
            ("completed", None, P),
        ]
        + [(s, None, W) for s in ("report_sent", "report_publishable", "published")]
        + [(s, None, W) for s in ("response_published", "unpublished")],
    ),
    "NS-002": (
        3,
        [("notified", "2024-03-01", W), ("decision", None, D)]
        + [
            (s, None, W)
            for s in (
                "panel_notified",
                "reviewer_appointed",
                "reviewer_independent",
                "reviewer_names_sent",
                "completed",
                "report_sent",
                "report_publishable",
                "published",
                "response_published",
                "unpublished",
            )
        ],
    ),
    "NS-003": (
        4,
        [
            ("notified", "2024-05-10", W),
            ("decision", "2024-06-12", "late"),
            ("panel_notified", None, D),
        ]
        + [
            (s, None, NA)
            for s in (
                "reviewer_appointed",
                "reviewer_independent",
                "reviewer_names_sent",
                "completed",
                "report_sent",
                "report_publishable",
                "published",
                "response_published",
                "unpublished",
            )
        ],
    ),
    "NS-005": (
        6,
        [
            ("notified", "2023-05-15", W),
            ("decision", "2023-06-01", "on_time"),
            ("panel_notified", "2023-06-02", "on_time"),
            ("reviewer_appointed", "2023-06-20", "on_time"),
            ("reviewer_independent", None, "met"),
            ("reviewer_names_sent", "2023-06-21", "on_time"),
            ("completed", "2023-12-01", "on_time"),
            ("report_sent", "2024-01-01", "on_time"),
            ("report_publishable", None, "met"),
            ("published", "2024-01-15", "on_time"),
            ("response_published", None, "met"),
            ("unpublished", None, P),
        ],
    ),
}


def _check(path: Path) -> tuple[int, dict[str, Any]]:
    result = CliRunner().invoke(
        main, ["check", str(path), "--as-of", "2024-06-30", "--format", "json"]
    )
    return result.exit_code, json.loads(result.stdout)


@pytest.fixture(scope="module")
def results() -> dict[str, tuple[int, dict[str, Any]]]:
    return {name: _check(DATA / name) for name in FILES}


@pytest.mark.parametrize("name", FILES)
def test_the_ten_reviews_and_the_three_located_errors(
    results: dict[str, tuple[int, dict[str, Any]]], name: str
) -> None:
    code, doc = results[name]
    assert code == 1
    reviews = doc["reviews"]
    assert [r["review_id"] for r in reviews] == [f"NS-{i:03d}" for i in range(1, 11)]
    assert [r["row"] for r in reviews] == list(range(2, 12))
    assert {r["sheet"] for r in reviews} == {"England SCR"}
    assert {r["board"] for r in reviews} == {"Northshire LSCB"}
    assert {r["source"] for r in reviews} == {str(DATA / name)}
    assert [r["review_id"] for r in reviews if not r["assessable"]] == ["NS-009", "NS-010"]
    errors = [
        (p["type"], p["cell"], p["review_id"], p["value"])
        for p in doc["problems"]
        if p["severity"] == "error"
    ]
    assert errors == EXPECTED_ERRORS
    for p in doc["problems"]:
        assert p["sheet"] == "England SCR" and p["fix"]
    # warnings learnt after the files were made may come on top; nothing from the file's maker
    extra = {p["type"] for p in doc["problems"] if p["severity"] != "error"}
    assert not extra & {
        "formula-without-value",
        "suspect-us-date-import",
        "merged-cells",
        "placeholder",
        "cell-error",
    }


@pytest.mark.parametrize("name", FILES)
def test_stage_dates_and_statuses(
    results: dict[str, tuple[int, dict[str, Any]]], name: str
) -> None:
    reviews = {r["review_id"]: r for r in results[name][1]["reviews"]}
    for rid, (row, stages) in EXPECTED_STAGES.items():
        assert reviews[rid]["row"] == row
        got = [(s["id"], s["done"], s["status"]) for s in reviews[rid]["stages"]]
        assert got == stages, rid


def test_every_stage_is_the_same_in_all_six_files(
    results: dict[str, tuple[int, dict[str, Any]]],
) -> None:
    def without_source(doc: dict[str, Any]) -> list[dict[str, Any]]:
        return [{k: v for k, v in r.items() if k != "source"} for r in doc["reviews"]]

    first = without_source(results[FILES[0]][1])
    assert sum(len(r["stages"]) for r in first) == 8 * 12
    for name in FILES[1:]:
        assert without_source(results[name][1]) == first, name


def test_validate_names_the_cells_in_every_format(tmp_path: Path) -> None:
    """`tracker validate` on the .ods and the .xls: the same cells and fixes as the .xlsx."""
    outputs = []
    for name in (
        "libreoffice74_resaved_template.xlsx",
        "libreoffice74.ods",
        "libreoffice74_excel97.xls",
    ):
        result = CliRunner().invoke(main, ["validate", str(DATA / name)])
        assert result.exit_code == 1
        text = result.stdout.replace(str(DATA / name), "FILE")
        for cell in ("England SCR!H10", "England SCR!I11", "England SCR!L11"):
            assert cell in text
        outputs.append(text)
    assert outputs[0] == outputs[1] == outputs[2]
