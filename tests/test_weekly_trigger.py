"""The weekly trigger across the clock changes: once a week, at the local time.

Driven with explicit datetimes, the way the scheduler calls a trigger: first with no previous
run, then with the previous run time each time it has run.
"""

from __future__ import annotations

import pickle
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from jobs.service import trigger_key
from jobs.weekly_trigger import WeeklyTrigger, local_exists
from tests.email_fixtures import NORTHSHIRE, write_config
from tracker.config import load_config
from tracker.mail.ledger import Ledger
from tracker.mail.mailing import compose

LONDON = ZoneInfo("Europe/London")
# The Sundays the clocks change: last Sunday of March (forward) and of October (back).
SPRING = [date(2024, 3, 31), date(2025, 3, 30), date(2026, 3, 29)]
AUTUMN = [date(2024, 10, 27), date(2025, 10, 26), date(2026, 10, 25)]


def fires(trigger: WeeklyTrigger, start: datetime, end: datetime) -> list[datetime]:
    out: list[datetime] = []
    previous = None
    now = start
    while True:
        nxt = trigger.get_next_fire_time(previous, now)
        assert nxt is not None
        if nxt >= end:
            return out
        out.append(nxt)
        previous, now = nxt, nxt  # the scheduler asks again right after running it


def week_of(sunday: date) -> tuple[datetime, datetime]:
    monday = sunday - timedelta(days=6)
    start = datetime.combine(monday, time(0), tzinfo=LONDON)
    return start, start + timedelta(days=7)


@pytest.mark.parametrize("sunday", SPRING + AUTUMN)
@pytest.mark.parametrize("spec", ["mon 08:00", "sun 08:00", "sun 00:30", "sat 23:30", "fri 17:45"])
def test_once_in_the_week_of_a_clock_change_at_the_local_time(sunday: date, spec: str) -> None:
    trigger = WeeklyTrigger(spec, "Europe/London")
    start, end = week_of(sunday)
    got = fires(trigger, start, end)
    assert len(got) == 1
    local = got[0].astimezone(LONDON)
    assert local.strftime("%a %H:%M").lower() == spec
    # the instant really is that wall-clock time in London that day (not an hour off)
    assert local.utcoffset() == LONDON.utcoffset(local.replace(tzinfo=None))


@pytest.mark.parametrize("sunday", AUTUMN)
@pytest.mark.parametrize("spec", ["sun 01:00", "sun 01:30", "sun 01:59"])
def test_a_time_the_clocks_repeat_runs_once_at_its_first_occurrence(
    sunday: date, spec: str
) -> None:
    trigger = WeeklyTrigger(spec, "Europe/London")
    start, end = week_of(sunday)
    got = fires(trigger, start, end)
    assert len(got) == 1
    hh, mm = (int(x) for x in spec.split()[1].split(":"))
    # first occurrence: still British Summer Time (UTC+1)
    assert got[0].astimezone(UTC) == datetime.combine(sunday, time(hh, mm), tzinfo=UTC) - timedelta(
        hours=1
    )


@pytest.mark.parametrize("sunday", SPRING)
@pytest.mark.parametrize("spec", ["sun 01:00", "sun 01:30", "sun 01:59"])
def test_a_time_the_clocks_skip_runs_once_when_the_clocks_reach_it(sunday: date, spec: str) -> None:
    trigger = WeeklyTrigger(spec, "Europe/London")
    start, end = week_of(sunday)
    got = fires(trigger, start, end)
    assert len(got) == 1
    # 01:00 GMT becomes 02:00 BST: the first minute that exists after the skipped time
    assert got[0] == datetime.combine(sunday, time(2, 0), tzinfo=LONDON)
    assert got[0].astimezone(UTC) == datetime.combine(sunday, time(1, 0), tzinfo=UTC)


def test_monday_morning_moves_in_utc_with_the_clocks() -> None:
    trigger = WeeklyTrigger("mon 08:00", "Europe/London")
    start = datetime(2024, 3, 18, tzinfo=UTC)
    got = fires(trigger, start, start + timedelta(weeks=4))
    assert [g.astimezone(UTC).hour for g in got] == [8, 8, 7, 7]  # 18, 25 Mar GMT; 1, 8 Apr BST
    start = datetime(2024, 10, 14, tzinfo=UTC)
    got = fires(trigger, start, start + timedelta(weeks=4))
    assert [g.astimezone(UTC).hour for g in got] == [7, 7, 8, 8]  # 14, 21 Oct BST; 28 Oct GMT


