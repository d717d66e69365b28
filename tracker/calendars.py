"""Working-day calendars per nation, and date arithmetic in each rule unit.

Working days are Monday to Friday less the nation's bank holidays from the ``holidays`` package,
always with an explicit subdivision (``GB`` alone drops Easter Monday in Wales and England's
neighbours' own days). The package is pinned: a new one-off holiday in an update moves deadlines.

Counting rule (DESIGN.md): "within N working days of X" is the N-th working day after X, X not
counted, whatever day X is (the Civil Procedure Rules r. 2.8 and the ICO count this way): Saturday
23 Dec 2023 + 5 working days is Wednesday 3 Jan 2024 in England. Counting back is the mirror.
Calendar-day, week and month deadlines stay on their date. A board's ``[boards.counting]`` may
differ (:class:`tracker.model.Counting`): a non-working start moved to the next working day (day 0),
or a calendar deadline on a non-working day moved to the next working day.

The holidays package takes about 0.3 s to import and compute the four calendars, more than the rest
of a small ``tracker check``; its dates are therefore kept in ``tracker/data/bank_holidays.json``,
written from the pinned version (``python -m tracker.calendars``) and used only while that version is
the one installed (a test compares the two). Any other version is asked directly.

Scalar functions serve single dates; the ``*_array`` forms work on whole numpy ``datetime64[D]``
columns at once (NaT passes through), which is what evaluation uses for national-scale tables.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt
from dateutil.relativedelta import relativedelta

from tracker.model import DEFAULT_COUNTING, Counting, Unit

CALENDARS = ("ENG", "WLS", "SCT", "NIR")
#: Years covered by each calendar: reviews from the 2000s to well beyond any plausible deadline.
FIRST_YEAR, LAST_YEAR = 1990, 2060  # the years a date cell may hold (schemas.values)
LONDON = ZoneInfo("Europe/London")
HOLIDAY_TABLE = Path(__file__).parent / "data" / "bank_holidays.json"

DateArray = npt.NDArray[Any]


def today_in_london(now: datetime | None = None) -> date:
    """The default as-of date: today where the boards are, not where the server's clock is."""
    moment = now if now is not None else datetime.now(LONDON)
    if moment.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return moment.astimezone(LONDON).date()


@cache
def bank_holidays(calendar: str) -> dict[date, str]:
    if calendar not in CALENDARS:
        raise KeyError(f"unknown calendar {calendar!r} (known: {', '.join(CALENDARS)})")
    table = _holiday_table()
    if table is not None:
        return {date.fromisoformat(day): name for day, name in table[calendar]}
    return computed_bank_holidays(calendar)


def computed_bank_holidays(calendar: str) -> dict[date, str]:
    """The calendar's bank holidays from the installed ``holidays`` package itself."""
    import holidays

    found = holidays.country_holidays("GB", subdiv=calendar, years=range(FIRST_YEAR, LAST_YEAR + 1))
    return dict(sorted(found.items()))


@cache
def _holiday_table() -> dict[str, list[list[str]]] | None:
    """The kept table, if it was written from the installed version for the same years."""
    try:
        installed = version("holidays")
        doc = json.loads(HOLIDAY_TABLE.read_text(encoding="utf-8"))
    except (OSError, ValueError, PackageNotFoundError):
        return None
    if doc.get("holidays") != installed or doc.get("years") != [FIRST_YEAR, LAST_YEAR]:
        return None
    calendars: dict[str, list[list[str]]] = doc["calendars"]
    return calendars


def write_holiday_table(path: Path = HOLIDAY_TABLE) -> Path:
    """Keep the installed version's dates for every calendar (run after changing its pin)."""
    head = {"holidays": version("holidays"), "years": [FIRST_YEAR, LAST_YEAR]}
    # one holiday a line, so a version change reads as a short diff
    blocks = []
    for c in CALENDARS:
        rows = ",\n".join(
            json.dumps([d.isoformat(), name], ensure_ascii=False)
            for d, name in computed_bank_holidays(c).items()
        )
        blocks.append(f"{json.dumps(c)}: [\n{rows}\n]")
    text = json.dumps(head)[:-1] + ', "calendars": {\n' + ",\n".join(blocks) + "\n}}\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@cache
def busday_calendar(calendar: str) -> np.busdaycalendar:
    days = np.array(list(bank_holidays(calendar)), dtype="datetime64[D]")
    return np.busdaycalendar(weekmask="1111100", holidays=days)


def is_working_day(day: date, calendar: str) -> bool:
    return bool(np.is_busday(np.datetime64(day, "D"), busdaycal=busday_calendar(calendar)))


def _check_range(day: date) -> None:
    if not (FIRST_YEAR <= day.year <= LAST_YEAR):
        raise ValueError(f"{day} is outside the working-day calendars ({FIRST_YEAR}-{LAST_YEAR})")


