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
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.sheets_api import FakeSheetsAPI
from tracker.sources import google_api, pacing
from tracker.sources.google_api import GSheetSettings

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


@pytest.fixture
def sa_file(sheets_api: FakeSheetsAPI, tmp_path: Path) -> Path:
    """A service-account key file for READER, its token endpoint on the fake."""
    return sheets_api.write_credentials(tmp_path / "service-account.json", READER)
