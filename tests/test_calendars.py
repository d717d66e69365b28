"""Working days per nation, calendar months, and the vectorised forms agreeing with the scalar ones."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.calendars import (
    CALENDARS,
    add_months,
    add_working_days,
    bank_holidays,
    is_working_day,
    shift,
    shift_array,
    today_in_london,
)
from tracker.model import Counting, DeadlineCounting, StartCounting, Unit

D = date


def test_the_holidays_package_is_pinned_to_the_version_the_deadlines_were_checked_with() -> None:
    assert version("holidays") == "0.109"


@pytest.mark.parametrize(
    ("calendar", "expected"),
    [
        ("ENG", D(2024, 1, 3)),
        ("WLS", D(2024, 1, 3)),
        ("NIR", D(2024, 1, 3)),
        ("SCT", D(2024, 1, 4)),
    ],
)
def test_fifth_working_day_after_friday_22_december_2023(calendar: str, expected: date) -> None:
    assert add_working_days(D(2023, 12, 22), 5, calendar) == expected


@pytest.mark.parametrize(
    ("calendar", "default", "moved"),
    [("ENG", D(2024, 1, 3), D(2024, 1, 4)), ("SCT", D(2024, 1, 4), D(2024, 1, 5))],
)
def test_five_working_days_after_saturday_23_december_2023(
    calendar: str, default: date, moved: date
) -> None:
    # CPR r. 2.8 / ICO LTT47: the working days after the event, whatever day it fell on
    # (ENG: 27, 28, 29 Dec, 2, 3 Jan; SCT has 2 Jan as a bank holiday: 27, 28, 29 Dec, 3, 4 Jan)
    assert add_working_days(D(2023, 12, 23), 5, calendar) == default
    # a local procedure that makes the next working day day 0: Wed 27 Dec (ENG and SCT)
    assert add_working_days(D(2023, 12, 23), 5, calendar, start_moves=True) == moved


def test_a_start_on_a_saturday_counts_the_working_days_after_it() -> None:
    assert add_working_days(D(2024, 1, 6), 5, "ENG") == D(2024, 1, 12)  # Mon 8 .. Fri 12
    assert add_working_days(D(2024, 1, 7), 5, "ENG") == D(2024, 1, 12)
    assert add_working_days(D(2024, 1, 8), 5, "ENG") == D(2024, 1, 15)
    assert add_working_days(D(2024, 1, 6), 5, "ENG", start_moves=True) == D(2024, 1, 15)
    # a start on a bank holiday too: Mon 1 Apr 2024 (Easter Monday in England) -> Tue 2 Apr
    assert add_working_days(D(2024, 4, 1), 1, "ENG") == D(2024, 4, 2)
    assert add_working_days(D(2024, 4, 1), 1, "ENG", start_moves=True) == D(2024, 4, 3)


def test_a_calendar_deadline_on_a_non_working_day_stays_unless_the_board_moves_it() -> None:
    moved = Counting(deadline_on_non_working_day=DeadlineCounting.MOVE)
    # 1 month after Thu 30 May 2024 is Sun 30 Jun 2024
    assert shift(D(2024, 5, 30), 1, Unit.MONTHS, "ENG") == D(2024, 6, 30)
    assert shift(D(2024, 5, 30), 1, Unit.MONTHS, "ENG", moved) == D(2024, 7, 1)
    assert shift(D(2024, 6, 23), 7, Unit.DAYS, "ENG", moved) == D(2024, 7, 1)
    # counting back, the mirror: the Friday before
    assert shift(D(2024, 7, 7), -7, Unit.DAYS, "ENG", moved) == D(2024, 6, 28)
    column = np.array(["2024-05-30", "NaT", "2024-05-29"], dtype="datetime64[D]")
    out = shift_array(column, 1, Unit.MONTHS, "ENG", moved)
    assert [str(d) for d in out] == ["2024-07-01", "NaT", "2024-07-01"]
    assert [str(d) for d in shift_array(column, 1, Unit.MONTHS, "ENG")][0] == "2024-06-30"


def test_the_start_day_itself_is_not_counted() -> None:
    assert add_working_days(D(2024, 1, 8), 1, "ENG") == D(2024, 1, 9)  # Mon -> Tue
    assert add_working_days(D(2024, 1, 12), 1, "ENG") == D(2024, 1, 15)  # Fri -> Mon


def test_fifteen_working_days_across_easter_2024() -> None:
    # England: Good Friday 29 Mar and Easter Monday 1 Apr; Scotland: Good Friday only
    assert add_working_days(D(2024, 3, 27), 15, "ENG") == D(2024, 4, 19)
    assert add_working_days(D(2024, 3, 27), 15, "SCT") == D(2024, 4, 18)


def test_st_andrews_day_2024_falls_on_a_saturday_and_moves_to_monday_in_scotland() -> None:
    assert D(2024, 12, 2) in bank_holidays("SCT")
    assert not is_working_day(D(2024, 12, 2), "SCT")
    assert is_working_day(D(2024, 12, 2), "ENG")
    assert add_working_days(D(2024, 11, 29), 1, "SCT") == D(2024, 12, 3)
    assert add_working_days(D(2024, 11, 29), 1, "ENG") == D(2024, 12, 2)


def test_st_patricks_day_2024_is_a_sunday_and_moves_to_monday_in_northern_ireland() -> None:
    assert D(2024, 3, 18) in bank_holidays("NIR")
    assert add_working_days(D(2024, 3, 15), 1, "NIR") == D(2024, 3, 19)
    assert add_working_days(D(2024, 3, 15), 1, "ENG") == D(2024, 3, 18)


def test_the_twelfth_of_july_is_a_holiday_only_in_northern_ireland() -> None:
    assert add_working_days(D(2024, 7, 11), 1, "NIR") == D(2024, 7, 15)  # Fri 12 Jul skipped
    assert add_working_days(D(2024, 7, 11), 1, "ENG") == D(2024, 7, 12)


def test_counting_backwards_for_at_least_n_working_days_before() -> None:
    # 7 working days before Tue 2 Apr 2024 in England skips Easter Monday and Good Friday
    # Thu 28, Wed 27, Tue 26, Mon 25, Fri 22, Thu 21, Wed 20 March
    assert add_working_days(D(2024, 4, 2), -7, "ENG") == D(2024, 3, 20)
    # before a Saturday, the mirror of counting forward: the Friday is the first working day before
    assert add_working_days(D(2024, 1, 13), -1, "ENG") == D(2024, 1, 12)
    assert shift(D(2024, 1, 13), -1, Unit.WORKING_DAYS, "ENG") == D(2024, 1, 12)
    # a local procedure that makes the Friday day 0
    assert add_working_days(D(2024, 1, 13), -1, "ENG", start_moves=True) == D(2024, 1, 11)
    local = Counting(start_on_non_working_day=StartCounting.MOVE)
    assert shift(D(2024, 1, 13), -1, Unit.WORKING_DAYS, "ENG", local) == D(2024, 1, 11)


def test_calendar_months_clamp_to_the_end_of_the_month() -> None:
    assert add_months(D(2024, 1, 31), 1) == D(2024, 2, 29)
    assert add_months(D(2023, 1, 31), 1) == D(2023, 2, 28)
    assert add_months(D(2024, 2, 29), 12) == D(2025, 2, 28)
    assert add_months(D(2024, 3, 31), -1) == D(2024, 2, 29)
    assert add_months(D(2024, 8, 31), 6) == D(2025, 2, 28)


def test_weeks_and_days() -> None:
    assert shift(D(2024, 1, 1), 2, Unit.WEEKS, "ENG") == D(2024, 1, 15)
    assert shift(D(2024, 1, 1), -7, Unit.DAYS, "ENG") == D(2023, 12, 25)


def test_today_in_london_is_the_london_date_not_the_server_date() -> None:
    from zoneinfo import ZoneInfo

    # 23:30 UTC on 30 June is 00:30 on 1 July in London (BST)
    assert today_in_london(datetime(2024, 6, 30, 23, 30, tzinfo=ZoneInfo("UTC"))) == D(2024, 7, 1)
    assert today_in_london(datetime(2024, 1, 31, 23, 30, tzinfo=ZoneInfo("UTC"))) == D(2024, 1, 31)


dates = st.dates(min_value=D(2001, 1, 1), max_value=D(2058, 12, 31))


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    st.lists(dates, min_size=1, max_size=20),
    st.integers(-40, 40),
    st.sampled_from(list(Unit)),
    st.sampled_from(CALENDARS),
    st.sampled_from(list(StartCounting)),
    st.sampled_from(list(DeadlineCounting)),
)
def test_whole_columns_agree_with_the_one_date_forms(
    days: list[date],
    n: int,
    unit: Unit,
    cal: str,
    start: StartCounting,
    deadline: DeadlineCounting,
) -> None:
    counting = Counting(start, deadline)
    column = np.array(days + [None], dtype="datetime64[D]")
    out = shift_array(column, n, unit, cal, counting)
    assert np.isnat(out[-1])
    assert [d.astype(date) for d in out[:-1]] == [shift(d, n, unit, cal, counting) for d in days]


@settings(max_examples=200, deadline=None, derandomize=True)
@given(dates, st.integers(1, 30), st.sampled_from(CALENDARS), st.booleans())
def test_the_nth_working_day_is_a_working_day_with_n_working_days_since(
    start: date, n: int, cal: str, start_moves: bool
) -> None:
    due = add_working_days(start, n, cal, start_moves=start_moves)
    assert is_working_day(due, cal)
    between = [start + timedelta(days=k) for k in range(1, (due - start).days + 1)]
    counted = sum(1 for d in between if is_working_day(d, cal))
    # X itself is not counted, whatever day it is; the local option makes a non-working start's
    # next working day day 0 (one more working day in between)
    expected = n if is_working_day(start, cal) or not start_moves else n + 1
    assert counted == expected
    back = add_working_days(due, -n, cal, start_moves=start_moves)
    assert is_working_day(back, cal)


def test_the_readme_worked_examples_are_what_the_calendars_give() -> None:
    readme = " ".join((Path(__file__).resolve().parent.parent / "README.md").read_text().split())
    examples = [
        ("an incident known on Saturday 6 January 2024 is due, at 5 working days, on Friday 12 "
         "January", add_working_days(D(2024, 1, 6), 5, "ENG"), D(2024, 1, 12)),
        ("one known on Saturday 23 December 2023 is due on Wednesday 3 January 2024 in England",
         add_working_days(D(2023, 12, 23), 5, "ENG"), D(2024, 1, 3)),
        ("and Thursday 4 January in Scotland", add_working_days(D(2023, 12, 23), 5, "SCT"),
         D(2024, 1, 4)),
        ("at least 1 working day before Saturday 13 January 2024 is Friday 12 January",
         add_working_days(D(2024, 1, 13), -1, "ENG"), D(2024, 1, 12)),
        ("1 month after 30 May 2024 is Sunday 30 June", shift(D(2024, 5, 30), 1, Unit.MONTHS, "ENG"),
         D(2024, 6, 30)),
        ("so Sat 6 Jan 2024 + 5 working days = Mon 15 Jan",
         add_working_days(D(2024, 1, 6), 5, "ENG", start_moves=True), D(2024, 1, 15)),
        ("a 1-month deadline on # Sun 30 Jun 2024 moves to Mon 1 Jul",
         shift(D(2024, 5, 30), 1, Unit.MONTHS, "ENG", Counting(deadline_on_non_working_day=DeadlineCounting.MOVE)),
         D(2024, 7, 1)),
    ]  # fmt: skip
    for sentence, computed, stated in examples:
        assert sentence in readme, sentence
        assert computed == stated, sentence
