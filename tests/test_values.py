"""Spreadsheet values to typed values: every date form of issue 3 item 3, yes/no, choices, text."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from schemas.values import (
    BLANK,
    clean_text,
    day_first_only,
    is_blank,
    parse_choice,
    parse_date,
    parse_date_1904,
    parse_text,
    parse_yes_no,
)

NBSP = "\u00a0"
JAN31 = date(2024, 1, 31)


@pytest.mark.parametrize(
    "text",
    [
        "31/01/2024",
        "31-01-2024",
        "31.01.2024",
        "31 Jan 2024",
        "31 January 2024",
        "31 jan 2024",
        "31-Jan-2024",
        "31st January 2024",
        "Wed 31 Jan 2024",
        "2024-01-31",
        "2024-01-31T09:30",
        "2024-01-31 09:30:00",
        "2024/01/31",
        " 31/01/2024 ",
        f"{NBSP}31/01/2024{NBSP}",
        f"31{NBSP}Jan{NBSP}2024",
        "\t31 / 01 / 2024\n",
    ],
)
def test_uk_and_iso_text_dates_read_as_31_january(text: str) -> None:
    parsed = parse_date(text)
    assert parsed.ok, parsed
    assert parsed.value == JAN31


def test_single_digit_day_and_month() -> None:
    assert parse_date("5/1/2024").value == date(2024, 1, 5)
    assert parse_date("05/01/2024").value == date(2024, 1, 5)


def test_real_dates_and_datetimes_are_taken_as_they_are() -> None:
    assert parse_date(JAN31).value == JAN31
    assert parse_date(datetime(2024, 1, 31, 17, 45)).value == JAN31
    assert isinstance(parse_date(datetime(2024, 1, 31, 17, 45)).value, date)


@pytest.mark.parametrize(
    ("serial", "expected"),
    [
        (45296, date(2024, 1, 5)),  # NOTES.md: 45296 is 2024-01-05
        (45296.0, date(2024, 1, 5)),
        (45296.75, date(2024, 1, 5)),  # a serial with a time of day
        (45322, JAN31),
    ],
)
def test_excel_serials(serial: float, expected: date) -> None:
    assert parse_date(serial).value == expected


@pytest.mark.parametrize("serial", [0, 5, 60, -1, 10_000_000, float("nan"), float("inf")])
def test_serials_outside_plausible_range_are_invalid(serial: float) -> None:
    assert parse_date(serial).slug == "invalid-date"


def test_us_order_reported_with_the_reading_it_would_have() -> None:
    parsed = parse_date("01/31/2024")
    assert parsed.slug == "us-date-order"
    assert parsed.suggestion == "31/01/2024"
    assert "month 1, day 31" in parsed.detail


def test_us_order_when_the_day_is_over_12() -> None:
    parsed = parse_date("12/13/2024")
    assert parsed.slug == "us-date-order"
    assert parsed.suggestion == "13/12/2024"


def test_us_order_with_two_digit_year() -> None:
    parsed = parse_date("01/31/24")
    assert parsed.slug == "us-date-order"
    assert parsed.suggestion == "31/01/2024"


def test_ambiguous_day_month_is_read_day_first_never_guessed() -> None:
    # 02/03/2024 is a valid UK date: 2 March, not 3 February
    assert parse_date("02/03/2024").value == date(2024, 3, 2)


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("31/02/2024", "February 2024 has no day 31"),
        ("30/02/2024", "February 2024 has no day 30"),
        ("29/02/2023", "February 2023 has no day 29"),
        ("31/04/2024", "April 2024 has no day 31"),
        ("2024-02-30", "February 2024 has no day 30"),
        ("13/13/2024", "there is no month 13"),  # neither order makes a date
        ("31 Feb 2024", "February 2024 has no day 31"),
        ("00/01/2024", "January 2024 has no day 0"),
    ],
)
def test_impossible_dates(text: str, why: str) -> None:
    parsed = parse_date(text)
    assert parsed.slug == "impossible-date", parsed
    assert why in parsed.detail


def test_leap_day_is_real() -> None:
    assert parse_date("29/02/2024").value == date(2024, 2, 29)


def test_two_digit_year_with_suggested_reading() -> None:
    parsed = parse_date("31/01/24")
    assert parsed.slug == "two-digit-year"
    assert parsed.suggestion == "31/01/2024"
    assert parsed.value is None  # never silently taken
    assert parse_date("31 Jan 24").slug == "two-digit-year"
    assert parse_date("31.01.24").suggestion == "31/01/2024"


def test_impossible_two_digit_year_date() -> None:
    assert parse_date("31/02/24").slug == "impossible-date"


@pytest.mark.parametrize("text", ["31/01/1890", "01/01/2099", "1989-12-31"])
def test_implausible_years(text: str) -> None:
    parsed = parse_date(text)
    assert parsed.slug == "implausible-date"
    assert "1990 to 2060" in parsed.detail


def test_implausible_real_dates() -> None:
    assert parse_date(date(1900, 1, 1)).slug == "implausible-date"
    assert parse_date(datetime(2100, 1, 1)).slug == "implausible-date"


@pytest.mark.parametrize(
    "value",
    [
        "tomorrow",
        "31/01",
        "2024",
        "31/01/202",
        "31/01/20245",
        "31 Foo 2024",
        "TBC later",
        "na",
        True,
    ],
)
def test_not_dates(value: object) -> None:
    assert parse_date(value).slug == "invalid-date"


PLACEHOLDER_WORDS = ["TBC", "tbc ", "TBA", "n/a", "N/A", " n / a", "-", "?", "Pending", "UNKNOWN"]


@pytest.mark.parametrize("value", PLACEHOLDER_WORDS)
def test_placeholders_read_as_blank_and_flagged(value: str) -> None:
    """ "Not yet" words: blank (no error), marked so validation warns, naming the word."""
    for parsed in (parse_date(value), parse_yes_no(value)):
        assert parsed.ok and parsed.value is None
        assert parsed.detail == "placeholder"
        assert parsed.suggestion == " ".join(value.split())


@pytest.mark.parametrize("value", [date(1904, 1, 1), 0, 43831, 43831.0, "20/01/2024", "TBC", None])
def test_1904_serials(value: object) -> None:
    """Serials count from 1 Jan 1904 (1,462 days later than 1900's); everything else the same."""
    parsed = parse_date_1904(value)
    if isinstance(value, (int, float)):
        expected = parse_date(value + 1462)
        assert parsed == expected
        if value == 43831:
            assert parsed.value == date(2024, 1, 2)
            assert parse_date(value).value == date(2020, 1, 1)  # 1,462 days early
    else:
        assert parsed == parse_date(value)


def test_day_first_only_text() -> None:
    assert day_first_only("13/04/2024") and day_first_only(" 31.12.2024 ")
    assert not day_first_only("12/04/2024")  # reads either way
    assert not day_first_only("31/02/2024")  # not a real date
    assert not day_first_only("04/13/2024")  # month first
    assert not day_first_only(date(2024, 4, 13)) and not day_first_only("13/04/24")


@pytest.mark.parametrize("value", [None, "", " ", NBSP, f"{NBSP} \t", "\u200b"])
def test_blank_values(value: object) -> None:
    assert is_blank(value)
    assert parse_date(value) == BLANK
    assert parse_yes_no(value) == BLANK
    assert parse_choice(value, ("A",)) == BLANK
    assert parse_text(value) == BLANK


def test_clean_text_squeezes_every_kind_of_space() -> None:
    assert clean_text(f"  Initiate{NBSP}{NBSP}SCR\u202f ") == "Initiate SCR"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Yes", True),
        ("yes", True),
        ("Y", True),
        ("y", True),
        ("TRUE", True),
        ("true", True),
        (True, True),
        (f"{NBSP}Yes ", True),
        ("No", False),
        ("NO", False),
        ("n", False),
        ("False", False),
        (False, False),
    ],
)
def test_yes_no(value: object, expected: bool) -> None:
    parsed = parse_yes_no(value)
    assert parsed.ok
    assert parsed.value is expected


