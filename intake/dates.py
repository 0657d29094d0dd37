"""Dates and times as the reporter reads them, in one format for every page that shows them.

The receipt and the status page both say when things happened; with Babel's "medium" time on
one and its "long" date on the other, Somali read "Diseembar 12, 2026" beside
"05-Dis-2026 1:29:32 GD" and could not tell they were the same kind of thing. Here a day is
CLDR's long date, and a moment is that same long date with the time to the minute, joined as
the language joins them, in Norwegian time (the service's day and the law's deadlines).
"""

from __future__ import annotations

from datetime import date, datetime

from babel import Locale
from babel.dates import format_date, format_time

from routing.directory import NORWAY


def day(on: date, locale: str) -> str:
    """A date, like "5. desember 2026" or "Diseembar 5, 2026"."""
    return format_date(on, "long", locale=locale)


def moment(at: datetime, locale: str) -> str:
    """A time to the minute, like "5. desember 2026, 14:29": the long date of `day`, then the
    short time, in Norway."""
    local = at.astimezone(NORWAY)
    # CLDR's pattern puts the date ({1}) and the time ({0}) in the language's order, with its
    # words between them (nynorsk "kl.", Persian "ساعت"); quotes only mark literal text there.
    joined = Locale.parse(locale).datetime_formats["long"].replace("'", "")
    time = format_time(local, "short", tzinfo=NORWAY, locale=locale)
    return joined.replace("{0}", time).replace("{1}", day(local.date(), locale))
