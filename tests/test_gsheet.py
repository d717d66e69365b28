# ruff: noqa: F811  (pytest fixtures imported from tests.gsheet_fixtures)
"""Google Sheets as a source: the real gspread client against the local fake Sheets API."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from gspread.auth import READONLY_SCOPES

from tests.fakes.sheets_api import FakeSheetsAPI, Fault
from tests.gsheet_fixtures import (  # noqa: F401  (pytest fixtures)
    ALL_TITLES,
    AS_OF,
    KEY,
    READER,
    STRANGER,
    FakeClock,
    clock,
    four_sheets,
    headers,
    no_external_network,
    sa_file,
    save_xlsx,
    settings,
    sheets_api,
    wales_rows,
)
from tracker.check import SourceSpec, check_config, run_check
from tracker.config import ConfigError, load_config
from tracker.frameworks.registry import get_framework
from tracker.optional.actions import SPEC as ACTIONS
from tracker.sources import read_source
from tracker.sources.base import SourceError
from tracker.sources.google_api import WRITE_SCOPES, GSheetSettings
from tracker.sources.gsheet import init_gsheet, read_gsheet, spreadsheet_key

# --- reading -----------------------------------------------------------------------------------


def test_a_refresh_of_four_framework_sheets_makes_exactly_two_requests(
    sheets_api: FakeSheetsAPI, sa_file: Path, settings: GSheetSettings
) -> None:
    sheets_api.add_spreadsheet(KEY, four_sheets(), shared_with={READER: "reader"})

    book = read_gsheet(f"gsheet:{KEY}", ALL_TITLES, credentials=str(sa_file), settings=settings)

    assert [s.title for s in book.sheets] == ["England SCR", "Wales CPR", "NI CMR", "Scotland SCR"]
    calls = sheets_api.api_requests()
    assert [c.kind for c in calls] == ["metadata", "batchGet"]
    batch = calls[1].query
    assert batch["ranges"] == ["'England SCR'", "'Wales CPR'", "'NI CMR'", "'Scotland SCR'"]
    assert batch["valueRenderOption"] == ["UNFORMATTED_VALUE"]
    assert batch["dateTimeRenderOption"] == ["SERIAL_NUMBER"]
    assert sheets_api.count("token") == 1

    # the next refresh in the same process reuses the token: two requests in all
    sheets_api.reset_counts()
    read_gsheet(f"gsheet:{KEY}", ALL_TITLES, credentials=str(sa_file), settings=settings)
    assert sheets_api.count() == 2


def test_values_come_unformatted_rectangular_and_located(
    sheets_api: FakeSheetsAPI, sa_file: Path, settings: GSheetSettings
) -> None:
    sheets_api.add_spreadsheet(
        KEY,
        {
            "Sheet1": [["x"]],
            "England SCR": [
                [],
                ["Review ID", "Board", None, "Decision date", "Flag"],
                ["001", None, None, date(2024, 1, 5), True],
                [None, "B", None, datetime(2024, 1, 5, 12, 0)],
                ["NS-9"],
            ],
        },
        shared_with={READER: "reader"},
        hidden={"England SCR"},
    )
    book = read_gsheet(
        f"gsheet:{KEY}", {"england scr"}, credentials=str(sa_file), settings=settings
    )
    sheet = book.sheets[0]
    assert sheet.rows == [
        [None, None, None, None, None],
        ["Review ID", "Board", None, "Decision date", "Flag"],
        ["001", None, None, 45296, True],  # a serial number, exactly as Excel stores it
        [None, "B", None, 45296.5, None],
        ["NS-9", None, None, None, None],
    ]
    assert sheet.first_row == 1
    assert sheet.hidden is True
    assert book.all_titles == ["Sheet1", "England SCR"]
    assert book.key == KEY
    gid = sheets_api.spreadsheets[KEY].sheets[1].sheet_id
    assert sheet.gid == gid != 0
    assert book.link(sheet, "D7") == (
        f"https://docs.google.com/spreadsheets/d/{KEY}/edit#gid={gid}&range=D7"
    )


def test_an_empty_framework_sheet_reads_as_no_rows(
    sheets_api: FakeSheetsAPI, sa_file: Path, settings: GSheetSettings
) -> None:
    sheets_api.add_spreadsheet(KEY, {"Wales CPR": []}, shared_with={READER: "reader"})
    book = read_gsheet(f"gsheet:{KEY}", {"wales cpr"}, credentials=str(sa_file), settings=settings)
    assert book.sheets[0].rows == []


def test_reading_asks_only_for_read_only_scopes(
    sheets_api: FakeSheetsAPI, sa_file: Path, settings: GSheetSettings
) -> None:
    sheets_api.add_spreadsheet(KEY, four_sheets(), shared_with={READER: "reader"})
    read_gsheet(f"gsheet:{KEY}", ALL_TITLES, credentials=str(sa_file), settings=settings)
    assert sheets_api.granted_scopes == [set(READONLY_SCOPES)]


def test_credentials_come_from_the_environment_when_not_named(
    sheets_api: FakeSheetsAPI,
    sa_file: Path,
    settings: GSheetSettings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sheets_api.add_spreadsheet(KEY, four_sheets(), shared_with={READER: "reader"})
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(sa_file))
    book = read_source(f"gsheet:{KEY}", {"ni cmr"}, settings=settings)
    assert [s.title for s in book.sheets] == ["NI CMR"]


@pytest.mark.parametrize(
    "source",
    [
        f"gsheet:{KEY}",
        f"https://docs.google.com/spreadsheets/d/{KEY}/edit#gid=0",
        f"https://docs.google.com/spreadsheets/d/{KEY}/edit?usp=sharing",
        f"https://docs.google.com/spreadsheets/u/1/d/{KEY}/",
        f"docs.google.com/spreadsheets/d/{KEY}",
    ],
)
def test_a_key_or_any_link_to_the_sheet_opens_it_by_key(source: str) -> None:
    assert spreadsheet_key(source) == KEY


@pytest.mark.parametrize(
    "source", ["gsheet:", "gsheet:has space", "https://docs.google.com/spreadsheets/", "gsheet:a/b"]
)
def test_a_malformed_key_is_refused_clearly(source: str) -> None:
    with pytest.raises(SourceError, match="expected gsheet:KEY"):
        spreadsheet_key(source)


def test_a_url_source_reads_like_a_key(
    sheets_api: FakeSheetsAPI, sa_file: Path, settings: GSheetSettings
) -> None:
    sheets_api.add_spreadsheet(KEY, four_sheets(), shared_with={READER: "reader"})
    url = f"https://docs.google.com/spreadsheets/d/{KEY}/edit#gid=7919"
    book = read_gsheet(url, ALL_TITLES, credentials=str(sa_file), settings=settings)
    assert book.source == url and book.key == KEY and len(book.sheets) == 4


# --- clear messages ----------------------------------------------------------------------------


def test_403_names_the_service_account_the_sheet_must_be_shared_with(
    sheets_api: FakeSheetsAPI, sa_file: Path, settings: GSheetSettings
) -> None:
    sheets_api.add_spreadsheet(KEY, four_sheets(), shared_with={STRANGER: "writer"})
    with pytest.raises(SourceError) as caught:
        read_gsheet(f"gsheet:{KEY}", ALL_TITLES, credentials=str(sa_file), settings=settings)
    message = str(caught.value)
    assert READER in message
    assert message.startswith(f"gsheet:{KEY}: ") and "share the spreadsheet" in message
    assert "\n" not in message and caught.value.slug == "gsheet-forbidden"
    assert sheets_api.count("metadata") == 1  # a refusal is not retried


def test_404_says_the_key_is_wrong(
    sheets_api: FakeSheetsAPI, sa_file: Path, settings: GSheetSettings
) -> None:
    with pytest.raises(SourceError, match=r"no spreadsheet has the key NoSuchKey123 \(404\)"):
        read_gsheet("gsheet:NoSuchKey123", ALL_TITLES, credentials=str(sa_file), settings=settings)
    assert sheets_api.count("metadata") == 1


def test_revoked_credentials_are_reported_as_such(
    sheets_api: FakeSheetsAPI, sa_file: Path, settings: GSheetSettings
) -> None:
    sheets_api.add_spreadsheet(KEY, four_sheets(), shared_with={READER: "reader"})
    sheets_api.revoked.add(READER)
    with pytest.raises(SourceError) as caught:
        read_gsheet(f"gsheet:{KEY}", ALL_TITLES, credentials=str(sa_file), settings=settings)
    message = str(caught.value)
    assert "Google refused the service-account credentials" in message
    assert "invalid_grant" in message and str(sa_file) in message
    assert caught.value.slug == "gsheet-credentials" and "\n" not in message
    assert sheets_api.api_requests() == []


def test_a_key_file_for_another_token_endpoint_signature_is_refused(
    sheets_api: FakeSheetsAPI, tmp_path: Path, settings: GSheetSettings
) -> None:
    """A key the token endpoint does not know (deleted, or a copy with a wrong key)."""
    info = sheets_api.credentials_info(READER)
    info["client_email"] = "unknown@tracker-tests.iam.gserviceaccount.com"
    path = tmp_path / "sa.json"
    path.write_text(json.dumps(info))
    sheets_api.add_spreadsheet(KEY, four_sheets(), shared_with={READER: "reader"})
    with pytest.raises(SourceError, match="Invalid JWT Signature"):
        read_gsheet(f"gsheet:{KEY}", ALL_TITLES, credentials=str(path), settings=settings)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "no Google credentials: name a service-account JSON file"),
        ("not json", "is not JSON"),
        (
            json.dumps({"type": "authorized_user"}),
            "is not a service-account key (type: 'authorized_user')",
        ),
        (json.dumps({"type": "service_account"}), "lacks client_email, private_key, token_uri"),
        (
            json.dumps(
                {
                    "type": "service_account",
                    "client_email": "a@b.c",
                    "private_key": "-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n",
                    "token_uri": "http://127.0.0.1:9/token",
                }
            ),
            "holds an unusable private key",
        ),
    ],
)
def test_unusable_credentials_files_get_one_clear_line(
    sheets_api: FakeSheetsAPI,
    tmp_path: Path,
    settings: GSheetSettings,
    content: str | None,
    expected: str,
) -> None:
    path: str | None = None
    if content is not None:
        (tmp_path / "creds.json").write_text(content)
        path = str(tmp_path / "creds.json")
    with pytest.raises(SourceError) as caught:
        read_gsheet(f"gsheet:{KEY}", ALL_TITLES, credentials=path, settings=settings)
    assert expected in str(caught.value) and "\n" not in str(caught.value)
    assert sheets_api.count() == 0


def test_a_missing_credentials_file_is_named(
    sheets_api: FakeSheetsAPI, tmp_path: Path, settings: GSheetSettings
) -> None:
    missing = tmp_path / "nowhere.json"
    with pytest.raises(SourceError, match=f"credentials file {missing} not found"):
        read_gsheet(f"gsheet:{KEY}", ALL_TITLES, credentials=str(missing), settings=settings)


def test_a_spreadsheet_without_the_expected_tabs_is_reported_like_an_excel_file(
    sheets_api: FakeSheetsAPI, sa_file: Path, settings: GSheetSettings, tmp_path: Path
) -> None:
    content: dict[str, list[list[Any]]] = {"Sheet1": [["a"]], "Budget": [["b"]]}
    sheets_api.add_spreadsheet(KEY, content, shared_with={READER: "reader"})
    book = read_gsheet(
        f"gsheet:{KEY}", {"england scr", "wales cpr"}, credentials=str(sa_file), settings=settings
    )
    assert book.sheets == [] and book.all_titles == ["Sheet1", "Budget"]
    assert sheets_api.count("batchGet") == 0  # nothing worth fetching

    xlsx = save_xlsx(tmp_path / "budget.xlsx", content)
    google = run_check(
        [SourceSpec(f"gsheet:{KEY}")], AS_OF, credentials=str(sa_file), settings=settings
    )
    excel = run_check([SourceSpec(str(xlsx))], AS_OF)
    assert google.unusable == [
        message.replace(str(xlsx), f"gsheet:{KEY}") for message in excel.unusable
    ]
    assert google.unusable[0].startswith(f"gsheet:{KEY}: none of the sheets is named after")


def test_a_proxy_that_answers_html_is_a_clear_message(
    sheets_api: FakeSheetsAPI, sa_file: Path, settings: GSheetSettings
) -> None:
    sheets_api.add_spreadsheet(KEY, four_sheets(), shared_with={READER: "reader"})
    sheets_api.inject(Fault("metadata", status=400, message="Bad request"))
    with pytest.raises(SourceError, match=r"Google Sheets answered 400: Bad request"):
        read_gsheet(f"gsheet:{KEY}", ALL_TITLES, credentials=str(sa_file), settings=settings)


# --- the same results as Excel -----------------------------------------------------------------


def without_source_and_links(result: dict[str, Any]) -> dict[str, Any]:
    data = json.loads(json.dumps(result))
    for review in data["reviews"]:
        review.pop("source")
    for problem in data["problems"]:
        problem.pop("source")
        problem.pop("link")
    return data


def test_the_same_content_gives_the_same_check_json_as_excel(
    sheets_api: FakeSheetsAPI, sa_file: Path, settings: GSheetSettings, tmp_path: Path
) -> None:
    content = four_sheets()
    sheets_api.add_spreadsheet(KEY, content, shared_with={READER: "reader"})
    xlsx = save_xlsx(tmp_path / "board.xlsx", content)

    from_excel = run_check([SourceSpec(str(xlsx))], AS_OF).to_json()
    from_google = run_check(
        [SourceSpec(f"gsheet:{KEY}")], AS_OF, credentials=str(sa_file), settings=settings
    ).to_json()

    assert len(from_excel["reviews"]) == 8 and from_excel["problems"]  # the comparison has teeth
    assert without_source_and_links(from_google) == without_source_and_links(from_excel)
    assert {r["source"] for r in from_google["reviews"]} == {f"gsheet:{KEY}"}
    assert "free text that must never travel" not in json.dumps(from_google)


def test_problems_carry_the_excel_cell_address_and_a_link_to_the_cell(
    sheets_api: FakeSheetsAPI, sa_file: Path, settings: GSheetSettings, tmp_path: Path
) -> None:
    content = four_sheets()
    book = sheets_api.add_spreadsheet(KEY, content, shared_with={READER: "reader"})
    xlsx = save_xlsx(tmp_path / "board.xlsx", content)
    excel = run_check([SourceSpec(str(xlsx))], AS_OF).to_json()["problems"]
    google = run_check(
        [SourceSpec(f"gsheet:{KEY}")], AS_OF, credentials=str(sa_file), settings=settings
    ).to_json()["problems"]

    bad_date = [p for p in google if p["value"] == "31/02/2024"]
    assert len(bad_date) == 1
    problem = bad_date[0]
    column = get_framework("england-scr").all_fields.index(
        get_framework("england-scr").field("notified")
    )
    cell = f"{chr(65 + column)}4"
    assert (problem["sheet"], problem["cell"], problem["row"]) == ("England SCR", cell, 4)
    gid = next(s.sheet_id for s in book.sheets if s.title == "England SCR")
    assert (
        problem["link"]
        == f"https://docs.google.com/spreadsheets/d/{KEY}/edit#gid={gid}&range={cell}"
    )
    assert [p["cell"] for p in google] == [p["cell"] for p in excel]
    assert all(p["link"] is None for p in excel)


# --- tracker init ------------------------------------------------------------------------------


def test_init_adds_missing_sheets_with_headers_and_dropdowns_and_leaves_content_alone(
    sheets_api: FakeSheetsAPI, tmp_path: Path, settings: GSheetSettings
) -> None:
    writer = sheets_api.write_credentials(tmp_path / "writer.json", READER)
    book = sheets_api.add_spreadsheet(
        KEY,
        {"Sheet1": [["kept", 1]], "Wales CPR": wales_rows(), "NI CMR": []},
        shared_with={READER: "writer"},
    )
    before = {s.title: dict(s.cells) for s in book.sheets}

    outcome = init_gsheet(
        f"gsheet:{KEY}",
        ["england-scr", "wales-cpr", "ni-cmr"],
        credentials=str(writer),
        settings=settings,
    )

    assert outcome.added == ["England SCR", "Pauses and extensions", "Actions"]
    assert outcome.filled == ["NI CMR"]
    assert outcome.kept == ["Wales CPR"]
    assert outcome.lines() == [
        f"gsheet:{KEY}: added sheet 'England SCR' with headers and dropdowns",
        f"gsheet:{KEY}: added sheet 'Pauses and extensions' with headers and dropdowns",
        f"gsheet:{KEY}: added sheet 'Actions' with headers and dropdowns",
        f"gsheet:{KEY}: sheet 'NI CMR' was empty: headers and dropdowns added",
        f"gsheet:{KEY}: sheet 'Wales CPR' already has content: left as it is",
    ]
    sheets = {s.title: s for s in sheets_api.spreadsheets[KEY].sheets}
    assert sheets["Sheet1"].cells == before["Sheet1"]
    assert sheets["Wales CPR"].cells == before["Wales CPR"]
    assert sheets["Wales CPR"].validations == {} and sheets["Wales CPR"].formats == {}
    for title, fid in (("England SCR", "england-scr"), ("NI CMR", "ni-cmr")):
        sheet = sheets[title]
        fields = get_framework(fid).all_fields
        assert [sheet.cells.get((0, c)) for c in range(len(fields))] == headers(fid)
        assert len(sheet.cells) == len(fields)  # the header row and nothing else
        assert sheet.frozen_rows == 1
        for c, f in enumerate(fields):
            rule = sheet.validations.get((1, c))
            if f.type.value == "choice":
                assert rule is not None
                assert [v["userEnteredValue"] for v in rule["condition"]["values"]] == list(
                    f.choices
                )
            elif f.type.value == "yes/no":
                assert rule is not None
                assert [v["userEnteredValue"] for v in rule["condition"]["values"]] == ["Yes", "No"]
            else:
                assert rule is None
            if f.type.value == "date":
                assert sheet.formats[(5, c)]["numberFormat"]["pattern"] == "dd/mm/yyyy"
    assert (0, 0) not in sheets["England SCR"].validations  # not on the header row
    # the pauses sheet: Stage lists the stages with a deadline of every framework sheet there
    pauses = sheets["Pauses and extensions"]
    assert pauses.cells.get((0, 1)) == "Stage" and pauses.frozen_rows == 1
    stage_list = [v["userEnteredValue"] for v in pauses.validations[(1, 1)]["condition"]["values"]]
    assert "Decision date" in stage_list  # England SCR
    assert "Date of Chair's decision" in stage_list  # Wales CPR, already there
    kinds = [v["userEnteredValue"] for v in pauses.validations[(1, 2)]["condition"]["values"]]
    assert kinds == ["Pause", "Agreed extension"]
    assert pauses.formats[(5, 4)]["numberFormat"]["pattern"] == "dd/mm/yyyy"  # From
    # the Actions sheet: its exact headers, the Status drop-down, date cells
    actions = sheets["Actions"]
    assert [actions.cells.get((0, c)) for c in range(len(ACTIONS.fields))] == [
        f.header for f in ACTIONS.fields
    ]
    assert actions.frozen_rows == 1
    assert {c for _, c in actions.validations} == {6}  # Status, and nothing else
    status = [v["userEnteredValue"] for v in actions.validations[(1, 6)]["condition"]["values"]]
    assert status == ["Open", "Completed", "Not accepted", "Superseded"]
    dated = {c for (_, c), f in actions.formats.items() if "numberFormat" in f}
    assert dated == {4, 5, 8}  # Due date, Date completed, Date assurance given
    # metadata, one batchGet to see which existing sheets are empty, one all-or-nothing change
    assert [c.kind for c in sheets_api.api_requests()] == ["metadata", "batchGet", "batchUpdate"]
    assert sheets_api.granted_scopes == [set(WRITE_SCOPES)]

    # what init wrote reads back as empty framework tables: no reviews, no problems
    result = run_check(
        [SourceSpec(f"gsheet:{KEY}")], AS_OF, credentials=str(writer), settings=settings
    )
    assert result.reviews == [r for r in result.reviews if r["sheet"] == "Wales CPR"]


def test_init_twice_changes_nothing_the_second_time(
    sheets_api: FakeSheetsAPI, sa_file: Path, settings: GSheetSettings
) -> None:
    sheets_api.add_spreadsheet(KEY, {"Sheet1": []}, shared_with={READER: "writer"})
    init_gsheet(f"gsheet:{KEY}", ["scotland-scr"], credentials=str(sa_file), settings=settings)
    again = init_gsheet(
        f"gsheet:{KEY}", ["scotland-scr"], credentials=str(sa_file), settings=settings
    )
    assert again.added == [] and again.filled == []
    assert again.kept == ["Scotland SCR", "Pauses and extensions", "Actions"]
    assert len(sheets_api.batch_updates) == 1


def test_init_with_a_chart_sheet_holding_the_next_id_succeeds(
    sheets_api: FakeSheetsAPI, sa_file: Path, settings: GSheetSettings
) -> None:
    """Ids are unique across all sheets: Google refuses an addSheet with a chart sheet's id."""
    book = sheets_api.add_spreadsheet(KEY, {"Sheet1": []}, shared_with={READER: "writer"})
    book.add_chart_sheet("Chart1", 1001)  # the first id init would otherwise pick
    book.add_chart_sheet("Chart2", 1002, index=0)

    outcome = init_gsheet(
        f"gsheet:{KEY}", ["england-scr", "wales-cpr"], credentials=str(sa_file), settings=settings
    )

    assert outcome.added == ["England SCR", "Wales CPR", "Pauses and extensions", "Actions"]
    sheets = {s.title: s for s in sheets_api.spreadsheets[KEY].sheets}
    assert [sheets[t].sheet_type for t in ("Chart1", "Chart2")] == ["OBJECT", "OBJECT"]
    assert (sheets["Chart1"].sheet_id, sheets["Chart2"].sheet_id) == (1001, 1002)
    ids = [s.sheet_id for s in sheets_api.spreadsheets[KEY].sheets]
    assert len(set(ids)) == len(ids) == 7
    assert sheets["England SCR"].cells[(0, 0)] == headers("england-scr")[0]
    assert sheets["Wales CPR"].frozen_rows == 1


