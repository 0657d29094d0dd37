"""Inbox sessions, kept on the server so that they can be ended.

A browser that signs in gets a random token (in Flask's signed cookie, which holds nothing else
of ours but the language); the server keeps a row with the token's hash, the user, the stage
and two times. A copy of the cookie is worth nothing once the row is gone, and the row goes when
the user signs out, when an administrator ends it, when the user's password or authenticator is
changed or reset, when the user is deactivated, after 30 minutes without a request, and 12 hours
after signing in, whichever comes first. All of it is decided here, on the server.

Between the password and the code the row is "pending" (ten minutes); while enrolling, it
also holds the authenticator key shown to this browser, encrypted with a key derived from the
token, so that neither the database nor the cookie alone reveals it.

Plain functions over the database session with the time passed in, so tests move the clock.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import nacl.exceptions
import nacl.secret
from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from inbox.models import InboxSession

# The key in Flask's session that holds the browser's token.
TOKEN_KEY = "inbox_session"
PENDING = "pending"
ACTIVE = "active"
IDLE_LIMIT = timedelta(minutes=30)
# Even when active, sign in again after a working day.
ABSOLUTE_LIMIT = timedelta(hours=12)
# Time to fetch the phone and type a code (or set up the app) after the password.
PENDING_LIMIT = timedelta(minutes=10)
# The idle clock is written at most this often: a page of requests costs one write, not many.
TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class Found:
    """The browser's session row, if it holds a live one; `expired` if it held one that ran out."""

    row: InboxSession | None
    expired: bool = False


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(session: Session, user_id: int, stage: str, now: datetime) -> str:
    """A new session row for the user; returns the token for the browser (never stored)."""
    purge_expired(session, now)
    token = secrets.token_urlsafe(32)
    session.add(InboxSession(token_hash=token_hash(token), user_id=user_id, stage=stage,
                             started_at=now, seen_at=now))
    session.flush()
    return token


def find(session: Session, token: object, now: datetime) -> Found:
    """The live session behind the browser's token. One past a limit is ended here, and reported
    as expired when it was left idle (the sign-in page says so); a token with no row (signed
    out, ended, forged) finds nothing."""
    if not isinstance(token, str) or not 20 <= len(token) <= 100:
        return Found(None)
    row = session.scalar(select(InboxSession).where(InboxSession.token_hash == token_hash(token)))
    if row is None:
        return Found(None)
    if _expired(row, now):
        session.delete(row)
        return Found(None, expired=row.stage == ACTIVE and now - row.seen_at >= IDLE_LIMIT)
    return Found(row)


def touch(row: InboxSession, now: datetime) -> bool:
    """Restart the idle clock; True if the row changed (the caller commits)."""
    if now - row.seen_at < TOUCH_EVERY:
        return False
    row.seen_at = now
    return True


def end(session: Session, token: object) -> None:
    """Sign-out: this browser's session, and only it."""
    if isinstance(token, str):
        session.execute(delete(InboxSession).where(InboxSession.token_hash == token_hash(token)))


def end_all(session: Session, user_id: int) -> int:
    """Every session of the user, pending or active; returns how many were open."""
    result = session.execute(delete(InboxSession).where(InboxSession.user_id == user_id))
    return int(result.rowcount)  # type: ignore[attr-defined]


def open_sessions(
    session: Session, user_ids: Iterable[int], now: datetime
) -> dict[int, list[InboxSession]]:
    """The users' signed-in sessions that are still live, oldest first, by user id."""
    found: dict[int, list[InboxSession]] = {}
    rows = session.scalars(
        select(InboxSession)
        .where(InboxSession.user_id.in_(list(user_ids)), InboxSession.stage == ACTIVE)
        .order_by(InboxSession.started_at, InboxSession.id)
    )
    for row in rows:
        if not _expired(row, now):
            found.setdefault(row.user_id, []).append(row)
    return found


def purge_expired(session: Session, now: datetime) -> None:
    """Rows past every limit say nothing any more; clearing them keeps the table small."""
    session.execute(delete(InboxSession).where(or_(
        InboxSession.seen_at <= now - IDLE_LIMIT,
        InboxSession.started_at <= now - ABSOLUTE_LIMIT,
        (InboxSession.stage == PENDING) & (InboxSession.started_at <= now - PENDING_LIMIT),
    )))


def keep_enrolment_secret(row: InboxSession, token: str, secret: str) -> None:
    row.enrolment_secret = nacl.secret.SecretBox(_enrolment_key(token)).encrypt(secret.encode())


def enrolment_secret(row: InboxSession, token: str) -> str | None:
    """The key this browser was shown while enrolling, or None if it was shown none yet."""
    if row.enrolment_secret is None:
        return None
    try:
        plain = nacl.secret.SecretBox(_enrolment_key(token)).decrypt(row.enrolment_secret)
    except nacl.exceptions.CryptoError:
        return None
    return plain.decode()


def _enrolment_key(token: str) -> bytes:
    # Not the stored hash (sha256 of the token): a different function of it, so the row's own
    # columns cannot open the secret.
    return hashlib.blake2b(token.encode(), key=b"inbox enrolment secret",
                           digest_size=nacl.secret.SecretBox.KEY_SIZE).digest()


def _expired(row: InboxSession, now: datetime) -> bool:
    if row.stage == PENDING:
        return now - row.started_at >= PENDING_LIMIT
    return now - row.seen_at >= IDLE_LIMIT or now - row.started_at >= ABSOLUTE_LIMIT
