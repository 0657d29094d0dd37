"""The durable minimum for the benchmark: the least any design that keeps the promises must do
per report, as a small app on the same stack (Flask, SQLAlchemy, psycopg, RQ) under the same
gunicorn settings as the real one. `make bench` measures it beside the bare form POST and our
own submit, in the same run with the same clients, and prints every figure as a ratio to it.

POST /submit reads a small form, seals a 4 KiB document with SealedBox, INSERTs it and COMMITs
(before answering, as a receipt needs), then enqueues one RQ job (JSON serializer) with the
row's id. The worker (`python scripts/bench_minimum.py worker`, an RQ SimpleWorker) UPDATEs the
row's state. No templates, CSRF, drafts, wizard, routing look-up or retries.

    DATABASE_URL=... REDIS_URL=... gunicorn --workers 4 --pythonpath scripts \
        'bench_minimum:create_app()'
"""

from __future__ import annotations

import os
import sys
import uuid

import redis
from flask import Flask, request
from nacl.public import PrivateKey, SealedBox
from rq import Queue, SimpleWorker
from rq.serializers import JSONSerializer
from sqlalchemy import (
    Column,
    Engine,
    LargeBinary,
    MetaData,
    String,
    Table,
    bindparam,
    create_engine,
    insert,
    update,
)

QUEUE = "minimum"
DOCUMENT = b"x" * 4096
METADATA = MetaData()
ROWS = Table(
    "bench_minimum",
    METADATA,
    Column("id", String(32), primary_key=True),
    Column("sealed", LargeBinary, nullable=False),
    Column("state", String(16), nullable=False),
)
_INSERT = insert(ROWS)
_DELIVER = (update(ROWS).where(ROWS.c.id == bindparam("row_id"), ROWS.c.state == "accepted")
            .values(state="delivered"))
_engine: Engine | None = None


def engine() -> Engine:
    global _engine
    if _engine is None:
        _engine = create_engine(os.environ["DATABASE_URL"])
    return _engine


def create_tables(database_url: str) -> None:
    database = create_engine(database_url)
    METADATA.create_all(database)
    database.dispose()


def create_app() -> Flask:
    app = Flask(__name__)
    public_key = PrivateKey.generate().public_key
    connection = redis.Redis.from_url(os.environ["REDIS_URL"])
    queue = Queue(QUEUE, connection=connection, serializer=JSONSerializer)

    @app.get("/")
    def ready() -> str:
        return "ready"

    @app.post("/submit")
    def submit() -> object:
        if not request.form.get("answer"):
            return "answer missing", 422
        row_id = uuid.uuid4().hex
        sealed = SealedBox(public_key).encrypt(DOCUMENT)
        with engine().begin() as connection:  # COMMIT before the receipt
            connection.execute(_INSERT, {"id": row_id, "sealed": sealed, "state": "accepted"})
        queue.enqueue_call("bench_minimum.deliver", args=(row_id,), job_id=f"deliver-{row_id}")
        return "received", 201

    return app


def deliver(row_id: str) -> bool:
    """The job: one conditional UPDATE, committed."""
    with engine().begin() as connection:
        return bool(connection.execute(_DELIVER, {"row_id": row_id}).rowcount)


def work() -> None:
    connection = redis.Redis.from_url(os.environ["REDIS_URL"])
    queue = Queue(QUEUE, connection=connection, serializer=JSONSerializer)
    SimpleWorker([queue], connection=connection, serializer=JSONSerializer).work(
        logging_level="WARNING")


if __name__ == "__main__" and sys.argv[1:] == ["worker"]:
    work()
