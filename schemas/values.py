"""Spreadsheet values to typed values: UK dates, Excel serials, yes/no, choices.

Each parser returns ``Parsed(value, slug, detail, suggestion)``: the typed value when it could be
read, else the problem slug and what to tell the officer. Nothing is guessed: a US-order or
two-digit-year date is reported with the reading it *would* have, never silently taken.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

#: Excel's day 0 for the 1900 date system (serial 60 is the fictitious 29 Feb 1900).
EXCEL_EPOCH = date(1899, 12, 30)
#: Day 0 of the 1904 date system (Excel for Mac's old default): serials are 1,462 days smaller.
EXCEL_1904_EPOCH = date(1904, 1, 1)
#: Dates a review can plausibly carry.
MIN_YEAR, MAX_YEAR = 1990, 2060
_MIN_SERIAL = (date(MIN_YEAR, 1, 1) - EXCEL_EPOCH).days
_MAX_SERIAL = (date(MAX_YEAR, 12, 31) - EXCEL_EPOCH).days

_SPACES = re.compile(r"[\s\u00a0\u2007\u202f\u200b\ufeff]+")
_NUMERIC = re.compile(
    r"(?P<a>\d{1,4})\s*(?P<sep>[/.\-])\s*(?P<b>\d{1,2})\s*(?P=sep)\s*(?P<c>\d{1,4})"
)
_ISO_TIME = re.compile(r"(?P<d>\d{4}-\d{2}-\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
_MONTHS = {
    name: i
    for i, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
_WORDY = re.compile(
    r"(?:(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)[a-z]*,?\s+)?"
    r"(?P<d>\d{1,2})(?:st|nd|rd|th)?[\s\-]+(?P<m>[a-z]+)\.?,?[\s\-]+(?P<y>\d{2,4})"
)


#: What a cell shows when its formula failed (Excel; ``#ERROR!`` is Google Sheets').
CELL_ERRORS = frozenset(
    [
        "#N/A",
        "#DIV/0!",
        "#VALUE!",
        "#REF!",
        "#NAME?",
        "#NUM!",
        "#NULL!",
        "#SPILL!",
        "#CALC!",
        "#FIELD!",
        "#BLOCKED!",
        "#CONNECT!",
        "#BUSY!",
        "#UNKNOWN!",
        "#GETTING_DATA",
        "#ERROR!",
    ]
)


def _cell_error(value: Any) -> bool:
    return isinstance(value, str) and clean_text(value).upper() in CELL_ERRORS


class Parsed(NamedTuple):
    """A parsed value, or the problem slug and what to tell the officer (a tuple: made in bulk)."""

    value: Any = None
    slug: str | None = None
    detail: str = ""
    suggestion: str = ""

    @property
    def ok(self) -> bool:
        return self.slug is None


BLANK = Parsed()


def clean_text(value: str) -> str:
    """Strip ordinary and non-breaking spaces, and squeeze runs of them."""
    if value.isascii() and value.isprintable() and "  " not in value and value.strip() == value:
        return value  # the usual case, without the regex
    return _SPACES.sub(" ", value).strip()


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not clean_text(value))


def uk(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def _plausible(day: date) -> Parsed:
    if not (MIN_YEAR <= day.year <= MAX_YEAR):
        return Parsed(slug="implausible-date", detail=f"{MIN_YEAR} to {MAX_YEAR}")
    return Parsed(day)


def _real(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


#: Parsed real dates, shared by every column: a workbook repeats the same days many times over
#: (at most one entry per day from 1990 to 2060).
_REAL_DATES: dict[date, Parsed] = {}
#: Parsed date text, shared by every column and sheet (bounded: cleared when full).
_TEXT_DATES: dict[str, Parsed] = {}
_TEXT_CACHE_SIZE = 100_000


def parse_date(value: Any) -> Parsed:
    """A date cell: a real date, an Excel serial, or text in UK order or ISO."""
    if type(value) is date:  # the common case: a real date cell
        parsed = _REAL_DATES.get(value)
        if parsed is None:
            parsed = _plausible(value)
            if parsed.ok:
                _REAL_DATES[value] = parsed
        return parsed
    if isinstance(value, str):
        parsed = _TEXT_DATES.get(value)
        if parsed is None:
            if len(_TEXT_DATES) >= _TEXT_CACHE_SIZE:
                _TEXT_DATES.clear()
            parsed = _TEXT_DATES[value] = _parse_date_str(value)
        return parsed
    if value is None:
        return BLANK
    if isinstance(value, datetime):
        return _plausible(value.date())
    if isinstance(value, date):
        return _plausible(value)
    if isinstance(value, bool):
        return Parsed(slug="invalid-date")
    if isinstance(value, (int, float)):
        if value != value or not (_MIN_SERIAL <= value <= _MAX_SERIAL + 1):  # NaN or out of range
            return Parsed(slug="invalid-date")
        return Parsed(EXCEL_EPOCH + timedelta(days=int(value)))
    return Parsed(slug="invalid-date")


def _parse_date_str(value: str) -> Parsed:
    text = clean_text(value)
    if not text:
        return BLANK
    if text.upper() in CELL_ERRORS:
        return Parsed(slug="cell-error")
    return placeholder(text) or _parse_date_text(text)


def _parse_date_text(text: str) -> Parsed:
    iso = _ISO_TIME.fullmatch(text)
    if iso:
        y, m, d = (int(p) for p in iso["d"].split("-"))
        day = _real(y, m, d)
        if day is None:
            return Parsed(slug="impossible-date", detail=f": {_why_impossible(y, m, d)}")
        return _plausible(day)
    num = _NUMERIC.fullmatch(text)
    if num:
        a, b, c = num["a"], num["b"], num["c"]
        if len(a) == 4:  # 2024/01/31: year first, but not ISO's dashes
            y, m, d = int(a), int(b), int(c)
            day = _real(y, m, d)
            if day is None:
                return Parsed(slug="impossible-date", detail=f": {_why_impossible(y, m, d)}")
            return _plausible(day)
        if len(c) not in (2, 4):
            return Parsed(slug="invalid-date")
        return _day_month_year(int(a), int(b), c, num["sep"])
    wordy = _WORDY.fullmatch(text.lower())
    if wordy:
        month = _MONTHS.get(wordy["m"])
        if month is None:
            return Parsed(slug="invalid-date")
        return _day_month_year(int(wordy["d"]), month, wordy["y"], " ", month_name=wordy["m"])
    return Parsed(slug="invalid-date")


def _why_impossible(y: int, m: int, d: int) -> str:
    if not 1 <= m <= 12:
        return f"there is no month {m}"
    return f"{date(2000 if m != 2 else 2001, m, 1).strftime('%B')} {y} has no day {d}"


def _day_month_year(d: int, m: int, year_text: str, sep: str, month_name: str = "") -> Parsed:
    if len(year_text) == 2:
        y = 2000 + int(year_text)
        day = _real(y, m, d)
        swapped = _real(y, d, m)
        if day is None and not month_name and swapped is not None:
            return Parsed(
                slug="us-date-order", detail=" with a two-digit year", suggestion=uk(swapped)
            )
        if day is None:
            return Parsed(slug="impossible-date", detail=f": {_why_impossible(y, m, d)}")
        return Parsed(slug="two-digit-year", suggestion=uk(day))
    if len(year_text) != 4:
        return Parsed(slug="invalid-date")
    y = int(year_text)
    day = _real(y, m, d)
    if day is not None:
        return _plausible(day)
    if not month_name and m > 12 and d <= 12:
        us = _real(y, d, m)
        if us is not None:
            return Parsed(slug="us-date-order", detail=f" (month {d}, day {m})", suggestion=uk(us))
    return Parsed(slug="impossible-date", detail=f": {_why_impossible(y, m, d)}")


def parse_date_1904(value: Any) -> Parsed:
    """A date cell in a workbook using the 1904 date system: serials count from 1 Jan 1904.

    Real date cells were already converted by the reader; only plain numbers differ."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value == value:
        return parse_date(value + (EXCEL_1904_EPOCH - EXCEL_EPOCH).days)
    return parse_date(value)


