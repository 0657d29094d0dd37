"""Retention: the sealed copy of a report is kept for a set number of days after the service
acknowledged it (by then it is in the service's own case system), then its bytes are removed.

The envelope row stays (state, times, reference), so statistics and "what happened to report
X?" still have an answer; `sealed_deleted_at` says when the copy went. A report nobody has
acknowledged is never deleted, however old: losing it unread is the one thing worse than
keeping it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, exists, select, update
from sqlalchemy.orm import Session

from config import Config
from database import utcnow
from routing.housekeeping import Task
from routing.models import ChannelDelivery, ChannelState, Envelope, EnvelopeState

log = logging.getLogger(__name__)
RUN_EVERY = timedelta(hours=1)


@dataclass(frozen=True)
class Due:
    """What an operator sees about an envelope whose copy is (or would be) deleted: no content."""

    id: str
    reference: str
    service_id: str
    acknowledged_at: datetime


def _due(now: datetime, days: int) -> ColumnElement[bool]:
    if days < 0:
        raise ValueError("a retention period cannot be negative")
    return (
        (Envelope.state == EnvelopeState.ACKNOWLEDGED)
        & Envelope.acknowledged_at.is_not(None)
        & (Envelope.acknowledged_at <= now - timedelta(days=days))
        & Envelope.sealed_deleted_at.is_(None)
        # A push still trying would send an empty file: it finishes (or fails) first.
        & ~exists().where(ChannelDelivery.envelope_id == Envelope.id,
                          ChannelDelivery.state == ChannelState.PENDING)
    )


def due(session: Session, now: datetime, days: int) -> list[Due]:
    """The envelopes acknowledged at least `days` days before `now` whose copy is still here,
    oldest acknowledgement first."""
    rows = session.execute(
        select(Envelope.id, Envelope.reference, Envelope.service_id, Envelope.acknowledged_at)
        .where(_due(now, days))
        .order_by(Envelope.acknowledged_at, Envelope.id)
    )
    return [Due(*row) for row in rows]


def due_for_deletion(session: Session, now: datetime, days: int) -> list[str]:
    return [envelope.id for envelope in due(session, now, days)]


def delete_sealed_copies(session: Session, now: datetime, days: int) -> int:
    """Remove the sealed bytes of every envelope due; returns how many. One conditional update,
    so two workers running it at once delete each copy once and record one time."""
    result = session.execute(
        update(Envelope)
        .where(_due(now, days))
        .values(sealed=b"", sealed_deleted_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def housekeeping_task(config: Config) -> Task:
    """The worker's periodic task. A period counted in days needs a look once an hour."""

    def delete_expired_sealed_copies(session: Session) -> int:
        count = delete_sealed_copies(session, utcnow(), config.retention_days_after_acknowledgement)
        if count:
            log.info("retention: deleted the sealed copies of %d envelope(s)", count)
        return count

    return Task("sealed copies past retention", RUN_EVERY, delete_expired_sealed_copies)
