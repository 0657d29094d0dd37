"""Delivery channels besides the built-in inbox: the signed push to a service's case-management
system and the pull API its system polls. Plain functions over a session; they never commit.

The inbox always keeps the envelope: a push that fails, or a pull that never comes, changes
nothing there.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, exists, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from database import utcnow
from routing import alerts, delivery, push
from routing.envelope_file import to_file
from routing.models import ChannelDelivery, ChannelState, Envelope, Service
from routing.services_file import SERVICE_ID

log = logging.getLogger(__name__)

PUSH = "push"
PULL = "pull"


# --- push ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PushAttempt:
    """Everything one POST needs, read inside a short transaction so none is held over the
    network call."""

    envelope_id: str
    service_id: str
    url: str
    # None: the environment variable the services file names is not set in this worker.
    secret: str | None
    body: bytes
    attempt: int
    secret_env: str | None = None


def pushes(service: Service) -> bool:
    """Whether the service has a push endpoint: a URL, and a secret to sign with (or the name
    of the environment variable that holds it). The delivery statement asks the same in SQL
    (`delivery.has_push_endpoint`)."""
    return bool(service.push_url and (service.push_secret_env or service.push_secret))


def push_secret(service: Service, environ: Mapping[str, str] | None = None) -> str | None:
    """The secret to sign the service's pushes with: from the environment variable the services
    file names (read now, so a rotated secret takes effect without a reload), else the one in
    the database. None when the variable is not set."""
    if service.push_secret_env:
        value = (os.environ if environ is None else environ).get(service.push_secret_env, "")
        return value or None
    return service.push_secret


def set_push_endpoint(session: Session, service_id: str, url: str) -> str:
    """Point a service's push at `url` with a fresh secret, returned to give to the service."""
    push.check_url(url)
    service = session.get(Service, service_id)
    if service is None:
        raise LookupError(service_id)
    secret = secrets.token_urlsafe(32)
    service.push_url = url
    service.push_secret = secret
    service.push_secret_env = None
    return secret


_SERVICE_OF_ENVELOPE = select(Service).join(Envelope, Envelope.service_id == Service.id).where(
    Envelope.id == bindparam("envelope_id"))


def open_push(session: Session, envelope_id: str, now: datetime | None = None) -> bool:
    """Record a pending push for an envelope whose service has a push endpoint. True if one is
    pending now. Called in the same transaction that delivers to the inbox, so a delivered
    envelope of a pushing service always has its push row (the reconciler does the rest)."""
    service = session.scalar(_SERVICE_OF_ENVELOPE, {"envelope_id": envelope_id})
    if service is None or not pushes(service):
        return False
    existing = session.scalar(_delivery(envelope_id, PUSH))
    if existing is not None:
        return existing.state == ChannelState.PENDING
    session.add(ChannelDelivery(envelope_id=envelope_id, channel=PUSH, created_at=now or utcnow()))
    session.flush()
    return True


def start_push_attempt(session: Session, envelope_id: str) -> PushAttempt | None:
    """Count one more attempt and return what to send, or None when there is nothing to do
    (already delivered or failed, or the service no longer pushes)."""
    row = session.scalar(_delivery(envelope_id, PUSH))
    if row is None or row.state != ChannelState.PENDING:
        return None
    envelope = session.get(Envelope, envelope_id)
    service = session.get(Service, envelope.service_id) if envelope is not None else None
    if envelope is None or service is None or not pushes(service):
        row.state = ChannelState.FAILED
        if envelope is not None:
            _failed(session, envelope_id, envelope.service_id,
                    "push failed: the service has no push endpoint any more")
        return None
    # Counted before the call, so a worker killed mid-request still shows the attempt.
    row.attempts += 1
    assert service.push_url is not None
    return PushAttempt(
        envelope_id=envelope_id,
        service_id=service.id,
        url=service.push_url,
        secret=push_secret(service),
        body=to_file(envelope),
        attempt=row.attempts,
        secret_env=service.push_secret_env,
    )


