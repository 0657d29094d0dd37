"""Acceptance and delivery on every backend with a real redis-server and a real RQ worker:
every accepted envelope reaches its inbox exactly once, even when Redis is killed between
acceptance and delivery; nothing is stored for a municipality that cannot receive; and when the
database refuses every try, the envelope is failed, the operators are mailed once (real SMTP),
and the team still has it in the inbox; a service without a key is mailed to the operators at
most once an hour."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
import redis
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from rq.serializers import JSONSerializer
from rq.worker import Worker, WorkerStatus
from sqlalchemy import func, select

from config import Config
from database import Database
from inbox import envelopes as inbox_envelopes
from routing import alerts, jobs
from routing.acceptance import NoKeyError, NoServiceError, accept
from routing.delivery import stuck_envelopes
from routing.envelope_file import parse, to_file
from routing.models import Envelope, EnvelopeState
from routing.worker import DEQUEUE_SECONDS, HEARTBEAT_SECONDS, DeliveryWorker
from sealing import SealingError, unseal
from tests.helpers.mail import MailServer
from tests.helpers.services import add_service
from tests.helpers.worker import QUEUE, accept_and_enqueue, run_worker
from tests.helpers.worker import report_about as document

OSLO, BERGEN, TROMSO = "0301", "4601", "5501"
CANARY = "KANARIFUGL-levering-9b1e"


@pytest.fixture
def worker_db(db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    """`db`, also given to this process's delivery jobs (restored afterwards)."""
    monkeypatch.setattr(jobs, "_database", jobs._database)
    jobs.use_database(db)
    yield db


def envelopes(database: Database) -> dict[str, Envelope]:
    with database.session() as session:
        return {e.id: e for e in session.scalars(select(Envelope))}


def count_envelopes(database: Database) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(Envelope))


def queued_ids(connection: redis.Redis) -> list[str]:
    return jobs.queue(connection, QUEUE).get_job_ids()


def assert_all_delivered_once(database: Database, ids: list[str]) -> None:
    stored = envelopes(database)
    assert sorted(stored) == sorted(ids)
    for envelope in stored.values():
        assert envelope.state == EnvelopeState.DELIVERED, envelope.id
        assert envelope.delivery_attempts == 1, f"{envelope.id} delivered more than once"
        assert envelope.delivered_at is not None


# --- delivery --------------------------------------------------------------------------------


def test_accepted_report_is_delivered_once_and_opens_only_with_its_services_key(
    worker_db, redis_client
):
    oslo = add_service(worker_db, "oslo", OSLO).pair
    bergen = add_service(worker_db, "bergen", BERGEN).pair
    envelope_id = accept_and_enqueue(worker_db, redis_client, "Bekymret for Ola 😢 «أنا خائف»")
    assert envelopes(worker_db)[envelope_id].state == EnvelopeState.ACCEPTED

    run_worker(redis_client)

    envelope = envelopes(worker_db)[envelope_id]
    assert envelope.state == EnvelopeState.DELIVERED
    assert envelope.delivery_attempts == 1
    assert envelope.delivered_at is not None and envelope.delivered_at >= envelope.created_at
    assert envelope.service_id == "oslo" and envelope.key_id == oslo.key_id
    job = Job.fetch(jobs.job_id(envelope_id), connection=redis_client, serializer=JSONSerializer)
    assert job.get_status() == JobStatus.FINISHED and job.return_value() is True
    opened = json.loads(unseal(envelope.sealed, oslo.private_key))
    assert opened["concern"]["description"] == "Bekymret for Ola 😢 «أنا خائف»"
    with pytest.raises(SealingError, match="cannot open"):
        unseal(envelope.sealed, bergen.private_key)


def test_doorbell_rung_twice_delivers_once(worker_db, redis_client):
    add_service(worker_db, "oslo", OSLO)
    envelope_id = accept_and_enqueue(worker_db, redis_client, "to ganger")
    jobs.enqueue_delivery(redis_client, QUEUE, envelope_id)  # a repeated submit, a reconcile

    run_worker(redis_client)
    first = envelopes(worker_db)[envelope_id]
    assert first.state == EnvelopeState.DELIVERED and first.delivery_attempts == 1

    # The job runs yet again (a worker killed after its commit, before reporting success).
    assert jobs.deliver_job(envelope_id) is False
    again = envelopes(worker_db)[envelope_id]
    assert again.delivery_attempts == 1
    assert again.delivered_at == first.delivered_at


