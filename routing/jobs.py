"""RQ plumbing for delivery, in three thin layers: enqueue, the job entry point (which opens its
own database session), and the plain function in `routing.delivery` that does the work.

Jobs take ids only, use RQ's JSON serializer and deterministic job ids.
"""

from __future__ import annotations

import logging
import random
from datetime import UTC, datetime, timedelta

import redis
from rq import Queue, Retry, get_current_job
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from rq.serializers import JSONSerializer

from config import Config
from database import Database
from routing import alerts, channels, delivery, push

log = logging.getLogger(__name__)

DELIVER_JOB = "routing.jobs.deliver_job"
# Delivery into the inbox is one UPDATE, so it fails only with the database (or a bug).
# Exponential backoff from 5 s, capped at 30 minutes: 10 retries span at least 36 minutes
# (with the least jitter; about 54 on average), enough for a database failover or restart.
# After the last, the envelope is failed, the operators are alerted, and it is in the inbox.
# Module attributes, read at enqueue time, so tests can make retries immediate.
DELIVER_MAX_RETRIES = 10
DELIVER_BACKOFF_SECONDS = 5
DELIVER_BACKOFF_CAP_SECONDS = 1800
JOB_TIMEOUT = 60
# A job in one of these states will still run; enqueueing it again would only add work.
PENDING = {JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.DEFERRED}

PUSH_JOB = "routing.jobs.push_job"
# Exponential backoff from 30 s, capped at an hour: 56 retries span at least 25 hours (with
# the least jitter; about 37 on average), so a case system down for a day still gets every report.
# Module attributes, read at enqueue time, so tests can make retries immediate.
PUSH_MAX_RETRIES = 56
PUSH_BACKOFF_SECONDS = 30
PUSH_BACKOFF_CAP_SECONDS = 3600
PUSH_TIMEOUT_SECONDS = push.TIMEOUT_SECONDS


class PushNotYetStored(Exception):
    """Raised by the push job for a transient failure, so RQ's Retry runs it again."""

_database: Database | None = None


def use_database(database: Database) -> None:
    """Give this process's jobs their database (the worker command and tests call this)."""
    global _database
    _database = database


def _db() -> Database:
    global _database
    if _database is None:
        _database = Database(Config.from_env().database_url or "")
    return _database


def queue(connection: redis.Redis, name: str) -> Queue:
    return Queue(name, connection=connection, serializer=JSONSerializer)


def job_id(envelope_id: str) -> str:
    return f"deliver-{envelope_id}"


def backoff(max_retries: int, base_seconds: float, cap_seconds: float) -> Retry:
    """RQ's Retry with exponential backoff and "equal jitter" (half of each wait fixed, half
    random), drawn per job, so jobs that failed together during an outage do not all come back
    at the same moment and fail together again. Needs a worker with the scheduler on, as
    `flask routing worker` runs it."""
    intervals = []
    for n in range(max_retries):
        wait = min(cap_seconds, base_seconds * 2**n)
        intervals.append(round(wait / 2 + random.uniform(0, wait / 2)))
    return Retry(max=max_retries, interval=intervals)


def deliver_retry() -> Retry:
    return backoff(DELIVER_MAX_RETRIES, DELIVER_BACKOFF_SECONDS, DELIVER_BACKOFF_CAP_SECONDS)


def is_last_try() -> bool:
    """RQ counts retries down; none left (or not run by RQ at all) means this is the last."""
    job = get_current_job()
    return job is None or not job.retries_left


def enqueue_delivery(connection: redis.Redis, queue_name: str, envelope_id: str) -> None:
    queue(connection, queue_name).enqueue_call(
        DELIVER_JOB,
        args=(envelope_id,),
        job_id=job_id(envelope_id),
        retry=deliver_retry(),
        timeout=JOB_TIMEOUT,
        result_ttl=3600,
        failure_ttl=7 * 24 * 3600,
    )


def deliver_job(envelope_id: str) -> bool:
    """The RQ entry point: one session, one delivery, committed before the job reports success.

    The push row (if the service pushes) is written in the same transaction as the inbox
    delivery; its job is enqueued after the commit. If that enqueue is lost, the reconciler
    finds the push still pending.
    """
    try:
        with _db().session() as session:
            delivered = delivery.deliver_envelope(session, envelope_id)
            push_pending = (delivered is not None and delivered.service_pushes
                            and channels.open_push(session, envelope_id))
    except Exception as error:
        # Raised again, so RQ retries with backoff (or records the failure after the last).
        if is_last_try():
            fail_delivery(envelope_id, error)
        raise
    if push_pending:
        job = get_current_job()
        if job is not None:
            try:
                enqueue_push(job.connection, job.origin, envelope_id)
            except redis.RedisError as error:
                log.warning(
                    "push of envelope %s not enqueued (%s); the reconciler will",
                    envelope_id,
                    type(error).__name__,
                )
    return delivered is not None