#: What officers type in a date or yes/no cell for "not yet known", compared without case or
#: spaces. Read as blank (with a warning) so the rest of the review is still assessed.
PLACEHOLDERS = frozenset(["tbc", "tba", "n/a", "-", "?", "pending", "unknown"])


def placeholder(value: Any) -> Parsed | None:
    """A placeholder read as blank, flagged in ``detail`` for a warning; None if it is not one."""
    if isinstance(value, str) and "".join(value.split()).casefold() in PLACEHOLDERS:
        return Parsed(None, detail="placeholder", suggestion=clean_text(value))
    return None


#: text dates that only read day first (13/04/2024): what a US-locale import leaves as text
_DAY_FIRST_ONLY = re.compile(r"\s*(\d{1,2})\s*([/.\-])\s*(\d{1,2})\s*\2\s*(\d{4})\s*")


def day_first_only(value: Any) -> bool:
    """Text that is a real date in d/m/yyyy order with a day over 12: it cannot be read month
    first."""
    if not isinstance(value, str):
        return False
    match = _DAY_FIRST_ONLY.fullmatch(value)
    if not match or int(match.group(1)) <= 12:
        return False
    return _real(int(match.group(4)), int(match.group(3)), int(match.group(1))) is not None


_YES = {"yes", "y", "true"}
_NO = {"no", "n", "false"}


def parse_yes_no(value: Any) -> Parsed:
    if is_blank(value):
        return BLANK
    if _cell_error(value):
        return Parsed(slug="cell-error")
    if isinstance(value, bool):
        return Parsed(value)
    if isinstance(value, str):
        text = clean_text(value).lower()
        if text in _YES:
            return Parsed(True)
        if text in _NO:
            return Parsed(False)
        return placeholder(value) or Parsed(slug="invalid-yes-no")
    return Parsed(slug="invalid-yes-no")


def parse_choice(value: Any, choices: tuple[str, ...]) -> Parsed:
    """Labels match in any case; odd case is accepted with a warning slug in ``detail``.

    An unknown label is returned as text (not as a problem) so that the pandera schema's
    ``isin`` check reports it: the schema is the one place choices are checked.
    """
    if is_blank(value):
        return BLANK
    if _cell_error(value):
        return Parsed(slug="cell-error")
    text = clean_text(str(value))
    folded = " ".join(text.casefold().split())
    for label in choices:
        if folded == label.casefold():
            if text != label:
                return Parsed(label, detail="choice-case", suggestion=label)
            return Parsed(label)
    return Parsed(text)


def parse_text(value: Any) -> Parsed:
    if isinstance(value, str):
        text = clean_text(value)
        return Parsed(text) if text else BLANK
    if value is None:
        return BLANK
    if isinstance(value, float) and value.is_integer():
        return Parsed(str(int(value)))
    if isinstance(value, (date, datetime)):
        return Parsed(value.isoformat())
    return Parsed(clean_text(str(value)))
