"""Fixtures for the Google Sheets tests: the fake API, credentials, a fake clock, a network guard.

Import the fixtures into a test module (``from tests.gsheet_fixtures import ...``) so pytest finds
them; ``no_external_network`` is autouse there, and fails the test if anything tried to leave
this machine, even when the code under test caught the error.
"""

from __future__ import annotations

import ipaddress
import random
import socket
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from tests.fakes.sheets_api import FakeSheetsAPI
from tracker.registry import all_frameworks, get_framework
from tracker.sources import google_api, pacing
from tracker.sources.google_api import GSheetSettings

KEY = "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-xyzw"
ALL_TITLES = {f.sheet.casefold() for f in all_frameworks()}
AS_OF = date(2024, 9, 2)


def headers(framework_id: str) -> list[str]:
    return [f.header for f in get_framework(framework_id).all_fields]


def row(framework_id: str, **values: Any) -> list[Any]:
    """A row in the framework's column order, from field ids."""
    return [values.get(f.id) for f in get_framework(framework_id).all_fields]


def england_rows() -> list[list[Any]]:
    return [
        headers("england-scr"),
        row(
            "england-scr",
            review_id="NS-2024-01",
            trigger="Death",
            la_aware=date(2024, 1, 2),
            notified=date(2024, 1, 5),
            decision=date(2024, 2, 1),
            decision_outcome="Initiate SCR",
            panel_notified=date(2024, 2, 2),
            reviewer_appointed=date(2024, 2, 20),
            reviewer_independent="Yes",
            report_link="https://example.org/reports/ns-2024-01",
            notes="free text that must never travel",
        ),
        row(
            "england-scr",
            review_id="NS-2024-02",
            trigger="Serious harm",
            notified=date(2024, 3, 1),
            decision=date(2024, 4, 15),
            decision_outcome="Do not initiate",
            reviewer_independent=True,
        ),
        row(
            "england-scr",
            review_id="NS-2024-03",
            notified="31/02/2024",  # not a date: a problem with a cell address
            decision_outcome="Initiate SCR",
        ),
        [],  # an empty row mid-sheet
        row("england-scr", review_id="NS-2024-04", notified=date(2024, 7, 1)),
    ]


def scotland_rows() -> list[list[Any]]:
    return [
        headers("scotland-scr"),
        row(
            "scotland-scr",
            review_id="HC/2024/7",
            notified=date(2024, 5, 6),
            icr_completed=date(2024, 6, 20),
            decision=date(2024, 7, 1),
            decision_outcome="Proceed to SCR",
        ),
        row("scotland-scr", review_id="HC/2024/8", notified="2024-06-03"),
    ]


def wales_rows() -> list[list[Any]]:
    return [
        headers("wales-cpr"),
        row(
            "wales-cpr",
            review_id="CPR-1",
            referred=date(2024, 2, 1),
            cp_or_lac_6m="No",
            decision=date(2024, 2, 20),
            decision_outcome="Concise CPR",
        ),
    ]


def ni_rows() -> list[list[Any]]:
    return [headers("ni-cmr"), row("ni-cmr", review_id="CMR-1", notified=date(2024, 4, 2))]


def four_sheets() -> dict[str, list[list[Any]]]:
    return {
        "Read me": [["Guidance for officers"]],
        "England SCR": england_rows(),
        "Wales CPR": wales_rows(),
        "NI CMR": ni_rows(),
        "Scotland SCR": scotland_rows(),
    }


