"""The signed push to a service's case-management system, against a real HTTP receiver on
loopback and a real RQ worker: every envelope is stored there exactly once by id after the
receiver recovers from refusing connections, timing out or answering 500; the signature checks
out only with the service's secret; a permanent 4xx is not retried; a push that fails for good
makes the envelope failed and mails the operators once (real SMTP); and whatever happens to the
push, the envelope stays downloadable in the inbox, with what the team did with it."""

from __future__ import annotations

import json
import logging
import re
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import jsonschema
import pytest
from rq.job import Job, JobStatus
from rq.serializers import JSONSerializer
from sqlalchemy import select

from config import Config
from database import Database
from inbox import envelopes as inbox_envelopes
from routing import alerts, channels, jobs, push, services_file
from routing.acceptance import accept
from routing.envelope_file import parse, to_file
from routing.models import ChannelDelivery, Envelope, EnvelopeState, OperatorAlert, Service
from tests.helpers.mail import MailServer
from tests.helpers.push import SECRET, Receiver
from tests.helpers.services import KEY_SINCE, add_key, add_service
from tests.helpers.worker import QUEUE, accept_and_enqueue, run_worker

OSLO, BERGEN = "0301", "4601"
CANARY = "KANARIFUGL-push-5c2d"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.stop()


@pytest.fixture
def worker_db(database: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    """The app's database, also given to this process's jobs; retries made immediate and few,
    and the client's timeout short."""
    monkeypatch.setattr(jobs, "_database", jobs._database)
    jobs.use_database(database)
    monkeypatch.setattr(jobs, "PUSH_MAX_RETRIES", 3)
    monkeypatch.setattr(jobs, "PUSH_BACKOFF_SECONDS", 0)
    monkeypatch.setattr(jobs, "PUSH_TIMEOUT_SECONDS", 0.5)
    yield database


def pushing_service(database: Database, service_id: str, number: str, url: str) -> None:
    add_service(database, service_id, number)
    with database.session() as session:
        service = session.get(Service, service_id)
        assert service is not None
        service.push_url = url
        service.push_secret = SECRET


def push_row(database: Database, envelope_id: str) -> ChannelDelivery:
    with database.session() as session:
        row = channels.push_state(session, envelope_id)
        assert row is not None, f"no push recorded for {envelope_id}"
        return row


def envelope(database: Database, envelope_id: str) -> Envelope:
    with database.session() as session:
        found = session.get(Envelope, envelope_id)
        assert found is not None
        return found


def assert_in_inbox(database: Database, envelope_id: str,
                    state: str = EnvelopeState.DELIVERED) -> None:
    """Whatever became of the push, the envelope is in Oslo's inbox list and its download (the
    inbox's own lookup, then the envelope file) works. Through the inbox's functions rather
    than its pages, so these tests do not depend on how the team signs in."""
    assert envelope(database, envelope_id).state == state
    with database.session() as session:
        assert envelope_id in [row.id for row in inbox_envelopes.list_for_service(session, "oslo")]
        found = inbox_envelopes.own_envelope(session, "oslo", envelope_id)
        assert found is not None
        assert parse(to_file(found)).envelope_id == envelope_id


# --- delivered ---------------------------------------------------------------------------------


def test_pushed_envelope_is_signed_stored_once_and_stays_in_the_inbox(
    worker_db, redis_client, receiver
):
    receiver.start()
    pushing_service(worker_db, "oslo", OSLO, receiver.url)
    add_service(worker_db, "bergen", BERGEN)  # no push: nothing is sent for it
    envelope_id = accept_and_enqueue(worker_db, redis_client, CANARY)
    other = accept_and_enqueue(worker_db, redis_client, "til Bergen", BERGEN)

    run_worker(redis_client)

    assert list(receiver.stored) == [envelope_id]
    assert receiver.duplicates == Counter()
    body = receiver.stored[envelope_id]
    assert body == to_file(envelope(worker_db, envelope_id))
    assert CANARY.encode() not in body
    headers = receiver.requests[0]
    assert headers["X-Concern-Envelope-Id"] == envelope_id
    assert abs(int(headers["X-Concern-Timestamp"]) - time.time()) < 60
    signature = headers["X-Concern-Signature"]
    assert signature.startswith("sha256=")
    assert push.verify(SECRET, headers["X-Concern-Timestamp"], body, signature)
    assert not push.verify("another-secret", headers["X-Concern-Timestamp"], body, signature)
    assert not push.verify(SECRET, str(int(headers["X-Concern-Timestamp"]) + 1), body, signature)
    assert not push.verify(SECRET, headers["X-Concern-Timestamp"], body + b" ", signature)

    row = push_row(worker_db, envelope_id)
    assert (row.state, row.attempts, row.last_status) == ("delivered", 1, 200)
    assert row.delivered_at is not None
    job = Job.fetch(jobs.push_job_id(envelope_id), connection=redis_client,
                    serializer=JSONSerializer)
    assert job.get_status() == JobStatus.FINISHED and job.return_value() is True
    with worker_db.session() as session:
        assert channels.push_state(session, other) is None
    assert_in_inbox(worker_db, envelope_id)


@pytest.mark.parametrize(
    ("url", "secret", "secret_env", "pushed"),
    [
        ("https://sak.example.no/", SECRET, None, True),
        ("https://sak.example.no/", None, "OSLO_PUSH_SECRET", True),
        ("https://sak.example.no/", SECRET, "OSLO_PUSH_SECRET", True),
        ("https://sak.example.no/", None, None, False),
        ("https://sak.example.no/", "", "", False),
        (None, SECRET, None, False),
        ("", None, "OSLO_PUSH_SECRET", False),
    ],
)
def test_delivery_opens_a_push_exactly_when_the_service_has_a_whole_push_endpoint(
    worker_db, redis_client, url, secret, secret_env, pushed
):
    """The delivery itself asks the database whether the service pushes; it must agree with
    the rule the push job and `flask routing status` use, or a case system misses reports (or
    a push goes out that the job then fails)."""
    add_service(worker_db, "oslo", OSLO)
    with worker_db.session() as session:
        service = session.get_one(Service, "oslo")
        service.push_url, service.push_secret, service.push_secret_env = url, secret, secret_env
        assert channels.pushes(service) is pushed
    envelope_id = accept_and_enqueue(worker_db, redis_client, CANARY)

    # The job's entry point outside RQ: it delivers and records the push, enqueueing nothing.
    assert jobs.deliver_job(envelope_id) is True

    assert_in_inbox(worker_db, envelope_id)
    with worker_db.session() as session:
        row = channels.push_state(session, envelope_id)
    assert (row is not None and row.state == "pending") is pushed
    assert jobs.deliver_job(envelope_id) is False  # run again: delivered once


def test_push_job_run_again_does_not_post_again(worker_db, redis_client, receiver):
    receiver.start()
    pushing_service(worker_db, "oslo", OSLO, receiver.url)
    envelope_id = accept_and_enqueue(worker_db, redis_client, "en gang")
    run_worker(redis_client)
    assert len(receiver.requests) == 1

    assert jobs.push_job(envelope_id) is False  # a re-enqueue after the success
    assert jobs.deliver_job(envelope_id) is False  # the delivery job too
    run_worker(redis_client)
    assert len(receiver.requests) == 1
    assert push_row(worker_db, envelope_id).attempts == 1


# --- transient failures: retried until stored, exactly once --------------------------------------


def test_every_envelope_reaches_a_receiver_that_answered_500_at_first_exactly_once(
    worker_db, redis_client, receiver
):
    receiver.fail_first = 5
    receiver.start()
    pushing_service(worker_db, "oslo", OSLO, receiver.url)
    ids = [accept_and_enqueue(worker_db, redis_client, f"melding {n}") for n in range(4)]

    run_worker(redis_client)

    assert sorted(receiver.stored) == sorted(ids)
    assert receiver.duplicates == Counter()
    assert len(receiver.requests) == 4 + 5
    attempts = {envelope_id: push_row(worker_db, envelope_id).attempts for envelope_id in ids}
    assert sum(attempts.values()) == 9
    for envelope_id in ids:
        row = push_row(worker_db, envelope_id)
        assert (row.state, row.last_status) == ("delivered", 200)
        assert envelope(worker_db, envelope_id).delivery_attempts == 1
    assert_in_inbox(worker_db, ids[0])


def test_a_push_whose_answer_timed_out_is_sent_again_and_stored_once(
    worker_db, redis_client, receiver
):
    receiver.slow_first = 1
    receiver.delay = 2.0  # longer than the client's 0.5 s: it stored the file, we never heard
    receiver.start()
    pushing_service(worker_db, "oslo", OSLO, receiver.url)
    envelope_id = accept_and_enqueue(worker_db, redis_client, "sein")

    started = time.monotonic()
    run_worker(redis_client)

    assert time.monotonic() - started < 10
    assert list(receiver.stored) == [envelope_id]
    # The idempotency key is what keeps it once: the second POST was a duplicate, answered 200.
    assert receiver.duplicates == Counter({envelope_id: 1})
    assert [r["X-Concern-Envelope-Id"] for r in receiver.requests] == [envelope_id] * 2
    row = push_row(worker_db, envelope_id)
    assert (row.state, row.attempts, row.last_status) == ("delivered", 2, 200)


@pytest.mark.parametrize("status", [408, 429, 502, 503])
def test_transient_statuses_are_retried(worker_db, redis_client, receiver, status):
    receiver.script = [status, status]
    receiver.start()
    pushing_service(worker_db, "oslo", OSLO, receiver.url)
    envelope_id = accept_and_enqueue(worker_db, redis_client, "igjen")
    run_worker(redis_client)

    assert list(receiver.stored) == [envelope_id]
    row = push_row(worker_db, envelope_id)
    assert (row.state, row.attempts) == ("delivered", 3)


def test_receiver_down_fails_the_push_after_the_last_retry_alerts_and_recovers_on_request(
    worker_db, redis_client, receiver, caplog
):
    # Not started: every attempt is refused.
    pushing_service(worker_db, "oslo", OSLO, receiver.url)
    envelope_id = accept_and_enqueue(worker_db, redis_client, CANARY)
    caplog.set_level(logging.INFO)

    run_worker(redis_client)

    row = push_row(worker_db, envelope_id)
    assert (row.state, row.attempts, row.last_status) == ("failed", 4, None)  # 1 + 3 retries
    errors = [r for r in caplog.records
              if r.levelno == logging.ERROR and r.name == "routing.alerts"]
    assert len(errors) == 1
    assert envelope_id in errors[0].getMessage() and "oslo" in errors[0].getMessage()
    assert "after the last try" in errors[0].getMessage()
    assert CANARY not in caplog.text and SECRET not in caplog.text
    assert str(receiver.port) not in caplog.text  # not even where it was sent
    assert envelope(worker_db, envelope_id).failed_at is not None
    assert_in_inbox(worker_db, envelope_id, EnvelopeState.FAILED)

    receiver.start()
    assert jobs.retry_failed_pushes(redis_client, QUEUE, "oslo", worker_db) == 1
    run_worker(redis_client)
    assert list(receiver.stored) == [envelope_id]
    assert receiver.duplicates == Counter()
    assert push_row(worker_db, envelope_id).state == "delivered"
    assert_in_inbox(worker_db, envelope_id, EnvelopeState.DELIVERED)


# --- permanent failures: not retried --------------------------------------------------------------


@pytest.mark.parametrize("status", [400, 403, 404, 410, 422])
def test_a_permanent_4xx_is_not_retried_marks_the_push_failed_and_alerts(
    worker_db, redis_client, receiver, caplog, status
):
    receiver.status = status
    receiver.start()
    pushing_service(worker_db, "oslo", OSLO, receiver.url)
    envelope_id = accept_and_enqueue(worker_db, redis_client, CANARY)
    caplog.set_level(logging.INFO)

    run_worker(redis_client)

    assert len(receiver.requests) == 1
    assert receiver.stored == {}
    row = push_row(worker_db, envelope_id)
    assert (row.state, row.attempts, row.last_status) == ("failed", 1, status)
    job = Job.fetch(jobs.push_job_id(envelope_id), connection=redis_client,
                    serializer=JSONSerializer)
    assert job.get_status() == JobStatus.FINISHED and job.return_value() is False
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and envelope_id in errors[0] and "oslo" in errors[0]
    assert str(status) in errors[0] and "refused permanently" in errors[0]
    assert CANARY not in caplog.text
    assert_in_inbox(worker_db, envelope_id, EnvelopeState.FAILED)


def test_a_receiver_with_another_secret_refuses_and_nothing_is_stored(
    worker_db, redis_client, receiver
):
    receiver.secret = "not the secret we sign with"
    receiver.start()
    pushing_service(worker_db, "oslo", OSLO, receiver.url)
    envelope_id = accept_and_enqueue(worker_db, redis_client, "feil nøkkel")
    run_worker(redis_client)
    assert receiver.stored == {}
    assert (push_row(worker_db, envelope_id).state, len(receiver.requests)) == ("failed", 1)


# --- the database is the truth ---------------------------------------------------------------


def test_a_push_whose_job_redis_lost_is_reenqueued_by_the_reconciler_and_sent_once(
    worker_db, redis_client, receiver
):
    receiver.start()
    pushing_service(worker_db, "oslo", OSLO, receiver.url)
    ids = [accept_and_enqueue(worker_db, redis_client, f"tapt {n}") for n in range(3)]
    for envelope_id in ids:
        jobs.deliver_job(envelope_id)  # delivered to the inbox, push row pending
    redis_client.flushall()  # the push jobs were never enqueued or are lost
    assert all(push_row(worker_db, e).state == "pending" for e in ids)

    assert jobs.reconcile_pushes(redis_client, QUEUE, timedelta(minutes=5), worker_db) == 0
    assert jobs.reconcile(redis_client, QUEUE, timedelta(0), worker_db) == 0  # envelopes
    assert sorted(jobs.queue(redis_client, QUEUE).get_job_ids()) == sorted(
        jobs.push_job_id(e) for e in ids
    )
    assert jobs.reconcile_pushes(redis_client, QUEUE, timedelta(0), worker_db) == 0  # queued

    run_worker(redis_client)
    assert sorted(receiver.stored) == sorted(ids)
    assert receiver.duplicates == Counter()
    assert jobs.reconcile_pushes(redis_client, QUEUE, timedelta(0), worker_db) == 0


def test_push_urls_must_be_https_except_on_loopback(worker_db):
    add_service(worker_db, "oslo", OSLO)
    with worker_db.session() as session:
        secret = channels.set_push_endpoint(session, "oslo", "https://sak.example.no/concerns")
        assert len(secret) >= 40
        channels.set_push_endpoint(session, "oslo", "http://127.0.0.1:8080/concerns")
        for bad in ("http://sak.example.no/concerns", "ftp://127.0.0.1/x", "file:///etc/passwd"):
            with pytest.raises(ValueError):
                channels.set_push_endpoint(session, "oslo", bad)
    assert push.post("http://sak.example.no/x", SECRET, "0" * 32, b"{}") == push.PushResult(
        status=None, transient=False
    )


def test_production_backoff_grows_exponentially_with_jitter_and_outlasts_a_day():
    # The module's own values, not the test's immediate ones.
    schedules = [jobs.push_retry() for _ in range(5)]
    for retry in schedules:
        assert retry.max == jobs.PUSH_MAX_RETRIES == len(retry.intervals)
        assert 15 <= retry.intervals[0] <= 30
        assert retry.intervals[4] >= 8 * retry.intervals[0] // 2  # doubling, give or take jitter
        assert max(retry.intervals) <= jobs.PUSH_BACKOFF_CAP_SECONDS
        assert sum(retry.intervals) >= 24 * 3600
    assert len({tuple(retry.intervals) for retry in schedules}) > 1, "no jitter"


# --- failed: the operators are told, the team keeps the envelope ---------------------------------

OPERATORS = "drift@bekymring.example.no"


def operator_mail(database: Database, mail_server: MailServer) -> list[EmailMessage]:
    """One housekeeping round of the operators' alerts through real SMTP; what arrived."""
    config = Config.from_mapping({"SMTP_HOST": "127.0.0.1", "SMTP_PORT": mail_server.port,
                                  "OPERATOR_ALERT_EMAIL": OPERATORS})
    with database.session() as session:
        alerts.send_pending(session, config)
    return mail_server.take()


def test_a_refused_push_mails_the_operators_once_per_envelope_without_content(
    worker_db, redis_client, receiver, mail_server
):
    receiver.status = 404
    receiver.start()
    pushing_service(worker_db, "oslo", OSLO, receiver.url)
    envelope_id = accept_and_enqueue(worker_db, redis_client, CANARY)
    run_worker(redis_client)

    [mail] = operator_mail(worker_db, mail_server)
    assert mail["To"] == OPERATORS and "1 failed delivery" in mail["Subject"]
    text = mail.get_body(("plain",)).get_content()
    assert envelope_id in text and "service oslo" in text
    assert "push failed refused permanently (status 404" in text
    assert "flask routing push-retry" in text
    raw = mail.as_string()
    for secret in (CANARY, SECRET, receiver.url, str(receiver.port),
                   envelope(worker_db, envelope_id).reference):
        assert secret not in raw
    assert operator_mail(worker_db, mail_server) == []

    # Retried by an operator and refused again: in the log and the status, not mailed again.
    assert jobs.retry_failed_pushes(redis_client, QUEUE, "oslo", worker_db) == 1
    run_worker(redis_client)
    assert push_row(worker_db, envelope_id).state == "failed"
    assert operator_mail(worker_db, mail_server) == []
    assert_in_inbox(worker_db, envelope_id, EnvelopeState.FAILED)


def test_a_failed_push_keeps_what_the_team_did_and_a_retry_that_stores_it_restores_it(
    worker_db, redis_client, receiver
):
    receiver.status = 503
    receiver.start()
    pushing_service(worker_db, "oslo", OSLO, receiver.url)
    with worker_db.session() as session:
        downloaded, acknowledged = (accept(session, b"{}", OSLO).id for _ in range(2))
    for envelope_id in (downloaded, acknowledged):
        jobs.deliver_job(envelope_id)  # delivered to the inbox, its push pending
    with worker_db.session() as session:
        inbox_envelopes.mark_downloaded(session, session.get_one(Envelope, downloaded))
        assert inbox_envelopes.acknowledge(session, session.get_one(Envelope, acknowledged))
    # The team was quicker than the push: only now are the pushes enqueued, and run.
    assert jobs.reconcile(redis_client, QUEUE, timedelta(0), worker_db) == 0

    run_worker(redis_client)  # every try answered 503

    assert push_row(worker_db, downloaded).state == push_row(worker_db, acknowledged).state == (
        "failed")
    # Acknowledged: the report is in the team's hands; the failure shows on the channel only.
    assert_in_inbox(worker_db, acknowledged, EnvelopeState.ACKNOWLEDGED)
    assert_in_inbox(worker_db, downloaded, EnvelopeState.FAILED)
    assert envelope(worker_db, downloaded).downloaded_at is not None

    receiver.status = None
    assert jobs.retry_failed_pushes(redis_client, QUEUE, None, worker_db) == 2
    run_worker(redis_client)
    assert sorted(receiver.stored) == sorted([downloaded, acknowledged])
    assert_in_inbox(worker_db, downloaded, EnvelopeState.DOWNLOADED)
    assert_in_inbox(worker_db, acknowledged, EnvelopeState.ACKNOWLEDGED)


# --- set up by the services file, retried by the operators ---------------------------------------


def services_file_with_push(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "services.toml"
    path.write_text(f"""
[[service]]
id = "oslo"
name = "Barneverntjenesten i Oslo"
phone = "+47 21 80 21 80"
push_url = "{url}"
push_secret_env = "OSLO_PUSH_SECRET"
[[service.coverage]]
municipality = "{OSLO}"
from = 2024-01-01

[[uncovered]]
all_others = true
reason = "Test: only Oslo"
""", encoding="utf-8")
    return path


def load_services(database: Database, path: Path) -> None:
    with database.session() as session:
        services_file.load(session, path)
    add_key(database, "oslo", KEY_SINCE)


def test_a_push_set_up_in_the_services_file_is_signed_with_the_secret_from_the_environment(
    worker_db, redis_client, receiver, monkeypatch, db_path
):
    monkeypatch.setenv("OSLO_PUSH_SECRET", SECRET)
    receiver.start()
    load_services(worker_db, services_file_with_push(db_path.parent, receiver.url))
    envelope_id = accept_and_enqueue(worker_db, redis_client, "fra tjenestefila")

    run_worker(redis_client)

    assert list(receiver.stored) == [envelope_id]  # the receiver checked the signature
    headers = receiver.requests[0]
    assert push.verify(SECRET, headers["X-Concern-Timestamp"], receiver.stored[envelope_id],
                       headers["X-Concern-Signature"])
    with worker_db.session() as session:
        assert session.get_one(Service, "oslo").push_secret is None
    worker_db.dispose()  # everything written out of the WAL into the file
    for path in db_path.parent.glob("concern.db*"):
        assert SECRET.encode() not in path.read_bytes(), f"the push secret is in {path.name}"


def test_without_the_secrets_variable_nothing_unsigned_goes_out_and_a_retry_sends_it_once_set(
    app, worker_db, redis_client, receiver, monkeypatch, db_path, caplog
):
    monkeypatch.delenv("OSLO_PUSH_SECRET", raising=False)
    receiver.start()
    load_services(worker_db, services_file_with_push(db_path.parent, receiver.url))
    envelope_id = accept_and_enqueue(worker_db, redis_client, CANARY)
    caplog.set_level(logging.INFO)

    run_worker(redis_client)

    assert receiver.requests == []
    row = push_row(worker_db, envelope_id)
    assert (row.state, row.attempts) == ("failed", 4)
    with worker_db.session() as session:
        [alert] = session.scalars(select(OperatorAlert)).all()
    assert "OSLO_PUSH_SECRET is not set in the worker's environment" in alert.detail
    assert CANARY not in caplog.text
    assert_in_inbox(worker_db, envelope_id, EnvelopeState.FAILED)

    monkeypatch.setenv("OSLO_PUSH_SECRET", SECRET)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["routing", "push-retry", envelope_id])
    assert result.exit_code == 0, result.output
    assert "Re-enqueued the push of 1 envelope(s)." in result.output
    run_worker(redis_client)
    assert list(receiver.stored) == [envelope_id] and receiver.duplicates == Counter()
    assert push_row(worker_db, envelope_id).state == "delivered"
    assert_in_inbox(worker_db, envelope_id, EnvelopeState.DELIVERED)

    again = runner.invoke(args=["routing", "push-retry", envelope_id])
    assert again.exit_code != 0 and "its push is delivered" in again.output
    app.extensions["redis"]().close()


def test_push_retry_all_failed_retries_every_failed_push_or_one_services(
    app, worker_db, redis_client, receiver
):
    receiver.status = 410
    receiver.start()
    pushing_service(worker_db, "oslo", OSLO, receiver.url)
    pushing_service(worker_db, "bergen", BERGEN, receiver.url)
    oslo_ids = [accept_and_enqueue(worker_db, redis_client, f"o {n}") for n in range(2)]
    bergen_id = accept_and_enqueue(worker_db, redis_client, "b", BERGEN)
    run_worker(redis_client)
    assert {push_row(worker_db, e).state for e in [*oslo_ids, bergen_id]} == {"failed"}
    receiver.status = None  # the services fixed their endpoints
    runner = app.test_cli_runner()

    assert runner.invoke(args=["routing", "push-retry"]).exit_code != 0
    assert runner.invoke(args=["routing", "push-retry", oslo_ids[0], "--all-failed"]).exit_code != 0
    result = runner.invoke(args=["routing", "push-retry", "--all-failed", "--service", "oslo"])
    assert "Re-enqueued the push of 2 envelope(s)." in result.output
    run_worker(redis_client)
    assert sorted(receiver.stored) == sorted(oslo_ids)
    result = runner.invoke(args=["routing", "push-retry", "--all-failed"])
    assert "Re-enqueued the push of 1 envelope(s)." in result.output
    run_worker(redis_client)
    assert sorted(receiver.stored) == sorted([*oslo_ids, bergen_id])
    assert receiver.duplicates == Counter()
    app.extensions["redis"]().close()


# --- the receiver's contract, as documented ------------------------------------------------------

PROJECT = Path(__file__).resolve().parents[2]


def test_the_documented_receiver_contract_matches_what_is_sent(worker_db, redis_client, receiver):
    receiver.start()
    pushing_service(worker_db, "oslo", OSLO, receiver.url)
    envelope_id = accept_and_enqueue(worker_db, redis_client, "kontrakten")
    run_worker(redis_client)
    [headers], [body] = receiver.requests, receiver.bodies
    timestamp, signature = headers["X-Concern-Timestamp"], headers["X-Concern-Signature"]

    # docs/push-receiver.md: its Python check accepts what we send, and refuses a wrong secret,
    # a changed body and a stale (though correctly signed) request.
    guide = (PROJECT / "docs" / "push-receiver.md").read_text(encoding="utf-8")
    code = re.search(r"```python\n(.*?)```", guide, re.S)
    assert code is not None
    namespace: dict[str, object] = {}
    exec(code.group(1), namespace)  # noqa: S102 - the guide's own example, run as written
    verify = namespace["verify"]
    assert verify(SECRET, timestamp, body, signature)  # type: ignore[operator]
    assert not verify("another secret", timestamp, body, signature)  # type: ignore[operator]
    assert not verify(SECRET, timestamp, body + b" ", signature)  # type: ignore[operator]
    stale = str(int(timestamp) - 301)
    assert not verify(SECRET, stale, body, push.signature(SECRET, stale, body))  # type: ignore[operator]
    assert json.loads(body)["envelope_id"] == headers["X-Concern-Envelope-Id"] == envelope_id

    # routing/openapi.json describes the same push as a webhook: every header it requires is
    # sent and matches its pattern, and the body matches the envelope file's schema.
    document = json.loads((PROJECT / "routing" / "openapi.json").read_text(encoding="utf-8"))
    webhook = document["webhooks"]["envelopePush"]["post"]
    required = [p for p in webhook["parameters"] if p["in"] == "header" and p.get("required")]
    assert {p["name"] for p in required} == {
        "X-Concern-Envelope-Id", "X-Concern-Timestamp", "X-Concern-Signature"}
    for parameter in required:
        assert re.fullmatch(parameter["schema"]["pattern"], headers[parameter["name"]])
    schema = webhook["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert schema == "#/components/schemas/EnvelopeFile"
    jsonschema.validate(json.loads(body), document["components"]["schemas"]["EnvelopeFile"])
    assert {"2XX", "4XX", "5XX"} <= set(webhook["responses"])
