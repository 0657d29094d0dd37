"""Time-based one-time codes (RFC 6238): 30-second steps, 6 digits, HMAC-SHA-1, what every
authenticator app computes from the key it was given at enrolment.

The codes themselves come from `pyotp`, which many others use and check; what is ours is the
rule around them: a window of one step either side, and a step whose code was accepted once is
never accepted again.
"""

from __future__ import annotations

import pyotp
from pyotp.utils import strings_equal

STEP_SECONDS = 30
DIGITS = 6
# One step either side: a phone's clock a little off, or a code typed as it changed.
WINDOW = 1


def new_secret() -> str:
    """A random 160-bit key (RFC 4226 recommends 160), base32 as the apps take it."""
    return pyotp.random_base32(32)


def time_step(now: float) -> int:
    return int(now // STEP_SECONDS)


def code_for_step(secret: str, step: int) -> str:
    """The code an app holding `secret` shows during time step `step`."""
    return _totp(secret).generate_otp(step)


def matching_step(secret: str, code: str, now: float, last_used_step: int | None) -> int | None:
    """The time step the code belongs to, or None: wrong, outside the window, or a step already
    used (a code seen over someone's shoulder cannot be replayed)."""
    code = code.strip().replace(" ", "")
    if len(code) != DIGITS or not code.isascii() or not code.isdigit():
        return None
    current = time_step(now)
    for step in range(current - WINDOW, current + WINDOW + 1):
        if last_used_step is not None and step <= last_used_step:
            continue
        if strings_equal(code_for_step(secret, step), code):
            return step
    return None


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    """The otpauth:// URI an authenticator app reads from a QR code or a link."""
    return _totp(secret).provisioning_uri(name=account, issuer_name=issuer)


def _totp(secret: str) -> pyotp.TOTP:
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)
