"""Database plumbing shared by the three rooms: the declarative base, engines and sessions.

Plain SQLAlchemy 2.x so the worker and the CLI need no Flask app context. Data functions take a
session and never commit; the edge that opened the session (a request, a job, a command) does.
"""

from __future__ import annotations

import contextlib
import select
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    DateTime,
    Dialect,
    Engine,
    Executable,
    Insert,
    Table,
    create_engine,
    event,
    exc,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC on every backend (SQLite stores naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime()}


def utcnow() -> datetime:
    return datetime.now(UTC)


# How long a statement waits for a lock another connection holds before it fails (SQLite's busy
# timeout, PostgreSQL's lock_timeout; without one PostgreSQL waits for ever). Well under
# gunicorn's 30-second worker timeout: a reporter whose "Send" cannot get the lock is told in
# seconds that the report was not sent and their answers are kept (503), instead of waiting half
# a minute for gunicorn to kill the request and drop the connection.
LOCK_WAIT_SECONDS = 10


def make_engine(url: str, **options: Any) -> Engine:
    """An engine with the settings every connection needs; `options` go to create_engine."""
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": LOCK_WAIT_SECONDS}, **options)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            # WAL lets the web app read while the worker writes; foreign keys are off by default.
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={LOCK_WAIT_SECONDS * 1000}")
            cursor.close()

        return engine
    engine = create_engine(url, **options)
    if engine.dialect.name == "postgresql":
        _check_liveness_on_checkout(engine)

        @event.listens_for(engine, "connect")
        def _postgresql_settings(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            # A session setting, so it outlives this transaction; set here rather than in the
            # URL's `options`, which deployments and the tests use for other settings.
            cursor = dbapi_connection.cursor()
            cursor.execute(f"SET lock_timeout = '{LOCK_WAIT_SECONDS}s'")
            cursor.close()
            dbapi_connection.commit()

    return engine


# A connection the server has ended (a restart, a failover, pg_terminate_backend, a reset) has
# the server's last message or its end of file waiting on the socket, while a healthy idle one
# has nothing to read: looking costs no round trip, where SQLAlchemy's pool_pre_ping costs one
# on every checkout (a quarter of a wizard page's round trips). A connection unused for longer
# than this is pinged as well, for a network path that dropped it without a word.
PING_AFTER_IDLE_SECONDS = 5.0


def _check_liveness_on_checkout(engine: Engine) -> None:
    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_connection, record):  # type: ignore[no-untyped-def]
        record.info["returned"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _alive(dbapi_connection, record, _proxy):  # type: ignore[no-untyped-def]
        returned = record.info.get("returned")
        if returned is None:
            return  # connected just now
        if _ended_by_server(dbapi_connection):
            # The pool drops this connection and checks out another (a new one if need be).
            raise exc.DisconnectionError("the server ended this connection")
        if time.monotonic() - returned > PING_AFTER_IDLE_SECONDS:
            try:
                engine.dialect.do_ping(dbapi_connection)
            except engine.dialect.loaded_dbapi.Error as error:
                raise exc.DisconnectionError("the connection did not answer a ping") from error


def _ended_by_server(dbapi_connection: object) -> bool:
    if getattr(dbapi_connection, "closed", False) or getattr(dbapi_connection, "broken", False):
        return True
    # poll, not select: select refuses a descriptor numbered over 1023.
    poller = select.poll()
    try:
        poller.register(dbapi_connection.fileno(), select.POLLIN)  # type: ignore[attr-defined]
    except (OSError, ValueError):
        return True
    return bool(poller.poll(0))


def insert_unless_present(table: Table, unique: list[str], returning: ColumnElement[Any],
                          ) -> dict[str, Insert]:
    """`table`'s INSERT that does nothing when a row with the same `unique` columns exists, for
    each database that has ON CONFLICT (by dialect name): of two writers at once the loser finds
    the row there, with no error to spoil its transaction and no savepoint (which a connection
    in autocommit cannot open). `returning` comes back only for a row it put in: through a
    Session, PostgreSQL's row count is -1 either way."""
    return {
        dialect.__name__.rsplit(".", 1)[-1]: dialect.insert(table)
        .on_conflict_do_nothing(index_elements=unique).returning(returning)
        for dialect in (postgresql, sqlite)
    }


class DirectStatement:
    """A prebuilt statement run on its connection's DB-API cursor directly: compiled once per
    dialect, its parameters and columns converted by the column types as SQLAlchemy converts
    them, its errors raised as SQLAlchemy's (a lost connection invalidated, as the pool expects).

    For the statements every wizard request runs, a draft's load and save: SQLAlchemy's
    execution layer (an execution context, a result with its metadata and row processors) cost
    them more CPU than psycopg's sending and the database's own work together. The connection's
    transaction, or its autocommit, is the statement's as for any other."""

    def __init__(self, statement: Executable) -> None:
        self.statement = statement
        self._compiled: dict[str, _Compiled] = {}

    def first(self, connection: Connection, params: dict[str, Any]) -> tuple[Any, ...] | None:
        """The first row, converted, or None."""
        compiled = self._for(connection.dialect)
        row = self._run(connection, compiled, params, lambda cursor: cursor.fetchone())
        if row is None:
            return None
        return tuple(value if convert is None else convert(value)
                     for value, convert in zip(row, compiled.results, strict=True))

    def rowcount(self, connection: Connection, params: dict[str, Any]) -> int:
        """How many rows the statement changed."""
        compiled = self._for(connection.dialect)
        return int(self._run(connection, compiled, params, lambda cursor: cursor.rowcount))

    def _for(self, dialect: Dialect) -> _Compiled:
        found = self._compiled.get(dialect.name)
        if found is None:
            compiled = self.statement.compile(dialect=dialect)
            binds = {name: bind.type.dialect_impl(dialect).bind_processor(dialect)
                     for name, bind in compiled.binds.items()}
            columns = getattr(self.statement, "selected_columns", ())
            found = self._compiled[dialect.name] = _Compiled(
                str(compiled),
                tuple(compiled.positiontup) if compiled.positional and compiled.positiontup
                else None,
                {name: convert for name, convert in binds.items() if convert is not None},
                tuple(column.type.dialect_impl(dialect).result_processor(dialect, None)
                      for column in columns),
            )
        return found

    @staticmethod
    def _run(connection: Connection, compiled: _Compiled, params: dict[str, Any],
             read: Callable[[Any], Any]) -> Any:
        values = {name: compiled.binds[name](value) if name in compiled.binds else value
                  for name, value in params.items()}
        arguments: Any = (tuple(values[name] for name in compiled.positions)
                          if compiled.positions is not None else values)
        dialect = connection.dialect
        dbapi_connection = connection.connection.dbapi_connection
        cursor = dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(compiled.sql, arguments)
            return read(cursor)
        except dialect.loaded_dbapi.Error as error:
            lost = dialect.is_disconnect(error, dbapi_connection, cursor)  # type: ignore[arg-type]
            if lost:
                connection.invalidate(error)
            raise exc.DBAPIError.instance(
                compiled.sql, arguments, error, dialect.loaded_dbapi.Error,
                connection_invalidated=lost, dialect=dialect) from error
        finally:
            cursor.close()


@dataclass(frozen=True)
class _Compiled:
    sql: str
    positions: tuple[str, ...] | None  # parameter names in order, for a positional paramstyle
    binds: dict[str, Callable[[Any], Any]]
    results: tuple[Callable[[Any], Any] | None, ...]


class Database:
    """An engine and its session factory, created once per process."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        # Each statement commits by itself: for requests whose one write is one statement, or
        # that only read, which then need no BEGIN and COMMIT round trips (extensions.py). An
        # engine and pool of its own, opened on first use: switching a pooled connection's
        # isolation level at every checkout and back at every return cost about 20 us of CPU a
        # request, as much as opening the session itself.
        self.autocommit_engine = make_engine(url, isolation_level="AUTOCOMMIT")
        self.autocommit_sessions = sessionmaker(self.autocommit_engine, expire_on_commit=False)
        # The connection the last request gave back, and since when: one for the process (a
        # sync worker serves one request at a time), so a server that starts a thread per
        # request (Werkzeug's) leaves none behind with a thread that has ended.
        self._kept: tuple[Connection, float] | None = None
        self._kept_lock = threading.Lock()

    def request_connection(self) -> Connection:
        """An autocommit connection for one request; give it back with `end_request`.

        The connection the last request gave back is kept for the next: checking one out of
        the pool and back in (its events, a Connection, the reset) cost a thirtieth of a wizard
        request. It is looked at as the pool looks at a checkout: one the server ended is
        replaced, one idle for long is pinged first. Requests at once take the pool's."""
        with self._kept_lock:
            kept, self._kept = self._kept, None
        if kept is not None:
            connection, since = kept
            if self._still_good(connection, since):
                return connection
            if not connection.invalidated:
                connection.invalidate()
            connection.close()
        return self.autocommit_engine.connect()

    def end_request(self, connection: Connection) -> None:
        """The request is done with `connection`: kept for the next, if it is fit and no other
        is kept; otherwise back to the pool."""
        if not (connection.closed or connection.invalidated):
            if connection.in_transaction():
                # Autocommit: each statement committed by itself, and this sends nothing.
                connection.rollback()
            with self._kept_lock:
                if self._kept is None:
                    self._kept = (connection, time.monotonic())
                    return
        connection.close()

    def _still_good(self, connection: Connection, since: float) -> bool:
        if connection.closed or connection.invalidated:
            return False
        dbapi_connection = connection.connection.dbapi_connection
        if self.autocommit_engine.dialect.name != "postgresql":
            return True
        if _ended_by_server(dbapi_connection):
            return False
        if time.monotonic() - since > PING_AFTER_IDLE_SECONDS:
            try:
                self.autocommit_engine.dialect.do_ping(dbapi_connection)  # type: ignore[arg-type]
            except self.autocommit_engine.dialect.loaded_dbapi.Error:
                return False
        return True

    def create_all(self) -> None:
        # Import the models so their tables are registered on Base.metadata.
        import inbox.models  # noqa: F401
        import intake.models  # noqa: F401
        import routing.models  # noqa: F401

        Base.metadata.create_all(self.engine)

    @contextlib.contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits on success and rolls back on any error."""
        with self.sessions() as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def dispose(self) -> None:
        with self._kept_lock:
            kept, self._kept = self._kept, None
        if kept is not None:
            kept[0].close()
        self.engine.dispose()
        self.autocommit_engine.dispose()
