"""Time-based one-time codes (RFC 6238 over RFC 4226's HOTP): 30-second steps, 6 digits,
HMAC-SHA-1, what every authenticator app computes from the key it was given at enrolment."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
from urllib.parse import quote, urlencode

STEP_SECONDS = 30
DIGITS = 6
# One step either side: a phone's clock a little off, or a code typed as it changed.
WINDOW = 1


def new_secret() -> str:
    """A random 160-bit key (RFC 4226 recommends 160), base32 as the apps take it."""
    return base64.b32encode(secrets.token_bytes(20)).decode("ascii")


def hotp(key: bytes, counter: int, digits: int = DIGITS) -> str:
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF
    return str(number % 10**digits).zfill(digits)


def time_step(now: float) -> int:
    return int(now // STEP_SECONDS)


def matching_step(secret: str, code: str, now: float, last_used_step: int | None) -> int | None:
    """The time step the code belongs to, or None: wrong, outside the window, or a step already
    used (a code seen over someone's shoulder cannot be replayed)."""
    code = code.strip().replace(" ", "")
    if len(code) != DIGITS or not code.isascii() or not code.isdigit():
        return None
    key = base64.b32decode(secret)
    current = time_step(now)
    for step in range(current - WINDOW, current + WINDOW + 1):
        if last_used_step is not None and step <= last_used_step:
            continue
        if hmac.compare_digest(hotp(key, step), code):
            return step
    return None


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    """The otpauth:// URI an authenticator app reads from a QR code or a link."""
    query = urlencode({"secret": secret, "issuer": issuer, "algorithm": "SHA1",
                       "digits": DIGITS, "period": STEP_SECONDS})
    return f"otpauth://totp/{quote(issuer)}:{quote(account)}?{query}"
