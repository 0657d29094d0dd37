"""Databases for the routing integration tests, on the run's backend (TEST_DATABASE: sqlite, or
postgresql at TEST_POSTGRES_URL; see tests/postgres.py), and a Redis a test may kill.

Each PostgreSQL test gets a fresh schema (dropped afterwards) so parallel runs cannot collide.
The directory (357 municipalities, 5,122 postal codes) is loaded once per session and backend,
and copied into each test's database.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import redis
from sqlalchemy import select

from database import Database
from redis_connection import start_server
from routing import directory
from routing.models import Coverage, Service, ServiceKey
from sealing import KeyPair
from tests.postgres import TEST_DATABASE, copy_directory, new_schema

# One backend per run: `make test` runs the suite once on SQLite, once on PostgreSQL.
BACKENDS = [TEST_DATABASE]
# Kept under its old name: test modules import it to make schemas of their own.
_postgres_schema = new_schema


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
    with _postgres_schema() as (database, _schema):
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
    with _postgres_schema() as (database, _schema):
        database.create_all()
        copy_directory(database, source)
        yield database


# --- services ---------------------------------------------------------------------------------

SINCE_2024 = date(2024, 1, 1)
KEY_SINCE = datetime(2024, 1, 1, tzinfo=UTC)


def add_service(
    database: Database,
    service_id: str,
    *numbers: str,
    valid_from: date = SINCE_2024,
    valid_to: date | None = None,
    with_key: bool = True,
) -> KeyPair | None:
    """A service covering the municipalities, with a key in force since 2024 unless told not."""
    pair = KeyPair.generate() if with_key else None
    with database.session() as session:
        if session.get(Service, service_id) is None:
            session.add(Service(id=service_id, name=f"Barneverntjenesten {service_id}"))
            session.flush()
        for number in numbers:
            session.add(
                Coverage(
                    service_id=service_id,
                    municipality_number=number,
                    valid_from=valid_from,
                    valid_to=valid_to,
                )
            )
        if pair is not None:
            key = directory.register_key(session, service_id, pair.public_key)
            key.valid_from = KEY_SINCE
    return pair


def add_key(
    database: Database,
    service_id: str,
    valid_from: datetime,
    retired_at: datetime | None = None,
) -> KeyPair:
    pair = KeyPair.generate()
    with database.session() as session:
        key = directory.register_key(session, service_id, pair.public_key)
        key.valid_from = valid_from
        key.retired_at = retired_at
    return pair


def retire_all_keys(database: Database, service_id: str, at: datetime) -> None:
    with database.session() as session:
        for key in session.scalars(select(ServiceKey).where(ServiceKey.service_id == service_id)):
            key.retired_at = at


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

