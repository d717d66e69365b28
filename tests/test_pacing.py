# ruff: noqa: F811  (pytest fixtures imported from tests.gsheet_fixtures)
"""Pacing: never more than 60 requests a minute per credential, across every spreadsheet."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from tests.fakes.sheets_api import FakeSheetsAPI
from tests.gsheet_fixtures import (  # noqa: F401  (pytest fixtures)
    ALL_TITLES,
    READER,
    FakeClock,
    clock,
    four_sheets,
    no_external_network,
    sa_file,
    settings,
    sheets_api,
)
from tracker.sources.google_api import GSheetSettings
from tracker.sources.gsheet import read_gsheet
from tracker.sources.pacing import SlidingWindowLimiter, forget_limiters, limiter_for


def max_in_any_window(stamps: list[float], window: float) -> int:
    return max(
        (sum(1 for t in stamps if start <= t < start + window) for start in stamps), default=0
    )


def test_the_limit_is_free_then_each_extra_request_waits_for_the_window(clock: FakeClock) -> None:
    limiter = SlidingWindowLimiter(60, clock=clock, sleep=clock.sleep)
    stamps = []
    for _ in range(150):
        limiter.acquire()
        stamps.append(clock.now)
    assert stamps[59] == stamps[0]  # a burst of 60 costs nothing
    assert stamps[60] == stamps[0] + 60  # the 61st waits for the first to leave the window
    assert max_in_any_window(stamps, 60) == 60
    assert stamps[-1] - stamps[0] == 120  # 150 requests: three windows


def test_spaced_requests_never_wait(clock: FakeClock) -> None:
    limiter = SlidingWindowLimiter(60, clock=clock, sleep=clock.sleep)
    for _ in range(200):
        assert limiter.acquire() == 0
        clock.now += 1.0
    assert clock.sleeps == []


def test_a_limit_below_one_is_refused() -> None:
    with pytest.raises(ValueError):
        SlidingWindowLimiter(0)


def test_one_limiter_per_credential_shared_by_the_process(clock: FakeClock) -> None:
    forget_limiters()
    try:
        a = limiter_for("a@x.iam", 60, clock=clock, sleep=clock.sleep)
        assert limiter_for("a@x.iam", 60, clock=clock, sleep=clock.sleep) is a
        assert limiter_for("b@x.iam", 60, clock=clock, sleep=clock.sleep) is not a
    finally:
        forget_limiters()


def test_refreshing_many_spreadsheets_stays_under_60_requests_a_minute(
    sheets_api: FakeSheetsAPI, sa_file: Path, settings: GSheetSettings, clock: FakeClock
) -> None:
    keys = [f"board-sheet-{i:02d}" for i in range(45)]
    for key in keys:
        sheets_api.add_spreadsheet(key, four_sheets(), shared_with={READER: "reader"})
    # the process-wide limiter for the credential, on the fake clock
    shared = replace(settings, limiter=None)
    sheets_api.clock = clock
    stamps: list[float] = []
    for key in keys:
        read_gsheet(f"gsheet:{key}", ALL_TITLES, credentials=str(sa_file), settings=shared)
        stamps.append(clock.now)

    assert sheets_api.count("metadata") == 45 and sheets_api.count("batchGet") == 45
    request_times = [r.at for r in sheets_api.api_requests()]
    assert len(request_times) == 90
    assert max_in_any_window(request_times, 60) == 60
    # 90 requests: 60 at once, then the rest one window later
    assert sum(clock.sleeps) == pytest.approx(60)
    assert clock.now - 1000.0 == pytest.approx(60)
    # no spreadsheet finished before its requests fitted in the window
    assert stamps[29] == 1000.0 and stamps[30] == 1060.0
