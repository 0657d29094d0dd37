"""What the intake team does with envelopes, always within their own service.

Every function takes the service id, and an envelope of another service is treated exactly
like one that does not exist. Envelopes still on their way (accepted, not yet delivered) are
not in the inbox either.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, or_, select, update
from sqlalchemy.orm import Session

from database import utcnow
from routing import feedback
from routing.directory import NORWAY
from routing.envelope_file import ENVELOPE_ID_RE
from routing.models import Envelope, EnvelopeState, Service

VISIBLE_STATES = (
    EnvelopeState.DELIVERED,
    EnvelopeState.DOWNLOADED,
    EnvelopeState.ACKNOWLEDGED,
    EnvelopeState.FAILED,
)
# Highlight a report due in this many days or fewer (or overdue) that nobody has acknowledged.
DUE_SOON_DAYS = 2


@dataclass(frozen=True)
class Row:
    """One line of the inbox list: what the team needs, none of it secret."""

    id: str
    reference: str
    received_at: datetime
    review_deadline: datetime
    state: str
    downloaded: bool
    acknowledged: bool
    # Calendar days in Norway until the deadline's date: 0 on the day, negative once past; None
    # once acknowledged, when the deadline no longer asks anything of the team.
    days_left: int | None
    due_soon: bool
    overdue: bool
    # The next feedback step to the reporter ("receipt", "decision", "outcome" or None: nothing
    # owed now) and its deadline, counted down like the review deadline (routing/feedback.py).
    feedback_step: str | None = None
    feedback_deadline: datetime | None = None
    feedback_days_left: int | None = None
    feedback_due_soon: bool = False
    feedback_overdue: bool = False


def _in_inbox(service_id: str) -> ColumnElement[bool]:
    return (Envelope.service_id == service_id) & or_(
        Envelope.delivered_at.is_not(None), Envelope.state.in_(VISIBLE_STATES)
    )


def list_for_service(
    session: Session, service_id: str, now: datetime | None = None, state: str | None = None
) -> list[Row]:
    """The service's delivered envelopes, newest first; only those in `state` if given."""
    now = now or utcnow()
    query = select(Envelope).where(_in_inbox(service_id))
    if state is not None:
        query = query.where(Envelope.state == state)
    envelopes = session.scalars(query.order_by(Envelope.created_at.desc(), Envelope.id))
    service = session.get(Service, service_id)
    return [_row(envelope, now, service) for envelope in envelopes]


def count_not_downloaded(session: Session, service_id: str) -> int:
    return session.scalar(
        select(func.count())
        .select_from(Envelope)
        .where(_in_inbox(service_id), Envelope.downloaded_at.is_(None))
    ) or 0


def days_left(deadline: datetime, now: datetime) -> int:
    """Days from today to the deadline's date, both as dates in Norway. A time limit counted in
    days runs to the end of its last day, so the whole deadline day is "due today"."""
    return (deadline.astimezone(NORWAY).date() - now.astimezone(NORWAY).date()).days


def _row(envelope: Envelope, now: datetime, service: Service | None = None) -> Row:
    acknowledged = envelope.acknowledged_at is not None
    left = None if acknowledged else days_left(envelope.review_deadline, now)
    steps = feedback.of(envelope, service) if service is not None else None
    feedback_deadline = steps.deadline if steps is not None else None
    feedback_left = days_left(feedback_deadline, now) if feedback_deadline is not None else None
    return Row(
        id=envelope.id,
        reference=envelope.reference,
        received_at=envelope.created_at,
        review_deadline=envelope.review_deadline,
        state=envelope.state,
        downloaded=envelope.downloaded_at is not None,
        acknowledged=acknowledged,
        days_left=left,
        due_soon=left is not None and left <= DUE_SOON_DAYS,
        overdue=left is not None and left < 0,
        feedback_step=steps.next_step if steps is not None else None,
        feedback_deadline=feedback_deadline,
        feedback_days_left=feedback_left,
        feedback_due_soon=feedback_left is not None
        and feedback_left < feedback.REMIND_WORKING_DAYS,
        feedback_overdue=feedback_left is not None and feedback_left < 0,
    )


def own_envelope(session: Session, service_id: str, envelope_id: str) -> Envelope | None:
    """The envelope if it is in this service's inbox; None for anything else."""
    if not ENVELOPE_ID_RE.fullmatch(envelope_id):
        return None  # a typed or forged address; PostgreSQL would refuse a NUL in it outright
    return session.scalar(
        select(Envelope).where(Envelope.id == envelope_id, _in_inbox(service_id))
    )


def mark_downloaded(session: Session, envelope: Envelope, now: datetime | None = None) -> None:
    """Record the first download; a delivered envelope becomes downloaded (later states stay)."""
    now = now or utcnow()
    session.execute(
        update(Envelope)
        .where(Envelope.id == envelope.id, Envelope.downloaded_at.is_(None))
        .values(downloaded_at=now)
    )
    session.execute(
        update(Envelope)
        .where(Envelope.id == envelope.id, Envelope.state == EnvelopeState.DELIVERED)
        .values(state=EnvelopeState.DOWNLOADED)
    )


def acknowledge(session: Session, envelope: Envelope, now: datetime | None = None) -> bool:
    """Record that the team has taken the report in; True the first time, False after."""
    result = session.execute(
        update(Envelope)
        .where(Envelope.id == envelope.id, Envelope.acknowledged_at.is_(None))
        .values(acknowledged_at=now or utcnow(), state=EnvelopeState.ACKNOWLEDGED)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
