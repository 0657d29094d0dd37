"""Accepting a report: route it, seal it to the service's current key, store the envelope.

The plaintext document enters here and leaves sealed; nothing else in the system sees it. The
caller commits the session, and only after the commit enqueues delivery and shows a receipt.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from database import utcnow
from routing.directory import current_key, service_for
from routing.models import Envelope, EnvelopeState, Service
from sealing import seal

REPORT_SCHEMA = "concern-report/1"
# Eight characters a person can read out on the phone: no 0/O, 1/I/L or U.
REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
REFERENCE_LENGTH = 8
NORWAY = ZoneInfo("Europe/Oslo")


class CannotAccept(Exception):
    """The report cannot be sealed for anyone; the reporter must be told what to do instead."""


class NoServiceError(CannotAccept):
    def __init__(self, municipality_number: str) -> None:
        super().__init__(f"no service covers municipality {municipality_number}")
        self.municipality_number = municipality_number


class NoKeyError(CannotAccept):
    def __init__(self, service: Service) -> None:
        super().__init__(f"service {service.id} has no key in force")
        self.service = service


@dataclass(frozen=True)
class Route:
    service: Service


def route(
    session: Session, municipality_number: str, now: datetime | None = None,
    district: str | None = None,
) -> Service:
    """The service that covers the municipality (or the district, when it is known and served
    separately) today, Norwegian date; or NoServiceError."""
    now = now or utcnow()
    service = service_for(session, municipality_number, now.astimezone(NORWAY).date(), district)
    if service is None:
        raise NoServiceError(municipality_number)
    return service


def new_reference(session: Session) -> str:
    while True:
        reference = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))
        if session.scalar(select(Envelope.id).where(Envelope.reference == reference)) is None:
            return reference


def accept(
    session: Session,
    document: bytes,
    municipality_number: str,
    *,
    review_days: int = 7,
    now: datetime | None = None,
    district: str | None = None,
) -> Envelope:
    """Seal `document` to the covering service's current key and add the envelope to the session.

    Sealing is unconditional: with no service or no key in force this raises, and nothing is
    stored. There is no plaintext fallback.
    """
    now = now or utcnow()
    service = route(session, municipality_number, now, district)
    key = current_key(session, service.id, now)
    if key is None:
        raise NoKeyError(service)
    envelope = Envelope(
        id=uuid.uuid4().hex,
        reference=new_reference(session),
        service_id=service.id,
        key_id=key.key_id,
        schema=REPORT_SCHEMA,
        sealed=seal(document, key.public_key),
        state=EnvelopeState.ACCEPTED,
        created_at=now,
        review_deadline=now + timedelta(days=review_days),
    )
    session.add(envelope)
    session.flush()
    return envelope
