"""What a reporter may learn about their report later: when it was sent, when it reached the
service, when the service confirmed receiving it, and, for a professional reporter, the law's
feedback on the investigation (routing/feedback.py): dates and outcomes. Nothing else, and only
with the reference and the code shown once on the receipt: the reference alone is printed on
paper and said on the phone, so it must not be enough.

The code is random (60 bits, in an alphabet without look-alike letters); only its SHA-256 is
kept. A fast hash is enough for a random secret of that size, and the look-up is rate-limited
per client besides.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection, bindparam, select
from sqlalchemy.orm import Session

from routing import feedback
from routing.models import Envelope, Service

# No 0/O, 1/I/L, 5/S, 2/Z: a code read from a printout or over the phone survives.
ALPHABET = "346789ABCDEFGHJKMNPQRTUVWXY"
LENGTH = 13  # 27**13 ≈ 2**62
GROUP = 4


@dataclass(frozen=True)
class ReportStatus:
    reference: str
    service_name: str
    service_phone: str
    sent_at: datetime
    delivered_at: datetime | None
    acknowledged_at: datetime | None
    # The feedback the law gives this reporter; a private reporter's stops at the receipt.
    professional: bool = False
    handled_by_service: bool = False
    feedback_deadline: datetime | None = None
    investigation_opened: bool | None = None
    decided_on: date | None = None
    outcome: str | None = None
    ended_on: date | None = None


@dataclass(frozen=True)
class Receipt:
    """What the receipt page says of a report just sent."""

    reference: str
    service_name: str
    service_phone: str | None
    review_deadline: datetime
    sent_at: datetime
    delivered_at: datetime | None
    acknowledged_at: datetime | None


_RECEIPT = (
    select(Envelope.reference, Service.name, Service.phone, Envelope.review_deadline,
           Envelope.created_at, Envelope.delivered_at, Envelope.acknowledged_at)
    .join(Service, Service.id == Envelope.service_id)
    .where(Envelope.id == bindparam("envelope_id"))
)


def receipt(connection: Connection, envelope_id: str) -> Receipt | None:
    """The receipt's facts, for the reporter whose draft sent the envelope (their draft names
    it, so no code is asked): one statement, where the envelope and its service as ORM objects
    cost the receipt page a quarter of its time."""
    row = connection.execute(_RECEIPT, {"envelope_id": envelope_id}).first()
    return Receipt(*row) if row is not None else None


def _digest(code: str) -> str:
    return hashlib.sha256(b"receipt-status\x00" + code.encode("ascii")).hexdigest()


def normalise(code: str) -> str:
    """As typed: any case, spaces or dashes between the groups."""
    return "".join(ch for ch in code.upper() if ch.isascii() and ch.isalnum())


@dataclass(frozen=True)
class StatusCode:
    shown: str  # formatted for reading, on the receipt once
    digest: str  # what the envelope keeps


def new_code() -> StatusCode:
    """A new code, made before the envelope so that it is stored with the envelope's insert."""
    code = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return StatusCode("-".join(code[i:i + GROUP] for i in range(0, LENGTH, GROUP)), _digest(code))


def look_up(session: Session, reference: str, code: str) -> ReportStatus | None:
    """The status, if the reference and the code belong together; None otherwise, the same
    whether the reference is unknown or the code is wrong."""
    reference = normalise(reference)
    typed = normalise(code)
    row = session.execute(
        select(Envelope, Service).join(Service, Service.id == Envelope.service_id)
        .where(Envelope.reference == reference)
    ).first()
    expected = row[0].status_code_hash if row is not None else None
    # Compare even when there is nothing to compare with, so timing says nothing either.
    matches = hmac.compare_digest(_digest(typed) if typed.isascii() else "",
                                  expected or "0" * 64)
    if row is None or expected is None or not matches:
        return None
    envelope, service = row
    steps = feedback.of(envelope, service)
    professional = steps.professional
    return ReportStatus(
        envelope.reference, service.name, service.phone or "", envelope.created_at,
        envelope.delivered_at, envelope.acknowledged_at,
        professional=professional,
        handled_by_service=steps.handled_by_service,
        feedback_deadline=steps.receipt_deadline,
        # Never shown to a private reporter, whatever the row says: the law gives them no more.
        investigation_opened=steps.investigation_opened if professional else None,
        decided_on=steps.decided_on if professional else None,
        outcome=steps.outcome if professional else None,
        ended_on=steps.ended_on if professional else None,
    )