def test_a_waiting_worker_stays_registered_alive_and_idle_between_reports(
    worker_db, redis_client
):
    """Operators (`rq info`) and RQ's clean-up see a worker that delivers and then waits as
    alive and idle: its heartbeat outlasts the wait until the next one, so its jobs are never
    taken for a dead worker's."""
    add_service(worker_db, "oslo", OSLO)
    stopping = threading.Event()
    worker = DeliveryWorker([jobs.queue(redis_client, QUEUE)], connection=redis_client,
                            serializer=JSONSerializer, stopping=stopping)
    seen: dict[str, object] = {}

    def send_reports_then_look() -> list[str]:
        try:
            ids = [accept_and_enqueue(worker_db, redis_client, f"melding {n}") for n in range(5)]
            deadline = time.monotonic() + 30
            while any(e.state == EnvelopeState.ACCEPTED for e in envelopes(worker_db).values()):
                assert time.monotonic() < deadline, "not delivered"
                time.sleep(0.05)
            time.sleep(DEQUEUE_SECONDS * 3)  # waiting for the next report now
            [registered] = Worker.all(connection=redis_client)
            seen.update(name=registered.name, state=registered.get_state(),
                        ttl=redis_client.ttl(worker.key))
            return ids
        finally:
            stopping.set()

    # The worker in this (the main) thread, as RQ's signal handlers need; the reports come
    # from another.
    with ThreadPoolExecutor(1) as pool:
        sent = pool.submit(send_reports_then_look)
        worker.work(logging_level="WARNING")
        ids = sent.result()

    assert_all_delivered_once(worker_db, ids)
    assert seen["name"] == worker.name and seen["state"] == WorkerStatus.IDLE
    # Counted alive for longer than the wait until its next heartbeat.
    assert isinstance(seen["ttl"], int) and seen["ttl"] > HEARTBEAT_SECONDS


def test_each_report_is_delivered_to_the_service_of_its_own_municipality(worker_db, redis_client):
    add_service(worker_db, "oslo", OSLO)
    add_service(worker_db, "bergen", BERGEN)
    to_oslo = accept_and_enqueue(worker_db, redis_client, "Oslo", OSLO)
    to_bergen = accept_and_enqueue(worker_db, redis_client, "Bergen", BERGEN)
    run_worker(redis_client)
    stored = envelopes(worker_db)
    assert stored[to_oslo].service_id == "oslo"
    assert stored[to_bergen].service_id == "bergen"
    assert_all_delivered_once(worker_db, [to_oslo, to_bergen])


def test_report_for_a_municipality_without_a_service_is_refused_and_nothing_is_stored(
    worker_db, redis_client
):
    add_service(worker_db, "oslo", OSLO)
    with worker_db.session() as session, pytest.raises(NoServiceError) as raised:
        accept(session, document(CANARY), TROMSO)
    assert raised.value.municipality_number == TROMSO
    assert count_envelopes(worker_db) == 0
    assert queued_ids(redis_client) == []


def test_report_for_a_service_without_a_key_is_refused_and_nothing_is_stored(
    worker_db, redis_client
):
    add_service(worker_db, "tromso", TROMSO, with_key=False)
    with worker_db.session() as session, pytest.raises(NoKeyError) as raised:
        accept(session, document(CANARY), TROMSO)
    assert raised.value.service.id == "tromso"
    assert count_envelopes(worker_db) == 0
    assert queued_ids(redis_client) == []


def test_no_plaintext_in_the_envelope_row_or_in_redis(worker_db, redis_client):
    add_service(worker_db, "oslo", OSLO)
    envelope_id = accept_and_enqueue(worker_db, redis_client, CANARY)

    envelope = envelopes(worker_db)[envelope_id]
    for column in Envelope.__table__.columns:
        value = getattr(envelope, column.key)
        raw = value if isinstance(value, bytes) else str(value).encode("utf-8")
        assert CANARY.encode() not in raw, f"plaintext in envelopes.{column.key}"

    for key in redis_client.scan_iter():
        kind = redis_client.type(key)
        if kind == b"hash":
            values = [*redis_client.hgetall(key).keys(), *redis_client.hgetall(key).values()]
        elif kind == b"list":
            values = redis_client.lrange(key, 0, -1)
        elif kind == b"zset":
            values = redis_client.zrange(key, 0, -1)
        elif kind == b"set":
            values = list(redis_client.smembers(key))
        elif kind == b"string":
            values = [redis_client.get(key)]
        else:
            values = []
        assert all(CANARY.encode() not in value for value in values), f"plaintext in Redis {key!r}"


