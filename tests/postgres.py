"""PostgreSQL for the tests: each test (or live system) gets a schema of its own, dropped
afterwards, so runs cannot collide. The directory (357 municipalities, 5,122 postal codes) is
loaded once per session into a template schema and copied.

`TEST_DATABASE=postgresql` runs the whole suite on PostgreSQL (`make test` does both passes);
`TEST_POSTGRES_URL` says where the server is.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator

from sqlalchemy import create_engine, make_url, text

from database import Database

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL",
                              "postgresql+psycopg://postgres@127.0.0.1:5432/test")
TEST_DATABASE = os.environ.get("TEST_DATABASE", "sqlite")
if TEST_DATABASE not in ("sqlite", "postgresql"):
    raise RuntimeError(f"TEST_DATABASE must be sqlite or postgresql, not {TEST_DATABASE!r}")
DIRECTORY_TABLES = ("municipalities", "postal_codes", "districts")


def schema_url(schema: str) -> str:
    """The PostgreSQL URL with every connection's search_path set to `schema`."""
    url = make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


@contextlib.contextmanager
def new_schema() -> Iterator[tuple[Database, str]]:
    schema = f"t_{secrets.token_hex(8)}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    database = Database(schema_url(schema))
    try:
        yield database, schema
    finally:
        database.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def copy_directory(database: Database, source_schema: str) -> None:
    with database.engine.begin() as connection:
        for table in DIRECTORY_TABLES:
            connection.execute(text(f'INSERT INTO {table} SELECT * FROM "{source_schema}".{table}'))
