"""Backing off a client that keeps failing to sign in as one username (a wrong password or a
wrong code): after five failures in 15 minutes, that name is locked for 15 minutes *for that
client*. The lock hits whoever is guessing, not the user: the right password and code from the
user's own client still work while a stranger elsewhere is locked out. How many names one
client may try at all is the per-client limit in rate_limits.py.

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


def attempt_digest(secret_key: str, username: str, client: str) -> str:
    """A keyed hash of the name and the client (itself a keyed hash of the address, from
    rate_limits.client_token): the table cannot be read back into names (or passwords typed as
    names) or addresses without the application's secret."""
    message = username.encode() + b"\x00" + client.encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()


def locked_until(session: Session, digest: str, now: datetime) -> datetime | None:
    """When the lock on this name for this client ends, or None if it is not locked."""
    row = session.get(SignInThrottle, digest)
    if row is None or row.locked_until is None or row.locked_until <= now:
        return None
    return row.locked_until


def record_failure(session: Session, digest: str, now: datetime) -> bool:
    """Count a failed attempt; True if this one locks the name for the client."""
    # Old rows say nothing any more; clearing them here keeps the table small.
    session.execute(
        delete(SignInThrottle).where(
            SignInThrottle.window_start < now - WINDOW - LOCK_DURATION,
            SignInThrottle.attempt_digest != digest,
        )
    )
    row = session.get(SignInThrottle, digest)
    if row is None:
        row = SignInThrottle(attempt_digest=digest, failures=0, window_start=now)
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
    session.execute(delete(SignInThrottle).where(SignInThrottle.attempt_digest == digest))


def minutes_left(until: datetime, now: datetime) -> int:
    """Whole minutes, rounded up, so the message never promises too early."""
    return max(1, math.ceil((until - now).total_seconds() / 60))
