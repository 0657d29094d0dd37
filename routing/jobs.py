"""RQ plumbing for delivery, in three thin layers: enqueue, the job entry point (which opens its
own database session), and the plain function in `routing.delivery` that does the work.

Jobs take ids only, use RQ's JSON serializer and deterministic job ids.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import redis
from rq import Queue, Retry
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from rq.serializers import JSONSerializer

from config import Config
from database import Database
from routing import delivery

log = logging.getLogger(__name__)

DELIVER_JOB = "routing.jobs.deliver_job"
RETRY = Retry(max=8, interval=[5, 15, 30, 60, 120, 300, 600, 1800])
JOB_TIMEOUT = 60
# A job in one of these states will still run; enqueueing it again would only add work.
PENDING = {JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.DEFERRED}

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


def enqueue_delivery(connection: redis.Redis, queue_name: str, envelope_id: str) -> None:
    queue(connection, queue_name).enqueue_call(
        DELIVER_JOB,
        args=(envelope_id,),
        job_id=job_id(envelope_id),
        retry=RETRY,
        timeout=JOB_TIMEOUT,
        result_ttl=3600,
        failure_ttl=7 * 24 * 3600,
    )


def deliver_job(envelope_id: str) -> bool:
    """The RQ entry point: one session, one delivery, committed before the job reports success."""
    with _db().session() as session:
        return delivery.deliver(session, envelope_id)


def reconcile(
    connection: redis.Redis, queue_name: str, older_than: timedelta, database: Database | None = None
) -> int:
    """Re-enqueue every envelope left `accepted` whose job the queue no longer holds.

    The database is the truth: if Redis was flushed or restarted, or a worker died holding the
    job, the envelope is still `accepted` and goes back on the queue. Returns how many were.
    """
    with (database or _db()).session() as session:
        stuck = delivery.stuck_envelopes(session, older_than)
    enqueued = 0
    for envelope_id in stuck:
        try:
            status = Job.fetch(
                job_id(envelope_id), connection=connection, serializer=JSONSerializer
            ).get_status()
        except NoSuchJobError:
            status = None
        if status in PENDING:
            continue
        enqueue_delivery(connection, queue_name, envelope_id)
        enqueued += 1
    if enqueued:
        log.warning("reconciler re-enqueued %d envelope(s) left accepted", enqueued)
    return enqueued
