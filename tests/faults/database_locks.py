"""Another connection holding the database's write lock, as a long migration or a stuck
transaction would: for the fault tests of the web app and of the worker."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sqlalchemy import create_engine, make_url, text


@dataclass
class Held:
    release: Callable[[], None]
    pid: int | None = None  # the PostgreSQL backend holding the lock


@contextlib.contextmanager
def write_lock(database_url: str) -> Iterator[Held]:
    """Another connection holds the database's write lock until released."""
    if database_url.startswith("sqlite"):
        connection = sqlite3.connect(make_url(database_url).database, isolation_level=None)
        connection.execute("BEGIN EXCLUSIVE")
        try:
            yield Held(lambda: connection.in_transaction and connection.rollback())
        finally:
            connection.close()
        return
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            connection.execute(text("LOCK TABLE envelopes IN ACCESS EXCLUSIVE MODE"))
            pid = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
            yield Held(connection.rollback, pid)
            connection.rollback()
    finally:
        engine.dispose()
