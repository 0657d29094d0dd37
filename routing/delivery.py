"""Delivery: moving an accepted envelope into its service's inbox, marking it failed when the
tries run out (it stays in the inbox), and what the reconciler needs to make sure nothing stays
behind when the queue loses a job.

Plain functions over a session; `routing.jobs` wraps them for RQ.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, case, func, or_, select, update
from sqlalchemy.orm import Session

from database import utcnow
from routing.models import Envelope, EnvelopeState, Service

log = logging.getLogger(__name__)


def in_inbox() -> ColumnElement[bool]:
    """Envelopes the service has: every one that left `accepted`, by delivery or by failing.
    A failed envelope is still the service's to download and acknowledge (the inbox shows it
    too), so the team is told of it and a pulling case system is offered it."""
    return Envelope.state != EnvelopeState.ACCEPTED


# The tables' columns, for statements the worker runs for every report: a table statement
# skips the ORM's bulk UPDATE machinery, which cost the worker a tenth of its CPU per delivery.
_ENVELOPE = Envelope.__table__.c
_SERVICE = Service.__table__.c


def settled_state(envelope: Any = Envelope) -> ColumnElement[str]:
    """The state an envelope has once delivered, from what the team has done with it. A failure
    sets the state aside for a while; recomputing it from the times loses nothing the team did.
    `envelope`: the mapped class, or the table's columns for a table statement."""
    return case(
        (envelope.acknowledged_at.is_not(None), EnvelopeState.ACKNOWLEDGED.value),
        (envelope.downloaded_at.is_not(None), EnvelopeState.DOWNLOADED.value),
        else_=EnvelopeState.DELIVERED.value,
    )


def has_push_endpoint() -> ColumnElement[bool]:
    """`channels.pushes(service)` in SQL: a push URL, and a secret to sign with or the name of
    the environment variable that holds it (an empty string counts as none)."""

    def given(column: ColumnElement[str | None]) -> ColumnElement[bool]:
        return func.coalesce(column, "") != ""

    return and_(given(_SERVICE.push_url),
                or_(given(_SERVICE.push_secret_env), given(_SERVICE.push_secret)))


# Built once: every report's delivery runs it. It answers, in the same round trip, whether the
# envelope's service has a push endpoint, so that delivering for a service without one (most)
# is one statement.
_DELIVER = (
    update(Envelope.__table__)
    .where(_ENVELOPE.id == bindparam("envelope_id"), _ENVELOPE.delivered_at.is_(None))
    .values(
        state=settled_state(_ENVELOPE),
        delivered_at=bindparam("now", type_=_ENVELOPE.delivered_at.type),
        delivery_attempts=_ENVELOPE.delivery_attempts + 1,
    )
    .returning(
        select(has_push_endpoint())
        .where(_SERVICE.id == _ENVELOPE.service_id)
        .scalar_subquery()
    )
)


@dataclass(frozen=True)
class Delivered:
    """An envelope that one call of `deliver_envelope` delivered to the inbox."""

    # Whether its service has a push endpoint: then `channels.open_push` has work to do.
    service_pushes: bool


def deliver_envelope(
    session: Session, envelope_id: str, now: datetime | None = None
) -> Delivered | None:
    """Mark the envelope delivered to the built-in inbox. None if it was not this call that
    delivered it (an earlier one did, or there is no such envelope).

    Idempotent: the state change is conditional, so a job that runs twice (a re-enqueue by the
    reconciler, a worker killed after the commit) delivers once. An envelope whose delivery had
    failed is delivered too, keeping what the team did with it meanwhile (downloaded,
    acknowledged: it was in their inbox all along).
    """
    now = now or utcnow()
    row = session.execute(_DELIVER, {"envelope_id": envelope_id, "now": now}).first()
    if row is None:
        return None
    log.info("delivered envelope %s to inbox", envelope_id)
    return Delivered(service_pushes=bool(row[0]))


def deliver(session: Session, envelope_id: str, now: datetime | None = None) -> bool:
    """`deliver_envelope`: True if this call delivered the envelope."""
    return deliver_envelope(session, envelope_id, now) is not None


def mark_failed(session: Session, envelope_id: str, now: datetime | None = None) -> str | None:
    """The inbox delivery ran out of tries: the envelope becomes `failed` (and so shows in the
    inbox, where the team can still download it). Its service's id, or None if it had been
    delivered meanwhile (nothing to do)."""
    changed = session.execute(
        update(Envelope)
        .where(Envelope.id == envelope_id, Envelope.state == EnvelopeState.ACCEPTED)
        .values(state=EnvelopeState.FAILED, failed_at=now or utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    if not changed:
        return None
    return session.scalar(select(Envelope.service_id).where(Envelope.id == envelope_id))


def mark_channel_failed(session: Session, envelope_id: str, now: datetime | None = None) -> bool:
    """Another channel (the push) ran out of tries. The envelope becomes `failed` unless the
    team has already acknowledged it: then the report is in their hands, and the failure shows
    on the channel alone."""
    changed = session.execute(
        update(Envelope)
        .where(
            Envelope.id == envelope_id,
            Envelope.state.in_((EnvelopeState.DELIVERED, EnvelopeState.DOWNLOADED)),
        )
        .values(state=EnvelopeState.FAILED, failed_at=now or utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    return bool(changed)


def recover(session: Session, envelope_id: str) -> bool:
    """A channel that had failed has now delivered: a failed envelope already in its inbox gets
    its state back from the times (an inbox failure is recovered by `deliver`)."""
    changed = session.execute(
        update(Envelope)
        .where(
            Envelope.id == envelope_id,
            Envelope.state == EnvelopeState.FAILED,
            Envelope.delivered_at.is_not(None),
        )
        .values(state=settled_state())
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    return bool(changed)


def stuck_envelopes(
    session: Session, older_than: timedelta, now: datetime | None = None
) -> list[str]:
    """Ids of envelopes accepted longer ago than `older_than` and still not delivered.

    Failed envelopes are not among them: their tries ran out, the operators were alerted, and
    they are in the inbox; re-enqueueing them here would only fail them again every few minutes
    (`flask routing redeliver` tries again once the cause is fixed)."""
    cutoff = (now or utcnow()) - older_than
    return list(
        session.scalars(
            select(Envelope.id)
            .where(Envelope.state == EnvelopeState.ACCEPTED, Envelope.created_at < cutoff)
            .order_by(Envelope.created_at)
        )
    )


def failed_deliveries(session: Session, envelope_id: str | None = None) -> list[str]:
    """Envelopes never delivered to the inbox though no longer accepted: their delivery failed
    (the team may have downloaded or acknowledged them since). One, or all, oldest first."""
    query = select(Envelope.id).where(
        Envelope.delivered_at.is_(None), Envelope.state != EnvelopeState.ACCEPTED
    )
    if envelope_id is not None:
        query = query.where(Envelope.id == envelope_id)
    return list(session.scalars(query.order_by(Envelope.created_at, Envelope.id)))
