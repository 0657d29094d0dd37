"""Feedback to reporters, as barnevernsloven requires (old § 6-7 a; § 13-4 in the 2021 act is
still unverified against Lovdata. The rules and their sources are in
../shared/research/domain-norway.md, "Feedback to reporters").

Every reporter gets confirmation of receipt within 3 weeks: the team acknowledging the report
is that confirmation, and the reporter sees it on the status page. A reporter with the duty to
report (a professional) is also told whether an investigation was opened, and, within 3 weeks
of an investigation ending, whether it was closed or the child is followed up. Nothing more is
kept than what the status page shows: dates and the two outcomes. A service whose own case
system gives the feedback (`Service.handles_feedback`) is neither asked nor reminded.

Three weeks are calendar weeks in Norway: the deadline is the end of the Norwegian calendar day
21 days after the day of arrival, whatever the clocks did in between (as `working_days` counts
the review deadline, the day of arrival does not count).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import ColumnElement, and_, false, func, or_, select, update
from sqlalchemy.orm import Session

from database import utcnow
from routing.delivery import in_inbox
from routing.models import Envelope, Service
from routing.working_days import OSLO, add_working_days

WEEKS = 3
# The team's mail names deadlines that fall within this many working days.
REMIND_WORKING_DAYS = 5


class Outcome(enum.StrEnum):
    """The law's two words for how an investigation ended."""

    CLOSED = "closed"  # henlagt
    FOLLOWED_UP = "followed-up"  # barnet følges opp


class NotOwed(Exception):
    """The step cannot be recorded for this report: the law does not give it to this reporter,
    the service gives feedback itself, the step before is missing or this one is recorded."""


class BadDate(ValueError):
    """A date before the report arrived or after today."""


def deadline_after(day: date) -> datetime:
    """The end (Norwegian time) of the day 3 calendar weeks after `day`."""
    # Norway changes clocks at 01:00 UTC, never near midnight, so this wall time always exists.
    return datetime.combine(day + timedelta(weeks=WEEKS), time.max, tzinfo=OSLO)


def receipt_deadline(received_at: datetime) -> datetime:
    """Confirmation of receipt, and for a professional whether an investigation was opened, is
    due 3 weeks from the day the report arrived (accepted: the earlier of our two timestamps, as
    for the review deadline)."""
    return deadline_after(received_at.astimezone(OSLO).date())


def oslo_today(now: datetime) -> date:
    return now.astimezone(OSLO).date()


@dataclass(frozen=True)
class Feedback:
    """What the inbox and the status page know of one report's feedback."""

    handled_by_service: bool  # the service's case system gives it; nothing asked here
    professional: bool
    receipt_deadline: datetime
    acknowledged_at: datetime | None
    investigation_opened: bool | None
    decided_on: date | None
    outcome: str | None
    ended_on: date | None

    @property
    def next_step(self) -> str | None:
        """What the team is asked for next: "receipt" (acknowledge), "decision", "outcome", or
        None (nothing owed, or all done)."""
        if self.handled_by_service:
            return None
        if self.acknowledged_at is None:
            return "receipt"
        if not self.professional:
            return None
        if self.investigation_opened is None:
            return "decision"
        if self.investigation_opened and self.outcome is None:
            return "outcome"
        return None

    @property
    def deadline(self) -> datetime | None:
        """The next step's deadline; None when it has none yet (an investigation still running:
        its 3 weeks start when it ends)."""
        return self.receipt_deadline if self.next_step in ("receipt", "decision") else None

    def overdue(self, now: datetime) -> bool:
        deadline = self.deadline
        return deadline is not None and now > deadline


def of(envelope: Envelope, service: Service) -> Feedback:
    return Feedback(
        handled_by_service=service.handles_feedback,
        professional=envelope.reporter_has_duty,
        receipt_deadline=receipt_deadline(envelope.created_at),
        acknowledged_at=envelope.acknowledged_at,
        investigation_opened=envelope.investigation_opened,
        decided_on=envelope.investigation_decided_on,
        outcome=envelope.investigation_outcome,
        ended_on=envelope.investigation_ended_on,
    )


# --- recording ---------------------------------------------------------------------------------


def _check_date(envelope: Envelope, on: date, now: datetime, earliest: date | None = None) -> None:
    start = max(envelope.created_at.astimezone(OSLO).date(), earliest or date.min)
    if not start <= on <= oslo_today(now):
        raise BadDate(on)


