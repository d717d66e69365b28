# ruff: noqa: F811  (pytest fixtures imported from tests.gsheet_fixtures)
"""Pauses, agreed extensions and deferred publication, read from real workbooks (DESIGN.md)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.sheets_api import FakeSheetsAPI
from tests.gsheet_fixtures import (  # noqa: F401  (pytest fixtures)
    clock,
    no_external_network,
    sa_file,
    settings,
    sheets_api,
)
from tracker.check import CheckResult, SourceSpec, run_check
from tracker.pauses import SPEC
from tracker.sources.google_api import GSheetSettings

D = date
HEADERS = [f.header for f in SPEC.fields]
IDS = [f.id for f in SPEC.fields]


def pause_rows(*events: dict[str, Any]) -> list[list[Any]]:
    return [HEADERS] + [[e.get(i) for i in IDS] for e in events]


def pause(review: str, stage: str, start: date, end: date | None = None, **kw: Any) -> dict:
    return {"review_id": review, "stage": stage, "kind": "Pause", "from": start, "to": end, **kw}


def extension(review: str, stage: str, new_due: date, **kw: Any) -> dict[str, Any]:
    return {
        "review_id": review,
        "stage": stage,
        "kind": "Agreed extension",
        "new_due": new_due,
        **kw,
    }


#: an England LCSPR: the Panel is due to be told 5 working days after the LA became aware
#: (Mon 2 Oct 2023), the report published 6 calendar months after the decision (Mon 1 Apr 2024)
REVIEW = {
    "review_id": "P-1",
    "la_aware": D(2023, 9, 25),
    "decision_outcome": "Local review",
    "decision": D(2023, 10, 1),
}
PANEL = "Date serious incident notified to Panel"
PUBLISHED = "Date published"


@pytest.fixture
def run(make_workbook: Callable[..., Path]) -> Callable[..., CheckResult]:
    def go(
        events: list[dict[str, Any]],
        as_of: date,
        reviews: list[dict[str, Any]] | None = None,
    ) -> CheckResult:
        path = make_workbook(
            "england-lcspr",
            reviews if reviews is not None else [REVIEW],
            extra={SPEC.title: pause_rows(*events)},
        )
        return run_check([SourceSpec(str(path))], as_of)

    return go


def stage(result: CheckResult, stage_id: str, review: str = "P-1") -> dict[str, Any]:
    for r in result.reviews:
        if r["review_id"] == review:
            return next(s for s in r["stages"] if s["id"] == stage_id)
    raise AssertionError(f"no review {review}")


def test_without_a_pause_the_deadlines_are_the_rules_own(run: Callable[..., CheckResult]) -> None:
    result = run([], D(2023, 10, 3))
    assert stage(result, "panel_notified")["latest"] == "2023-10-02"
    assert stage(result, "panel_notified")["original_latest"] == "2023-10-02"
    assert stage(result, "panel_notified")["adjustments"] == []
    assert stage(result, "published")["latest"] == "2024-04-01"


def test_a_closed_pause_of_10_working_days_moves_each_deadline_in_its_rules_unit(
    run: Callable[..., CheckResult],
) -> None:
    result = run(
        [
            # Mon 2 to Fri 13 Oct 2023: 10 working days
            pause("P-1", PANEL, D(2023, 10, 2), D(2023, 10, 13)),
            # Mon 11 to Fri 22 Mar 2024: 10 working days, 12 calendar days (DESIGN.md's example)
            pause("P-1", PUBLISHED, D(2024, 3, 11), D(2024, 3, 22), reason="Inquest"),
        ],
        D(2024, 3, 25),
    )
    panel = stage(result, "panel_notified")
    assert panel["original_latest"] == "2023-10-02"
    assert panel["latest"] == "2023-10-16"  # 10 working days after Mon 2 Oct
    assert panel["status"] == "overdue"
    assert panel["days_late"] == (D(2024, 3, 25) - D(2023, 10, 16)).days
    published = stage(result, "published")
    assert published["original_latest"] == "2024-04-01"
    assert published["latest"] == "2024-04-13"  # the same span in calendar days: 12
    assert published["status"] == "pending"
    assert published["adjustments"] == [
        {
            "kind": "pause",
            "from": "2024-03-11",
            "to": "2024-03-22",
            "new_due": None,
            "reason": "Inquest",
            "agreed_by": None,
            "informed": None,
            "sheet": "Pauses and extensions",
            "row": 3,
        }
    ]
    assert result.problems == []


def test_two_closed_pauses_add_up(run: Callable[..., CheckResult]) -> None:
    result = run(
        [
            # 3 working days (Mon 2 - Wed 4 Oct) and 2 (Mon 9 - Tue 10 Oct)
            pause("P-1", PANEL, D(2023, 10, 2), D(2023, 10, 4)),
            pause("P-1", PANEL, D(2023, 10, 9), D(2023, 10, 10)),
            # 3 days and 2 days
            pause("P-1", PUBLISHED, D(2024, 3, 11), D(2024, 3, 13)),
            pause("P-1", PUBLISHED, D(2024, 3, 18), D(2024, 3, 19)),
        ],
        D(2024, 3, 25),
    )
    assert stage(result, "panel_notified")["latest"] == "2023-10-09"  # 2 Oct + 5 working days
    assert stage(result, "published")["latest"] == "2024-04-06"  # 1 Apr + 5 days
    assert len(stage(result, "published")["adjustments"]) == 2


def test_an_open_pause_is_paused_past_the_original_date_then_overdue_after_it_closes(
    run: Callable[..., CheckResult],
) -> None:
    informed = {"informed": D(2024, 3, 22), "reason": "Criminal proceedings"}
    open_pause = [pause("P-1", PUBLISHED, D(2024, 3, 20), **informed)]
    during = stage(run(open_pause, D(2024, 5, 1)), "published")
    assert during["status"] == "paused"  # the original date (1 Apr) has passed
    assert during["original_latest"] == "2024-04-01"
    assert during["latest"] is None
    assert during["days_late"] == 0
    assert stage(run([], D(2024, 5, 1)), "published")["status"] == "overdue"

    # closed on Fri 10 May: 52 days paused (20 Mar - 10 May), so due 1 Apr + 52 = 23 May
    closed = [pause("P-1", PUBLISHED, D(2024, 3, 20), D(2024, 5, 10), **informed)]
    assert stage(run(closed, D(2024, 5, 23)), "published")["status"] == "pending"
    after = stage(run(closed, D(2024, 5, 24)), "published")
    assert after["latest"] == "2024-05-23"
    assert after["status"] == "overdue"
    assert after["days_late"] == 1


def test_a_pause_that_has_not_started_does_not_stop_the_clock(
    run: Callable[..., CheckResult],
) -> None:
    s = stage(run([pause("P-1", PUBLISHED, D(2024, 5, 1))], D(2024, 4, 10)), "published")
    assert s["status"] == "overdue"


def test_a_stage_done_during_an_open_pause_counts_the_pause_up_to_that_day(
    run: Callable[..., CheckResult],
) -> None:
    # paused 20 Mar - 10 May while the review was not yet published: 52 days more
    events = [pause("P-1", PUBLISHED, D(2024, 3, 20), informed=D(2024, 3, 21))]
    s = stage(run(events, D(2024, 6, 1), [{**REVIEW, "published": D(2024, 5, 10)}]), "published")
    assert s["latest"] == "2024-05-23"
    assert s["status"] == "on_time"


def test_an_agreed_extension_is_on_time_by_the_new_date_and_late_the_day_after(
    run: Callable[..., CheckResult],
) -> None:
    ext = [extension("P-1", PUBLISHED, D(2024, 4, 30), agreed_by="National Panel")]
    on_time = stage(run(ext, D(2024, 6, 1), [{**REVIEW, "published": D(2024, 4, 30)}]), "published")
    assert on_time["status"] == "on_time"
    assert on_time["latest"] == "2024-04-30"
    assert on_time["original_latest"] == "2024-04-01"
    assert on_time["basis"] == "agreed extension"
    assert "National Panel" in on_time["source"] and "replaces" in on_time["source"]
    assert on_time["adjustments"][0]["kind"] == "extension"
    assert on_time["adjustments"][0]["new_due"] == "2024-04-30"
    late = stage(run(ext, D(2024, 6, 1), [{**REVIEW, "published": D(2024, 5, 1)}]), "published")
    assert late["status"] == "late"
    assert late["days_late"] == 1
    pending = stage(run(ext, D(2024, 4, 15)), "published")
    assert pending["status"] == "pending"  # past the original 1 Apr, not the agreed date
    overdue = stage(run(ext, D(2024, 5, 1)), "published")
    assert overdue["status"] == "overdue"
    assert overdue["days_late"] == 1


def test_pauses_apply_to_a_boards_overridden_rule(make_workbook: Callable[..., Path]) -> None:
    from tracker.config import BoardConfig

    board = BoardConfig(
        name="Northshire",
        nation="england",
        sources=(),
        timescales={"england-lcspr.published": "within 20 working days after decision"},
    )
    events = pause_rows(pause("P-1", PUBLISHED, D(2023, 10, 2), D(2023, 10, 13)))
    path = make_workbook("england-lcspr", [REVIEW], extra={SPEC.title: events})
    result = run_check([SourceSpec(str(path), board)], D(2023, 10, 20))
    s = stage(result, "published")
    assert s["basis"] == "local override"
    assert s["original_latest"] == "2023-10-30"  # 20 working days from Sun 1 Oct
    assert s["latest"] == "2023-11-13"  # and 10 more for the pause


def test_a_paused_publication_without_the_national_body_informed_carries_the_finding(
    run: Callable[..., CheckResult],
) -> None:
    events = [pause("P-1", PUBLISHED, D(2024, 3, 1), reason="Criminal proceedings")]
    s = stage(run(events, D(2024, 6, 1)), "published")
    assert s["status"] == "paused"
    assert [f["type"] for f in s["findings"]] == ["national-body-not-informed"]
    assert s["findings"][0]["must"] is False
    events[0]["informed"] = D(2024, 3, 4)
    s = stage(run(events, D(2024, 6, 1)), "published")
    assert s["findings"] == []
    assert s["adjustments"][0]["informed"] == "2024-03-04"
    # other stages carry no such duty
    s = stage(run([pause("P-1", PANEL, D(2023, 9, 27))], D(2023, 11, 1)), "panel_notified")
    assert s["status"] == "paused"
    assert s["findings"] == []


def _problem(result: CheckResult, slug: str) -> Any:
    found = [p for p in result.problems if p.type == slug]
    assert len(found) == 1, [p.type for p in result.problems]
    return found[0]


def test_each_validation_rule_gives_its_located_problem_and_the_rest_still_counts(
    run: Callable[..., CheckResult],
) -> None:
    reviews = [REVIEW] + [{**REVIEW, "review_id": f"P-{k}"} for k in range(2, 8)]
    reviews[4]["panel_notified"] = D(2023, 9, 28)  # P-5
    events = [
        pause("NOPE-1", PUBLISHED, D(2024, 3, 11), D(2024, 3, 12)),  # row 2
        pause("P-2", "Date of nothing", D(2024, 3, 11), D(2024, 3, 12)),  # row 3
        pause("P-3", PUBLISHED, D(2024, 3, 22), D(2024, 3, 11)),  # row 4
        pause("P-4", PUBLISHED, D(2024, 3, 11), D(2024, 3, 20)),  # row 5
        pause("P-4", PUBLISHED, D(2024, 3, 15), D(2024, 3, 25)),  # row 6: overlaps row 5
        pause("P-5", PANEL, D(2023, 10, 2), D(2023, 10, 3)),  # row 7: done on 28 Sep
        extension("P-6", PUBLISHED, D(2024, 3, 20)),  # row 8: before 1 Apr
        {"review_id": "P-7", "stage": PUBLISHED, "kind": "Pause"},  # row 9: no From
        pause("P-1", PUBLISHED, D(2024, 3, 11), D(2024, 3, 22)),  # row 10: fine
    ]
    result = run(events, D(2024, 3, 26), reviews)
    where = {p.type: (p.sheet, p.cell, p.severity) for p in result.problems}
    assert where == {
        "adjustment-unknown-review": ("Pauses and extensions", "A2", "error"),
        "adjustment-unknown-stage": ("Pauses and extensions", "B3", "error"),
        "pause-ends-before-start": ("Pauses and extensions", "F4", "error"),
        "pause-overlap": ("Pauses and extensions", "E6", "error"),
        "pause-stage-done": ("Pauses and extensions", "E7", "warning"),
        "extension-not-later": ("Pauses and extensions", "G8", "error"),
        "adjustment-missing-date": ("Pauses and extensions", "E9", "error"),
    }
    assert "row 5" in _problem(result, "pause-overlap").message
    assert "01/04/2024" in _problem(result, "extension-not-later").message
    assert _problem(result, "adjustment-unknown-review").review_id == "NOPE-1"
    assert _problem(result, "pause-ends-before-start").review_id == "P-3"
    assessable = {r["review_id"]: r["assessable"] for r in result.reviews}
    # a review with a wrong row cannot be assessed until it is fixed; a warning leaves it be
    assert assessable == {
        "P-1": True,
        "P-2": False,
        "P-3": False,
        "P-4": False,
        "P-5": True,
        "P-6": False,
        "P-7": False,
    }
    assert stage(result, "published")["latest"] == "2024-04-13"  # the good row still counts
    assert stage(result, "panel_notified", "P-5")["latest"] == "2023-10-02"  # done: unmoved


def test_a_bad_value_in_the_sheet_is_located_like_any_other(
    run: Callable[..., CheckResult],
) -> None:
    events = [
        {**pause("P-1", PUBLISHED, D(2024, 3, 11)), "to": "31/02/2024"},
        {**pause("P-1", PANEL, D(2023, 10, 2)), "kind": "Halt"},
    ]
    result = run(events, D(2024, 3, 26))
    found = {p.type: p.cell for p in result.problems}
    assert found == {"impossible-date": "F2", "unknown-choice": "C3"}


def test_notes_in_the_sheet_never_reach_any_output(run: Callable[..., CheckResult]) -> None:
    secret = "Mother's trial at Crown Court, see police log"
    events = [pause("P-1", PUBLISHED, D(2024, 3, 11), notes=secret)]
    result = run(events, D(2024, 3, 26))
    import json

    assert secret not in json.dumps(result.to_json())
    assert "Crown" not in json.dumps(result.to_json())


def test_a_google_sheet_with_the_pauses_sheet_costs_no_extra_request(
    sheets_api: FakeSheetsAPI, sa_file: Path, settings: GSheetSettings
) -> None:
    from tests.conftest import framework_rows
    from tests.gsheet_fixtures import KEY, READER

    sheets_api.add_spreadsheet(
        KEY,
        {
            "England LCSPR": framework_rows("england-lcspr", [REVIEW]),
            SPEC.title: pause_rows(pause("P-1", PUBLISHED, D(2024, 3, 11), D(2024, 3, 22))),
        },
        shared_with={READER: "reader"},
    )
    result = run_check(
        [SourceSpec(f"gsheet:{KEY}")], D(2024, 3, 25), credentials=str(sa_file), settings=settings
    )
    calls = sheets_api.api_requests()
    assert [c.kind for c in calls] == ["metadata", "batchGet"]
    assert calls[1].query["ranges"] == ["'England LCSPR'", "'Pauses and extensions'"]
    published = stage(result, "published")
    assert published["latest"] == "2024-04-13"
    assert published["adjustments"][0]["row"] == 2
    assert result.problems == []


def test_validate_reports_the_pauses_sheet_with_its_rows_and_cells(
    make_workbook: Callable[..., Path],
) -> None:
    from click.testing import CliRunner

    from tracker.cli import main

    events = pause_rows(
        pause("P-1", PUBLISHED, D(2024, 3, 11), D(2024, 3, 22)),
        pause("P-404", PUBLISHED, D(2024, 3, 11)),
    )
    path = make_workbook("england-lcspr", [REVIEW], extra={SPEC.title: events})
    out = CliRunner().invoke(main, ["validate", str(path), "--as-of", "2024-06-30"])
    assert out.exit_code == 1
    assert "Pauses and extensions: 2 rows checked · 1 adjustment-unknown-review" in out.stdout
    assert "Pauses and extensions!A3" in out.stdout


def test_check_table_csv_and_xlsx_show_the_original_date_and_the_adjustments(
    make_workbook: Callable[..., Path], tmp_path: Path
) -> None:
    import csv
    import io

    from click.testing import CliRunner
    from openpyxl import load_workbook

    from tracker.cli import main

    events = pause_rows(
        pause("P-1", PUBLISHED, D(2024, 3, 11), D(2024, 3, 22), reason="Inquest"),
        pause("P-1", PANEL, D(2023, 9, 27), reason="Criminal proceedings"),
    )
    path = make_workbook("england-lcspr", [REVIEW], extra={SPEC.title: events})
    runner = CliRunner()
    args = ["check", str(path), "--as-of", "2024-03-25"]
    table = runner.invoke(main, args).stdout
    assert "1 paused" in table.splitlines()[0]
    assert (
        "paused   Date serious incident notifie… from 27/09/2023 (due 02/10/2023) should" in table
    )
    rows = {
        r["stage"]: r
        for r in csv.DictReader(io.StringIO(runner.invoke(main, [*args, "--format", "csv"]).stdout))
    }
    assert rows["published"]["latest"] == "2024-04-13"
    assert rows["published"]["original_latest"] == "2024-04-01"
    assert rows["published"]["adjustments"] == (
        "paused 11/03/2024-22/03/2024 (Inquest); originally due 01/04/2024"
    )
    assert rows["panel_notified"]["status"] == "paused"
    out = tmp_path / "stages.xlsx"
    runner.invoke(main, [*args, "--format", "xlsx", "--output", str(out)])
    ws = load_workbook(out)["Stages"]
    header = [c.value for c in ws[1]]
    published = next(r for r in ws.iter_rows(min_row=2, values_only=True) if r[7] == "published")
    assert published[header.index("original_latest")].date() == D(2024, 4, 1)
    assert "Inquest" in published[header.index("adjustments")]
