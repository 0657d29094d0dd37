"""Accepting a report: route it, seal it to the service's current key, store the envelope.

The plaintext document enters here and leaves sealed; nothing else in the system sees it. The
caller commits the session, and only after the commit enqueues delivery and shows a receipt.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, make_transient_to_detached

from database import insert_unless_present, utcnow
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
    """A reference no envelope has yet (for callers that need one before inserting)."""
    while True:
        reference = random_reference()
        if session.scalar(_REFERENCE_TAKEN, {"reference": reference}) is None:
            return reference


def random_reference() -> str:
    return "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))


# The envelope's INSERT, which does nothing when its reference is taken (30^8 references: a
# clash is rare), so that uniqueness costs no query of its own and no savepoint: accept()
# draws another reference and inserts again. Built once per database dialect; a table
# statement, as the ORM's unit of work is not needed for one new row.
_INSERTS = insert_unless_present(Envelope.__table__, ["reference"], Envelope.__table__.c.id)
_EVERY_COLUMN_EMPTY = {column.key: None for column in Envelope.__table__.columns}


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
    if found.key_id is None or found.public_key is None:
        # The reporter is shown the service's name and phone number.
        raise NoKeyError(session.get_one(Service, found.service_id))
    values: dict[str, object] = {
        **_EVERY_COLUMN_EMPTY,
        "id": uuid.uuid4().hex,
        "service_id": found.service_id,
        "key_id": found.key_id,
        "schema": REPORT_SCHEMA,
        "sealed": seal(document, found.public_key),
        "state": EnvelopeState.ACCEPTED.value,
        "created_at": now,
        "review_deadline": now + timedelta(days=review_days),
        "delivery_attempts": 0,
        "status_code_hash": status_code_hash,
        "reporter_has_duty": reporter_has_duty,
    }
    insert = _INSERTS.get(session.get_bind().dialect.name)
    if insert is None:  # another database: look before inserting
        values["reference"] = new_reference(session)
        session.execute(Envelope.__table__.insert(), values)
    else:
        while True:
            values["reference"] = random_reference()
            if session.connection().execute(insert, values).first() is not None:
                break
    # The row as an entity of the session, known to exist, without reading it back: callers
    # read it, and may change it before they commit.
    envelope = Envelope(**values)
    make_transient_to_detached(envelope)
    session.add(envelope)
    return envelope
