"""A pooled PostgreSQL connection that the server ended while it sat in the pool (a restart,
a failover, pg_terminate_backend) is replaced before a request uses it, so the reporter who
comes next gets their page, not an error; and this costs no round trip per request
(database.py looks at the socket instead of pinging)."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, exc, text

import database as database_module
from database import Database
from intake import drafts
from intake.drafts import DraftData, DraftKey
from tests.postgres import POSTGRES_URL, new_schema

pytestmark = pytest.mark.postgresql_only


def backend_pid(database: Database) -> int:
    with database.session() as session:
        return int(session.scalar(text("SELECT pg_backend_pid()")))


def request_backend_pid(database: Database) -> int:
    """One request's worth: the request's connection, a statement, given back at its end."""
    connection = database.request_connection()
    try:
        return int(connection.exec_driver_sql("SELECT pg_backend_pid()").scalar_one())
    finally:
        database.end_request(connection)


def end_backend(pid: int) -> None:
    """What a restart does to one connection: the server ends it, and it is gone."""
    # Autocommit: inside one transaction pg_stat_activity is one snapshot, which would show the
    # ended backend until the deadline.
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        deadline = time.monotonic() + 10
        while connection.execute(text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"),
                                 {"pid": pid}).scalar() and time.monotonic() < deadline:
            time.sleep(0.02)
    admin.dispose()


# A session's connection comes from the pool; a reporter's request's is the one its worker kept
# from its last request (Database.request_connection). Both are looked at before use.
WAYS = pytest.mark.parametrize("use", [backend_pid, request_backend_pid],
                               ids=["pooled", "kept-by-the-worker"])


@WAYS
def test_a_connection_the_server_ended_is_replaced_before_use(use):
    database = Database(POSTGRES_URL)
    try:
        first = use(database)
        end_backend(first)
        # The pool (or the worker) still holds the ended connection; the next use must not fail.
        second = use(database)
        assert second != first
        assert use(database) == second  # and the new one is kept, not made anew
    finally:
        database.dispose()


@WAYS
def test_a_connection_idle_for_long_is_pinged_and_a_dead_one_replaced(monkeypatch, use):
    # As if the network had dropped it without a word: only the ping can tell.
    monkeypatch.setattr(database_module, "_ended_by_server", lambda _connection: False)
    monkeypatch.setattr(database_module, "PING_AFTER_IDLE_SECONDS", 0.0)
    database = Database(POSTGRES_URL)
    try:
        first = use(database)
        end_backend(first)
        assert use(database) != first
    finally:
        database.dispose()


def test_a_busy_connection_is_not_pinged_before_each_use():
    database = Database(POSTGRES_URL)
    try:
        backend_pid(database)
        pings_before = database.engine.dialect.do_ping
        calls = []

        def counting_ping(dbapi_connection):  # type: ignore[no-untyped-def]
            calls.append(dbapi_connection)
            return pings_before(dbapi_connection)

        database.engine.dialect.do_ping = counting_ping  # type: ignore[method-assign]
        for _ in range(20):
            backend_pid(database)
        assert calls == []
    finally:
        database.dispose()


def test_a_draft_read_on_a_connection_ended_under_it_fails_as_sqlalchemy_and_the_next_is_new():
    """A draft's load and save run on the DB-API cursor itself (database.DirectStatement). When
    the server ends the connection in the middle of a request, the request must still fail as
    any other statement would (SQLAlchemy's error, which the app answers with its "try again"
    page), and the connection must be thrown away, so that the reporter's retry gets a new one."""
    with new_schema() as (database, _schema):
        database.create_all()
        key = DraftKey.new()
        with database.session() as session:
            drafts.save(session, key, DraftData(answers={"emergency": {"answer": "no"}}),
                        timedelta(hours=1))
        with database.autocommit_engine.connect() as connection:
            assert drafts.load(connection, key) is not None
            end_backend(connection.exec_driver_sql("SELECT pg_backend_pid()").scalar_one())
            with pytest.raises(exc.OperationalError) as failed:
                drafts.load(connection, key)
            assert failed.value.connection_invalidated
        with database.autocommit_engine.connect() as connection:
            loaded = drafts.load(connection, key)
        assert loaded is not None and loaded.answers == {"emergency": {"answer": "no"}}


# --- the connection a worker keeps from one request to the next -------------------------------


def test_the_next_request_on_a_worker_reuses_its_connection_without_a_ping():
    database = Database(POSTGRES_URL)
    pings = []
    ping = database.autocommit_engine.dialect.do_ping
    database.autocommit_engine.dialect.do_ping = (  # type: ignore[method-assign]
        lambda dbapi_connection: pings.append(dbapi_connection) or ping(dbapi_connection))
    try:
        first = request_backend_pid(database)
        assert [request_backend_pid(database) for _ in range(5)] == [first] * 5
        assert pings == []
        assert database.autocommit_engine.pool.checkedout() == 1  # kept, not leaked
    finally:
        database.dispose()
    assert database.autocommit_engine.pool.checkedout() == 0


def test_a_server_with_a_thread_per_request_leaves_no_connection_behind():
    """Werkzeug's server runs each request in a thread of its own: the connection a request
    gave back goes to the next request, whichever thread it is on, not down with its thread."""
    database = Database(POSTGRES_URL)
    try:
        pids: list[int] = []
        for _ in range(5):
            thread = threading.Thread(target=lambda: pids.append(request_backend_pid(database)))
            thread.start()
            thread.join()
        assert pids == [pids[0]] * 5
        assert database.autocommit_engine.pool.checkedout() == 1
    finally:
        database.dispose()
    assert database.autocommit_engine.pool.checkedout() == 0


def test_a_connection_that_failed_in_a_request_is_not_kept_for_the_next():
    with new_schema() as (database, _schema):
        database.create_all()
        connection = database.request_connection()
        end_backend(connection.exec_driver_sql("SELECT pg_backend_pid()").scalar_one())
        with pytest.raises(exc.OperationalError):
            drafts.load(connection, DraftKey.new())
        database.end_request(connection)
        # The reporter's retry: a new connection, and the draft's statements work on it.
        fresh = database.request_connection()
        try:
            assert fresh is not connection
            assert drafts.load(fresh, DraftKey.new()) is None
        finally:
            database.end_request(fresh)