# --- the reconciler ----------------------------------------------------------------------------


def test_after_redis_is_killed_the_reconciler_delivers_every_envelope_exactly_once(
    worker_db, own_redis
):
    add_service(worker_db, "oslo", OSLO)
    add_service(worker_db, "bergen", BERGEN)
    connection = own_redis.client()
    ids = [
        accept_and_enqueue(worker_db, connection, f"melding {n}", OSLO if n % 2 else BERGEN)
        for n in range(6)
    ]
    assert len(queued_ids(connection)) == 6

    own_redis.kill()  # kill -9 between acceptance and delivery
    own_redis.start_again()
    connection = own_redis.client()
    assert queued_ids(connection) == [], "a fresh Redis without persistence holds no jobs"
    with pytest.raises(NoSuchJobError):
        Job.fetch(jobs.job_id(ids[0]), connection=connection, serializer=JSONSerializer)
    with worker_db.session() as session:
        assert sorted(stuck_envelopes(session, timedelta(0))) == sorted(ids)

    assert jobs.reconcile(connection, QUEUE, timedelta(0), worker_db) == 6
    run_worker(connection)

    assert_all_delivered_once(worker_db, ids)
    assert jobs.reconcile(connection, QUEUE, timedelta(0), worker_db) == 0


def test_reconciler_does_not_enqueue_again_an_envelope_whose_job_is_still_queued(
    worker_db, redis_client
):
    add_service(worker_db, "oslo", OSLO)
    envelope_id = accept_and_enqueue(worker_db, redis_client, "venter")
    assert jobs.reconcile(redis_client, QUEUE, timedelta(0), worker_db) == 0
    assert queued_ids(redis_client) == [jobs.job_id(envelope_id)]


def test_reconciler_enqueues_again_an_envelope_whose_job_is_gone(worker_db, redis_client):
    add_service(worker_db, "oslo", OSLO)
    kept = accept_and_enqueue(worker_db, redis_client, "beholdt")
    lost = accept_and_enqueue(worker_db, redis_client, "mistet")
    Job.fetch(jobs.job_id(lost), connection=redis_client, serializer=JSONSerializer).delete()
    assert queued_ids(redis_client) == [jobs.job_id(kept)]

    assert jobs.reconcile(redis_client, QUEUE, timedelta(0), worker_db) == 1
    assert sorted(queued_ids(redis_client)) == sorted([jobs.job_id(kept), jobs.job_id(lost)])

    run_worker(redis_client)
    assert_all_delivered_once(worker_db, [kept, lost])


def test_reconciler_leaves_a_just_accepted_envelope_to_its_own_job(worker_db, redis_client):
    # Between the commit and the enqueue there is a moment with no job: not yet "stuck".
    add_service(worker_db, "oslo", OSLO)
    with worker_db.session() as session:
        accept(session, document("nettopp"), OSLO)
    assert jobs.reconcile(redis_client, QUEUE, timedelta(minutes=5), worker_db) == 0
    assert queued_ids(redis_client) == []


def test_reconciler_leaves_delivered_envelopes_alone(worker_db, redis_client):
    add_service(worker_db, "oslo", OSLO)
    envelope_id = accept_and_enqueue(worker_db, redis_client, "levert")
    run_worker(redis_client)
    redis_client.flushall()  # job results gone too
    assert jobs.reconcile(redis_client, QUEUE, timedelta(0), worker_db) == 0
    assert_all_delivered_once(worker_db, [envelope_id])


# --- the last try: failed, alerted, still in the inbox ------------------------------------------

OPERATORS = "drift@bekymring.example.no"