def save_xlsx(path: Path, sheets: dict[str, list[list[Any]]]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for r, values in enumerate(rows, start=1):
            for c, value in enumerate(values, start=1):
                if value is not None:
                    cell = sheet.cell(r, c, value)
                    if isinstance(value, date):
                        cell.number_format = "dd/mm/yyyy"
    book.save(path)
    return path


READER = "tracker-reader@tracker-tests.iam.gserviceaccount.com"
STRANGER = "someone-else@tracker-tests.iam.gserviceaccount.com"


def _loopback(host: Any) -> bool:
    if host in ("localhost",):
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False


class NetworkGuard:
    """Refuse name lookups and connections to anything but loopback; remember each attempt."""

    def __init__(self) -> None:
        self.blocked: list[str] = []
        self._saved: dict[str, Callable[..., Any]] = {}

    def install(self) -> None:
        real_connect = socket.socket.connect
        real_connect_ex = socket.socket.connect_ex
        real_getaddrinfo = socket.getaddrinfo
        self._saved = {
            "connect": real_connect,
            "connect_ex": real_connect_ex,
            "getaddrinfo": real_getaddrinfo,
        }
        guard = self

        def check(sock: socket.socket, address: Any) -> None:
            if sock.family in (socket.AF_INET, socket.AF_INET6):
                host = address[0] if isinstance(address, tuple) else address
                if not _loopback(host):
                    guard.blocked.append(f"connect {host}")
                    raise ConnectionRefusedError(f"test network guard: {host} is not loopback")

        def connect(sock: socket.socket, address: Any) -> Any:
            check(sock, address)
            return real_connect(sock, address)

        def connect_ex(sock: socket.socket, address: Any) -> Any:
            check(sock, address)
            return real_connect_ex(sock, address)

        def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
            if host is not None and not _loopback(host):
                guard.blocked.append(f"lookup {host}")
                raise socket.gaierror(socket.EAI_NONAME, f"test network guard: {host}")
            return real_getaddrinfo(host, *args, **kwargs)

        socket.socket.connect = connect  # type: ignore[method-assign]
        socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]
        socket.getaddrinfo = getaddrinfo

    def uninstall(self) -> None:
        socket.socket.connect = self._saved["connect"]  # type: ignore[method-assign]
        socket.socket.connect_ex = self._saved["connect_ex"]  # type: ignore[method-assign]
        socket.getaddrinfo = self._saved["getaddrinfo"]


@pytest.fixture(autouse=True)
def no_external_network() -> Iterator[NetworkGuard]:
    guard = NetworkGuard()
    guard.install()
    try:
        yield guard
    finally:
        guard.uninstall()
    assert not guard.blocked, f"a test tried to reach beyond 127.0.0.1: {guard.blocked}"


class FakeClock:
    """A monotonic clock that only moves when someone sleeps: no test ever really waits."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0, seconds
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def settings(clock: FakeClock) -> GSheetSettings:
    """Fake time, seeded jitter, short real timeouts, and a pacing window of the test's own."""
    return GSheetSettings(
        retry_seconds=60,
        timeout_seconds=2,
        clock=clock,
        sleep=clock.sleep,
        rng=random.Random(4),
        limiter=pacing.SlidingWindowLimiter(60, clock=clock, sleep=clock.sleep),
    )


@pytest.fixture
def sheets_api(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSheetsAPI]:
    """The fake Sheets API; the test fails if any request it sent is one Google would refuse
    (checked against Google's discovery document), or if the fake answered outside the API.

    A test that sends a bad request on purpose takes its violations (``take_violations``).
    """
    api = FakeSheetsAPI().start()
    monkeypatch.setenv(google_api.SHEETS_API_ENV, api.url)
    monkeypatch.delenv(google_api.CREDENTIALS_ENV, raising=False)
    google_api.forget_credentials()
    pacing.forget_limiters()
    try:
        yield api
    finally:
        api.stop()
        google_api.forget_credentials()
        pacing.forget_limiters()
    left = api.take_violations()
    assert not left, "requests Google's Sheets API v4 would refuse:\n" + "\n".join(left)


@pytest.fixture
def sa_file(sheets_api: FakeSheetsAPI, tmp_path: Path) -> Path:
    """A service-account key file for READER, its token endpoint on the fake."""
    return sheets_api.write_credentials(tmp_path / "service-account.json", READER)