@pytest.mark.parametrize("value", ["perhaps", "yes please", 1, 0, 1.0, date(2024, 1, 1), "N/A!"])
def test_invalid_yes_no(value: object) -> None:
    assert parse_yes_no(value).slug == "invalid-yes-no"


CHOICES = ("Initiate SCR", "Do not initiate")


def test_choice_exact_label() -> None:
    parsed = parse_choice("Initiate SCR", CHOICES)
    assert parsed.value == "Initiate SCR"
    assert parsed.detail == ""


@pytest.mark.parametrize("typed", ["initiate scr", "INITIATE SCR", "Initiate  scr"])
def test_choice_in_odd_case_or_spacing_is_read_with_a_choice_case_flag(typed: str) -> None:
    parsed = parse_choice(typed, CHOICES)
    assert parsed.value == "Initiate SCR"
    assert parsed.detail == "choice-case"
    assert parsed.suggestion == "Initiate SCR"


@pytest.mark.parametrize("typed", ["  Do not initiate ", f"Do{NBSP}not initiate{NBSP}"])
def test_choice_with_only_extra_spaces_is_exact(typed: str) -> None:
    parsed = parse_choice(typed, CHOICES)
    assert parsed.value == "Do not initiate"
    assert parsed.detail == ""


def test_unknown_choice_left_as_typed_for_the_schema_to_report() -> None:
    parsed = parse_choice("Maybe", CHOICES)
    assert parsed.ok
    assert parsed.value == "Maybe"


def test_text_values() -> None:
    assert parse_text(2024.0).value == "2024"
    assert parse_text(12.5).value == "12.5"
    assert parse_text(f"{NBSP}NS-2024-01 ").value == "NS-2024-01"
    assert parse_text(date(2024, 1, 31)).value == "2024-01-31"


@pytest.mark.parametrize("shown", ["#N/A", "#REF!", " #DIV/0! ", "#ERROR!", "#n/a"])
def test_formula_errors_are_their_own_problem(shown: str) -> None:
    assert parse_date(shown).slug == "cell-error"
    assert parse_yes_no(shown).slug == "cell-error"
    assert parse_choice(shown, CHOICES).slug == "cell-error"