def test_init_never_adds_a_sheet_whose_title_a_chart_sheet_has(
    sheets_api: FakeSheetsAPI, sa_file: Path, settings: GSheetSettings
) -> None:
    book = sheets_api.add_spreadsheet(KEY, {"Sheet1": []}, shared_with={READER: "writer"})
    book.add_chart_sheet("england scr", 77)

    outcome = init_gsheet(
        f"gsheet:{KEY}", ["england-scr", "wales-cpr"], credentials=str(sa_file), settings=settings
    )

    assert (outcome.added, outcome.filled, outcome.kept) == (
        ["Wales CPR", "Pauses and extensions", "Actions"],
        [],
        [],
    )
    assert outcome.blocked == {"england scr": "OBJECT"}
    assert outcome.lines()[-1] == (
        f"gsheet:{KEY}: sheet 'england scr' is a chart, not a table: rename that sheet and "
        "run init again to add the framework sheet"
    )
    assert [s.title for s in sheets_api.spreadsheets[KEY].sheets] == [
        "Sheet1",
        "england scr",
        "Wales CPR",
        "Pauses and extensions",
        "Actions",
    ]
    # a chart sheet is never read as a table, nor asked for as a range
    book_read = read_gsheet(
        f"gsheet:{KEY}", ALL_TITLES, credentials=str(sa_file), settings=settings
    )
    assert [s.title for s in book_read.sheets] == ["Wales CPR"]
    assert book_read.all_titles == ["Sheet1", "Wales CPR", "Pauses and extensions", "Actions"]