def fail_delivery(envelope_id: str, error: BaseException) -> None:
    """The last try to deliver failed: the envelope becomes failed (which puts it in the inbox
    all the same) and the operators are alerted, in a transaction of its own. If even that
    cannot be written, the database is down: the envelope stays accepted, and the reconciler
    enqueues it again once the job is gone from the queue."""
    try:
        with _db().session() as session:
            service_id = delivery.mark_failed(session, envelope_id)
            if service_id is not None:
                # The type only: an exception's message could quote a statement's parameters.
                alerts.envelope_failed(
                    session, envelope_id, service_id,
                    f"inbox delivery failed after the last try ({type(error).__name__})",
                )
    except Exception as second:  # noqa: BLE001 - say so, then let RQ record the first error
        log.error(
            "envelope %s: delivery failed after the last try (%s) and could not be marked "
            "failed (%s); it stays accepted for the reconciler",
            envelope_id, type(error).__name__, type(second).__name__,
        )


# --- push ---------------------------------------------------------------------------------------


def push_job_id(envelope_id: str) -> str:
    return f"push-{envelope_id}"


def push_retry() -> Retry:
    return backoff(PUSH_MAX_RETRIES, PUSH_BACKOFF_SECONDS, PUSH_BACKOFF_CAP_SECONDS)


def enqueue_push(connection: redis.Redis, queue_name: str, envelope_id: str) -> None:
    queue(connection, queue_name).enqueue_call(
        PUSH_JOB,
        args=(envelope_id,),
        job_id=push_job_id(envelope_id),
        retry=push_retry(),
        timeout=JOB_TIMEOUT,
        result_ttl=3600,
        failure_ttl=7 * 24 * 3600,
    )


def push_job(envelope_id: str) -> bool:
    """The RQ entry point of one push attempt. True if this attempt got it stored.

    Two short transactions around the HTTP call, so no database lock is held over the network.
    A transient failure raises (RQ retries with backoff) unless it was the last try; a
    permanent refusal and the last try mark the push failed and alert the operators.
    """
    # The attempt count in the database caps the tries too, in case the reconciler
    # re-enqueued the push with a fresh Retry.
    with _db().session() as session:
        attempt = channels.start_push_attempt(session, envelope_id)
    if attempt is None:
        return False
    final = is_last_try() or attempt.attempt > PUSH_MAX_RETRIES
    if attempt.secret is None:
        # The worker's environment lacks the variable the services file names: the operators
        # can set it and restart the worker while the retries run; nothing unsigned is sent.
        note = f"{attempt.secret_env} is not set in the worker's environment"
        log.error("push of envelope %s to service %s not sent: %s", envelope_id,
                  attempt.service_id, note)
        result = push.PushResult(status=None, transient=True, note=note)
    else:
        result = push.post(
            attempt.url, attempt.secret, envelope_id, attempt.body, timeout=PUSH_TIMEOUT_SECONDS
        )
    with _db().session() as session:
        state = channels.record_push_result(session, attempt, result, final=final)
    if state == channels.ChannelState.PENDING:
        raise PushNotYetStored(
            f"push of envelope {envelope_id}: status {result.status}, will retry"
        )
    return result.stored and state == channels.ChannelState.DELIVERED


def retry_failed_pushes(
    connection: redis.Redis,
    queue_name: str,
    service_id: str | None = None,
    database: Database | None = None,
    envelope_id: str | None = None,
) -> int:
    """After a service fixed its endpoint: set its failed pushes (or one envelope's) pending
    again, with a fresh count of tries, and enqueue them. How many were."""
    with (database or _db()).session() as session:
        envelope_ids = channels.reopen_failed_pushes(session, service_id, envelope_id)
    for found in envelope_ids:
        enqueue_push(connection, queue_name, found)
    return len(envelope_ids)


