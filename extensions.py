"""Flask extensions, created here and bound in the application factory, and the accessors views
use for the request's database session and the shared Redis connection."""

from __future__ import annotations

from typing import Any, cast

import redis
from flask import Request, current_app, g, request
from flask_babel import Babel
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import Connection
from sqlalchemy.orm import Session
from werkzeug.local import LocalProxy

from config import Config
from database import Database

babel = Babel()
csrf = CSRFProtect()


# Each attribute read through Flask's proxies (current_app, g, request) costs a few calls;
# what runs several times in every request takes the object itself once, with these.


def this_request() -> Request:
    """The request itself, not Flask's proxy to it."""
    return cast(Request, request._get_current_object())  # type: ignore[attr-defined]


def request_state() -> Any:
    """The app context's `g` itself, not Flask's proxy to it."""
    return g._get_current_object()  # type: ignore[attr-defined]


def config() -> Config:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    return cast(Config, app.extensions["config"])


def database() -> Database:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    return cast(Database, app.extensions["database"])


def db_session() -> Session:
    """The request's session, opened on first use and closed when the request ends."""
    state = request_state()
    session = state.get("db_session")
    if session is None:
        session = state.db_session = (
            database().autocommit_sessions(bind=db_connection())
            if state.get("without_transaction") else database().sessions())
    return cast(Session, session)


class _SessionWhenUsed(LocalProxy):  # type: ignore[type-arg]
    """The request's session, opened at its first use: for code that may need none (most
    wizard steps never reach the directory), without building a Session for it."""

    __slots__ = ()

    @property
    def database_url(self) -> str:
        """Which database it is for, without opening it (what the wizard's caches are kept by)."""
        return database().url


db_session_when_used = cast(Session, _SessionWhenUsed(db_session))


def db_connection() -> Connection:
    """The request's connection, for statements that need no ORM (a draft's load and save): in
    a request without a transaction, the autocommit connection the last request gave back
    (Database.request_connection), without a Session, which cost as much again as the statement
    it ran; otherwise the session's, in its transaction."""
    state = request_state()
    if not state.get("without_transaction"):
        return db_session().connection()
    connection = state.get("db_connection")
    if connection is None:
        connection = state.db_connection = database().request_connection()
    return cast(Connection, connection)


def without_transaction() -> None:
    """This request only reads, or writes in one statement: its statements run without a
    transaction around them (no BEGIN and COMMIT round trips for a page that reads one row and
    writes one). Call before first use."""
    state = request_state()
    if "db_session" not in state and "db_connection" not in state:
        state.without_transaction = True


def commit() -> None:
    """Commit the request's transaction, if it has one (without one, each statement did)."""
    if not g.get("without_transaction"):
        db_session().commit()


def close_db_session(_error: BaseException | None = None) -> None:
    state = request_state()
    session = state.pop("db_session", None)
    if session is not None:
        session.close()
    connection = state.pop("db_connection", None)
    if connection is not None:
        database().end_request(connection)


def redis_connection() -> redis.Redis:
    return cast(redis.Redis, current_app.extensions["redis"]())
