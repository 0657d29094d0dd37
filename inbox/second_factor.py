"""The second factor of an intake user: enrolling an authenticator app, checking its codes,
and resetting it (a lost phone). Plain functions over the user row, with the time passed in.

The key shown while enrolling is not the user's until a code from it is confirmed: it belongs to
the browser session that showed it (inbox/signin.py keeps it there), and another session is
shown a key of its own. So whoever sees a key that the user does not confirm holds nothing.
"""

from __future__ import annotations

from datetime import datetime

from inbox import totp
from inbox.models import IntakeUser

ISSUER = "Bekymringsmelding innboks"


def is_enrolled(user: IntakeUser) -> bool:
    return user.totp_secret is not None and user.totp_confirmed_at is not None


def check_code(user: IntakeUser, code: str, now: datetime) -> bool:
    """True, and the code's step remembered, if the code is right for the user's confirmed key
    and not used before."""
    if not is_enrolled(user):
        return False
    step = totp.matching_step(user.totp_secret or "", code, now.timestamp(), user.totp_last_step)
    if step is None:
        return False
    user.totp_last_step = step
    return True


def confirm(user: IntakeUser, secret: str, code: str, now: datetime) -> bool:
    """Enrolment: if the code is right for the key this session showed, that key becomes the
    user's (and the code's step counts as used)."""
    if is_enrolled(user):
        return False
    step = totp.matching_step(secret, code, now.timestamp(), None)
    if step is None:
        return False
    user.totp_secret, user.totp_confirmed_at, user.totp_last_step = secret, now, step
    return True


def reset(user: IntakeUser) -> None:
    """Forget the key; the user enrols a new app at their next sign-in."""
    user.totp_secret = None
    user.totp_confirmed_at = None
    user.totp_last_step = None


def provisioning_uri(user: IntakeUser, secret: str) -> str:
    return totp.provisioning_uri(secret, user.username, ISSUER)
