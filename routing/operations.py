"""What an operator needs to see: how many envelopes each service has in each state, how each
delivery channel (inbox, push, pull) is doing, the oldest report nobody has acknowledged, and
whether anything is stuck or failed. Counts, ids and times only; nothing here reads a report."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Integer, and_, case, exists, func, select
from sqlalchemy.orm import Session

from database import utcnow
from routing import feedback
from routing.delivery import in_inbox
from routing.models import ChannelDelivery, ChannelState, Envelope, EnvelopeState, Service

UNACKNOWLEDGED = (EnvelopeState.ACCEPTED, EnvelopeState.DELIVERED, EnvelopeState.DOWNLOADED,
                  EnvelopeState.FAILED)
INBOX, PUSH, PULL = "inbox", "push", "pull"


@dataclass
class ChannelCounts:
    """One channel of one service: delivered, still on its way, and given up on."""

    delivered: int = 0
    pending: int = 0
    failed: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"delivered": self.delivered, "pending": self.pending, "failed": self.failed}


@dataclass
class ServiceStatus:
    service_id: str
    name: str
    counts: dict[str, int] = field(default_factory=dict)
    # "inbox" always; "push" and "pull" when the service uses them (or once did).
    channels: dict[str, ChannelCounts] = field(default_factory=dict)
    oldest_unacknowledged: datetime | None = None
    oldest_unacknowledged_id: str | None = None
    # Reports whose feedback to the reporter is past its deadline (routing/feedback.py).
    feedback_overdue: int = 0


def _sum(condition):  # type: ignore[no-untyped-def]
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0).cast(Integer)


def status_by_service(session: Session, now: datetime | None = None) -> list[ServiceStatus]:
    """Services that have any envelope, with counts per state and per channel and the reports
    whose feedback is overdue; the most urgent (the oldest unacknowledged report) first."""
    rows = session.execute(
        select(Envelope.service_id, Envelope.state, func.count())
        .group_by(Envelope.service_id, Envelope.state)
    ).all()
    names = dict(session.execute(select(Service.id, Service.name)).all())
    statuses: dict[str, ServiceStatus] = {}
    for service_id, state, count in rows:
        status = statuses.setdefault(
            service_id, ServiceStatus(service_id, names.get(service_id, service_id)))
        status.counts[state] = count

    # The inbox, from the envelope itself: delivered once it has a delivery time; pending while
    # accepted; failed when its tries ran out before that (it is in the inbox all the same).
    for service_id, delivered, pending, failed in session.execute(
        select(
            Envelope.service_id,
            _sum(Envelope.delivered_at.is_not(None)),
            _sum(Envelope.state == EnvelopeState.ACCEPTED),
            _sum(and_(Envelope.delivered_at.is_(None), Envelope.state != EnvelopeState.ACCEPTED)),
        ).group_by(Envelope.service_id)
    ):
        statuses[service_id].channels[INBOX] = ChannelCounts(delivered, pending, failed)

    for service_id, channel, state, count in session.execute(
        select(Envelope.service_id, ChannelDelivery.channel, ChannelDelivery.state, func.count())
        .join(Envelope, Envelope.id == ChannelDelivery.envelope_id)
        .group_by(Envelope.service_id, ChannelDelivery.channel, ChannelDelivery.state)
    ):
        counts = statuses[service_id].channels.setdefault(channel, ChannelCounts())
        if state in (ChannelState.DELIVERED, ChannelState.PENDING, ChannelState.FAILED):
            setattr(counts, str(state), getattr(counts, str(state)) + count)

    # A push with no row yet is still the delivery job's; a pull is pending until the case
    # system acknowledges it, and there is no row until it does.
    pulled = exists().where(ChannelDelivery.envelope_id == Envelope.id,
                            ChannelDelivery.channel == PULL)
    for service_id, waiting in session.execute(
        select(Envelope.service_id, func.count())
        .join(Service, Service.id == Envelope.service_id)
        .where(Service.api_token_hash.is_not(None), in_inbox(), ~pulled)
        .group_by(Envelope.service_id)
    ):
        statuses[service_id].channels.setdefault(PULL, ChannelCounts()).pending = waiting
    for service in session.scalars(select(Service).where(Service.id.in_(list(statuses)))):
        if service.push_url:
            statuses[service.id].channels.setdefault(PUSH, ChannelCounts())
        if service.api_token_hash:
            statuses[service.id].channels.setdefault(PULL, ChannelCounts())

    oldest = (
        select(Envelope.service_id, func.min(Envelope.created_at).label("at"))
        .where(Envelope.state.in_(UNACKNOWLEDGED))
        .group_by(Envelope.service_id)
        .subquery()
    )
    for service_id, envelope_id, created_at in session.execute(
        select(Envelope.service_id, Envelope.id, Envelope.created_at)
        .join(oldest, and_(oldest.c.service_id == Envelope.service_id,
                           oldest.c.at == Envelope.created_at))
        .where(Envelope.state.in_(UNACKNOWLEDGED))
        .order_by(Envelope.service_id, Envelope.id)
    ):
        status = statuses[service_id]
        if status.oldest_unacknowledged_id is None:
            status.oldest_unacknowledged, status.oldest_unacknowledged_id = created_at, envelope_id

    for service_id, count in feedback.overdue_by_service(session, now).items():
        statuses[service_id].feedback_overdue = count

    far_future = datetime.max.replace(tzinfo=utcnow().tzinfo)
    return sorted(statuses.values(),
                  key=lambda s: (s.oldest_unacknowledged or far_future, s.service_id))


def age(since: datetime, now: datetime | None = None) -> str:
    """How long ago, as an operator reads it at a glance: "2 d 3 h", "5 h 12 min", "4 min"."""
    seconds = max(0, int(((now or utcnow()) - since).total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min"


def health(
    session: Session, stuck_after: timedelta, now: datetime | None = None
) -> dict[str, object]:
    """Whole-system figures for monitoring, with no per-service detail (see routing/health.py
    for why): counts, and the age of the oldest unacknowledged report in seconds."""
    now = now or utcnow()
    stuck = session.scalar(
        select(func.count()).select_from(Envelope).where(
            Envelope.state == EnvelopeState.ACCEPTED, Envelope.created_at < now - stuck_after)
    ) or 0
    failed = session.scalar(
        select(func.count()).select_from(Envelope).where(Envelope.state == EnvelopeState.FAILED)
    ) or 0
    failed_pushes = session.scalar(
        select(func.count()).select_from(ChannelDelivery).where(
            ChannelDelivery.channel == PUSH, ChannelDelivery.state == ChannelState.FAILED)
    ) or 0
    overdue = session.scalar(
        select(func.count()).select_from(Envelope).where(
            Envelope.state.in_(UNACKNOWLEDGED), Envelope.review_deadline < now)
    ) or 0
    oldest = session.scalar(
        select(func.min(Envelope.created_at)).where(Envelope.state.in_(UNACKNOWLEDGED)))
    feedback_overdue = feedback.count_overdue(session, now)
    return {
        "status": "ok" if not (stuck or failed or failed_pushes or overdue or feedback_overdue)
        else "attention",
        "stuck_in_accepted": stuck,
        "failed": failed,
        "failed_pushes": failed_pushes,
        "past_review_deadline": overdue,
        "past_feedback_deadline": feedback_overdue,
        "oldest_unacknowledged_seconds": (
            max(0, int((now - oldest).total_seconds())) if oldest is not None else None),
    }


def service_detail(session: Session, now: datetime | None = None) -> list[dict[str, object]]:
    """Per service, for the operators' monitoring: state and channel counts and the oldest
    unacknowledged envelope's id and age. Ids, counts and ages; no reference, no content."""
    now = now or utcnow()
    return [
        {
            "service_id": status.service_id,
            "states": dict(sorted(status.counts.items())),
            "channels": {name: counts.as_dict() for name, counts in status.channels.items()},
            "past_feedback_deadline": status.feedback_overdue,
            "oldest_unacknowledged": None if status.oldest_unacknowledged is None else {
                "envelope_id": status.oldest_unacknowledged_id,
                "age_seconds": max(0, int((now - status.oldest_unacknowledged).total_seconds())),
            },
        }
        for status in status_by_service(session, now)
    ]