def refuse_deliveries(database: Database) -> None:
    """Make the database itself refuse to record a delivery, as a broken disk or a constraint
    gone wrong would: every try of the job fails, while other writes still work."""
    with database.engine.begin() as connection:
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql(
                "CREATE TRIGGER refuse_delivery BEFORE UPDATE OF delivered_at ON envelopes "
                "WHEN NEW.delivered_at IS NOT NULL "
                "BEGIN SELECT RAISE(ABORT, 'delivery refused by the test'); END")
        else:
            connection.exec_driver_sql(
                "CREATE FUNCTION refuse_delivery() RETURNS trigger AS $$ BEGIN "
                "RAISE EXCEPTION 'delivery refused by the test'; END $$ LANGUAGE plpgsql")
            connection.exec_driver_sql(
                "CREATE TRIGGER refuse_delivery BEFORE UPDATE OF delivered_at ON envelopes "
                "FOR EACH ROW WHEN (NEW.delivered_at IS NOT NULL) "
                "EXECUTE FUNCTION refuse_delivery()")


def allow_deliveries(database: Database) -> None:
    with database.engine.begin() as connection:
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("DROP TRIGGER refuse_delivery")
        else:
            connection.exec_driver_sql("DROP TRIGGER refuse_delivery ON envelopes")
            connection.exec_driver_sql("DROP FUNCTION refuse_delivery()")


@pytest.fixture
def few_quick_retries(worker_db, monkeypatch: pytest.MonkeyPatch) -> Database:
    monkeypatch.setattr(jobs, "DELIVER_MAX_RETRIES", 2)
    monkeypatch.setattr(jobs, "DELIVER_BACKOFF_SECONDS", 0)
    return worker_db


def alert_config(mail_server: MailServer, **extra: object) -> Config:
    return Config.from_mapping({"SMTP_HOST": "127.0.0.1", "SMTP_PORT": mail_server.port,
                                "MAIL_FROM": "ikke-svar@bekymring.example.no",
                                "OPERATOR_ALERT_EMAIL": OPERATORS, **extra})


def send_alerts(database: Database, config: Config) -> int:
    with database.session() as session:
        return alerts.send_pending(session, config)


def test_a_delivery_that_fails_every_try_is_failed_alerted_once_and_stays_in_the_inbox(
    few_quick_retries, redis_client, mail_server, caplog
):
    database = few_quick_retries
    add_service(database, "oslo", OSLO)
    refuse_deliveries(database)
    caplog.set_level(logging.INFO)
    envelope_id = accept_and_enqueue(database, redis_client, CANARY)

    run_worker(redis_client)  # the first try and both retries fail

    envelope = envelopes(database)[envelope_id]
    assert envelope.state == EnvelopeState.FAILED
    assert envelope.failed_at is not None and envelope.delivered_at is None
    job = Job.fetch(jobs.job_id(envelope_id), connection=redis_client, serializer=JSONSerializer)
    assert job.get_status() == JobStatus.FAILED
    errors = [r.getMessage() for r in caplog.records
              if r.levelno == logging.ERROR and r.name == "routing.alerts"]
    assert len(errors) == 1 and envelope_id in errors[0] and "inbox" in errors[0]
    assert CANARY not in caplog.text

    # The team has it all the same: listed, downloadable, and it can be acknowledged.
    with database.session() as session:
        assert [row.id for row in inbox_envelopes.list_for_service(session, "oslo")] == [
            envelope_id]
        found = inbox_envelopes.own_envelope(session, "oslo", envelope_id)
        assert found is not None
        assert parse(to_file(found)).envelope_id == envelope_id
        inbox_envelopes.mark_downloaded(session, found)

    config = alert_config(mail_server)
    assert send_alerts(database, config) == 1
    [mail] = mail_server.take()
    assert mail["To"] == OPERATORS
    assert "1 failed delivery" in mail["Subject"]
    text_ = mail.get_body(("plain",)).get_content()
    assert envelope_id in text_ and "oslo" in text_ and "inbox" in text_
    assert "flask routing redeliver" in text_
    assert CANARY not in mail.as_string() and envelope.reference not in mail.as_string()
    assert send_alerts(database, config) == 0  # once per envelope
    assert mail_server.take() == []

    # The reconciler neither loses it nor fails it again every few minutes.
    assert jobs.reconcile(redis_client, QUEUE, timedelta(0), database) == 0
    assert envelopes(database)[envelope_id].state == EnvelopeState.FAILED