def record_push_result(
    session: Session,
    attempt: PushAttempt,
    result: push.PushResult,
    final: bool,
    now: datetime | None = None,
) -> str:
    """Store the outcome and return the push delivery's state afterwards: "delivered",
    "failed", or "pending" (the caller should try again later)."""
    if result.stored:
        state = ChannelState.DELIVERED
    elif result.transient and not final:
        state = ChannelState.PENDING
    else:
        state = ChannelState.FAILED
    values: dict[str, object] = {"state": state, "last_status": result.status}
    if state == ChannelState.DELIVERED:
        values["delivered_at"] = now or utcnow()
    # Conditional, so a duplicate job that lost the race cannot undo a delivery.
    changed = session.execute(
        update(ChannelDelivery)
        .where(
            ChannelDelivery.envelope_id == attempt.envelope_id,
            ChannelDelivery.channel == PUSH,
            ChannelDelivery.state == ChannelState.PENDING,
        )
        .values(**values)
    ).rowcount  # type: ignore[attr-defined]
    if not changed:
        return str(
            session.scalar(
                select(ChannelDelivery.state).where(
                    ChannelDelivery.envelope_id == attempt.envelope_id,
                    ChannelDelivery.channel == PUSH,
                )
            )
        )
    if state == ChannelState.DELIVERED:
        log.info("pushed envelope %s to service %s", attempt.envelope_id, attempt.service_id)
        # A push that had failed and was retried: the envelope is no longer failed.
        delivery.recover(session, attempt.envelope_id)
    elif state == ChannelState.FAILED:
        # Ids and the status only: the body is sealed, but nothing of it belongs in a log or a
        # mail, nor does the URL (it may carry a credential).
        reason = "after the last try" if result.transient else "refused permanently"
        status = result.status if result.status is not None else "none (no answer)"
        why = f"; {result.note}" if result.note else ""
        _failed(session, attempt.envelope_id, attempt.service_id,
                f"push failed {reason} (status {status}, attempt {attempt.attempt}{why})", now)
    else:
        log.warning(
            "push of envelope %s to service %s: status %s, will try again",
            attempt.envelope_id,
            attempt.service_id,
            result.status if result.status is not None else "none",
        )
    return str(state)


def _failed(
    session: Session, envelope_id: str, service_id: str, detail: str,
    now: datetime | None = None,
) -> None:
    """The push ran out of tries or was refused: the envelope becomes failed (unless already
    acknowledged) and the operators are alerted; the inbox keeps it either way."""
    delivery.mark_channel_failed(session, envelope_id, now)
    alerts.envelope_failed(session, envelope_id, service_id, detail, now)


def pending_pushes(
    session: Session, older_than: timedelta, now: datetime | None = None
) -> list[str]:
    """Envelope ids whose push has been pending longer than `older_than` (for the reconciler)."""
    cutoff = (now or utcnow()) - older_than
    return list(
        session.scalars(
            select(ChannelDelivery.envelope_id)
            .where(
                ChannelDelivery.channel == PUSH,
                ChannelDelivery.state == ChannelState.PENDING,
                ChannelDelivery.created_at < cutoff,
            )
            .order_by(ChannelDelivery.created_at)
        )
    )


def reopen_failed_pushes(
    session: Session, service_id: str | None = None, envelope_id: str | None = None
) -> list[str]:
    """Set failed pushes back to pending with a fresh count of tries (after the service fixed
    its endpoint): every one, a service's, or one envelope's. Their envelope ids."""
    query = select(ChannelDelivery).where(
        ChannelDelivery.channel == PUSH, ChannelDelivery.state == ChannelState.FAILED
    )
    if envelope_id is not None:
        query = query.where(ChannelDelivery.envelope_id == envelope_id)
    if service_id is not None:
        query = query.join(Envelope, Envelope.id == ChannelDelivery.envelope_id).where(
            Envelope.service_id == service_id
        )
    reopened = []
    for row in session.scalars(query.order_by(ChannelDelivery.created_at, ChannelDelivery.id)):
        row.state = ChannelState.PENDING
        row.attempts = 0
        reopened.append(row.envelope_id)
    return reopened


