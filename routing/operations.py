"""What an operator needs to see: how many envelopes each service has in each state, the
oldest one nobody has acknowledged, and whether anything is stuck or failed. Counts and times
only; nothing here reads a report."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from database import utcnow
from routing.models import Envelope, EnvelopeState, Service

UNACKNOWLEDGED = (EnvelopeState.ACCEPTED, EnvelopeState.DELIVERED, EnvelopeState.DOWNLOADED,
                  EnvelopeState.FAILED)


@dataclass
class ServiceStatus:
    service_id: str
    name: str
    counts: dict[str, int] = field(default_factory=dict)
    oldest_unacknowledged: datetime | None = None


def status_by_service(session: Session) -> list[ServiceStatus]:
    """Services that have any envelope, with counts per state; the most urgent first."""
    rows = session.execute(
        select(Envelope.service_id, Envelope.state, func.count())
        .group_by(Envelope.service_id, Envelope.state)
    ).all()
    oldest = dict(
        session.execute(
            select(Envelope.service_id, func.min(Envelope.created_at))
            .where(Envelope.state.in_(UNACKNOWLEDGED))
            .group_by(Envelope.service_id)
        ).all()
    )
    names = dict(session.execute(select(Service.id, Service.name)).all())
    statuses: dict[str, ServiceStatus] = {}
    for service_id, state, count in rows:
        status = statuses.setdefault(
            service_id, ServiceStatus(service_id, names.get(service_id, service_id)))
        status.counts[state] = count
    for status in statuses.values():
        status.oldest_unacknowledged = oldest.get(status.service_id)
    far_future = datetime.max.replace(tzinfo=utcnow().tzinfo)
    return sorted(statuses.values(),
                  key=lambda s: (s.oldest_unacknowledged or far_future, s.service_id))


def health(session: Session, stuck_after: timedelta, now: datetime | None = None) -> dict[str, object]:
    """Whole-system figures for monitoring, with no per-service detail (the endpoint is open to
    the load balancer, and which municipalities receive reports is nobody else's business)."""
    now = now or utcnow()
    stuck = session.scalar(
        select(func.count()).select_from(Envelope).where(
            Envelope.state == EnvelopeState.ACCEPTED, Envelope.created_at < now - stuck_after)
    ) or 0
    failed = session.scalar(
        select(func.count()).select_from(Envelope).where(Envelope.state == EnvelopeState.FAILED)
    ) or 0
    overdue = session.scalar(
        select(func.count()).select_from(Envelope).where(
            Envelope.state.in_(UNACKNOWLEDGED), Envelope.review_deadline < now)
    ) or 0
    return {
        "status": "ok" if not (stuck or failed or overdue) else "attention",
        "stuck_in_accepted": stuck,
        "failed": failed,
        "past_review_deadline": overdue,
    }
