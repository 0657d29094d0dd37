"""Reading a service's audit log: who did what, when, and to which report or user. Only ids,
names of users and references; never report content, never an IP address."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from inbox.models import AuditEntry, IntakeUser
from routing.models import Envelope

CSV_HEADER = ("time_utc", "user", "action", "subject_user", "report_reference", "envelope_id")


@dataclass(frozen=True)
class LogRow:
    at: datetime
    username: str | None
    action: str
    subject_username: str | None
    reference: str | None
    envelope_id: str | None


def entries_for_service(
    session: Session, service_id: str, limit: int | None = None
) -> list[LogRow]:
    """The service's entries, newest first."""
    actor, subject = aliased(IntakeUser), aliased(IntakeUser)
    query = (
        select(AuditEntry.at, actor.username, AuditEntry.action, subject.username,
               Envelope.reference, AuditEntry.envelope_id)
        .outerjoin(actor, actor.id == AuditEntry.user_id)
        .outerjoin(subject, subject.id == AuditEntry.subject_user_id)
        # The envelope's own service must match too: an entry can never name another's report.
        .outerjoin(Envelope, (Envelope.id == AuditEntry.envelope_id)
                   & (Envelope.service_id == AuditEntry.service_id))
        .where(AuditEntry.service_id == service_id)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(limit)
    )
    return [LogRow(*row) for row in session.execute(query)]


def to_csv(rows: Iterable[LogRow]) -> str:
    """UTF-8 CSV with a header row. Every value is ours (an ISO time, an action name, a username
    of a-z0-9._@- that cannot start with = + - @, a reference of A-Z0-9), so no cell can be
    read as a spreadsheet formula."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for row in rows:
        writer.writerow((row.at.isoformat(timespec="seconds"), row.username or "", row.action,
                         row.subject_username or "", row.reference or "", row.envelope_id or ""))
    return out.getvalue()
