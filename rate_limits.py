"""Per-client rate limits on the two doors worth hammering: sending a report (a flood of fake
reports would bury real ones in a team's inbox) and the inbox sign-in (guessing passwords from
one place across many accounts; the back-off per account and client is in inbox/lockout.py),
and the reporter's status look-up (guessing a receipt's code).

Counters live in Redis under a keyed hash of the client's address: HMAC-SHA256 with a key
derived from SECRET_KEY, so the stored key cannot be turned back into an address by trying all
four billion IPv4 addresses, and each counter expires with its window. No address is stored or
logged. Fixed windows: simple, and an attacker gains at most one extra window's worth.

If Redis cannot be reached the request goes through: a reporter must never be stopped by our
queue being down (the database, not Redis, decides whether a report can be accepted).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass

import redis
from flask import Flask, Response, current_app, render_template, request
from redis.commands.core import Script

from extensions import config, redis_connection, this_request

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Limit:
    scope: str
    requests: int
    seconds: int


def limits_for(app: Flask) -> dict[tuple[str, str], Limit]:
    settings = app.extensions["config"]
    return {
        ("POST", "intake.send"): Limit("send", settings.submissions_per_hour, 3600),
        ("POST", "inbox.login"): Limit("sign-in", settings.sign_ins_per_ten_minutes, 600),
        ("POST", "inbox.code"): Limit("sign-in", settings.sign_ins_per_ten_minutes, 600),
        ("POST", "inbox.enrol"): Limit("sign-in", settings.sign_ins_per_ten_minutes, 600),
        # Guessing a status code is guessing a password: the same budget as signing in.
        ("POST", "intake.status"): Limit("status", settings.sign_ins_per_ten_minutes, 600),
    }


def client_token(secret_key: str, address: str) -> str:
    """An unreadable token for the client: the same for the same address, and no way back to
    the address without the application's secret. Also what the sign-in back-off
    (inbox/lockout.py) knows a client by."""
    derived = hashlib.sha256(b"rate-limit\x00" + secret_key.encode()).digest()
    return hmac.new(derived, address.encode(), hashlib.sha256).hexdigest()[:32]


def request_client() -> str:
    """The token of the client making this request."""
    return client_token(config().secret_key, request.remote_addr or "unknown")


def client_key(secret_key: str, scope: str, address: str) -> str:
    """The counter's name: which door, and an unreadable token for the client."""
    return f"rate:{scope}:{client_token(secret_key, address)}"


# The window starts with the first request and is never extended by later ones. One script
# instead of MULTI, SET, INCR, TTL and EXEC: every report's "Send" runs it (issue 20).
_COUNT = """
redis.call('SET', KEYS[1], 0, 'EX', ARGV[1], 'NX')
return {redis.call('INCR', KEYS[1]), redis.call('TTL', KEYS[1])}
"""


_script: list[Script] = []


def _count_script(connection: redis.Redis) -> Script:
    """The script object, made once: its digest is worked out when it is made."""
    if not _script:
        _script.append(connection.register_script(_COUNT))
    return _script[0]


def hit(connection: redis.Redis, key: str, limit: Limit) -> int | None:
    """Count one request; None if it is allowed, else the seconds until the window ends."""
    # redis-py runs it by its digest, and sends it again after a restart emptied the cache.
    count, ttl = _count_script(connection)(keys=[key], args=[limit.seconds], client=connection)
    if int(count) <= limit.requests:
        return None
    return max(int(ttl), 1)


def _check() -> Response | None:
    this = this_request()
    if this.url_rule is None:
        return None
    limit = current_app.extensions["rate_limits"].get((this.method, this.endpoint))
    if limit is None:
        return None
    key = client_key(config().secret_key, limit.scope, this.remote_addr or "unknown")
    try:
        wait = hit(redis_connection(), key, limit)
    except redis.RedisError as error:
        log.warning("rate limit not checked (%s); the request goes through", type(error).__name__)
        return None
    if wait is None:
        return None
    minutes = max(1, -(-wait // 60))
    page = render_template("rate_limited.html", minutes=minutes, scope=limit.scope)
    return Response(page, 429, {"Retry-After": str(wait)}, mimetype="text/html")


def init_app(app: Flask) -> None:
    app.extensions["rate_limits"] = limits_for(app)
    app.before_request(_check)