def test_init_on_a_sheet_shared_read_only_says_so(
    sheets_api: FakeSheetsAPI, sa_file: Path, settings: GSheetSettings
) -> None:
    sheets_api.add_spreadsheet(KEY, {"Sheet1": []}, shared_with={READER: "reader"})
    with pytest.raises(SourceError, match=READER):
        init_gsheet(f"gsheet:{KEY}", ["england-scr"], credentials=str(sa_file), settings=settings)
    assert sheets_api.spreadsheets[KEY].sheets[0].title == "Sheet1"
    assert len(sheets_api.spreadsheets[KEY].sheets) == 1


def test_init_never_repeats_a_change_that_failed(
    sheets_api: FakeSheetsAPI, sa_file: Path, settings: GSheetSettings, clock: FakeClock
) -> None:
    sheets_api.add_spreadsheet(KEY, {"Sheet1": []}, shared_with={READER: "writer"})
    sheets_api.inject(Fault("batchUpdate", status=503))
    with pytest.raises(SourceError, match="503 to a change; changes are never repeated"):
        init_gsheet(f"gsheet:{KEY}", ["england-scr"], credentials=str(sa_file), settings=settings)
    assert sheets_api.count("batchUpdate") == 1
    assert clock.sleeps == []


def test_init_with_an_unknown_framework_sends_nothing(
    sheets_api: FakeSheetsAPI, sa_file: Path, settings: GSheetSettings
) -> None:
    with pytest.raises(KeyError, match="unknown framework"):
        init_gsheet(f"gsheet:{KEY}", ["atlantis-scr"], credentials=str(sa_file), settings=settings)
    assert sheets_api.count() == 0


