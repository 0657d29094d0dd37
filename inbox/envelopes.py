"""What the intake team does with envelopes, always within their own service.

Every function takes the service id, and an envelope of another service is treated exactly
like one that does not exist. Envelopes still on their way (accepted, not yet delivered) are
not in the inbox either.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.orm import Session

from database import utcnow
from routing.models import Envelope, EnvelopeState

VISIBLE_STATES = (
    EnvelopeState.DELIVERED,
    EnvelopeState.DOWNLOADED,
    EnvelopeState.ACKNOWLEDGED,
    EnvelopeState.FAILED,
)
# Highlight a report whose review deadline is this close and that nobody has acknowledged.
DUE_SOON = timedelta(days=2)


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
    due_soon: bool
    overdue: bool


def _in_inbox(service_id: str) -> ColumnElement[bool]:
    return (Envelope.service_id == service_id) & or_(
        Envelope.delivered_at.is_not(None), Envelope.state.in_(VISIBLE_STATES)
    )


def list_for_service(session: Session, service_id: str, now: datetime | None = None) -> list[Row]:
    """The service's delivered envelopes, newest first."""
    now = now or utcnow()
    envelopes = session.scalars(
        select(Envelope)
        .where(_in_inbox(service_id))
        .order_by(Envelope.created_at.desc(), Envelope.id)
    )
    return [_row(envelope, now) for envelope in envelopes]


def _row(envelope: Envelope, now: datetime) -> Row:
    acknowledged = envelope.acknowledged_at is not None
    return Row(
        id=envelope.id,
        reference=envelope.reference,
        received_at=envelope.created_at,
        review_deadline=envelope.review_deadline,
        state=envelope.state,
        downloaded=envelope.downloaded_at is not None,
        acknowledged=acknowledged,
        due_soon=not acknowledged and envelope.review_deadline - now < DUE_SOON,
        overdue=not acknowledged and envelope.review_deadline < now,
    )


def own_envelope(session: Session, service_id: str, envelope_id: str) -> Envelope | None:
    """The envelope if it is in this service's inbox; None for anything else."""
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
