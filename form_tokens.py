"""The form token (flask-wtf's CSRF token) of the reporter's pages, signed once per session and
worker instead of on every page, and checked once per token and worker.

flask-wtf signs the session's random token on every page and verifies the signature on every
POST, building a serializer each time; together a twentieth of a wizard request. The tokens here
are flask-wtf's own (its serializer and salt over the same session token), so either side reads
the other's. They do not expire (WTF_CSRF_TIME_LIMIT is None: a token lives as long as its
session), so a signature made once says all that a new one would; where a time limit is set,
flask-wtf does the work as before."""

from __future__ import annotations

import hmac

from flask import Flask, current_app, session
from flask_wtf import csrf as wtf_csrf
from itsdangerous import BadData, URLSafeTimedSerializer

from extensions import request_state

# Per worker and key; past it, what is kept is dropped at once and worked out again as it comes.
KEPT_TOKENS = 4096


class _Signed:
    """One secret key's serializer, the tokens it signed and the tokens it found good."""

    def __init__(self, secret_key: object) -> None:
        self.secret_key = secret_key
        self.serializer = URLSafeTimedSerializer(secret_key, salt="wtf-csrf-token")
        self.by_session_token: dict[str, str] = {}
        self.by_signed_token: dict[str, str] = {}

    def remember(self, session_token: str, signed: str) -> None:
        if len(self.by_signed_token) >= KEPT_TOKENS:
            self.by_session_token.clear()
            self.by_signed_token.clear()
        self.by_session_token[session_token] = signed
        self.by_signed_token[signed] = session_token


def _field_name(app: Flask) -> str:
    return str(app.config.get("WTF_CSRF_FIELD_NAME") or "csrf_token")


def _signed(app: Flask) -> _Signed | None:
    """The key's kept signatures, or None where flask-wtf must judge (tokens that expire)."""
    if app.config.get("WTF_CSRF_TIME_LIMIT") is not None:
        return None
    # Read on every call, so a changed key takes effect at once and forgets the old tokens.
    secret_key = app.config.get("WTF_CSRF_SECRET_KEY") or app.secret_key
    kept = app.extensions.get("form_tokens")
    if kept is None or kept.secret_key != secret_key:
        kept = app.extensions["form_tokens"] = _Signed(secret_key)
    return kept  # type: ignore[no-any-return]


def generate() -> str:
    """The page's token (templates' csrf_token()); as flask-wtf's generate_csrf, kept for the
    request in `g`, where a FlaskForm on the same page finds it."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    state = request_state()
    field_name = _field_name(app)
    if field_name in state:
        return str(state.get(field_name))
    kept = _signed(app)
    session_token = session.get(field_name)
    if kept is None or not isinstance(session_token, str):
        # flask-wtf makes the session's token when there is none.
        return str(wtf_csrf.generate_csrf())
    signed = kept.by_session_token.get(session_token)
    if signed is None:
        signed = kept.serializer.dumps(session_token)
        kept.remember(session_token, signed)
    setattr(state, field_name, signed)
    return signed


def is_valid(token: str) -> bool:
    """Whether a posted token is this session's, as flask-wtf's validate_csrf judges it."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    kept = _signed(app)
    if kept is None:
        try:
            wtf_csrf.validate_csrf(token)
        except (wtf_csrf.ValidationError, wtf_csrf.CSRFError):
            return False
        return True
    session_token = session.get(_field_name(app))
    if not token or not isinstance(session_token, str):
        return False
    found = kept.by_signed_token.get(token)
    if found is None:
        try:
            found = kept.serializer.loads(token)
        except BadData:
            return False
        if not isinstance(found, str):
            return False
        kept.remember(found, token)
    return hmac.compare_digest(session_token, found)


def init_app(app: Flask) -> None:
    """After CSRFProtect.init_app, whose template global and context value this replaces (a
    context processor registered later wins)."""
    app.jinja_env.globals["csrf_token"] = generate
    app.context_processor(lambda: {"csrf_token": generate})
