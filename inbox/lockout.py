"""Locking a username after repeated failed sign-in attempts (a wrong password or a wrong code).

Plain functions over the database session with the time passed in, so tests move the clock
by passing another `now`. Unknown usernames are counted and locked exactly like known ones.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from inbox.models import SignInThrottle

MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)
LOCK_DURATION = timedelta(minutes=15)


def username_digest(secret_key: str, username: str) -> str:
    """A keyed hash: the table cannot be read back into names (or passwords typed as names)
    without the application's secret."""
    return hmac.new(secret_key.encode(), username.encode(), hashlib.sha256).hexdigest()


def locked_until(session: Session, digest: str, now: datetime) -> datetime | None:
    """When the lock on this username ends, or None if it is not locked."""
    row = session.get(SignInThrottle, digest)
    if row is None or row.locked_until is None or row.locked_until <= now:
        return None
    return row.locked_until


def record_failure(session: Session, digest: str, now: datetime) -> bool:
    """Count a failed attempt; True if this one locks the username."""
    # Old rows say nothing any more; clearing them here keeps the table small.
    session.execute(
        delete(SignInThrottle).where(
            SignInThrottle.window_start < now - WINDOW - LOCK_DURATION,
            SignInThrottle.username_digest != digest,
        )
    )
    row = session.get(SignInThrottle, digest)
    if row is None:
        row = SignInThrottle(username_digest=digest, failures=0, window_start=now)
        session.add(row)
    elif now - row.window_start >= WINDOW and locked_until(session, digest, now) is None:
        row.failures, row.window_start, row.locked_until = 0, now, None
    row.failures += 1
    if row.failures >= MAX_FAILURES and row.locked_until is None:
        row.locked_until = now + LOCK_DURATION
        return True
    return False


def clear(session: Session, digest: str) -> None:
    """A full sign-in succeeded: earlier failures no longer count."""
    session.execute(delete(SignInThrottle).where(SignInThrottle.username_digest == digest))


def minutes_left(until: datetime, now: datetime) -> int:
    """Whole minutes, rounded up, so the message never promises too early."""
    return max(1, math.ceil((until - now).total_seconds() / 60))
