"""The feedback deadlines (routing/feedback.py) are three calendar weeks in Norway: the end of
the Norwegian day 21 days after the day the report arrived, across a change of the clocks, and
the steps the team is asked for follow the law's split between reporters."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from routing import feedback
from routing.working_days import OSLO


def oslo(*args: int) -> datetime:
    return datetime(*args, tzinfo=OSLO)  # type: ignore[misc]


def test_a_report_late_in_the_evening_before_summer_time_is_due_at_the_end_of_the_21st_day():
    # 10 March 2027, 23:30 in Oslo (22:30 UTC); summer time begins on 28 March.
    arrived = oslo(2027, 3, 10, 23, 30)
    deadline = feedback.receipt_deadline(arrived.astimezone(UTC))
    assert deadline == datetime.combine(date(2027, 3, 31), time.max, tzinfo=OSLO)
    # The team reads it as 23:59 on 31 March, Norwegian summer time (UTC+2).
    assert deadline.astimezone(UTC) == datetime(2027, 3, 31, 21, 59, 59, 999999, tzinfo=UTC)


def test_a_report_just_after_midnight_in_summer_time_counts_from_the_norwegian_day():
    # 20 October 2027, 00:30 in Oslo is still 19 October in UTC; winter time begins 31 October.
    arrived = oslo(2027, 10, 20, 0, 30).astimezone(UTC)
    assert arrived.date() == date(2027, 10, 19)
    deadline = feedback.receipt_deadline(arrived)
    assert deadline.astimezone(OSLO).date() == date(2027, 11, 10)
    assert deadline.astimezone(UTC) == datetime(2027, 11, 10, 22, 59, 59, 999999, tzinfo=UTC)


def steps(**overrides: object) -> feedback.Feedback:
    values: dict[str, object] = {
        "handled_by_service": False, "professional": True,
        "receipt_deadline": datetime.combine(date(2027, 3, 31), time.max, tzinfo=OSLO),
        "acknowledged_at": None,
        "investigation_opened": None, "decided_on": None, "outcome": None, "ended_on": None,
    }
    return feedback.Feedback(**{**values, **overrides})  # type: ignore[arg-type]


def test_the_next_step_follows_the_law_for_each_reporter():
    acknowledged = oslo(2027, 3, 12, 9, 0)
    assert steps().next_step == "receipt"
    assert steps(acknowledged_at=acknowledged).next_step == "decision"
    assert steps(acknowledged_at=acknowledged, professional=False).next_step is None
    assert steps(acknowledged_at=acknowledged, investigation_opened=True).next_step == "outcome"
    assert steps(acknowledged_at=acknowledged, investigation_opened=False).next_step is None
    assert steps(handled_by_service=True).next_step is None
    # An investigation still running has no deadline yet: its 3 weeks start when it ends.
    assert steps(acknowledged_at=acknowledged, investigation_opened=True).deadline is None


def test_overdue_only_after_the_last_moment_of_the_deadline_day():
    waiting = steps(acknowledged_at=oslo(2027, 3, 12, 9, 0))
    assert not waiting.overdue(oslo(2027, 3, 31, 23, 59, 59))
    assert waiting.overdue(oslo(2027, 4, 1, 0, 0, 1))
