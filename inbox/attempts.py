"""A sign-in attempt, step by step: the password, then the code from the authenticator app.
Each failure counts toward a lockout of the typed username; each outcome is audited. Plain
functions with the time passed in; the view only turns the outcome into a page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from inbox import auth, lockout, second_factor
from inbox.models import IntakeUser


@dataclass(frozen=True)
class Outcome:
    """The user if the step succeeded; else how many minutes are left if the name is locked."""

    user: IntakeUser | None = None
    locked_minutes: int | None = None


def password_step(
    session: Session, secret_key: str, username: str, password: str, now: datetime
) -> Outcome:
    """The user whose password this is, unless the name is locked. The same outcome for an
    unknown username as for a wrong password, locked or not."""
    name = auth.normalise_username(username)
    digest = lockout.username_digest(secret_key, name)
    refused = _refuse_if_locked(session, digest, now)
    if refused:
        return refused
    user = auth.authenticate(session, name, password)
    if user is not None:
        return Outcome(user)
    auth.audit(session, "sign-in-failed")
    return _count_failure(session, digest, now, _known(session, name))


def code_step(
    session: Session, secret_key: str, user: IntakeUser, code: str, now: datetime
) -> Outcome:
    """Signed in if the code is right and unused (when enrolling, this also confirms the app)."""
    digest = lockout.username_digest(secret_key, user.username)
    refused = _refuse_if_locked(session, digest, now)
    if refused:
        return refused
    enrolling = not second_factor.is_enrolled(user)
    if not second_factor.check_code(user, code, now):
        auth.audit(session, "sign-in-code-failed", user=user)
        return _count_failure(session, digest, now, user)
    if enrolling:
        auth.audit(session, "authenticator-enrolled", user=user)
    lockout.clear(session, digest)
    auth.audit(session, "sign-in", user=user)
    return Outcome(user)


def _refuse_if_locked(session: Session, digest: str, now: datetime) -> Outcome | None:
    until = lockout.locked_until(session, digest, now)
    if until is None:
        return None
    auth.audit(session, "sign-in-while-locked")
    return Outcome(locked_minutes=lockout.minutes_left(until, now))


def _count_failure(
    session: Session, digest: str, now: datetime, user: IntakeUser | None
) -> Outcome:
    if not lockout.record_failure(session, digest, now):
        return Outcome()
    # Named when the name is a user's, so their service's administrator sees it; the person
    # trying is told the same either way.
    auth.audit(session, "locked-out", subject=user)
    return Outcome(locked_minutes=lockout.minutes_left(now + lockout.LOCK_DURATION, now))


def _known(session: Session, username: str) -> IntakeUser | None:
    return session.scalar(select(IntakeUser).where(IntakeUser.username == username))