def test_a_failed_envelope_delivered_later_keeps_what_the_team_did_and_is_not_alerted_again(
    few_quick_retries, redis_client, mail_server
):
    database = few_quick_retries
    add_service(database, "oslo", OSLO)
    refuse_deliveries(database)
    downloaded, acknowledged, untouched = (
        accept_and_enqueue(database, redis_client, f"melding {n}") for n in range(3))
    run_worker(redis_client)
    assert {e.state for e in envelopes(database).values()} == {EnvelopeState.FAILED}
    with database.session() as session:
        inbox_envelopes.mark_downloaded(session, session.get_one(Envelope, downloaded))
        assert inbox_envelopes.acknowledge(session, session.get_one(Envelope, acknowledged))
    config = alert_config(mail_server)
    assert send_alerts(database, config) == 3
    assert len(mail_server.take()) == 1  # one mail for all three

    allow_deliveries(database)  # the cause is fixed
    assert sorted(jobs.redeliver_failed(redis_client, QUEUE, None, database)) == sorted(
        [downloaded, acknowledged, untouched])
    run_worker(redis_client)

    after = envelopes(database)
    assert after[downloaded].state == EnvelopeState.DOWNLOADED
    assert after[acknowledged].state == EnvelopeState.ACKNOWLEDGED
    assert after[untouched].state == EnvelopeState.DELIVERED
    for envelope in after.values():
        assert envelope.delivered_at is not None and envelope.failed_at is not None
    with database.session() as session:
        assert len(inbox_envelopes.list_for_service(session, "oslo")) == 3
    assert jobs.redeliver_failed(redis_client, QUEUE, None, database) == []
    assert send_alerts(database, config) == 0
    assert mail_server.take() == []


def test_a_failed_delivery_is_not_mailed_twice_by_two_workers_or_lost_while_smtp_is_down(
    few_quick_retries, redis_client, mail_server
):
    database = few_quick_retries
    add_service(database, "oslo", OSLO)
    refuse_deliveries(database)
    envelope_id = accept_and_enqueue(database, redis_client, "venter på e-post")
    run_worker(redis_client)

    mail_server.stop()
    config = alert_config(mail_server)
    assert send_alerts(database, config) == 0  # nothing marked sent
    mail_server.start()
    assert send_alerts(database, config) == 1
    assert send_alerts(database, config) == 0
    [mail] = mail_server.take()
    assert envelope_id in mail.get_body(("plain",)).get_content()


def test_without_an_operator_address_the_failure_is_logged_and_not_mailed(
    few_quick_retries, redis_client, mail_server, caplog
):
    database = few_quick_retries
    add_service(database, "oslo", OSLO)
    refuse_deliveries(database)
    envelope_id = accept_and_enqueue(database, redis_client, "ingen adresse")
    caplog.set_level(logging.INFO)
    run_worker(redis_client)
    config = alert_config(mail_server, OPERATOR_ALERT_EMAIL="")
    assert send_alerts(database, config) == 1
    assert mail_server.take() == []
    assert any(envelope_id in r.getMessage() for r in caplog.records if r.levelno == logging.ERROR)
    assert "OPERATOR_ALERT_EMAIL is not set" in caplog.text
    assert send_alerts(database, config) == 0  # and not logged again every run