Roll = Literal["forward", "backward"]


def _roll(n: int, start_moves: bool) -> Roll:
    """numpy's roll for a count of ``n`` working days (NOTES.md, "Counting working days").

    ``busday_offset`` first rolls a non-working start onto a working day, then counts. Rolling
    back to the working day before (forward when counting back) counts the N-th working day after
    X whatever day X is; rolling the other way makes the next working day day 0 (the local option).
    A count of 0 always lands on the next working day.
    """
    if n == 0:
        return "forward"
    if n > 0:
        return "forward" if start_moves else "backward"
    return "backward" if start_moves else "forward"


def add_working_days(day: date, n: int, calendar: str, *, start_moves: bool = False) -> date:
    """The n-th working day after ``day`` (n < 0: before), ``day`` itself not counted."""
    _check_range(day)
    out = np.busday_offset(
        np.datetime64(day, "D"), n, roll=_roll(n, start_moves), busdaycal=busday_calendar(calendar)
    )
    result: date = out.astype(object)
    return result


def to_working_day(day: date, calendar: str, *, back: bool = False) -> date:
    """``day`` if it is a working day, else the next one (``back``: the one before)."""
    _check_range(day)
    out = np.busday_offset(
        np.datetime64(day, "D"),
        0,
        roll="backward" if back else "forward",
        busdaycal=busday_calendar(calendar),
    )
    result: date = out.astype(object)
    return result


def add_months(day: date, n: int) -> date:
    """Calendar months, clamped to the month's end: 31 Jan + 1 month = 28/29 Feb."""
    result: date = day + relativedelta(months=n)
    return result


def shift(
    day: date, amount: int, unit: Unit, calendar: str, counting: Counting = DEFAULT_COUNTING
) -> date:
    """``day`` moved by ``amount`` units (negative: earlier), counted as ``counting`` says."""
    if unit is Unit.WORKING_DAYS:
        return add_working_days(day, amount, calendar, start_moves=counting.start_moves)
    if unit is Unit.DAYS:
        out = day + timedelta(days=amount)
    elif unit is Unit.WEEKS:
        out = day + timedelta(weeks=amount)
    elif unit is Unit.MONTHS:
        out = add_months(day, amount)
    else:
        raise ValueError(f"unknown unit {unit!r}")
    if counting.deadline_moves:
        # counting back, the mirror: the working day before keeps the step "at least N before"
        return to_working_day(out, calendar, back=amount < 0)
    return out


# ---- whole columns at once -------------------------------------------------------------------

_MIN = np.datetime64(f"{FIRST_YEAR}-01-01", "D")
_MAX = np.datetime64(f"{LAST_YEAR}-12-31", "D")


def months_array(days: DateArray, n: int) -> DateArray:
    """Vectorised :func:`add_months` (NaT stays NaT)."""
    days = days.astype("datetime64[D]")
    month = days.astype("datetime64[M]")
    day_index = (days - month.astype("datetime64[D]")).astype("int64")  # 0-based day of month
    target = month + np.timedelta64(n, "M")
    month_len = (
        (target + np.timedelta64(1, "M")).astype("datetime64[D]") - target.astype("datetime64[D]")
    ).astype("int64")
    clamped = np.minimum(day_index, month_len - 1)
    out = target.astype("datetime64[D]") + clamped.astype("timedelta64[D]")
    out[np.isnat(days)] = np.datetime64("NaT")
    return out


def _busday_array(days: DateArray, amount: int, roll: Roll, calendar: str) -> DateArray:
    inside = ~np.isnat(days) & (days >= _MIN) & (days <= _MAX)
    out = np.full(days.shape, np.datetime64("NaT"), dtype="datetime64[D]")
    out[inside] = np.busday_offset(
        days[inside], amount, roll=roll, busdaycal=busday_calendar(calendar)
    )
    return out


def shift_array(
    days: DateArray,
    amount: int,
    unit: Unit,
    calendar: str,
    counting: Counting = DEFAULT_COUNTING,
) -> DateArray:
    """Vectorised :func:`shift`. Dates outside the calendar's years give NaT (no due date)."""
    days = days.astype("datetime64[D]")
    if unit is Unit.WORKING_DAYS:
        return _busday_array(days, amount, _roll(amount, counting.start_moves), calendar)
    if unit is Unit.DAYS:
        out = days + np.timedelta64(amount, "D")
    elif unit is Unit.WEEKS:
        out = days + np.timedelta64(7 * amount, "D")
    elif unit is Unit.MONTHS:
        out = months_array(days, amount)
    else:
        raise ValueError(f"unknown unit {unit!r}")
    if counting.deadline_moves:
        return _busday_array(out, 0, "backward" if amount < 0 else "forward", calendar)
    return out


if __name__ == "__main__":
    print(write_holiday_table())
