"""Alembic's environment: the app's own database (DATABASE_URL, read through Config) and the
models' metadata (database.Base), so the migrations and the models describe one schema.

`flask db upgrade` (dbcli.py) passes the URL in `config.attributes["database_url"]`; Alembic's
own command line (`alembic revision --autogenerate`) falls back to Config.from_env().
"""

from __future__ import annotations

from logging.config import fileConfig
from pathlib import Path
from typing import Any

from alembic import context
from sqlalchemy import Connection, create_engine, make_url, pool

import inbox.models  # noqa: F401  (each import registers its room's tables on Base.metadata)
import intake.models  # noqa: F401
import routing.models  # noqa: F401
from config import Config
from database import Base, UTCDateTime

config = context.config
# The app configures its own logging; only Alembic's command line wants Alembic's. Loggers that
# exist already stay enabled either way.
if config.config_file_name and config.attributes.get("configure_logging", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = Base.metadata


def database_url() -> str:
    return str(config.attributes.get("database_url") or Config.from_env().database_url)


def render_item(kind: str, item: Any, autogen_context: Any) -> str | bool:
    """A migration must not import app code that may change after it was written: the UTC
    column is a plain timezone-aware DateTime in the database, and that is what is written."""
    if kind == "type" and isinstance(item, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _configure(**options: Any) -> None:
    context.configure(
        target_metadata=target_metadata,
        render_item=render_item,
        compare_type=True,
        compare_server_default=True,
        **options,
    )


def run_migrations_offline() -> None:
    """`alembic upgrade head --sql`: the SQL for a DBA to review, without connecting."""
    url = database_url()
    _configure(url=url, literal_binds=True, dialect_opts={"paramstyle": "named"},
               render_as_batch=url.startswith("sqlite"))
    with context.begin_transaction():
        context.run_migrations()


def _run(connection: Connection) -> None:
    # SQLite cannot ALTER most things in place; batch mode copies the table instead.
    _configure(connection=connection, render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = make_url(database_url())
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            _run(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
