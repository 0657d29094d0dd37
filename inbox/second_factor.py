"""The second factor of an intake user: enrolling an authenticator app, checking its codes,
and resetting it (a lost phone). Plain functions over the user row, with the time passed in."""

from __future__ import annotations

from datetime import datetime

from inbox import totp
from inbox.models import IntakeUser

ISSUER = "Bekymringsmelding innboks"


def is_enrolled(user: IntakeUser) -> bool:
    return user.totp_secret is not None and user.totp_confirmed_at is not None


def enrolment_secret(user: IntakeUser) -> str:
    """The key to show while enrolling: the same one until it is confirmed, so reloading the
    page does not invalidate an app that has already scanned it."""
    if is_enrolled(user):
        raise ValueError("the user has an authenticator app already")
    if user.totp_secret is None:
        user.totp_secret = totp.new_secret()
    return user.totp_secret


def check_code(user: IntakeUser, code: str, now: datetime) -> bool:
    """True, and the code's step remembered, if the code is right and not used before. During
    enrolment a right code also confirms the key."""
    if user.totp_secret is None:
        return False
    step = totp.matching_step(user.totp_secret, code, now.timestamp(), user.totp_last_step)
    if step is None:
        return False
    user.totp_last_step = step
    if user.totp_confirmed_at is None:
        user.totp_confirmed_at = now
    return True


def reset(user: IntakeUser) -> None:
    """Forget the key; the user enrols a new app at their next sign-in."""
    user.totp_secret = None
    user.totp_confirmed_at = None
    user.totp_last_step = None


def provisioning_uri(user: IntakeUser) -> str:
    return totp.provisioning_uri(enrolment_secret(user), user.username, ISSUER)


