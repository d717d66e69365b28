"""The officers' Tracker sheet for Excel sources: content, the companion workbook, ``tracker publish``.

Real workbooks in tmp_path (tests/email_fixtures.py's data set, as of Friday 1 March 2024).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

from tests.email_fixtures import AS_OF, NORTHSHIRE, northshire_workbook, write_config
from tracker.check import SourceSpec, check_config, run_check, specs_from_config
from tracker.cli import main
from tracker.config import load_config
from tracker.frameworks.registry import all_frameworks
from tracker.output.publish.content import COLUMNS, HEADER_ROWS, NOTICE, build_content, rule_words
from tracker.output.publish.run import UNCHANGED, WRITTEN, publish_results

NOW = datetime(2024, 3, 1, 9, 30, tzinfo=UTC)


def rows_of(path: Path) -> list[dict[str, Any]]:
    sheet = openpyxl.load_workbook(path)["Tracker"]
    out = []
    for r in range(HEADER_ROWS + 1, sheet.max_row + 1):
        values = {h: sheet.cell(r, c).value for c, h in enumerate(COLUMNS, start=1)}
        values["_link"] = sheet.cell(r, len(COLUMNS)).hyperlink
        out.append(values)
    return out


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def source(tmp_path: Path) -> Path:
    return northshire_workbook(tmp_path / "northshire.xlsx")


def test_overdue_first_then_due_by_date_then_problems_then_done(source: Path) -> None:
    result = run_check([SourceSpec(str(source))], AS_OF)
    content = build_content(result.to_json(), str(source), rules=rule_words(all_frameworks()))
    kinds = [row[0].value for row in content.rows]
    # one block each, in this order
    assert kinds == sorted(kinds, key=["Overdue", "Due", "Data problem", "Done"].index)
    overdue = [r for r in content.rows if r[0].value == "Overdue"]
    due = [r for r in content.rows if r[0].value == "Due"]
    assert overdue and due
    # NS-2024-01's decision (notified 08/01) is overdue; NS-2024-04's is due 05/03
    assert ("NS-2024-01", "Overdue") in {(r[1].value, r[7].value) for r in overdue}
    ns4 = [r for r in due if r[1].value == "NS-2024-04"]
    assert ns4 and ns4[0][4].value == date(2024, 3, 5) and ns4[0][6].value == "4 days left"
    assert all(isinstance(r[4].value, date) and r[4].value < AS_OF for r in overdue)
    dues = [r[4].value for r in due]
    assert dues == sorted(dues)
    assert [r[6].value for r in overdue] == ["22 days overdue"] * 3
    # the must/should and the rule in words travel with each row
    ns1 = next(r for r in overdue if r[1].value == "NS-2024-01")
    assert ns1[8].value == "should"
    assert ns1[9].value == "within 1 month after Date notified to LSCB"
    assert ns1[12].value == "England SCR!A2" and ns1[12].link is not None
    # NS-2024-02's decision was done late on 26/02: listed among the done, with its lateness
    done = [
        (r[3].value, r[5].value, r[6].value, r[7].value)
        for r in content.rows
        if r[0].value == "Done"
    ]
    assert done == [  # newest first
        ("Date lead reviewer appointed", date(2024, 2, 27), None, "On time"),
        ("Decision date", date(2024, 2, 26), "18 days late", "Done late"),
    ]
    assert content.problems == sum(1 for r in content.rows if r[0].value == "Data problem") == 6


def test_paused_and_not_applicable_stages_are_never_due() -> None:
    check = {
        "as_of": "2024-03-01",
        "reviews": [
            {
                "source": "a.xlsx",
                "sheet": "England SCR",
                "row": 2,
                "review_id": "R-1",
                "framework": "england-scr",
                "stages": [
                    {
                        "id": "decision",
                        "label": "Decision",
                        "done": None,
                        "latest": "2024-02-01",
                        "status": "paused",
                        "must": False,
                    },
                    {
                        "id": "panel",
                        "label": "Panel",
                        "done": None,
                        "latest": "2024-02-01",
                        "status": "not_applicable",
                        "must": True,
                    },
                    {
                        "id": "report",
                        "label": "Report",
                        "done": None,
                        "latest": "2024-02-01",
                        "status": "overdue",
                        "must": True,
                    },
                    {
                        "id": "old",
                        "label": "Old",
                        "done": "2022-01-01",
                        "latest": "2022-02-01",
                        "status": "on_time",
                        "must": True,
                    },
                ],
            }
        ],
        "problems": [],
    }
    check["problems"] = [  # an info note needs no action: not on the sheet
        {
            "source": "a.xlsx",
            "sheet": "England SCR",
            "cell": "B2",
            "row": 2,
            "type": "merged-cells",
            "severity": "info",
            "message": "merged",
            "fix": "Nothing to do",
        }
    ]
    content = build_content(check, "a.xlsx")
    assert [(r[0].value, r[3].value, r[8].value) for r in content.rows] == [
        ("Overdue", "Report", "must")
    ]
    assert content.problems == 0


def test_companion_workbook_rows_links_and_the_source_untouched(source: Path) -> None:
    before = digest(source)
    result = run_check([SourceSpec(str(source))], AS_OF)
    out = publish_results(result, [SourceSpec(str(source))], now=NOW)
    companion = source.parent / "northshire.tracker.xlsx"
    assert [p.outcome for p in out] == [WRITTEN] and out[0].target == str(companion)
    assert digest(source) == before  # the officers' file is never written
    book = openpyxl.load_workbook(companion)
    assert book.sheetnames == ["Tracker"]
    sheet = book["Tracker"]
    assert (
        "as of 01/03/2024" in sheet["A1"].value and "written 01/03/2024 09:30" in sheet["A1"].value
    )
    assert sheet["A3"].value == NOTICE
    assert [sheet.cell(HEADER_ROWS, c).value for c in range(1, len(COLUMNS) + 1)] == list(COLUMNS)
    assert sheet.freeze_panes == f"A{HEADER_ROWS + 1}"
    assert sheet.auto_filter.ref.startswith(f"A{HEADER_ROWS}:M")
    rules = [r for cf in sheet.conditional_formatting for r in cf.rules]
    assert {tuple(r.formula) for r in rules} >= {('"Overdue"',), ('"Data problem"',)}
    rows = rows_of(companion)
    problems = [r for r in rows if r["What"] == "Data problem"]
    impossible = next(r for r in problems if r["Review"] == "NS-2024-03")
    assert impossible["As typed"] == "31/02/2024"
    assert "not a real date" in impossible["Rule, or what is wrong"]
    # the link opens the source workbook at the cell, whatever the cell says
    cell = impossible["Go to"].split("!")[1]
    assert impossible["Go to"] == f"England SCR!{cell}"
    assert impossible["_link"].target == f"northshire.xlsx#'England SCR'!{cell}"
    src = openpyxl.load_workbook(source)["England SCR"]
    assert src[cell].value == "31/02/2024"
    overdue = next(r for r in rows if r["What"] == "Overdue")
    assert isinstance(overdue["Due"], datetime)  # a real date cell, dd/mm/yyyy
    assert overdue["_link"].target == "northshire.xlsx#'England LCSPR'!A2"


def test_text_that_looks_like_a_formula_stays_text(tmp_path: Path) -> None:
    path = tmp_path / "evil.xlsx"
    from tests.email_fixtures import write_sheet

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    write_sheet(
        wb,
        "england-scr",
        [{"review_id": "EV-1", "notified": '=HYPERLINK("http://evil.example","x")'}],
    )
    for row in wb["England SCR"].iter_rows():
        for c in row:
            if isinstance(c.value, str) and c.value.startswith("="):
                c.data_type = "s"  # typed as text (a leading apostrophe in Excel)
    wb.save(path)
    result = run_check([SourceSpec(str(path))], AS_OF)
    publish_results(result, [SourceSpec(str(path))], now=NOW)
    companion = tmp_path / "evil.tracker.xlsx"
    sheet = openpyxl.load_workbook(companion)["Tracker"]
    typed = [c for row in sheet.iter_rows() for c in row if c.value and "HYPERLINK" in str(c.value)]
    assert typed and all(c.data_type == "s" for c in typed)
    assert all(c.quotePrefix for c in typed if c.value.startswith("="))
    # and in the file itself no cell is a formula
    import zipfile

    xml = zipfile.ZipFile(companion).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml and "<f " not in xml


def test_publish_dir_and_the_hash_skip_an_unchanged_source(tmp_path: Path) -> None:
    config_path = write_config(tmp_path)
    text = config_path.read_text().replace(
        'recipients = ["lscb.manager@example.org", "lscb.chair@example.org"]',
        'recipients = ["lscb.manager@example.org", "lscb.chair@example.org"]\n'
        'publish_dir = "published"',
    )
    text = text.replace(
        'recipients = ["cpc.manager@example.org"]',
        'recipients = ["cpc.manager@example.org"]\npublish = false',
    )
    config_path.write_text(text)
    config = load_config(config_path)
    assert config.board(NORTHSHIRE).publish and config.board(NORTHSHIRE).publish_dir
    result = check_config(config, AS_OF)
    specs = specs_from_config(config)
    first = publish_results(result, specs, config, state_dir=config.state_dir, now=NOW)
    assert [p.outcome for p in first] == [WRITTEN, "skipped"]
    companion = tmp_path / "published" / "northshire.tracker.xlsx"
    assert companion.is_file() and not (tmp_path / "books" / "highland.tracker.xlsx").exists()
    # the link goes from the publish folder back to the source
    rows = rows_of(companion)
    assert rows[0]["_link"].target.startswith("../books/northshire.xlsx#'England")
    stamp = companion.stat().st_mtime_ns
    again = publish_results(result, specs, config, state_dir=config.state_dir, now=NOW)
    assert [p.outcome for p in again] == [UNCHANGED, "skipped"]
    assert companion.stat().st_mtime_ns == stamp
    later = check_config(config, date(2024, 3, 4))  # days left change: rewritten
    third = publish_results(later, specs, config, state_dir=config.state_dir, now=NOW)
    assert third[0].outcome == WRITTEN


def test_config_rejects_a_publish_that_is_not_true_or_false(tmp_path: Path) -> None:
    from tracker.config import ConfigError, parse_config

    board = {"name": "B", "nation": "england", "sources": ["a.xlsx"], "publish": "yes"}
    with pytest.raises(ConfigError, match=r"boards\[0\]\.publish: must be a true or false"):
        parse_config({"boards": [board]})
    board = {"name": "B", "nation": "england", "sources": ["a.xlsx"], "data_recipients": ["x"]}
    with pytest.raises(ConfigError, match="data_recipients"):
        parse_config({"boards": [board]})


def test_cli_publish_writes_the_companion_and_says_where(source: Path) -> None:
    before = digest(source)
    runner = CliRunner()
    result = runner.invoke(main, ["publish", str(source), "--as-of", "2024-03-01"])
    assert result.exit_code == 0, result.output
    companion = source.parent / "northshire.tracker.xlsx"
    assert f"Tracker sheet written to {companion}" in result.output
    assert "6 data problems" in result.output
    assert companion.is_file() and digest(source) == before


def test_cli_publish_of_an_unreadable_source_exits_2(tmp_path: Path) -> None:
    missing = tmp_path / "nothere.xlsx"
    result = CliRunner().invoke(main, ["publish", str(missing)])
    assert result.exit_code == 2
    assert not (tmp_path / "nothere.tracker.xlsx").exists()


def test_actions_are_listed_with_the_stages_where_the_workbook_keeps_them(
    make_workbook: Any,
) -> None:
    from tests.test_actions import REVIEW, action, action_rows
    from tests.test_pauses import pause, pause_rows

    D = date
    actions = action_rows(
        action("R1.1", D(2024, 3, 31), status="Open"),  # row 2: overdue
        action("R1.2", D(2024, 4, 20), agency="Northshire ICB"),  # row 3: due
        action("R1.3", D(2024, 3, 31), completed=D(2024, 4, 2), status="Completed"),  # late
        action("R2.1", D(2024, 3, 31), status="Not accepted"),  # row 5: not judged
        action("R3.1", D(2024, 3, 31), notes="Private remark"),  # row 6: paused
    )
    held = pause_rows(pause("P-1", "Action R3.1", D(2024, 3, 1)))
    source = make_workbook(
        "england-lcspr", [REVIEW], extra={"Actions": actions, "Pauses and extensions": held}
    )
    before = digest(source)
    result = run_check([SourceSpec(str(source))], D(2024, 4, 15))
    out = publish_results(result, [SourceSpec(str(source))], now=NOW)
    assert [p.outcome for p in out] == [WRITTEN]
    assert digest(source) == before  # the officers' workbook is never written
    companion = source.parent / "board.tracker.xlsx"
    rows = [r for r in rows_of(companion) if r["Sheet"] == "Actions"]
    seen = [
        (r["What"], r["Stage or column"], r["Due"], r["Done"], r["Days"], r["Status"]) for r in rows
    ]
    assert seen == [
        (
            "Overdue",
            "Action R1.1 · Northshire Police",
            datetime(2024, 3, 31),
            None,
            "15 days overdue",
            "Overdue",
        ),
        ("Due", "Action R1.2 · Northshire ICB", datetime(2024, 4, 20), None, "5 days left", "Due"),
        (
            "Done",
            "Action R1.3 · Northshire Police",
            datetime(2024, 3, 31),
            datetime(2024, 4, 2),
            "2 days late",
            "Done late",
        ),
    ]
    first = rows[0]
    assert first["Must or should"] == "should"
    assert first["Rule, or what is wrong"].startswith("on or before Due date")
    assert first["Go to"] == "Actions!A2"
    assert first["_link"].target == "board.xlsx#'Actions'!A2"
    # the header counts the stages as before, and the actions apart
    sheet = openpyxl.load_workbook(companion)["Tracker"]
    stages = [r for r in rows_of(companion) if r["Sheet"] == "England LCSPR"]
    overdue = sum(1 for r in stages if r["What"] == "Overdue")
    assert sheet["A2"].value.startswith(f"{overdue} overdue · ")
    assert sheet["A2"].value.endswith(" · actions: 1 overdue, 3 open of 5")
    assert "Private" not in str([list(r) for r in sheet.iter_rows(values_only=True)])
    # no Actions sheet, no actions line
    plain = make_workbook("england-lcspr", [REVIEW], name="plain.xlsx")
    content = build_content(
        run_check([SourceSpec(str(plain))], D(2024, 4, 15)).to_json(), str(plain)
    )
    assert "actions" not in str(content.header(None)[1][0].value)
