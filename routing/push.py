"""Signed push: one HTTP POST of an envelope file to a service's case-management system.

No database and no queue here; `routing.channels` records the outcome and `routing.jobs`
retries. The body is the sealed envelope file, so nothing readable ever leaves; the signature
lets the receiver check the file came from us and is fresh.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlsplit

TIMEOUT_SECONDS = 10.0
SIGNATURE_PREFIX = "sha256="
# Statuses worth trying again: the receiver is busy, overloaded or was too slow to read.
TRANSIENT_STATUSES = {408, 429}
USER_AGENT = "concern-report-push/1"


@dataclass(frozen=True)
class PushResult:
    """What the receiver said: `status` None means no HTTP answer (refused, timed out)."""

    status: int | None
    transient: bool
    # Why, when there was no HTTP answer for a reason of our own (for the operators' alert).
    note: str = ""

    @property
    def stored(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """`sha256=<hex>` over "<timestamp>.<body>": the timestamp is signed so a captured request
    cannot be replayed later with a fresh one."""
    mac = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256)
    return SIGNATURE_PREFIX + mac.hexdigest()


def verify(secret: str, timestamp: str, body: bytes, header: str) -> bool:
    """What a receiver does (and the tests): constant-time comparison of the signature."""
    return hmac.compare_digest(signature(secret, timestamp, body), header)


def headers(envelope_id: str, secret: str, body: bytes, now: float | None = None) -> dict[str, str]:
    timestamp = str(int(time.time() if now is None else now))
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        # Also the idempotency key: a receiver that already stored this id answers 2xx again.
        "X-Concern-Envelope-Id": envelope_id,
        "X-Concern-Timestamp": timestamp,
        "X-Concern-Signature": signature(secret, timestamp, body),
    }


def check_url(url: str) -> None:
    """HTTPS only; plain HTTP just to loopback (tests, a local relay). ValueError otherwise."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and parts.hostname and _is_loopback(parts.hostname):
        return
    raise ValueError("a push URL must be https:// (http:// only to loopback)")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # urllib would follow a redirect and turn the POST into a GET; a push endpoint that
    # redirects is misconfigured, so its 3xx comes back as the answer instead.
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def post(
    url: str,
    secret: str,
    envelope_id: str,
    body: bytes,
    timeout: float = TIMEOUT_SECONDS,
) -> PushResult:
    """POST the envelope file once and classify the answer. Never raises for network trouble."""
    try:
        check_url(url)
    except ValueError:
        return PushResult(status=None, transient=False)
    request = urllib.request.Request(
        url, data=body, headers=headers(envelope_id, secret, body), method="POST"
    )
    try:
        with _opener.open(request, timeout=timeout) as response:
            return classify(response.status)
    except urllib.error.HTTPError as error:
        error.close()
        return classify(error.code)
    except (OSError, ValueError):
        # Refused, reset, timed out, DNS, TLS: no answer, so try again later.
        return PushResult(status=None, transient=True)


def classify(status: int) -> PushResult:
    if 200 <= status < 300:
        return PushResult(status=status, transient=False)
    transient = status >= 500 or status in TRANSIENT_STATUSES
    # Any other 4xx (and a 3xx) will not change by asking again: a person must look.
    return PushResult(status=status, transient=transient)
