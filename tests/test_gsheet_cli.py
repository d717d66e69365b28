# ruff: noqa: F811  (pytest fixtures imported from tests.gsheet_fixtures)
"""The command line with a Google Sheet as SOURCE: the real gspread client against the local fake."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.fakes.sheets_api import FakeSheetsAPI
from tests.gsheet_fixtures import (  # noqa: F401  (pytest fixtures)
    KEY,
    READER,
    four_sheets,
    no_external_network,
    sa_file,
    save_xlsx,
    sheets_api,
)
from tracker.cli import main


def test_check_reads_a_google_sheet_named_on_the_command_line(
    sheets_api: FakeSheetsAPI, sa_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sheets_api.add_spreadsheet(KEY, four_sheets(), shared_with={READER: "reader"})
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(sa_file))
    monkeypatch.chdir(tmp_path)
    xlsx = save_xlsx(tmp_path / "same.xlsx", four_sheets())
    runner = CliRunner()
    args = ["--as-of", "2024-09-02", "--format", "json"]
    from_google = runner.invoke(main, ["check", f"gsheet:{KEY}", *args])
    from_excel = runner.invoke(main, ["check", str(xlsx), *args])
    assert from_google.exit_code == from_excel.exit_code == 1  # a bad date and overdue stages
    google, excel = json.loads(from_google.stdout), json.loads(from_excel.stdout)
    for doc in (google, excel):
        for item in doc["reviews"] + doc["problems"]:
            item.pop("source")
            item.pop("link", None)
    assert google == excel
    assert sheets_api.count("metadata") == 1 and sheets_api.count("batchGet") == 1


def test_init_adds_the_framework_sheet_to_a_google_sheet(
    sheets_api: FakeSheetsAPI, sa_file: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    sheets_api.add_spreadsheet(KEY, {"Read me": [["Guidance"]]}, shared_with={READER: "writer"})
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(sa_file))
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["init", f"gsheet:{KEY}", "--framework", "scotland-lr"])
    assert result.exit_code == 0, result.output
    assert "added sheet 'Scotland LR'" in result.stdout
    check = CliRunner().invoke(main, ["validate", f"gsheet:{KEY}", "--format", "json"])
    doc = json.loads(check.stdout)
    assert check.exit_code == 0 and doc["valid"]
    assert [s["sheet"] for s in doc["sheets"]] == ["Scotland LR"]


def test_init_says_which_framework_sheet_a_chart_sheet_blocks_and_exits_1(
    sheets_api: FakeSheetsAPI, sa_file: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    book = sheets_api.add_spreadsheet(
        KEY, {"Read me": [["Guidance"]]}, shared_with={READER: "writer"}
    )
    book.add_chart_sheet("Scotland LR", 1001)
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(sa_file))
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(
        main, ["init", f"gsheet:{KEY}", "--framework", "scotland-lr", "--framework", "ni-cmr"]
    )
    assert result.exit_code == 1, result.output
    assert "added sheet 'NI CMR'" in result.stdout
    assert "sheet 'Scotland LR' is a chart, not a table: rename that sheet" in result.stdout
    assert "Traceback" not in result.output


def test_an_unreachable_google_sheet_is_one_line_and_the_rest_goes_on(
    sheets_api: FakeSheetsAPI, sa_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(sa_file))
    monkeypatch.chdir(tmp_path)
    xlsx = save_xlsx(tmp_path / "board.xlsx", four_sheets())
    result = CliRunner().invoke(
        main,
        ["check", "gsheet:" + "x" * 44, str(xlsx), "--format", "json", "--as-of", "2024-09-02"],
    )
    assert result.exit_code == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("tracker: error:")]
    assert len(errors) == 1 and "gsheet:" in errors[0]
    assert "Traceback" not in result.output
    assert {r["source"] for r in json.loads(result.stdout)["reviews"]} == {str(xlsx)}
