"""Every language writes a day and a time the same way on the receipt and the status page: the
time is that language's long date with the hour and minute (issue 17: Somali read "Diseembar
12, 2026" beside "05-Dis-2026 1:29:32 GD")."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from i18n import LOCALES
from intake.dates import day, moment

# 13:29:32 UTC is 14:29:32 in Oslo in December.
AT = datetime(2026, 12, 5, 13, 29, 32, tzinfo=UTC)


@pytest.mark.parametrize("locale", [locale.code for locale in LOCALES])
def test_a_moment_is_the_same_long_date_as_a_day_with_the_minute_and_no_seconds(locale):
    written = moment(AT, locale)
    assert day(date(2026, 12, 5), locale) in written
    assert "29" in written and "32" not in written
    assert "14:29" in written or "2:29" in written  # Norwegian time, in the 24 or 12 hours


def test_the_norwegian_day_is_the_day_shown_even_when_utc_is_still_on_the_day_before():
    assert moment(datetime(2026, 12, 4, 23, 30, tzinfo=UTC), "nb") == (
        "5. desember 2026, 00:30")
    assert moment(AT, "nn") == "5. desember 2026 kl. 14:29"
    assert moment(AT, "so") == "Diseembar 5, 2026 2:29\u202fGD"