# --- config ------------------------------------------------------------------------------------


def test_a_config_names_the_credentials_and_google_settings(
    sheets_api: FakeSheetsAPI, sa_file: Path, tmp_path: Path
) -> None:
    sheets_api.add_spreadsheet(KEY, four_sheets(), shared_with={READER: "reader"})
    config_file = tmp_path / "tracker.toml"
    config_file.write_text(
        f"""
[[boards]]
name = "Northshire LSCB"
nation = "england"
sources = ["gsheet:{KEY}"]

[google]
credentials = "{sa_file.name}"
retry_seconds = 20
timeout_seconds = 5.5
requests_per_minute = 30
""",
        encoding="utf-8",
    )
    config = load_config(config_file)
    assert config.google.credentials is not None
    assert Path(config.google.credentials).resolve() == sa_file.resolve()
    settings = GSheetSettings.from_config(config.google)
    assert (settings.retry_seconds, settings.timeout_seconds, settings.requests_per_minute) == (
        20,
        5.5,
        30,
    )

    result = check_config(config, AS_OF)
    assert result.unusable == []
    # other nations' sheets are assessed too, each with a warning; the board name fills blanks
    assert {r["framework"] for r in result.reviews} == {
        "england-scr",
        "wales-cpr",
        "ni-cmr",
        "scotland-scr",
    }
    wrong = {p.sheet for p in result.problems if p.type == "wrong-nation-sheet"}
    assert wrong == {"Wales CPR", "NI CMR", "Scotland SCR"}
    assert {r["board"] for r in result.reviews} == {"Northshire LSCB"}
    assert result.reviews[0]["source"] == f"gsheet:{KEY}"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("retry_seconds = 0", "google.retry_seconds: must be more than 0"),
        ('timeout_seconds = "soon"', "google.timeout_seconds: must be a number"),
        ("requests_per_minute = 0", "google.requests_per_minute: must be more than 0"),
        ("retries = 3", "google.retries: unknown key"),
    ],
)
def test_bad_google_settings_are_named(tmp_path: Path, line: str, expected: str) -> None:
    config_file = tmp_path / "tracker.toml"
    config_file.write_text(f"[google]\n{line}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=expected):
        load_config(config_file)


def test_sheet_titles_match_like_excel_ignoring_case_and_stray_spaces(
    sheets_api: FakeSheetsAPI, sa_file: Path, settings: GSheetSettings
) -> None:
    sheets_api.add_spreadsheet(
        KEY, {"england scr ": [headers("england-scr")]}, shared_with={READER: "reader"}
    )
    book = read_gsheet(f"gsheet:{KEY}", ALL_TITLES, credentials=str(sa_file), settings=settings)
    assert [s.title for s in book.sheets] == ["england scr "]
    assert sheets_api.api_requests()[1].query["ranges"] == ["'england scr '"]


def test_merged_cells_apply_to_the_whole_block_as_in_excel(
    sheets_api: FakeSheetsAPI, sa_file: Path, settings: GSheetSettings, tmp_path: Path
) -> None:
    """Board B2:B6 merged: the values API gives it only in B2; the merges come with the metadata
    (``sheets.merges``), so a refresh is still two requests and every review has its board."""
    from tests.officer_fixtures import GOOD_SCR, sheet_with

    reviews = [dict(GOOD_SCR, review_id=f"NS-2024-{i:02d}") for i in range(1, 6)]
    reviews[0]["board"] = "Northshire LSCB"
    rows = [headers("england-scr")] + [
        [r.get(f.id) for f in get_framework("england-scr").all_fields] for r in reviews
    ]
    book = sheets_api.add_spreadsheet(KEY, {"England SCR": rows}, shared_with={READER: "reader"})
    book.sheets[0].merges = [
        {"startRowIndex": 1, "endRowIndex": 6, "startColumnIndex": 1, "endColumnIndex": 2}
    ]
    xlsx = sheet_with(tmp_path / "merged.xlsx", "England SCR", rows, merge=["B2:B6"])

    from_google = run_check(
        [SourceSpec(f"gsheet:{KEY}")], AS_OF, credentials=str(sa_file), settings=settings
    )
    assert [c.kind for c in sheets_api.api_requests()] == ["metadata", "batchGet"]
    fields = sheets_api.api_requests()[0].query["fields"][0].split(",")
    assert "sheets.merges" in fields and "sheets.properties" in fields
    assert [r["board"] for r in from_google.reviews] == ["Northshire LSCB"] * 5
    [note] = from_google.problems
    assert (note.type, note.severity, note.cell) == ("merged-cells", "info", "B2")
    assert note.link is not None and note.link.endswith("range=B2")

    from_excel = run_check([SourceSpec(str(xlsx))], AS_OF).to_json()
    assert without_source_and_links(from_google.to_json()) == without_source_and_links(from_excel)


def test_a_us_order_import_is_flagged_in_google_sheets_too(
    sheets_api: FakeSheetsAPI, sa_file: Path, settings: GSheetSettings
) -> None:
    """Google sends date cells as serial numbers: they count as date cells beside the text."""
    from tests.officer_fixtures import GOOD_SCR

    dates: list[Any] = [date(2024, 4, 5), "13/04/2024", date(2024, 2, 3)]
    reviews = [
        dict(GOOD_SCR, review_id=f"NS-2024-{i:02d}", notified=d, la_aware=None, decision=None)
        for i, d in enumerate(dates, start=1)
    ]
    rows = [headers("england-scr")] + [
        [r.get(f.id) for f in get_framework("england-scr").all_fields] for r in reviews
    ]
    sheets_api.add_spreadsheet(KEY, {"England SCR": rows}, shared_with={READER: "reader"})
    result = run_check(
        [SourceSpec(f"gsheet:{KEY}")],
        date(2024, 12, 31),
        credentials=str(sa_file),
        settings=settings,
    )
    [p] = [p for p in result.problems if p.type == "suspect-us-date-import"]
    assert p.cell == "G3" and "G2 is a date cell (05/04/2024)" in p.message
