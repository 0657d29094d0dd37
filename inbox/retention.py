"""Retention of the audit log: entries older than the configured period are deleted. The
period is the operator's to set (config.audit_retention_days): the law, not this code, says
how long who-did-what must be kept."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from config import Config
from database import utcnow
from inbox.models import AuditEntry
from routing.housekeeping import Task

log = logging.getLogger(__name__)
RUN_EVERY = timedelta(hours=1)


def delete_old_audit_entries(session: Session, now: datetime, days: int) -> int:
    """Delete entries written more than `days` days before `now`; returns how many."""
    if days < 0:
        raise ValueError("a retention period cannot be negative")
    result = session.execute(delete(AuditEntry).where(AuditEntry.at < now - timedelta(days=days)))
    return int(result.rowcount)  # type: ignore[attr-defined]


def housekeeping_task(config: Config) -> Task:
    """The worker's periodic task. A period counted in days needs a look once an hour."""

    def delete_expired_audit_entries(session: Session) -> int:
        count = delete_old_audit_entries(session, utcnow(), config.audit_retention_days)
        if count:
            log.info("retention: deleted %d audit log entries", count)
        return count

    return Task("audit entries past retention", RUN_EVERY, delete_expired_audit_entries)