def redeliver_failed(
    connection: redis.Redis,
    queue_name: str,
    envelope_id: str | None = None,
    database: Database | None = None,
) -> list[str]:
    """After the cause of a failed inbox delivery is fixed: enqueue the delivery again (of one
    envelope, or of every one whose delivery failed). Delivery keeps what the team did with the
    envelope meanwhile. Returns the ids enqueued."""
    with (database or _db()).session() as session:
        envelope_ids = delivery.failed_deliveries(session, envelope_id)
    for found in envelope_ids:
        enqueue_delivery(connection, queue_name, found)
    return envelope_ids


def reconcile_pushes(
    connection: redis.Redis,
    queue_name: str,
    older_than: timedelta,
    database: Database | None = None,
) -> int:
    """Re-enqueue every push left pending whose job the queue no longer holds (Redis lost it,
    or the job died without reporting). Returns how many were."""
    with (database or _db()).session() as session:
        pending = channels.pending_pushes(session, older_than)
    lost = [id_ for id_ in pending if not _still_coming(connection, push_job_id(id_))]
    if lost:
        # A second look: a job that finished after the first has recorded its push.
        with (database or _db()).session() as session:
            still = set(channels.pending_pushes(session, older_than))
        lost = [id_ for id_ in lost if id_ in still]
    for envelope_id in lost:
        enqueue_push(connection, queue_name, envelope_id)
    if lost:
        log.warning("reconciler re-enqueued %d pending push(es)", len(lost))
    return len(lost)


# A job RQ says is started, or scheduled for a retry, is trusted only while that can be true:
# a worker killed mid-job leaves its job "started" for good, and a retry whose time has come
# waits for a scheduler, which dies with its worker. Past these margins the job is lost and
# the reconciler enqueues it again (under the same id, so a late original is the same job).
STARTED_GRACE = timedelta(seconds=JOB_TIMEOUT * 2)
SCHEDULED_GRACE = timedelta(seconds=60)


def _still_coming(connection: redis.Redis, id_: str, now: datetime | None = None) -> bool:
    """Whether the queue will still run this job without our help."""
    try:
        job = Job.fetch(id_, connection=connection, serializer=JSONSerializer)
    except NoSuchJobError:
        return False
    # The status as the fetch read it, with the start time: read again on its own, it can say
    # "started" while the start time is the fetch's (none yet), and a job that just started
    # would look lost and be enqueued again while it runs.
    status = job.get_status(refresh=False)
    now = now or datetime.now(UTC)
    if status in (JobStatus.QUEUED, JobStatus.DEFERRED):
        return True
    if status == JobStatus.STARTED:
        started = job.started_at
        return started is not None and now - started.replace(tzinfo=UTC) < STARTED_GRACE
    if status == JobStatus.SCHEDULED:
        score = connection.zscore(queue(connection, job.origin).scheduled_job_registry.key, id_)
        if score is None:
            return False
        due = datetime.fromtimestamp(score, UTC)
        return now - due < SCHEDULED_GRACE
    return False


def _job_status(connection: redis.Redis, id_: str) -> JobStatus | None:
    try:
        return Job.fetch(id_, connection=connection, serializer=JSONSerializer).get_status()
    except NoSuchJobError:
        return None


def reconcile(
    connection: redis.Redis, queue_name: str, older_than: timedelta,
    database: Database | None = None,
) -> int:
    """Re-enqueue every envelope left `accepted` whose job the queue no longer holds (and,
    through `reconcile_pushes`, every push left pending).

    The database is the truth: if Redis was flushed or restarted, or a worker died holding the
    job, the envelope is still `accepted` and goes back on the queue. Returns how many were.
    """
    with (database or _db()).session() as session:
        stuck = delivery.stuck_envelopes(session, older_than)
    lost = [id_ for id_ in stuck if not _still_coming(connection, job_id(id_))]
    if lost:
        # A second look: a job that finished between the first look and its status ("finished",
        # so not coming) has delivered the envelope, and running it again would do nothing.
        with (database or _db()).session() as session:
            still = set(delivery.stuck_envelopes(session, older_than))
        lost = [id_ for id_ in lost if id_ in still]
    for envelope_id in lost:
        enqueue_delivery(connection, queue_name, envelope_id)
    if lost:
        log.warning("reconciler re-enqueued %d envelope(s) left accepted", len(lost))
    # Pushes ride along, so the worker's housekeeping covers them too; not counted here, as
    # callers count envelopes brought to the inbox.
    reconcile_pushes(connection, queue_name, older_than, database)
    return len(lost)
