"""Acceptance, delivery and the reconciler against real databases (SQLite always, PostgreSQL
when TEST_POSTGRES_URL is set, as in CI) and a real Redis with a real RQ worker."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from datetime import timedelta

import pytest
import redis
from sqlalchemy import create_engine, func, select, text

from database import Database
from routing import directory, jobs
from routing.acceptance import NoKeyError, NoServiceError, accept
from routing.delivery import deliver
from routing.models import Envelope, ServiceKey
from routing.worker import DeliveryWorker
from sealing import read_key_file, unseal
from tests.conftest import KEY_PASSPHRASE, add_service
from tests.postgres import POSTGRES_URL, TEST_DATABASE

BACKENDS = [TEST_DATABASE]  # one backend per run: make test runs SQLite, then PostgreSQL


@pytest.fixture(params=BACKENDS)
def backend(request, tmp_path) -> Iterator[Database]:  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'backend.db'}"
        database = Database(url)
        database.create_all()
        with database.session() as session:
            directory.load(session)
        yield database
        database.dispose()
        return
    base = POSTGRES_URL
    schema = f"t_{secrets.token_hex(6)}"
    admin = create_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    database = Database(base)
    database.engine.dispose()
    database.engine = create_engine(base, connect_args={"options": f"-csearch_path={schema}"})
    database.sessions.configure(bind=database.engine)
    database.create_all()
    with database.session() as session:
        directory.load(session)
    yield database
    database.dispose()
    with admin.begin() as connection:
        connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


def report(text_: str) -> bytes:
    return json.dumps({"concern": {"description": text_}}, ensure_ascii=False).encode()


def count_envelopes(database: Database) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(Envelope))


def run_worker(connection: redis.Redis, database: Database) -> None:
    jobs.use_database(database)
    DeliveryWorker([jobs.queue(connection, "delivery")], connection=connection,
                 serializer=jobs.JSONSerializer).work(burst=True)


def test_an_accepted_report_is_delivered_once_by_a_real_worker(backend, redis_client, tmp_path):
    key_file = add_service(backend, "0301", "oslo", tmp_path)
    with backend.session() as session:
        envelope = accept(session, report("Bekymret 😢"), "0301")
    jobs.enqueue_delivery(redis_client, "delivery", envelope.id)
    jobs.enqueue_delivery(redis_client, "delivery", envelope.id)  # a doorbell rung twice
    run_worker(redis_client, backend)
    with backend.session() as session:
        stored = session.get(Envelope, envelope.id)
        assert stored.state == "delivered" and stored.delivery_attempts == 1
        assert not deliver(session, envelope.id)
    pair = read_key_file(key_file.read_text(), KEY_PASSPHRASE)
    assert json.loads(unseal(stored.sealed, pair.private_key))["concern"]["description"] == (
        "Bekymret 😢"
    )


def test_no_service_or_no_key_means_nothing_is_stored(backend, tmp_path):
    with backend.session() as session, pytest.raises(NoServiceError):
        accept(session, report("x"), "4601")
    add_service(backend, "4601", "bergen", tmp_path)
    with backend.session() as session:
        for key in session.scalars(select(ServiceKey)):
            session.delete(key)
    with backend.session() as session, pytest.raises(NoKeyError):
        accept(session, report("x"), "4601")
    assert count_envelopes(backend) == 0


def test_after_redis_loses_the_queue_the_reconciler_delivers_everything_once(
    backend, redis_client, tmp_path
):
    add_service(backend, "0301", "oslo", tmp_path)
    ids = []
    for number in range(5):
        with backend.session() as session:
            ids.append(accept(session, report(f"melding {number}"), "0301").id)
        jobs.enqueue_delivery(redis_client, "delivery", ids[-1])
    redis_client.flushall()  # Redis restarted without persistence
    assert jobs.reconcile(redis_client, "delivery", timedelta(0), backend) == 5
    assert jobs.reconcile(redis_client, "delivery", timedelta(0), backend) == 0, (
        "jobs still queued must not be enqueued again"
    )
    run_worker(redis_client, backend)
    with backend.session() as session:
        states = session.execute(select(Envelope.state, Envelope.delivery_attempts)).all()
    assert states == [("delivered", 1)] * 5
