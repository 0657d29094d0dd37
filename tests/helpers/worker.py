"""Reports accepted as "Send" accepts them, and the real delivery worker in the test's own
process, working off the queue once (rq's docs: SimpleWorker, burst)."""

from __future__ import annotations

import json

import redis
from rq.serializers import JSONSerializer

from database import Database
from routing import jobs
from routing.acceptance import REPORT_SCHEMA, accept
from routing.worker import DeliveryWorker

QUEUE = "delivery"


def report_about(text: str) -> bytes:
    """A report document whose concern is `text`."""
    return json.dumps(
        {"schema": REPORT_SCHEMA, "concern": {"description": text}}, ensure_ascii=False
    ).encode("utf-8")


def accept_and_enqueue(database: Database, connection: redis.Redis, text: str,
                       number: str = "0301") -> str:
    """What the web app does on "Send": accept and commit, then ring the doorbell."""
    with database.session() as session:
        envelope_id = accept(session, report_about(text), number).id
    jobs.enqueue_delivery(connection, QUEUE, envelope_id)
    return envelope_id


def run_worker(connection: redis.Redis, queue: str = QUEUE) -> None:
    """Work off everything queued (and due), then return, with the worker class `flask routing
    worker` runs (its stop does not wait out RQ's 60-second command-channel poll)."""
    DeliveryWorker([jobs.queue(connection, queue)], connection=connection,
                serializer=JSONSerializer).work(burst=True)
