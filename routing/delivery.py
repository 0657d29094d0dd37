"""Delivery: moving an accepted envelope into its service's inbox, and the reconciler that
makes sure nothing stays behind when the queue loses a job.

Plain functions over a session; `routing.jobs` wraps them for RQ.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from database import utcnow
from routing.models import Envelope, EnvelopeState

log = logging.getLogger(__name__)


def deliver(session: Session, envelope_id: str, now: datetime | None = None) -> bool:
    """Mark the envelope delivered to the built-in inbox. True if this call delivered it.

    Idempotent: the state change is conditional, so a job that runs twice (a re-enqueue by the
    reconciler, a worker killed after the commit) delivers once.
    """
    now = now or utcnow()
    result = session.execute(
        update(Envelope)
        .where(Envelope.id == envelope_id, Envelope.state == EnvelopeState.ACCEPTED)
        .values(
            state=EnvelopeState.DELIVERED,
            delivered_at=now,
            delivery_attempts=Envelope.delivery_attempts + 1,
        )
    )
    delivered = result.rowcount == 1  # type: ignore[attr-defined]
    if delivered:
        log.info("delivered envelope %s to inbox", envelope_id)
    return delivered


def stuck_envelopes(session: Session, older_than: timedelta, now: datetime | None = None) -> list[str]:
    """Ids of envelopes accepted longer ago than `older_than` and still not delivered."""
    cutoff = (now or utcnow()) - older_than
    return list(
        session.scalars(
            select(Envelope.id)
            .where(Envelope.state == EnvelopeState.ACCEPTED, Envelope.created_at < cutoff)
            .order_by(Envelope.created_at)
        )
    )
