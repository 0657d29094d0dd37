"""Databases for the routing integration tests, on the run's backend (TEST_DATABASE: sqlite, or
postgresql at TEST_POSTGRES_URL; see tests/postgres.py), a Redis a test may kill, and a mail
server.

Each PostgreSQL test gets a fresh schema (dropped afterwards) so parallel runs cannot collide.
The directory (357 municipalities, 5,122 postal codes) is loaded once per session and backend,
and copied into each test's database.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from database import Database
from redis_connection import start_server
from tests.helpers.mail import MailServer
from tests.helpers.services import KEY_SINCE, add_key, add_service, retire_all_keys
from tests.helpers.signin import Clock
from tests.postgres import TEST_DATABASE, copy_directory, new_schema

# One backend per run: `make test` runs the suite on SQLite, and again on PostgreSQL for the
# tests marked each_database (tests/markers.py).
BACKENDS = [TEST_DATABASE]
# Names test modules imported from here before tests/helpers/ held them.
__all__ = ["KEY_SINCE", "add_key", "add_service", "retire_all_keys"]


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def empty_db(backend: str, tmp_path: Path) -> Iterator[Database]:
    """The schema with no rows at all (the directory not loaded)."""
    if backend == "sqlite":
        database = Database(f"sqlite:///{tmp_path / 'empty.db'}")
        database.create_all()
        yield database
        database.dispose()
        return
    with new_schema() as (database, _schema):
        database.create_all()
        yield database


@pytest.fixture
def db(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Database]:
    """A database with the schema and the directory loaded, no services."""
    if backend == "sqlite":
        template: Path = request.getfixturevalue("directory_template")
        path = tmp_path / "var" / "concern.db"
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(template, path)
        database = Database(f"sqlite:///{path}")
        yield database
        database.dispose()
        return
    source = request.getfixturevalue("postgres_directory_schema")
    with new_schema() as (database, _schema):
        database.create_all()
        copy_directory(database, source)
        yield database


# --- a mail server ----------------------------------------------------------------------------


@pytest.fixture
def mail_server() -> Iterator[MailServer]:
    server = MailServer()
    server.start()
    yield server
    server.stop()


# --- a Redis of the test's own, which the test may kill --------------------------------------


class OwnRedis:
    """A redis-server process that belongs to one test: it can be killed with SIGKILL and
    started again, empty, on the same socket (as after a crash without persistence)."""

    def __init__(self, directory_: Path) -> None:
        self.directory = directory_
        self.socket = directory_ / "redis.sock"
        self.process = start_server(self.socket, directory_)
        self.clients: list[redis.Redis] = []

    def client(self) -> redis.Redis:
        client = redis.Redis(unix_socket_path=str(self.socket))
        self.clients.append(client)
        return client

    def kill(self) -> None:
        self.process.kill()  # SIGKILL: no shutdown, no save
        self.process.wait(10)

    def start_again(self) -> None:
        self.process = start_server(self.socket, self.directory)

    def stop(self) -> None:
        for client in self.clients:
            client.close()
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


@pytest.fixture
def own_redis() -> Iterator[OwnRedis]:
    # A short directory: a Unix socket path must stay under ~104 characters.
    directory_ = Path(tempfile.mkdtemp(prefix="redis-", dir="/tmp"))
    server = OwnRedis(directory_)
    yield server
    server.stop()
    shutil.rmtree(directory_, ignore_errors=True)



@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """The inbox's clock, standing still at T0 until a test moves it."""
    fake = Clock()
    monkeypatch.setattr("inbox.views.clock", lambda: fake.now)
    return fake
