"""A sign-in attempt, step by step: the password, then the code from the authenticator app (or,
at the first sign-in, setting the app up and choosing one's own password). Each failure counts
toward a lockout of the typed username for the client that typed it; each outcome is audited.
Plain functions with the time passed in; the view only turns the outcome into a page."""

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


@dataclass(frozen=True)
class Attempt:
    """Who is trying from where: the application's secret and the client's keyed token
    (rate_limits.client_token), never its address."""

    secret_key: str
    client: str

    def digest(self, username: str) -> str:
        return lockout.attempt_digest(self.secret_key, username, self.client)


def password_step(
    session: Session, attempt: Attempt, username: str, password: str, now: datetime
) -> Outcome:
    """The user whose password this is, unless the name is locked for this client. The same
    outcome for an unknown username as for a wrong password, locked or not."""
    name = auth.normalise_username(username)
    digest = attempt.digest(name)
    refused = _refuse_if_locked(session, digest, now)
    if refused:
        return refused
    user = auth.authenticate(session, name, password)
    if user is not None:
        return Outcome(user)
    auth.audit(session, "sign-in-failed")
    return _count_failure(session, digest, now, _known(session, name))


def code_step(
    session: Session, attempt: Attempt, user: IntakeUser, code: str, now: datetime
) -> Outcome:
    """Signed in if the code is right for the user's app and unused."""
    digest = attempt.digest(user.username)
    refused = _refuse_if_locked(session, digest, now)
    if refused:
        return refused
    if not second_factor.check_code(user, code, now):
        auth.audit(session, "sign-in-code-failed", user=user)
        return _count_failure(session, digest, now, user)
    lockout.clear(session, digest)
    auth.audit(session, "sign-in", user=user)
    return Outcome(user)


def enrol_step(
    session: Session,
    attempt: Attempt,
    user: IntakeUser,
    secret: str,
    code: str,
    new_password: str | None,
    now: datetime,
) -> Outcome:
    """Signed in if the code is right for the key this session showed: that key becomes the
    user's, and a password somebody else chose is replaced by the user's own. The caller ends
    every other session of the user (whoever saw the old password or another key is out)."""
    digest = attempt.digest(user.username)
    refused = _refuse_if_locked(session, digest, now)
    if refused:
        return refused
    if user.password_is_initial and not new_password:
        raise ValueError("an initial password must be replaced at enrolment")
    if not second_factor.confirm(user, secret, code, now):
        auth.audit(session, "sign-in-code-failed", user=user)
        return _count_failure(session, digest, now, user)
    auth.audit(session, "authenticator-enrolled", user=user)
    if new_password:
        auth.set_own_password(user, new_password)
        auth.audit(session, "password-changed", user=user)
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
