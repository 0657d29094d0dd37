"""The schema's versions: `flask db upgrade` and `flask db current`, over the Alembic migrations
in migrations/, so a live database changes only by reviewed steps, never by hand-written ALTERs.

Plain functions that take a database URL (tests call them directly); the commands add the app's
configured URL.
"""

from __future__ import annotations

from pathlib import Path

import click
from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask.cli import AppGroup
from sqlalchemy import Engine, create_engine, inspect, make_url, pool

import inbox.models  # noqa: F401  (each import registers its room's tables on Base.metadata)
import intake.models  # noqa: F401
import routing.models  # noqa: F401
from config import PROJECT_ROOT
from database import Base
from extensions import database

db_cli = AppGroup("db", help="The database schema: migrations.")


class UnversionedDatabase(RuntimeError):
    """Tables exist but Alembic has no record of them (they were made by create_all())."""


def alembic_config(database_url: str) -> AlembicConfig:
    """Alembic's configuration found from the project, not the working directory, with the URL
    passed as an attribute: a password with % in it would upset the .ini interpolation."""
    config = AlembicConfig(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.attributes["database_url"] = database_url
    config.attributes["configure_logging"] = False
    return config


def head() -> str | None:
    return ScriptDirectory.from_config(alembic_config("")).get_current_head()


def current(database_url: str) -> str | None:
    """The revision the database is at; None for a database Alembic has not touched."""
    engine = _engine(database_url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def upgrade(database_url: str, revision: str = "head") -> None:
    """Bring the schema to `revision`; nothing happens when it is there already."""
    engine = _engine(database_url)
    try:
        with engine.connect() as connection:
            at = MigrationContext.configure(connection).get_current_revision()
            tables = set(inspect(connection).get_table_names()) & set(Base.metadata.tables)
    finally:
        engine.dispose()
    if at is None and tables:
        # Upgrading would fail half-way on "table exists"; say what happened instead.
        raise UnversionedDatabase(
            f"the database has tables ({', '.join(sorted(tables)[:3])}, …) but no migration "
            "history: it was made by create_all() before migrations existed. Move a development "
            "database away and run again; a live one needs `alembic stamp 0001` once its schema "
            "has been checked against migrations/versions/0001_initial_schema.py."
        )
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str) -> None:
    command.downgrade(alembic_config(database_url), revision)


def _engine(database_url: str) -> Engine:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    return create_engine(url, poolclass=pool.NullPool)


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def upgrade_command(revision: str) -> None:
    """Apply the migrations up to REVISION (default: the newest). Run it once per release,
    before the new code starts."""
    url = database().url
    try:
        upgrade(url, revision)
    except UnversionedDatabase as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Database at revision {current(url) or 'none'}.")


@db_cli.command("current")
def current_command() -> None:
    """The revision the database is at, and whether that is the newest."""
    at, newest = current(database().url), head()
    if at is None:
        click.echo(f"No revision: run `flask db upgrade` (newest is {newest}).")
    elif at == newest:
        click.echo(f"{at} (newest)")
    else:
        click.echo(f"{at} (newest is {newest}: run `flask db upgrade`)")