def test_a_year_of_mondays_is_52_runs_each_at_eight_local() -> None:
    trigger = WeeklyTrigger("mon 08:00", "Europe/London")
    start = datetime(2024, 1, 1, 0, 0, tzinfo=LONDON)
    got = fires(trigger, start, datetime(2024, 12, 30, 0, 0, tzinfo=LONDON))
    assert len(got) == 52
    assert {g.astimezone(LONDON).strftime("%a %H:%M") for g in got} == {"Mon 08:00"}
    assert len({g.isocalendar()[:2] for g in got}) == 52


def test_missed_runs_are_walked_one_by_one_for_coalescing() -> None:
    # What the scheduler does after downtime: from the stored run time, walk to now.
    trigger = WeeklyTrigger("mon 08:00", "Europe/London")
    first = trigger.get_next_fire_time(None, datetime(2024, 3, 1, tzinfo=UTC))
    assert first == datetime(2024, 3, 4, 8, 0, tzinfo=LONDON)
    missed = [first]
    now = datetime(2024, 3, 20, 12, 0, tzinfo=UTC)
    while True:
        nxt = trigger.get_next_fire_time(missed[-1], now)
        assert nxt is not None
        if nxt > now:
            break
        missed.append(nxt)
    assert [m.day for m in missed] == [4, 11, 18]
    assert nxt == datetime(2024, 3, 25, 8, 0, tzinfo=LONDON)


def test_trigger_pickles_and_keeps_its_identity() -> None:
    trigger = WeeklyTrigger("Tue 7:05", "Europe/London")
    copy = pickle.loads(pickle.dumps(trigger))
    assert copy.spec == "tue 07:05"
    assert trigger_key(copy) == trigger_key(trigger)
    assert trigger_key(WeeklyTrigger("tue 07:06", "Europe/London")) != trigger_key(trigger)
    assert str(copy) == "weekly[tue 07:05 Europe/London]"


def test_a_trigger_pickled_before_the_move_to_jobs_still_loads() -> None:
    """A jobs.sqlite from when the trigger lived in ``tracker.weekly_trigger`` keeps its job."""
    now = WeeklyTrigger("mon 08:00", "Europe/London")
    old = pickle.dumps(now, protocol=2).replace(
        b"cjobs.weekly_trigger\n", b"ctracker.weekly_trigger\n"
    )
    assert b"ctracker.weekly_trigger\n" in old
    back = pickle.loads(old)
    assert isinstance(back, WeeklyTrigger)
    assert trigger_key(back) == trigger_key(now)


def test_local_exists() -> None:
    assert not local_exists(datetime(2024, 3, 31, 1, 30), LONDON)
    assert local_exists(datetime(2024, 3, 31, 2, 0), LONDON)
    assert local_exists(datetime(2024, 10, 27, 1, 30), LONDON)


def test_two_firings_on_the_night_the_clocks_go_back_send_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Even a trigger that fires at both 01:30s (as a plain cron does) sends the week once."""
    monkeypatch.chdir(tmp_path)
    config = load_config(write_config(tmp_path, weekly="sun 01:30"))
    check: dict[str, list[object]] = {"reviews": [], "problems": []}
    first = datetime(2024, 10, 27, 0, 30, tzinfo=UTC)  # 01:30 BST
    second = datetime(2024, 10, 27, 1, 30, tzinfo=UTC)  # 01:30 GMT, an hour later
    for moment in (first, second):
        as_of = moment.astimezone(LONDON).date()
        compose(config, check, as_of, now=moment)
    with Ledger(config.state_dir) as ledger:
        weeks = [(e.scope, e.week) for e in ledger.entries()]
    assert weeks.count((NORTHSHIRE, "2024-W43")) == 1
    assert len(list((config.state_dir / "outbox").glob("*.eml"))) == 3
