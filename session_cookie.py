"""Flask's signed cookie session, with its serializer built once per key set instead of on every
request, and a cookie already opened not verified again.

Flask builds a new URLSafeTimedSerializer to open each request's session cookie and again to
save it; building one serializes an empty dict to learn whether the serializer makes text
(itsdangerous' is_text_serializer), through Flask's tagged JSON. The serializer holds nothing of
a request, so one per secret key (and fallbacks) serves them all.

A browser sends the same cookie with every page until the session changes, and opening it
(signers made per call, HMACs, base64, tagged JSON) was a twentieth of a wizard request. What a
cookie that verified holds is kept, by the cookie's exact value, for as long as the cookie may be
used; only sessions of plain values are kept, as each request gets its own copy to change.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import BadSignature, URLSafeTimedSerializer

if TYPE_CHECKING:
    from flask import Flask, Request, Response
    from flask.sessions import SessionMixin

# Per worker; past it, what is kept is dropped at once and opened again as it comes.
KEPT_COOKIES = 1024
PLAIN = (str, int, float, bool, type(None))


class _Keys:
    """One key set's serializer and the cookies it has opened: value -> (data, signed at)."""

    def __init__(self, keys: tuple[object, ...], serializer: URLSafeTimedSerializer | None):
        self.keys = keys
        self.serializer = serializer
        self.opened: dict[str, tuple[dict[str, Any], int]] = {}


class SessionInterface(SecureCookieSessionInterface):
    _kept: _Keys | None = None

    def _for_keys(self, app: Flask) -> _Keys:
        # The keys are read on every call, so a changed SECRET_KEY (or its fallbacks, in a key
        # rotation) takes effect at once, as in Flask, and forgets what the old keys opened.
        keys = (app.secret_key, *(app.config["SECRET_KEY_FALLBACKS"] or ()))
        kept = self._kept
        if kept is None or kept.keys != keys:
            kept = self._kept = _Keys(keys, super().get_signing_serializer(app))
        return kept

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        return self._for_keys(app).serializer

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        # Most pages neither change the session nor refresh it: Flask would read seven cookie
        # settings and parse the Vary header into a set and back, to add "Cookie" and return.
        if session.modified or (session.permanent and app.config["SESSION_REFRESH_EACH_REQUEST"]):
            super().save_session(app, session, response)
        elif session.accessed:
            if "Vary" in response.headers:
                response.vary.add("Cookie")
            else:
                response.headers["Vary"] = "Cookie"

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        kept = self._for_keys(app)
        if kept.serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        found = kept.opened.get(value)
        # As itsdangerous judges a signature's age: whole seconds, neither too old nor ahead.
        if found is not None and 0 <= int(time.time()) - found[1] <= max_age:
            return self.session_class(found[0])
        try:
            data, signed = kept.serializer.loads(value, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        if isinstance(data, dict) and all(isinstance(item, PLAIN) for item in data.values()):
            if len(kept.opened) >= KEPT_COOKIES:
                kept.opened.clear()
            kept.opened[value] = (data, int(signed.timestamp()))
        return self.session_class(data)