def test_delivery_backoff_grows_exponentially_with_jitter():
    schedules = [jobs.deliver_retry() for _ in range(5)]
    for retry in schedules:
        assert retry.max == jobs.DELIVER_MAX_RETRIES == len(retry.intervals)
        assert 2 <= retry.intervals[0] <= 5
        assert all(later >= earlier // 2 for earlier, later in pairwise(retry.intervals))
        assert retry.intervals[5] >= 16 * retry.intervals[0] // 2
        assert max(retry.intervals) <= jobs.DELIVER_BACKOFF_CAP_SECONDS
        assert sum(retry.intervals) >= 30 * 60
    assert len({tuple(retry.intervals) for retry in schedules}) > 1, "no jitter"


# --- a service without a key: the operators hear of it, at most once an hour --------------------


def test_a_service_without_a_key_is_alerted_to_the_operators_at_most_once_an_hour(
    worker_db, mail_server, caplog
):
    add_service(worker_db, "tromso", TROMSO, with_key=False)
    add_service(worker_db, "oslo", OSLO, with_key=False)
    config = alert_config(mail_server)
    start = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)

    def reporter_meets_it(service_id: str, minutes: int) -> bool:
        """What the wizard does when a reporter's municipality turns out to have no key."""
        with worker_db.session() as session:
            return alerts.alert_no_key(session, service_id, start + timedelta(minutes=minutes))

    caplog.set_level(logging.INFO)
    assert reporter_meets_it("tromso", 0) is True
    assert reporter_meets_it("tromso", 1) is False  # the next reporter, a minute later
    with worker_db.session() as session:
        assert alerts.send_pending(session, config, start + timedelta(minutes=2)) == 1
    [mail] = mail_server.take()
    assert mail["To"] == OPERATORS
    assert mail["Subject"] == "Concern reports: 1 service without a key"
    text_ = mail.get_body(("plain",)).get_content()
    assert "service tromso" in text_ and "flask keys register" in text_
    assert "oslo" not in text_
    logged = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(logged) == 1 and "tromso" in logged[0]

    assert reporter_meets_it("tromso", 59) is False
    assert reporter_meets_it("oslo", 59) is True  # each service for itself
    assert reporter_meets_it("tromso", 61) is True
    assert reporter_meets_it("tromso", 62) is False
    with worker_db.session() as session:
        assert alerts.send_pending(session, config, start + timedelta(minutes=63)) == 2
    [mail] = mail_server.take()
    assert mail["Subject"] == "Concern reports: 2 services without a key"
    assert reporter_meets_it("nowhere", 200) is False  # not a service at all: nothing to say


def test_an_hourly_no_key_alert_raised_while_the_mail_server_is_down_is_sent_once_it_is_back(
    worker_db, mail_server
):
    add_service(worker_db, "tromso", TROMSO, with_key=False)
    config = alert_config(mail_server)
    start = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
    mail_server.stop()
    with worker_db.session() as session:
        assert alerts.alert_no_key(session, "tromso", start)
    with worker_db.session() as session:
        assert alerts.send_pending(session, config, start) == 0
    with worker_db.session() as session:
        assert alerts.alert_no_key(session, "tromso", start + timedelta(minutes=90))
    mail_server.start()
    with worker_db.session() as session:
        assert alerts.send_pending(session, config, start + timedelta(minutes=91)) == 1
    assert len(mail_server.take()) == 1  # one mail, not one per hour it waited


def test_reconciler_takes_back_a_job_a_killed_worker_left_started_and_a_retry_nobody_runs(
    worker_db, redis_client
):
    """A worker killed mid-job leaves its job "started" for ever, and a retry whose time has come
    waits for a scheduler that died with that worker. Past their margins both are taken back;
    within them (a job really running, a retry not yet due) they are left alone."""
    add_service(worker_db, "oslo", OSLO)
    abandoned = accept_and_enqueue(worker_db, redis_client, "forlatt")
    running = accept_and_enqueue(worker_db, redis_client, "pågår")
    overdue = accept_and_enqueue(worker_db, redis_client, "forsinket")
    waiting = accept_and_enqueue(worker_db, redis_client, "venter på nytt forsøk")
    queue = jobs.queue(redis_client, QUEUE)
    now = datetime.now(UTC)
    for envelope_id, started in ((abandoned, now - jobs.STARTED_GRACE - timedelta(seconds=5)),
                                 (running, now - timedelta(seconds=2))):
        job = Job.fetch(jobs.job_id(envelope_id), connection=redis_client,
                        serializer=JSONSerializer)
        queue.remove(job)
        job.set_status(JobStatus.STARTED)
        job.started_at = started.replace(tzinfo=None)
        job.save()
    for envelope_id, due in ((overdue, now - jobs.SCHEDULED_GRACE - timedelta(seconds=5)),
                             (waiting, now + timedelta(minutes=5))):
        job = Job.fetch(jobs.job_id(envelope_id), connection=redis_client,
                        serializer=JSONSerializer)
        queue.remove(job)
        queue.scheduled_job_registry.schedule(job, due)
        job.set_status(JobStatus.SCHEDULED)
    assert queued_ids(redis_client) == []

    assert jobs.reconcile(redis_client, QUEUE, timedelta(0), worker_db) == 2
    assert sorted(queued_ids(redis_client)) == sorted(
        [jobs.job_id(abandoned), jobs.job_id(overdue)])
