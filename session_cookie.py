"""Flask's signed cookie session, with its serializer built once per key set instead of on every
request.

Flask builds a new URLSafeTimedSerializer to open each request's session cookie and again to
save it; building one serializes an empty dict to learn whether the serializer makes text
(itsdangerous' is_text_serializer), through Flask's tagged JSON. The serializer holds nothing of
a request, so one per secret key (and fallbacks) serves them all.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer

if TYPE_CHECKING:
    from flask import Flask


class SessionInterface(SecureCookieSessionInterface):
    _kept: tuple[tuple[object, ...], URLSafeTimedSerializer | None] | None = None

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        # The keys are read on every call, so a changed SECRET_KEY (or its fallbacks, in a key
        # rotation) takes effect at once, as in Flask.
        keys = (app.secret_key, *(app.config["SECRET_KEY_FALLBACKS"] or ()))
        kept = self._kept
        if kept is None or kept[0] != keys:
            kept = self._kept = (keys, super().get_signing_serializer(app))
        return kept[1]
