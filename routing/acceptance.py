"""Accepting a report: route it, seal it to the service's current key, store the envelope.

The plaintext document enters here and leaves sealed; nothing else in the system sees it. The
caller commits the session, and only after the commit enqueues delivery and shows a receipt.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from database import utcnow
from routing.directory import service_and_key
from routing.models import Envelope, EnvelopeState, Service
from sealing import seal

REPORT_SCHEMA = "concern-report/1"
# Eight characters a person can read out on the phone: no 0/O, 1/I/L or U.
REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
REFERENCE_LENGTH = 8


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


_REFERENCE_TAKEN = select(Envelope.id).where(Envelope.reference == bindparam("reference"))


def new_reference(session: Session) -> str:
    while True:
        reference = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))
        if session.scalar(_REFERENCE_TAKEN, {"reference": reference}) is None:
            return reference


def accept(
    session: Session,
    document: bytes,
    municipality_number: str,
    *,
    review_days: int = 7,
    now: datetime | None = None,
    district: str | None = None,
    status_code_hash: str | None = None,
    reporter_has_duty: bool = False,
) -> Envelope:
    """Seal `document` to the covering service's current key and add the envelope to the session.

    Sealing is unconditional: with no service or no key in force this raises, and nothing is
    stored. There is no plaintext fallback.
    """
    now = now or utcnow()
    found = service_and_key(session, municipality_number, now, district)
    if found is None:
        raise NoServiceError(municipality_number)
    service, key = found
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
        status_code_hash=status_code_hash,
        reporter_has_duty=reporter_has_duty,
    )
    session.add(envelope)
    session.flush()
    return envelope
