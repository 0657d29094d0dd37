"""Norwegian working days, for deadlines counted in working days ("virkedager").

A working day is Monday to Friday, except the public holidays (helligdager and 1 and 17 May).
24 and 31 December are ordinary working days in law, however short the office day is.
"""

from __future__ import annotations

import functools
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

OSLO = ZoneInfo("Europe/Oslo")


def easter_sunday(year: int) -> date:
    """Easter Sunday in the Gregorian calendar (the anonymous Gregorian algorithm, also known as
    Meeus/Jones/Butcher)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l = (32 + 2 * e + 2 * i - h - k) % 7  # noqa: E741 - the algorithm's own name
    m = (a + 11 * h + 22 * l) // 451
    month, day = divmod(h + l - 7 * m + 114, 31)
    return date(year, month, day + 1)


@functools.cache
def public_holidays(year: int) -> frozenset[date]:
    """The days off by law that can fall on a weekday. Easter Sunday and Whit Sunday are left out:
    they are Sundays anyway."""
    easter = easter_sunday(year)
    return frozenset(
        {
            date(year, 1, 1),  # Første nyttårsdag
            easter - timedelta(days=3),  # Skjærtorsdag
            easter - timedelta(days=2),  # Langfredag
            easter + timedelta(days=1),  # Andre påskedag
            date(year, 5, 1),  # Offentlig høytidsdag
            date(year, 5, 17),  # Grunnlovsdag
            easter + timedelta(days=39),  # Kristi himmelfartsdag
            easter + timedelta(days=50),  # Andre pinsedag
            date(year, 12, 25),  # Første juledag
            date(year, 12, 26),  # Andre juledag
        }
    )


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in public_holidays(day.year)


def add_working_days(start: datetime, days: int) -> datetime:
    """The end (23:59:59.999999, Oslo time) of the `days`-th working day after the Oslo calendar
    day of `start`.

    The day of arrival itself never counts, whatever the hour, as Norwegian deadlines are
    usually counted. So "within 2 working days" of a report that arrives on Friday at 15:00 ends
    on Tuesday at 23:59:59; one that arrives on Monday at 08:00 has until Wednesday 23:59:59;
    one that arrives on a Saturday, until Tuesday. A team thinks of the deadline as "by the end
    of Tuesday", and a report that arrives in the evening does not lose a day. `days=0` is the
    end of the day of arrival. Compare with `now > deadline`.
    """
    if start.tzinfo is None:
        raise ValueError("add_working_days needs a timezone-aware datetime")
    if days < 0:
        raise ValueError("days must not be negative")
    day = start.astimezone(OSLO).date()
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if is_working_day(day):
            counted += 1
    # Norway changes clocks at 01:00 UTC, never near midnight, so this wall time always exists.
    return datetime.combine(day, time.max, tzinfo=OSLO)
