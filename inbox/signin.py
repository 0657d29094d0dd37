"""The signed-in state, kept in Flask's session: only the user's id and two timestamps; and,
between the password and the code, the id of the user whose password was right.

Flask's session cookie is signed, not encrypted, so nothing secret or personal goes in it. Plain
functions over the session mapping, so the rules (idle limit, absolute limit, a fresh session at
sign-in) are tested without a request.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import Any

USER_KEY = "inbox_user"
SINCE_KEY = "inbox_since"
SEEN_KEY = "inbox_seen"
PENDING_KEY = "inbox_pending"
PENDING_SINCE_KEY = "inbox_pending_since"
# Chosen by the person, not about them; survives signing in and out.
KEPT_KEYS = ("lang",)
IDLE_LIMIT_SECONDS = 30 * 60
# Even when active, sign in again after a working day.
ABSOLUTE_LIMIT_SECONDS = 12 * 3600
# Time to fetch the phone and type a code (or scan a key) after the password.
PENDING_LIMIT_SECONDS = 10 * 60


@dataclass(frozen=True)
class Status:
    user_id: int | None
    expired: bool = False


def start(session: MutableMapping[str, Any], user_id: int, now: float) -> None:
    """A new session for the user: whatever the browser had before is dropped (no fixation)."""
    _reset(session)
    session[USER_KEY] = user_id
    session[SINCE_KEY] = int(now)
    session[SEEN_KEY] = int(now)


def start_pending(session: MutableMapping[str, Any], user_id: int, now: float) -> None:
    """The password was right; the second factor is still to come. Not signed in."""
    _reset(session)
    session[PENDING_KEY] = user_id
    session[PENDING_SINCE_KEY] = int(now)


def pending(session: MutableMapping[str, Any], now: float) -> int | None:
    """The user whose password was right a short while ago, or None."""
    user_id = session.get(PENDING_KEY)
    since = session.get(PENDING_SINCE_KEY, 0)
    if not isinstance(user_id, int) or now - since >= PENDING_LIMIT_SECONDS:
        return None
    return user_id


def end(session: MutableMapping[str, Any]) -> None:
    _reset(session)


def check(session: MutableMapping[str, Any], now: float) -> Status:
    """Who is signed in, restarting the idle clock; a sign-in that has run out is ended."""
    user_id = session.get(USER_KEY)
    if user_id is None:
        return Status(None)
    since = session.get(SINCE_KEY, 0)
    seen = session.get(SEEN_KEY, 0)
    if not isinstance(user_id, int) or now - seen >= IDLE_LIMIT_SECONDS or (
        now - since >= ABSOLUTE_LIMIT_SECONDS
    ):
        end(session)
        return Status(None, expired=True)
    session[SEEN_KEY] = int(now)
    return Status(user_id)


def _reset(session: MutableMapping[str, Any]) -> None:
    kept = {key: session[key] for key in KEPT_KEYS if key in session}
    session.clear()
    session.update(kept)