def record_decision(session: Session, envelope: Envelope, service: Service, opened: bool,
                    on: date, now: datetime | None = None) -> None:
    """Record whether an investigation was opened, and when it was decided. Only for a
    professional reporter's acknowledged report, once."""
    now = now or utcnow()
    if of(envelope, service).next_step != "decision":
        raise NotOwed(envelope.id)
    _check_date(envelope, on, now)
    # Conditional, so two team members sending the form at once record one decision.
    result = session.execute(
        update(Envelope)
        .where(Envelope.id == envelope.id, Envelope.investigation_opened.is_(None))
        .values(investigation_opened=opened, investigation_decided_on=on)
        .execution_options(synchronize_session="fetch")
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        raise NotOwed(envelope.id)


def record_outcome(session: Session, envelope: Envelope, service: Service, outcome: Outcome,
                   on: date, now: datetime | None = None) -> None:
    """Record how an opened investigation ended, and when."""
    now = now or utcnow()
    if of(envelope, service).next_step != "outcome":
        raise NotOwed(envelope.id)
    _check_date(envelope, on, now, earliest=envelope.investigation_decided_on)
    result = session.execute(
        update(Envelope)
        .where(Envelope.id == envelope.id, Envelope.investigation_opened.is_(True),
               Envelope.investigation_outcome.is_(None))
        .values(investigation_outcome=str(outcome), investigation_ended_on=on)
        .execution_options(synchronize_session="fetch")
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        raise NotOwed(envelope.id)


# --- what is due, for mail, status and /health -------------------------------------------------


def _waiting() -> ColumnElement[bool]:
    """Envelopes whose next step has the receipt deadline: not acknowledged, or a professional's
    without a decision; in the inbox, of a service that does not handle feedback itself."""
    return and_(
        in_inbox(),
        Service.handles_feedback == false(),
        or_(Envelope.acknowledged_at.is_(None),
            and_(Envelope.reporter_has_duty, Envelope.investigation_opened.is_(None))),
    )


def _before_day(day: date) -> datetime:
    """The first moment of `day` in Norway, for SQL: an envelope created before it arrived on
    an earlier Norwegian day."""
    return datetime.combine(day, time.min, tzinfo=OSLO)


def overdue_condition(now: datetime) -> ColumnElement[bool]:
    """Feedback overdue now: arrived on a Norwegian day more than 3 weeks before today."""
    last_day_in_time = oslo_today(now) - timedelta(weeks=WEEKS)
    return and_(_waiting(), Envelope.created_at < _before_day(last_day_in_time))


def due_soon_condition(now: datetime) -> ColumnElement[bool]:
    """Feedback due within the next REMIND_WORKING_DAYS working days (or overdue)."""
    horizon = add_working_days(now, REMIND_WORKING_DAYS).date()
    return and_(_waiting(),
                Envelope.created_at < _before_day(horizon - timedelta(weeks=WEEKS) + timedelta(1)))


def count_overdue(session: Session, now: datetime | None = None) -> int:
    """Whole-system count of reports whose feedback is past its deadline."""
    return session.scalar(
        select(func.count()).select_from(Envelope)
        .join(Service, Service.id == Envelope.service_id)
        .where(overdue_condition(now or utcnow()))
    ) or 0


def overdue_by_service(session: Session, now: datetime | None = None) -> dict[str, int]:
    rows = session.execute(
        select(Envelope.service_id, func.count())
        .join(Service, Service.id == Envelope.service_id)
        .where(overdue_condition(now or utcnow()))
        .group_by(Envelope.service_id)
    )
    return {service_id: count for service_id, count in rows}


@dataclass(frozen=True)
class DueSummary:
    """For a service's mail: how many feedback deadlines are near and passed, and the earliest."""

    soon: int
    overdue: int
    earliest: datetime | None


def due_summary(session: Session, service_id: str, now: datetime) -> DueSummary:
    created = list(session.scalars(
        select(Envelope.created_at)
        .join(Service, Service.id == Envelope.service_id)
        .where(Envelope.service_id == service_id, due_soon_condition(now))
    ))
    deadlines = [receipt_deadline(at) for at in created]
    overdue = sum(1 for deadline in deadlines if now > deadline)
    return DueSummary(len(deadlines) - overdue, overdue, min(deadlines, default=None))