def push_state(session: Session, envelope_id: str) -> ChannelDelivery | None:
    return session.scalar(_delivery(envelope_id, PUSH))


def _delivery(envelope_id: str, channel: str):  # type: ignore[no-untyped-def]
    return select(ChannelDelivery).where(
        ChannelDelivery.envelope_id == envelope_id, ChannelDelivery.channel == channel
    )


# --- pull API -----------------------------------------------------------------------------------


def issue_api_token(session: Session, service_id: str) -> str:
    """A new bearer token for the service's pull API, replacing any earlier one. Only its hash
    is stored, so this is the one time anyone sees it.

    The token starts with the service id, so checking it is a primary-key lookup followed by a
    constant-time comparison of hashes.
    """
    service = session.get(Service, service_id)
    if service is None:
        raise LookupError(service_id)
    token = f"{service_id}.{secrets.token_urlsafe(32)}"
    service.api_token_hash = _token_hash(token)
    return token


def service_for_token(session: Session, token: str) -> str | None:
    """The id of the service the token belongs to, or None."""
    service_id, dot, secret = token.rpartition(".")
    # Only an id a service could have reaches the database (PostgreSQL refuses a NUL outright).
    well_formed = dot and secret and SERVICE_ID.fullmatch(service_id)
    service = session.get(Service, service_id) if well_formed else None
    stored = service.api_token_hash if service is not None else None
    # Compare even when there is nothing to compare with, so the answer takes as long.
    matches = hmac.compare_digest(_token_hash(token), stored or "0" * 64)
    return service_id if matches and stored else None


def _token_hash(token: str) -> str:
    # A plain hash is enough: the token is 256 random bits, not a password to stretch.
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _pulled(envelope_id_column):  # type: ignore[no-untyped-def]
    return exists().where(
        ChannelDelivery.envelope_id == envelope_id_column,
        ChannelDelivery.channel == PULL,
        ChannelDelivery.state == ChannelState.DELIVERED,
    )


def new_for_api(session: Session, service_id: str) -> list[Envelope]:
    """The service's delivered envelopes its case system has not acknowledged, oldest first
    (a failed one too: it is in the inbox, and the case system should have it)."""
    return list(
        session.scalars(
            select(Envelope)
            .where(
                Envelope.service_id == service_id,
                delivery.in_inbox(),
                ~_pulled(Envelope.id),
            )
            .order_by(Envelope.created_at, Envelope.id)
        )
    )


def envelope_for_api(session: Session, service_id: str, envelope_id: str) -> Envelope | None:
    """The envelope if it is the service's and delivered; another service's is simply None."""
    return session.scalar(
        select(Envelope).where(
            Envelope.id == envelope_id,
            Envelope.service_id == service_id,
            delivery.in_inbox(),
        )
    )


def acknowledge_pull(
    session: Session, service_id: str, envelope_id: str, now: datetime | None = None
) -> datetime | None:
    """Record that the service's case system has stored the envelope. Idempotent: returns when
    it was first acknowledged, or None if the service has no such envelope."""
    if envelope_for_api(session, service_id, envelope_id) is None:
        return None
    existing = session.scalar(_delivery(envelope_id, PULL))
    if existing is None:
        try:
            # A savepoint: two acks at once meet the unique constraint, and the loser reads
            # the winner's row instead of failing the request.
            with session.begin_nested():
                existing = ChannelDelivery(
                    envelope_id=envelope_id,
                    channel=PULL,
                    state=ChannelState.DELIVERED,
                    attempts=1,
                    delivered_at=now or utcnow(),
                )
                session.add(existing)
        except IntegrityError:
            existing = session.scalar(_delivery(envelope_id, PULL))
    assert existing is not None
    return existing.delivered_at
