# ruff: noqa: F811  (pytest fixtures imported from tests.gsheet_fixtures)
"""How requests to Google travel: bounded retries, timeouts, refused hosts, the base URL."""

from __future__ import annotations

import socket
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
import requests

from tests.fakes.sheets_api import FakeSheetsAPI, Fault
from tests.gsheet_fixtures import (  # noqa: F401  (pytest fixtures)
    ALL_TITLES,
    KEY,
    READER,
    FakeClock,
    NetworkGuard,
    clock,
    four_sheets,
    no_external_network,
    sa_file,
    save_xlsx,
    settings,
    sheets_api,
)
from tracker.check import SourceSpec, run_check
from tracker.sources.base import SourceError
from tracker.sources.google_api import (
    READ_SCOPES,
    SHEETS_API_ENV,
    GoogleAccessError,
    GSheetSettings,
    HostRefused,
    connect,
    sheets_base_url,
)
from tracker.sources.gsheet import read_gsheet

SOURCE = f"gsheet:{KEY}"


@pytest.fixture
def shared(sheets_api: FakeSheetsAPI) -> FakeSheetsAPI:
    sheets_api.add_spreadsheet(KEY, four_sheets(), shared_with={READER: "reader"})
    return sheets_api


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_a_passing_fault_is_retried_until_it_succeeds(
    shared: FakeSheetsAPI, sa_file: Path, settings: GSheetSettings, clock: FakeClock, status: int
) -> None:
    shared.inject(Fault("batchGet", status=status, times=3))
    book = read_gsheet(SOURCE, ALL_TITLES, credentials=str(sa_file), settings=settings)
    assert len(book.sheets) == 4
    assert shared.count("batchGet") == 4 and shared.count("metadata") == 1
    # exponential backoff with equal jitter: each pause lies in [ceiling/2, ceiling]
    assert len(clock.sleeps) == 3
    for attempt, pause in enumerate(clock.sleeps, start=1):
        ceiling = settings.first_delay * 2 ** (attempt - 1)
        assert ceiling / 2 <= pause <= ceiling


def test_jitter_spreads_the_pauses(
    shared: FakeSheetsAPI, sa_file: Path, settings: GSheetSettings, clock: FakeClock
) -> None:
    shared.inject(Fault("metadata", status=503, times=6))
    read_gsheet(SOURCE, ALL_TITLES, credentials=str(sa_file), settings=settings)
    ratios = [p / (2 ** (i - 1)) for i, p in enumerate(clock.sleeps, start=1)]
    assert len(set(ratios)) == len(ratios)  # not one fixed schedule for every client


def test_a_permanent_429_gives_up_within_the_time_limit_with_a_clear_message(
    shared: FakeSheetsAPI, sa_file: Path, settings: GSheetSettings, clock: FakeClock
) -> None:
    shared.inject(Fault("batchGet", status=429, times=None))
    start = clock.now
    with pytest.raises(SourceError) as caught:
        read_gsheet(SOURCE, ALL_TITLES, credentials=str(sa_file), settings=settings)
    message = str(caught.value)
    assert message.startswith(f"{SOURCE}: Google Sheets kept answering 429 for 60 s (")
    assert message.endswith("attempts); gave up")
    assert caught.value.slug == "gsheet-unavailable"
    assert clock.now - start <= settings.retry_seconds
    attempts = shared.count("batchGet")
    assert 2 < attempts <= settings.max_attempts
    assert f"({attempts} attempts)" in message


def test_the_time_limit_is_the_configured_one(
    shared: FakeSheetsAPI, sa_file: Path, settings: GSheetSettings, clock: FakeClock
) -> None:
    shared.inject(Fault("metadata", status=503, times=None))
    quick = replace(settings, retry_seconds=5)
    start = clock.now
    with pytest.raises(SourceError, match="kept answering 503 for 5 s"):
        read_gsheet(SOURCE, ALL_TITLES, credentials=str(sa_file), settings=quick)
    assert clock.now - start == pytest.approx(5)
    assert shared.count("metadata") <= 5


def test_retry_after_from_google_is_respected(
    shared: FakeSheetsAPI, sa_file: Path, settings: GSheetSettings, clock: FakeClock
) -> None:
    shared.inject(Fault("batchGet", status=429, times=1, retry_after=7))
    read_gsheet(SOURCE, ALL_TITLES, credentials=str(sa_file), settings=settings)
    assert clock.sleeps == [7]


def test_a_slow_answer_times_out_and_is_retried(
    shared: FakeSheetsAPI, sa_file: Path, settings: GSheetSettings, clock: FakeClock
) -> None:
    shared.inject(Fault("batchGet", delay=3.0, times=1))  # beyond the client's timeout
    quick = replace(settings, timeout_seconds=0.3)
    book = read_gsheet(SOURCE, ALL_TITLES, credentials=str(sa_file), settings=quick)
    assert len(book.sheets) == 4
    assert shared.count("batchGet") == 2 and len(clock.sleeps) == 1


def test_answers_that_never_come_give_up_with_a_timeout_message(
    shared: FakeSheetsAPI, sa_file: Path, settings: GSheetSettings
) -> None:
    shared.inject(Fault("metadata", delay=3.0, times=None))
    quick = replace(settings, timeout_seconds=0.2, retry_seconds=3)
    with pytest.raises(SourceError, match=r"did not answer within 0.2 s for 3 s \(\d+ attempts\)"):
        read_gsheet(SOURCE, ALL_TITLES, credentials=str(sa_file), settings=quick)


