"""Flask extensions, created here and bound in the application factory, and the accessors views
use for the request's database session and the shared Redis connection."""

from __future__ import annotations

from typing import cast

import redis
from flask import current_app, g
from flask_babel import Babel
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import Connection
from sqlalchemy.orm import Session
from werkzeug.local import LocalProxy

from config import Config
from database import Database

babel = Babel()
csrf = CSRFProtect()


def config() -> Config:
    return cast(Config, current_app.extensions["config"])


def database() -> Database:
    return cast(Database, current_app.extensions["database"])


def db_session() -> Session:
    """The request's session, opened on first use and closed when the request ends."""
    if "db_session" not in g:
        g.db_session = (database().autocommit_sessions(bind=db_connection())
                        if g.get("without_transaction") else database().sessions())
    return cast(Session, g.db_session)


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
    a request without a transaction, taken from the autocommit pool without a Session, which
    cost as much again as the statement it ran; otherwise the session's, in its transaction."""
    if not g.get("without_transaction"):
        return db_session().connection()
    if "db_connection" not in g:
        g.db_connection = database().request_connection()
    return cast(Connection, g.db_connection)


def without_transaction() -> None:
    """This request only reads, or writes in one statement: its statements run without a
    transaction around them (no BEGIN and COMMIT round trips for a page that reads one row and
    writes one). Call before first use."""
    if "db_session" not in g and "db_connection" not in g:
        g.without_transaction = True


def commit() -> None:
    """Commit the request's transaction, if it has one (without one, each statement did)."""
    if not g.get("without_transaction"):
        db_session().commit()


def close_db_session(_error: BaseException | None = None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()
    connection = g.pop("db_connection", None)
    if connection is not None:
        database().end_request(connection)


def redis_connection() -> redis.Redis:
    return cast(redis.Redis, current_app.extensions["redis"]())
