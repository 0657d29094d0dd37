"""What the intake team does with envelopes, always within their own service.

Every function takes the service id, and an envelope of another service is treated exactly
like one that does not exist.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from database import utcnow
from routing.models import Envelope, EnvelopeState

VISIBLE = (
    EnvelopeState.DELIVERED,
    EnvelopeState.DOWNLOADED,
    EnvelopeState.ACKNOWLEDGED,
    EnvelopeState.FAILED,
)


def list_for_service(session: Session, service_id: str) -> list[Envelope]:
    return list(
        session.scalars(
            select(Envelope)
            .where(Envelope.service_id == service_id, Envelope.state.in_(VISIBLE))
            .order_by(Envelope.created_at.desc())
        )
    )


def own_envelope(session: Session, service_id: str, envelope_id: str) -> Envelope | None:
    return session.scalar(
        select(Envelope).where(
            Envelope.id == envelope_id,
            Envelope.service_id == service_id,
            Envelope.state.in_(VISIBLE),
        )
    )


def mark_downloaded(session: Session, envelope: Envelope, now: datetime | None = None) -> None:
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


def acknowledge(session: Session, envelope: Envelope, now: datetime | None = None) -> None:
    session.execute(
        update(Envelope)
        .where(Envelope.id == envelope.id, Envelope.acknowledged_at.is_(None))
        .values(acknowledged_at=now or utcnow(), state=EnvelopeState.ACKNOWLEDGED)
    )