@pytest.mark.parametrize("status", [400, 403, 404])
def test_refusals_are_not_retried(
    shared: FakeSheetsAPI, sa_file: Path, settings: GSheetSettings, clock: FakeClock, status: int
) -> None:
    shared.inject(Fault("batchGet", status=status, times=None))
    with pytest.raises(SourceError):
        read_gsheet(SOURCE, ALL_TITLES, credentials=str(sa_file), settings=settings)
    assert shared.count("batchGet") == 1 and clock.sleeps == []


def test_a_permanent_429_does_not_stop_the_other_sources(
    shared: FakeSheetsAPI, sa_file: Path, settings: GSheetSettings, tmp_path: Path
) -> None:
    shared.inject(Fault("batchGet", status=429, times=None))
    other = save_xlsx(tmp_path / "other.xlsx", four_sheets())
    result = run_check(
        [SourceSpec(SOURCE), SourceSpec(str(other))],
        date(2024, 9, 2),
        credentials=str(sa_file),
        settings=settings,
    )
    assert len(result.unusable) == 1
    assert "kept answering 429 for 60 s" in result.unusable[0]
    assert {r["source"] for r in result.reviews} == {str(other)}
    assert len(result.reviews) == 8
    assert result.exit_code == 2
    unusable = [p.to_json() for p in result.problems if p.source == SOURCE]
    assert len(unusable) == 1 and "kept answering 429" in unusable[0]["message"]


def test_gspreads_unbounded_backoff_is_not_in_use(
    shared: FakeSheetsAPI, sa_file: Path, settings: GSheetSettings
) -> None:
    import gspread

    client, _ = connect(str(sa_file), READ_SCOPES, settings)
    assert not isinstance(client, gspread.BackOffHTTPClient)
    assert isinstance(client, gspread.HTTPClient)


# --- where requests may go ---------------------------------------------------------------------


def test_any_host_but_the_sheets_api_is_refused_before_a_socket_opens(
    shared: FakeSheetsAPI,
    sa_file: Path,
    settings: GSheetSettings,
    no_external_network: NetworkGuard,
) -> None:
    client, _ = connect(str(sa_file), READ_SCOPES, settings)
    with pytest.raises(HostRefused, match="refusing to contact www.googleapis.com"):
        client.request("get", "https://www.googleapis.com/drive/v3/files")
    # and the session itself refuses a URL that skips the routing
    with pytest.raises(HostRefused, match="refusing to contact example.org"):
        client.session.request("GET", "https://example.org/")
    assert no_external_network.blocked == []
    assert shared.api_requests() == []


def test_without_the_variable_requests_go_to_google_and_the_guard_stops_them(
    shared: FakeSheetsAPI,
    sa_file: Path,
    settings: GSheetSettings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(SHEETS_API_ENV)
    assert sheets_base_url() == "https://sheets.googleapis.com"
    inner = NetworkGuard()
    inner.install()
    try:
        with pytest.raises(SourceError, match="could not be reached"):
            read_gsheet(
                SOURCE,
                ALL_TITLES,
                credentials=str(sa_file),
                settings=replace(settings, retry_seconds=2),
            )
    finally:
        inner.uninstall()
    assert inner.blocked and set(inner.blocked) == {"lookup sheets.googleapis.com"}
    assert shared.count("metadata") == 0  # the token came from the fake; the data did not


def test_the_network_guard_refuses_other_hosts() -> None:
    guard = NetworkGuard()
    guard.install()
    try:
        with pytest.raises(socket.gaierror):
            socket.getaddrinfo("sheets.googleapis.com", 443)
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock, pytest.raises(OSError):
            sock.connect(("192.0.2.1", 443))
        with pytest.raises(requests.ConnectionError):
            requests.get("https://oauth2.googleapis.com/token", timeout=1)
    finally:
        guard.uninstall()
    assert guard.blocked[:2] == ["lookup sheets.googleapis.com", "connect 192.0.2.1"]
    assert "lookup oauth2.googleapis.com" in guard.blocked


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://sheets-proxy.example.org/", "https://sheets-proxy.example.org"),
        ("https://proxy.example.org/google", "https://proxy.example.org/google"),
        ("http://127.0.0.1:8081", "http://127.0.0.1:8081"),
        ("http://localhost:9000", "http://localhost:9000"),
    ],
)
def test_the_sheets_endpoint_can_be_pointed_elsewhere(
    monkeypatch: pytest.MonkeyPatch, value: str, expected: str
) -> None:
    monkeypatch.setenv(SHEETS_API_ENV, value)
    assert sheets_base_url() == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("http://proxy.example.org", "plain http is only allowed to this machine"),
        ("ftp://proxy.example.org", "is not an http(s) address"),
        ("sheets.example.org", "is not an http(s) address"),
    ],
)
def test_an_unsafe_or_malformed_endpoint_is_refused(
    monkeypatch: pytest.MonkeyPatch, value: str, expected: str
) -> None:
    monkeypatch.setenv(SHEETS_API_ENV, value)
    with pytest.raises(GoogleAccessError) as caught:
        sheets_base_url()
    assert expected in str(caught.value)


def test_a_proxy_with_a_path_prefix_gets_the_v4_paths_under_it(
    shared: FakeSheetsAPI, sa_file: Path, settings: GSheetSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SHEETS_API_ENV, shared.url + "/google")
    with pytest.raises(SourceError, match="404"):
        read_gsheet(SOURCE, ALL_TITLES, credentials=str(sa_file), settings=settings)
    assert [r.path for r in shared.requests if r.kind != "token"] == [
        f"/google/v4/spreadsheets/{KEY}"
    ]
    # the fake has no such path, as Google would not: the one violation this test sends
    (violation,) = shared.take_violations()
    assert "no method of the Sheets API v4 has the path /google/v4/spreadsheets/" in violation
