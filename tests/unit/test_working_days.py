"""Norwegian working days: Easter and the holidays that hang on it, the fixed holidays, and the
"end of the n-th working day after arrival" rule the acknowledgement deadline uses."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from routing.working_days import (
    OSLO,
    add_working_days,
    easter_sunday,
    is_working_day,
    public_holidays,
)


def oslo(*args: int) -> datetime:
    return datetime(*args, tzinfo=OSLO)  # type: ignore[misc]


def end_of(day: date) -> datetime:
    return datetime.combine(day, time.max, tzinfo=OSLO)


@pytest.mark.parametrize(
    "year, expected",
    [
        (2024, date(2024, 3, 31)),
        (2025, date(2025, 4, 20)),
        (2026, date(2026, 4, 5)),
        (2027, date(2027, 3, 28)),
        (2019, date(2019, 4, 21)),
        (2038, date(2038, 4, 25)),  # the latest possible date
        (2285, date(2285, 3, 22)),  # the earliest possible date
    ],
)
def test_easter_sunday_is_computed_for_any_year(year, expected):
    assert easter_sunday(year) == expected


def test_holidays_of_2027_include_whit_monday_on_17_may():
    assert len(public_holidays(2027)) == 9  # two of the ten fall on the same day
    assert public_holidays(2027) == {
        date(2027, 1, 1),
        date(2027, 3, 25),  # Maundy Thursday
        date(2027, 3, 26),  # Good Friday
        date(2027, 3, 29),  # Easter Monday
        date(2027, 5, 1),
        date(2027, 5, 6),  # Ascension Day: Easter + 39
        date(2027, 5, 17),
        date(2027, 5, 17),  # Whit Monday 2027 is 17 May as well: Easter + 50
        date(2027, 12, 25),
        date(2027, 12, 26),
    }


def test_easter_days_are_not_working_days_but_the_week_around_them_is():
    # 2025: Easter Sunday 20 April.
    assert is_working_day(date(2025, 4, 16))  # Wednesday before
    assert not is_working_day(date(2025, 4, 17))  # Maundy Thursday
    assert not is_working_day(date(2025, 4, 18))  # Good Friday
    assert not is_working_day(date(2025, 4, 21))  # Easter Monday
    assert is_working_day(date(2025, 4, 22))  # Tuesday after
    assert not is_working_day(date(2025, 5, 29))  # Ascension Day
    assert not is_working_day(date(2025, 6, 9))  # Whit Monday
    assert is_working_day(date(2025, 6, 10))


def test_17_may_on_a_weekday_is_not_a_working_day():
    assert date(2028, 5, 17).weekday() == 2  # a Wednesday
    assert not is_working_day(date(2028, 5, 17))
    assert is_working_day(date(2028, 5, 16))
    # Tuesday 16 May 2028: Wednesday is a holiday, so Thursday 18 and Friday 19 count.
    assert add_working_days(oslo(2028, 5, 16, 10, 0), 2) == end_of(date(2028, 5, 19))
    # 2024: Friday 17 May and Whit Monday 20 May. From Thursday 16: Tuesday 21, Wednesday 22.
    assert not is_working_day(date(2024, 5, 20))
    assert add_working_days(oslo(2024, 5, 16, 10, 0), 2) == end_of(date(2024, 5, 22))


def test_christmas_and_new_year():
    assert not is_working_day(date(2026, 12, 25))  # Friday
    assert not is_working_day(date(2026, 12, 26))  # Saturday anyway
    assert is_working_day(date(2026, 12, 24))  # Christmas Eve is a working day in law
    assert is_working_day(date(2026, 12, 31))
    assert not is_working_day(date(2027, 1, 1))
    # Wednesday 23 December 2026: Thursday 24 counts, Friday 25 does not, then Monday 28.
    assert add_working_days(oslo(2026, 12, 23, 12, 0), 2) == end_of(date(2026, 12, 28))
    # Wednesday 30 December 2026: Thursday 31 counts, Friday 1 January does not, Monday 4.
    assert add_working_days(oslo(2026, 12, 30, 12, 0), 2) == end_of(date(2027, 1, 4))


def test_a_report_on_friday_afternoon_is_due_at_the_end_of_tuesday():
    deadline = add_working_days(oslo(2027, 3, 5, 15, 0), 2)  # Friday
    assert deadline == end_of(date(2027, 3, 9))  # Tuesday
    assert oslo(2027, 3, 9, 23, 59, 59) < deadline
    assert oslo(2027, 3, 10, 0, 0, 0) > deadline


def test_the_day_of_arrival_never_counts_whatever_the_hour():
    monday = date(2027, 3, 1)
    assert add_working_days(oslo(2027, 3, 1, 0, 0), 2) == end_of(date(2027, 3, 3))
    assert add_working_days(oslo(2027, 3, 1, 23, 59), 2) == end_of(date(2027, 3, 3))
    assert monday.weekday() == 0
    # Saturday and Sunday arrivals: Monday and Tuesday count.
    assert add_working_days(oslo(2027, 3, 6, 9, 0), 2) == end_of(date(2027, 3, 9))
    assert add_working_days(oslo(2027, 3, 7, 22, 0), 2) == end_of(date(2027, 3, 9))


def test_the_oslo_date_decides_not_the_utc_date():
    # 23:30 UTC on Friday is 00:30 on Saturday in Oslo (winter time): a Saturday arrival.
    assert add_working_days(datetime(2027, 3, 5, 23, 30, tzinfo=UTC), 1) == end_of(date(2027, 3, 8))
    # 22:30 UTC on Thursday is 23:30 on Thursday in Oslo: Friday counts.
    assert add_working_days(datetime(2027, 3, 4, 22, 30, tzinfo=UTC), 1) == end_of(date(2027, 3, 5))


def test_a_report_on_the_wednesday_before_easter_2027_is_due_the_next_wednesday():
    # Thursday 25, Friday 26 and Monday 29 March are holidays; summer time starts on the 28th.
    deadline = add_working_days(oslo(2027, 3, 24, 10, 0), 2)
    assert deadline == end_of(date(2027, 3, 31))
    assert deadline.utcoffset().total_seconds() == 2 * 3600  # type: ignore[union-attr]
    assert deadline.astimezone(UTC) == datetime(2027, 3, 31, 21, 59, 59, 999999, tzinfo=UTC)


def test_zero_days_is_the_end_of_the_day_of_arrival():
    assert add_working_days(oslo(2027, 3, 6, 9, 0), 0) == end_of(date(2027, 3, 6))


def test_naive_times_and_negative_days_are_refused():
    with pytest.raises(ValueError, match="timezone"):
        add_working_days(datetime(2027, 3, 5, 15, 0), 2)
    with pytest.raises(ValueError, match="negative"):
        add_working_days(oslo(2027, 3, 5, 15, 0), -1)
